"""The config flow's steps for a saved entry: reauth (the key changed) and reconfigure
(the address, key or version changed); an account entry is linked again instead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT

from . import validation
from .account import async_find_device
from .const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_NO_CLOUD,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
)
from .discovery import heard_device
from .entries import is_account_entry, loaded_accounts
from .flow_device import DeviceConfigFlow
from .flow_forms import (
    KEY_SCHEMA,
    SECTION_ADVANCED,
    option_from_version,
    reconfigure_schema,
    version_from_option,
)
from .flow_link import LinkConfigFlow, cloud_errors
from .flow_proof import Candidate, async_prove, proof_errors
from .healing import paused_session
from .tuyalan import CloudError
from .validation import ERROR_HOST

# The reauth step's menu when an account is linked.
STEP_REAUTH_CLOUD: Final = "reauth_cloud"
STEP_REAUTH_CONFIRM: Final = "reauth_confirm"
# ... and a no-cloud entry's (flow_cloudcutter.py).
STEP_REAUTH_KEY_FILE: Final = "reauth_key_file"


class RekeyConfigFlow(DeviceConfigFlow, LinkConfigFlow):
    """Reauth and reconfigure of a device entry (an account entry: linked again)."""

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The device rejected its local key (it was probably re-paired), or the linked
        account's session ended."""
        entry = self._get_reauth_entry()
        if is_account_entry(entry):
            return await self.async_step_relink()
        if entry.data.get(CONF_NO_CLOUD):
            return await self.async_step_reauth_no_cloud()
        if loaded_accounts(self.hass):
            return self.async_show_menu(
                step_id="reauth",
                menu_options=[STEP_REAUTH_CLOUD, STEP_REAUTH_CONFIRM],
                description_placeholders={"name": entry.title},
            )
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_no_cloud(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Cut free of the cloud: its owner holds its keys, so no account is offered,
        only typing the key or giving the new key file."""
        return self.async_show_menu(
            step_id="reauth_no_cloud",
            menu_options=[STEP_REAUTH_CONFIRM, STEP_REAUTH_KEY_FILE],
            description_placeholders={"name": self._get_reauth_entry().title},
        )

    async def async_step_reauth_cloud(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Fetch the device's key from the linked account, prove it, and save it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"name": entry.title, "error": ""}
        try:
            cloud = await async_find_device(self.hass, entry.data[CONF_DEVICE_ID], max_age=0)
        except CloudError as err:
            errors = cloud_errors(err)
            placeholders["error"] = str(err)
        else:
            # No second submit here: a 3.1 key the device cannot prove is not saved.
            async with paused_session(entry):  # the entry's session lets go meanwhile
                proof = await async_prove(Candidate.from_entry(entry.data), cloud.local_key or "")
            errors = proof_errors(proof)
            if not errors:
                return await self._async_save(proof, cloud)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=KEY_SCHEMA,
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new local key."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            device = Candidate.from_entry(entry.data)
            async with paused_session(entry):  # the entry's session lets go meanwhile
                proof = await self._async_prove(device, user_input[CONF_LOCAL_KEY])
            errors = proof_errors(proof)
            if not errors:
                return await self._async_save(proof)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=KEY_SCHEMA,
            errors=errors,
            description_placeholders={"name": entry.title, "error": ""},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address, the local key or the protocol version (or link the
        account again)."""
        entry = self._get_reconfigure_entry()
        if is_account_entry(entry):
            return await self.async_step_relink()
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                host = validation.host(user_input.get(CONF_HOST))
            except validation.InvalidInput:
                errors[CONF_HOST] = ERROR_HOST
            else:
                saved = Candidate.from_entry(entry.data)
                heard = heard_device(self.hass, saved.device_id)
                device = replace(
                    saved,
                    host=host,
                    port=user_input[SECTION_ADVANCED][CONF_PORT],
                    version=version_from_option(user_input[CONF_PROTOCOL_VERSION]),
                    # "auto": what it announces, else the version it spoke, asked first.
                    heard_version=heard.device.version if heard else saved.version,
                )
                proof = await self._async_prove(device, user_input[CONF_LOCAL_KEY])
                errors = proof_errors(proof)
                if not errors:
                    await self.async_set_unique_id(device.device_id)
                    self._abort_if_unique_id_mismatch()
                    return await self._async_save(proof)
        else:
            user_input = {
                CONF_HOST: entry.data[CONF_HOST],
                CONF_LOCAL_KEY: entry.data[CONF_LOCAL_KEY],
                CONF_PROTOCOL_VERSION: option_from_version(entry.data[CONF_PROTOCOL_VERSION]),
                SECTION_ADVANCED: {CONF_PORT: entry.data.get(CONF_PORT, DEFAULT_PORT)},
            }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(reconfigure_schema(errors), user_input),
            errors=errors,
            description_placeholders={"name": entry.title},
        )
