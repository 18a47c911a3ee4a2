"""Bulbs without an account: Tuya's lighting numbering (DPs 20-24 on v2 firmware, 1-5
on older bulbs) makes a light only when the reported values prove it, and never an
entity for a DP the device did not report. Statuses: tests/fixtures/status/bulb_*.json."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from homeassistant.components.light import ColorMode
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.light import TuyaLanLight
from custom_components.tuya_lan.mapping import DpKind, DpSpec, build_descriptions
from custom_components.tuya_lan.overrides import resolve_specs
from custom_components.tuya_lan.tuyalan.dpmap import from_numbers, spec_from_dict, spec_to_dict

from .common import DEVICE_ID, load_status
from .conftest import FakeDevice

BULB_V2 = load_status("bulb_v2")
BULB_V1 = load_status("bulb_v1")
LIGHT = "light.tuya_efgh"


@pytest.fixture
def platforms() -> list[str]:
    """The light and the raw sensors."""
    return [Platform.LIGHT, Platform.SENSOR]


def _roles(dps: dict[str, Any]) -> dict[str, str | None]:
    return {
        dp: spec.role for dp, spec in resolve_specs(dps, {}).items() if spec.kind is DpKind.LIGHT
    }


def test_both_generations_are_proved() -> None:
    """Every part the values prove, with the generation's standard code."""
    assert _roles(BULB_V2) == {
        "20": "switch",
        "21": "work_mode",
        "22": "brightness",
        "23": "colour_temp",
        "24": "colour",
    }
    assert from_numbers(BULB_V2)["22"].code == "bright_value_v2"
    assert _roles(BULB_V1) == {
        "1": "switch",
        "2": "work_mode",
        "3": "brightness",
        "4": "colour_temp",
        "5": "colour",
    }
    assert from_numbers(BULB_V1)["5"].code == "colour_data"
    # what the entry keeps of a proof brings the generation back (its code)
    for dp, spec in from_numbers(BULB_V2).items():
        assert spec_from_dict(spec_to_dict(spec)) == spec, dp


@pytest.mark.parametrize(
    ("dps", "expected"),
    [
        # a work mode that is no lighting mode: nothing is proved
        ({**BULB_V2, "21": "eco"}, {}),
        # a colour that is not 12 hex characters is left raw, the rest stays a light
        ({"20": True, "21": "white", "22": 500, "24": "xyz"}, {"20", "21", "22"}),
        # a brightness outside 10-1000 is not one
        ({"20": True, "21": "white", "22": 5000}, {"20", "21"}),
        # a plug's DPs 1-2 (switch and countdown) are no bulb
        ({"1": True, "2": 0, "3": 128}, set()),
        # DPs never reported get no entity
        ({"20": True, "21": "white"}, {"20", "21"}),
    ],
    ids=["no-mode", "bad-colour", "bad-brightness", "plug", "unreported"],
)
def test_only_what_the_values_prove(dps: dict[str, Any], expected: Any) -> None:
    """The light needs its switch and a lighting work mode; each other part its form."""
    assert set(_roles(dps)) == set(expected)


@pytest.mark.parametrize("device_status", [BULB_V2])
@pytest.mark.usefixtures("init_integration")
async def test_v2_bulb_without_a_model(
    hass: HomeAssistant, fake_device: FakeDevice, entity_registry: er.EntityRegistry
) -> None:
    """A v2 bulb without an account: colour and colour temperature, the colour from
    DP 24, brightness in 10-1000; a colour goes out in the v2 encoding in one frame;
    scene_data and countdown stay raw sensors."""
    state = hass.states.get(LIGHT)
    assert state.state == "on"
    assert set(state.attributes["supported_color_modes"]) == {ColorMode.HS, ColorMode.COLOR_TEMP}
    assert state.attributes["color_mode"] == ColorMode.HS
    assert state.attributes["hs_color"] == (240.0, 100.0)
    assert state.attributes["effect_list"] == ["scene", "music"]
    await hass.services.async_call(
        "light",
        "turn_on",
        {"entity_id": LIGHT, "hs_color": (0, 100), "brightness": 255},
        blocking=True,
    )
    assert fake_device.set_calls == [{"20": True, "21": "colour", "24": "000003e803e8"}]
    raw = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, hass.config_entries.async_entries("tuya_lan")[0].entry_id
        )
        if entry.unique_id.endswith("_raw")
    }
    assert raw == {f"{DEVICE_ID}_25_raw", f"{DEVICE_ID}_26_raw"}


@pytest.mark.parametrize("device_status", [BULB_V1])
@pytest.mark.usefixtures("init_integration")
async def test_v1_bulb_without_a_model(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """An older bulb: brightness in 25-255 and the 14-character colour encoding."""
    state = hass.states.get(LIGHT)
    assert state.attributes["color_mode"] == ColorMode.COLOR_TEMP
    assert state.attributes["brightness"] == 115  # raw 128 of 25-255: 1 + 103 * 254 / 230
    await hass.services.async_call(
        "light", "turn_on", {"entity_id": LIGHT, "brightness": 255}, blocking=True
    )
    assert fake_device.set_calls == [{"1": True, "3": 255}]


class _StubCoordinator:
    """What a light reads of its coordinator: the device's id, entry and values."""

    def __init__(self, dps: dict[str, Any]) -> None:
        self.device_id = DEVICE_ID
        self.config_entry = MockConfigEntry(domain="tuya_lan", title="Bulb", data={})
        self.specs: dict[str, Any] = {}
        self.data = SimpleNamespace(dps=dps, changed=frozenset())


@pytest.mark.parametrize(
    ("maximum", "hs_color"),
    [(1000, (240.0, 100.0)), (255, None)],
    ids=["v2-range", "older-range"],
)
def test_a_light_mapped_by_hand_takes_its_generation_from_its_range(
    maximum: int, hs_color: Any
) -> None:
    """Parts without a code (the options flow's manual path): a brightness range past
    255 is the v2 set, and the colour follows it (a 12-character colour reads only as
    v2)."""
    specs = {
        "20": DpSpec(dp="20", kind=DpKind.LIGHT, role="switch"),
        "22": DpSpec(dp="22", kind=DpKind.LIGHT, role="brightness", minimum=10, maximum=maximum),
        "24": DpSpec(dp="24", kind=DpKind.LIGHT, role="colour"),
    }
    (description,) = build_descriptions(specs).by_platform[Platform.LIGHT]
    stub = _StubCoordinator({"20": True, "22": 500, "24": "00f003e803e8"})
    light = TuyaLanLight(cast("Any", stub), cast("Any", description))
    assert light.hs_color == hs_color
