"""The integration's two kinds of config entry, told apart in one place.

A device entry runs a :class:`TuyaLanCoordinator`; a linked account's entry (its data
says ``entry_type: account``) holds a :class:`LinkedAccount`. Devices never depend on
an account: they keep their key and model in their own data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeIs

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant

from .const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_TYPE_ACCOUNT

if TYPE_CHECKING:
    from .account_base import LinkedAccount
    from .coordinator import TuyaLanCoordinator

# hassfest's strict-typing rule wants setup hooks to take an alias named *ConfigEntry.
# The platforms see device entries only; the hooks that see both kinds (setup, unload,
# diagnostics) take TuyaLanConfigEntry and tell them apart once, with is_account_entry.
type TuyaLanDeviceConfigEntry = ConfigEntry[TuyaLanCoordinator]
type TuyaLanAccountConfigEntry = ConfigEntry[LinkedAccount]
type TuyaLanConfigEntry = TuyaLanDeviceConfigEntry | TuyaLanAccountConfigEntry


def is_account_entry(entry: ConfigEntry) -> TypeIs[TuyaLanAccountConfigEntry]:
    """Whether an entry is a linked account rather than a device."""
    return entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_ACCOUNT


def device_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """Every device entry of the integration (no account, no ignored ones), set up or not."""
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        if not is_account_entry(entry)
    ]


def loaded_accounts(hass: HomeAssistant) -> list[tuple[TuyaLanAccountConfigEntry, LinkedAccount]]:
    """The linked accounts that are set up, with their clients."""
    return [
        (entry, entry.runtime_data)
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        if is_account_entry(entry) and entry.state is ConfigEntryState.LOADED
    ]
