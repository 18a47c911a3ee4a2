"""The config flow's forms: every schema the device and account steps show.

Field keys, section names and selector options are also translation keys
(strings.json ``config.step.<step>.data``, ``selector``): renaming one means
renaming it there too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import probatio as vol
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.data_entry_flow import section
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    FileSelector,
    FileSelectorConfig,
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

from .const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_DEVICE_ID,
    CONF_ENDPOINT,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    CONF_REGION,
    CONF_UID,
    CONF_USER_CODE,
    DEFAULT_PORT,
    VERSION_AUTO,
)
from .tuyalan import REGIONS, VERSIONS

SECTION_ADVANCED: Final = "advanced"
# The pick list of heard devices: a device id, or this to enter one by hand.
CONF_DEVICE: Final = "device"
PICK_MANUAL: Final = "manual"
# A tuya-cloudcutter key file (.deviceconfig), uploaded or pasted as text, and its
# device profile (pasted).
CONF_KEY_FILE_UPLOAD: Final = "key_file_upload"
CONF_KEY_FILE: Final = "key_file"
CONF_PROFILE: Final = "profile"
# The account's devices to add (a multiple choice).
CONF_DEVICES: Final = "devices"

_KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_KEY_FILE_FIELDS: Final = {
    vol.Optional(CONF_KEY_FILE_UPLOAD): FileSelector(
        FileSelectorConfig(accept=".deviceconfig,.json,application/json")
    ),
    vol.Optional(CONF_KEY_FILE): TextSelector(TextSelectorConfig(multiline=True)),
}
CLOUDCUTTER_SCHEMA: Final = vol.Schema(
    {
        **_KEY_FILE_FIELDS,
        vol.Optional(CONF_PROFILE): TextSelector(TextSelectorConfig(multiline=True)),
    }
)
# A no-cloud entry's new key file (reauth): the file alone.
KEY_FILE_SCHEMA: Final = vol.Schema(_KEY_FILE_FIELDS)
# A selector option is also its translation key, and translation keys cannot contain
# dots: protocol 3.4 is offered as "3_4" and mapped back when the form is submitted.
_VERSION_BY_OPTION: Final = {version.replace(".", "_"): version for version in VERSIONS}
_OPTION_BY_VERSION: Final = {version: option for option, version in _VERSION_BY_OPTION.items()}


def version_from_option(option: str) -> str:
    """Return the protocol version (or auto) a version selector option stands for."""
    return _VERSION_BY_OPTION.get(option, option)


def option_from_version(version: str) -> str:
    """Return the version selector option that shows a protocol version (or auto)."""
    return _OPTION_BY_VERSION.get(version, version)


_VERSION_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[VERSION_AUTO, *_VERSION_BY_OPTION],
        mode=SelectSelectorMode.DROPDOWN,
        translation_key=CONF_PROTOCOL_VERSION,
    )
)


def advanced_port(
    errors: Mapping[str, str] | None = None, port: int = DEFAULT_PORT, *, collapsed: bool = True
) -> section:
    """The Advanced section (the port): open again after an error, which may be about it."""
    return section(
        vol.Schema({vol.Required(CONF_PORT, default=port): cv.port}),
        {"collapsed": collapsed and not errors},
    )


def user_schema(errors: Mapping[str, str] | None = None) -> vol.Schema:
    """The form of a device entered by hand; Advanced opens after an error."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Required(CONF_DEVICE_ID): TextSelector(),
            vol.Required(CONF_LOCAL_KEY): _KEY_SELECTOR,
            vol.Required(CONF_PROTOCOL_VERSION, default=VERSION_AUTO): _VERSION_SELECTOR,
            vol.Required(SECTION_ADVANCED): advanced_port(errors),
        }
    )


def reconfigure_schema(errors: Mapping[str, str] | None = None) -> vol.Schema:
    """The reconfigure step's form; Advanced opens after an error."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Required(CONF_LOCAL_KEY): _KEY_SELECTOR,
            vol.Required(CONF_PROTOCOL_VERSION, default=VERSION_AUTO): _VERSION_SELECTOR,
            vol.Required(SECTION_ADVANCED): advanced_port(errors),
        }
    )


USER_SCHEMA = user_schema()
RECONFIGURE_SCHEMA = reconfigure_schema()
KEY_SCHEMA = vol.Schema({vol.Required(CONF_LOCAL_KEY): _KEY_SELECTOR})


def discovered_key_schema(port: int, errors: Mapping[str, str]) -> vol.Schema:
    """A discovered device's card: only its key (its port under Advanced)."""
    return vol.Schema(
        {
            vol.Required(CONF_LOCAL_KEY): _KEY_SELECTOR,
            vol.Optional(SECTION_ADVANCED): advanced_port(errors, port),
        }
    )


def discovered_port_schema(port: int) -> vol.Schema:
    """A discovered device the linked account knows: nothing to type but its port."""
    return vol.Schema({vol.Optional(SECTION_ADVANCED): advanced_port(port=port)})


def pick_device_schema(heard: Mapping[str, str]) -> vol.Schema:
    """The devices heard on the LAN (id -> shown name), or one entered by hand."""
    options = [SelectOptionDict(value=device_id, label=name) for device_id, name in heard.items()]
    options.append(SelectOptionDict(value=PICK_MANUAL, label=PICK_MANUAL))
    return vol.Schema(
        {
            vol.Required(CONF_DEVICE): SelectSelector(
                SelectSelectorConfig(
                    options=options, mode=SelectSelectorMode.LIST, translation_key=CONF_DEVICE
                )
            )
        }
    )


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


def qr_schema(qr_code: str) -> vol.Schema:
    """The QR code the Smart Life app scans to approve the link."""
    return vol.Schema(
        {
            vol.Optional("qr"): QrCodeSelector(
                config=QrCodeSelectorConfig(
                    data=f"tuyaSmart--qrLogin?token={qr_code}",
                    scale=5,
                    error_correction_level=QrErrorCorrectionLevel.QUARTILE,
                )
            )
        }
    )


def account_devices_schema(offered: Mapping[str, str], ticked: Sequence[str]) -> vol.Schema:
    """The account's devices that can be added (id -> label), some ticked already."""
    options = [
        SelectOptionDict(value=device_id, label=label) for device_id, label in offered.items()
    ]
    return vol.Schema(
        {
            vol.Optional(CONF_DEVICES, default=list(ticked)): SelectSelector(
                SelectSelectorConfig(options=options, multiple=True, mode=SelectSelectorMode.LIST)
            )
        }
    )


def address_schema(errors: Mapping[str, str]) -> vol.Schema:
    """The address of an account's device that was not heard on the LAN."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Optional(SECTION_ADVANCED): advanced_port(errors),
        }
    )
