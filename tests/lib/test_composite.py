"""Entities made of several DPs: which DPs the model makes a light, cover, climate or fan."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from custom_components.tuya_lan.tuyalan.cloud_model import DpModel
from custom_components.tuya_lan.tuyalan.dpmap import (
    USER_KINDS,
    DpKind,
    composite_parts,
    describe,
    split_groups,
)


def _dp(dp_id: int, code: str, type_: str, **values: Any) -> DpModel:
    return DpModel.from_values(dp_id, code, type_, values)


BULB_V2 = (
    _dp(20, "switch_led", "Boolean"),
    _dp(21, "work_mode", "Enum", range=["white", "colour", "scene"]),
    _dp(22, "bright_value_v2", "Integer", min=10, max=1000, scale=0, step=1),
    _dp(23, "temp_value_v2", "Integer", min=0, max=1000, scale=0, step=1),
    _dp(24, "colour_data_v2", "Json"),
)


def test_a_bulb_is_one_light_of_its_dps() -> None:
    groups, leftover = split_groups(describe({}, category="dj", model=BULB_V2).specs)
    assert leftover == []
    assert len(groups) == 1
    light = groups[0]
    assert light.kind is DpKind.LIGHT
    assert light.main == "20"
    assert light.dps == {"20", "21", "22", "23", "24"}
    brightness = light.part("brightness")
    assert brightness is not None
    assert (brightness.minimum, brightness.maximum) == (10, 1000)


def test_the_v2_code_wins_and_the_older_one_stays_raw() -> None:
    model = (*BULB_V2, _dp(3, "bright_value", "Integer", min=25, max=255))
    specs = describe({"3": 100}, category="dj", model=model).specs
    assert specs["22"].kind is DpKind.LIGHT
    assert specs["3"].kind is DpKind.RAW


def test_an_older_bulb_uses_its_own_codes() -> None:
    model = (
        _dp(1, "switch_led", "Boolean"),
        _dp(3, "bright_value", "Integer", min=25, max=255),
        _dp(5, "colour_data", "String"),
    )
    groups, _ = split_groups(describe({}, category="dj", model=model).specs)
    assert groups[0].part("brightness").code == "bright_value"  # type: ignore[union-attr]
    assert groups[0].part("colour").code == "colour_data"  # type: ignore[union-attr]


def test_a_two_gang_dimmer_is_two_lights() -> None:
    model = (
        _dp(1, "switch_led_1", "Boolean"),
        _dp(2, "bright_value_1", "Integer", min=10, max=1000),
        _dp(7, "switch_led_2", "Boolean"),
        _dp(8, "bright_value_2", "Integer", min=10, max=1000),
    )
    groups, _ = split_groups(describe({}, category="tgkg", model=model).specs)
    assert [(group.index, group.main, sorted(group.dps)) for group in groups] == [
        (1, "1", ["1", "2"]),
        (2, "7", ["7", "8"]),
    ]


def test_a_plug_keeps_its_indicator_and_a_light_needs_its_switch() -> None:
    # switch_led on a socket is its indicator, not a light
    plug = describe({}, category="cz", model=(_dp(20, "switch_led", "Boolean"),)).specs
    assert plug["20"].kind is DpKind.CONFIG_SWITCH
    # brightness alone makes no light
    assert composite_parts("dj", (_dp(22, "bright_value_v2", "Integer"),)) == {}
    # a DP of the wrong type is no part
    assert composite_parts("dj", (_dp(20, "switch_led", "Integer"),)) == {}


def test_a_two_curtain_switch_shares_its_motor_direction() -> None:
    model = (
        _dp(1, "control", "Enum", range=["open", "stop", "close"]),
        _dp(2, "percent_control", "Integer", min=0, max=100),
        _dp(3, "control_2", "Enum", range=["open", "stop", "close"]),
        _dp(4, "percent_control_2", "Integer", min=0, max=100),
        _dp(8, "control_back_mode", "Enum", range=["forward", "back"]),
    )
    groups, leftover = split_groups(describe({}, category="clkg", model=model).specs)
    assert leftover == []
    assert [(group.index, sorted(group.dps)) for group in groups] == [
        (None, ["1", "2", "8"]),
        (2, ["3", "4", "8"]),
    ]


def test_a_part_whose_entity_lost_its_switch_is_left_over() -> None:
    specs = describe({}, category="dj", model=BULB_V2).specs
    specs["20"] = replace(specs["20"], kind=DpKind.SWITCH, role=None)
    groups, leftover = split_groups(specs)
    assert groups == []
    assert {spec.dp for spec in leftover} == {"21", "22", "23", "24"}


def test_composite_kinds_are_not_offered_to_the_user() -> None:
    assert DpKind.LIGHT not in USER_KINDS
    assert DpKind.SWITCH in USER_KINDS


# Tuya's fan (fs) instruction set: https://developer.tuya.com/en/docs/iot/f?id=K9gf45vs7vkge
FAN_FS = (
    _dp(1, "switch", "Boolean"),
    _dp(2, "mode", "Enum", range=["nature", "sleep"]),
    _dp(3, "fan_speed_percent", "Integer", min=1, max=100, scale=0, step=1),
    _dp(4, "fan_speed", "Enum", range=["1", "2", "3", "4"]),
    _dp(5, "switch_vertical", "Boolean"),
    _dp(8, "fan_direction", "Enum", range=["forward", "reverse"]),
    _dp(9, "light", "Boolean"),
    _dp(10, "bright_value", "Integer", min=10, max=1000, scale=0, step=1),
)


def test_a_fan_and_its_light_from_the_fs_codes() -> None:
    """The stepless speed wins over the legacy enum one (which stays raw); the fan's
    power is its switch, not a relay; ``light`` and ``bright_value`` are its light."""
    specs = describe({"4": "2"}, category="fs", model=FAN_FS).specs
    groups, leftover = split_groups(specs)
    assert leftover == []
    by_kind = {group.kind: group for group in groups}
    fan = by_kind[DpKind.FAN]
    assert fan.main == "1"
    assert fan.dps == {"1", "2", "3", "5", "8"}
    assert fan.part("speed").code == "fan_speed_percent"  # type: ignore[union-attr]
    assert fan.part("oscillate").code == "switch_vertical"  # type: ignore[union-attr]
    assert by_kind[DpKind.LIGHT].dps == {"9", "10"}
    assert specs["4"].kind is DpKind.RAW


def test_an_enum_speed_is_a_fan_speed_and_a_fan_needs_switch_or_speed() -> None:
    model = (_dp(3, "fan_speed", "Enum", range=["low", "high"]),)
    groups, _ = split_groups(describe({}, category="fs", model=model).specs)
    assert groups[0].part("speed").options == ("low", "high")  # type: ignore[union-attr]
    only_direction = (_dp(8, "fan_direction", "Enum", range=["forward", "reverse"]),)
    assert composite_parts("fs", only_direction) == {}
    # a plug's switch is no fan
    assert composite_parts("cz", (_dp(1, "switch", "Boolean"),)) == {}


def test_a_climate_switch_carries_its_categorys_on_mode() -> None:
    """Where no mode DP says what "on" does, the category does (in Tuya's mode words,
    on the switch part); a category that does not say leaves it empty, and a device
    with a mode DP keeps it too (the mode DP decides, the switch's is a fallback)."""
    model = (
        _dp(1, "switch", "Boolean"),
        _dp(2, "temp_set", "Integer", min=5, max=35, scale=0, step=1),
    )
    on_mode = {
        category: composite_parts(category, model)["1"].options
        for category in ("kt", "ktkzq", "wk", "wkf", "qn", "rs")
    }
    assert on_mode == {
        "kt": ("cold",),
        "ktkzq": ("cold",),
        "wk": ("auto",),
        "wkf": ("hot",),
        "qn": ("hot",),
        "rs": ("hot",),
    }
    with_mode = (*model, _dp(4, "mode", "Enum", range=["cold", "hot"]))
    assert composite_parts("kt", with_mode)["4"].options == ("cold", "hot")
