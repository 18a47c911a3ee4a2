"""Binary sensor platform: fault flags and fault bitmaps (problem sensors)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .descriptions import TuyaLanBinarySensorEntityDescription
from .entity import TuyaLanEntity, async_setup_dp_entities
from .entries import TuyaLanDeviceConfigEntry
from .values import bitmap_faults

# Binary sensors are pushed by the coordinator: no parallel-update limit needed.
PARALLEL_UPDATES = 0

ATTR_FAULTS = "faults"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the problem sensors of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.BINARY_SENSOR, TuyaLanProblemSensor)


class TuyaLanProblemSensor(TuyaLanEntity, BinarySensorEntity):
    """On while the device reports a fault: a true flag, or any bit of a bitmap."""

    entity_description: TuyaLanBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return whether the device reports a fault."""
        return self.shown_value  # type: ignore[no-any-return]

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Name the faults of a bitmap (from the model's labels)."""
        value = self.dp_value
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return {ATTR_FAULTS: bitmap_faults(value, self.entity_description.labels)}
