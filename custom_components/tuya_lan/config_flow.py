"""Config flow for Tuya LAN: user, integration discovery, linked accounts, reauth, reconfigure."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import probatio as vol
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    QrCodeSelector,
    QrCodeSelectorConfig,
    QrErrorCorrectionLevel,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.typing import DiscoveryInfoType

from . import validation
from .account import (
    DeveloperAccount,
    LinkedAccount,
    SmartLifeLogin,
    account_for,
    async_find_device,
    cached_device,
    device_entries,
    is_account_entry,
    loaded_accounts,
    model_data,
)
from .const import (
    ACCOUNT_DEVELOPER,
    ACCOUNT_SMART_LIFE,
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ACCOUNT_KIND,
    CONF_DEVICE_ID,
    CONF_ENDPOINT,
    CONF_ENTRY_TYPE,
    CONF_LOCAL_KEY,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_NAME,
    CONF_PROTOCOL_VERSION,
    CONF_REGION,
    CONF_UID,
    CONF_USER_CODE,
    DEFAULT_PORT,
    DISCOVERY_IP,
    DISCOVERY_VERSION,
    DOMAIN,
    ENTRY_TYPE_ACCOUNT,
    LOGGER,
    VERSION_AUTO,
)
from .coordinator import TuyaLanConfigEntry
from .discovery import async_scan, async_unconfigured_devices, heard_device, heard_ip
from .errors import cloud_form_error, form_error
from .healing import paused_session, prove_key
from .options_flow import TuyaLanOptionsFlow
from .tuyalan import (
    REGIONS,
    VERSIONS,
    CloudDevice,
    CloudError,
    CloudQrExpiredError,
    NoStatusError,
    TuyaError,
    detect_version,
    probe,
)
from .validation import (
    ERROR_DEVICE_ID,
    ERROR_HOST,
)

SECTION_ADVANCED: Final = "advanced"
LOCAL_KEY_LENGTH: Final = 16
# The user step's pick list: a heard device's id, or this.
CONF_DEVICE: Final = "device"
PICK_MANUAL: Final = "manual"


_KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# A selector option is also its translation key, and translation keys cannot contain
# dots: protocol 3.4 is offered as "3_4" and mapped back when the form is submitted.
_VERSION_BY_OPTION: Final = {version.replace(".", "_"): version for version in VERSIONS}
_OPTION_BY_VERSION: Final = {version: option for option, version in _VERSION_BY_OPTION.items()}


def _version_from_option(option: str) -> str:
    """Return the protocol version (or auto) a version selector option stands for."""
    return _VERSION_BY_OPTION.get(option, option)


def _option_from_version(version: str) -> str:
    """Return the version selector option that shows a protocol version (or auto)."""
    return _OPTION_BY_VERSION.get(version, version)


_VERSION_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[VERSION_AUTO, *_VERSION_BY_OPTION],
        mode=SelectSelectorMode.DROPDOWN,
        translation_key=CONF_PROTOCOL_VERSION,
    )
)


def _advanced_section(port_schema: vol.Schema, errors: Mapping[str, str]) -> section:
    """The Advanced section (the port): open again after an error, which may be about it."""
    return section(port_schema, {"collapsed": not errors})


_PORT_SCHEMA = vol.Schema({vol.Required(CONF_PORT, default=DEFAULT_PORT): cv.port})


def user_schema(errors: Mapping[str, str] | None = None) -> vol.Schema:
    """The user step's form; Advanced opens after an error."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Required(CONF_DEVICE_ID): TextSelector(),
            vol.Required(CONF_LOCAL_KEY): _KEY_SELECTOR,
            vol.Required(CONF_PROTOCOL_VERSION, default=VERSION_AUTO): _VERSION_SELECTOR,
            vol.Required(SECTION_ADVANCED): _advanced_section(_PORT_SCHEMA, errors or {}),
        }
    )


def reconfigure_schema(errors: Mapping[str, str] | None = None) -> vol.Schema:
    """The reconfigure step's form; Advanced opens after an error."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Required(CONF_LOCAL_KEY): _KEY_SELECTOR,
            vol.Required(CONF_PROTOCOL_VERSION, default=VERSION_AUTO): _VERSION_SELECTOR,
            vol.Required(SECTION_ADVANCED): _advanced_section(_PORT_SCHEMA, errors or {}),
        }
    )


USER_SCHEMA = user_schema()
RECONFIGURE_SCHEMA = reconfigure_schema()
KEY_SCHEMA = vol.Schema({vol.Required(CONF_LOCAL_KEY): _KEY_SELECTOR})

# The user step's menu, and the reauth step's when an account is linked.
STEP_LOCAL: Final = "local"
STEP_SMART_LIFE: Final = "smart_life"
STEP_DEVELOPER: Final = "developer"
STEP_ACCOUNT_DEVICES: Final = "account_devices"
STEP_REAUTH_CLOUD: Final = "reauth_cloud"
STEP_REAUTH_CONFIRM: Final = "reauth_confirm"
# The flow that saves one device proven by the account flow (one entry per device).
SOURCE_CLOUD_IMPORT: Final = "cloud_import"
IMPORT_TITLE: Final = "title"
CONF_DEVICES: Final = "devices"

SMART_LIFE_SCHEMA = vol.Schema({vol.Required(CONF_USER_CODE): TextSelector()})
DEVELOPER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_ACCESS_ID): TextSelector(),
        vol.Required(CONF_ACCESS_SECRET): _KEY_SELECTOR,
        vol.Required(CONF_REGION, default="eu"): SelectSelector(
            SelectSelectorConfig(
                options=list(REGIONS),
                mode=SelectSelectorMode.DROPDOWN,
                translation_key=CONF_REGION,
            )
        ),
        vol.Required(SECTION_ADVANCED): section(
            vol.Schema(
                {
                    vol.Optional(CONF_UID): TextSelector(),
                    vol.Optional(CONF_ENDPOINT): TextSelector(),
                }
            ),
            {"collapsed": True},
        ),
    }
)


def entry_title(
    device_id: str, product_key: str | None = None, product_name: str | None = None
) -> str:
    """Return the one name of a device: on its Discovered card, in the pick list, and as
    the entry and device name (the user can rename it).

    The product's name when known (from the cloud), else the product key the device
    broadcasts, then the end of the device id, which tells two of a kind apart.
    """
    return f"{product_name or product_key or 'Tuya'} {device_id[-4:]}"


def shown_name(found: Mapping[str, Any]) -> str:
    """A heard device as its card and the pick list show it: name, protocol, address."""
    name = entry_title(
        found[CONF_DEVICE_ID], found.get(CONF_PRODUCT_KEY), found.get(CONF_PRODUCT_NAME)
    )
    return f"{name} (protocol {found[CONF_PROTOCOL_VERSION]}, {found[CONF_HOST]})"


def _key_format_ok(local_key: str) -> bool:
    try:
        return len(local_key.encode("latin1")) == LOCAL_KEY_LENGTH
    except UnicodeEncodeError:
        return False


# A device busy with another client, or flaky firmware, may refuse an attempt or hang
# up a 3.4/3.5 handshake with the right key: tried this many times more.
BUSY_RETRIES: Final = 2


async def validate_device(
    host: str,
    port: int,
    device_id: str,
    local_key: str,
    version: str,
    *,
    accept_unproven: bool = False,
) -> tuple[str, dict[str, str]]:
    """Handshake with the device and read its status.

    Returns the protocol version (detected when `version` is auto) and the form errors.
    A 3.1 key must be proven by the device (see probe's require_proof), unless the
    user confirmed it unproven (`accept_unproven`).
    """
    if not _key_format_ok(local_key):
        return version, {CONF_LOCAL_KEY: "invalid_key_format"}
    try:
        if version == VERSION_AUTO:
            version, _ = await detect_version(
                host, device_id, local_key, port=port, require_proof=not accept_unproven
            )
        else:
            await probe(
                host,
                device_id,
                local_key,
                version,
                port=port,
                busy_retries=BUSY_RETRIES,
                require_proof=not accept_unproven,
            )
    except Exception as err:
        if (proven := key_proven_without_status(err)) is not None:
            return proven, {}  # its state shows once it reports it
        if not isinstance(err, TuyaError | OSError):
            LOGGER.exception("Unexpected error while validating a Tuya device")
        return version, {"base": form_error(err)}
    return version, {}


def key_proven_without_status(error: BaseException) -> str | None:
    """The version of a 3.4/3.5 device that reports its state only when it changes: its
    handshake proved the key, so it is added, and its state shows with its first report.
    None for any other error."""
    if isinstance(error, NoStatusError) and error.version in ("3.4", "3.5"):
        return error.version
    return None


async def prove_errors(
    host: str, port: int, device_id: str, local_key: str, version: str
) -> dict[str, str]:
    """Prove a key from the account while the entry's session may still be retrying
    the old one (a busy device is tried again); the form errors, or none."""
    try:
        await prove_key(host, port, device_id, local_key, version)
    except Exception as err:
        if not isinstance(err, TuyaError | OSError):
            LOGGER.exception("Unexpected error while validating a Tuya device")
        return {"base": form_error(err)}
    return {}


def cloud_errors(error: BaseException) -> dict[str, str]:
    """The form errors for a cloud error."""
    return {"base": cloud_form_error(error)}


async def _account_device(hass: HomeAssistant, device_id: str) -> CloudDevice | None:
    """The device from a linked account, if one holds it (cloud trouble: None)."""
    if not loaded_accounts(hass):
        return None
    try:
        return cached_device(hass, device_id) or await async_find_device(hass, device_id)
    except CloudError as err:
        LOGGER.debug("No key from the linked account for %s: %s", device_id, err)
        return None


def _not_addable(device: CloudDevice) -> str | None:
    """Why a device of the account cannot be added on its own, or None."""
    if device.node_id or device.gateway_id:
        return "a sub-device, reached through its gateway, not on its own"
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

    @property
    def label(self) -> str:
        if self.host is None:
            return f"{self.device.name}: not heard on the LAN (give its address next)"
        return f"{self.device.name} ({self.host}, {self.version})"

    def entry_data(self, version: str) -> dict[str, Any]:
        assert self.host is not None
        assert self.device.local_key
        return {
            IMPORT_TITLE: self.device.name,
            CONF_HOST: self.host,
            CONF_PORT: self.port,
            CONF_DEVICE_ID: self.device.id,
            CONF_LOCAL_KEY: self.device.local_key,
            CONF_PROTOCOL_VERSION: version,
            **model_data(self.device),
        }


async def _prove_offer(offer: _Offer) -> tuple[str, str | None]:
    """(protocol version, None) once the device answered as itself, else (_, why not)."""
    assert offer.host is not None
    assert offer.device.local_key
    try:
        if offer.version == VERSION_AUTO:
            version, _ = await detect_version(
                offer.host, offer.device.id, offer.device.local_key, port=offer.port
            )
        else:
            version = offer.version
            await probe(
                offer.host, offer.device.id, offer.device.local_key, version, port=offer.port
            )
    except (TuyaError, OSError) as err:
        return offer.version, str(err) or type(err).__name__
    return version, None


class TuyaLanConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Tuya device by its address, id and local key."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Initialize the flow."""
        self._discovered: dict[str, Any] = {}
        self._heard: dict[str, dict[str, Any]] = {}
        # (host, device id, key) of a 3.1 key the device could not prove, shown once.
        self._unproven: tuple[str, str, str] | None = None
        # Linking an account, and adding its devices.
        self._login: SmartLifeLogin | None = None
        self._user_code = ""
        self._qr_code = ""
        self._account: LinkedAccount | None = None
        self._account_data: dict[str, Any] | None = None  # a new link, not saved yet
        self._account_title = ""
        self._offered: dict[str, _Offer] = {}
        self._to_add: list[str] = []
        self._need_address: list[str] = []
        self._failed: dict[str, str] = {}
        self._cloud_device: CloudDevice | None = None
        self._key_by_hand = False

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """A linked account has no DPs to map."""
        return not is_account_entry(config_entry)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: TuyaLanConfigEntry) -> TuyaLanOptionsFlow:
        """Return the options flow."""
        return TuyaLanOptionsFlow()

    async def _validate(
        self, host: str, port: int, device_id: str, local_key: str, version: str
    ) -> tuple[str, dict[str, str]]:
        """validate_device; a 3.1 key the device could not prove is saved only when the
        user submits it a second time, after being told."""
        typed = (host, device_id, local_key)
        version, errors = await validate_device(
            host, port, device_id, local_key, version, accept_unproven=self._unproven == typed
        )
        self._unproven = typed if errors.get("base") == "key_unproven" else None
        return version, errors

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a device on the LAN, or link a Tuya account that knows the keys."""
        options = [STEP_LOCAL, STEP_SMART_LIFE, STEP_DEVELOPER]
        if loaded_accounts(self.hass):
            options.insert(1, STEP_ACCOUNT_DEVICES)
        return self.async_show_menu(step_id="user", menu_options=options)

    async def async_step_local(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start from the devices heard on the LAN, or ask for address, id and key."""
        errors: dict[str, str] = {}
        if user_input is None:
            heard = await async_unconfigured_devices(self.hass)
            if heard:
                self._heard = {
                    h.device_id: {
                        CONF_DEVICE_ID: h.device_id,
                        CONF_HOST: h.device.ip,
                        CONF_PORT: DEFAULT_PORT,
                        CONF_PROTOCOL_VERSION: h.device.version,
                        CONF_PRODUCT_KEY: h.device.product_key or None,
                    }
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
                port = user_input[SECTION_ADVANCED][CONF_PORT]
                local_key = user_input[CONF_LOCAL_KEY]
                await self.async_set_unique_id(device_id)
                self._abort_if_unique_id_configured()
                version, errors = await self._validate(
                    host,
                    port,
                    device_id,
                    local_key,
                    _version_from_option(user_input[CONF_PROTOCOL_VERSION]),
                )
                if not errors:
                    return self.async_create_entry(
                        title=entry_title(device_id),
                        data={
                            CONF_HOST: host,
                            CONF_PORT: port,
                            CONF_DEVICE_ID: device_id,
                            CONF_LOCAL_KEY: local_key,
                            CONF_PROTOCOL_VERSION: version,
                        },
                    )
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
        options = [
            SelectOptionDict(value=device_id, label=shown_name(found))
            for device_id, found in self._heard.items()
        ]
        options.append(SelectOptionDict(value=PICK_MANUAL, label=PICK_MANUAL))
        return self.async_show_form(
            step_id="pick_device",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_DEVICE): SelectSelector(
                        SelectSelectorConfig(
                            options=options,
                            mode=SelectSelectorMode.LIST,
                            translation_key=CONF_DEVICE,
                        )
                    )
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
        device_id: str = discovery_info[CONF_DEVICE_ID]
        await self.async_set_unique_id(device_id)
        self._abort_if_unique_id_configured()
        self._discovered = {
            CONF_DEVICE_ID: device_id,
            CONF_HOST: discovery_info[DISCOVERY_IP],
            CONF_PORT: discovery_info.get(CONF_PORT, DEFAULT_PORT),
            CONF_PROTOCOL_VERSION: discovery_info.get(DISCOVERY_VERSION) or VERSION_AUTO,
            CONF_PRODUCT_KEY: discovery_info.get(CONF_PRODUCT_KEY),
        }
        self.context["title_placeholders"] = {"name": shown_name(self._discovered)}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask only for the local key of a discovered device (the port is prefilled)."""
        errors: dict[str, str] = {}
        found = self._discovered
        if user_input is None and not self._key_by_hand:
            cloud = await _account_device(self.hass, found[CONF_DEVICE_ID])
            if cloud is not None and cloud.local_key:
                self._cloud_device = cloud
                return await self.async_step_discovery_cloud()
        if user_input is not None:
            local_key = user_input[CONF_LOCAL_KEY]
            found[CONF_PORT] = user_input.get(SECTION_ADVANCED, {}).get(CONF_PORT, found[CONF_PORT])
            # The card may be older than the device's latest announcement.
            found[CONF_HOST] = heard_ip(self.hass, found[CONF_DEVICE_ID]) or found[CONF_HOST]
            version, errors = await self._validate(
                found[CONF_HOST],
                found[CONF_PORT],
                found[CONF_DEVICE_ID],
                local_key,
                found[CONF_PROTOCOL_VERSION],
            )
            if not errors:
                data = {
                    CONF_HOST: found[CONF_HOST],
                    CONF_PORT: found[CONF_PORT],
                    CONF_DEVICE_ID: found[CONF_DEVICE_ID],
                    CONF_LOCAL_KEY: local_key,
                    CONF_PROTOCOL_VERSION: version,
                }
                if found[CONF_PRODUCT_KEY]:
                    data[CONF_PRODUCT_KEY] = found[CONF_PRODUCT_KEY]
                return self.async_create_entry(
                    title=entry_title(
                        found[CONF_DEVICE_ID], found[CONF_PRODUCT_KEY], found.get(CONF_PRODUCT_NAME)
                    ),
                    data=data,
                )
            if errors.get("base") == "cannot_connect":
                # No host field here: a device that does not answer has its port to check.
                errors["base"] = "cannot_connect_port"
        schema = vol.Schema(
            {
                vol.Required(CONF_LOCAL_KEY): _KEY_SELECTOR,
                vol.Optional(SECTION_ADVANCED): _advanced_section(
                    vol.Schema({vol.Required(CONF_PORT, default=found[CONF_PORT]): cv.port}),
                    errors,
                ),
            }
        )
        return self.async_show_form(
            step_id="discovery_confirm",
            # After an error the key and the port stay as typed.
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={
                "name": entry_title(
                    found[CONF_DEVICE_ID], found[CONF_PRODUCT_KEY], found.get(CONF_PRODUCT_NAME)
                ),
                "device_id": found[CONF_DEVICE_ID],
                "host": found[CONF_HOST],
                "version": found[CONF_PROTOCOL_VERSION],
                "product_key": found[CONF_PRODUCT_KEY] or "-",
            },
        )

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
        data = entry.data
        errors: dict[str, str] = {}
        placeholders = {"name": entry.title, "error": ""}
        try:
            cloud = await async_find_device(self.hass, data[CONF_DEVICE_ID], max_age=0)
        except CloudError as err:
            errors = cloud_errors(err)
            placeholders["error"] = str(err)
        else:
            async with paused_session(entry):  # the entry's session lets go meanwhile
                errors = await prove_errors(
                    data[CONF_HOST],
                    data.get(CONF_PORT, DEFAULT_PORT),
                    data[CONF_DEVICE_ID],
                    cloud.local_key or "",
                    data[CONF_PROTOCOL_VERSION],
                )
            if not errors:
                updates: dict[str, Any] = {CONF_LOCAL_KEY: cloud.local_key}
                if cloud.model:
                    updates.update(model_data(cloud))
                return self.async_update_reload_and_abort(entry, data_updates=updates)
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
            data = entry.data
            local_key = user_input[CONF_LOCAL_KEY]
            async with paused_session(entry):  # the entry's session lets go meanwhile
                _, errors = await self._validate(
                    data[CONF_HOST],
                    data.get(CONF_PORT, DEFAULT_PORT),
                    data[CONF_DEVICE_ID],
                    local_key,
                    data[CONF_PROTOCOL_VERSION],
                )
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_LOCAL_KEY: local_key}
                )
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
            device_id = entry.data[CONF_DEVICE_ID]
            port = user_input[SECTION_ADVANCED][CONF_PORT]
            local_key = user_input[CONF_LOCAL_KEY]
            try:
                host = validation.host(user_input.get(CONF_HOST))
            except validation.InvalidInput:
                errors[CONF_HOST] = ERROR_HOST
            if not errors:
                version, errors = await self._validate(
                    host,
                    port,
                    device_id,
                    local_key,
                    _version_from_option(user_input[CONF_PROTOCOL_VERSION]),
                )
            if not errors:
                await self.async_set_unique_id(device_id)
                self._abort_if_unique_id_mismatch()
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_HOST: host,
                        CONF_PORT: port,
                        CONF_LOCAL_KEY: local_key,
                        CONF_PROTOCOL_VERSION: version,
                    },
                )
        else:
            user_input = {
                CONF_HOST: entry.data[CONF_HOST],
                CONF_LOCAL_KEY: entry.data[CONF_LOCAL_KEY],
                CONF_PROTOCOL_VERSION: _option_from_version(entry.data[CONF_PROTOCOL_VERSION]),
                SECTION_ADVANCED: {CONF_PORT: entry.data.get(CONF_PORT, DEFAULT_PORT)},
            }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(reconfigure_schema(errors), user_input),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    # --- a device the linked account knows -------------------------------------------------

    async def async_step_discovery_cloud(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a discovered device with the key from the linked account: nothing to type."""
        found, cloud = self._discovered, self._cloud_device
        assert cloud is not None
        assert cloud.local_key
        errors: dict[str, str] = {}
        if user_input is not None:
            found[CONF_PORT] = user_input.get(SECTION_ADVANCED, {}).get(CONF_PORT, found[CONF_PORT])
            found[CONF_HOST] = heard_ip(self.hass, found[CONF_DEVICE_ID]) or found[CONF_HOST]
            version, errors = await self._validate(
                found[CONF_HOST],
                found[CONF_PORT],
                found[CONF_DEVICE_ID],
                cloud.local_key,
                found[CONF_PROTOCOL_VERSION],
            )
            if not errors:
                data = {
                    CONF_HOST: found[CONF_HOST],
                    CONF_PORT: found[CONF_PORT],
                    CONF_DEVICE_ID: found[CONF_DEVICE_ID],
                    CONF_LOCAL_KEY: cloud.local_key,
                    CONF_PROTOCOL_VERSION: version,
                    **model_data(cloud),
                }
                if found[CONF_PRODUCT_KEY]:
                    data[CONF_PRODUCT_KEY] = found[CONF_PRODUCT_KEY]
                return self.async_create_entry(title=cloud.name, data=data)
            if errors.get("base") in ("invalid_auth", "handshake_dropped", "key_unproven"):
                # The account's key is stale too: let the user type one.
                self._key_by_hand = True
                return await self.async_step_discovery_confirm()
        return self.async_show_form(
            step_id="discovery_cloud",
            data_schema=vol.Schema(
                {
                    vol.Optional(SECTION_ADVANCED): section(
                        vol.Schema({vol.Required(CONF_PORT, default=found[CONF_PORT]): cv.port}),
                        {"collapsed": True},
                    ),
                }
            ),
            errors=errors,
            description_placeholders={
                "name": cloud.name,
                "device_id": found[CONF_DEVICE_ID],
                "host": found[CONF_HOST],
                "version": found[CONF_PROTOCOL_VERSION],
            },
        )

    # --- linking an account: Smart Life QR code ---------------------------------------------

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
                return await self._async_linked(data, f"Smart Life: {title}")
        return self.async_show_form(
            step_id="scan",
            data_schema=vol.Schema(
                {
                    vol.Optional("qr"): QrCodeSelector(
                        config=QrCodeSelectorConfig(
                            data=f"tuyaSmart--qrLogin?token={self._qr_code}",
                            scale=5,
                            error_correction_level=QrErrorCorrectionLevel.QUARTILE,
                        )
                    )
                }
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    # --- linking an account: Tuya IoT developer project ---------------------------------------

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
                    self._account = account
                    return await self._async_linked(data, f"Tuya IoT: {data[CONF_ACCESS_ID]}")
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

    # --- after linking ----------------------------------------------------------------------

    def _relinked_data(self) -> Mapping[str, Any]:
        """The account entry being linked again (reauth, reconfigure), else nothing."""
        if self.source == SOURCE_REAUTH:
            return self._get_reauth_entry().data
        if self.source == SOURCE_RECONFIGURE:
            return self._get_reconfigure_entry().data
        return {}

    async def async_step_relink(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Link an account entry again, by the way it was linked."""
        data = self._relinked_data()
        if data.get(CONF_ACCOUNT_KIND) == ACCOUNT_SMART_LIFE:
            return await self.async_step_smart_life()
        return await self.async_step_developer()

    async def _async_linked(self, data: dict[str, Any], title: str) -> ConfigFlowResult:
        """An account answered: save it again (relink), or list its devices (new)."""
        account = self._account or account_for(self.hass, data)
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
        self._account, self._account_data, self._account_title = account, data, title
        return await self.async_step_account_devices()

    # --- adding many devices at once ------------------------------------------------------------

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
        errors: dict[str, str] = {}
        placeholders = {"error": "", "added": "-", "missing": "-", "failed": "-"}
        if user_input is not None:
            picked = [d for d in user_input.get(CONF_DEVICES, []) if d in self._offered]
            if not picked:
                return self._async_finish_adding(added=0)
            self._to_add = picked
            self._need_address = [d for d in picked if self._offered[d].host is None]
            return await self.async_step_account_address()
        try:
            devices = await self._account.async_devices(max_age=0 if not self._failed else 60)
        except CloudError as err:
            errors = cloud_errors(err)
            placeholders["error"] = str(err)
            devices = {}
        await async_scan(self.hass)
        previous, self._offered = self._offered, {}
        added, missing = [], []
        configured = {entry.unique_id for entry in device_entries(self.hass)}
        for device in sorted(devices.values(), key=lambda d: d.name.lower()):
            if device.id in configured:
                added.append(device.name)
                continue
            reason = _not_addable(device)
            if reason is not None:
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
            self._offered[device.id] = offer
        if added:
            placeholders["added"] = ", ".join(added)
        if missing:
            placeholders["missing"] = "; ".join(missing)
        if self._failed:
            errors["base"] = "cloud_devices_failed"
            placeholders["failed"] = "; ".join(self._failed.values())
        options = [
            SelectOptionDict(value=device_id, label=offer.label)
            for device_id, offer in self._offered.items()
        ]
        default = [
            device_id
            for device_id, offer in self._offered.items()
            if (device_id in self._failed if self._failed else offer.host is not None)
        ]
        return self.async_show_form(
            step_id="account_devices",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_DEVICES, default=default): SelectSelector(
                        SelectSelectorConfig(
                            options=options, multiple=True, mode=SelectSelectorMode.LIST
                        )
                    )
                }
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_account_address(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The address of a ticked device that was not heard on the LAN."""
        errors: dict[str, str] = {}
        if user_input is not None and self._need_address:
            try:
                host = validation.host(user_input.get(CONF_HOST))
            except validation.InvalidInput:
                errors[CONF_HOST] = ERROR_HOST
            else:
                offer = self._offered[self._need_address.pop(0)]
                offer.host = host
                offer.port = user_input.get(SECTION_ADVANCED, {}).get(CONF_PORT, DEFAULT_PORT)
        if not self._need_address:
            return await self._async_add_devices()
        offer = self._offered[self._need_address[0]]
        return self.async_show_form(
            step_id="account_address",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_HOST): TextSelector(),
                    vol.Optional(SECTION_ADVANCED): _advanced_section(_PORT_SCHEMA, errors),
                }
            ),
            errors=errors,
            description_placeholders={"name": offer.device.name, "device_id": offer.device.id},
        )

    async def _async_add_devices(self) -> ConfigFlowResult:
        """Prove every ticked device (handshake and status read), then add the proven."""
        offers = [self._offered[device_id] for device_id in self._to_add]
        results = await asyncio.gather(*(_prove_offer(offer) for offer in offers))
        self._failed = {}
        added = 0
        for offer, (version, error) in zip(offers, results, strict=True):
            if error is not None:
                self._failed[offer.device.id] = f"{offer.device.name} ({offer.host}): {error}"
                continue
            result = await self.hass.config_entries.flow.async_init(
                DOMAIN,
                context={"source": SOURCE_CLOUD_IMPORT},
                data=offer.entry_data(version),
            )
            if result["type"] is FlowResultType.CREATE_ENTRY:
                added += 1
        if self._failed:
            return await self.async_step_account_devices()
        return self._async_finish_adding(added)

    def _async_finish_adding(self, added: int) -> ConfigFlowResult:
        if self._account_data is not None:  # a new link: the account is the flow's entry
            assert self._account is not None  # linked together (_async_linked)
            data = self._account.entry_data(self._account_data)
            return self.async_create_entry(title=self._account_title, data=data)
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
