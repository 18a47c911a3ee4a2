"""Options flow: change what each DP of a device is (a menu, pick a DP, edit it, save)."""

from __future__ import annotations

import json
from typing import Any, Final

import probatio as vol
from homeassistant.components.sensor.const import DEVICE_CLASS_UNITS, SensorDeviceClass
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from . import validation
from .const import (
    CONF_CATEGORY,
    CONF_CHILDREN,
    CONF_CID,
    CONF_DPS,
    CONF_IS_GATEWAY,
    CONF_MODEL,
    CONF_NAME,
)
from .gateway import MAX_CHILDREN, MAX_NAME, child_name, is_cid, stored_children
from .overrides import (
    KIND_OPTIONS,
    OPT_DEVICE_CLASS,
    OPT_KIND,
    OPT_OPTIONS,
    OPT_SCALE,
    OPT_UNIT,
    SENSOR_DEVICE_CLASSES,
    SWITCH_DEVICE_CLASSES,
    parse_model,
    parse_options,
    parse_overrides,
    resolve_specs,
)
from .tuyalan.dpmap import KIND_SCALES, USER_KINDS, DpKind, DpSpec
from .validation import (
    ERROR_DP,
    ERROR_OPTIONS,
    ERROR_SCALE,
    ERROR_UNIT_TEXT,
)

OPT_DP: Final = "dp"
ERROR_CID: Final = "invalid_cid"
ERROR_CHILD_EXISTS: Final = "child_exists"
ERROR_TOO_MANY_CHILDREN: Final = "too_many_children"
ERROR_NAME: Final = "invalid_name"
KIND_DEFAULT: Final = "default"


def _shown(value: Any) -> str:
    """A DP value as the device sends it: JSON (true, not Python's True)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _describe(spec: DpSpec) -> str:
    parts = [spec.kind.value]
    if spec.scale is not None:
        parts.append(f"x{spec.scale:g}")
    if spec.unit:
        parts.append(spec.unit)
    if spec.device_class:
        parts.append(spec.device_class)
    if spec.options:
        parts.append("/".join(spec.options))
    return " ".join(parts)


class TuyaLanOptionsFlow(OptionsFlowWithReload):
    """Change what each DP of the device is: a menu, pick a DP, edit it, save."""

    def __init__(self) -> None:
        """Initialize the flow."""
        self._overrides: dict[str, dict[str, Any]] | None = None
        self._dp = ""
        self._kind = DpKind.RAW

    @property
    def overrides(self) -> dict[str, dict[str, Any]]:
        """Return the overrides being edited (a copy of the stored ones at first)."""
        if self._overrides is None:
            # Hand-edited options may hold mappings that make no sense: they are left
            # out here, and so dropped when the flow saves.
            self._overrides = parse_overrides(self.config_entry.options.get(CONF_DPS))
        return self._overrides

    def _reported(self) -> dict[str, Any]:
        """Return the device's current DPS when the entry is loaded."""
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            return dict(entry.runtime_data.data.dps)
        return {}

    def _specs(self) -> dict[str, DpSpec]:
        data = self.config_entry.data
        category = data.get(CONF_CATEGORY)
        return resolve_specs(
            self._reported(),
            self.overrides,
            category=category if isinstance(category, str) else None,
            model=parse_model(data.get(CONF_MODEL)),
        )

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the menu: edit a DP, add or remove a sub-device, or save."""
        summary = ", ".join(
            f"DP {dp}: {_describe(spec)}" for dp, spec in self._specs().items() if spec.overridden
        )
        if summary:  # its own text: "Your changes" only when there are some
            return self.async_show_menu(
                step_id="init_changed",
                menu_options=["pick_dp", "add_child", "remove_child", "save"],
                description_placeholders={"overrides": summary},
            )
        return self.async_show_menu(
            step_id="init", menu_options=["pick_dp", "add_child", "remove_child", "save"]
        )

    async def async_step_init_changed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The menu once there are changes (its own text lists them)."""
        return await self.async_step_init(user_input)

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
        reported = self._reported()
        options = [
            SelectOptionDict(
                value=dp,
                label=f"DP {dp}: {_describe(spec)}"
                + (f" = {_shown(reported[dp])}"[:60] if dp in reported else ""),
            )
            for dp, spec in self._specs().items()
        ]
        return self.async_show_form(
            step_id="pick_dp",
            data_schema=vol.Schema(
                {
                    vol.Required(OPT_DP): SelectSelector(
                        SelectSelectorConfig(
                            options=options, custom_value=True, mode=SelectSelectorMode.DROPDOWN
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
                self.overrides.pop(dp, None)
                return await self.async_step_init()
            self._kind = DpKind(kind)
            if KIND_OPTIONS.get(self._kind):
                return await self.async_step_dp_options()
            self.overrides[dp] = {OPT_KIND: kind}
            return await self.async_step_init()
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
        return self.async_show_form(
            step_id="edit_dp",
            data_schema=self.add_suggested_values_to_schema(
                schema, {OPT_KIND: spec.kind.value if spec.overridden else KIND_DEFAULT}
            ),
            description_placeholders={
                "dp": dp,
                "current": _describe(spec),
                "value": _shown(self._reported().get(dp))[:60],
            },
        )

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
                self.overrides[dp] = override
                return await self.async_step_init()
        fields: dict[vol.Marker, Any] = {}
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
        if user_input is not None:
            suggested = user_input
        return self.async_show_form(
            step_id="dp_options",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), suggested),
            errors=errors,
            description_placeholders={
                "dp": dp,
                "kind": kind.value,
                "default_scale": f"{default_scale:g}" if default_scale is not None else "1",
            },
        )

    async def async_step_add_child(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a sub-device of this gateway by its cid (the entry becomes a gateway's:
        one session for it and its children)."""
        errors: dict[str, str] = {}
        children = stored_children(self.config_entry)
        if user_input is not None:
            cid = str(user_input.get(CONF_CID, "")).strip()
            name = str(user_input.get(CONF_NAME) or "").strip()
            if not is_cid(cid):
                errors[CONF_CID] = ERROR_CID
            elif cid in children:
                errors[CONF_CID] = ERROR_CHILD_EXISTS
            elif len(children) >= MAX_CHILDREN:
                errors["base"] = ERROR_TOO_MANY_CHILDREN
            elif len(name) > MAX_NAME or not name.isprintable():
                errors[CONF_NAME] = ERROR_NAME
            else:
                children[cid] = {CONF_NAME: name} if name else {}
                entry = self.config_entry
                if entry.data.get(CONF_IS_GATEWAY) is not True:
                    # A gateway from now on, with or without children: its session
                    # is a gateway's (a hub may answer no query of its own).
                    self.hass.config_entries.async_update_entry(
                        entry, data={**entry.data, CONF_IS_GATEWAY: True}
                    )
                return self.async_create_entry(
                    data={**self.config_entry.options, CONF_CHILDREN: children}
                )
        return self.async_show_form(
            step_id="add_child",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_CID): TextSelector(),
                    vol.Optional(CONF_NAME): TextSelector(),
                }
            ),
            errors=errors,
        )

    async def async_step_remove_child(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove a sub-device (its entities and device go with the reload)."""
        children = stored_children(self.config_entry)
        if not children:
            return self.async_abort(reason="no_children")
        if user_input is not None and user_input.get(CONF_CID) in children:
            del children[user_input[CONF_CID]]
            return self.async_create_entry(
                data={**self.config_entry.options, CONF_CHILDREN: children}
            )
        options = [
            SelectOptionDict(value=cid, label=f"{child_name(cid, settings)} ({cid})")
            for cid, settings in children.items()
        ]
        return self.async_show_form(
            step_id="remove_child",
            data_schema=vol.Schema(
                {vol.Required(CONF_CID): SelectSelector(SelectSelectorConfig(options=options))}
            ),
        )

    async def async_step_save(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store the mapping; the entry reloads with it."""
        return self.async_create_entry(data={**self.config_entry.options, CONF_DPS: self.overrides})
