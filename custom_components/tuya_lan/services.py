"""The integration's action: set_dp writes one DP of a device (elgato's services.py)."""

from __future__ import annotations

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr

from . import validation
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DP,
    ATTR_VALUE,
    CONF_DEVICE_ID,
    DOMAIN,
    SERVICE_SET_DP,
)
from .coordinator import TuyaLanCoordinator
from .entries import is_account_entry
from .validation import ERROR_DP, ERROR_VALUE

# The DP and its value are checked by the action itself (validation.py), so that a bad
# one is refused with a translated ServiceValidationError rather than a schema message.
SET_DP_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Exclusive(CONF_DEVICE_ID, "target"): cv.string,
            vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "target"): cv.string,
            vol.Required(ATTR_DP): object,
            vol.Required(ATTR_VALUE): object,
        }
    ),
    cv.has_at_least_one_key(CONF_DEVICE_ID, ATTR_CONFIG_ENTRY_ID),
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, in async_setup)."""
    hass.services.async_register(DOMAIN, SERVICE_SET_DP, _async_set_dp, schema=SET_DP_SCHEMA)


async def _async_set_dp(call: ServiceCall) -> None:
    """Write one DP: its id and value checked first, then sent to the targeted device."""
    dp, value = call.data[ATTR_DP], call.data[ATTR_VALUE]
    try:
        dp = validation.dp_id(dp)
    except validation.InvalidInput as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=ERROR_DP,
            translation_placeholders={"value": repr(dp)[:60]},
        ) from err
    try:
        value = validation.dp_value(value)
    except validation.InvalidInput as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=ERROR_VALUE,
            translation_placeholders={"value": repr(value)[:60]},
        ) from err
    coordinator = _coordinator_for_call(call)
    await coordinator.async_set_dps({str(dp): value})


def _coordinator_for_call(call: ServiceCall) -> TuyaLanCoordinator:
    """Find the loaded device entry an action targets (by device or by config entry)."""
    hass = call.hass
    if (device_id := call.data.get(CONF_DEVICE_ID)) is not None:
        device = dr.async_get(hass).async_get(device_id)
        if device is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="device_not_found",
                translation_placeholders={"device_id": device_id},
            )
        entry_id = device.config_entry_id
    else:
        entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN or is_account_entry(entry):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    coordinator: TuyaLanCoordinator = entry.runtime_data
    return coordinator
