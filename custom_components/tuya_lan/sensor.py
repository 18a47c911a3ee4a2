"""Sensor platform: current, power, voltage, energy and raw DPs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import TuyaLanConfigEntry, TuyaLanCoordinator
from .entity import TuyaLanBaseEntity, TuyaLanEntity, async_setup_dp_entities
from .mapping import (
    TuyaLanSensorEntityDescription,
    health_unique_id,
    raw_spec,
    sensor_description,
)
from .tuyalan import Fault, Health
from .tuyalan.dpmap import is_dp_id

# Sensors are pushed by the coordinator: no parallel-update limit needed.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of a device, and a raw sensor for any DP reported later."""
    coordinator = entry.runtime_data
    known = set(coordinator.specs)
    async_setup_dp_entities(entry, async_add_entities, lambda found: found.sensors, _create)
    async_add_entities(
        TuyaLanHealthSensor(coordinator, description) for description in HEALTH_SENSORS
    )

    @callback
    def _async_add_new_dps() -> None:
        # Only what can be a DP (1-255): a device cannot get more raw sensors than that.
        new = [dp for dp in coordinator.data.changed if dp not in known and is_dp_id(dp)]
        known.update(new)
        new = [dp for dp in new if dp not in coordinator.specs]  # proved: has its entity
        if not new:
            return
        async_add_entities(
            _create(coordinator, sensor_description(raw_spec(dp))) for dp in sorted(new)
        )

    entry.async_on_unload(coordinator.async_add_listener(_async_add_new_dps))


def _create(
    coordinator: TuyaLanCoordinator, description: TuyaLanSensorEntityDescription
) -> SensorEntity:
    if description.accumulate:
        return TuyaLanEnergySensor(coordinator, description)
    return TuyaLanSensor(coordinator, description)


class TuyaLanSensor(TuyaLanEntity, SensorEntity):
    """A DP shown as a sensor."""

    entity_description: TuyaLanSensorEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanSensorEntityDescription
    ) -> None:
        """Initialize the sensor."""
        super().__init__(
            coordinator,
            description,
            description.dp,
            raw=description.raw,
            suffix=description.suffix,
        )

    @property
    def native_value(self) -> StateType:
        """Return the scaled value."""
        return self.entity_description.value_fn(self.dp_value)


class TuyaLanEnergySensor(TuyaLanEntity, RestoreSensor):
    """Total energy: the sum of the increments (add_ele) the device pushes.

    The total is restored after a restart, so it keeps increasing across restarts as
    the Energy dashboard expects.
    """

    entity_description: TuyaLanSensorEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanSensorEntityDescription
    ) -> None:
        """Initialize the sensor."""
        super().__init__(coordinator, description, description.dp)
        self._total = 0.0
        self._counted = coordinator.data  # each update's increment is added once

    async def async_added_to_hass(self) -> None:
        """Restore the total."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None and isinstance(
            last.native_value, int | float
        ):
            self._total = float(last.native_value)

    @property
    def native_value(self) -> float:
        """Return the total in kWh."""
        return self._total

    @callback
    def _handle_coordinator_update(self) -> None:
        """Add a pushed increment to the total (an equal one too: it is new energy)."""
        update = self.coordinator.data
        if update is not self._counted:
            self._counted = update
            increment: Any = self.entity_description.value_fn(update.pushed.get(self.dp))
            if isinstance(increment, int | float) and increment > 0:
                self._total = round(self._total + increment, 6)
                self._written_available = self.available
                self.async_write_ha_state()
                return
        super()._handle_coordinator_update()


def _timestamp(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True, kw_only=True)
class TuyaLanHealthSensorEntityDescription(SensorEntityDescription):
    """A fact about the device's connection."""

    value_fn: Callable[[Health], StateType | datetime]


CONNECTION_STATES = ["connected", "connecting", *(fault.value for fault in Fault)]

HEALTH_SENSORS: tuple[TuyaLanHealthSensorEntityDescription, ...] = (
    TuyaLanHealthSensorEntityDescription(
        key="connection",
        translation_key="connection",
        device_class=SensorDeviceClass.ENUM,
        options=CONNECTION_STATES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda health: (
            "connected"
            if health.connected
            else health.fault.value
            if health.fault is not None
            else "connecting"
        ),
    ),
    TuyaLanHealthSensorEntityDescription(
        key="connected_since",
        translation_key="connected_since",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda health: _timestamp(health.connected_since),
    ),
    TuyaLanHealthSensorEntityDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,  # moves with every heartbeat
        value_fn=lambda health: _timestamp(health.last_seen),
    ),
    TuyaLanHealthSensorEntityDescription(
        key="reconnects",
        translation_key="reconnects",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda health: health.reconnects,
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
        value_fn=lambda health: None if health.rtt is None else round(health.rtt * 1000, 3),
    ),
    TuyaLanHealthSensorEntityDescription(
        key="protocol_version",
        translation_key="protocol_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda health: health.version,
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
        self._attr_native_value = description.value_fn(coordinator.health)

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
        value = self.entity_description.value_fn(self.coordinator.health)
        if value != self._attr_native_value:
            self._attr_native_value = value
            self.async_write_ha_state()
