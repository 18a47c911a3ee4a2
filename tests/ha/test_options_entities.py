"""Options flow, without an account: make a light, cover, fan or thermostat of the DPs a
device reported (issue 16 item 3), then the entities exist and commands go out as the
right DPs; and the flow's words (issue 19 item 6): kinds and values in words, a DP
whose kind changes keeps its name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.climate.const import HVACMode
from homeassistant.components.light.const import ColorMode
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import CONF_DPS
from custom_components.tuya_lan.overrides import parse_overrides, resolve_specs
from custom_components.tuya_lan.tuyalan.dpmap import DpKind

from .common import DEVICE_ID, STATUS_STRIP
from .conftest import FakeDevice

# A device with no model: a bulb's DPs (50-54: Tuya's standard 20-24 would prove a light by
# themselves), a curtain motor's (101-103), a fan's
# (111-114) and a thermostat's (121-124), as the device reports them.
STATUS: dict[str, Any] = {
    "50": True,
    "51": "white",
    "52": 500,
    "53": 300,
    "54": "000003e803e8",
    "101": "stop",
    "102": 30,
    "103": 30,
    "111": True,
    "112": "low",
    "113": False,
    "114": "forward",
    "121": True,
    "122": 215,
    "123": 198,
    "124": "manual",
}
LIGHT = "light.tuya_efgh"
COVER = "cover.tuya_efgh_curtain"
FAN = "fan.tuya_efgh"
CLIMATE = "climate.tuya_efgh"


@pytest.fixture
def device_status() -> dict[str, Any]:
    """The DPs the fake device reports."""
    return dict(STATUS)


async def _step(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await hass.config_entries.options.async_configure(flow_id, data)
    return result


async def _entity_form(hass: HomeAssistant, entry: MockConfigEntry, step: str) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert "add_entity" in result["menu_options"]
    result = await _step(hass, result["flow_id"], {"next_step_id": "add_entity"})
    assert result["menu_options"] == [
        "entity_light",
        "entity_cover",
        "entity_fan",
        "entity_climate",
    ]
    result = await _step(hass, result["flow_id"], {"next_step_id": step})
    assert result["type"] is FlowResultType.FORM
    return result


def _choices(result: dict[str, Any], field: str) -> dict[str, str]:
    options = result["data_schema"].schema[field].config["options"]
    return {option["value"]: option["label"] for option in options}


async def _make(
    hass: HomeAssistant, entry: MockConfigEntry, step: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Fill a kind's form, save, and wait for the reload."""
    result = await _entity_form(hass, entry, step)
    result = await _step(hass, result["flow_id"], data)
    assert result["type"] is FlowResultType.MENU, result.get("errors")
    assert result["step_id"] == "init_changed"
    result = await _step(hass, result["flow_id"], {"next_step_id": "save"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return result


async def _call(hass: HomeAssistant, domain: str, service: str, data: dict[str, Any]) -> None:
    await hass.services.async_call(domain, service, data, blocking=True)


async def test_light_by_hand(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """The light's form offers only reported DPs of each part's type, with their
    values; the light made of them has the ranges entered, and commands go out as its
    DPs in the chosen encoding, in one frame."""
    entry = init_integration
    assert hass.states.get(LIGHT) is None  # nothing says these DPs are a light
    result = await _entity_form(hass, entry, "entity_light")
    flow_id = result["flow_id"]
    assert _choices(result, "switch") == {
        "50": "50 (on)",
        "111": "111 (on)",
        "113": "113 (off)",
        "121": "121 (on)",
    }
    assert set(_choices(result, "colour")) == {"51", "54", "101", "112", "114", "124"}

    for dp in ("52", "99"):  # an integer is no switch; 99 was never reported
        with pytest.raises(InvalidData):
            await _step(hass, flow_id, {"switch": dp})
    result = await _step(hass, flow_id, {"switch": "50", "brightness": "52", "colour_temp": "52"})
    assert result["errors"] == {"colour_temp": "dp_twice"}
    result = await _step(
        hass,
        flow_id,
        {"switch": "50", "brightness": "52", "brightness_min": 10, "brightness_max": 10},
    )
    assert result["errors"] == {"brightness_max": "invalid_range"}
    result = await _step(
        hass,
        flow_id,
        {
            "switch": "50",
            "work_mode": "51",
            "brightness": "52",
            "brightness_min": 10,
            "brightness_max": 1000,
            "colour_temp": "53",
            "colour": "54",
            "encoding": "v2",
        },
    )
    assert result["step_id"] == "init_changed"
    # One change a line, as markdown bullets (no comma of one language between them).
    assert result["description_placeholders"]["overrides"].startswith(
        "\n- DP 50: Light (On/off)\n- DP 51: Light (Work mode (white, colour, scene))"
        "\n- DP 52: Light (Brightness)\n"
    )
    await _step(hass, flow_id, {"next_step_id": "save"})
    await hass.async_block_till_done()
    assert entry.options[CONF_DPS]["52"] == {
        "kind": "light",
        "role": "brightness",
        "minimum": 10,
        "maximum": 1000,
        "code": "bright_value_v2",
    }

    state = hass.states.get(LIGHT)
    assert state is not None
    assert state.state == "on"
    assert set(state.attributes["supported_color_modes"]) == {ColorMode.COLOR_TEMP, ColorMode.HS}
    assert state.attributes["brightness"] == round(1 + (500 - 10) * 254 / 990)
    # The parts are the light's: no raw sensors of their own.
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("sensor", "tuya_lan", f"{DEVICE_ID}_22_raw") is None

    fake_device.set_calls.clear()
    await _call(hass, "light", "turn_on", {"entity_id": LIGHT, "brightness": 255})
    assert fake_device.set_calls == [{"50": True, "52": 1000}]
    await _call(hass, "light", "turn_on", {"entity_id": LIGHT, "hs_color": [120, 50]})
    colour = fake_device.set_calls[-1]
    assert colour.keys() == {"50", "51", "54"}
    assert colour["51"] == "colour"
    assert colour["54"][:8] == "007801f4"  # HHHHSSSSVVVV: hue 120, saturation 500 of 1000
    await _call(hass, "light", "turn_off", {"entity_id": LIGHT})
    assert fake_device.set_calls[-1] == {"50": False}


async def test_older_bulb_encoding(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """The older encoding: brightness 25-255 (and colour_data RRGGBBHHHHSSVV)."""
    await _make(
        hass,
        init_integration,
        "entity_light",
        {"switch": "50", "brightness": "52", "colour": "54", "work_mode": "51", "encoding": "v1"},
    )
    fake_device.set_calls.clear()
    await _call(hass, "light", "turn_on", {"entity_id": LIGHT, "brightness": 1})
    await _call(hass, "light", "turn_on", {"entity_id": LIGHT, "hs_color": [0, 100]})
    assert fake_device.set_calls[0] == {"50": True, "52": 25}
    assert fake_device.set_calls[1]["54"].startswith("ff0000" + "0000" + "ff")


async def test_cover_by_hand(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """A cover of the control (with the device's own words) and position DPs; a
    position counted as Home Assistant counts it is not inverted."""
    entry = init_integration
    result = await _entity_form(hass, entry, "entity_cover")
    result = await _step(hass, result["flow_id"], {"inverted": True})
    assert result["errors"] == {"base": "needs_part"}
    result = await _step(
        hass, result["flow_id"], {"control": "101", "open": "fz", "close": "zz", "stop": "zz"}
    )
    assert result["errors"] == {"stop": "invalid_options"}
    await _make(
        hass,
        entry,
        "entity_cover",
        {
            "control": "101",
            "open": "fz",
            "close": "zz",
            "stop": "stop",
            "position_set": "102",
            "position": "103",
            "inverted": False,
        },
    )
    state = hass.states.get(COVER)
    assert state is not None
    assert state.attributes["current_position"] == 30
    fake_device.set_calls.clear()
    await _call(hass, "cover", "open_cover", {"entity_id": COVER})
    await _call(hass, "cover", "stop_cover", {"entity_id": COVER})
    await _call(hass, "cover", "set_cover_position", {"entity_id": COVER, "position": 80})
    assert fake_device.set_calls == [{"101": "fz"}, {"101": "stop"}, {"102": 80}]


async def test_cover_by_hand_tuya_direction(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """Tuya's standard (0 % open) is inverted for Home Assistant, as the model path does."""
    await _make(hass, init_integration, "entity_cover", {"position_set": "102", "inverted": True})
    state = hass.states.get(COVER)
    assert state is not None
    assert state.attributes["current_position"] == 70
    fake_device.set_calls.clear()
    await _call(hass, "cover", "open_cover", {"entity_id": COVER})  # by position
    assert fake_device.set_calls == [{"102": 0}]


async def test_fan_by_hand(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """A fan with an enum speed (its values slowest first), oscillation and direction."""
    entry = init_integration
    result = await _entity_form(hass, entry, "entity_fan")
    result = await _step(hass, result["flow_id"], {"switch": "111", "speed": "112"})
    assert result["errors"] == {"speed_values": "invalid_options"}  # an enum needs them
    await _make(
        hass,
        entry,
        "entity_fan",
        {
            "switch": "111",
            "speed": "112",
            "speed_values": ["low", "middle", "high"],
            "oscillate": "113",
            "direction": "114",
        },
    )
    state = hass.states.get(FAN)
    assert state is not None
    assert state.state == "on"
    assert state.attributes["percentage"] == 33
    assert state.attributes["oscillating"] is False
    assert state.attributes["direction"] == "forward"
    fake_device.set_calls.clear()
    await _call(hass, "fan", "set_percentage", {"entity_id": FAN, "percentage": 100})
    await _call(hass, "fan", "oscillate", {"entity_id": FAN, "oscillating": True})
    await _call(hass, "fan", "set_direction", {"entity_id": FAN, "direction": "reverse"})
    assert fake_device.set_calls == [{"112": "high"}, {"113": True}, {"114": "reverse"}]


async def test_thermostat_by_hand(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """A thermostat in tenths of a degree with limits entered in degrees; the target
    goes back scaled, within the limits."""
    entry = init_integration
    result = await _entity_form(hass, entry, "entity_climate")
    result = await _step(hass, result["flow_id"], {"target": "122", "scale": 0})
    assert result["errors"] == {"scale": "invalid_scale"}
    result = await _step(hass, result["flow_id"], {"target": "122", "min_temp": 30, "max_temp": 5})
    assert result["errors"] == {"max_temp": "invalid_range"}
    await _make(
        hass,
        entry,
        "entity_climate",
        {
            "target": "122",
            "current": "123",
            "switch": "121",
            "scale": 0.1,
            "unit": "°C",
            "min_temp": 5,
            "max_temp": 35,
            "mode": "124",
            "mode_values": ["auto", "manual", "holiday"],
        },
    )
    state = hass.states.get(CLIMATE)
    assert state is not None
    assert state.attributes["temperature"] == 21.5
    assert state.attributes["current_temperature"] == 19.8
    assert state.attributes["min_temp"] == 5
    assert state.attributes["max_temp"] == 35
    assert state.attributes["preset_modes"] == ["manual", "holiday"]  # manual is heat too: a preset
    fake_device.set_calls.clear()
    await _call(hass, "climate", "set_temperature", {"entity_id": CLIMATE, "temperature": 22})
    await _call(hass, "climate", "set_temperature", {"entity_id": CLIMATE, "temperature": 34.9})
    await _call(hass, "climate", "set_hvac_mode", {"entity_id": CLIMATE, "hvac_mode": HVACMode.OFF})
    assert fake_device.set_calls == [{"122": 220}, {"122": 349}, {"121": False}]


async def test_resetting_a_part_removes_the_entity(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """ "Default" on one part of a hand-made entity removes all its parts."""
    entry = init_integration
    await _make(hass, entry, "entity_fan", {"switch": "111", "oscillate": "113"})
    assert hass.states.get(FAN) is not None
    result = await hass.config_entries.options.async_init(entry.entry_id)
    flow_id = result["flow_id"]
    await _step(hass, flow_id, {"next_step_id": "pick_dp"})
    result = await _step(hass, flow_id, {"dp": "113"})
    assert result["description_placeholders"]["current"] == "Fan (Oscillation)"
    result = await _step(hass, flow_id, {"kind": "default"})
    assert result["step_id"] == "init"
    await _step(hass, flow_id, {"next_step_id": "save"})
    await hass.async_block_till_done()
    assert entry.options[CONF_DPS] == {}
    assert hass.states.get(FAN) is None


async def test_no_entity_before_the_device_reported(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Without reported DPs (the entry not loaded) no entity can be made."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await _step(hass, result["flow_id"], {"next_step_id": "add_entity"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_reported_dps"


@pytest.mark.parametrize(
    "override",
    [
        {"kind": "light", "role": "nonsense"},
        {"kind": "light"},
        {"kind": "cover", "role": "control", "labels": ["open", "close"]},
        {"kind": "cover", "role": "position_set", "minimum": 100, "maximum": 0},
        {"kind": "cover", "role": "position_set", "minimum": 2**40},
        {"kind": "cover", "role": "position_set", "inverted": "yes"},
        {"kind": "light", "role": "colour", "code": "colour_data_v9"},
        {"kind": "light", "role": "switch", "index": 99},
        {"kind": "fan", "role": "speed", "step": 0},
        {"kind": "switch", "name": ""},
        {"kind": "switch", "name": "x" * 101},
    ],
)
def test_hand_edited_parts_are_checked(override: dict[str, Any]) -> None:
    """A stored part that makes no sense is left out (the DP keeps its default)."""
    assert parse_overrides({"20": override}) == {}


def test_parts_become_the_models_records() -> None:
    """Stored parts resolve to the specs the model path gives (kind, role, range,
    code), so the same groups and entities follow."""
    stored = {
        "20": {"kind": "light", "role": "switch"},
        "22": {"kind": "light", "role": "brightness", "minimum": 10, "maximum": 1000},
    }
    specs = resolve_specs({"20": True, "22": 500}, stored)
    assert specs["22"].kind is DpKind.LIGHT
    assert (specs["22"].role, specs["22"].minimum, specs["22"].maximum) == ("brightness", 10, 1000)
    assert specs["20"].overridden


@pytest.mark.parametrize("device_status", [STATUS_STRIP])
async def test_the_changes_are_punctuated_in_the_users_language(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Chinese: "DP 3" and its entity's name take the full-width colon, no ASCII ": "."""
    hass.config.language = "zh-Hans"
    chinese = json.loads(
        (
            Path(__file__).parents[2] / "custom_components/tuya_lan/translations/zh-Hans.json"
        ).read_text(encoding="utf-8")
    )
    kind = chinese["selector"]["kind"]["options"]["config_switch"]
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    flow_id = result["flow_id"]
    await _step(hass, flow_id, {"next_step_id": "pick_dp"})
    await _step(hass, flow_id, {"dp": "3"})
    result = await _step(hass, flow_id, {"kind": "config_switch"})
    colon = "\N{FULLWIDTH COLON}"
    assert result["description_placeholders"] == {
        "overrides": f"\n- DP 3{colon}Switch 3{colon}{kind}"
    }


@pytest.mark.parametrize("device_status", [STATUS_STRIP])
async def test_dp_words_and_kept_names(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Issue 19 item 6: the picker shows "1 · Switch 1 (on)", the changes say the kind
    in words, and a DP whose kind changes keeps its name."""
    entry = init_integration
    result = await hass.config_entries.options.async_init(entry.entry_id)
    flow_id = result["flow_id"]
    result = await _step(hass, flow_id, {"next_step_id": "pick_dp"})
    labels = _choices(result, "dp")
    assert labels["1"] == "1 · Switch 1 (on)"
    assert labels["2"] == "2 · Switch 2 (off)"
    await _step(hass, flow_id, {"dp": "3"})
    result = await _step(hass, flow_id, {"kind": "config_switch"})
    assert result["description_placeholders"] == {
        "overrides": "\n- DP 3: Switch 3: Configuration switch (a setting, such as child lock)"
    }
    # A kind with details suggests the name it has.
    await _step(hass, flow_id, {"next_step_id": "pick_dp"})
    await _step(hass, flow_id, {"dp": "2"})
    result = await _step(hass, flow_id, {"kind": "sensor"})
    name = next(key for key in result["data_schema"].schema if str(key) == "name")
    assert name.description == {"suggested_value": "Switch 2"}
    await _step(hass, flow_id, {"name": "Pump"})
    await _step(hass, flow_id, {"next_step_id": "save"})
    await hass.async_block_till_done()
    assert entry.options[CONF_DPS] == {
        "3": {"kind": "config_switch", "name": "Switch 3"},
        "2": {"kind": "sensor", "name": "Pump"},
    }
    entity_id = entity_registry.async_get_entity_id("switch", "tuya_lan", f"{DEVICE_ID}_3")
    assert entity_id is not None
    entity = entity_registry.async_get(entity_id)
    assert entity is not None
    assert entity.original_name == "Switch 3"  # not "DP 3"
    assert entity.entity_category == "config"
    sensor = entity_registry.async_get_entity_id("sensor", "tuya_lan", f"{DEVICE_ID}_2")
    assert sensor is not None
    assert entity_registry.async_get(sensor).original_name == "Pump"


async def test_no_sub_device_to_edit(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A device without sub-devices has none to pick."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await _step(hass, result["flow_id"], {"next_step_id": "pick_child"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_children"


async def test_fan_with_a_number_speed(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """An integer speed is a percentage of the range entered."""
    await _make(
        hass,
        init_integration,
        "entity_fan",
        {"switch": "111", "speed": "102", "speed_min": 1, "speed_max": 100},
    )
    state = hass.states.get(FAN)
    assert state is not None
    assert state.attributes["percentage"] == 30
    fake_device.set_calls.clear()
    await _call(hass, "fan", "set_percentage", {"entity_id": FAN, "percentage": 50})
    assert fake_device.set_calls == [{"102": 50}]
