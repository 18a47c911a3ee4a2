"""One table from the library's errors to Home Assistant's errors and texts."""

from __future__ import annotations

from typing import Final

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .tuyalan import (
    ConnectionRefusedByDevice,
    DeviceError,
    Fault,
    HandshakeDroppedError,
    InvalidKeyError,
    MalformedFrameError,
    NotConnectedError,
    TuyaError,
    TuyaTimeoutError,
    WrongKeyError,
)

# The faults that mean the device's local key has (most likely) changed.
AUTH_FAULTS: Final = frozenset({Fault.WRONG_KEY, Fault.KEY_SUSPECT})

# (library error, key under "exceptions" in strings.json, key under "config.error"),
# most specific first: the first row the error is an instance of wins.
ERROR_TABLE: Final[tuple[tuple[type[BaseException], str, str], ...]] = (
    (InvalidKeyError, "invalid_auth", "invalid_key_format"),
    (WrongKeyError, "invalid_auth", "invalid_auth"),
    # A 3.4/3.5 hang-up during the handshake: a wrong key or version, or busy.
    (HandshakeDroppedError, "connection_lost", "invalid_auth"),
    (ConnectionRefusedByDevice, "device_busy", "device_busy"),
    (NotConnectedError, "not_connected", "cannot_connect"),
    (DeviceError, "device_error", "device_error"),
    (TuyaTimeoutError, "timeout", "cannot_connect"),
    (MalformedFrameError, "connection_lost", "not_tuya"),
    (TuyaError, "connection_lost", "cannot_connect"),
    (OSError, "connection_lost", "cannot_connect"),
)


def _row(error: BaseException) -> tuple[type[BaseException], str, str] | None:
    return next((row for row in ERROR_TABLE if isinstance(error, row[0])), None)


def form_error(error: BaseException) -> str:
    """The config flow's error key for a library error ("unknown" for anything else)."""
    row = _row(error)
    return row[2] if row is not None else "unknown"


def translated_error[E: HomeAssistantError](
    error: BaseException,
    name: str,
    kind: type[E] = HomeAssistantError,  # type: ignore[assignment]
) -> E:
    """A translated Home Assistant error (``kind``) for a library error."""
    row = _row(error)
    return kind(
        translation_domain=DOMAIN,
        translation_key=row[1] if row is not None else "connection_lost",
        translation_placeholders={"name": name, "error": str(error) or type(error).__name__},
    )
