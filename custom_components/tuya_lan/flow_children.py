"""The account flow's gateways and their sub-devices (children).

The account's list names hubs and children (``node_id``, ``gateway_id``; a child
without the parent link shares its gateway's local key). A child is offered under its
gateway and, ticked, joins the gateway's entry by its ``cid`` with its name and model
(nothing typed): the gateway's entry is reused, or added from the account with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import CONF_CATEGORY, CONF_MODEL, CONF_NAME, CONF_PRODUCT_NAME, DOMAIN
from .gateway import MAX_CHILDREN, MAX_NAME, async_add_child, is_cid, stored_children
from .tuyalan import CloudDevice


def is_child(device: CloudDevice) -> bool:
    """Whether the account lists the device as a sub-device of a gateway."""
    return bool(device.node_id or device.gateway_id)


def gateway_of(device: CloudDevice, devices: Mapping[str, CloudDevice]) -> str | None:
    """The id of the gateway a sub-device is reached through: its parent link, else
    the one device of the account that is no sub-device and has its key (a child
    without the link shares its gateway's local key)."""
    if device.gateway_id:
        return device.gateway_id if device.gateway_id in devices else None
    sharing = [
        other.id
        for other in devices.values()
        if not is_child(other) and other.local_key and other.local_key == device.local_key
    ]
    return sharing[0] if len(sharing) == 1 else None


def joinable_gateway(device: CloudDevice, devices: Mapping[str, CloudDevice]) -> str | None:
    """The gateway a child of the account can join by its cid, or None (not a child,
    no gateway known, or no usable cid)."""
    if not is_child(device) or not device.node_id or not is_cid(device.node_id):
        return None
    return gateway_of(device, devices)


def gateways(devices: Mapping[str, CloudDevice]) -> set[str]:
    """The ids of the account's devices that some sub-device is reached through."""
    return {gw for d in devices.values() if (gw := joinable_gateway(d, devices)) is not None}


def not_addable(device: CloudDevice) -> str | None:
    """Why a device of the account cannot be added on its own (the key of its text,
    flow_texts.py), or None."""
    if is_child(device) and not device.node_id:
        return "no_node_id"
    if is_child(device):
        return "gateway_not_in_account"
    if not device.local_key:
        return "no_local_key"
    return None


def gateway_entry(hass: HomeAssistant, gateway_id: str) -> ConfigEntry | None:
    """The gateway's entry, if it was added."""
    return hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, gateway_id)


def has_joined(hass: HomeAssistant, device: CloudDevice, gateway_id: str) -> bool:
    """Whether the child is in its gateway's entry already."""
    entry = gateway_entry(hass, gateway_id)
    return entry is not None and device.node_id in stored_children(entry)


def child_settings(device: CloudDevice) -> dict[str, Any]:
    """What a gateway entry keeps of a sub-device from the account (no key: the
    gateway's is used)."""
    settings: dict[str, Any] = {CONF_NAME: device.name}
    if device.category:
        settings[CONF_CATEGORY] = device.category
    if device.product_name:
        settings[CONF_PRODUCT_NAME] = device.product_name
    if device.model:
        settings[CONF_MODEL] = [dp.to_dict() for dp in device.model]
    return settings


def async_join(hass: HomeAssistant, device: CloudDevice, gateway: CloudDevice) -> bool | None:
    """Add a child to its gateway's entry: joined; None when it cannot, its gateway not
    being added. Not joined (False): the entry holds it already, or all it can."""
    assert device.node_id is not None
    entry = gateway_entry(hass, gateway.id)
    if entry is None:
        return None
    return async_add_child(hass, entry, device.node_id, child_settings(device))


# The form's errors of a typed line.
ERROR_INVALID_CID: Final = "invalid_cid"
ERROR_TOO_MANY_CHILDREN: Final = "too_many_children"


class ChildrenTextError(ValueError):
    """A line of the typed sub-devices that cannot be one (``reason``: a form error)."""

    def __init__(self, reason: str, line: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def parse_children(text: str) -> dict[str, dict[str, Any]]:
    """The sub-devices typed for a gateway added by key: a line each, its cid and
    optionally a name after it (``a4c1380000000001 Kitchen plug``); blank lines are
    skipped. Raises ChildrenTextError naming the first line that is no sub-device."""
    children: dict[str, dict[str, Any]] = {}
    for raw in text.splitlines():
        if not (line := raw.strip()):
            continue
        cid, _, name = line.partition(" ")
        if not is_cid(cid):
            raise ChildrenTextError(ERROR_INVALID_CID, line[:80])
        if len(children) >= MAX_CHILDREN:
            raise ChildrenTextError(ERROR_TOO_MANY_CHILDREN, line[:80])
        children[cid] = {CONF_NAME: name.strip()[:MAX_NAME]} if name.strip() else {}
    return children
