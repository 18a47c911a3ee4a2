"""Gateways in Home Assistant: one entry, one session, a device per sub-device.

A gateway entry is a device entry (the gateway's id, key, version and address) that
has sub-devices (children): entered by ``cid`` in its options (``children``: cid ->
{"name": ...}, the options flow's "Sub-devices" steps), or marked ``is_gateway`` in its
data (a gateway with no child yet). Its coordinator runs one
:class:`~.tuyalan.TuyaGateway` session, and each child gets a :class:`ChildCoordinator`
fed by its :class:`~.tuyalan.TuyaChild` callbacks: its own Home Assistant device
(``via_device`` the gateway), its own DP catalog (its model, or the no-account rule,
as for a plain device), its own availability. Twenty children add no connection.

A child is unavailable when the gateway says it is offline or does not know it, or
while the gateway itself is unavailable (the gateway's grace for recycled sockets
applies to its children too): its presence sensor and the coordinator's error say
which, "offline at the gateway" rather than "connection lost".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .catalog import DpCatalog
from .const import (
    CONF_CHILDREN,
    CONF_DPS,
    CONF_IS_GATEWAY,
    CONF_NAME,
    CONF_PRODUCT_NAME,
    DOMAIN,
    LOGGER,
    SAFETY_REFRESH_INTERVAL,
)
from .coordinator import TuyaLanCoordinator
from .entries import TuyaLanDeviceConfigEntry
from .errors import exception_key, translated_error
from .tuyalan import (
    ChildHealth,
    DeviceUpdate,
    Health,
    Presence,
    TuyaChild,
    TuyaDevice,
    TuyaError,
    TuyaGateway,
)

# At most this many children per gateway entry (a hub pairs up to about 128; the
# options are input and stay bounded).
MAX_CHILDREN: Final = 128
# What a child's presence sensor shows: the gateway's word, or why it cannot say.
CHILD_STATES: Final = ["online", "unknown", "offline", "absent", "gateway_unavailable"]
# The chars of a cid (as the library checks it: letters, digits, _ . : -, 1-64).
_CID_CHARS: Final = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.:-")
MAX_NAME: Final = 100
# Seconds over which the gateway's split presence reports are merged (the library's
# default; a test shortens it).
PRESENCE_WINDOW: Final = 2.0


def is_cid(value: Any) -> bool:
    """Whether ``value`` can be a sub-device id (what TuyaGateway.add_child takes)."""
    return isinstance(value, str) and 1 <= len(value) <= 64 and set(value) <= _CID_CHARS


def stored_children(entry: ConfigEntry) -> dict[str, dict[str, Any]]:
    """The children in an entry's options, checked (hand-edited options may hold
    anything: what cannot be a child is left out)."""
    stored = entry.options.get(CONF_CHILDREN)
    if not isinstance(stored, Mapping):
        return {}
    children: dict[str, dict[str, Any]] = {}
    for cid, settings in list(stored.items())[:MAX_CHILDREN]:
        if is_cid(cid) and isinstance(settings, Mapping):
            children[cid] = dict(settings)
    return children


@callback
def async_add_child(
    hass: HomeAssistant, entry: ConfigEntry, cid: str, settings: Mapping[str, Any]
) -> bool:
    """Add a child to a gateway's entry (it becomes a gateway entry) and reload it;
    False when the entry has it already or holds MAX_CHILDREN."""
    children = stored_children(entry)
    if cid in children or len(children) >= MAX_CHILDREN or not is_cid(cid):
        return False
    children[cid] = dict(settings)
    hass.config_entries.async_update_entry(
        entry,
        data={**entry.data, CONF_IS_GATEWAY: True},
        options={**entry.options, CONF_CHILDREN: children},
    )
    hass.config_entries.async_schedule_reload(entry.entry_id)
    return True


def is_gateway(entry: ConfigEntry) -> bool:
    """Whether an entry runs a gateway session (it has children, or is marked one)."""
    return bool(stored_children(entry)) or entry.data.get(CONF_IS_GATEWAY) is True


def child_name(cid: str, settings: Mapping[str, Any]) -> str:
    """The name a child's device gets: the one entered, else from its cid."""
    name = settings.get(CONF_NAME)
    if isinstance(name, str) and name.strip():
        return name.strip()[:MAX_NAME]
    return f"Sub-device {cid[-4:]}"


def unavailable_key(gateway_available: bool, presence: Presence) -> str:
    """Why a child is unavailable, as a key under "exceptions" in strings.json."""
    if not gateway_available:
        return "child_gateway_unavailable"
    if presence is Presence.ABSENT:
        return "child_absent"
    return "child_offline_at_gateway"


class GatewayCoordinator(TuyaLanCoordinator):
    """The gateway's own coordinator (its session, health, key healing, following),
    and the coordinators of its children on that one session."""

    device: TuyaGateway

    def __init__(self, hass: HomeAssistant, entry: TuyaLanDeviceConfigEntry) -> None:
        """Initialize the gateway's coordinator and one per stored child."""
        super().__init__(hass, entry)
        self.registry_device_id: str | None = None
        self.children: dict[str, ChildCoordinator] = {
            cid: ChildCoordinator(hass, entry, self, cid, settings)
            for cid, settings in stored_children(entry).items()
        }

    def _make_device(self, local_key: str) -> TuyaDevice:
        # The children are added before the first session: it reads each of them.
        return TuyaGateway(
            self.host,
            self.device_id,
            local_key,
            self.version,
            presence_window=PRESENCE_WINDOW,
            **self._session_options(),
        )

    async def _async_setup(self) -> None:
        """Open the gateway's session, then read each child through it (a child that
        cannot be read now starts from what the gateway pushed, and waits)."""
        await super()._async_setup()
        for child in self.children.values():
            await child.async_first_read()
        # The children's devices name the gateway's as theirs to go through: it is
        # registered before any entity (its own entities complete it).
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        self.registry_device_id = registry.async_get_or_create(
            config_entry_id=entry_id,
            identifiers={(DOMAIN, self.device_id)},
            manufacturer="Tuya",
            name=self.config_entry.title,
        ).id
        # A child removed in the options: its device goes, and its entities with it.
        kept = {(DOMAIN, self.device_id), *((DOMAIN, cid) for cid in self.children)}
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            if device.identifiers and device.identifiers.isdisjoint(kept):
                registry.async_remove_device(device.id)

    @callback
    def async_update_listeners(self) -> None:
        """The gateway's availability changed (or its data): its children follow."""
        super().async_update_listeners()
        for child in getattr(self, "children", {}).values():
            child.async_gateway_changed()


class ChildCatalog(DpCatalog):
    """A child's DP catalog: its model, category and learned DPs are kept in the
    gateway entry's options under its cid (a child has no entry of its own)."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, cid: str, name: str) -> None:
        super().__init__(hass, entry, name)
        self._cid = cid

    def _settings(self) -> dict[str, Any]:
        return stored_children(self._entry).get(self._cid, {})

    def _stored(self) -> Mapping[str, Any]:
        return self._settings()

    def _overrides(self) -> Any:
        return self._settings().get(CONF_DPS, {})

    @callback
    def _store(self, key: str, value: Any) -> None:
        entry = self._entry
        children = stored_children(entry)
        if self._cid not in children:
            return  # removed meanwhile
        children[self._cid] = {**children[self._cid], key: value}
        self._hass.config_entries.async_update_entry(
            entry, options={**entry.options, CONF_CHILDREN: children}
        )


class ChildCoordinator(TuyaLanCoordinator):
    """One child of a gateway: its DPs, entities and availability, fed by its
    TuyaChild's callbacks (no connection of its own).

    It is a TuyaLanCoordinator for what the entities read (data, catalog, health,
    async_set_dps) and overrides each of those; none of the session machinery
    (supervision, healing, following, the repair issue) is set up: that is the
    gateway's, whose coordinator runs it once for all children.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TuyaLanDeviceConfigEntry,
        gateway: GatewayCoordinator,
        cid: str,
        settings: Mapping[str, Any],
    ) -> None:
        """Add the child to the gateway's session (no I/O)."""
        name = child_name(cid, settings)
        DataUpdateCoordinator.__init__(  # not TuyaLanCoordinator's: no session here
            self,
            hass,
            LOGGER,
            config_entry=entry,
            name=name,
            update_interval=SAFETY_REFRESH_INTERVAL,
        )
        self.gateway = gateway
        self.device_id = cid
        product = settings.get(CONF_PRODUCT_NAME)  # hand-edited options may hold anything
        self.product_name = (
            product[:MAX_NAME] if isinstance(product, str) and product.isprintable() else None
        )
        self.catalog = ChildCatalog(hass, entry, cid, name)
        self.host, self.port, self.version = gateway.host, gateway.port, gateway.version
        self.quick_reconnects = 0
        self._published = False
        self._health_listeners = []
        self.child: TuyaChild = gateway.device.add_child(
            cid, on_update=self._on_update, on_health=self._on_health
        )

    # --- what the entities read (as TuyaLanCoordinator's) ---------------------------

    @property
    def health(self) -> Health:
        """The gateway's connection (the child has none of its own)."""
        return self.gateway.health

    @property
    def presence_state(self) -> str:
        """What the presence sensor shows (one of CHILD_STATES)."""
        if not self.gateway.last_update_success:
            return "gateway_unavailable"
        return self.child.presence.value

    # --- reads -------------------------------------------------------------------------

    async def async_first_read(self) -> None:
        """Read the child once (during the gateway's setup) and build its catalog."""
        try:
            await self.child.refresh()
        except TuyaError as err:
            LOGGER.warning("%s: cannot read it through its gateway yet: %s", self.name, err)
        self.catalog.setup(self.child.dps)
        self._published = True
        self.async_set_updated_data(self.child.snapshot())
        self._apply_availability()

    async def _async_update_data(self) -> DeviceUpdate:
        """The safety re-query, through the gateway's session."""
        if not self._available():
            raise self._unavailable_error()
        try:
            return await self.child.refresh()
        except TuyaError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=exception_key(err),
                translation_placeholders={"name": self.name, "error": str(err)},
            ) from err

    async def async_set_dps(self, dps: dict[str, Any]) -> None:
        """Write DPs of the child; returns once the gateway acknowledged them."""
        try:
            await self.child.set_dps(dps)
        except TuyaError as err:
            raise translated_error(err, self.name) from err

    async def async_shutdown(self) -> None:
        """Stop routing the child's reports here (the gateway closes the session)."""
        await DataUpdateCoordinator.async_shutdown(self)  # no session of its own to close
        self.gateway.device.remove_child(self.device_id)

    # --- the child's reports ---------------------------------------------------------

    @callback
    def _on_update(self, update: DeviceUpdate) -> None:
        if not self._published or not update.changed:
            return
        self.catalog.take(update)
        if not self._available():
            # The gateway's cached values of an offline child (read on a new session):
            # kept, shown when it is back; they do not make it look available.
            self.data = update
            return
        self.async_set_updated_data(update)

    @callback
    def _on_health(self, health: ChildHealth) -> None:  # type: ignore[override]
        if self._published:
            self._apply_availability()

    @callback
    def async_gateway_changed(self) -> None:
        """The gateway coordinator's availability may have changed."""
        if self._published:
            self._apply_availability()

    def _available(self) -> bool:
        return self.gateway.last_update_success and self.child.presence not in (
            Presence.OFFLINE,
            Presence.ABSENT,
        )

    def _unavailable_error(self) -> UpdateFailed:
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=unavailable_key(self.gateway.last_update_success, self.child.presence),
            translation_placeholders={"name": self.name, "gateway": self.gateway.name},
        )

    @callback
    def _apply_availability(self) -> None:
        available = self._available()
        if available != self.last_update_success:
            if available:
                LOGGER.info("%s is back at its gateway", self.name)
                self.last_exception = None
            else:
                self.last_exception = self._unavailable_error()
                LOGGER.warning("%s", self.last_exception)
            self.last_update_success = available
            self.async_update_listeners()
        for listener in list(self._health_listeners):
            listener()


def coordinators(coordinator: TuyaLanCoordinator) -> list[TuyaLanCoordinator]:
    """Every coordinator of an entry: the device's (or gateway's), then its children's."""
    if isinstance(coordinator, GatewayCoordinator):
        return [coordinator, *coordinator.children.values()]
    return [coordinator]
