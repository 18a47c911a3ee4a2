"""The DP detection rule and value conversions of the mapping table."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.tuya_lan.mapping import (
    MAX_STATE_LENGTH,
    DpKind,
    build_descriptions,
    raw_value,
    resolve_specs,
    scale_value,
)


def kinds(dps: dict[str, Any], overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Return {dp: kind} for a status."""
    return {dp: spec.kind.value for dp, spec in resolve_specs(dps, overrides or {}).items()}


@pytest.mark.parametrize(
    ("dps", "expected"),
    [
        # layout A
        (
            {"1": True, "2": 0, "4": 1, "5": 2, "6": 3, "3": 9},
            {
                "1": "switch",
                "2": "countdown",
                "3": "raw",
                "4": "current",
                "5": "power",
                "6": "voltage",
            },
        ),
        # layout B: DP 17 (add_ele) is mapped before it is first reported
        (
            {"1": True, "9": 0, "18": 1, "19": 2, "20": 3},
            {
                "1": "switch",
                "9": "countdown",
                "17": "energy",
                "18": "current",
                "19": "power",
                "20": "voltage",
            },
        ),
        # plain plugs
        ({"1": False, "9": 30}, {"1": "switch", "9": "countdown"}),
        ({"1": False, "2": 30}, {"1": "switch", "2": "countdown"}),
        ({"1": False, "9": "x"}, {"1": "switch", "9": "raw"}),
        # a strip with metering; DP 12 is no countdown (only 3 gangs)
        (
            {"1": True, "2": True, "3": False, "7": 0, "8": 0, "12": 0, "19": 5},
            {
                "1": "switch",
                "2": "switch",
                "3": "switch",
                "7": "countdown",
                "8": "countdown",
                "12": "raw",
                "17": "energy",
                "18": "current",
                "19": "power",
                "20": "voltage",
            },
        ),
        # at most 6 gangs
        (
            {str(dp): True for dp in range(1, 8)},
            {**{str(dp): "switch" for dp in range(1, 7)}, "7": "raw"},
        ),
        # DP 1 is not a relay: nothing is guessed
        ({"1": 50, "20": 3}, {"1": "raw", "20": "raw"}),
        ({}, {}),
    ],
)
def test_detection(dps: dict[str, Any], expected: dict[str, str]) -> None:
    """Defaults follow the documented rule."""
    assert kinds(dps) == expected


def test_overrides_win_and_sort() -> None:
    """Overrides replace detected kinds; DPs are sorted numerically."""
    result = kinds({"1": True, "10": 1, "2": 0}, {"10": {"kind": "power"}, "x": {"kind": "raw"}})
    assert result == {"1": "switch", "2": "countdown", "10": "power", "x": "raw"}


def test_numbering_when_a_kind_repeats() -> None:
    """Several DPs of one kind are numbered; the only relay takes the device name."""
    specs = resolve_specs({"1": True, "2": True, "19": 5}, {"21": {"kind": "power"}})
    descriptions = build_descriptions(specs)
    assert [d.translation_placeholders for d in descriptions.switches] == [
        {"index": "1"},
        {"index": "2"},
    ]
    power = [d for d in descriptions.sensors if d.key.startswith(DpKind.POWER)]
    assert [d.translation_key for d in power] == ["power_index", "power_index"]
    single = build_descriptions(resolve_specs({"1": True}, {}))
    assert single.switches[0].name is None


def test_values() -> None:
    """Scaling rounds to the scale's decimals; raw values always fit in a state."""
    assert scale_value(2301, 0.1) == 230.1
    assert scale_value(3, 0.001) == 0.003
    assert scale_value(7, 1) == 7
    assert scale_value(7, None) == 7
    assert scale_value(7, 10) == 70
    assert scale_value(True, 0.1) is None
    assert scale_value("12", 0.1) is None
    assert scale_value(None, 0.1) is None
    assert raw_value(None) is None
    assert raw_value(True) is True
    assert raw_value({"a": [1, 2]}) == '{"a":[1,2]}'
    assert len(raw_value("x" * 1000)) == MAX_STATE_LENGTH  # type: ignore[arg-type]
