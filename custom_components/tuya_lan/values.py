"""How DP values convert between the device and Home Assistant (the descriptions'
``value_fn`` and ``set_fn``): scaling, enums, relays, faults and phase records."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Final

from homeassistant.helpers.typing import StateType

from .tuyalan.dpmap import decode_phase

COUNTDOWN_MAX: Final = 86400
MAX_STATE_LENGTH: Final = 255


def identity(value: Any) -> Any:
    """Write the value as the user set it (a select's option is the device's own)."""
    return value


def decimals(scale: float) -> int:
    """The decimals a scale gives a value (0.01 -> 2)."""
    exponent = Decimal(repr(scale)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def scale_value(value: Any, scale: float | None) -> StateType:
    """Scale a numeric DP value; None when the device sent something else."""
    if not _is_number(value):
        return None
    number: float = value
    if scale is None or scale == 1:
        return number
    return round(number * scale, decimals(scale))


def raw_value(value: Any) -> StateType:
    """Show any DP value as a sensor state."""
    if value is None or isinstance(value, (str, int, float)):
        if isinstance(value, str):
            return value[:MAX_STATE_LENGTH]
        return value
    return json.dumps(value, separators=(",", ":"))[:MAX_STATE_LENGTH]


def enum_value(value: Any, options: tuple[str, ...]) -> StateType:
    """An enum DP's value when it is one of the options (an enum allows no other)."""
    return value if isinstance(value, str) and value in options else None


def switch_value(value: Any) -> bool | None:
    """A relay or a setting: on or off (None until reported)."""
    return None if value is None else bool(value)


def problem_value(value: Any) -> bool | None:
    """A fault flag, or a fault bitmap with any bit set."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return None


def seconds_value(raw: Any, scale: float) -> float | None:
    """A countdown's raw value in seconds (a model may count in minutes)."""
    if not _is_number(raw):
        return None
    value: float = raw * scale
    return int(value) if float(value).is_integer() else value


def to_raw_units(seconds: float, scale: float) -> int:
    """Seconds the user set, in the device's units."""
    return round(seconds / scale)


def phase_value(value: Any, part: int) -> StateType:
    """One part (0 voltage, 1 current, 2 power) of a phase DP."""
    decoded = decode_phase(value)
    return None if decoded is None else decoded[part]


def bitmap_faults(value: Any, labels: tuple[str, ...]) -> list[str]:
    """The names of the bits set in a fault bitmap (``bit_N`` where the model has none)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return []
    return [
        labels[bit] if bit < len(labels) else f"bit_{bit}"
        for bit in range(min(value.bit_length(), 32))
        if value >> bit & 1
    ]
