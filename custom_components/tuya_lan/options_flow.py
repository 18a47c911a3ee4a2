"""Options flow: change what each DP of a device is (a menu, pick a DP, edit it, save),
make a light, cover, fan or thermostat of its DPs (:mod:`.options_entities`), and
do the same for each sub-device of a gateway."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
)

from .const import CONF_CHILDREN, CONF_CID, CONF_DPS, CONF_IS_GATEWAY, CONF_NAME
from .gateway import MAX_CHILDREN, MAX_NAME, child_name, is_cid, stored_children
from .options_dps import DpOptionsFlow
from .options_entities import EntityOptionsFlow
from .overrides import ERROR_NAME

ERROR_CID: Final = "invalid_cid"
ERROR_CHILD_EXISTS: Final = "child_exists"
ERROR_TOO_MANY_CHILDREN: Final = "too_many_children"


class TuyaLanOptionsFlow(DpOptionsFlow, EntityOptionsFlow):
    """Change what each DP of the device (or of a sub-device) is: a menu, pick a DP,
    edit it, save; or make an entity of several DPs."""

    async def _async_menu(self) -> ConfigFlowResult:
        """The menu of the target, with the changes so far in words."""
        words = await self._async_words()
        # One change a line (markdown bullets: no comma of one language between them).
        summary = "".join(
            f"\n- {words.item(f'DP {dp}', words.describe(spec))}"
            for dp, spec in self._specs().items()
            if spec.overridden
        )
        if self._target is not None:  # a sub-device's DPs
            settings = stored_children(self.config_entry).get(self._target, {})
            name = child_name(self._target, settings)
            if summary:
                return self.async_show_menu(
                    step_id="child_changed",
                    menu_options=["pick_dp", "add_entity", "init", "save"],
                    description_placeholders={"overrides": summary, "name": name},
                )
            return self.async_show_menu(
                step_id="child",
                menu_options=["pick_dp", "add_entity", "init", "save"],
                description_placeholders={"name": name},
            )
        if summary:  # its own text: "Your changes" only when there are some
            return self.async_show_menu(
                step_id="init_changed",
                menu_options=[
                    "pick_dp",
                    "add_entity",
                    "pick_child",
                    "add_child",
                    "remove_child",
                    "save",
                ],
                description_placeholders={"overrides": summary},
            )
        return self.async_show_menu(
            step_id="init",
            menu_options=[
                "pick_dp",
                "add_entity",
                "pick_child",
                "add_child",
                "remove_child",
                "save",
            ],
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
        if not children:
            return self.async_abort(reason="no_children")
        if user_input is not None and user_input.get(CONF_CID) in children:
            self._target = user_input[CONF_CID]
            return await self._async_menu()
        return self.async_show_form(step_id="pick_child", data_schema=_children_schema(children))

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
