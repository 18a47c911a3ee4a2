"""Sensor platform: current, power, voltage, energy and raw DPs."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, Platform, UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .coordinator import TuyaLanCoordinator
from .descriptions import TuyaLanSensorEntityDescription, health_unique_id
from .energy import TuyaLanEnergySensor
from .entity import TuyaLanBaseEntity, TuyaLanEntity, async_setup_dp_entities
from .entries import TuyaLanDeviceConfigEntry
from .gateway import CHILD_STATES, ChildCoordinator, coordinators
from .mapping import description_for
from .tuyalan import Fault
from .tuyalan.dpmap import DpKind, DpSpec, is_dp_id

# Sensors are pushed by the coordinator: no parallel-update limit needed.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of a device, and a raw sensor for any DP reported later."""
    coordinator = entry.runtime_data
    async_setup_dp_entities(entry, async_add_entities, Platform.SENSOR, _create)
    async_add_entities(
        TuyaLanHealthSensor(coordinator, description) for description in HEALTH_SENSORS
    )
    for device in coordinators(coordinator):  # a gateway's children too
        if isinstance(device, ChildCoordinator):
            async_add_entities([TuyaLanChildPresenceSensor(device, CHILD_PRESENCE)])
        _async_add_raw_sensors_later(entry, device, async_add_entities)


def _async_add_raw_sensors_later(
    entry: TuyaLanDeviceConfigEntry,
    coordinator: TuyaLanCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    # A partial of a module-level function and an empty list, not a closure over a copy
    # of the specs: every device keeps this for as long as it is loaded.
    added: list[str] = []
    listener = partial(_async_add_new_dps, coordinator, async_add_entities, added)
    entry.async_on_unload(coordinator.async_add_listener(listener))


@callback
def _async_add_new_dps(
    coordinator: TuyaLanCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
    added: list[str],
) -> None:
    """Add a raw sensor for each DP first reported now that has no entity of its own."""
    specs = coordinator.specs  # proved DPs are in it: they have their entity
    # Only what can be a DP (1-255): a device cannot get more raw sensors than that.
    new = sorted(
        dp
        for dp in coordinator.data.changed
        if dp not in specs and dp not in added and is_dp_id(dp)
    )
    if not new:
        return
    added.extend(new)
    async_add_entities(
        _create(coordinator, description)
        for dp in new
        for description in description_for(DpSpec(dp=dp, kind=DpKind.RAW))
    )


def _create(coordinator: TuyaLanCoordinator, description: Any) -> SensorEntity:
    if description.switches_at:
        return TuyaLanSwitchesAtSensor(coordinator, description)
    if description.accumulate:
        return TuyaLanEnergySensor(coordinator, description)
    return TuyaLanSensor(coordinator, description)


class TuyaLanSensor(TuyaLanEntity, SensorEntity):
    """A DP shown as a sensor."""

    entity_description: TuyaLanSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the scaled value."""
        return self.shown_value  # type: ignore[no-any-return]


# A countdown's end moves only when a report moves it by more than this (a restart or
# a change): reports of a running countdown would otherwise nudge it by their delay.
SWITCHES_AT_TOLERANCE = timedelta(seconds=2)


class TuyaLanSwitchesAtSensor(TuyaLanEntity, SensorEntity):
    """When a running countdown switches its relay (unknown while none runs).

    Devices report a countdown when it starts and ends, not each second: the end time
    is what stays true in between, and the frontend shows it counting down.
    """

    entity_description: TuyaLanSensorEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanSensorEntityDescription
    ) -> None:
        """Initialize the sensor from the seconds last reported."""
        super().__init__(coordinator, description)
        self._ends: datetime | None = None
        self._follow_report()

    @property
    def native_value(self) -> datetime | None:
        """When the relay switches."""
        return self._ends

    def _follow_report(self) -> None:
        seconds = self.shown_value
        if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds <= 0:
            self._ends = None
            return
        ends = dt_util.utcnow() + timedelta(seconds=seconds)
        if self._ends is None or abs(ends - self._ends) > SWITCHES_AT_TOLERANCE:
            self._ends = ends

    @callback
    def _handle_coordinator_update(self) -> None:
        if self.dp in self.coordinator.data.changed:
            self._follow_report()
        super()._handle_coordinator_update()


def _timestamp(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _milliseconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


@dataclass(frozen=True, kw_only=True)
class TuyaLanHealthSensorEntityDescription(SensorEntityDescription):
    """A fact about the device's connection."""

    value_fn: Callable[[TuyaLanCoordinator], StateType | datetime]


CONNECTION_STATES = [
    "connected",
    "connecting",
    "checking_key",  # a dropped handshake, or the linked account's key being tried
    *(fault.value for fault in Fault),
]

# Only *Connection* is enabled by default: it says why a device is unavailable (the repair
# issues point at it). The others are for troubleshooting or shown elsewhere, and each
# enabled entity costs Home Assistant ~10 KB and a state per device (benchmarks/scale.py).
# Core integrations disable such diagnostics by default too: wled's "uptime" and tplink's
# "on_since" (timestamps like Connected since), wled's Wi-Fi signal/RSSI/channel
# (homeassistant/components/wled/sensor.py, tplink/sensor.py).
HEALTH_SENSORS: tuple[TuyaLanHealthSensorEntityDescription, ...] = (
    TuyaLanHealthSensorEntityDescription(
        key="connection",
        translation_key="connection",
        device_class=SensorDeviceClass.ENUM,
        options=CONNECTION_STATES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda coordinator: coordinator.connection_state,
    ),
    TuyaLanHealthSensorEntityDescription(
        key="connected_since",
        translation_key="connected_since",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,  # troubleshooting
        value_fn=lambda coordinator: _timestamp(coordinator.health.connected_since),
    ),
    TuyaLanHealthSensorEntityDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,  # moves with every heartbeat
        value_fn=lambda coordinator: _timestamp(coordinator.health.last_seen),
    ),
    TuyaLanHealthSensorEntityDescription(
        key="reconnects",
        translation_key="reconnects",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,  # troubleshooting; in diagnostics too
        value_fn=lambda coordinator: coordinator.health.reconnects,
    ),
    TuyaLanHealthSensorEntityDescription(
        key="heartbeat_rtt",
        translation_key="heartbeat_rtt",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,  # moves with every heartbeat
        value_fn=lambda coordinator: _milliseconds(coordinator.health.rtt),
    ),
    TuyaLanHealthSensorEntityDescription(
        key="protocol_version",
        translation_key="protocol_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,  # in diagnostics and Reconfigure
        value_fn=lambda coordinator: coordinator.health.version,
    ),
)


class TuyaLanHealthSensor(TuyaLanBaseEntity, SensorEntity):
    """A fact about the device's connection; available while the device is not."""

    entity_description: TuyaLanHealthSensorEntityDescription

    def __init__(
        self,
        coordinator: TuyaLanCoordinator,
        description: TuyaLanHealthSensorEntityDescription,
    ) -> None:
        """Initialize the sensor."""
        super().__init__(coordinator, description)
        self._attr_unique_id = health_unique_id(coordinator.device_id, description.key)
        self._attr_native_value = description.value_fn(coordinator)

    @property
    def available(self) -> bool:
        """Always: these sensors explain an unavailable device."""
        return True

    async def async_added_to_hass(self) -> None:
        """Follow the connection's health (not the DPs)."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_health_listener(self._on_health))

    @callback
    def _handle_coordinator_update(self) -> None:
        """DP updates say nothing about the connection."""

    @callback
    def _on_health(self) -> None:
        value = self.entity_description.value_fn(self.coordinator)
        if value != self._attr_native_value:
            self._attr_native_value = value
            self.async_write_ha_state()


# A gateway's sub-device: what the gateway says of it ("offline" is offline at the
# gateway, not a lost connection; "gateway_unavailable" while the gateway is away).
CHILD_PRESENCE = SensorEntityDescription(
    key="presence",
    translation_key="presence",
    device_class=SensorDeviceClass.ENUM,
    options=CHILD_STATES,
    entity_category=EntityCategory.DIAGNOSTIC,
)


class TuyaLanChildPresenceSensor(TuyaLanBaseEntity, SensorEntity):
    """Whether a sub-device is reachable through its gateway; available while the
    sub-device is not."""

    coordinator: ChildCoordinator

    def __init__(self, coordinator: ChildCoordinator, description: SensorEntityDescription) -> None:
        """Initialize the sensor."""
        super().__init__(coordinator, description)
        self._attr_unique_id = health_unique_id(coordinator.device_id, description.key)
        self._attr_native_value = coordinator.presence_state

    @property
    def available(self) -> bool:
        """Always: it explains an unavailable sub-device."""
        return True

    async def async_added_to_hass(self) -> None:
        """Follow the sub-device's presence (not its DPs)."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_health_listener(self._on_presence))

    @callback
    def _handle_coordinator_update(self) -> None:
        """DP updates say nothing about presence."""

    @callback
    def _on_presence(self) -> None:
        if (value := self.coordinator.presence_state) != self._attr_native_value:
            self._attr_native_value = value
            self.async_write_ha_state()
