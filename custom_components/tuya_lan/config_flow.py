"""Config flow for Tuya LAN: user, integration discovery, reauth, reconfigure, options."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import probatio as vol
from homeassistant.components.sensor.const import DEVICE_CLASS_UNITS, SensorDeviceClass
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import config_validation as cv
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
    TextSelectorType,
)
from homeassistant.helpers.typing import DiscoveryInfoType

from . import validation
from .const import (
    CONF_DEVICE_ID,
    CONF_DPS,
    CONF_LOCAL_KEY,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_NAME,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
    DISCOVERY_IP,
    DISCOVERY_VERSION,
    DOMAIN,
    LOGGER,
    VERSION_AUTO,
)
from .coordinator import TuyaLanConfigEntry
from .discovery import async_unconfigured_devices, heard_ip
from .errors import form_error
from .mapping import (
    KINDS,
    OPT_DEVICE_CLASS,
    OPT_KIND,
    OPT_SCALE,
    OPT_UNIT,
    SENSOR_DEVICE_CLASSES,
    SWITCH_DEVICE_CLASSES,
    DpKind,
    DpSpec,
    parse_overrides,
    raw_spec,
    resolve_specs,
)
from .tuyalan import VERSIONS, TuyaError, detect_version, probe
from .validation import ERROR_DEVICE_ID, ERROR_DP, ERROR_HOST, ERROR_SCALE, ERROR_UNIT_TEXT

SECTION_ADVANCED: Final = "advanced"
LOCAL_KEY_LENGTH: Final = 16
# The user step's pick list: a heard device's id, or this.
CONF_DEVICE: Final = "device"
PICK_MANUAL: Final = "manual"

OPT_DP: Final = "dp"
KIND_DEFAULT: Final = "default"

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


async def validate_device(
    host: str, port: int, device_id: str, local_key: str, version: str
) -> tuple[str, dict[str, str]]:
    """Handshake with the device and read its status.

    Returns the protocol version (detected when `version` is auto) and the form errors.
    """
    if not _key_format_ok(local_key):
        return version, {CONF_LOCAL_KEY: "invalid_key_format"}
    try:
        if version == VERSION_AUTO:
            version, _ = await detect_version(host, device_id, local_key, port=port)
        else:
            await probe(host, device_id, local_key, version, port=port)
    except Exception as err:
        if not isinstance(err, TuyaError | OSError):
            LOGGER.exception("Unexpected error while validating a Tuya device")
        return version, {"base": form_error(err)}
    return version, {}


class TuyaLanConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Tuya device by its address, id and local key."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Initialize the flow."""
        self._discovered: dict[str, Any] = {}
        self._heard: dict[str, dict[str, Any]] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: TuyaLanConfigEntry) -> TuyaLanOptionsFlow:
        """Return the options flow."""
        return TuyaLanOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
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
                version, errors = await validate_device(
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
            step_id="user",
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
                return self.async_show_form(step_id="user", data_schema=user_schema())
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
        if user_input is not None:
            local_key = user_input[CONF_LOCAL_KEY]
            found[CONF_PORT] = user_input.get(SECTION_ADVANCED, {}).get(CONF_PORT, found[CONF_PORT])
            # The card may be older than the device's latest announcement.
            found[CONF_HOST] = heard_ip(self.hass, found[CONF_DEVICE_ID]) or found[CONF_HOST]
            version, errors = await validate_device(
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
        """The device rejected its local key (it was probably re-paired)."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new local key."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = entry.data
            local_key = user_input[CONF_LOCAL_KEY]
            _, errors = await validate_device(
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
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address, the local key or the protocol version."""
        entry = self._get_reconfigure_entry()
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
                version, errors = await validate_device(
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
        return resolve_specs(self._reported(), self.overrides)

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the menu: edit a DP, or save."""
        summary = ", ".join(
            f"DP {dp}: {_describe(spec)}" for dp, spec in self._specs().items() if spec.overridden
        )
        if summary:  # its own text: "Your changes" only when there are some
            return self.async_show_menu(
                step_id="init_changed",
                menu_options=["pick_dp", "save"],
                description_placeholders={"overrides": summary},
            )
        return self.async_show_menu(step_id="init", menu_options=["pick_dp", "save"])

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
            if KINDS[self._kind].options:
                return await self.async_step_dp_options()
            self.overrides[dp] = {OPT_KIND: kind}
            return await self.async_step_init()
        spec = self._specs().get(dp) or raw_spec(dp)
        kinds = [KIND_DEFAULT, *(kind.value for kind in DpKind)]
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
        info = KINDS[kind]
        errors: dict[str, str] = {}
        if user_input is not None:
            scale = user_input.get(OPT_SCALE)
            unit = (user_input.get(OPT_UNIT) or "").strip() or None
            device_class = user_input.get(OPT_DEVICE_CLASS) or None
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
                self.overrides[dp] = override
                return await self.async_step_init()
        fields: dict[vol.Marker, Any] = {}
        if OPT_SCALE in info.options:
            fields[vol.Optional(OPT_SCALE)] = NumberSelector(
                NumberSelectorConfig(mode=NumberSelectorMode.BOX, step="any")
            )
        if OPT_UNIT in info.options:
            fields[vol.Optional(OPT_UNIT)] = TextSelector()
        if OPT_DEVICE_CLASS in info.options:
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
                "default_scale": f"{info.scale:g}" if info.scale is not None else "1",
            },
        )

    async def async_step_save(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store the mapping; the entry reloads with it."""
        return self.async_create_entry(data={**self.config_entry.options, CONF_DPS: self.overrides})
