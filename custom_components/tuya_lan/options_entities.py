"""Options flow steps that make a light, cover, fan or thermostat of DPs by hand.

Without an account nothing says which DPs of a bulb are its brightness or colour: the
user says "this device is a light" and picks them, as localtuya users do. Each picked
DP becomes an override of the light's (cover's, ...) kind with its part as the role,
the range, scale and options entered, and the standard code that says its encoding
(``colour_data_v2`` or ``colour_data``): the same records the data model gives
(:func:`~.tuyalan.dpmap.composite_parts`), so the same groups, descriptions and
entities follow. Only DPs the device reported are offered, each with its current
value; a DP whose value is not of the part's type is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from . import validation
from .options_fields import (
    Invalid,
    box,
    entity_form_errors,
    is_bool,
    is_int,
    is_speed,
    is_text,
    raw_range,
    words,
)
from .options_target import TargetOptionsFlow
from .overrides import (
    OPT_CODE,
    OPT_INDEX,
    OPT_INVERTED,
    OPT_KIND,
    OPT_LABELS,
    OPT_OPTIONS,
    OPT_ROLE,
    OPT_SCALE,
    OPT_UNIT,
)
from .tuyalan.dpmap import (
    ROLE_BRIGHTNESS,
    ROLE_CLIMATE_SWITCH,
    ROLE_COLOUR,
    ROLE_COLOUR_TEMP,
    ROLE_CONTROL,
    ROLE_CURRENT_TEMP,
    ROLE_FAN_DIRECTION,
    ROLE_FAN_SPEED,
    ROLE_FAN_SWITCH,
    ROLE_HVAC_MODE,
    ROLE_LIGHT_SWITCH,
    ROLE_OSCILLATE,
    ROLE_POSITION,
    ROLE_POSITION_SET,
    ROLE_TARGET_TEMP,
    ROLE_WORK_MODE,
    DpKind,
)

ENTITY_STEPS: Final = ["entity_light", "entity_cover", "entity_fan", "entity_climate"]
ERROR_DP_TYPE: Final = "invalid_dp_type"
ERROR_DP_TWICE: Final = "dp_twice"
ERROR_NEEDS_PART: Final = "needs_part"
ENCODING: Final = "encoding"
V2, V1 = "v2", "v1"
# The standard code of each encoding (the light reads the generation from it).
CODES: Final = {
    ROLE_BRIGHTNESS: {V2: "bright_value_v2", V1: "bright_value"},
    ROLE_COLOUR_TEMP: {V2: "temp_value_v2", V1: "temp_value"},
    ROLE_COLOUR: {V2: "colour_data_v2", V1: "colour_data"},
}
# Tuya's lighting standard's work modes (white, colour, then the effects).
WORK_MODES: Final = ("white", "colour", "scene", "music")
DIRECTIONS: Final = ("forward", "reverse")
COMMANDS: Final = ("open", "close", "stop")
UNITS: Final = ("°C", "°F")


class EntityOptionsFlow(TargetOptionsFlow):
    """The steps that make an entity of several DPs (the options flow has them)."""

    async def async_step_add_entity(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Which kind of entity to make (only of DPs the device reported)."""
        if not self._reported():
            return self.async_abort(reason="no_reported_dps")
        return self.async_show_menu(step_id="add_entity", menu_options=ENTITY_STEPS)

    # --- one form per kind: its parts, checked, then stored ---------------------------

    async def _async_form(
        self,
        kind: DpKind,
        user_input: dict[str, Any] | None,
        *,
        pickers: dict[str, tuple[Callable[[Any], bool], bool]],
        extra: dict[vol.Marker, Any],
        parts: Callable[[dict[str, Any]], dict[str, dict[str, Any]]],
        suggested: dict[str, Any],
    ) -> ConfigFlowResult | tuple[vol.Schema, dict[str, str]]:
        """A kind's form (its schema and errors, for the step to show); on submit
        check the picked DPs and the entered values, store each part as an override
        and go back to the menu."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                self._check_dps(user_input, pickers)
                made = parts(user_input)
            except Invalid as err:
                errors = entity_form_errors(err)
            else:
                self._store(kind, made)
                return await self._async_menu()
        fields: dict[vol.Marker, Any] = {}
        for field, (accepts, required) in pickers.items():
            marker = vol.Required(field) if required else vol.Optional(field)
            fields[marker] = SelectSelector(
                SelectSelectorConfig(
                    options=await self._async_dp_choices(accepts),
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
        fields.update(extra)
        schema = self.add_suggested_values_to_schema(
            vol.Schema(fields), user_input if user_input is not None else suggested
        )
        return schema, errors

    def _check_dps(
        self, data: Mapping[str, Any], pickers: Mapping[str, tuple[Callable[[Any], bool], bool]]
    ) -> None:
        """Each picked DP is one the device reported, of the part's type, picked once."""
        reported = self._reported()
        seen: set[str] = set()
        for field, (accepts, _) in pickers.items():
            if (dp := data.get(field)) is None:
                continue
            if not isinstance(dp, str) or dp not in reported or not accepts(reported[dp]):
                raise Invalid(field, ERROR_DP_TYPE)
            if dp in seen:
                raise Invalid(field, ERROR_DP_TWICE)
            seen.add(dp)

    def _store(self, kind: DpKind, parts: dict[str, dict[str, Any]]) -> None:
        """Store the parts (by DP) as overrides of ``kind``, numbered when the device
        has another entity of that kind already."""
        others = {
            spec.index
            for spec in self._specs().values()
            if spec.kind is kind and spec.dp not in parts
        }
        index = None if not others else max(found or 1 for found in others) + 1
        for dp, part in parts.items():
            override = {OPT_KIND: kind.value, **part}
            if index is not None:
                override[OPT_INDEX] = index
            self.overrides[dp] = override

    # --- the kinds ------------------------------------------------------------------

    async def async_step_entity_light(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A light: its switch, and the brightness, colour temperature, colour and
        work mode DPs it has, with their ranges and the colour's encoding."""

        def parts(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
            encoding = V1 if data.get(ENCODING) == V1 else V2
            made: dict[str, dict[str, Any]] = {data["switch"]: {OPT_ROLE: ROLE_LIGHT_SWITCH}}
            if dp := data.get("brightness"):
                made[dp] = {
                    OPT_ROLE: ROLE_BRIGHTNESS,
                    OPT_CODE: CODES[ROLE_BRIGHTNESS][encoding],
                    **raw_range(data, "brightness_min", "brightness_max"),
                }
            if dp := data.get("colour_temp"):
                made[dp] = {
                    OPT_ROLE: ROLE_COLOUR_TEMP,
                    OPT_CODE: CODES[ROLE_COLOUR_TEMP][encoding],
                    **raw_range(data, "colour_temp_min", "colour_temp_max"),
                }
            if dp := data.get("colour"):
                made[dp] = {OPT_ROLE: ROLE_COLOUR, OPT_CODE: CODES[ROLE_COLOUR][encoding]}
            if dp := data.get("work_mode"):
                made[dp] = {OPT_ROLE: ROLE_WORK_MODE, OPT_OPTIONS: list(WORK_MODES)}
            return made

        form = await self._async_form(
            DpKind.LIGHT,
            user_input,
            pickers={
                "switch": (is_bool, True),
                "brightness": (is_int, False),
                "colour_temp": (is_int, False),
                "colour": (is_text, False),
                "work_mode": (is_text, False),
            },
            extra={
                vol.Optional("brightness_min"): box(),
                vol.Optional("brightness_max"): box(),
                vol.Optional("colour_temp_min"): box(),
                vol.Optional("colour_temp_max"): box(),
                vol.Required(ENCODING, default=V2): SelectSelector(
                    SelectSelectorConfig(
                        options=[V2, V1], translation_key=ENCODING, mode=SelectSelectorMode.LIST
                    )
                ),
            },
            parts=parts,
            suggested={},
        )
        if isinstance(form, tuple):
            return self.async_show_form(step_id="entity_light", data_schema=form[0], errors=form[1])
        return form

    async def async_step_entity_cover(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A cover: its control DP and the device's words for open, close and stop,
        the position DPs (set and reported) and which way the position counts."""

        def parts(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
            if not data.get("control") and not data.get("position_set"):
                raise Invalid("base", ERROR_NEEDS_PART)
            made: dict[str, dict[str, Any]] = {}
            if dp := data.get("control"):
                typed = [str(data.get(word) or "").strip() or word for word in COMMANDS]
                if len(set(typed)) != len(typed):
                    raise Invalid("stop", validation.ERROR_OPTIONS)
                labels = words({OPT_LABELS: typed}, OPT_LABELS)
                made[dp] = {OPT_ROLE: ROLE_CONTROL, OPT_OPTIONS: labels, OPT_LABELS: labels}
            inverted = bool(data.get(OPT_INVERTED, True))
            for role in (ROLE_POSITION_SET, ROLE_POSITION):
                if dp := data.get(role):
                    made[dp] = {OPT_ROLE: role, OPT_INVERTED: inverted}
            return made

        form = await self._async_form(
            DpKind.COVER,
            user_input,
            pickers={
                "control": (is_text, False),
                ROLE_POSITION_SET: (is_int, False),
                ROLE_POSITION: (is_int, False),
            },
            extra={
                **{vol.Optional(word): TextSelector() for word in COMMANDS},
                vol.Optional(OPT_INVERTED): BooleanSelector(),
            },
            parts=parts,
            suggested={**{word: word for word in COMMANDS}, OPT_INVERTED: True},
        )
        if isinstance(form, tuple):
            return self.async_show_form(step_id="entity_cover", data_schema=form[0], errors=form[1])
        return form

    async def async_step_entity_fan(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A fan: its power DP, its speed (an integer range, or the values of an enum
        slowest first), oscillation and direction."""

        def parts(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
            if not data.get("switch") and not data.get("speed"):
                raise Invalid("base", ERROR_NEEDS_PART)
            made: dict[str, dict[str, Any]] = {}
            if dp := data.get("switch"):
                made[dp] = {OPT_ROLE: ROLE_FAN_SWITCH}
            if dp := data.get("speed"):
                speed: dict[str, Any] = {OPT_ROLE: ROLE_FAN_SPEED}
                if is_text(self._reported()[dp]):
                    speed[OPT_OPTIONS] = words(data, "speed_values")
                else:
                    speed.update(raw_range(data, "speed_min", "speed_max"))
                made[dp] = speed
            if dp := data.get("oscillate"):
                made[dp] = {OPT_ROLE: ROLE_OSCILLATE}
            if dp := data.get("direction"):
                made[dp] = {OPT_ROLE: ROLE_FAN_DIRECTION, OPT_OPTIONS: list(DIRECTIONS)}
            return made

        form = await self._async_form(
            DpKind.FAN,
            user_input,
            pickers={
                "switch": (is_bool, False),
                "speed": (is_speed, False),
                "oscillate": (is_bool, False),
                "direction": (is_text, False),
            },
            extra={
                vol.Optional("speed_min"): box(),
                vol.Optional("speed_max"): box(),
                vol.Optional("speed_values"): TextSelector(TextSelectorConfig(multiple=True)),
            },
            parts=parts,
            suggested={},
        )
        if isinstance(form, tuple):
            return self.async_show_form(step_id="entity_fan", data_schema=form[0], errors=form[1])
        return form

    async def async_step_entity_climate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A thermostat: target and current temperature DPs with their scale, unit and
        limits (in degrees), its power DP, and its mode DP with the mode values."""

        def parts(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
            try:
                scale = validation.scale(data.get(OPT_SCALE, 1))
            except validation.InvalidInput:
                raise Invalid(OPT_SCALE, validation.ERROR_SCALE) from None
            unit = data.get(OPT_UNIT) if data.get(OPT_UNIT) in UNITS else UNITS[0]
            degrees = {
                field: round(data[field] / scale)
                for field in ("min_temp", "max_temp")
                if isinstance(data.get(field), int | float)
            }
            temperature: dict[str, Any] = {OPT_SCALE: scale, OPT_UNIT: unit}
            made: dict[str, dict[str, Any]] = {
                data["target"]: {
                    OPT_ROLE: ROLE_TARGET_TEMP,
                    **temperature,
                    **raw_range(degrees, "min_temp", "max_temp"),
                }
            }
            if dp := data.get("current"):
                made[dp] = {OPT_ROLE: ROLE_CURRENT_TEMP, **temperature}
            if dp := data.get("switch"):
                made[dp] = {OPT_ROLE: ROLE_CLIMATE_SWITCH}
            if dp := data.get("mode"):
                made[dp] = {OPT_ROLE: ROLE_HVAC_MODE, OPT_OPTIONS: words(data, "mode_values")}
            return made

        form = await self._async_form(
            DpKind.CLIMATE,
            user_input,
            pickers={
                "target": (is_int, True),
                "current": (is_int, False),
                "switch": (is_bool, False),
                "mode": (is_text, False),
            },
            extra={
                vol.Optional(OPT_SCALE): NumberSelector(
                    NumberSelectorConfig(mode=NumberSelectorMode.BOX, step="any")
                ),
                vol.Optional(OPT_UNIT): SelectSelector(
                    SelectSelectorConfig(options=list(UNITS), mode=SelectSelectorMode.LIST)
                ),
                vol.Optional("min_temp"): box(step="any"),
                vol.Optional("max_temp"): box(step="any"),
                vol.Optional("mode_values"): TextSelector(TextSelectorConfig(multiple=True)),
            },
            parts=parts,
            suggested={OPT_SCALE: 1, OPT_UNIT: UNITS[0]},
        )
        if isinstance(form, tuple):
            return self.async_show_form(
                step_id="entity_climate", data_schema=form[0], errors=form[1]
            )
        return form
