"""Config flow for Tuya LAN: the device steps (by hand, heard on the LAN, reauth,
reconfigure) on top of the account steps (flow_account.py).

Every device path proves the device with the flows' one prover and saves what the one
entry-data builder makes of the proof (flow_proof.py); the forms are in flow_forms.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.typing import DiscoveryInfoType

from . import validation
from .account import async_find_device, cached_device
from .cloudcutter import async_entry_data, async_locate
from .const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_PRODUCT_KEY,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
    DISCOVERY_IP,
    DISCOVERY_VERSION,
    DOMAIN,
    LOGGER,
    VERSION_AUTO,
)
from .discovery import async_unconfigured_devices, heard_device, heard_ip
from .entries import TuyaLanDeviceConfigEntry, is_account_entry, loaded_accounts
from .flow_account import (
    STEP_ACCOUNT_DEVICES,
    STEP_DEVELOPER,
    STEP_SMART_LIFE,
    AccountConfigFlow,
    cloud_errors,
)
from .flow_forms import (
    CLOUDCUTTER_SCHEMA,
    CONF_DEVICE,
    CONF_KEY_FILE,
    CONF_PROFILE,
    KEY_SCHEMA,
    PICK_MANUAL,
    SECTION_ADVANCED,
    USER_SCHEMA,
    discovered_key_schema,
    discovered_port_schema,
    option_from_version,
    pick_device_schema,
    reconfigure_schema,
    user_schema,
    version_from_option,
)
from .flow_proof import Candidate, Proof, async_prove, device_entry_data, entry_title, proof_errors
from .healing import paused_session
from .naming import card_title
from .options_flow import TuyaLanOptionsFlow
from .probing import address_flow_id, hinted_device
from .tuyalan import (
    CloudcutterFileError,
    CloudDevice,
    CloudError,
    parse_key_file,
    parse_profile,
)
from .validation import ERROR_DEVICE_ID, ERROR_HOST

# What tests and tools import from here (the forms' names live in flow_forms.py).
__all__ = ["PICK_MANUAL", "SECTION_ADVANCED", "USER_SCHEMA", "TuyaLanConfigFlow", "entry_title"]

# The user step's menu, and the reauth step's when an account is linked.
STEP_LOCAL: Final = "local"
STEP_CLOUDCUTTER: Final = "cloudcutter"
STEP_REAUTH_CLOUD: Final = "reauth_cloud"
STEP_REAUTH_CONFIRM: Final = "reauth_confirm"


async def _account_device(hass: HomeAssistant, device_id: str) -> CloudDevice | None:
    """The device from a linked account, if one holds it (cloud trouble: None)."""
    if not loaded_accounts(hass):
        return None
    try:
        return cached_device(hass, device_id) or await async_find_device(hass, device_id)
    except CloudError as err:
        LOGGER.debug("No key from the linked account for %s: %s", device_id, err)
        return None


def cloudcutter_errors(field: str, error: CloudcutterFileError) -> dict[str, str]:
    """The form's error for a key file or profile that cannot be used (on its field)."""
    if error.reason == "missing":
        return {field: "cloudcutter_missing"}
    if error.reason == "wrong":
        return {field: "cloudcutter_wrong"}
    if error.reason == "too_long":
        return {field: "cloudcutter_too_long"}
    if error.reason == "not_object":
        return {field: "cloudcutter_not_object"}
    return {field: "cloudcutter_not_json"}


def heard_product_key(hass: HomeAssistant, device_id: str) -> str | None:
    """The product key a device announced, if it was heard."""
    heard = heard_device(hass, device_id)
    return (heard.device.product_key or None) if heard is not None else None


class TuyaLanConfigFlow(AccountConfigFlow, domain=DOMAIN):
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
        # (host, device id, key) of a 3.1 key the device could not prove, shown once.
        self._unproven: tuple[str, str, str] | None = None

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

    # --- the prover and the entry, for every device step ---------------------------------------

    async def _async_prove(self, device: Candidate, local_key: str) -> Proof:
        """Prove a key the user gave (or a discovered device's key from the account); a
        3.1 key the device could not prove is saved when submitted a second time, after
        the user was told."""
        typed = (device.host, device.device_id, local_key)
        proof = await async_prove(device, local_key, accept_unproven=self._unproven == typed)
        self._unproven = typed if proof.unproven_31 else None
        return proof

    def _async_save(self, proof: Proof, cloud: CloudDevice | None = None) -> ConfigFlowResult:
        """Create the proven device's entry, or update the entry being reauthenticated or
        reconfigured (tplink's _async_create_or_update_entry_from_device)."""
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            if cloud is not None and not cloud.model:
                cloud = None  # an account without the model: the entry keeps the one it has
            data = device_entry_data(proof, cloud)
            if self.source == SOURCE_REAUTH:
                return self.async_update_reload_and_abort(
                    self._get_reauth_entry(), data_updates=data, reason="reauth_successful"
                )
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), data_updates=data, reason="reconfigure_successful"
            )
        title = cloud.name if cloud is not None else proof.device.title
        return self.async_create_entry(title=title, data=device_entry_data(proof, cloud))

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
                    for h in heard
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
                device = Candidate(
                    device_id,
                    host,
                    user_input[SECTION_ADVANCED][CONF_PORT],
                    version_from_option(user_input[CONF_PROTOCOL_VERSION]),
                )
                proof = await self._async_prove(device, user_input[CONF_LOCAL_KEY])
                errors = proof_errors(proof)
                if not errors:
                    return self._async_save(proof)
        if user_input is None and self._address is not None:
            user_input = {CONF_HOST: self._address}  # an address card: the address given
        return self.async_show_form(
            step_id="local",
            data_schema=self.add_suggested_values_to_schema(user_schema(errors), user_input),
            errors=errors,
        )

    async def async_step_cloudcutter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a device from its tuya-cloudcutter key file (pasted), and optionally its
        cloudcutter profile: found on the network by its id, proven, saved "no cloud"."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"field": ""}
        if user_input is not None:
            field = CONF_KEY_FILE
            try:
                device = parse_key_file(user_input[CONF_KEY_FILE])
                field = CONF_PROFILE
                text = user_input.get(CONF_PROFILE)
                profile = parse_profile(text) if text and text.strip() else None
            except CloudcutterFileError as err:
                # Which field of the file, never its value (the file holds secrets).
                errors = cloudcutter_errors(field, err)
                placeholders["field"] = err.field or ""
            if not errors:
                # Its Discovered card may be waiting (it announces itself): the key
                # file adds it all the same, and Home Assistant ends the card's flow.
                await self.async_set_unique_id(device.device_id, raise_on_progress=False)
                self._abort_if_unique_id_configured()
                host = await async_locate(self.hass, device.device_id)
                if host is None:
                    errors["base"] = "cloudcutter_not_found"
                else:
                    candidate = Candidate(
                        device.device_id,
                        host,
                        DEFAULT_PORT,
                        VERSION_AUTO,
                        heard_product_key(self.hass, device.device_id),
                    )
                    proof = await self._async_prove(candidate, device.local_key)
                    errors = proof_errors(proof)
                    if not errors:
                        name = (profile.name if profile else None) or device.device_slug
                        return self.async_create_entry(
                            title=entry_title(device.device_id, product_name=name),
                            data=await async_entry_data(proof, profile),
                        )
        return self.async_show_form(
            step_id=STEP_CLOUDCUTTER,
            data_schema=CLOUDCUTTER_SCHEMA,
            errors=errors,
            description_placeholders=placeholders,
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
        return self.async_show_form(
            step_id="pick_device",
            data_schema=pick_device_schema(
                {device_id: device.shown_name for device_id, device in self._heard.items()}
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
            cloud = await _account_device(self.hass, device.device_id)
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
                return self._async_save(proof)
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
                return self._async_save(proof, cloud)
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

    # --- a device's key changed, or its address -------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The device rejected its local key (it was probably re-paired), or the linked
        account's session ended."""
        entry = self._get_reauth_entry()
        if is_account_entry(entry):
            return await self.async_step_relink()
        if loaded_accounts(self.hass):
            return self.async_show_menu(
                step_id="reauth",
                menu_options=[STEP_REAUTH_CLOUD, STEP_REAUTH_CONFIRM],
                description_placeholders={"name": entry.title},
            )
        return await self.async_step_reauth_confirm()

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
                return self._async_save(proof, cloud)
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
                return self._async_save(proof)
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
                device = replace(
                    Candidate.from_entry(entry.data),
                    host=host,
                    port=user_input[SECTION_ADVANCED][CONF_PORT],
                    version=version_from_option(user_input[CONF_PROTOCOL_VERSION]),
                )
                proof = await self._async_prove(device, user_input[CONF_LOCAL_KEY])
                errors = proof_errors(proof)
                if not errors:
                    await self.async_set_unique_id(device.device_id)
                    self._abort_if_unique_id_mismatch()
                    return self._async_save(proof)
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
