"""Which configured devices are missing now: their entry waits to retry its setup, or
their coordinator says its session is down (``follow.SIGNAL_CONNECTION``).

Discovery asks devices to announce themselves and follows them while one is missing;
the subnet probe looks for them.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .const import CONF_DEVICE_ID, DOMAIN
from .entries import is_account_entry
from .follow import SIGNAL_CONNECTION


class MissingDevices:
    """Tracks the loaded devices whose session is down; says which entries are missing."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self._down: set[str] = set()  # loaded devices whose session is down

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Listen to the coordinators; returns the function that stops listening."""
        return async_dispatcher_connect(self.hass, SIGNAL_CONNECTION, self._async_connection)

    @callback
    def _async_connection(self, device_id: str, connected: bool) -> None:
        if connected:
            self._down.discard(device_id)
        else:
            self._down.add(device_id)

    def missing(self, entry: ConfigEntry) -> bool:
        """Whether an entry's device cannot be reached now (set up later, or down)."""
        if is_account_entry(entry):
            return False  # a linked account, not a device
        if entry.state is ConfigEntryState.SETUP_RETRY:
            return True
        if entry.state is ConfigEntryState.LOADED:
            return entry.data.get(CONF_DEVICE_ID) in self._down
        return False

    def entries(self) -> list[ConfigEntry]:
        """The enabled entries whose devices cannot be reached now."""
        return [
            entry
            for entry in self.hass.config_entries.async_entries(
                DOMAIN, include_ignore=False, include_disabled=False
            )
            if self.missing(entry)
        ]
