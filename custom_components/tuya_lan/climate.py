"""Climate platform: thermostats, heaters and air conditioners, each an entity of
several DPs.

The parts come from the data model (the library's climate rows): the power
(``switch``), the mode (``mode``), the target and current temperatures (``temp_set``,
``temp_current``, or their ``_f`` twins) with the model's scale, unit, limits and
step, the fan speed (``fan_speed_enum``/``level``/``windspeed``) as fan modes, the
swing (``swing``/``shake``, ``switch_horizontal``, ``switch_vertical``) and the target
and current humidity. Modes that are an HVAC mode become one (the same table as Home
Assistant core's tuya integration); the others are presets.

Temperatures in °F: a model with both DPs (``temp_set`` and ``temp_set_f``) is shown in
the unit Home Assistant is set to, as core does; a DP whose model gives no unit takes
the device's ``temp_unit_convert`` (or the older ``c_f``) value.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import (
    SWING_BOTH,
    SWING_HORIZONTAL,
    SWING_OFF,
    SWING_ON,
    SWING_VERTICAL,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, Platform, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import TuyaLanCoordinator
from .descriptions import TuyaLanClimateEntityDescription
from .entity import TuyaLanPartsEntity, async_setup_dp_entities, part_scale
from .entries import TuyaLanDeviceConfigEntry
from .tuyalan.dpmap import (
    ROLE_CLIMATE_FAN_MODE,
    ROLE_CLIMATE_SWITCH,
    ROLE_CURRENT_HUMIDITY,
    ROLE_CURRENT_TEMP,
    ROLE_CURRENT_TEMP_F,
    ROLE_HVAC_MODE,
    ROLE_SWING,
    ROLE_SWING_HORIZONTAL,
    ROLE_SWING_VERTICAL,
    ROLE_TARGET_HUMIDITY,
    ROLE_TARGET_TEMP,
    ROLE_TARGET_TEMP_F,
    ROLE_TEMP_UNIT,
    DpSpec,
)

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
# What a device without such a mode does when on, where its category does not say
# (the library's CLIMATE_ON_MODES, carried as its switch's options: a kt cools, a wk
# heats and cools, as in core): a thermostat made by hand heats.
DEFAULT_HVAC: Final = HVACMode.HEAT
# temp_unit_convert's values ("c"/"f"; the older c_f: "C"/"F").
TUYA_UNITS: Final = {"c": UnitOfTemperature.CELSIUS, "f": UnitOfTemperature.FAHRENHEIT}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the climate entities of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.CLIMATE, TuyaLanClimate)


class TuyaLanClimate(TuyaLanPartsEntity, ClimateEntity):
    """A climate entity made of the DPs its description names."""

    entity_description: TuyaLanClimateEntityDescription
    _attr_preset_modes: list[str] | None = None
    _attr_fan_modes: list[str] | None = None
    _attr_swing_modes: list[str] | None = None

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanClimateEntityDescription
    ) -> None:
        """Initialize the entity from its parts."""
        super().__init__(coordinator, description)
        self._switch = description.part(ROLE_CLIMATE_SWITCH)
        self._mode = description.part(ROLE_HVAC_MODE)
        self._unit_dp = description.part(ROLE_TEMP_UNIT)
        self._target, self._current = self._temperature_parts(coordinator, description)
        self._fan = description.part(ROLE_CLIMATE_FAN_MODE)
        self._swing = description.part(ROLE_SWING)
        self._swing_h = description.part(ROLE_SWING_HORIZONTAL)
        self._swing_v = description.part(ROLE_SWING_VERTICAL)
        self._humidity_set = description.part(ROLE_TARGET_HUMIDITY)
        self._humidity = description.part(ROLE_CURRENT_HUMIDITY)
        options = self._mode.options if self._mode else ()
        hvac: list[HVACMode] = []
        if self._switch is not None:
            hvac.append(HVACMode.OFF)
        # Of two modes that mean one HVAC mode (auto and manual), the first is it and
        # the other a preset, so that each stays reachable.
        hvac_options: set[str] = set()
        for option in options:
            if (mode := TUYA_HVAC.get(option)) is not None and mode not in hvac:
                hvac.append(mode)
                hvac_options.add(option)
        if not any(mode is not HVACMode.OFF for mode in hvac):
            on_modes = self._switch.options if self._switch is not None else ()
            hvac.append(next((TUYA_HVAC[m] for m in on_modes if m in TUYA_HVAC), DEFAULT_HVAC))
        self._attr_hvac_modes = hvac
        presets = [option for option in options if option not in hvac_options]
        features = ClimateEntityFeature(0)
        if presets:
            self._attr_preset_modes = presets
            features |= ClimateEntityFeature.PRESET_MODE
        if self._target is not None:
            features |= ClimateEntityFeature.TARGET_TEMPERATURE
            target = self._target
            scale = part_scale(target)
            if target.minimum is not None and target.maximum is not None:
                self._attr_min_temp = target.minimum * scale
                self._attr_max_temp = target.maximum * scale
            self._attr_target_temperature_step = (target.step or 1) * scale
        if self._switch is not None:
            features |= ClimateEntityFeature.TURN_ON | ClimateEntityFeature.TURN_OFF
        if self._fan is not None and self._fan.options:
            features |= ClimateEntityFeature.FAN_MODE
            self._attr_fan_modes = list(self._fan.options)
        swings = [
            swing
            for swing, spec in ((SWING_ON, self._swing), (SWING_HORIZONTAL, self._swing_h))
            if spec is not None
        ] + ([SWING_VERTICAL] if self._swing_v is not None else [])
        if swings:
            features |= ClimateEntityFeature.SWING_MODE
            self._attr_swing_modes = [SWING_OFF, *swings]
        if (humidity := self._humidity_set) is not None:
            features |= ClimateEntityFeature.TARGET_HUMIDITY
            if humidity.minimum is not None and humidity.maximum is not None:
                self._attr_min_humidity = round(humidity.minimum * part_scale(humidity))
                self._attr_max_humidity = round(humidity.maximum * part_scale(humidity))
        self._attr_supported_features = features

    @staticmethod
    def _temperature_parts(
        coordinator: TuyaLanCoordinator, description: TuyaLanClimateEntityDescription
    ) -> tuple[DpSpec | None, DpSpec | None]:
        """The target and current temperature DPs: the °F twins when Home Assistant
        counts in °F (or the device has no others), as core's tuya chooses."""
        celsius = description.part(ROLE_TARGET_TEMP), description.part(ROLE_CURRENT_TEMP)
        fahrenheit = description.part(ROLE_TARGET_TEMP_F), description.part(ROLE_CURRENT_TEMP_F)
        system = coordinator.hass.config.units.temperature_unit
        if any(fahrenheit) and (system == UnitOfTemperature.FAHRENHEIT or not any(celsius)):
            return fahrenheit[0] or celsius[0], fahrenheit[1] or celsius[1]
        return celsius[0] or fahrenheit[0], celsius[1] or fahrenheit[1]

    @property
    def temperature_unit(self) -> str:
        """The target's unit: the model's, else the device's unit setting, else °C."""
        spec = self._target or self._current
        if spec is not None and spec.unit == "°F":
            return UnitOfTemperature.FAHRENHEIT
        if spec is not None and spec.unit is None and self._unit_dp is not None:
            setting = self.part_value(self._unit_dp)
            if isinstance(setting, str) and setting.lower() in TUYA_UNITS:
                return TUYA_UNITS[setting.lower()]
        return UnitOfTemperature.CELSIUS

    @property
    def fan_mode(self) -> str | None:
        """The fan speed, when it is one the model lists."""
        value = self.part_value(self._fan)
        return value if self._fan is not None and value in self._fan.options else None

    @property
    def swing_mode(self) -> str | None:
        """On (one swing DP), both, horizontal, vertical or off, from the flap DPs."""
        if not self._attr_swing_modes:
            return None
        if self.part_value(self._swing) is True:
            return SWING_ON
        horizontal = self.part_value(self._swing_h) is True
        vertical = self.part_value(self._swing_v) is True
        if horizontal and vertical:
            return SWING_BOTH
        return SWING_HORIZONTAL if horizontal else SWING_VERTICAL if vertical else SWING_OFF

    @property
    def current_humidity(self) -> float | None:
        """The humidity the device measures."""
        value = self.scaled_part(self._humidity)
        return None if value is None else round(value)

    @property
    def target_humidity(self) -> float | None:
        """The humidity the device aims at."""
        value = self.scaled_part(self._humidity_set)
        return None if value is None else round(value)

    async def async_set_fan_mode(self, fan_mode: str) -> None:
        """Set a fan speed the model lists."""
        if self._fan is not None and fan_mode in self._fan.options:
            await self.coordinator.async_set_dps({self._fan.dp: fan_mode})

    async def async_set_swing_mode(self, swing_mode: str) -> None:
        """Set every flap DP the device has, in one frame."""
        dps: dict[str, Any] = {}
        for spec, on in (
            (self._swing, swing_mode == SWING_ON),
            (self._swing_h, swing_mode in (SWING_BOTH, SWING_HORIZONTAL)),
            (self._swing_v, swing_mode in (SWING_BOTH, SWING_VERTICAL)),
        ):
            if spec is not None:
                dps[spec.dp] = on
        await self.coordinator.async_set_dps(dps)

    async def async_set_humidity(self, humidity: int) -> None:
        """Set the target humidity, in the DP's units."""
        if self._humidity_set is not None:
            await self.async_set_scaled_part(self._humidity_set, humidity)

    @property
    def current_temperature(self) -> float | None:
        """The temperature the device measures."""
        return self.scaled_part(self._current)

    @property
    def target_temperature(self) -> float | None:
        """The temperature the device aims at."""
        return self.scaled_part(self._target)

    @property
    def hvac_mode(self) -> HVACMode | None:
        """Off when switched off; the mode's HVAC mode, or the default one in a preset."""
        if self._switch is not None:
            on = self.part_value(self._switch)
            if on is False:
                return HVACMode.OFF
            if on is not True:
                return None
        mode = self.part_value(self._mode)
        if isinstance(mode, str) and mode in TUYA_HVAC:
            return TUYA_HVAC[mode]
        return next((m for m in self.hvac_modes if m is not HVACMode.OFF), DEFAULT_HVAC)

    @property
    def preset_mode(self) -> str | None:
        """The mode when it is a preset."""
        mode = self.part_value(self._mode)
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
                current = self.part_value(self._mode)
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
        await self.async_set_scaled_part(self._target, temperature)
