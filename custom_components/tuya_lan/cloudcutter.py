"""Adding a device from a tuya-cloudcutter key file: no Tuya account, nothing typed.

The key file gives the device id and local key (``tuyalan.cloudcutter``); the device
is found on the network by its id (heard announcing, else answering the subnet probe
of the ``probe_ranges`` option), its protocol version detected and its key proven by a
handshake, as for any device. The entry is marked "no cloud": its key is never healed
from a linked account. An optional cloudcutter device profile gives the DP types,
scales and ranges (the kinds still come from the no-model rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant

from .const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_MODEL,
    CONF_NO_CLOUD,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_NAME,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
)
from .discovery import async_probe, async_scan, heard_ip
from .tuyalan.cloudcutter import CloudcutterDevice, CloudcutterProfile
from .tuyalan.subnet import ProbeRangeError


async def async_locate(hass: HomeAssistant, device_id: str) -> str | None:
    """The device's address: heard announcing it (after one scan window), else
    answering the probe of the configured ranges (3.5 devices give their id); None."""
    await async_scan(hass)
    if (ip := heard_ip(hass, device_id)) is not None:
        return ip
    try:
        answers = await async_probe(hass)
    except ProbeRangeError:
        return None  # the option is checked at start-up
    return next((a.ip for a in answers if a.device_id == device_id), None)


@dataclass(frozen=True, slots=True)
class Imported:
    """A key file (and profile) ready to become an entry once the key is proven."""

    device: CloudcutterDevice
    profile: CloudcutterProfile | None = None

    @property
    def title(self) -> str:
        """The entry's title: the profile's name, else the device's slug, else its id."""
        name = (self.profile.name if self.profile else None) or self.device.device_slug
        return f"{name} {self.device.device_id[-4:]}" if name else self.device.device_id

    def entry_data(self, host: str, version: str, port: int = DEFAULT_PORT) -> dict[str, Any]:
        """What the entry stores: no secret of cloudcutter's, and "no cloud"."""
        data: dict[str, Any] = {
            CONF_HOST: host,
            CONF_PORT: port,
            CONF_DEVICE_ID: self.device.device_id,
            CONF_LOCAL_KEY: self.device.local_key,
            CONF_PROTOCOL_VERSION: version,
            CONF_NO_CLOUD: True,
        }
        if self.profile is not None:
            data[CONF_PRODUCT_KEY] = self.profile.product_id
            data[CONF_PRODUCT_NAME] = self.profile.name
            if self.profile.model:
                data[CONF_MODEL] = [dp.to_dict() for dp in self.profile.model]
        return data
