"""The DP detection rule and value conversions of the mapping table."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.tuya_lan.mapping import DpKind, build_descriptions
from custom_components.tuya_lan.overrides import parse_overrides, resolve_specs
from custom_components.tuya_lan.values import MAX_STATE_LENGTH, raw_value, scale_value


def kinds(dps: dict[str, Any], overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Return {dp: kind} for a status."""
    return {dp: spec.kind.value for dp, spec in resolve_specs(dps, overrides or {}).items()}


@pytest.mark.parametrize(
    ("dps", "expected"),
    [
        # layout A: the metering is proved by a mains voltage on DP 6
        (
            {"1": True, "2": 0, "4": 120, "5": 276, "6": 2298, "3": 9},
            {
                "1": "switch",
                "2": "countdown",
                "3": "raw",
                "4": "current",
                "5": "power",
                "6": "voltage",
            },
        ),
        # ... and not by numbers that cannot be a voltage
        (
            {"1": True, "2": 0, "4": 1, "5": 2, "6": 3},
            {"1": "switch", "2": "countdown", "4": "raw", "5": "raw", "6": "raw"},
        ),
        # layout B: DP 17 (add_ele) is mapped before it is first reported
        (
            {"1": True, "9": 0, "18": 250, "19": 550, "20": 2301},
            {
                "1": "switch",
                "9": "countdown",
                "17": "energy",
                "18": "current",
                "19": "power",
                "20": "voltage",
            },
        ),
        # a meter on 21-23 (current, power, voltage), proved by V x I; the integer
        # before it may be a lifetime total as well as add_ele: it stays raw
        (
            {"1": True, "9": 0, "20": 3, "21": 260, "22": 572, "23": 2305},
            {
                "1": "switch",
                "9": "countdown",
                "20": "raw",
                "21": "current",
                "22": "power",
                "23": "voltage",
            },
        ),
        # ... in another order (current, voltage, power)
        (
            {"1": True, "21": 260, "22": 2305, "23": 572},
            {"1": "switch", "21": "current", "22": "voltage", "23": "power"},
        ),
        # ... but with no load nothing proves which is current and which power
        (
            {"1": True, "20": 0, "21": 0, "22": 0, "23": 2305},
            {"1": "switch", "20": "raw", "21": "raw", "22": "raw", "23": "raw"},
        ),
        # on 120 V mains a phone charger draws 80 mA at 1.5 W: a power factor of 0.16
        # still proves the meter (no reading with a typical factor fits another way)
        (
            {"1": True, "9": 0, "21": 80, "22": 15, "23": 1200},
            {"1": "switch", "9": "countdown", "21": "current", "22": "power", "23": "voltage"},
        ),
        # a meter from DP 104 (current, power, voltage)
        (
            {"1": True, "104": 430, "105": 950, "106": 2290},
            {"1": "switch", "104": "current", "105": "power", "106": "voltage"},
        ),
        # plain plugs
        ({"1": False, "9": 0}, {"1": "switch", "9": "countdown"}),
        ({"1": False, "2": 0}, {"1": "switch", "2": "countdown"}),
        # a running countdown proves nothing yet (it could be anything): raw until idle
        ({"1": False, "9": 30}, {"1": "switch", "9": "raw"}),
        # a mains voltage on DP 9 is no countdown; the idle DP 2 is
        ({"1": True, "2": 0, "9": 2296}, {"1": "switch", "2": "countdown", "9": "raw"}),
        # a single-gang wall switch's countdown on 7
        ({"1": True, "7": 0, "14": "memory"}, {"1": "switch", "7": "countdown", "14": "raw"}),
        # two places that fit as well prove nothing
        ({"1": True, "2": 0, "9": 0}, {"1": "switch", "2": "raw", "9": "raw"}),
        # countdowns from 101 (strips)
        (
            {"1": True, "2": True, "101": 0, "102": 0},
            {"1": "switch", "2": "switch", "101": "countdown", "102": "countdown"},
        ),
        # a dual plug metering on 7-9 (120 V, idle): countdowns 10, 11 beside a voltage
        # prove nothing, and the idle meter proves nothing either
        (
            {"1": True, "2": True, "7": 0, "8": 0, "9": 1198, "10": 0, "11": 0},
            {"1": "switch", "2": "switch", **dict.fromkeys(("7", "8", "9", "10", "11"), "raw")},
        ),
        ({"1": False, "9": "x"}, {"1": "switch", "9": "raw"}),
        # a strip with countdowns on 6+k and metering; DP 12 is no countdown (3 gangs)
        (
            {
                "1": True,
                "2": True,
                "3": False,
                "7": 0,
                "8": 0,
                "12": 0,
                "18": 0,
                "19": 0,
                "20": 2300,
            },
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
        # the standard numbering: countdowns on 8+k, USB relay 7 with countdown 15
        (
            {"1": True, "2": False, "7": True, "9": 0, "10": 0, "15": 0, "40": True},
            {
                "1": "switch",
                "2": "switch",
                "7": "switch",
                "9": "countdown",
                "10": "countdown",
                "15": "countdown",
                "40": "config_switch",
            },
        ),
        # power-on behaviour and indicator mode: only values the standard defines
        (
            {"1": True, "38": "power_on", "39": "pos"},
            {"1": "switch", "38": "select", "39": "select"},
        ),
        ({"1": True, "38": "2", "39": "blink"}, {"1": "switch", "38": "raw", "39": "raw"}),
        # at most 6 gangs; a boolean DP 7 is a USB relay only beside its countdown 15
        (
            {str(dp): True for dp in range(1, 8)},
            {**{str(dp): "switch" for dp in range(1, 7)}, "7": "raw"},
        ),
        (
            {"1": True, "7": False},
            {"1": "switch", "7": "raw"},
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
    result = kinds({"1": True, "10": 1, "2": 0}, {"10": {"kind": "power"}})
    assert result == {"1": "switch", "2": "countdown", "10": "power"}


@pytest.mark.parametrize("dp", ["x", "²", "\u0661", "0", "-5", "256", "007", str(10**30), " 1"])
def test_ids_that_cannot_be_a_dp_get_no_entity(dp: str) -> None:
    """Tuya's DP ids are 1-255: anything else a device reports gets no entity at all."""
    assert kinds({dp: True, "1": True}) == {"1": "switch"}
    assert kinds({dp: 5}) == {}


@pytest.mark.parametrize(
    ("stored", "expected", "warned"),
    [
        (None, {}, []),
        ({}, {}, []),
        ("garbage", {}, ["Ignoring the stored DP mappings"]),
        ([["1", {"kind": "raw"}]], {}, ["Ignoring the stored DP mappings"]),
        (
            {"077": {"kind": "countdown", "extra": 1}},
            {"77": {"kind": "countdown"}},
            [],
        ),
        (
            {"19": {"kind": "power", "scale": 10}},
            {"19": {"kind": "power", "scale": 10.0}},
            [],
        ),
        (
            {"1": {"kind": "switch", "device_class": "switch"}},
            {"1": {"kind": "switch", "device_class": "switch"}},
            [],
        ),
        ({"1": {"kind": "switch", "device_class": "temperature"}}, {}, ["DP '1'"]),
        ({"5": {"kind": "sensor", "device_class": ["power"]}}, {}, ["DP '5'"]),
        ({"5": {"kind": ["sensor"]}}, {}, ["DP '5'"]),
        ({"5": {}}, {}, ["DP '5'"]),
        ({"5": []}, {}, ["DP '5'"]),
        ({"5": {"kind": "power", "scale": True}}, {}, ["DP '5'"]),
        pytest.param({"5": {"kind": "power", "scale": 10**5000}}, {}, ["DP '5'"], id="huge"),
        ({"5": {"kind": "sensor", "unit": "x" * 100}}, {}, ["DP '5'"]),
        ({"x": {"kind": "raw"}}, {}, ["DP 'x'"]),
        ({"0": {"kind": "raw"}}, {}, ["DP '0'"]),
        pytest.param({"1" * 5000: {"kind": "raw"}}, {}, ["DP '1111"], id="5000-digits"),
    ],
)
def test_parse_overrides(
    caplog: pytest.LogCaptureFixture, stored: Any, expected: dict[str, Any], warned: list[str]
) -> None:
    """Stored mappings are parsed defensively: a bad one is skipped with one warning."""
    assert parse_overrides(stored) == expected
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == len(warned)
    for warning, text in zip(warnings, warned, strict=True):
        assert text in warning
    resolve_specs({"1": True, "5": 3}, stored)  # never raises


def test_numbering_when_a_kind_repeats() -> None:
    """Several DPs of one kind are numbered; the only relay takes the device name."""
    specs = resolve_specs(
        {"1": True, "2": True, "18": 0, "19": 5, "20": 2300}, {"21": {"kind": "power"}}
    )
    descriptions = build_descriptions(specs)
    assert [d.translation_placeholders for d in descriptions.switches] == [
        {"index": "1"},
        {"index": "2"},
    ]
    power = [d for d in descriptions.sensors if d.key.startswith(DpKind.POWER)]
    assert [d.translation_key for d in power] == ["power_index", "power_index"]
    single = build_descriptions(resolve_specs({"1": True}, {}))
    assert single.switches[0].name is None


def test_devices_alike_share_their_descriptions() -> None:
    """Two plugs of one layout hold one set of (frozen) descriptions between them, not
    a copy each (issue 15: memory per device); a plug that differs gets its own."""
    status = {"1": True, "9": 0, "18": 120, "19": 276, "20": 2298}
    first = build_descriptions(resolve_specs(dict(status), {}))
    second = build_descriptions(resolve_specs(dict(status), {}))
    assert first.switches
    assert first.numbers
    assert first.sensors
    for platform, found in first.by_platform.items():
        assert all(a is b for a, b in zip(found, second.by_platform[platform], strict=True))
    scaled = build_descriptions(resolve_specs(dict(status), {"19": {"kind": "power", "scale": 1}}))
    power = [d for d in first.sensors if d.dp == "19"]
    assert power[0] is not next(d for d in scaled.sensors if d.dp == "19")


def test_countdowns_take_their_switch_number() -> None:
    """A gang's countdown is named after its switch, so the two sort side by side
    ("Switch 3" beside "Switch 3 countdown"), even when a gang has no countdown."""
    specs = resolve_specs({"1": True, "2": True, "3": True, "7": 0, "9": 0}, {})
    descriptions = build_descriptions(specs)
    assert [
        (d.dp, d.translation_key, d.translation_placeholders) for d in descriptions.numbers
    ] == [
        ("7", "countdown_index", {"index": "1"}),
        ("9", "countdown_index", {"index": "3"}),
    ]


def test_device_model() -> None:
    """The model is what a person recognises: the product's name, else what the DPs say."""
    from custom_components.tuya_lan.entity import device_model

    plug = resolve_specs({"1": True, "9": 0, "18": 100, "19": 200, "20": 2300}, {})
    strip = resolve_specs({"1": True, "2": False, "3": False, "4": False}, {})
    wall = resolve_specs(
        {"1": True, "2": False}, {"1": {"kind": "switch", "device_class": "switch"}}
    )
    assert device_model(plug, None) == "Smart plug with power metering"
    assert device_model(plug, "Mini Smart Plug") == "Mini Smart Plug"
    assert device_model(resolve_specs({"1": True}, {}), None) == "Smart plug"
    assert device_model(strip, None) == "4-gang power strip"
    assert device_model(wall, None) == "2-gang switch"
    assert device_model(resolve_specs({"5": "x"}, {}), None) == "Tuya device"


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


def test_power_near_1kw_is_not_taken_for_a_voltage() -> None:
    """Around 1 kW a power in W x 10 (9990) reads like a voltage x 0.01 (99.9 V): the
    meter on 21-23 is proved only by the fit that does not need V x 100."""
    specs = resolve_specs({"1": True, "21": 4350, "22": 9990, "23": 2301}, {})
    assert {dp: specs[dp].kind.value for dp in ("21", "22", "23")} == {
        "21": "current",
        "22": "power",
        "23": "voltage",
    }


def test_implausible_model_scale_is_caught_and_noted() -> None:
    """A model saying scale 0 for voltage and power (core #152295: 2352 V, and 83 W at
    81 mA) is replaced by the plausible scale, and the change is noted."""
    from custom_components.tuya_lan.overrides import resolve
    from custom_components.tuya_lan.tuyalan.cloud_model import DpModel

    model = (
        DpModel.from_values(1, "switch_1", "Boolean", {}),
        DpModel.from_values(18, "cur_current", "Integer", {"unit": "mA", "scale": 0}),
        DpModel.from_values(19, "cur_power", "Integer", {"unit": "W", "scale": 0}),
        DpModel.from_values(20, "cur_voltage", "Integer", {"unit": "V", "scale": 0}),
        DpModel.from_values(17, "add_ele", "Integer", {"unit": "度", "scale": 0}),
    )
    found = resolve({"1": True, "18": 81, "19": 83, "20": 2352}, {}, category="cz", model=model)
    assert found.specs["20"].effective_scale == 0.1
    assert found.specs["19"].effective_scale == 0.1
    assert found.specs["17"].effective_scale == 0.001
    assert set(found.notes) == {"17", "19", "20"}
    assert "2352 V" in found.notes["20"]


def test_breaker_leakage_current_from_the_model() -> None:
    """A breaker's ``leakage_current`` is its own sensor in the model's mA, and is no
    part of the load's reading: the power's scale is still checked against V x I."""
    from custom_components.tuya_lan.overrides import resolve
    from custom_components.tuya_lan.tuyalan.cloud_model import DpModel

    model = (
        DpModel.from_values(16, "switch", "Boolean", {}),
        DpModel.from_values(18, "cur_current", "Integer", {"unit": "mA", "scale": 0}),
        DpModel.from_values(19, "cur_power", "Integer", {"unit": "W", "scale": 0}),
        DpModel.from_values(20, "cur_voltage", "Integer", {"unit": "V", "scale": 1}),
        DpModel.from_values(15, "leakage_current", "Integer", {"unit": "mA", "scale": 0}),
    )
    status = {"16": True, "15": 3, "18": 2600, "19": 5720, "20": 2305}
    found = resolve(status, {}, category="dlq", model=model)
    leakage = found.specs["15"]
    assert (leakage.kind, leakage.role, leakage.unit) == (DpKind.CURRENT, "leakage_current", "mA")
    assert found.specs["19"].effective_scale == 0.1  # 572 W at 2.6 A, not 5720 W
    sensors = {d.dp: d for d in build_descriptions(found.specs).sensors}
    assert sensors["15"].translation_key == "leakage_current"
    assert sensors["15"].native_unit_of_measurement == "mA"
    assert sensors["15"].value_fn(3) == 3
    assert sensors["18"].translation_key is None  # the only load current


def test_cloud_report_type_decides_increment_or_total() -> None:
    """Where the cloud says how an energy DP reports (Smart Life dp-report-types), it
    decides: a ``minux`` add_ele is a total (never summed), a ``sum`` energy DP with a
    code we do not know is an increment; without the hint the code decides."""
    from custom_components.tuya_lan.tuyalan.cloud_model import DpModel

    kwh = {"unit": "kWh", "scale": 3}
    model = (
        DpModel.from_values(1, "switch_1", "Boolean", {}),
        DpModel.from_values(17, "add_ele", "Integer", kwh, report_type="minux"),
        DpModel.from_values(21, "energy_b", "Integer", kwh, report_type="sum"),
        DpModel.from_values(22, "energy_c", "Integer", kwh),
        DpModel.from_values(23, "cur_power", "Integer", {"unit": "W"}, report_type="sum"),
    )
    specs = resolve_specs({"1": True, "17": 5, "21": 3, "22": 1}, {}, category="cz", model=model)
    assert {dp: specs[dp].kind for dp in ("17", "21", "22", "23")} == {
        "17": DpKind.ENERGY_TOTAL,
        "21": DpKind.ENERGY,
        "22": DpKind.RAW,
        "23": DpKind.POWER,
    }
