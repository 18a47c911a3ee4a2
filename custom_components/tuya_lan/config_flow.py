"""Config flow for Tuya LAN: the device steps (by hand, heard on the LAN) on top of the
steps its bases give, as Home Assistant's ``AbstractOAuth2FlowHandler`` gives its own:
saving one device (flow_device.py), its key file (flow_cloudcutter.py), reauth and
reconfigure (flow_rekey.py), linking an account (flow_link.py) and adding many of its
devices (flow_account.py).

Every device path proves the device with the flows' one prover and saves what the one
entry-data builder makes of the proof (flow_proof.py); the forms are in flow_forms.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers.typing import DiscoveryInfoType

from . import validation
from .const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_PRODUCT_KEY,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
    DISCOVERY_IP,
    DISCOVERY_VERSION,
    DOMAIN,
    VERSION_AUTO,
)
from .discovery import async_unconfigured_devices, heard_device, heard_ip
from .entries import TuyaLanDeviceConfigEntry, is_account_entry, loaded_accounts
from .flow_account import STEP_ACCOUNT_DEVICES, AccountConfigFlow
from .flow_cloudcutter import STEP_CLOUDCUTTER, CloudcutterConfigFlow
from .flow_device import async_account_device
from .flow_forms import (
    CONF_DEVICE,
    PICK_MANUAL,
    SECTION_ADVANCED,
    USER_SCHEMA,
    discovered_key_schema,
    discovered_port_schema,
    pick_device_schema,
    user_schema,
    version_from_option,
)
from .flow_link import STEP_DEVELOPER, STEP_SMART_LIFE
from .flow_proof import Candidate, entry_title, proof_errors
from .flow_rekey import RekeyConfigFlow
from .flow_texts import async_flow_texts
from .naming import address_order, card_title
from .options_flow import TuyaLanOptionsFlow
from .probing import address_flow_id, async_end_address_card, hinted_device
from .tuyalan import CloudDevice
from .validation import ERROR_DEVICE_ID, ERROR_HOST

# What tests and tools import from here (the forms' names live in flow_forms.py).
__all__ = ["PICK_MANUAL", "SECTION_ADVANCED", "USER_SCHEMA", "TuyaLanConfigFlow", "entry_title"]

# The user step's menu.
STEP_LOCAL: Final = "local"


class TuyaLanConfigFlow(RekeyConfigFlow, CloudcutterConfigFlow, AccountConfigFlow, domain=DOMAIN):
    """Add a Tuya device by its address, id and local key (or from a linked account)."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Initialize the flow."""
        super().__init__()
        self._heard: dict[str, Candidate] = {}  # the pick list, by device id
        self._discovered: Candidate | None = None  # the device of this card
        self._address: str | None = None  # ... or the address of this card (probing.py)
        self._cloud_device: CloudDevice | None = None  # ... and what its account knows
        self._key_by_hand = False  # the account's key failed: the user types one

    # The entry points of reauth and reconfigure (flow_rekey.py), named in this module,
    # where hassfest's quality-scale checks look for them.
    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """A device rejected its key, or a linked account's session ended."""
        return await super().async_step_reauth(entry_data)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a device's address, key or version, or link an account again."""
        return await super().async_step_reconfigure(user_input)

    @callback
    def async_create_entry(  # type: ignore[override]  # ConfigFlow's own signature (title: str)
        self, *, title: str, data: Mapping[str, Any], **kwargs: Any
    ) -> ConfigFlowResult:
        """Create an entry (every step that saves one comes here); a device's ends the
        Discovered card of its address, if one waits (probing.py)."""
        if (host := data.get(CONF_HOST)) is not None:
            async_end_address_card(self.hass, host, keep=self.flow_id)
        return super().async_create_entry(title=title, data=data, **kwargs)

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """A linked account has no DPs to map."""
        return not is_account_entry(config_entry)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: TuyaLanDeviceConfigEntry) -> TuyaLanOptionsFlow:
        """Return the options flow."""
        return TuyaLanOptionsFlow()

    # --- a device on the LAN ---------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a device on the LAN, or link a Tuya account that knows the keys."""
        options = [STEP_LOCAL, STEP_CLOUDCUTTER, STEP_SMART_LIFE, STEP_DEVELOPER]
        if loaded_accounts(self.hass):
            options.insert(1, STEP_ACCOUNT_DEVICES)
        return self.async_show_menu(step_id="user", menu_options=options)

    async def async_step_local(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start from the devices heard on the LAN, or ask for address, id and key."""
        errors: dict[str, str] = {}
        if user_input is None:
            # An address card (probing.py) asks for this device, not the ones heard.
            heard = await async_unconfigured_devices(self.hass) if self._address is None else []
            if heard:
                self._heard = {
                    h.device_id: Candidate(
                        h.device_id,
                        h.device.ip,
                        DEFAULT_PORT,
                        h.device.version,
                        h.device.product_key or None,
                    )
                    # In address order, as the Discovered cards' titles (".2 · 8c01 ·
                    # Tuya") sort: the same device in the same place in both.
                    for h in sorted(heard, key=lambda h: address_order(h.device.ip))
                }
                return await self.async_step_pick_device()
        else:
            try:
                host = validation.host(user_input.get(CONF_HOST))
            except validation.InvalidInput:
                errors[CONF_HOST] = ERROR_HOST
            try:
                device_id = validation.device_id(user_input.get(CONF_DEVICE_ID))
            except validation.InvalidInput:
                errors[CONF_DEVICE_ID] = ERROR_DEVICE_ID
            if not errors:
                await self.async_set_unique_id(device_id)
                self._abort_if_unique_id_configured()
                announced = heard_device(self.hass, device_id)
                device = Candidate(
                    device_id,
                    host,
                    user_input[SECTION_ADVANCED][CONF_PORT],
                    version_from_option(user_input[CONF_PROTOCOL_VERSION]),
                    # Its announced version first: each wrong guess may cost a timeout.
                    heard_version=announced.device.version if announced else None,
                )
                proof = await self._async_prove(device, user_input[CONF_LOCAL_KEY])
                errors = proof_errors(proof)
                if not errors:
                    return await self._async_save(proof)
        if user_input is None and self._address is not None:
            user_input = {CONF_HOST: self._address}  # an address card: the address given
        return self.async_show_form(
            step_id="local",
            data_schema=self.add_suggested_values_to_schema(user_schema(errors), user_input),
            errors=errors,
        )

    async def async_step_pick_device(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick one of the devices heard recently, or enter one by hand."""
        if user_input is not None:
            choice = user_input[CONF_DEVICE]
            if choice not in self._heard:  # PICK_MANUAL
                return self.async_show_form(step_id="local", data_schema=user_schema())
            await self.async_set_unique_id(choice, raise_on_progress=False)
            self._abort_if_unique_id_configured()
            self._discovered = self._heard[choice]
            return await self.async_step_discovery_confirm()
        texts = await async_flow_texts(self.hass)  # a label's words and marks, translated
        return self.async_show_form(
            step_id="pick_device",
            data_schema=pick_device_schema(
                {
                    device_id: texts.text(
                        "pick", name=device.title, version=device.version, host=device.host
                    )
                    for device_id, device in self._heard.items()
                }
            ),
        )

    async def async_step_integration_discovery(
        self, discovery_info: DiscoveryInfoType
    ) -> ConfigFlowResult:
        """Handle a device heard on the LAN.

        `discovery_info`: {"device_id", "ip", "version", "product_key" (optional),
        "port" (optional TCP port, default 6668)}. Following a known device to a new
        address is left to the discovery listener, which checks the new address first.
        """
        if CONF_DEVICE_ID not in discovery_info:  # only its address listens (probing.py)
            return await self._async_discovered_address(discovery_info[DISCOVERY_IP])
        device_id: str = discovery_info[CONF_DEVICE_ID]
        await self.async_set_unique_id(device_id)
        self._abort_if_unique_id_configured()
        self._discovered = device = Candidate(
            device_id,
            discovery_info[DISCOVERY_IP],
            discovery_info.get(CONF_PORT, DEFAULT_PORT),
            discovery_info.get(DISCOVERY_VERSION) or VERSION_AUTO,
            discovery_info.get(CONF_PRODUCT_KEY) or None,
        )
        self.context["title_placeholders"] = {"name": card_title(device_id, device.host)}
        return await self.async_step_discovery_confirm()

    async def _async_discovered_address(self, host: str) -> ConfigFlowResult:
        """Something listens at ``host`` but never announced itself: the card asks for
        the device's id and key (the form of a device added by hand, its address given),
        unless a linked account lists a device there (its card then, proven as any)."""
        if (device_id := hinted_device(self.hass, host)) is not None:
            return await self.async_step_integration_discovery(
                {CONF_DEVICE_ID: device_id, DISCOVERY_IP: host}
            )
        await self.async_set_unique_id(address_flow_id(host))
        self._abort_if_unique_id_configured()
        self.context["title_placeholders"] = {"name": card_title(None, host)}
        self._address = host
        return await self.async_step_local()

    def _discovered_now(self, user_input: dict[str, Any]) -> Candidate:
        """The card's device at the port given, and where it was heard last (the card may
        be older than the device's latest announcement)."""
        device = self._discovered
        assert device is not None
        port = user_input.get(SECTION_ADVANCED, {}).get(CONF_PORT, device.port)
        self._discovered = device.at(heard_ip(self.hass, device.device_id) or device.host, port)
        return self._discovered

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask only for the local key of a discovered device (the port is prefilled)."""
        device = self._discovered
        assert device is not None
        if user_input is None and not self._key_by_hand:
            cloud = await async_account_device(self.hass, device.device_id)
            if cloud is not None and cloud.local_key:
                self._cloud_device = cloud
                # The card says what its dialog says: the account's name for the device.
                self.context["title_placeholders"] = {
                    "name": card_title(device.device_id, device.host, cloud.name)
                }
                return await self.async_step_discovery_cloud()
        errors: dict[str, str] = {}
        if user_input is not None:
            device = self._discovered_now(user_input)
            proof = await self._async_prove(device, user_input[CONF_LOCAL_KEY])
            errors = proof_errors(proof, port_hint=True)
            if not errors:
                return await self._async_save(proof)
        return self.async_show_form(
            step_id="discovery_confirm",
            # After an error the key and the port stay as typed.
            data_schema=self.add_suggested_values_to_schema(
                discovered_key_schema(device.port, errors), user_input
            ),
            errors=errors,
            description_placeholders={
                "name": device.title,
                "device_id": device.device_id,
                "host": device.host,
                "version": device.version,
                "product_key": device.product_key or "-",
            },
        )

    async def async_step_discovery_cloud(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a discovered device with the key from the linked account: nothing to type."""
        device, cloud = self._discovered, self._cloud_device
        assert device is not None
        assert cloud is not None
        assert cloud.local_key
        errors: dict[str, str] = {}
        if user_input is not None:
            device = self._discovered_now(user_input)
            proof = await self._async_prove(device, cloud.local_key)
            errors = proof_errors(proof)
            if not errors:
                return await self._async_save(proof, cloud)
            if proof.key_refused:
                # The account's key is stale too: let the user type one.
                self._key_by_hand = True
                return await self.async_step_discovery_confirm()
        return self.async_show_form(
            step_id="discovery_cloud",
            data_schema=discovered_port_schema(device.port),
            errors=errors,
            description_placeholders={
                "name": cloud.name,
                "device_id": device.device_id,
                "host": device.host,
                "version": device.version,
            },
        )
