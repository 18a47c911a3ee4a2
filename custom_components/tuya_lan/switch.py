"""Switch platform: the relays of a Tuya plug, strip or wall switch."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import TuyaLanConfigEntry, TuyaLanCoordinator
from .entity import TuyaLanEntity, async_setup_dp_entities
from .mapping import TuyaLanSwitchEntityDescription

# One command at a time per platform; the coordinator also serializes and paces
# writes across platforms.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the switches of a device."""
    async_setup_dp_entities(entry, async_add_entities, lambda found: found.switches, TuyaLanSwitch)


class TuyaLanSwitch(TuyaLanEntity, SwitchEntity):
    """A relay."""

    entity_description: TuyaLanSwitchEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanSwitchEntityDescription
    ) -> None:
        """Initialize the switch."""
        super().__init__(coordinator, description, description.dp)

    @property
    def is_on(self) -> bool | None:
        """Return the relay state."""
        value = self.dp_value
        return None if value is None else bool(value)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the relay on."""
        await self.coordinator.async_set_dps({self.dp: True})

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the relay off."""
        await self.coordinator.async_set_dps({self.dp: False})
