"""The config flow's linking steps: a Tuya account, by the Smart Life app's QR code
(smart_life, scan) or a Tuya IoT developer project (developer); an account entry is
linked again the way it was linked (relink).

A base class that supplies steps, as Home Assistant's ``AbstractOAuth2FlowHandler``
does: what follows a new link (its devices offered) is flow_account.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)

from .account import DeveloperAccount, account_for, hand_over_listing
from .account_base import LinkedAccount
from .account_smart_life import SmartLifeLogin
from .const import (
    ACCOUNT_DEVELOPER,
    ACCOUNT_SMART_LIFE,
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ACCOUNT_KIND,
    CONF_ENDPOINT,
    CONF_ENTRY_TYPE,
    CONF_REGION,
    CONF_UID,
    CONF_USER_CODE,
    ENTRY_TYPE_ACCOUNT,
)
from .errors import cloud_form_error
from .flow_forms import DEVELOPER_SCHEMA, SECTION_ADVANCED, SMART_LIFE_SCHEMA, qr_schema
from .tuyalan import CloudError, CloudQrExpiredError

STEP_SMART_LIFE: Final = "smart_life"
STEP_DEVELOPER: Final = "developer"


def cloud_errors(error: BaseException) -> dict[str, str]:
    """The form errors for a cloud error."""
    return {"base": cloud_form_error(error)}


class LinkConfigFlow(ConfigFlow):
    """The steps that link a Tuya account (a base of the config flow)."""

    def __init__(self) -> None:
        """Nothing linked yet."""
        super().__init__()
        self._login: SmartLifeLogin | None = None
        self._user_code = ""
        self._qr_code = ""

    # --- linking: Smart Life QR code ---------------------------------------------------------

    async def async_step_smart_life(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the Smart Life app's User Code, then show the QR code to scan."""
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            user_code = str(user_input[CONF_USER_CODE]).strip()
            self._login = self._login or SmartLifeLogin(self.hass)
            try:
                self._qr_code = await self._login.async_qr_code(user_code)
            except CloudError as err:
                errors = cloud_errors(err)
                placeholders["error"] = str(err)
            else:
                self._user_code = user_code
                return await self.async_step_scan()
        else:
            user_input = {CONF_USER_CODE: self._relinked_data().get(CONF_USER_CODE, "")}
        return self.async_show_form(
            step_id="smart_life",
            data_schema=self.add_suggested_values_to_schema(SMART_LIFE_SCHEMA, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_scan(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the QR code; once the scan is approved in the app, the account is linked."""
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            assert self._login is not None
            try:
                data = await self._login.async_result(self._qr_code, self._user_code)
            except CloudQrExpiredError as err:
                errors = cloud_errors(err)
                placeholders["error"] = str(err)
                try:
                    self._qr_code = await self._login.async_qr_code(self._user_code)
                except CloudError as again:
                    errors = cloud_errors(again)
                    placeholders["error"] = str(again)
                    return self.async_show_form(
                        step_id="smart_life",
                        data_schema=self.add_suggested_values_to_schema(
                            SMART_LIFE_SCHEMA, {CONF_USER_CODE: self._user_code}
                        ),
                        errors=errors,
                        description_placeholders=placeholders,
                    )
            except CloudError as err:
                errors = cloud_errors(err)
                placeholders["error"] = str(err)
            else:
                title = data.pop("username", None) or "Smart Life"
                account = account_for(self.hass, data)
                return await self._async_linked(account, data, f"Smart Life: {title}")
        return self.async_show_form(
            step_id="scan",
            data_schema=qr_schema(self._qr_code),
            errors=errors,
            description_placeholders=placeholders,
        )

    # --- linking: Tuya IoT developer project -------------------------------------------------

    async def async_step_developer(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Access ID, Access Secret and data center of a Tuya IoT developer project."""
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            advanced = user_input.get(SECTION_ADVANCED, {})
            data: dict[str, Any] = {
                CONF_ENTRY_TYPE: ENTRY_TYPE_ACCOUNT,
                CONF_ACCOUNT_KIND: ACCOUNT_DEVELOPER,
                CONF_ACCESS_ID: str(user_input[CONF_ACCESS_ID]).strip(),
                CONF_ACCESS_SECRET: str(user_input[CONF_ACCESS_SECRET]).strip(),
                CONF_REGION: user_input[CONF_REGION],
            }
            if uid := str(advanced.get(CONF_UID) or "").strip():
                data[CONF_UID] = uid
            if endpoint := str(advanced.get(CONF_ENDPOINT) or "").strip():
                data[CONF_ENDPOINT] = endpoint
            try:
                account = DeveloperAccount(self.hass, data)
            except ValueError:
                errors[SECTION_ADVANCED] = "invalid_endpoint"
            else:
                try:
                    await account.async_devices(max_age=0)
                except CloudError as err:
                    errors = cloud_errors(err)
                    placeholders["error"] = str(err)
                else:
                    return await self._async_linked(
                        account, data, f"Tuya IoT: {data[CONF_ACCESS_ID]}"
                    )
        else:
            user_input = dict(self._relinked_data())
            user_input.pop(CONF_ACCESS_SECRET, None)
            user_input[SECTION_ADVANCED] = {
                key: user_input[key] for key in (CONF_UID, CONF_ENDPOINT) if key in user_input
            }
        return self.async_show_form(
            step_id="developer",
            data_schema=self.add_suggested_values_to_schema(DEVELOPER_SCHEMA, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    # --- after linking -----------------------------------------------------------------------

    def _relinked_data(self) -> Mapping[str, Any]:
        """The account entry being linked again (reauth, reconfigure), else nothing."""
        if self.source == SOURCE_REAUTH:
            return self._get_reauth_entry().data
        if self.source == SOURCE_RECONFIGURE:
            return self._get_reconfigure_entry().data
        return {}

    async def async_step_relink(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Link an account entry again, by the way it was linked."""
        if self._relinked_data().get(CONF_ACCOUNT_KIND) == ACCOUNT_SMART_LIFE:
            return await self.async_step_smart_life()
        return await self.async_step_developer()

    async def _async_linked(
        self, account: LinkedAccount, data: dict[str, Any], title: str
    ) -> ConfigFlowResult:
        """An account answered: save it again (relink), or go on with the new link."""
        await self.async_set_unique_id(account.unique_id, raise_on_progress=False)
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            self._abort_if_unique_id_mismatch(reason="account_mismatch")
            entry = (
                self._get_reauth_entry()
                if self.source == SOURCE_REAUTH
                else self._get_reconfigure_entry()
            )
            hand_over_listing(account)
            return self.async_update_reload_and_abort(entry, data=data, reason="account_relinked")
        self._abort_if_unique_id_configured()
        return await self._async_new_link(account, data, title)

    async def _async_new_link(
        self, account: LinkedAccount, data: dict[str, Any], title: str
    ) -> ConfigFlowResult:
        """What follows a new link (the account flow offers its devices)."""
        raise NotImplementedError
