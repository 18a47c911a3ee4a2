"""One table from the library's errors to Home Assistant's errors and texts."""

from __future__ import annotations

from typing import Final

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .tuyalan import (
    ChildOfflineError,
    CloudAuthError,
    CloudClockError,
    CloudConnectionError,
    CloudDeviceUnknownError,
    CloudError,
    CloudPermissionError,
    CloudQrExpiredError,
    CloudQrPendingError,
    CloudRegionError,
    CloudSessionError,
    CloudUserCodeError,
    ConnectionRefusedByDevice,
    DeviceError,
    Fault,
    HandshakeDroppedError,
    InvalidKeyError,
    InvalidValueError,
    KeyUnprovenError,
    MalformedFrameError,
    NoStatusError,
    NotConnectedError,
    ReplyTooLargeError,
    TuyaError,
    TuyaTimeoutError,
    WrongKeyError,
)

# Why a device's setup failed (a retry follows), by the fault its attempt showed. (Which
# faults mean the key is the library's knowledge: Health.key_at_fault.)
SETUP_FAILED: Final[dict[Fault | None, str]] = {
    Fault.BUSY: "setup_busy",
    Fault.UNREACHABLE: "setup_unreachable",
    Fault.STALLED: "setup_stalled",
    Fault.PROTOCOL: "setup_protocol",
    None: "setup_protocol",
}

# Library error -> key under "exceptions" in strings.json, and -> the config flow's key
# under "config.error". Most specific first: the first class the error is an instance of
# wins.
EXCEPTION_KEYS: Final[dict[type[BaseException], str]] = {
    InvalidKeyError: "invalid_auth",
    WrongKeyError: "invalid_auth",
    ConnectionRefusedByDevice: "device_busy",
    InvalidValueError: "value_refused",
    ChildOfflineError: "child_offline",
    NotConnectedError: "not_connected",
    NoStatusError: "no_status",
    ReplyTooLargeError: "reply_too_large",
    DeviceError: "device_error",
    TuyaTimeoutError: "timeout",
    # A lost connection, a 3.4/3.5 hang-up, bytes that make no sense, ...
    TuyaError: "connection_lost",
    OSError: "connection_lost",
    BaseException: "connection_lost",
}
FORM_ERRORS: Final[dict[type[BaseException], str]] = {
    InvalidKeyError: "invalid_key_format",
    WrongKeyError: "invalid_auth",
    # 3.4/3.5 hang-ups during the handshake, after retries: a wrong key, or busy.
    HandshakeDroppedError: "handshake_dropped",
    KeyUnprovenError: "key_unproven",
    ConnectionRefusedByDevice: "device_busy",
    NoStatusError: "no_status",
    ReplyTooLargeError: "reply_too_large",
    DeviceError: "device_error",
    MalformedFrameError: "not_tuya",
    TuyaError: "cannot_connect",
    OSError: "cannot_connect",
    BaseException: "unknown",
}

# Cloud errors -> the config flow's key under "config.error" (the linking steps, the
# account's device list, "fetch the key from my linked account").
CLOUD_FORM_ERRORS: Final[dict[type[BaseException], str]] = {
    CloudUserCodeError: "cloud_user_code",
    CloudQrExpiredError: "cloud_qr_expired",
    CloudQrPendingError: "cloud_qr_pending",
    CloudSessionError: "cloud_session",
    CloudClockError: "cloud_clock",
    CloudRegionError: "cloud_region",
    CloudAuthError: "cloud_auth",
    CloudPermissionError: "cloud_permission",
    CloudDeviceUnknownError: "cloud_device_unknown",
    CloudConnectionError: "cloud_unreachable",
    OSError: "cloud_unreachable",
    CloudError: "cloud_error",
    BaseException: "unknown",
}
# The account entry's repair issue when the cloud could not heal a device's key.
ACCOUNT_ISSUES: Final[dict[type[BaseException], str]] = {
    CloudClockError: "account_clock",
    CloudAuthError: "account_relink",
    CloudRegionError: "account_region",
    CloudPermissionError: "account_permission",
    CloudConnectionError: "account_unreachable",
    OSError: "account_unreachable",
    BaseException: "account_error",
}
# The issue after which the account must be linked again (a reauth flow starts).
ACCOUNT_RELINK: Final = "account_relink"


def _first_match(table: dict[type[BaseException], str], error: BaseException) -> str:
    return next(key for cls, key in table.items() if isinstance(error, cls))


def exception_key(error: BaseException) -> str:
    """The key under "exceptions" for a library error."""
    return _first_match(EXCEPTION_KEYS, error)


def form_error(error: BaseException) -> str:
    """The config flow's error key for a library error ("unknown" for anything else)."""
    return _first_match(FORM_ERRORS, error)


def translated_error(error: BaseException, name: str) -> HomeAssistantError:
    """A translated Home Assistant error for a library error."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=exception_key(error),
        translation_placeholders={"name": name, "error": str(error) or type(error).__name__},
    )


def cloud_form_error(error: BaseException) -> str:
    """The config flow's error key for a cloud error ("unknown" for anything else)."""
    return _first_match(CLOUD_FORM_ERRORS, error)


def account_issue(error: BaseException) -> str:
    """The account entry's repair issue for a cloud error."""
    return _first_match(ACCOUNT_ISSUES, error)
