"""Following a device that moved: the entry takes the new address only when the device
answers there as itself (a handshake and a status read with the entry's key, version
and port; on 3.1 a report that proves the key). An address that does not answer is
never written. A device heard announcing another protocol version than its entry's
(a firmware update changed it) is followed the same way: proven with the version it
announces, which the entry then keeps.

Discovery hears where a device announces itself and says so with the device's
:func:`signal_heard`; a loaded entry's coordinator (which knows whether its session is
up) follows; an entry waiting to retry its setup has no session, so discovery follows
for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant, callback

from .const import (
    CONF_CHILDREN,
    CONF_DEVICE_ID,
    CONF_IS_GATEWAY,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
)
from .tuyalan import VERSIONS, Fault, TuyaDevice, TuyaError, probe, probe_gateway

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
    """The dispatcher signal that a device announced itself: (ip, protocol version)."""
    return f"{DOMAIN}_heard_{device_id}"


def changed_version(stored: str, announced: str | None) -> str | None:
    """The protocol version a device announces when it is another than its entry's
    (a firmware update changed it), else None. A 3.2 device announces itself as 3.3:
    the same protocol, whose device22 handling the entry's 3.2 keeps."""
    if announced not in VERSIONS or announced == stored or {stored, announced} == {"3.2", "3.3"}:
        return None
    return announced


async def async_follow(
    hass: HomeAssistant,
    entry: ConfigEntry,
    new_host: str,
    still_missing: Callable[[], bool],
    version: str | None = None,
) -> bool:
    """Move the entry to ``new_host`` (and protocol ``version``, default its own) if,
    and only if, the device answers there so (and ``still_missing()`` holds once it
    did); whether it moved. The entry reloads."""
    data = entry.data
    old_host, old_version = data[CONF_HOST], data[CONF_PROTOCOL_VERSION]
    version = version or old_version
    device = (new_host, data[CONF_DEVICE_ID], data[CONF_LOCAL_KEY], version)
    port = data.get(CONF_PORT, DEFAULT_PORT)
    stored = entry.options.get(CONF_CHILDREN)
    children = list(stored) if isinstance(stored, Mapping) else []
    try:
        if children or data.get(CONF_IS_GATEWAY) is True:
            # A hub answers no status of its own: its key is proven with a child's.
            await probe_gateway(*device, children=children, port=port, timeout=PROBE_TIMEOUT)
        else:
            # A 3.1 status is plaintext: anything at the new address could send it.
            # Only a report that proves our key moves the entry.
            await probe(*device, port=port, timeout=PROBE_TIMEOUT, require_proof=True)
    except (TuyaError, OSError) as err:
        LOGGER.debug(
            "%s announced address %s (protocol %s) but does not answer there as itself "
            "(%s); keeping %s (protocol %s)",
            entry.title,
            new_host,
            version,
            err or type(err).__name__,
            old_host,
            old_version,
        )
        return False
    if (
        entry.data.get(CONF_HOST) != old_host
        or entry.data.get(CONF_PROTOCOL_VERSION) != old_version
        or not still_missing()
    ):
        return False  # changed meanwhile (reconfigured, or reconnected by itself)
    if new_host != old_host:
        LOGGER.info("%s moved from %s to %s: following it", entry.title, old_host, new_host)
    if version != old_version:
        LOGGER.info(
            "%s speaks protocol %s now, not %s (a firmware update?): following it",
            entry.title,
            version,
            old_version,
        )
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_HOST: new_host, CONF_PROTOCOL_VERSION: version}
    )
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
        self._tried: tuple[tuple[str, str], float] | None = None  # (address, version), when
        self._heard_at: str | None = None  # where discovery heard it last
        self._tried_when_heard = -RETRY_WHEN_HEARD  # monotonic: an announcement's attempt

    @property
    def moved(self) -> bool:
        """Whether discovery heard the device at another address than its session's."""
        return self._heard_at is not None and self._heard_at != self._device.host

    @callback
    def heard(self, host: str, version: str | None = None) -> None:
        """Discovery heard the device at ``host`` (announcing protocol ``version``):
        follow it there (or to that version) if it is away, or try it now if it
        announces itself where nothing answered (back on the network: the backoff
        could otherwise wait up to a minute)."""
        self._heard_at = host
        device = self._device
        if device.connected:
            return
        version = changed_version(self._entry.data[CONF_PROTOCOL_VERSION], version)
        if host != device.host or version is not None:
            self._follow(host, lambda: not device.connected, version)
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
    def _follow(
        self, host: str, still_missing: Callable[[], bool], version: str | None = None
    ) -> None:
        """The device announced ``host`` (and protocol ``version``, if told); its
        session is down (``still_missing``)."""
        now = time.monotonic()
        tried = self._tried
        data = self._entry.data
        version = version or data[CONF_PROTOCOL_VERSION]
        if self._busy or (host, version) == (data.get(CONF_HOST), data[CONF_PROTOCOL_VERSION]):
            return
        if tried is not None and tried[0] == (host, version) and now - tried[1] < FOLLOW_RETRY:
            return  # tried there lately
        self._tried = ((host, version), now)
        self._busy = True
        self._entry.async_create_background_task(
            self._hass,
            self._async_follow(host, still_missing, version),
            f"{DOMAIN} follow {data[CONF_DEVICE_ID]}",
        )

    async def _async_follow(
        self, host: str, still_missing: Callable[[], bool], version: str
    ) -> None:
        try:
            await async_follow(self._hass, self._entry, host, still_missing, version)
        finally:
            self._busy = False
