"""Select platform: enum settings such as power-on behaviour and indicator mode."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .descriptions import TuyaLanSelectEntityDescription
from .entity import TuyaLanEntity, async_setup_dp_entities
from .entries import TuyaLanDeviceConfigEntry

# One command at a time per platform; the coordinator also serializes and paces
# writes across platforms.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the selects of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.SELECT, TuyaLanSelect)


class TuyaLanSelect(TuyaLanEntity, SelectEntity):
    """An enum DP; its options are the device's own values (translated when standard)."""

    entity_description: TuyaLanSelectEntityDescription

    @property
    def current_option(self) -> str | None:
        """Return the device's value when it is one of the options."""
        return self.shown_value  # type: ignore[no-any-return]

    async def async_select_option(self, option: str) -> None:
        """Write the option as the device names it."""
        await self.async_write_value(option)
