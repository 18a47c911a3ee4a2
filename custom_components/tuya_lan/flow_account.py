"""The config flow's account steps after linking: add many of the account's devices.

The account's devices are listed (account_devices), gateways with their sub-devices
under them (flow_children.py); the address of one not heard on the LAN is asked
(account_address); then each ticked device is proven by the flows' one prover and
saved as its own entry (cloud_import), a gateway's ticked children joining its entry,
and the flow ends with what was added and what was not, and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.data_entry_flow import FlowResultType

from . import validation
from .account import hand_over_listing
from .account_base import LinkedAccount
from .const import CONF_DEVICE_ID, CONF_IS_GATEWAY, DEFAULT_PORT, DOMAIN, VERSION_AUTO
from .discovery import async_scan, heard_device
from .entries import device_entries, loaded_accounts
from .flow_children import async_join, gateways, has_joined, joinable_gateway, not_addable
from .flow_forms import CONF_DEVICES, SECTION_ADVANCED, account_devices_schema, address_schema
from .flow_link import STEP_DEVELOPER, STEP_SMART_LIFE, LinkConfigFlow, cloud_errors
from .flow_proof import Candidate, async_prove, device_entry_data
from .flow_texts import FlowTexts, async_flow_texts
from .tuyalan import CloudDevice, CloudError
from .validation import ERROR_HOST

__all__ = ["STEP_ACCOUNT_DEVICES", "STEP_DEVELOPER", "STEP_SMART_LIFE", "AccountConfigFlow"]

STEP_ACCOUNT_DEVICES: Final = "account_devices"
# The flow that saves one device proven by the account flow (one entry per device).
SOURCE_CLOUD_IMPORT: Final = "cloud_import"
IMPORT_TITLE: Final = "title"


@dataclass(slots=True)
class _Offer:
    """A device of the account the flow offers to add."""

    device: CloudDevice
    host: str | None  # None: not heard on the LAN, the user gives it
    version: str
    port: int = DEFAULT_PORT
    gateway: CloudDevice | None = None  # a sub-device: added to its gateway's entry
    is_gateway: bool = False  # some sub-device of the account is reached through it

    def label(self, texts: FlowTexts) -> str:
        """Its line in the list of the account's devices."""
        name = self.device.name
        if self.gateway is not None:
            return texts.text("through", name=name, gateway=self.gateway.name)
        if self.host is None:
            return texts.text("not_heard", name=name)
        return texts.text("heard", name=name, host=self.host, version=self.version)

    async def async_import_data(self) -> tuple[dict[str, Any] | None, BaseException | None]:
        """Prove the device with the account's key: (its entry data, None) or (None, why
        not).

        A 3.1 device cannot prove the account's key by its status alone; the key is the
        account's own, so its plaintext status is taken as enough here.
        """
        assert self.host is not None
        assert self.device.local_key
        candidate = Candidate(self.device.id, self.host, self.port, self.version)
        proof = await async_prove(
            candidate, self.device.local_key, accept_unproven=True, hub=self.is_gateway
        )
        if (error := proof.error) is not None:
            return None, error
        data = {IMPORT_TITLE: self.device.name, **device_entry_data(proof, self.device)}
        if self.is_gateway:
            data[CONF_IS_GATEWAY] = True  # its children join it, now or later
        return data, None


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
    added: list[str] = field(default_factory=list)  # names, over every round
    not_added: dict[str, str] = field(default_factory=dict)  # device id -> why


class AccountConfigFlow(LinkConfigFlow):
    """The steps that add an account's devices (a base of the config flow)."""

    def __init__(self) -> None:
        """Nothing offered yet."""
        super().__init__()
        self._account: LinkedAccount | None = None  # whose devices are offered
        self._new_link: _NewLink | None = None
        self._adding = _Adding()

    async def _async_new_link(
        self, account: LinkedAccount, data: dict[str, Any], title: str
    ) -> ConfigFlowResult:
        """A new account answered: its devices are offered."""
        self._account = account
        self._new_link = _NewLink(account, data, title)
        return await self.async_step_account_devices()

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
                return await self._async_finish_adding()
            # A child's gateway, when it is on offer, is added with it (nothing typed).
            for device_id in list(picked):
                gateway = adding.offered[device_id].gateway
                if gateway is not None and gateway.id in adding.offered.keys() - picked:
                    picked.insert(0, gateway.id)
            adding.ticked = picked
            adding.need_address = [
                d
                for d in picked
                if adding.offered[d].host is None and adding.offered[d].gateway is None
            ]
            return await self.async_step_account_address()
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        try:
            devices = await self._account.async_devices(max_age=0 if not adding.failed else 60)
        except CloudError as err:
            errors = cloud_errors(err)
            placeholders["error"] = str(err)
            devices = {}
        texts = await async_flow_texts(self.hass)
        added, missing = await self._async_offer(devices, texts)
        failed = list(adding.failed.values())
        if failed:
            errors["base"] = "cloud_devices_failed"
        placeholders |= {
            "added_line": texts.list_line("added", added),
            "missing_line": texts.list_line("missing", missing),
            "failed_line": texts.list_line("failed", failed),
        }
        ticked = [
            device_id
            for device_id, offer in adding.offered.items()
            if (device_id in adding.failed if adding.failed else offer.host is not None)
        ]
        return self.async_show_form(
            step_id="account_devices",
            data_schema=account_devices_schema(
                {device_id: offer.label(texts) for device_id, offer in adding.offered.items()},
                ticked,
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_offer(
        self, devices: Mapping[str, CloudDevice], texts: FlowTexts
    ) -> tuple[list[str], list[str]]:
        """Offer the account's devices that can be added, with the address they were heard
        at (or given before), each gateway followed by its sub-devices; the names of
        those already added, and why others cannot be."""
        await async_scan(self.hass)
        previous, offered = self._adding.offered, {}
        added, missing = [], []
        configured = {entry.unique_id for entry in device_entries(self.hass)}
        hubs = gateways(devices)
        for device in sorted(devices.values(), key=lambda d: d.name.lower()):
            if device.id in configured:
                added.append(device.name)
                continue
            if (gateway_id := joinable_gateway(device, devices)) is not None:
                if has_joined(self.hass, device, gateway_id):
                    added.append(device.name)
                else:  # into the gateway's entry, added now or with it (nothing typed)
                    offered[device.id] = _Offer(
                        device, None, VERSION_AUTO, gateway=devices[gateway_id]
                    )
                continue
            if (reason := not_addable(device)) is not None:
                missing.append(texts.item(device.name, texts.text(reason)))
                continue
            heard = heard_device(self.hass, device.id)
            offer = _Offer(
                device,
                heard.device.ip if heard is not None else None,
                heard.device.version if heard is not None else VERSION_AUTO,
                is_gateway=device.id in hubs,
            )
            if (given := previous.get(device.id)) is not None and given.host is not None:
                offer.host, offer.port = given.host, given.port  # given by the user before
            offered[device.id] = offer

        def under_gateway(offer: _Offer) -> tuple[str, str, int, str]:
            parent = offer.gateway or offer.device
            child = offer.device.name.lower() if offer.gateway is not None else ""
            return parent.name.lower(), parent.id, 0 if offer.gateway is None else 1, child

        ordered = sorted(offered.values(), key=under_gateway)
        self._adding.offered = {offer.device.id: offer for offer in ordered}
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
        """Prove every ticked device (handshake and status read), then add the proven;
        the ticked sub-devices join their gateways' entries."""
        adding = self._adding
        offers = [adding.offered[device_id] for device_id in adding.ticked]
        children = [offer for offer in offers if offer.gateway is not None]
        offers = [offer for offer in offers if offer.gateway is None]
        results = await asyncio.gather(*(offer.async_import_data() for offer in offers))
        texts = await async_flow_texts(self.hass)
        adding.failed = {}
        for offer, (data, error) in zip(offers, results, strict=True):
            if data is None:
                assert error is not None
                where = texts.text("at_address", name=offer.device.name, host=offer.host or "")
                adding.failed[offer.device.id] = texts.item(where, texts.error(error))
                continue
            result = await self.hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_CLOUD_IMPORT}, data=data
            )
            if result["type"] is FlowResultType.CREATE_ENTRY:
                adding.added.append(offer.device.name)
                adding.not_added.pop(offer.device.id, None)
            elif (reason := str(result.get("reason"))) != "already_configured":  # else added
                adding.not_added[offer.device.id] = texts.item(
                    offer.device.name, texts.abort(reason)
                )
        for offer in children:  # after the gateways, which may have been added just now
            assert offer.gateway is not None
            joined = async_join(self.hass, offer.device, offer.gateway)
            if joined is None:
                adding.failed[offer.device.id] = texts.item(
                    offer.device.name, texts.text("gateway_not_added", gateway=offer.gateway.name)
                )
            elif joined:
                adding.added.append(offer.device.name)
                adding.not_added.pop(offer.device.id, None)
        adding.not_added |= adding.failed
        if adding.failed:
            return await self.async_step_account_devices()
        return await self._async_finish_adding()

    async def _async_finish_adding(self) -> ConfigFlowResult:
        """End with how many were added, and which were not and why (when some were not):
        the account's entry for a new link, else an abort that says so."""
        adding = self._adding
        not_added = list(adding.not_added.values())
        count = str(len(adding.added))
        if (link := self._new_link) is not None:  # a new link: the account is the flow's entry
            hand_over_listing(link.account)  # the entry's account starts with this listing
            texts = await async_flow_texts(self.hass)
            return self.async_create_entry(
                title=link.title,
                data=link.account.entry_data(link.data),
                description="account_linked",
                description_placeholders={
                    "count": count,
                    "not_added_line": texts.list_line("not_added", not_added),
                },
            )
        if not_added:
            texts = await async_flow_texts(self.hass)
            return self.async_abort(
                reason="devices_added_partly",
                description_placeholders={
                    "count": count,
                    "not_added_line": texts.list_line("not_added", not_added),
                },
            )
        return self.async_abort(reason="devices_added", description_placeholders={"count": count})

    async def async_step_cloud_import(self, data: dict[str, Any]) -> ConfigFlowResult:
        """A device the account flow proved: saved as its own entry, nothing asked."""
        data = dict(data)
        title = data.pop(IMPORT_TITLE)
        # A Discovered card of the device may be waiting: the user chose to add it from
        # the account instead; Home Assistant ends the card's flow once this entry exists.
        await self.async_set_unique_id(data[CONF_DEVICE_ID], raise_on_progress=False)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=title, data=data)
