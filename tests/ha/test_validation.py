"""The input checks: each returns the cleaned value or raises InvalidInput with its key."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custom_components.tuya_lan import validation
from custom_components.tuya_lan.validation import InvalidInput

STRINGS = json.loads(
    (Path(__file__).parents[2] / "custom_components/tuya_lan/strings.json").read_text("utf-8")
)


def refused(check: Callable[[object], Any], value: object) -> str:
    """Return the error key ``check`` refuses ``value`` with."""
    with pytest.raises(InvalidInput) as err:
        check(value)
    assert isinstance(err.value, ValueError)
    return err.value.key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("bf1234567890abcdefgh", "bf1234567890abcdefgh"),
        ("eb0123456789abcdefghij", "eb0123456789abcdefghij"),
        ("  bf1234567890abcdefgh\t", "bf1234567890abcdefgh"),
        ("01234567891234567890", "01234567891234567890"),
        ("x" * 64, "x" * 64),
    ],
)
def test_device_id_accepted(value: str, expected: str) -> None:
    assert validation.device_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "bf12 34",
        "bf12\x00",
        "bf12\n34",
        "x" * 65,
        "ключ",
        "bf\uff11\uff12",  # fullwidth digits
        "../etc",
        None,
        12,
    ],
)
def test_device_id_refused(value: object) -> None:
    assert refused(validation.device_id, value) == "invalid_device_id"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.0.2.50", "192.0.2.50"),
        (" 192.0.2.50 ", "192.0.2.50"),
        ("plug-kitchen", "plug-kitchen"),
        ("plug_kitchen.lan.", "plug_kitchen.lan."),
        ("fe80::1", "fe80::1"),
        ("a" * 63 + ".lan", "a" * 63 + ".lan"),
    ],
)
def test_host_accepted(value: str, expected: str) -> None:
    assert validation.host(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        "192.0.2.50:6668",
        "my plug",
        "999.1.1.1",
        "1.2.3",
        "-plug",
        "a" * 64,
        "a." * 130,
        "plug\x00",
        "http://plug",
        None,
    ],
)
def test_host_refused(value: object) -> None:
    assert refused(validation.host, value) == "invalid_host"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), (255, 255), (1.0, 1), ("38", 38), (" 077 ", 77), ("00001", 1)],
)
def test_dp_id_accepted(value: object, expected: int) -> None:
    assert validation.dp_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        0,
        256,
        -1,
        1.5,
        math.nan,
        math.inf,
        1e300,
        True,
        None,
        "",
        "abc",
        "1.5",
        "²",  # str.isdigit() is true, int() refuses it
        "\u0661",  # an Arabic-Indic digit: int() would take it, a device would not
        pytest.param("1" * 5000, id="5000-digits"),  # int() refuses more than 4,300 digits
        "000001",
        [1],
    ],
)
def test_dp_id_refused(value: object) -> None:
    assert refused(validation.dp_id, value) == "invalid_dp"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (0, 0),
        (-(2**31), -(2**31)),
        (2**32 - 1, 2**32 - 1),
        (5.0, 5),
        ("on", "on"),
        ("", ""),
        pytest.param("é" * 4096, "é" * 4096, id="4096-chars"),
    ],
)
def test_dp_value_accepted(value: object, expected: object) -> None:
    result = validation.dp_value(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "value",
    [
        10**30,
        pytest.param(10**5000, id="10**5000"),
        2**32,
        -(2**31) - 1,
        1.5,
        math.nan,
        math.inf,
        1e30,
        None,
        [1],
        {"a": 1},
        b"bytes",
        pytest.param("x" * 4097, id="4097-chars"),
        "\ud800",  # a lone surrogate cannot be encoded
    ],
)
def test_dp_value_refused(value: object) -> None:
    assert refused(validation.dp_value, value) == "invalid_value"


@pytest.mark.parametrize(("value", "expected"), [(0.1, 0.1), (1e-6, 1e-6), (1e6, 1e6), (10, 10.0)])
def test_scale_accepted(value: object, expected: float) -> None:
    assert validation.scale(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        0,
        -1,
        1e-300,
        1e-7,
        1e7,
        pytest.param(10**5000, id="10**5000"),  # math.isfinite() would raise on it
        math.nan,
        math.inf,
        -math.inf,
        True,
        "0.1",
        None,
    ],
)
def test_scale_refused(value: object) -> None:
    assert refused(validation.scale, value) == "invalid_scale"


@pytest.mark.parametrize(("value", "expected"), [("W", "W"), (" °C ", "°C"), ("x" * 32, "x" * 32)])
def test_unit_accepted(value: str, expected: str) -> None:
    assert validation.unit(value) == expected


@pytest.mark.parametrize("value", ["", "  ", "x" * 33, "k\nW", "k\x00W", 5, None])
def test_unit_refused(value: object) -> None:
    assert refused(validation.unit, value) == "invalid_unit_text"


def test_every_error_key_is_translated() -> None:
    """Each key reaches a person: a form error or the set_dp action's message."""
    config_errors = STRINGS["config"]["error"]
    options_errors = STRINGS["options"]["error"]
    exceptions = STRINGS["exceptions"]
    for key in (validation.ERROR_DEVICE_ID, validation.ERROR_HOST):
        assert key in config_errors
    for key in (validation.ERROR_DP, validation.ERROR_SCALE, validation.ERROR_UNIT_TEXT):
        assert key in options_errors
    for key in (validation.ERROR_DP, validation.ERROR_VALUE):
        assert "{value}" in exceptions[key]["message"]


def test_bounds_in_the_texts_match_the_code() -> None:
    """The messages state the limits the checks apply."""
    assert f"{validation.VALUE_MIN}" in STRINGS["exceptions"]["invalid_value"]["message"]
    assert f"{validation.VALUE_MAX}" in STRINGS["exceptions"]["invalid_value"]["message"]
    assert f"{validation.MAX_STRING_VALUE}" in STRINGS["exceptions"]["invalid_value"]["message"]
    scale_text = STRINGS["options"]["error"]["invalid_scale"]
    assert f"{validation.SCALE_MIN:f}".rstrip("0") in scale_text
    assert f"{validation.SCALE_MAX:.0f}" in scale_text
    assert f"{validation.MAX_UNIT_LENGTH}" in STRINGS["options"]["error"]["invalid_unit_text"]
