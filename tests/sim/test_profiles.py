"""Device behaviour over simulated time: countdowns, energy, plausible electrical values."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tuya_sim.profiles import PlugProfile, Profile, StripProfile, make_profile


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
