"""Fans from the data model, through Home Assistant against the simulated ceiling fan
(Tuya's fsd status set) and a standard fan (fs) with the older enum speed."""

from __future__ import annotations

import pytest
from homeassistant.components.fan import FanEntityFeature
from homeassistant.components.light import ColorMode
from homeassistant.core import HomeAssistant

from custom_components.tuya_lan.tuyalan.cloud_model import DpModel

from .sim_model import running, wait_for

FAN = "fan.tuya_efgh"
LIGHT = "light.tuya_efgh"


@pytest.mark.usefixtures("socket_enabled")
async def test_ceiling_fan_and_its_light(hass: HomeAssistant) -> None:
    """fan_switch, fan_speed 1-100 % as the percentage, fan_mode as presets,
    fan_direction; the fan's light (switch_led, bright_value, temp_value) is a light."""
    async with running(hass, "ceiling_fan") as dev:
        state = hass.states.get(FAN)
        assert state.state == "on"
        assert state.attributes["percentage"] == 40
        assert state.attributes["percentage_step"] == 1
        assert state.attributes["preset_mode"] == "fresh"
        assert state.attributes["preset_modes"] == ["nature", "sleep", "fresh", "smart"]
        assert state.attributes["direction"] == "forward"
        assert state.attributes["supported_features"] == (
            FanEntityFeature.SET_SPEED
            | FanEntityFeature.PRESET_MODE
            | FanEntityFeature.DIRECTION
            | FanEntityFeature.TURN_ON
            | FanEntityFeature.TURN_OFF
        )
        light = hass.states.get(LIGHT)
        assert light.state == "off"
        assert light.attributes["supported_color_modes"] == [ColorMode.COLOR_TEMP]

        await hass.services.async_call(
            "fan", "set_percentage", {"entity_id": FAN, "percentage": 75}, blocking=True
        )
        assert dev.sim.dps["62"] == 75
        await hass.services.async_call(
            "fan", "set_direction", {"entity_id": FAN, "direction": "reverse"}, blocking=True
        )
        assert dev.sim.dps["63"] == "reverse"
        await hass.services.async_call(
            "fan", "set_preset_mode", {"entity_id": FAN, "preset_mode": "sleep"}, blocking=True
        )
        assert dev.sim.dps["61"] == "sleep"
        await wait_for(lambda: hass.states.get(FAN).attributes["direction"] == "reverse")
        assert hass.states.get(FAN).attributes["percentage"] == 75
        assert hass.states.get(FAN).attributes["preset_mode"] == "sleep"

        await hass.services.async_call(
            "fan", "set_percentage", {"entity_id": FAN, "percentage": 0}, blocking=True
        )
        assert dev.sim.dps["60"] is False
        assert dev.sim.dps["62"] == 75  # no "stopped" speed: the switch stops it
        await wait_for(lambda: hass.states.get(FAN).state == "off")
        await hass.services.async_call(
            "fan", "turn_on", {"entity_id": FAN, "percentage": 20}, blocking=True
        )
        assert (dev.sim.dps["60"], dev.sim.dps["62"]) == (True, 20)

        await hass.services.async_call(
            "light", "turn_on", {"entity_id": LIGHT, "brightness": 128}, blocking=True
        )
        assert dev.sim.dps["20"] is True
        await wait_for(lambda: hass.states.get(LIGHT).state == "on")
        assert dev.sim.dps["60"] is True  # the fan is not the light


# Tuya's fan (fs) instruction set with the older speed enum "1"-"4", swing flaps:
# https://developer.tuya.com/en/docs/iot/f?id=K9gf45vs7vkge
FS_MODEL = [
    DpModel.from_values(1, "switch", "Boolean", {}),
    DpModel.from_values(2, "mode", "Enum", {"range": ["nature", "sleep"]}),
    DpModel.from_values(3, "fan_speed", "Enum", {"range": ["1", "2", "3", "4"]}),
    DpModel.from_values(5, "switch_horizontal", "Boolean", {}),
    DpModel.from_values(9, "light", "Boolean", {}),
]
FS_DPS = {"1": True, "2": "nature", "3": "2", "5": False, "9": True}


@pytest.mark.usefixtures("socket_enabled")
async def test_fan_with_speed_steps_and_swing(hass: HomeAssistant) -> None:
    """An enum speed: each step an equal share (2 of 4 is 50 %), a percentage goes
    to its step; switch_horizontal is oscillation; the fan's light switch a light."""
    async with running(hass, "none", category="fs", model=FS_MODEL, dps=FS_DPS) as dev:
        state = hass.states.get(FAN)
        assert state.attributes["percentage"] == 50
        assert state.attributes["percentage_step"] == 25
        assert state.attributes["oscillating"] is False
        assert state.attributes["supported_features"] & FanEntityFeature.OSCILLATE
        assert not state.attributes["supported_features"] & FanEntityFeature.DIRECTION
        assert hass.states.get(LIGHT).state == "on"
        assert hass.states.get(LIGHT).attributes["supported_color_modes"] == [ColorMode.ONOFF]
        await hass.services.async_call(
            "fan", "set_percentage", {"entity_id": FAN, "percentage": 100}, blocking=True
        )
        assert dev.sim.dps["3"] == "4"
        await hass.services.async_call(
            "fan", "oscillate", {"entity_id": FAN, "oscillating": True}, blocking=True
        )
        assert dev.sim.dps["5"] is True
        await hass.services.async_call(
            "fan",
            "turn_on",
            {"entity_id": FAN, "percentage": 30, "preset_mode": "sleep"},
            blocking=True,
        )
        assert (dev.sim.dps["1"], dev.sim.dps["2"], dev.sim.dps["3"]) == (True, "sleep", "2")
        await wait_for(lambda: hass.states.get(FAN).attributes["percentage"] == 50)
        assert hass.states.get(FAN).attributes["oscillating"] is True


@pytest.mark.usefixtures("socket_enabled")
async def test_a_fan_without_a_power_dp_and_odd_values(hass: HomeAssistant) -> None:
    """Without a power DP the fan is on while it turns (and cannot be switched);
    a speed below the range is stopped; a value the model does not list shows no
    speed rather than a wrong one."""
    model = [
        DpModel.from_values(3, "fan_speed", "Integer", {"min": 0, "max": 6, "scale": 0, "step": 1})
    ]
    async with running(hass, "none", category="kj", model=model, dps={"3": 3}) as dev:
        state = hass.states.get(FAN)
        assert state.state == "on"
        assert state.attributes["percentage"] == 50
        assert state.attributes["supported_features"] == FanEntityFeature.SET_SPEED
        dev.sim.set_dps({"3": 0})
        await wait_for(lambda: hass.states.get(FAN).state == "off")
        assert hass.states.get(FAN).attributes["percentage"] == 0
        dev.sim.set_dps({"3": "fast"})
        await wait_for(lambda: hass.states.get(FAN).attributes["percentage"] is None)
        await hass.services.async_call(
            "fan", "set_percentage", {"entity_id": FAN, "percentage": 34}, blocking=True
        )
        assert dev.sim.dps["3"] == 3

    steps = [DpModel.from_values(3, "fan_speed_enum", "Enum", {"range": ["low", "high"]})]
    async with running(hass, "none", category="kj", model=steps, dps={"3": "turbo"}):
        assert hass.states.get(FAN).attributes["percentage"] is None
