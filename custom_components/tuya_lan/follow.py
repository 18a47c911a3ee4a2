"""Following a device that moved: the entry takes the new address only when the device
answers there as itself (a handshake and a status read with the entry's key, version
and port; on 3.1 a report that proves the key). An address that does not answer is
never written.

Discovery hears where a device announces itself and says so with the device's
:func:`signal_heard`; a loaded entry's coordinator (which knows whether its session is
up) follows; an entry waiting to retry its setup has no session, so discovery follows
for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant, callback

from .const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
)
from .tuyalan import Fault, TuyaDevice, TuyaError, probe

PROBE_TIMEOUT: Final = 5.0  # seconds, for the handshake and status read at the new address
# An address where the device did not answer as itself is tried again after this long
# (it announces every few seconds).
FOLLOW_RETRY: Final = 60.0  # seconds
# A device away that announces itself at its address is tried at once, at most this
# often (it announces every few seconds, and may announce while it cannot answer yet).
RETRY_WHEN_HEARD: Final = 10.0  # seconds

# Discovery to all: whether a configured device's session is up (device_id, connected).
SIGNAL_CONNECTION: Final = f"{DOMAIN}_connection"


def signal_heard(device_id: str) -> str:
    """The dispatcher signal that a device announced itself at another address (ip)."""
    return f"{DOMAIN}_heard_{device_id}"


async def async_follow(
    hass: HomeAssistant, entry: ConfigEntry, new_host: str, still_missing: Callable[[], bool]
) -> bool:
    """Move the entry to ``new_host`` if, and only if, the device answers there (and
    ``still_missing()`` holds once it did); whether it moved. The entry reloads."""
    data = entry.data
    old_host = data[CONF_HOST]
    try:
        await probe(
            new_host,
            data[CONF_DEVICE_ID],
            data[CONF_LOCAL_KEY],
            data[CONF_PROTOCOL_VERSION],
            port=data.get(CONF_PORT, DEFAULT_PORT),
            timeout=PROBE_TIMEOUT,
            # A 3.1 status is plaintext: anything at the new address could send it.
            # Only a report that proves our key moves the entry.
            require_proof=True,
        )
    except (TuyaError, OSError) as err:
        LOGGER.debug(
            "%s announced address %s but does not answer there as itself (%s); keeping %s",
            entry.title,
            new_host,
            err or type(err).__name__,
            old_host,
        )
        return False
    if entry.data.get(CONF_HOST) != old_host or not still_missing():
        return False  # changed meanwhile (reconfigured, or reconnected by itself)
    LOGGER.info("%s moved from %s to %s: following it", entry.title, old_host, new_host)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_HOST: new_host})
    hass.config_entries.async_schedule_reload(entry.entry_id)
    return True


class Follower:
    """Follows one loaded entry's device where discovery hears it: to a new address (one
    check at a time; an address where the device did not answer is tried again only
    after FOLLOW_RETRY), or at once at its own address when it was away."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, device: TuyaDevice) -> None:
        self._hass = hass
        self._entry = entry
        self._device = device
        self._busy = False
        self._tried: tuple[str, float] | None = None  # an address, and when
        self._heard_at: str | None = None  # where discovery heard it last
        self._tried_when_heard = -RETRY_WHEN_HEARD  # monotonic: an announcement's attempt

    @property
    def moved(self) -> bool:
        """Whether discovery heard the device at another address than its session's."""
        return self._heard_at is not None and self._heard_at != self._device.host

    @callback
    def heard(self, host: str) -> None:
        """Discovery heard the device at ``host``: follow it there if it is away, or
        try it now if it announces itself where nothing answered (back on the network:
        the backoff could otherwise wait up to a minute)."""
        self._heard_at = host
        device = self._device
        if device.connected:
            return
        if host != device.host:
            self._follow(host, lambda: not device.connected)
            return
        now = time.monotonic()
        if (
            device.health.fault in (Fault.UNREACHABLE, Fault.STALLED)
            and now - self._tried_when_heard >= RETRY_WHEN_HEARD
        ):
            self._tried_when_heard = now
            LOGGER.debug("%s announces itself again: reconnecting now", self._entry.title)
            device.reconnect()

    @callback
    def _follow(self, host: str, still_missing: Callable[[], bool]) -> None:
        """The device announced ``host``; its session is down (``still_missing``)."""
        now = time.monotonic()
        tried = self._tried
        if self._busy or host == self._entry.data.get(CONF_HOST):
            return
        if tried is not None and tried[0] == host and now - tried[1] < FOLLOW_RETRY:
            return  # tried there lately
        self._tried = (host, now)
        self._busy = True
        self._entry.async_create_background_task(
            self._hass,
            self._async_follow(host, still_missing),
            f"{DOMAIN} follow {self._entry.data[CONF_DEVICE_ID]}",
        )

    async def _async_follow(self, host: str, still_missing: Callable[[], bool]) -> None:
        try:
            await async_follow(self._hass, self._entry, host, still_missing)
        finally:
            self._busy = False
