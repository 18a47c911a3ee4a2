"""Select platform: enum settings such as power-on behaviour and indicator mode."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import TuyaLanConfigEntry, TuyaLanCoordinator
from .entity import TuyaLanEntity, async_setup_dp_entities
from .mapping import TuyaLanSelectEntityDescription

# One command at a time per platform; the coordinator also serializes and paces
# writes across platforms.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the selects of a device."""
    async_setup_dp_entities(entry, async_add_entities, lambda found: found.selects, TuyaLanSelect)


class TuyaLanSelect(TuyaLanEntity, SelectEntity):
    """An enum DP; its options are the device's own values (translated when standard)."""

    entity_description: TuyaLanSelectEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanSelectEntityDescription
    ) -> None:
        """Initialize the select."""
        super().__init__(coordinator, description, description.dp)

    @property
    def current_option(self) -> str | None:
        """Return the device's value when it is one of the options."""
        value = self.dp_value
        return value if isinstance(value, str) and value in self.options else None

    async def async_select_option(self, option: str) -> None:
        """Write the option as the device names it."""
        await self.coordinator.async_set_dps({self.dp: option})
