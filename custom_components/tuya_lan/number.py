"""Number platform: countdowns (seconds until the relay toggles)."""

from __future__ import annotations

from homeassistant.components.number import NumberEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import TuyaLanConfigEntry, TuyaLanCoordinator
from .entity import TuyaLanEntity
from .mapping import TuyaLanNumberEntityDescription, build_descriptions

# One command at a time per platform; the coordinator also serializes and paces
# writes across platforms.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the countdowns of a device."""
    coordinator = entry.runtime_data
    async_add_entities(
        TuyaLanCountdown(coordinator, description)
        for description in build_descriptions(coordinator.specs).numbers
    )


class TuyaLanCountdown(TuyaLanEntity, NumberEntity):
    """A countdown: writing a number of seconds starts it, the device counts down."""

    entity_description: TuyaLanNumberEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanNumberEntityDescription
    ) -> None:
        """Initialize the countdown."""
        super().__init__(coordinator, description, description.dp)

    @property
    def native_value(self) -> float | None:
        """Return the seconds left."""
        value = self.dp_value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        scaled = value * self.entity_description.scale
        return int(scaled) if float(scaled).is_integer() else scaled

    async def async_set_native_value(self, value: float) -> None:
        """Start the countdown (in the device's unit: a model may count minutes)."""
        await self.coordinator.async_set_dps(
            {self.dp: round(value / self.entity_description.scale)}
        )
