"""The light's, cover's and thermostat's value conversions (values.py)."""

from __future__ import annotations

import pytest

from custom_components.tuya_lan.values import (
    brightness_from_raw,
    brightness_to_raw,
    decode_colour,
    encode_colour,
    kelvin_from_raw,
    kelvin_to_raw,
    percent_from_raw,
    percent_to_raw,
    scaled_to_raw,
)


@pytest.mark.parametrize(("low", "high"), [(10, 1000), (25, 255)])
def test_brightness_never_loses_the_minimum(low: int, high: int) -> None:
    assert brightness_to_raw(1, low, high) == low
    assert brightness_to_raw(0, low, high) == low
    assert brightness_to_raw(255, low, high) == high
    assert brightness_from_raw(low, low, high) == 1
    assert brightness_from_raw(high, low, high) == 255
    assert brightness_from_raw(0, low, high) == 1  # below the range: clamped, not off
    assert brightness_from_raw("x", low, high) is None
    for brightness in range(1, 256):
        assert brightness_from_raw(brightness_to_raw(brightness, low, high), low, high) in (
            brightness - 1,
            brightness,
            brightness + 1,
        )


def test_brightness_keeps_the_step() -> None:
    assert brightness_to_raw(128, 10, 1000, 10) % 10 == 0


def test_kelvin() -> None:
    assert kelvin_from_raw(0, 0, 1000) == 2000
    assert kelvin_from_raw(1000, 0, 1000) == 6500
    assert kelvin_to_raw(6500, 0, 255) == 255
    assert kelvin_to_raw(1000, 0, 255) == 0
    assert kelvin_from_raw(True, 0, 1000) is None


def test_colour_v2_hex_and_json() -> None:
    assert decode_colour("007801f403e8", v2=True) == (120.0, 50.0, 1000)
    assert encode_colour(120, 50, 1000, v2=True) == "007801f403e8"
    assert decode_colour('{"h":120,"s":500,"v":1000}', v2=True) == (120.0, 50.0, 1000)
    # the device's own encoding: JSON back to a device that reports JSON
    assert encode_colour(120, 50, 1000, v2=True, like='{"h":0,"s":0,"v":0}') == (
        '{"h":120,"s":500,"v":1000}'
    )
    for bad in ("", "zz7801f403e8", "0fff01f403e8", "007801f403e", None, 5, '{"h":"x"}', "{"):
        assert decode_colour(bad, v2=True) is None


def test_colour_v1() -> None:
    encoded = encode_colour(0, 100, 255, v2=False)
    assert encoded == "ff00000000ffff"
    assert decode_colour(encoded, v2=False) == (0.0, 100.0, 255)
    assert decode_colour("00ff000078ffff", v2=False) == (120.0, 100.0, 255)


def test_cover_percent() -> None:
    assert percent_from_raw(100, 0, 100, inverted=True) == 0
    assert percent_from_raw(30, 0, 100, inverted=False) == 30
    assert percent_to_raw(70, 0, 100, inverted=True) == 30
    assert percent_from_raw(None, 0, 100, inverted=True) is None


def test_temperature_back_to_raw() -> None:
    assert scaled_to_raw(22.5, 0.1, 50, 350, 5) == 225
    assert scaled_to_raw(22.4, 0.1, 50, 350, 5) == 225
    assert scaled_to_raw(100, 0.1, 50, 350, 5) == 350
    assert scaled_to_raw(21, 1.0, None, None, None) == 21
