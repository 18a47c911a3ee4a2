"""Options flow steps that change what one DP is: pick it (by id, name and value), choose
its kind, then its details (scale, unit, device class, options, name)."""

from __future__ import annotations

from typing import Any, Final

import probatio as vol
from homeassistant.components.sensor.const import DEVICE_CLASS_UNITS, SensorDeviceClass
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.helpers.selector import (
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
from .options_target import TargetOptionsFlow
from .overrides import (
    ERROR_NAME,
    KIND_OPTIONS,
    OPT_DEVICE_CLASS,
    OPT_INDEX,
    OPT_KIND,
    OPT_NAME,
    OPT_OPTIONS,
    OPT_SCALE,
    OPT_UNIT,
    SENSOR_DEVICE_CLASSES,
    SWITCH_DEVICE_CLASSES,
    parse_name,
    parse_options,
)
from .tuyalan.dpmap import COMPOSITE_KINDS, KIND_SCALES, USER_KINDS, DpKind, DpSpec
from .validation import ERROR_DP, ERROR_OPTIONS, ERROR_SCALE, ERROR_UNIT_TEXT

OPT_DP: Final = "dp"
KIND_DEFAULT: Final = "default"


class DpOptionsFlow(TargetOptionsFlow):
    """Pick a DP of the target, choose its kind and details."""

    async def async_step_pick_dp(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the DP to edit (or type the number of one not reported yet)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                self._dp = str(validation.dp_id(user_input[OPT_DP]))
            except validation.InvalidInput:
                errors[OPT_DP] = ERROR_DP
            else:
                return await self.async_step_edit_dp()
        return self.async_show_form(
            step_id="pick_dp",
            data_schema=vol.Schema(
                {
                    vol.Required(OPT_DP): SelectSelector(
                        SelectSelectorConfig(
                            options=await self._async_dp_choices(),
                            custom_value=True,
                            mode=SelectSelectorMode.DROPDOWN,
                        )
                    )
                }
            ),
            errors=errors,
        )

    async def async_step_edit_dp(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the kind of the picked DP."""
        dp = self._dp
        if user_input is not None:
            kind = user_input[OPT_KIND]
            if kind == KIND_DEFAULT:
                self._reset(dp)
                return await self._async_menu()
            self._kind = DpKind(kind)
            if KIND_OPTIONS.get(self._kind):
                return await self.async_step_dp_options()
            name = self._kept_name(dp, self._kind)
            self.overrides[dp] = {OPT_KIND: kind, **({OPT_NAME: name} if name else {})}
            return await self._async_menu()
        spec = self._specs().get(dp) or DpSpec(dp=dp, kind=DpKind.RAW)
        kinds = [KIND_DEFAULT, *(kind.value for kind in USER_KINDS)]
        schema = vol.Schema(
            {
                vol.Required(OPT_KIND): SelectSelector(
                    SelectSelectorConfig(
                        options=kinds, translation_key=OPT_KIND, mode=SelectSelectorMode.LIST
                    )
                )
            }
        )
        words = await self._async_words()
        overridden = spec.overridden and spec.kind not in COMPOSITE_KINDS
        return self.async_show_form(
            step_id="edit_dp",
            data_schema=self.add_suggested_values_to_schema(
                schema, {OPT_KIND: spec.kind.value if overridden else KIND_DEFAULT}
            ),
            description_placeholders={
                "dp": dp,
                "current": words.describe(spec),
                "value": words.value(self._reported().get(dp)),
            },
        )

    def _reset(self, dp: str) -> None:
        """Back to the default: a DP, or every part of the hand-made entity it is in."""
        current = self.overrides.pop(dp, None)
        if current is None or DpKind(current[OPT_KIND]) not in COMPOSITE_KINDS:
            return
        for other, override in list(self.overrides.items()):
            if override[OPT_KIND] == current[OPT_KIND] and override.get(OPT_INDEX) == current.get(
                OPT_INDEX
            ):
                del self.overrides[other]

    async def async_step_dp_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set the scale (and for a generic sensor the unit and device class)."""
        dp, kind = self._dp, self._kind
        allowed = KIND_OPTIONS.get(kind, ())
        default_scale = KIND_SCALES.get(kind)
        errors: dict[str, str] = {}
        if user_input is not None:
            scale = user_input.get(OPT_SCALE)
            unit = (user_input.get(OPT_UNIT) or "").strip() or None
            device_class = user_input.get(OPT_DEVICE_CLASS) or None
            options: tuple[str, ...] = ()
            if OPT_OPTIONS in allowed:
                try:
                    options = parse_options(user_input.get(OPT_OPTIONS) or [])
                except validation.InvalidInput:
                    # None typed: the options the device's model (or rule) gave, if any.
                    default = self._specs().get(dp)
                    if user_input.get(OPT_OPTIONS) or default is None or not default.options:
                        errors[OPT_OPTIONS] = ERROR_OPTIONS
            try:
                scale = None if scale is None else validation.scale(scale)
            except validation.InvalidInput:
                errors[OPT_SCALE] = ERROR_SCALE
            try:
                unit = None if unit is None else validation.unit(unit)
            except validation.InvalidInput:
                errors[OPT_UNIT] = ERROR_UNIT_TEXT
            name: str | None = None
            if user_input.get(OPT_NAME):
                try:
                    name = parse_name(user_input[OPT_NAME])
                except validation.InvalidInput:
                    errors[OPT_NAME] = ERROR_NAME
            if (
                OPT_UNIT not in errors
                and kind is DpKind.SENSOR
                and device_class is not None
                and unit not in DEVICE_CLASS_UNITS.get(SensorDeviceClass(device_class), {unit})
            ):
                errors[OPT_UNIT] = "invalid_unit"
            if not errors:
                override: dict[str, Any] = {OPT_KIND: kind.value}
                if scale is not None:
                    override[OPT_SCALE] = scale
                if unit is not None:
                    override[OPT_UNIT] = unit
                if device_class is not None:
                    override[OPT_DEVICE_CLASS] = device_class
                if options:
                    override[OPT_OPTIONS] = list(options)
                if name is not None:
                    override[OPT_NAME] = name
                self.overrides[dp] = override
                return await self._async_menu()
        fields: dict[vol.Marker, Any] = {vol.Optional(OPT_NAME): TextSelector()}
        if OPT_SCALE in allowed:
            fields[vol.Optional(OPT_SCALE)] = NumberSelector(
                NumberSelectorConfig(mode=NumberSelectorMode.BOX, step="any")
            )
        if OPT_UNIT in allowed:
            fields[vol.Optional(OPT_UNIT)] = TextSelector()
        if OPT_OPTIONS in allowed:
            fields[vol.Optional(OPT_OPTIONS)] = TextSelector(TextSelectorConfig(multiple=True))
        if OPT_DEVICE_CLASS in allowed:
            classes = SWITCH_DEVICE_CLASSES if kind is DpKind.SWITCH else SENSOR_DEVICE_CLASSES
            fields[vol.Optional(OPT_DEVICE_CLASS)] = SelectSelector(
                SelectSelectorConfig(
                    options=[str(device_class) for device_class in classes],
                    translation_key=OPT_DEVICE_CLASS,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
        current = self.overrides.get(dp, {})
        suggested = current if current.get(OPT_KIND) == kind.value else {}
        if OPT_NAME not in suggested and (kept := self._kept_name(dp, kind)):
            suggested = {**suggested, OPT_NAME: kept}
        if user_input is not None:
            suggested = user_input
        return self.async_show_form(
            step_id="dp_options",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), suggested),
            errors=errors,
            description_placeholders={
                "dp": dp,
                "kind": (await self._async_words()).kind(kind),
                "default_scale": f"{default_scale:g}" if default_scale is not None else "1",
            },
        )
