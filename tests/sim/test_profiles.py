"""Device behaviour over simulated time: countdowns, energy, plausible electrical values."""

from __future__ import annotations

import random
from typing import Any

import pytest
from tinytuya import BulbDevice

from tuya_sim.cloud import PROFILE_CATEGORIES, PROFILE_DPS
from tuya_sim.profiles import (
    AC_AMBIENT,
    HUMIDIFIER_AMBIENT,
    PROFILES,
    PlugProfile,
    Profile,
    StripProfile,
    make_profile,
)


def run(profile: Profile, dps: dict[str, Any], seconds: int) -> list[dict[str, Any]]:
    """Step ``seconds`` times; the pushes, one dict per second that pushed."""
    pushes = []
    for _ in range(seconds):
        pushed = profile.step(dps)
        if pushed:
            pushes.append(pushed)
    return pushes


def plug(layout: str = "B", seed: int = 3) -> tuple[PlugProfile, dict[str, Any]]:
    profile = PlugProfile(layout=layout, rng=random.Random(seed))
    return profile, profile.initial_dps()


def test_layout_b_dps():
    _, dps = plug("B")
    assert set(dps) == {"1", "9", "17", "18", "19", "20"}
    assert dps["1"] is True
    assert all(
        isinstance(dps[dp], int) and not isinstance(dps[dp], bool)
        for dp in ("9", "17", "18", "19", "20")
    )


def test_layout_a_dps():
    _, dps = plug("A")
    assert set(dps) == {"1", "2", "4", "5", "6"}


def test_strip_dps():
    dps = StripProfile().initial_dps()
    assert dps == {"1": False, "2": False, "3": False, "4": False, "7": 0, "8": 0, "9": 0, "10": 0}


@pytest.mark.parametrize(("layout", "countdown"), [("B", "9"), ("A", "2")])
def test_countdown_counts_down_then_toggles_the_switch(layout: str, countdown: str):
    profile, dps = plug(layout)
    dps[countdown] = 3
    run(profile, dps, 2)
    assert (dps[countdown], dps["1"]) == (1, True)
    pushed = profile.step(dps)
    assert dps[countdown] == 0
    assert dps["1"] is False
    assert pushed["1"] is False
    assert pushed[countdown] == 0
    # Stays at zero, the switch is not toggled again.
    run(profile, dps, 5)
    assert (dps[countdown], dps["1"]) == (0, False)


def test_strip_countdown_toggles_its_own_outlet():
    profile = StripProfile()
    dps = profile.initial_dps()
    dps["9"] = 2  # outlet 3
    pushes = run(profile, dps, 2)
    assert pushes == [{"3": True, "9": 0}]
    assert (dps["1"], dps["2"], dps["3"], dps["4"]) == (False, False, True, False)


def test_electrical_values_are_plausible_while_on():
    profile, dps = plug()
    for _ in range(600):
        profile.step(dps)
        assert 2270 <= dps["20"] <= 2330  # 230 V +- 3 V, in 0.1 V
        watts = dps["19"] / 10
        assert 54 <= watts <= 66  # the 60 W load +- 10 %
        assert dps["18"] == pytest.approx(watts / (dps["20"] / 10) * 1000, abs=2)


def test_values_move_and_are_pushed_at_a_report_cadence():
    profile, dps = plug()
    pushes = run(profile, dps, 60)
    # One report about every 10 s, not one a second.
    assert 4 <= len(pushes) <= 7
    assert len({push.get("20") for push in pushes if "20" in push}) > 1


def test_switching_off_zeroes_current_and_power_at_the_next_second():
    profile, dps = plug()
    run(profile, dps, 3)
    dps["1"] = False
    profile.on_set(dps, {"1": False})
    pushed = profile.step(dps)
    assert (pushed["18"], pushed["19"]) == (0, 0)
    assert dps["20"] > 2000  # the mains is still there


def energy_reported(pushes: list[dict[str, Any]]) -> int:
    """add_ele is an increment: the energy used is the sum of what was pushed."""
    return sum(p["17"] for p in pushes if "17" in p)


def test_energy_increments_while_on_only():
    profile, dps = plug()
    pushes = run(profile, dps, 3600)
    # 60 W for an hour is about 60 Wh: add_ele counts 0.001 kWh.
    assert 54 <= energy_reported(pushes) <= 66
    assert all(0 < p["17"] <= 2 for p in pushes if "17" in p)  # small increments
    dps["1"] = False
    profile.on_set(dps, {"1": False})
    assert energy_reported(run(profile, dps, 3600)) <= 1  # at most the rest from before


def test_same_seed_same_story():
    first, first_dps = plug(seed=11)
    second, second_dps = plug(seed=11)
    assert run(first, first_dps, 100) == run(second, second_dps, 100)


def test_profile_names():
    assert make_profile("plug").name == "plug"
    assert make_profile("plug_a").name == "plug_a"
    assert make_profile("strip").name == "strip"
    assert make_profile("none").initial_dps() == {}
    with pytest.raises(ValueError, match="unknown profile"):
        make_profile("kettle")


# --- category profiles: lights, an air conditioner, a humidifier ---------------------


def set_by_client(profile: Profile, dps: dict[str, Any], changed: dict[str, Any]) -> None:
    """What the device does with a client's set: write the DPs, let the profile react."""
    changed = dict(changed)
    dps.update(changed)
    profile.on_set(dps, changed)


def test_older_bulb_dps_and_encoding():
    """DPs 1-5 with the older ranges; the colour is RRGGBBHHHHSSVV as tinytuya's
    BulbDevice ("rgb8") reads it."""
    profile = make_profile("bulb_v1")
    dps = profile.initial_dps()
    assert set(dps) == {"1", "2", "3", "4", "5"}
    assert dps["1"] is True
    assert dps["2"] == "white"
    assert 25 <= dps["3"] <= 255
    assert 0 <= dps["4"] <= 255
    assert len(dps["5"]) == 14
    assert BulbDevice.hexvalue_to_rgb(dps["5"], "rgb8") == (255, 0, 0)
    assert BulbDevice.hexvalue_to_hsv(dps["5"], "rgb8") == (0.0, 1.0, 1.0)
    # tinytuya's own encoding of that red is the value the bulb holds
    assert BulbDevice.rgb_to_hexvalue(255, 0, 0, "rgb8") == dps["5"]


@pytest.mark.parametrize(
    ("profile_name", "colour", "white"),
    [
        ("bulb", ("24", "00f003e803e8"), ("22", 300)),
        ("bulb_v1", ("5", "0000ff00f0ffff"), ("3", 100)),
    ],
)
def test_a_bulb_switches_its_work_mode_with_what_is_written(
    profile_name: str, colour: tuple[str, str], white: tuple[str, int]
):
    """A colour written alone puts the bulb in colour mode, a white value in white
    mode; the mode is reported with the value. A mode written with it stays."""
    profile = make_profile(profile_name)
    dps = profile.initial_dps()
    mode = "21" if profile_name == "bulb" else "2"
    for (dp, value), expected in ((colour, "colour"), (white, "white")):
        changed: dict[str, Any] = {dp: value}
        dps[dp] = value
        profile.on_set(dps, changed)
        assert dps[mode] == changed[mode] == expected  # reported with the value
    set_by_client(profile, dps, {colour[0]: colour[1], mode: "scene"})
    assert dps[mode] == "scene"


def test_air_conditioner_cools_the_room_to_its_target_and_holds_it():
    """Cold: a degree every 10 s at fan speed auto, down to the target, then held;
    each change is pushed, nothing else."""
    profile = make_profile("air_conditioner")
    dps = profile.initial_dps()
    assert dps == {"1": True, "2": 24, "3": 27, "4": "cold", "5": "auto", "6": False, "7": False}
    assert run(profile, dps, 9) == []
    assert run(profile, dps, 1) == [{"3": 26}]
    assert run(profile, dps, 100) == [{"3": 25}, {"3": 24}]
    assert dps["3"] == 24
    # cooling never warms a room that is colder than the target
    set_by_client(profile, dps, {"2": 28})
    assert run(profile, dps, 100) == []


def test_air_conditioner_speed_heat_auto_and_off():
    """A stronger fan moves the room faster; hot warms only; auto goes either way;
    off (or fan only) the room drifts back to the ambient."""
    profile = make_profile("air_conditioner")
    dps = profile.initial_dps()
    set_by_client(profile, dps, {"5": "strong"})
    run(profile, dps, 10)
    assert dps["3"] == 25  # two degrees in 10 s at strong
    set_by_client(profile, dps, {"4": "hot", "2": 27})
    run(profile, dps, 10)
    assert dps["3"] == 27
    set_by_client(profile, dps, {"2": 20})
    assert run(profile, dps, 30) == []  # heating never cools
    set_by_client(profile, dps, {"4": "auto"})
    run(profile, dps, 10)
    assert dps["3"] == 25
    set_by_client(profile, dps, {"4": "wind"})
    run(profile, dps, 30)
    assert dps["3"] == 26  # only moving air: back towards the ambient, slowly
    set_by_client(profile, dps, {"1": False, "4": "cold"})
    run(profile, dps, 600)
    assert dps["3"] == AC_AMBIENT


def test_humidifier_raises_humidity_with_its_fog_and_dries_when_off():
    profile = make_profile("humidifier")
    dps = profile.initial_dps()
    assert dps == {"1": True, "2": "middle", "13": 55, "14": 41}
    assert run(profile, dps, 10) == [{"14": 42}]
    set_by_client(profile, dps, {"2": "large"})
    run(profile, dps, 10)
    assert dps["14"] == 44  # a percent every 5 s at large
    set_by_client(profile, dps, {"13": 45})
    run(profile, dps, 300)
    assert dps["14"] == 45  # up to the target, then held
    set_by_client(profile, dps, {"1": False})
    assert run(profile, dps, 60) == [{"14": 44}]
    run(profile, dps, 3600)
    assert dps["14"] == HUMIDIFIER_AMBIENT


@pytest.mark.parametrize("name", ["bulb_v1", "air_conditioner", "humidifier"])
def test_category_profiles_are_registered(name: str):
    """By name, for the command line and configs, and in the fake clouds' models with
    every DP the device reports."""
    assert name in PROFILES
    profile = make_profile(name)
    assert profile.name == name
    assert {str(dp.dp_id) for dp in PROFILE_DPS[name]} == set(profile.initial_dps())
    assert PROFILE_CATEGORIES[name] == {"bulb_v1": "dj", "air_conditioner": "kt"}.get(name, "jsq")
