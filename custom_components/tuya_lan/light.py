"""Light platform: bulbs, strips and dimmers, each a light made of several DPs.

The parts come from the device's data model (the library's light rows): the switch
(``switch_led``), the work mode (``work_mode``: white, colour, scene, music), the
brightness and colour temperature in the DP's own range (``bright_value_v2`` 10-1000,
``bright_value`` 25-255, ``temp_value(_v2)``) and the colour (``colour_data_v2``
``HHHHSSSSVVVV``, the older ``colour_data`` ``RRGGBBHHHHSSVV``). A command that
changes several of them goes out as one frame.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.light import LightEntity
from homeassistant.components.light.const import (
    ATTR_BRIGHTNESS,
    ATTR_COLOR_TEMP_KELVIN,
    ATTR_EFFECT,
    ATTR_HS_COLOR,
    ATTR_WHITE,
    ColorMode,
    LightEntityFeature,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import TuyaLanCoordinator
from .descriptions import TuyaLanLightEntityDescription
from .entity import TuyaLanPartsEntity, async_setup_dp_entities
from .entries import TuyaLanDeviceConfigEntry
from .tuyalan.dpmap import (
    ROLE_BRIGHTNESS,
    ROLE_COLOUR,
    ROLE_COLOUR_TEMP,
    ROLE_LIGHT_SWITCH,
    ROLE_WORK_MODE,
    DpSpec,
)
from .values import (
    BRIGHTNESS_V1,
    BRIGHTNESS_V2,
    KELVIN_COLDEST,
    KELVIN_WARMEST,
    TEMPERATURE_V1,
    TEMPERATURE_V2,
    brightness_from_raw,
    brightness_to_raw,
    decode_colour,
    dp_range,
    encode_colour,
    kelvin_from_raw,
    kelvin_to_raw,
)

PARALLEL_UPDATES = 1

# Tuya's work modes: white (the white channel), colour (the colour DP); any other
# (scene, music) is an effect.
MODE_WHITE = "white"
MODE_COLOUR = "colour"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the lights of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.LIGHT, TuyaLanLight)


def _is_v2(spec: DpSpec | None) -> bool:
    """A part of the v2 lighting set: by its code, or (a part mapped by hand, no code)
    by a range past the older set's 255."""
    if spec is None:
        return False
    if spec.code:
        return str(spec.code).split("_")[-1].startswith("v2")
    return spec.maximum is not None and spec.maximum > BRIGHTNESS_V1[1]


class TuyaLanLight(TuyaLanPartsEntity, LightEntity):
    """A light made of the DPs its description names."""

    entity_description: TuyaLanLightEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanLightEntityDescription
    ) -> None:
        """Initialize the light from its parts."""
        super().__init__(coordinator, description)
        self._switch = description.part(ROLE_LIGHT_SWITCH)
        self._mode = description.part(ROLE_WORK_MODE)
        self._brightness = description.part(ROLE_BRIGHTNESS)
        self._temperature = description.part(ROLE_COLOUR_TEMP)
        self._colour = description.part(ROLE_COLOUR)
        brightness, temperature = self._brightness, self._temperature
        self._brightness_range = dp_range(
            brightness.minimum if brightness else None,
            brightness.maximum if brightness else None,
            BRIGHTNESS_V2 if _is_v2(brightness) or brightness is None else BRIGHTNESS_V1,
        )
        self._temperature_range = dp_range(
            temperature.minimum if temperature else None,
            temperature.maximum if temperature else None,
            TEMPERATURE_V2 if _is_v2(temperature) else TEMPERATURE_V1,
        )
        # A colour mapped by hand has no code: it is of its brightness's generation.
        colour = self._colour
        self._colour_v2 = _is_v2(colour) or bool(
            colour is not None and not colour.code and _is_v2(brightness)
        )
        # Colour V spans the same range as the brightness of its generation.
        self._colour_v_range = BRIGHTNESS_V2 if self._colour_v2 else BRIGHTNESS_V1
        modes = self._mode.options if self._mode else ()
        effects = [mode for mode in modes if mode not in (MODE_WHITE, MODE_COLOUR)]
        self._attr_effect_list = effects or None
        if effects:
            self._attr_supported_features = LightEntityFeature.EFFECT
        # The mode of the white channel: a colour temperature, a white of the colour
        # DP's own, or (without a colour) plain brightness or on/off.
        color_modes: set[ColorMode] = set()
        if self._colour is not None:
            color_modes.add(ColorMode.HS)
        if self._temperature is not None:
            self._white_mode = ColorMode.COLOR_TEMP
            self._attr_min_color_temp_kelvin = KELVIN_WARMEST
            self._attr_max_color_temp_kelvin = KELVIN_COLDEST
        elif self._colour is not None:
            white = self._brightness is not None and MODE_WHITE in modes
            self._white_mode = ColorMode.WHITE if white else ColorMode.HS
        elif self._brightness is not None:
            self._white_mode = ColorMode.BRIGHTNESS
        else:
            self._white_mode = ColorMode.ONOFF
        color_modes.add(self._white_mode)
        self._attr_supported_color_modes = color_modes

    @property
    def _work_mode(self) -> str | None:
        mode = self.part_value(self._mode)
        return mode if self._mode is not None and mode in self._mode.options else None

    @property
    def _hsv(self) -> tuple[float, float, int] | None:
        return decode_colour(self.part_value(self._colour), v2=self._colour_v2)

    @property
    def is_on(self) -> bool | None:
        """Whether the light is on."""
        value = self.part_value(self._switch)
        return value if isinstance(value, bool) else None

    @property
    def color_mode(self) -> ColorMode:
        """Colour when the work mode is anything but white (a scene shows colour)."""
        mode = self._work_mode
        if self._colour is not None and mode is not None and mode != MODE_WHITE:
            return ColorMode.HS
        return self._white_mode

    @property
    def brightness(self) -> int | None:
        """Brightness 1-255: from the colour's V in colour mode, else the white channel."""
        if self.color_mode is ColorMode.HS:
            hsv = self._hsv
            if hsv is None:
                return None
            return brightness_from_raw(hsv[2], *self._colour_v_range)
        return brightness_from_raw(self.part_value(self._brightness), *self._brightness_range)

    @property
    def color_temp_kelvin(self) -> int | None:
        """The white channel's colour temperature."""
        return kelvin_from_raw(self.part_value(self._temperature), *self._temperature_range)

    @property
    def hs_color(self) -> tuple[float, float] | None:
        """Hue and saturation of the colour DP."""
        hsv = self._hsv
        return None if hsv is None else (hsv[0], hsv[1])

    @property
    def effect(self) -> str | None:
        """The work mode when it is a scene or music mode."""
        mode = self._work_mode
        return mode if self._attr_effect_list and mode in self._attr_effect_list else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on and set what was asked, as one frame."""
        dps: dict[str, Any] = {}
        if self._switch is not None:
            dps[self._switch.dp] = True
        brightness = kwargs.get(ATTR_BRIGHTNESS, kwargs.get(ATTR_WHITE))
        white = ATTR_COLOR_TEMP_KELVIN in kwargs or ATTR_WHITE in kwargs
        colour = ATTR_HS_COLOR in kwargs or (
            ATTR_BRIGHTNESS in kwargs and not white and self.color_mode is ColorMode.HS
        )
        if white and self._mode is not None and MODE_WHITE in self._mode.options:
            dps[self._mode.dp] = MODE_WHITE
        if ATTR_COLOR_TEMP_KELVIN in kwargs and self._temperature is not None:
            dps[self._temperature.dp] = kelvin_to_raw(
                kwargs[ATTR_COLOR_TEMP_KELVIN], *self._temperature_range, self._temperature.step
            )
        if colour and self._colour is not None:
            if self._mode is not None and MODE_COLOUR in self._mode.options:
                dps[self._mode.dp] = MODE_COLOUR
            hue, saturation = kwargs.get(ATTR_HS_COLOR) or self.hs_color or (0.0, 0.0)
            level = brightness if brightness is not None else self.brightness or 255
            v = brightness_to_raw(level, *self._colour_v_range)
            current = self.part_value(self._colour)
            dps[self._colour.dp] = encode_colour(
                hue, saturation, v, v2=self._colour_v2, like=current
            )
        elif brightness is not None and self._brightness is not None:
            dps[self._brightness.dp] = brightness_to_raw(
                brightness, *self._brightness_range, self._brightness.step
            )
        effect = kwargs.get(ATTR_EFFECT)
        if self._mode is not None and effect is not None and effect in (self.effect_list or ()):
            dps[self._mode.dp] = effect
        await self.coordinator.async_set_dps(dps)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        if self._switch is not None:
            await self.coordinator.async_set_dps({self._switch.dp: False})
