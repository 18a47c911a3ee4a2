"""Options flow: change what each DP of a device is (a menu, pick a DP, edit it, save),
make a light, cover, fan or thermostat of its DPs (:mod:`.options_entities`), and
do the same for each sub-device of a gateway."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import probatio as vol
from homeassistant.components.sensor.const import DEVICE_CLASS_UNITS, SensorDeviceClass
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult
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
    CONF_DEVICE_ID,
    CONF_DPS,
    CONF_IS_GATEWAY,
    CONF_LEARNED,
    CONF_MODEL,
    CONF_NAME,
)
from .coordinator import TuyaLanCoordinator
from .gateway import (
    MAX_CHILDREN,
    MAX_NAME,
    GatewayCoordinator,
    child_name,
    is_cid,
    stored_children,
)
from .options_entities import EntitySteps
from .options_labels import Words, async_words, dp_label, dp_name, entity_names
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
    parse_learned,
    parse_model,
    parse_name,
    parse_options,
    parse_overrides,
    resolve_specs,
)
from .tuyalan.dpmap import COMPOSITE_KINDS, KIND_SCALES, USER_KINDS, DpKind, DpSpec
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
KIND_DEFAULT: Final = "default"


class TuyaLanOptionsFlow(EntitySteps):
    """Change what each DP of the device (or of a sub-device) is: a menu, pick a DP,
    edit it, save."""

    def __init__(self) -> None:
        """Initialize the flow."""
        # The overrides being edited, by target: None the device, else a child's cid.
        self._edited: dict[str | None, dict[str, dict[str, Any]]] = {}
        self._target: str | None = None
        self._dp = ""
        self._kind = DpKind.RAW
        self._words: Words | None = None

    @property
    def overrides(self) -> dict[str, dict[str, Any]]:
        """Return the overrides being edited (a copy of the stored ones at first)."""
        if self._target not in self._edited:
            # Hand-edited options may hold mappings that make no sense: they are left
            # out here, and so dropped when the flow saves.
            self._edited[self._target] = parse_overrides(self._settings().get(CONF_DPS))
        return self._edited[self._target]

    def _settings(self) -> Mapping[str, Any]:
        """The target's model, category, learned DPs and stored overrides."""
        entry = self.config_entry
        if self._target is None:
            return {**entry.data, CONF_DPS: entry.options.get(CONF_DPS)}
        return stored_children(entry).get(self._target, {})

    def _coordinator(self) -> TuyaLanCoordinator | None:
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return None
        coordinator: TuyaLanCoordinator = entry.runtime_data
        if self._target is None:
            return coordinator
        if isinstance(coordinator, GatewayCoordinator):
            return coordinator.children.get(self._target)
        return None

    def _reported(self) -> dict[str, Any]:
        """Return the target's current DPS when the entry is loaded."""
        coordinator = self._coordinator()
        if coordinator is None or coordinator.data is None:
            return {}
        return dict(coordinator.data.dps)

    def _specs(self, overrides: Any = None) -> dict[str, DpSpec]:
        settings = self._settings()
        category = settings.get(CONF_CATEGORY)
        return resolve_specs(
            self._reported(),
            self.overrides if overrides is None else overrides,
            category=category if isinstance(category, str) else None,
            model=parse_model(settings.get(CONF_MODEL)),
            learned=parse_learned(settings.get(CONF_LEARNED)),
        )

    def _names(self) -> dict[str, str]:
        """The names the target's DP entities have now."""
        device_id = self._target or str(self.config_entry.data.get(CONF_DEVICE_ID))
        return entity_names(self.hass, self.config_entry, device_id)

    def _kept_name(self, dp: str, kind: DpKind) -> str | None:
        """The name a DP keeps when its kind changes ("Switch 4" stays "Switch 4")."""
        current = self.overrides.get(dp, {})
        if isinstance(name := current.get(OPT_NAME), str):
            return name
        default = self._specs({}).get(dp)
        if default is None or default.kind in (kind, DpKind.RAW):
            return None  # the same kind keeps its name; a raw DP has none but its id
        return self._names().get(dp)

    async def _async_words(self) -> Words:
        if self._words is None:
            self._words = await async_words(self.hass)
        return self._words

    async def _async_dp_choices(self, accepts: Any = None) -> list[SelectOptionDict]:
        """The target's DPs as a picker offers them: "1 · Switch 1 (on)"."""
        words, names, reported = await self._async_words(), self._names(), self._reported()
        return [
            SelectOptionDict(
                value=dp, label=dp_label(words, dp, dp_name(words, spec, names), reported)
            )
            for dp, spec in self._specs().items()
            if accepts is None or (dp in reported and accepts(reported[dp]))
        ]

    async def _async_menu(self) -> ConfigFlowResult:
        """The menu of the target, with the changes so far in words."""
        words = await self._async_words()
        summary = ", ".join(
            f"DP {dp}: {words.describe(spec)}"
            for dp, spec in self._specs().items()
            if spec.overridden
        )
        placeholders = {"overrides": summary} if summary else None
        if self._target is not None:  # a sub-device's DPs
            settings = stored_children(self.config_entry).get(self._target, {})
            return self.async_show_menu(
                step_id="child_changed" if summary else "child",
                menu_options=["pick_dp", "add_entity", "init", "save"],
                description_placeholders={
                    **(placeholders or {}),
                    "name": child_name(self._target, settings),
                },
            )
        menu = ["pick_dp", "add_entity"]
        if stored_children(self.config_entry):
            menu.append("pick_child")
        menu += ["add_child", "remove_child", "save"]
        # its own text: "Your changes" only when there are some
        return self.async_show_menu(
            step_id="init_changed" if summary else "init",
            menu_options=menu,
            description_placeholders=placeholders,
        )

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the device's menu: edit a DP, make an entity, sub-devices, or save."""
        self._target = None
        return await self._async_menu()

    async def async_step_init_changed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The menu once there are changes (its own text lists them)."""
        return await self._async_menu()

    async def async_step_child(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A sub-device's menu."""
        return await self._async_menu()

    async def async_step_child_changed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A sub-device's menu once there are changes."""
        return await self._async_menu()

    async def async_step_pick_child(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the sub-device whose DPs to edit."""
        children = stored_children(self.config_entry)
        if user_input is not None and user_input.get(CONF_CID) in children:
            self._target = user_input[CONF_CID]
            return await self._async_menu()
        return self.async_show_form(step_id="pick_child", data_schema=_children_schema(children))

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
        return self.async_show_form(step_id="remove_child", data_schema=_children_schema(children))

    async def async_step_save(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store the mappings (the device's and each edited child's); the entry reloads."""
        options = dict(self.config_entry.options)
        self._target = None
        options[CONF_DPS] = self.overrides
        children = stored_children(self.config_entry)
        edited = {cid: dps for cid, dps in self._edited.items() if cid in children}
        if edited:
            for cid, dps in edited.items():
                children[cid] = {**children[cid], CONF_DPS: dps}
            options[CONF_CHILDREN] = children
        return self.async_create_entry(data=options)


def _children_schema(children: Mapping[str, Mapping[str, Any]]) -> vol.Schema:
    """A picker of the sub-devices, by name and cid."""
    options = [
        SelectOptionDict(value=cid, label=f"{child_name(cid, settings)} ({cid})")
        for cid, settings in children.items()
    ]
    return vol.Schema(
        {vol.Required(CONF_CID): SelectSelector(SelectSelectorConfig(options=options))}
    )
