"""Covers from the data model, through Home Assistant against the simulated curtain motor."""

from __future__ import annotations

import pytest
from homeassistant.components.cover import CoverEntityFeature
from homeassistant.core import HomeAssistant

from .sim_model import running, wait_for

COVER = "cover.tuya_efgh_curtain"


@pytest.mark.usefixtures("socket_enabled")
async def test_curtain_opens_moves_and_reports(hass: HomeAssistant) -> None:
    """Open/close/stop via control, position from percent_state (Tuya's 100 closed is
    Home Assistant's 0), set through percent_control; the motor moves over time."""
    async with running(hass, "curtain") as dev:
        state = hass.states.get(COVER)
        assert state.state == "closed"
        assert state.attributes["current_position"] == 0
        assert state.attributes["device_class"] == "curtain"
        assert state.attributes["supported_features"] == (
            CoverEntityFeature.OPEN
            | CoverEntityFeature.CLOSE
            | CoverEntityFeature.STOP
            | CoverEntityFeature.SET_POSITION
        )
        await hass.services.async_call(
            "cover", "set_cover_position", {"entity_id": COVER, "position": 70}, blocking=True
        )
        assert dev.sim.dps["2"] == 30  # inverted into Tuya's count
        dev.sim.tick(3.0)  # 10 % a second: 100 -> 70 (Tuya), 0 -> 30 (HA)
        await wait_for(lambda: hass.states.get(COVER).attributes["current_position"] == 30)
        assert hass.states.get(COVER).state == "open"
        dev.sim.tick(5.0)
        await wait_for(lambda: hass.states.get(COVER).attributes["current_position"] == 70)
        await hass.services.async_call("cover", "open_cover", {"entity_id": COVER}, blocking=True)
        assert dev.sim.dps["1"] == "open"
        await hass.services.async_call("cover", "stop_cover", {"entity_id": COVER}, blocking=True)
        assert dev.sim.dps["1"] == "stop"
        await hass.services.async_call("cover", "close_cover", {"entity_id": COVER}, blocking=True)
        assert dev.sim.dps["1"] == "close"


@pytest.mark.usefixtures("socket_enabled")
async def test_motor_set_back_is_not_inverted_twice(hass: HomeAssistant) -> None:
    """With control_back_mode "back" the device reports positions the other way
    round already (make-all/tuya-local#5486): no second inversion."""
    async with running(hass, "curtain") as dev:
        dev.sim.set_dps({"5": "back", "3": 80})
        await wait_for(lambda: hass.states.get(COVER).attributes["current_position"] == 80)
        await hass.services.async_call(
            "cover", "set_cover_position", {"entity_id": COVER, "position": 40}, blocking=True
        )
        assert dev.sim.dps["2"] == 40
