"""Switch platform: the relays of a Tuya plug, strip or wall switch."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .descriptions import TuyaLanSwitchEntityDescription
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
    """Set up the switches of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.SWITCH, TuyaLanSwitch)


class TuyaLanSwitch(TuyaLanEntity, SwitchEntity):
    """A relay."""

    entity_description: TuyaLanSwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the relay state."""
        return self.shown_value  # type: ignore[no-any-return]

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the relay on."""
        await self.async_write_value(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the relay off."""
        await self.async_write_value(False)
