"""Checks of what a person types or stores: ids, hosts, DP numbers, values, scales.

No Home Assistant imports: each check returns the cleaned value or raises
:class:`InvalidInput`, whose ``key`` is the translation key of the error the config
flow, the options flow or the ``set_dp`` action shows.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final

from .tuyalan import valid_device_id

DP_MIN: Final = 1
DP_MAX: Final = 255
# Tuya "value" DPs are signed 32-bit; "bitmap" DPs hold up to 32 flags (unsigned).
VALUE_MIN: Final = -(2**31)
VALUE_MAX: Final = 2**32 - 1
# String and raw (base64) DPs: a few hundred characters in practice (IR codes are the
# longest); anything longer is a mistake, not a command a device takes.
MAX_STRING_VALUE: Final = 4096
SCALE_MIN: Final = 1e-6
SCALE_MAX: Final = 1e6
MAX_UNIT_LENGTH: Final = 32
MAX_HOST_LENGTH: Final = 253
# Stored DP keys and typed DP numbers: "77" or "077", never thousands of digits.
_MAX_DP_DIGITS: Final = 5
_ASCII_DIGITS = re.compile(r"[0-9]+")
# RFC 1123 labels; underscores too, since some DHCP servers hand out such names.
_HOST_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")

ERROR_DEVICE_ID: Final = "invalid_device_id"
ERROR_HOST: Final = "invalid_host"
ERROR_DP: Final = "invalid_dp"
ERROR_VALUE: Final = "invalid_value"
ERROR_SCALE: Final = "invalid_scale"
ERROR_UNIT_TEXT: Final = "invalid_unit_text"
ERROR_OPTIONS: Final = "invalid_options"


class InvalidInput(ValueError):
    """A value that cannot be used; ``key`` names the error to show."""

    def __init__(self, key: str, message: str) -> None:
        """Keep the translation key; ``message`` is for logs and tracebacks."""
        super().__init__(message)
        self.key = key


def device_id(value: object) -> str:
    """A Tuya device id, without surrounding blanks."""
    if isinstance(value, str):
        cleaned = value.strip()
        if valid_device_id(cleaned):
            return cleaned
    raise InvalidInput(ERROR_DEVICE_ID, "a device id is 1 to 64 ASCII letters, digits, _ or -")


def host(value: object) -> str:
    """An IP address or a host name, without surrounding blanks."""
    if isinstance(value, str):
        cleaned = value.strip()
        try:
            return str(ipaddress.ip_address(cleaned))
        except ValueError:
            pass
        name = cleaned.removesuffix(".")
        if (
            0 < len(name) <= MAX_HOST_LENGTH
            and all(_HOST_LABEL.fullmatch(label) for label in name.split("."))
            # A dotted quad that is not an address (999.1.1.1) is a typo, not a name.
            and not all(label.isdigit() for label in name.split("."))
        ):
            return cleaned
    raise InvalidInput(ERROR_HOST, "not an IP address or a host name")


def dp_id(value: object) -> int:
    """A DP number, 1 to 255: an integer, an integral float or a string of ASCII digits."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if value.is_integer():
            number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        # str.isdigit() accepts "²" and other digits int() refuses; the length bound
        # keeps int() away from thousands of digits.
        if len(text) <= _MAX_DP_DIGITS and _ASCII_DIGITS.fullmatch(text):
            number = int(text)
    if number is None or not DP_MIN <= number <= DP_MAX:
        raise InvalidInput(ERROR_DP, f"a DP is a whole number from {DP_MIN} to {DP_MAX}")
    return number


def dp_value(value: object) -> bool | int | str:
    """A value a DP can hold: a boolean, a 32-bit integer or a bounded string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if VALUE_MIN <= value <= VALUE_MAX:
            return value
        raise InvalidInput(
            ERROR_VALUE, f"an integer value must lie between {VALUE_MIN} and {VALUE_MAX}"
        )
    if isinstance(value, str):
        if len(value) > MAX_STRING_VALUE:
            raise InvalidInput(ERROR_VALUE, f"a string value is at most {MAX_STRING_VALUE} long")
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate: JSON cannot carry it
            raise InvalidInput(ERROR_VALUE, "the string is not valid Unicode") from None
        return value
    raise InvalidInput(ERROR_VALUE, "the value must be true/false, a whole number or a string")


def scale(value: object) -> float:
    """A scale factor: a finite number from SCALE_MIN to SCALE_MAX."""
    # The comparisons refuse NaN and the infinities too (math.isfinite() would raise on
    # an integer too large for a float).
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and SCALE_MIN <= value <= SCALE_MAX
    ):
        return float(value)
    raise InvalidInput(ERROR_SCALE, f"the scale must lie between {SCALE_MIN:g} and {SCALE_MAX:g}")


def unit(value: object) -> str:
    """A unit of measurement: short printable text, without surrounding blanks."""
    if isinstance(value, str):
        cleaned = value.strip()
        if 0 < len(cleaned) <= MAX_UNIT_LENGTH and cleaned.isprintable():
            return cleaned
    raise InvalidInput(ERROR_UNIT_TEXT, f"a unit is 1 to {MAX_UNIT_LENGTH} printable characters")
