"""Lights from the data model, through Home Assistant against the simulated v2 bulb."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from homeassistant.components.light.const import ColorMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import CONF_CATEGORY, CONF_MODEL, DOMAIN
from custom_components.tuya_lan.tuyalan.cloud_model import DpModel

from .common import DEVICE_ID, TITLE, entry_data
from .conftest import DEVICE_PATH, FakeDevice
from .sim_model import running, wait_for

LIGHT = "light.tuya_efgh"


@pytest.mark.usefixtures("socket_enabled")
async def test_bulb_entity_from_the_model(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """DPs 20-24 are one light named after the device: colour and colour temperature
    with core's kelvin range, scenes as effects; no raw sensors for its DPs."""
    async with running(hass, "bulb"):
        state = hass.states.get(LIGHT)
        assert state is not None
        assert state.state == "on"
        assert set(state.attributes["supported_color_modes"]) == {
            ColorMode.COLOR_TEMP,
            ColorMode.HS,
        }
        assert state.attributes["color_mode"] == ColorMode.COLOR_TEMP
        assert state.attributes["min_color_temp_kelvin"] == 2000
        assert state.attributes["max_color_temp_kelvin"] == 6500
        assert state.attributes["effect_list"] == ["scene", "music"]
        # bright_value_v2 500 of 10-1000; temp_value_v2 500 of 0-1000
        assert state.attributes["brightness"] == round(1 + (500 - 10) * 254 / 990)
        assert state.attributes["color_temp_kelvin"] == 4250
        registry = er.async_get(hass)
        assert registry.async_get(LIGHT).unique_id == f"{DEVICE_ID}_20"
        for dp in ("20", "21", "22", "23", "24"):
            assert (
                registry.async_get_entity_id("sensor", "tuya_lan", f"{DEVICE_ID}_{dp}_raw") is None
            )


@pytest.mark.usefixtures("socket_enabled")
async def test_brightness_keeps_the_minimum(hass: HomeAssistant) -> None:
    """Brightness 1 is the DP's minimum (10), never 0; 255 its maximum; the state
    reads back the same."""
    async with running(hass, "bulb") as dev:
        await hass.services.async_call(
            "light", "turn_on", {"entity_id": LIGHT, "brightness": 1}, blocking=True
        )
        assert dev.sim.dps["22"] == 10
        await wait_for(lambda: hass.states.get(LIGHT).attributes.get("brightness") == 1)
        await hass.services.async_call(
            "light", "turn_on", {"entity_id": LIGHT, "brightness": 255}, blocking=True
        )
        assert dev.sim.dps["22"] == 1000
        await wait_for(lambda: hass.states.get(LIGHT).attributes.get("brightness") == 255)


@pytest.mark.usefixtures("socket_enabled")
async def test_colour_goes_out_in_the_device_encoding_in_one_frame(hass: HomeAssistant) -> None:
    """Colour with brightness: work mode, colour (HHHHSSSSVVVV) and switch in one
    frame; the bulb reports colour mode and the light follows."""
    async with running(hass, "bulb") as dev:
        await hass.services.async_call("light", "turn_off", {"entity_id": LIGHT}, blocking=True)
        await wait_for(lambda: hass.states.get(LIGHT).state == "off")
        await hass.services.async_call(
            "light",
            "turn_on",
            {"entity_id": LIGHT, "hs_color": (120, 50), "brightness": 255},
            blocking=True,
        )
        # hue 120 = 0x0078, saturation 50 % = 500 = 0x01f4, V 1000 = 0x03e8
        assert dev.sim.dps["24"] == "007801f403e8"
        assert dev.sim.dps["21"] == "colour"
        assert dev.sim.dps["20"] is True
        await wait_for(lambda: hass.states.get(LIGHT).attributes.get("color_mode") == ColorMode.HS)
        state = hass.states.get(LIGHT)
        assert state.attributes["hs_color"] == (120.0, 50.0)
        assert state.attributes["brightness"] == 255
        # A colour temperature goes back to white
        await hass.services.async_call(
            "light", "turn_on", {"entity_id": LIGHT, "color_temp_kelvin": 2000}, blocking=True
        )
        assert dev.sim.dps["21"] == "white"
        assert dev.sim.dps["23"] == 0
        await wait_for(
            lambda: hass.states.get(LIGHT).attributes.get("color_mode") == ColorMode.COLOR_TEMP
        )
        # A scene is an effect: the work mode
        await hass.services.async_call(
            "light", "turn_on", {"entity_id": LIGHT, "effect": "scene"}, blocking=True
        )
        assert dev.sim.dps["21"] == "scene"
        await wait_for(lambda: hass.states.get(LIGHT).attributes.get("effect") == "scene")


@pytest.mark.usefixtures("socket_enabled")
async def test_a_colour_from_the_device_pushes(hass: HomeAssistant) -> None:
    """The bulb's own change (its app, a remote) reaches Home Assistant."""
    async with running(hass, "bulb") as dev:
        dev.sim.set_dps({"21": "colour", "24": "00f003e80064"})  # 240°, 100 %, V 100
        await wait_for(lambda: hass.states.get(LIGHT).attributes.get("hs_color") == (240.0, 100.0))
        assert hass.states.get(LIGHT).attributes["brightness"] == round(1 + 90 * 254 / 990)


async def test_a_colour_is_one_frame_in_the_older_encoding(hass: HomeAssistant) -> None:
    """An older bulb (bright_value 25-255, colour_data RRGGBBHHHHSSVV): switch, mode and
    colour go out as one set_dps (one frame), in its own encoding."""
    model = [
        DpModel.from_values(1, "switch_led", "Boolean", {}),
        DpModel.from_values(2, "work_mode", "Enum", {"range": ["white", "colour"]}),
        DpModel.from_values(3, "bright_value", "Integer", {"min": 25, "max": 255}),
        DpModel.from_values(5, "colour_data", "String", {}),
    ]
    fake = FakeDevice({"1": False, "2": "white", "3": 25, "5": "ff00000000ffff"})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=DEVICE_ID,
        data=entry_data(**{CONF_CATEGORY: "dj", CONF_MODEL: [dp.to_dict() for dp in model]}),
    )
    with patch(DEVICE_PATH, side_effect=fake.make_device):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        state = hass.states.get(LIGHT)
        # no colour temperature, a white mode: white + HS (as core)
        assert set(state.attributes["supported_color_modes"]) == {ColorMode.HS, ColorMode.WHITE}
        await hass.services.async_call(
            "light",
            "turn_on",
            {"entity_id": LIGHT, "hs_color": (120, 100), "brightness": 255},
            blocking=True,
        )
        assert fake.set_calls == [{"1": True, "2": "colour", "5": "00ff000078ffff"}]
        await hass.services.async_call(
            "light", "turn_on", {"entity_id": LIGHT, "white": 1}, blocking=True
        )
        assert fake.set_calls[-1] == {"1": True, "2": "white", "3": 25}
