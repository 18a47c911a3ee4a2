"""Climate platform: thermostats, heaters and air conditioners, each an entity of
several DPs.

The parts come from the data model (the library's climate rows): the power
(``switch``), the mode (``mode``), the target and current temperatures (``temp_set``,
``temp_current``, or their ``_f`` twins) with the model's scale, unit, limits and
step. Modes that are an HVAC mode become one (the same table as Home Assistant core's
tuya integration); the others are presets.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import ClimateEntityFeature, HVACMode
from homeassistant.const import ATTR_TEMPERATURE, Platform, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import TuyaLanCoordinator
from .descriptions import TuyaLanClimateEntityDescription
from .entity import TuyaLanEntity, async_setup_dp_entities
from .entries import TuyaLanDeviceConfigEntry
from .tuyalan.dpmap import (
    ROLE_CLIMATE_SWITCH,
    ROLE_CURRENT_TEMP,
    ROLE_HVAC_MODE,
    ROLE_TARGET_TEMP,
    DpSpec,
)
from .values import scale_value, scaled_to_raw

PARALLEL_UPDATES = 1

# Tuya's mode values that are an HVAC mode (as Home Assistant core's tuya maps them).
TUYA_HVAC: Final[dict[str, HVACMode]] = {
    "auto": HVACMode.HEAT_COOL,
    "cold": HVACMode.COOL,
    "freeze": HVACMode.COOL,
    "heat": HVACMode.HEAT,
    "hot": HVACMode.HEAT,
    "manual": HVACMode.HEAT_COOL,
    "wet": HVACMode.DRY,
    "wind": HVACMode.FAN_ONLY,
}
# What a device without such a mode does when on (thermostats, heaters, boilers).
DEFAULT_HVAC: Final = HVACMode.HEAT


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the climate entities of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.CLIMATE, TuyaLanClimate)


class TuyaLanClimate(TuyaLanEntity, ClimateEntity):
    """A climate entity made of the DPs its description names."""

    entity_description: TuyaLanClimateEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanClimateEntityDescription
    ) -> None:
        """Initialize the entity from its parts."""
        super().__init__(coordinator, description)
        self._switch = description.part(ROLE_CLIMATE_SWITCH)
        self._mode = description.part(ROLE_HVAC_MODE)
        self._target = description.part(ROLE_TARGET_TEMP)
        self._current = description.part(ROLE_CURRENT_TEMP)
        unit = next(
            (spec.unit for spec in (self._target, self._current) if spec and spec.unit), None
        )
        self._attr_temperature_unit = (
            UnitOfTemperature.FAHRENHEIT if unit == "°F" else UnitOfTemperature.CELSIUS
        )
        options = self._mode.options if self._mode else ()
        hvac: list[HVACMode] = []
        if self._switch is not None:
            hvac.append(HVACMode.OFF)
        for option in options:
            if (mode := TUYA_HVAC.get(option)) is not None and mode not in hvac:
                hvac.append(mode)
        if not any(mode is not HVACMode.OFF for mode in hvac):
            hvac.append(DEFAULT_HVAC)
        self._attr_hvac_modes = hvac
        presets = [option for option in options if option not in TUYA_HVAC]
        features = ClimateEntityFeature(0)
        if presets:
            self._attr_preset_modes = presets
            features |= ClimateEntityFeature.PRESET_MODE
        if self._target is not None:
            features |= ClimateEntityFeature.TARGET_TEMPERATURE
            target = self._target
            scale = self._scale(target)
            if target.minimum is not None and target.maximum is not None:
                self._attr_min_temp = target.minimum * scale
                self._attr_max_temp = target.maximum * scale
            self._attr_target_temperature_step = (target.step or 1) * scale
        if self._switch is not None:
            features |= ClimateEntityFeature.TURN_ON | ClimateEntityFeature.TURN_OFF
        self._attr_supported_features = features

    @staticmethod
    def _scale(spec: DpSpec) -> float:
        return spec.scale if spec.scale is not None else 1.0

    def _value(self, spec: DpSpec | None) -> Any:
        return None if spec is None else self.coordinator.data.dps.get(spec.dp)

    def _temperature(self, spec: DpSpec | None) -> float | None:
        if spec is None:
            return None
        value = scale_value(self._value(spec), self._scale(spec))
        return None if value is None else float(value)

    @property
    def current_temperature(self) -> float | None:
        """The temperature the device measures."""
        return self._temperature(self._current)

    @property
    def target_temperature(self) -> float | None:
        """The temperature the device aims at."""
        return self._temperature(self._target)

    @property
    def hvac_mode(self) -> HVACMode | None:
        """Off when switched off; the mode's HVAC mode, or the default one in a preset."""
        if self._switch is not None:
            on = self._value(self._switch)
            if on is False:
                return HVACMode.OFF
            if on is not True:
                return None
        mode = self._value(self._mode)
        if isinstance(mode, str) and mode in TUYA_HVAC:
            return TUYA_HVAC[mode]
        return next((m for m in self.hvac_modes if m is not HVACMode.OFF), DEFAULT_HVAC)

    @property
    def preset_mode(self) -> str | None:
        """The mode when it is a preset."""
        mode = self._value(self._mode)
        return mode if self._attr_preset_modes and mode in self._attr_preset_modes else None

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Switch off, or on in the mode that gives this HVAC mode (one frame)."""
        dps: dict[str, Any] = {}
        if hvac_mode is HVACMode.OFF:
            if self._switch is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN, translation_key="cannot_switch_off"
                )
            dps[self._switch.dp] = False
        else:
            if self._switch is not None:
                dps[self._switch.dp] = True
            if self._mode is not None:
                current = self._value(self._mode)
                if TUYA_HVAC.get(current) is not hvac_mode:
                    wanted = [o for o in self._mode.options if TUYA_HVAC.get(o) is hvac_mode]
                    if wanted:
                        dps[self._mode.dp] = wanted[0]
        await self.coordinator.async_set_dps(dps)

    async def async_turn_on(self) -> None:
        """Switch on."""
        if self._switch is not None:
            await self.coordinator.async_set_dps({self._switch.dp: True})

    async def async_turn_off(self) -> None:
        """Switch off."""
        if self._switch is not None:
            await self.coordinator.async_set_dps({self._switch.dp: False})

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Set the mode to a preset."""
        if self._mode is not None:
            await self.coordinator.async_set_dps({self._mode.dp: preset_mode})

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Set the target, scaled back to the device's units and on its grid."""
        if self._target is None or (temperature := kwargs.get(ATTR_TEMPERATURE)) is None:
            return
        target = self._target
        raw = scaled_to_raw(
            temperature, self._scale(target), target.minimum, target.maximum, target.step
        )
        await self.coordinator.async_set_dps({target.dp: raw})
