"""How DP values convert between the device and Home Assistant (the descriptions'
``value_fn`` and ``set_fn``): scaling, enums, relays, faults and phase records."""

from __future__ import annotations

import colorsys
import json
from decimal import Decimal
from typing import Any, Final, TypeIs

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


def state_on(value: Any, on: tuple[str, ...]) -> bool | None:
    """An on/off state: a Boolean as it is, an enum on when it is one of ``on``."""
    if not on:
        return value if isinstance(value, bool) else None
    return value in on if isinstance(value, str) else None


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


# --- lights, covers, thermostats: values that span a DP's own range --------------------

# The colour temperatures a Tuya white channel spans when nothing says otherwise: its
# raw minimum is the warmest, its maximum the coldest (Home Assistant core's tuya
# integration uses the same range).
KELVIN_WARMEST: Final = 2000
KELVIN_COLDEST: Final = 6500
# Brightness ranges by code where the model gives none (Tuya's lighting standard:
# bright_value_v2 10-1000, the older bright_value 25-255); colour V follows them.
BRIGHTNESS_V2: Final = (10, 1000)
BRIGHTNESS_V1: Final = (25, 255)
TEMPERATURE_V2: Final = (0, 1000)
TEMPERATURE_V1: Final = (0, 255)
HUE_MAX: Final = 360
SATURATION_V2: Final = 1000
SATURATION_V1: Final = 255


def _is_int(value: Any) -> TypeIs[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def dp_range(minimum: int | None, maximum: int | None, default: tuple[int, int]) -> tuple[int, int]:
    """A DP's raw range from the model, or the standard one when it gives none (or an
    empty one)."""
    low = default[0] if minimum is None else minimum
    high = default[1] if maximum is None else maximum
    return (low, high) if low < high else default


def _snap(raw: float, low: int, high: int, step: int | None) -> int:
    """A raw value on the DP's grid (multiples of its step from its minimum), within
    its range."""
    step = step if step and step > 0 else 1
    snapped = low + round((raw - low) / step) * step
    return int(min(max(snapped, low), high))


def brightness_from_raw(raw: Any, low: int, high: int) -> int | None:
    """A raw brightness as Home Assistant's 1-255: the DP's minimum is 1 (dimmest, not
    off), its maximum 255; a value outside the range is clamped, anything else None."""
    if not _is_int(raw):
        return None
    clamped: int = min(max(raw, low), high)
    return round(1 + (clamped - low) * 254 / (high - low))


def brightness_to_raw(brightness: float, low: int, high: int, step: int | None = None) -> int:
    """Home Assistant's brightness (1-255) in the DP's range: 1 is the DP's minimum,
    never below it (a bulb takes no value under its minimum)."""
    brightness = min(max(brightness, 1), 255)
    return _snap(low + (brightness - 1) * (high - low) / 254, low, high, step)


def kelvin_from_raw(raw: Any, low: int, high: int) -> int | None:
    """A raw colour temperature (minimum warmest) in kelvin."""
    if not _is_int(raw):
        return None
    clamped: int = min(max(raw, low), high)
    return round(
        KELVIN_WARMEST + (clamped - low) * (KELVIN_COLDEST - KELVIN_WARMEST) / (high - low)
    )


def kelvin_to_raw(kelvin: float, low: int, high: int, step: int | None = None) -> int:
    """Kelvin in the DP's raw range."""
    kelvin = min(max(kelvin, KELVIN_WARMEST), KELVIN_COLDEST)
    share = (kelvin - KELVIN_WARMEST) / (KELVIN_COLDEST - KELVIN_WARMEST)
    return _snap(low + share * (high - low), low, high, step)


_HEX = frozenset("0123456789abcdefABCDEF")


def _hex_fields(text: str, widths: tuple[int, ...]) -> list[int] | None:
    if len(text) != sum(widths) or not set(text) <= _HEX:
        return None
    fields, start = [], 0
    for width in widths:
        fields.append(int(text[start : start + width], 16))
        start += width
    return fields


def decode_colour(value: Any, *, v2: bool) -> tuple[float, float, int] | None:
    """A colour DP: (hue 0-360, saturation 0-100 %, raw V), or None when it is none.

    ``colour_data_v2`` reads ``HHHHSSSSVVVV`` (hue, then S and V 0-1000, hex);
    ``colour_data`` reads ``RRGGBBHHHHSSVV`` (RGB, then hue, S and V 0-255); either may
    come as Tuya's JSON ``{"h", "s", "v"}`` instead.
    """
    saturation_max = SATURATION_V2 if v2 else SATURATION_V1
    if not isinstance(value, str) or len(value) > 64:
        return None
    if value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if not isinstance(parsed, dict):
            return None
        hue, saturation, v = (parsed.get(key) for key in ("h", "s", "v"))
        if not (_is_int(hue) and _is_int(saturation) and _is_int(v)):
            return None
    elif v2 and (found := _hex_fields(value, (4, 4, 4))) is not None:
        hue, saturation, v = found
    elif not v2 and (found := _hex_fields(value, (6, 4, 2, 2))) is not None:
        _, hue, saturation, v = found
    else:
        return None
    if not (0 <= hue <= HUE_MAX and 0 <= saturation <= saturation_max and 0 <= v <= saturation_max):
        return None
    return float(hue), round(saturation * 100 / saturation_max, 1), v


def encode_colour(hue: float, saturation: float, v: int, *, v2: bool, like: Any = None) -> str:
    """A colour (hue 0-360, saturation 0-100 %, raw V) in the device's own encoding:
    JSON when the device reports JSON (``like``), its hex format otherwise."""
    saturation_max = SATURATION_V2 if v2 else SATURATION_V1
    h = int(min(max(round(hue), 0), HUE_MAX))
    s = int(min(max(round(saturation * saturation_max / 100), 0), saturation_max))
    v = int(min(max(v, 0), saturation_max))
    if isinstance(like, str) and like.startswith("{"):
        return json.dumps({"h": h, "s": s, "v": v}, separators=(",", ":"))
    if v2:
        return f"{h:04x}{s:04x}{v:04x}"
    red, green, blue = colorsys.hsv_to_rgb(h / HUE_MAX, s / saturation_max, v / saturation_max)
    rgb = "".join(f"{round(part * 255):02x}" for part in (red, green, blue))
    return f"{rgb}{h:04x}{s:02x}{v:02x}"


def percent_from_raw(raw: Any, low: int, high: int, *, inverted: bool) -> int | None:
    """A raw position as Home Assistant's 0 (closed) to 100 (open)."""
    if not _is_int(raw):
        return None
    clamped: int = min(max(raw, low), high)
    percent = round((clamped - low) * 100 / (high - low))
    return 100 - percent if inverted else percent


def percent_to_raw(percent: float, low: int, high: int, *, inverted: bool) -> int:
    """Home Assistant's position (0 closed, 100 open) in the DP's raw range."""
    percent = min(max(percent, 0), 100)
    if inverted:
        percent = 100 - percent
    return round(low + percent * (high - low) / 100)


def scaled_to_raw(
    value: float, scale: float, low: int | None, high: int | None, step: int | None
) -> int:
    """A value the user set (a temperature) in the DP's raw units: on its grid, and
    within its range where the model gives one."""
    raw = value / scale
    if low is not None and high is not None and low < high:
        return _snap(raw, low, high, step)
    step = step if step and step > 0 else 1
    return int(round(raw / step) * step)
