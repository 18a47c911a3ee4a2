"""Humidifier platform: humidifiers (jsq) and dehumidifiers (cs), each an entity of
several DPs.

The parts come from the data model (the library's humidifier rows), with the codes
Home Assistant core's tuya integration reads: the power (``switch`` or
``switch_spray``), the target humidity (``humidity_set``, a dehumidifier's
``dehumidify_set_value``) with the model's range, scale and step, the current humidity
(``humidity_current``, ``humidity_indoor``) and the mode (``mode``) as the modes. The
entity takes the device's name, as in core.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.humidifier import HumidifierEntity
from homeassistant.components.humidifier.const import (
    HumidifierDeviceClass,
    HumidifierEntityFeature,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import TuyaLanCoordinator
from .descriptions import TuyaLanHumidifierEntityDescription
from .entity import TuyaLanPartsEntity, async_setup_dp_entities, part_scale
from .entries import TuyaLanDeviceConfigEntry
from .tuyalan.dpmap import (
    ROLE_CURRENT_HUMIDITY,
    ROLE_HUMIDIFIER_MODE,
    ROLE_HUMIDIFIER_SWITCH,
    ROLE_TARGET_HUMIDITY,
    DpSpec,
)

PARALLEL_UPDATES = 1

# The codes only a dehumidifier (cs) has: its target and the room's humidity.
DEHUMIDIFIER_CODES: Final = frozenset({"dehumidify_set_value", "humidity_indoor"})


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the (de)humidifiers of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.HUMIDIFIER, TuyaLanHumidifier)


def device_class_of(description: TuyaLanHumidifierEntityDescription) -> HumidifierDeviceClass:
    """A dehumidifier when its parts are a dehumidifier's codes, else a humidifier."""
    codes = {spec.code for spec in description.parts.values()}
    if codes & DEHUMIDIFIER_CODES:
        return HumidifierDeviceClass.DEHUMIDIFIER
    return HumidifierDeviceClass.HUMIDIFIER


class TuyaLanHumidifier(TuyaLanPartsEntity, HumidifierEntity):
    """A (de)humidifier made of the DPs its description names."""

    entity_description: TuyaLanHumidifierEntityDescription
    _attr_name = None

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanHumidifierEntityDescription
    ) -> None:
        """Initialize the entity from its parts."""
        super().__init__(coordinator, description)
        self._switch = description.part(ROLE_HUMIDIFIER_SWITCH)
        self._target = description.part(ROLE_TARGET_HUMIDITY)
        self._current = description.part(ROLE_CURRENT_HUMIDITY)
        self._mode = description.part(ROLE_HUMIDIFIER_MODE)
        self._attr_device_class = device_class_of(description)
        target = self._target
        if target is not None and target.minimum is not None and target.maximum is not None:
            # Home Assistant's humidity limits are whole percents (as core rounds them).
            self._attr_min_humidity = round(target.minimum * part_scale(target))
            self._attr_max_humidity = round(target.maximum * part_scale(target))
        if self._mode is not None and self._mode.options:
            self._attr_supported_features = HumidifierEntityFeature.MODES
            self._attr_available_modes = list(self._mode.options)

    def _humidity(self, spec: DpSpec | None) -> float | None:
        value = self.scaled_part(spec)
        return None if value is None else round(value)

    @property
    def is_on(self) -> bool | None:
        """Whether it runs (None: no switch, or none reported yet)."""
        value = self.part_value(self._switch)
        return value if isinstance(value, bool) else None

    @property
    def target_humidity(self) -> float | None:
        """The humidity it aims at."""
        return self._humidity(self._target)

    @property
    def current_humidity(self) -> float | None:
        """The humidity it measures."""
        return self._humidity(self._current)

    @property
    def mode(self) -> str | None:
        """The mode, when it is one the model lists."""
        mode = self.part_value(self._mode)
        return mode if self._mode is not None and mode in self._mode.options else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        await self._async_switch(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._async_switch(False)

    async def _async_switch(self, on: bool) -> None:
        if self._switch is not None:
            await self.coordinator.async_set_dps({self._switch.dp: on})

    async def async_set_humidity(self, humidity: int) -> None:
        """Set the target, in the DP's units and on its grid."""
        if self._target is not None:
            await self.async_set_scaled_part(self._target, humidity)

    async def async_set_mode(self, mode: str) -> None:
        """Set a mode the model lists."""
        if self._mode is not None and mode in self._mode.options:
            await self.coordinator.async_set_dps({self._mode.dp: mode})
