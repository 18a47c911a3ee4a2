"""What the integration asks a linked account: its devices, keys and models.

The two kinds (a Tuya IoT developer project, account.py; a Smart Life app account,
account_smart_life.py) differ only in how they fetch the list.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import LOGGER, SIGNAL_ACCOUNT_DEVICES
from .tuyalan import CloudDevice, CloudDeviceUnknownError

# A device list this young is reused (many devices healing at once share one fetch).
DEVICES_MAX_AGE: Final = 30.0


class LinkedAccount:
    """What the integration asks a linked account: its devices, keys and models."""

    kind: str = ""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self._devices: dict[str, CloudDevice] | None = None
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    @property
    def unique_id(self) -> str:
        """The account entry's unique id."""
        raise NotImplementedError

    async def _fetch(self) -> tuple[CloudDevice, ...]:
        raise NotImplementedError

    def entry_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """``data`` to save for this account, with what changed since it was linked."""
        return dict(data)

    async def async_devices(self, *, max_age: float = DEVICES_MAX_AGE) -> dict[str, CloudDevice]:
        """The account's devices by id, fetched again when older than ``max_age`` s."""
        asked = time.monotonic()
        async with self._lock:
            # A fetch that finished while we waited is fresh enough for us too.
            if self._devices is not None and (
                self._fetched >= asked or time.monotonic() - self._fetched < max_age
            ):
                return self._devices
            devices = await self._fetch()
            self._devices = {device.id: device for device in devices}
            self._fetched = time.monotonic()
            async_dispatcher_send(self.hass, SIGNAL_ACCOUNT_DEVICES, tuple(devices))
            LOGGER.debug("The linked account holds %d devices", len(self._devices))
            return self._devices

    async def async_device(
        self, device_id: str, *, max_age: float = DEVICES_MAX_AGE
    ) -> CloudDevice:
        """One device, with its current key; CloudDeviceUnknownError if not held."""
        device = (await self.async_devices(max_age=max_age)).get(device_id)
        if device is None:
            raise CloudDeviceUnknownError(f"the linked account does not hold device {device_id}")
        return device

    def adopt_listing(self, other: LinkedAccount) -> None:
        """Start with the device list another client of the same account fetched (the
        link's flow lists the devices before the account's entry exists)."""
        if other._devices is not None and self._devices is None:
            self._devices, self._fetched = other._devices, other._fetched

    def cached_devices(self) -> list[CloudDevice] | None:
        """The devices of the last fetch (None: never fetched)."""
        return None if self._devices is None else list(self._devices.values())

    def cached(self, device_id: str) -> CloudDevice | None:
        """The device from the last fetch, without asking the cloud."""
        return (self._devices or {}).get(device_id)

    async def async_close(self) -> None:
        """Release what the client holds."""

    async def async_unlink(self) -> None:
        """End the account's session in the cloud (on removal; best effort)."""
