"""The config flow's account steps: link a Tuya account, and add many of its devices.

A base class that supplies steps, as Home Assistant's ``AbstractOAuth2FlowHandler``
does: :class:`TuyaLanConfigFlow` (config_flow.py) adds the device steps on top.
Linking: the Smart Life app by QR code (smart_life, scan), or a Tuya IoT developer
project (developer); an account entry is linked again the way it was linked (relink).
Adding: the account's devices are listed (account_devices), the address of one not
heard on the LAN is asked (account_address), then each ticked device is proven by the
flows' one prover and saved as its own entry (cloud_import).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.data_entry_flow import FlowResultType

from . import validation
from .account import (
    DeveloperAccount,
    LinkedAccount,
    SmartLifeLogin,
    account_for,
)
from .const import (
    ACCOUNT_DEVELOPER,
    ACCOUNT_SMART_LIFE,
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ACCOUNT_KIND,
    CONF_CATEGORY,
    CONF_DEVICE_ID,
    CONF_ENDPOINT,
    CONF_ENTRY_TYPE,
    CONF_MODEL,
    CONF_NAME,
    CONF_PRODUCT_NAME,
    CONF_REGION,
    CONF_UID,
    CONF_USER_CODE,
    DEFAULT_PORT,
    DOMAIN,
    ENTRY_TYPE_ACCOUNT,
    VERSION_AUTO,
)
from .discovery import async_scan, heard_device
from .entries import device_entries, loaded_accounts
from .errors import cloud_form_error
from .flow_forms import (
    CONF_DEVICES,
    DEVELOPER_SCHEMA,
    SECTION_ADVANCED,
    SMART_LIFE_SCHEMA,
    account_devices_schema,
    address_schema,
    qr_schema,
)
from .flow_proof import Candidate, async_prove, device_entry_data
from .gateway import async_add_child, is_cid, stored_children
from .tuyalan import CloudDevice, CloudError, CloudQrExpiredError
from .validation import ERROR_HOST

STEP_SMART_LIFE: Final = "smart_life"
STEP_DEVELOPER: Final = "developer"
STEP_ACCOUNT_DEVICES: Final = "account_devices"
# The flow that saves one device proven by the account flow (one entry per device).
SOURCE_CLOUD_IMPORT: Final = "cloud_import"
IMPORT_TITLE: Final = "title"


def cloud_errors(error: BaseException) -> dict[str, str]:
    """The form errors for a cloud error."""
    return {"base": cloud_form_error(error)}


def _is_child(device: CloudDevice) -> bool:
    return bool(device.node_id or device.gateway_id)


def _gateway_of(device: CloudDevice, devices: Mapping[str, CloudDevice]) -> str | None:
    """The id of the gateway a sub-device is reached through: its parent link, else
    the one device of the account that is no sub-device and has its key (a child
    without the link shares its gateway's local key)."""
    if device.gateway_id:
        return device.gateway_id if device.gateway_id in devices else None
    sharing = [
        other.id
        for other in devices.values()
        if not _is_child(other) and other.local_key and other.local_key == device.local_key
    ]
    return sharing[0] if len(sharing) == 1 else None


def _child_settings(device: CloudDevice) -> dict[str, Any]:
    """What a gateway entry keeps of a sub-device from the account (no key: the
    gateway's is used)."""
    settings: dict[str, Any] = {CONF_NAME: device.name}
    if device.category:
        settings[CONF_CATEGORY] = device.category
    if device.product_name:
        settings[CONF_PRODUCT_NAME] = device.product_name
    if device.model:
        settings[CONF_MODEL] = [dp.to_dict() for dp in device.model]
    return settings


def _not_addable(device: CloudDevice) -> str | None:
    """Why a device of the account cannot be added on its own, or None."""
    if _is_child(device) and not device.node_id:
        return "a sub-device whose id at its gateway (node id) the account does not give"
    if _is_child(device):
        return "a sub-device whose gateway is not in the account"
    if not device.local_key:
        return "the cloud has no local key for it (Bluetooth-only, or a hub)"
    return None


@dataclass(slots=True)
class _Offer:
    """A device of the account the flow offers to add."""

    device: CloudDevice
    host: str | None  # None: not heard on the LAN, the user gives it
    version: str
    port: int = DEFAULT_PORT
    gateway: CloudDevice | None = None  # a sub-device: added to its gateway's entry

    @property
    def label(self) -> str:
        if self.gateway is not None:
            return f"{self.device.name}: through {self.gateway.name}"
        if self.host is None:
            return f"{self.device.name}: not heard on the LAN (give its address next)"
        return f"{self.device.name} ({self.host}, {self.version})"

    async def async_import_data(self) -> tuple[dict[str, Any] | None, str]:
        """Prove the device with the account's key: (its entry data, "") or (None, why not).

        A 3.1 device cannot prove the account's key by its status alone; the key is the
        account's own, so its plaintext status is taken as enough here.
        """
        assert self.host is not None
        assert self.device.local_key
        candidate = Candidate(self.device.id, self.host, self.port, self.version)
        proof = await async_prove(candidate, self.device.local_key, accept_unproven=True)
        if (error := proof.error) is not None:
            return None, f"{self.device.name} ({self.host}): {str(error) or type(error).__name__}"
        return {IMPORT_TITLE: self.device.name, **device_entry_data(proof, self.device)}, ""


@dataclass(slots=True)
class _NewLink:
    """An account that answered, saved once its devices are chosen (or none)."""

    account: LinkedAccount
    data: dict[str, Any]
    title: str


@dataclass(slots=True)
class _Adding:
    """The account's devices on offer, the ticked ones, and those that failed."""

    offered: dict[str, _Offer] = field(default_factory=dict)
    ticked: list[str] = field(default_factory=list)
    need_address: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # device id -> why


class AccountConfigFlow(ConfigFlow):
    """The steps that link an account and add its devices (a base of the config flow)."""

    def __init__(self) -> None:
        """Nothing linked or offered yet."""
        self._login: SmartLifeLogin | None = None
        self._user_code = ""
        self._qr_code = ""
        self._account: LinkedAccount | None = None  # whose devices are offered
        self._new_link: _NewLink | None = None
        self._adding = _Adding()

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
        """An account answered: save it again (relink), or list its devices (new)."""
        await self.async_set_unique_id(account.unique_id, raise_on_progress=False)
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            self._abort_if_unique_id_mismatch(reason="account_mismatch")
            entry = (
                self._get_reauth_entry()
                if self.source == SOURCE_REAUTH
                else self._get_reconfigure_entry()
            )
            return self.async_update_reload_and_abort(entry, data=data, reason="account_relinked")
        self._abort_if_unique_id_configured()
        self._account = account
        self._new_link = _NewLink(account, data, title)
        return await self.async_step_account_devices()

    # --- adding many devices at once -----------------------------------------------------------

    async def async_step_account_devices(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """List the account's devices: heard on the LAN, already added, or not found;
        the ticked ones are added together, each proven first."""
        if self._account is None:
            accounts = loaded_accounts(self.hass)
            if not accounts:
                return self.async_abort(reason="no_account")
            self._account = accounts[0][1]
        adding = self._adding
        if user_input is not None:
            picked = [d for d in user_input.get(CONF_DEVICES, []) if d in adding.offered]
            if not picked:
                return self._async_finish_adding(added=0)
            adding.ticked = picked
            adding.need_address = [
                d
                for d in picked
                if adding.offered[d].host is None and adding.offered[d].gateway is None
            ]
            return await self.async_step_account_address()
        errors: dict[str, str] = {}
        placeholders = {"error": "", "added": "-", "missing": "-", "failed": "-"}
        try:
            devices = await self._account.async_devices(max_age=0 if not adding.failed else 60)
        except CloudError as err:
            errors = cloud_errors(err)
            placeholders["error"] = str(err)
            devices = {}
        added, missing = await self._async_offer(devices)
        if added:
            placeholders["added"] = ", ".join(added)
        if missing:
            placeholders["missing"] = "; ".join(missing)
        if adding.failed:
            errors["base"] = "cloud_devices_failed"
            placeholders["failed"] = "; ".join(adding.failed.values())
        ticked = [
            device_id
            for device_id, offer in adding.offered.items()
            if (device_id in adding.failed if adding.failed else offer.host is not None)
        ]
        return self.async_show_form(
            step_id="account_devices",
            data_schema=account_devices_schema(
                {device_id: offer.label for device_id, offer in adding.offered.items()}, ticked
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_offer(self, devices: Mapping[str, CloudDevice]) -> tuple[list[str], list[str]]:
        """Offer the account's devices that can be added, with the address they were heard
        at (or given before); the names of those already added, and why others cannot be."""
        await async_scan(self.hass)
        previous, self._adding.offered = self._adding.offered, {}
        added, missing = [], []
        configured = {entry.unique_id for entry in device_entries(self.hass)}
        for device in sorted(devices.values(), key=lambda d: d.name.lower()):
            if device.id in configured:
                added.append(device.name)
                continue
            gateway_id = _gateway_of(device, devices) if _is_child(device) else None
            if gateway_id is not None and device.node_id and is_cid(device.node_id):
                entry = self.hass.config_entries.async_entry_for_domain_unique_id(
                    DOMAIN, gateway_id
                )
                if entry is not None and device.node_id in stored_children(entry):
                    added.append(device.name)
                else:  # into the gateway's entry, added now or with it (nothing typed)
                    self._adding.offered[device.id] = _Offer(
                        device, None, VERSION_AUTO, gateway=devices[gateway_id]
                    )
                continue
            if (reason := _not_addable(device)) is not None:
                missing.append(f"{device.name}: {reason}")
                continue
            heard = heard_device(self.hass, device.id)
            offer = _Offer(
                device,
                heard.device.ip if heard is not None else None,
                heard.device.version if heard is not None else VERSION_AUTO,
            )
            if (given := previous.get(device.id)) is not None and given.host is not None:
                offer.host, offer.port = given.host, given.port  # given by the user before
            self._adding.offered[device.id] = offer
        return added, missing

    async def async_step_account_address(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The address of a ticked device that was not heard on the LAN."""
        adding = self._adding
        errors: dict[str, str] = {}
        if user_input is not None and adding.need_address:
            try:
                host = validation.host(user_input.get(CONF_HOST))
            except validation.InvalidInput:
                errors[CONF_HOST] = ERROR_HOST
            else:
                offer = adding.offered[adding.need_address.pop(0)]
                offer.host = host
                offer.port = user_input.get(SECTION_ADVANCED, {}).get(CONF_PORT, DEFAULT_PORT)
        if not adding.need_address:
            return await self._async_add_devices()
        offer = adding.offered[adding.need_address[0]]
        return self.async_show_form(
            step_id="account_address",
            data_schema=address_schema(errors),
            errors=errors,
            description_placeholders={"name": offer.device.name, "device_id": offer.device.id},
        )

    async def _async_add_devices(self) -> ConfigFlowResult:
        """Prove every ticked device (handshake and status read), then add the proven."""
        adding = self._adding
        offers = [adding.offered[device_id] for device_id in adding.ticked]
        children = [offer for offer in offers if offer.gateway is not None]
        offers = [offer for offer in offers if offer.gateway is None]
        results = await asyncio.gather(*(offer.async_import_data() for offer in offers))
        adding.failed = {}
        added = 0
        for offer, (data, why_not) in zip(offers, results, strict=True):
            if data is None:
                adding.failed[offer.device.id] = why_not
                continue
            result = await self.hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_CLOUD_IMPORT}, data=data
            )
            if result["type"] is FlowResultType.CREATE_ENTRY:
                added += 1
        for offer in children:  # after the gateways, which may have been added just now
            assert offer.gateway is not None
            assert offer.device.node_id is not None
            entry = self.hass.config_entries.async_entry_for_domain_unique_id(
                DOMAIN, offer.gateway.id
            )
            if entry is None:
                adding.failed[offer.device.id] = (
                    f"{offer.device.name}: its gateway {offer.gateway.name} is not added"
                )
            elif async_add_child(
                self.hass, entry, offer.device.node_id, _child_settings(offer.device)
            ):
                added += 1
        if adding.failed:
            return await self.async_step_account_devices()
        return self._async_finish_adding(added)

    def _async_finish_adding(self, added: int) -> ConfigFlowResult:
        if (link := self._new_link) is not None:  # a new link: the account is the flow's entry
            return self.async_create_entry(
                title=link.title, data=link.account.entry_data(link.data)
            )
        return self.async_abort(
            reason="devices_added", description_placeholders={"count": str(added)}
        )

    async def async_step_cloud_import(self, data: dict[str, Any]) -> ConfigFlowResult:
        """A device the account flow proved: saved as its own entry, nothing asked."""
        data = dict(data)
        title = data.pop(IMPORT_TITLE)
        # A Discovered card of the device may be waiting: the user chose to add it from
        # the account instead; Home Assistant ends the card's flow once this entry exists.
        await self.async_set_unique_id(data[CONF_DEVICE_ID], raise_on_progress=False)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=title, data=data)
