"""What the cloud says about a device's DPs is checked and bounded before anything is
stored (issue 14, section 1): Tuya's own bounds, one field or one DP left out, never
the device; and the same checks on what an older version stored."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from custom_components.tuya_lan.tuyalan.cloud_model import (
    MAX_RANGE,
    CloudDevice,
    DpModel,
    merge_model,
    model_from_sharing,
    parse_stored_model,
)
from custom_components.tuya_lan.tuyalan.dpmap import from_model

INT64 = 2**63


def spec(dp_id: Any, code: Any, type_: Any, values: Any) -> dict[str, Any]:
    return {"dp_id": dp_id, "code": code, "type": type_, "values": json.dumps(values)}


def specs(*items: dict[str, Any]) -> dict[str, Any]:
    return {"status": list(items), "functions": []}


def stored_json(model: tuple[DpModel, ...]) -> str:
    """As a config entry is written: strict JSON, every integer within 64 bits."""
    text = json.dumps([dp.to_dict() for dp in model], allow_nan=False)

    def check(value: Any) -> None:
        if isinstance(value, int):
            assert -INT64 <= value < INT64
        elif isinstance(value, dict):
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)

    check(json.loads(text))
    return text


def test_an_integer_past_64_bits_never_reaches_the_entry() -> None:
    """A max of 1e20 once stopped Home Assistant from saving any config entry."""
    model = merge_model(
        specs(
            spec(18, "cur_current", "Integer", {"min": 0, "max": 10**20, "scale": 0, "step": 1}),
            spec(19, "cur_power", "Integer", {"min": -(10**30), "max": 1e20, "step": 10**25}),
        ),
        None,
    )
    current, power = model
    assert (current.min, current.max, current.scale, current.step) == (0, None, 0, 1)
    assert (power.min, power.max, power.step) == (None, None, None)
    stored_json(model)


@pytest.mark.parametrize("scale", [-(10**7), -1, 10, 10**9, 1.5, "9" * 5000, float("nan")])
def test_a_scale_outside_0_to_9_is_left_out(scale: Any) -> None:
    (dp,) = merge_model(specs(spec(20, "cur_voltage", "Integer", {"scale": scale})), None)
    assert dp.scale is None
    started = time.perf_counter()
    from_model("cz", [dp])
    assert time.perf_counter() - started < 0.1


def test_a_scale_out_of_range_in_a_model_made_elsewhere_is_not_raised_to_a_power() -> None:
    """The single point where a scale becomes a factor refuses it too (10**(10**7) took
    5 s in the event loop)."""
    started = time.perf_counter()
    found = from_model(
        "cz",
        [
            DpModel(20, "cur_voltage", "Integer", scale=-(10**7)),
            DpModel(9, "countdown_1", "Integer", unit="s", scale=10**9),
        ],
    )
    assert time.perf_counter() - started < 0.1
    assert found["20"].scale is None
    assert found["9"].scale is None


@pytest.mark.parametrize("dp_id", [-5, 0, 256, 10**30, "1e3", "x", None, True, 2.5])
def test_a_dp_id_that_cannot_be_one_leaves_the_dp_out(dp_id: Any) -> None:
    model = merge_model(
        specs(spec(dp_id, "switch_2", "Boolean", {}), spec(1, "switch_1", "Boolean", {})), None
    )
    assert [dp.dp_id for dp in model] == [1]


@pytest.mark.parametrize(
    ("code", "type_"),
    [
        ("", "Boolean"),
        ("a b", "Boolean"),
        ("x" * 65, "Boolean"),
        ("../x", "Boolean"),
        (["switch"], "Boolean"),
        ("switch_1", "Mystery"),
        ("switch_1", "B" * 10_000),
        ("switch_1", None),
    ],
)
def test_a_code_or_type_that_cannot_be_tuyas_leaves_the_dp_out(code: Any, type_: Any) -> None:
    assert merge_model(specs(spec(1, code, type_, {})), None) == ()


@pytest.mark.parametrize(
    "options",
    [
        [f"mode{i}" for i in range(MAX_RANGE + 1)],
        ["ok", "x" * 65],
        ["ok", 5],
        ["ok", "ok"],
        ["ok", "bad\x1b[31m"],
        [],
        "not a list",
    ],
    ids=["too many", "too long", "not text", "repeated", "escape", "empty", "not a list"],
)
def test_an_enum_without_a_usable_range_is_left_out(options: Any) -> None:
    model = merge_model(
        specs(
            spec(38, "relay_status", "Enum", {"range": options}), spec(1, "switch", "Boolean", {})
        ),
        None,
    )
    assert [dp.dp_id for dp in model] == [1]


def test_labels_units_and_names_are_bounded_and_cleaned() -> None:
    thing = {
        "model": json.dumps(
            {
                "services": [
                    {
                        "properties": [
                            {
                                "abilityId": 26,
                                "code": "fault",
                                "name": "Fault\x1b]0;pwned\x07\n" + "x" * 10_000,
                                "accessMode": "ro",
                                "typeSpec": {
                                    "type": "bitmap",
                                    "label": ["a"] * 3 + [{"b": 1}],
                                    "unit": "\x1b[2J" + "V" * 500,
                                    "maxlen": 10**40,
                                },
                            }
                        ]
                    }
                ]
            }
        )
    }
    (dp,) = merge_model(None, thing)
    assert dp.label == ()
    assert dp.maxlen is None
    assert dp.name is not None
    assert len(dp.name) <= 100
    assert dp.name.isprintable()
    assert dp.name.startswith("Fault]0;pwned")
    assert dp.unit is not None
    assert len(dp.unit) <= 16
    assert dp.unit.isprintable()


def test_min_above_max_leaves_both_out() -> None:
    (dp,) = merge_model(specs(spec(22, "bright_value", "Integer", {"min": 1000, "max": 10})), None)
    assert (dp.min, dp.max) == (None, None)


def test_a_thousand_dps_are_bounded_by_tuyas_ids() -> None:
    items = [spec(i, f"dp_{i}", "Integer", {"max": i}) for i in range(1, 10_001)]
    started = time.perf_counter()
    model = merge_model(specs(*items), None)
    assert time.perf_counter() - started < 0.1
    assert len(model) <= 255
    assert max(dp.dp_id for dp in model) <= 255


def test_values_nested_past_the_parser_are_no_values() -> None:
    deep = "[" * 200_000 + "]" * 200_000
    item = {"dp_id": 1, "code": "switch_1", "type": "Boolean", "values": deep}
    assert merge_model({"status": [item]}, {"model": deep}) == (
        DpModel(1, "switch_1", "Boolean", "ro"),
    )


def test_smart_life_answers_are_checked_as_the_openapi_ones() -> None:
    strategy = {
        "18": {
            "status_code": "cur_current",
            "config_item": {"valueType": "Integer", "valueDesc": '{"max": 1e20, "scale": -9}'},
        },
        "300": {"status_code": "switch_1", "config_item": {"valueType": "Boolean"}},
        "x" * 10_000: {"status_code": "switch_2", "config_item": {"valueType": "Boolean"}},
        "5": {"status_code": "switch_5", "config_item": {"valueType": "Nonsense"}},
    }
    (dp,) = model_from_sharing(strategy, [{"code": "cur_current", "name": "\x1b[31mA"}])
    assert (dp.dp_id, dp.max, dp.scale, dp.name) == (18, None, None, "[31mA")


class SdkDevice:
    """What the sharing SDK hands out: attributes as the cloud sent them."""

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)


@pytest.mark.parametrize("device_id", ["b" * 202, "../../etc/passwd", "", 12, "bf 01"])
def test_a_device_id_that_cannot_be_tuyas_is_refused(device_id: Any) -> None:
    with pytest.raises(ValueError, match="no usable device id"):
        CloudDevice.from_api({"id": device_id, "local_key": "0123456789abcdef"})
    with pytest.raises(ValueError, match="no usable device id"):
        CloudDevice.from_sharing(SdkDevice(id=device_id, local_key="0123456789abcdef"))


def test_device_fields_are_bounded() -> None:
    device = CloudDevice.from_api(
        {
            "id": "bf00000000000000aa01",
            "name": "\x1b[2JPlug\u202e" + "n" * 10_000,
            "local_key": "k" * 100_000_000,
            "product_id": "p" * 1000,
            "category": "c z",
            "product_name": 5,
            "ip": "1.2.3.4\n",
            "uid": ["x"],
            "online": "yes",
        }
    )
    assert device.local_key is None
    assert device.name.startswith("[2JPlug")
    assert len(device.name) <= 100
    assert (device.product_id, device.category, device.product_name) == (None, None, None)
    assert (device.ip, device.uid, device.online) == (None, None, None)


def test_an_entry_stored_by_an_older_version_is_read_checked() -> None:
    """What went into an entry before these checks: read back within them."""
    stored = [
        {"dp_id": 18, "code": "cur_current", "type": "Integer", "values": {"max": 10**20}},
        {"dp_id": 19, "code": "cur_power", "type": "Integer", "values": {"scale": -(10**9)}},
        {"dp_id": 0, "code": "switch", "type": "Boolean", "values": {}},
        {"dp_id": 1, "code": "switch_1", "type": "Boolean", "values": {}},
        {"dp_id": 1, "code": "switch_1_again", "type": "Boolean", "values": {}},
        "not a DP",
        {"dp_id": 2, "code": "x", "type": "Enum", "values": {"range": ["a"] * 500}},
    ]
    model = parse_stored_model(stored)
    assert [(dp.dp_id, dp.code) for dp in model] == [
        (1, "switch_1"),
        (18, "cur_current"),
        (19, "cur_power"),
    ]
    assert model[1].max is None
    assert model[2].scale is None
    stored_json(model)
    device = CloudDevice.from_dict({"id": "bf00000000000000aa01", "name": "x", "model": stored})
    assert device.model == model
