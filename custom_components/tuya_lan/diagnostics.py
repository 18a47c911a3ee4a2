"""Diagnostics: the entry, the session and every DP, with secrets redacted."""

from __future__ import annotations

import dataclasses
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_TERMINAL_ID,
    CONF_TOKEN_INFO,
    CONF_UID,
    CONF_USER_CODE,
)
from .coordinator import TuyaLanCoordinator
from .entries import TuyaLanAccountConfigEntry, TuyaLanConfigEntry, is_account_entry
from .gateway import GatewayCoordinator

TO_REDACT = {CONF_LOCAL_KEY, CONF_DEVICE_ID, CONF_HOST, "ip", "unique_id", "title"}
# A linked account: every credential, token and id; what is left says which kind of
# account it is, where it points, and how many devices it last listed.
ACCOUNT_TO_REDACT = {
    *TO_REDACT,
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_TOKEN_INFO,
    CONF_TERMINAL_ID,
    CONF_UID,
    CONF_USER_CODE,
    "username",
    "access_token",
    "refresh_token",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: TuyaLanConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    if is_account_entry(entry):
        return _account_diagnostics(entry)
    coordinator = entry.runtime_data
    return _device_diagnostics(entry, coordinator) | _children_diagnostics(coordinator)


def _device_diagnostics(
    entry: TuyaLanConfigEntry, coordinator: TuyaLanCoordinator
) -> dict[str, Any]:
    return {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            TO_REDACT,
        ),
        "connected": coordinator.device.connected,
        "last_update_success": coordinator.last_update_success,
        "protocol_version": coordinator.version,
        "health": _health(coordinator),
        "dps": dict(coordinator.data.dps),
        "mapping": {
            dp: {
                "kind": spec.kind.value,
                "scale": spec.effective_scale,
                "unit": spec.unit,
                "device_class": spec.device_class,
                "overridden": spec.overridden,
            }
            for dp, spec in coordinator.specs.items()
        },
        # Model scales the readings contradicted, and the scale used instead.
        "model_scale_notes": dict(coordinator.model_notes),
    }


def _children_diagnostics(coordinator: TuyaLanCoordinator) -> dict[str, Any]:
    """A gateway's sub-devices: what the gateway says of each, and its DPs."""
    if not isinstance(coordinator, GatewayCoordinator):
        return {}
    return {
        "children": {
            cid: {
                "presence": child.presence_state,
                "available": child.last_update_success,
                "dps": dict(child.data.dps) if child.data is not None else {},
                "mapping": {dp: spec.kind.value for dp, spec in child.specs.items()},
            }
            for cid, child in coordinator.children.items()
        }
    }


def _health(coordinator: TuyaLanCoordinator) -> dict[str, Any]:
    """The connection's health; its error text may name the address: redacted."""
    health = dataclasses.asdict(coordinator.health)
    health["fault"] = health["fault"] and str(health["fault"])
    if health["error"] is not None:
        health["error"] = "**REDACTED**"
    # Wall-clock times and round trips change from one download to the next.
    shown = ("connected", "version", "reconnects", "closed_by_device", "fault", "error")
    return {key: health[key] for key in shown} | {
        # Closed by the device and back within the grace: never shown as unavailable.
        "quick_reconnects": coordinator.quick_reconnects
    }


def _account_diagnostics(entry: TuyaLanAccountConfigEntry) -> dict[str, Any]:
    account = entry.runtime_data
    devices = account.cached_devices()
    return {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
            },
            ACCOUNT_TO_REDACT,
        ),
        "kind": account.kind,
        "devices_listed": None if devices is None else len(devices),
        "devices_with_key": None
        if devices is None
        else sum(1 for device in devices if device.local_key),
    }
