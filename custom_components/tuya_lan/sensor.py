"""Sensor platform: current, power, voltage, energy and raw DPs."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import RestoreSensor, SensorEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import TuyaLanConfigEntry, TuyaLanCoordinator
from .entity import TuyaLanEntity
from .mapping import (
    TuyaLanSensorEntityDescription,
    build_descriptions,
    raw_spec,
    sensor_description,
)

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
    async_add_entities(
        _create(coordinator, description)
        for description in build_descriptions(coordinator.specs).sensors
    )

    @callback
    def _async_add_new_dps() -> None:
        new = [dp for dp in coordinator.data if dp not in known]
        if not new:
            return
        known.update(new)
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
        super().__init__(coordinator, description, description.dp, raw=description.raw)

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
        """Add a pushed increment to the total."""
        increment: Any = self.entity_description.value_fn(self.coordinator.last_pushed.get(self.dp))
        if isinstance(increment, int | float) and increment > 0:
            self._total = round(self._total + increment, 6)
        super()._handle_coordinator_update()
