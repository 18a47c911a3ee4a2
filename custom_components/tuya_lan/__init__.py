"""Tuya LAN: control Tuya WiFi plugs locally, over one persistent session per device."""

from __future__ import annotations

import ipaddress
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from .account import account_for
from .account_repairs import account_issue_id
from .const import (
    CONF_LISTEN_ADDRESS,
    CONF_MODEL,
    CONF_PROBE_RANGES,
    CONF_REQUEST_ADDRESS,
    CONF_REQUEST_PORT,
    CONF_TOKEN_INFO,
    DOMAIN,
    LOGGER,
)
from .coordinator import TuyaLanCoordinator
from .discovery import async_start_discovery
from .entries import (
    TuyaLanAccountConfigEntry,
    TuyaLanConfigEntry,
    TuyaLanDeviceConfigEntry,
    is_account_entry,
)
from .entry_platforms import async_setup_platforms, async_unload_platforms
from .gateway import GatewayCoordinator, is_gateway
from .mapping import health_unique_id, raw_unique_id
from .naming import async_setup_names
from .sensor import HEALTH_SENSORS
from .services import async_setup_services
from .tuyalan import ProbeRangeError, parse_ranges, parse_stored_model
from .tuyalan.dpmap import DP_ID_MAX

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.CLIMATE,
    Platform.COVER,
    Platform.FAN,
    Platform.HUMIDIFIER,
    Platform.LIGHT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]


def _ipv4(value: Any) -> str:
    try:
        return str(ipaddress.IPv4Address(cv.string(value)))
    except ValueError as err:
        raise vol.Invalid(f"not an IPv4 address: {value}") from err


def _ranges(value: Any) -> list[str]:
    """Address ranges to probe: a list, or one text of ranges separated by commas or
    blanks; each CIDR or a host, at most a /22 in all (checked here, at start-up)."""
    items = [cv.string(item) for item in (value if isinstance(value, list) else [value])]
    try:
        parse_ranges(items)
    except ProbeRangeError as err:
        raise vol.Invalid(str(err)) from err
    return items


# Devices are added through the UI only. `tuya_lan:` in configuration.yaml loads the
# integration at start-up, so that discovery runs before any device is added; its
# options say where the 0x25 discovery request goes (default: broadcast) and which
# address the listener binds (default: all).
CONFIG_SCHEMA = vol.Schema(
    {
        vol.Optional(DOMAIN): vol.Any(
            None,
            vol.Schema(
                {
                    vol.Optional(CONF_REQUEST_ADDRESS): _ipv4,
                    vol.Optional(CONF_REQUEST_PORT): cv.port,
                    vol.Optional(CONF_LISTEN_ADDRESS): _ipv4,
                    vol.Optional(CONF_PROBE_RANGES): _ranges,
                }
            ),
        )
    },
    extra=vol.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions and start listening for devices."""
    async_setup_services(hass)
    async_setup_names(hass)
    try:
        await async_start_discovery(hass, config.get(DOMAIN) or {})
    except Exception:
        # Discovery is a convenience: devices can still be added and run without it.
        LOGGER.exception("Cannot start listening for Tuya devices")
    return True


async def async_setup_entry(hass: HomeAssistant, entry: TuyaLanConfigEntry) -> bool:
    """Connect to the device and set up its entities (or set up a linked account)."""
    if is_account_entry(entry):
        return _async_setup_account(hass, entry)
    _async_check_stored_model(hass, entry)
    # A gateway entry runs one session for itself and its children (gateway.py).
    coordinator = (GatewayCoordinator if is_gateway(entry) else TuyaLanCoordinator)(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    _async_remove_stale_entities(hass, entry, coordinator)
    coordinator.async_start()
    await async_setup_platforms(hass, entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: TuyaLanConfigEntry) -> bool:
    """Unload a config entry; the coordinator closes the session on unload."""
    if is_account_entry(entry):
        await entry.runtime_data.async_close()
        return True
    return await async_unload_platforms(hass, entry)


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """An account removed: end its cloud session. The devices keep their keys."""
    if is_account_entry(entry):
        ir.async_delete_issue(hass, DOMAIN, account_issue_id(entry.entry_id))
        account = account_for(hass, entry.data)
        await account.async_unlink()
        await account.async_close()


@callback
def _async_check_stored_model(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Store the cached cloud model again, checked, when it holds what the checks leave
    out: an entry saved by an older version may hold the cloud's answer as it came (an
    integer past 64 bits there stops Home Assistant from saving any config entry)."""
    stored = entry.data.get(CONF_MODEL)
    if stored is None:
        return
    checked = [dp.to_dict() for dp in parse_stored_model(stored)]
    if checked != stored:
        LOGGER.warning(
            "%s: the stored data model held values no Tuya device has; they were left out",
            entry.title,
        )
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_MODEL: checked})


def _async_setup_account(hass: HomeAssistant, entry: TuyaLanAccountConfigEntry) -> bool:
    """A linked account: a client, and nothing sent until a key or model is needed.

    Nothing is asked of the cloud here: devices never wait on it, and what goes wrong
    when it is asked (a device's key to heal, devices to add) is said then, in the
    flow or as a repair issue on this entry.
    """

    @callback
    def token_refreshed(token_info: dict[str, Any]) -> None:
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_TOKEN_INFO: token_info}
        )

    entry.runtime_data = account_for(hass, entry.data, token_refreshed)
    return True


def _async_remove_stale_entities(
    hass: HomeAssistant, entry: TuyaLanDeviceConfigEntry, coordinator: TuyaLanCoordinator
) -> None:
    """Drop registry entries the current descriptions no longer provide.

    When the user maps a DP to another kind, its entity may move to another platform
    (a raw sensor becoming a switch), or a mapped DP may become raw again: the old
    registry entry goes. What stays: the entities the descriptions give, the
    connection-health sensors, and the raw sensors of DPs not reported since setup
    (the device may report them later).
    """
    device_id = coordinator.device_id
    wanted = coordinator.descriptions.unique_ids(device_id)
    wanted |= {
        (Platform.SENSOR.value, raw_unique_id(device_id, str(dp)))
        for dp in range(1, DP_ID_MAX + 1)
        if str(dp) not in coordinator.specs
    }
    wanted |= {
        (Platform.SENSOR.value, health_unique_id(device_id, description.key))
        for description in HEALTH_SENSORS
    }
    registry = er.async_get(hass)
    ours = f"{device_id}_"  # an entity of another origin is not ours to judge
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.unique_id.startswith(ours) and (entity.domain, entity.unique_id) not in wanted:
            registry.async_remove(entity.entity_id)
