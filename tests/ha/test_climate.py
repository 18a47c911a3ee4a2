"""Climate from the data model, through Home Assistant against the simulated thermostat."""

from __future__ import annotations

import pytest
from homeassistant.components.climate import HVACMode
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .sim_model import running, wait_for

CLIMATE = "climate.tuya_efgh"


@pytest.mark.usefixtures("socket_enabled")
async def test_thermostat_from_the_model(hass: HomeAssistant) -> None:
    """Temperatures with the model's scale (x10) and unit, limits and step from the
    model, HVAC modes from switch + mode, the other modes as presets; the room's
    temperature is pushed as it changes."""
    async with running(hass, "thermostat") as dev:
        state = hass.states.get(CLIMATE)
        assert state.state == HVACMode.HEAT_COOL
        assert state.attributes["hvac_modes"] == [HVACMode.OFF, HVACMode.HEAT_COOL]
        assert state.attributes["preset_modes"] == ["holiday"]
        assert state.attributes["current_temperature"] == 19.5
        assert state.attributes["temperature"] == 21.0
        assert state.attributes["min_temp"] == 5.0
        assert state.attributes["max_temp"] == 35.0
        assert state.attributes["target_temp_step"] == 0.5
        dev.sim.tick(3.0)  # heating: 0.1 °C a second
        await wait_for(lambda: hass.states.get(CLIMATE).attributes["current_temperature"] == 19.8)
        await hass.services.async_call(
            "climate", "set_temperature", {"entity_id": CLIMATE, "temperature": 22.5}, blocking=True
        )
        assert dev.sim.dps["2"] == 225
        await wait_for(lambda: hass.states.get(CLIMATE).attributes["temperature"] == 22.5)
        await hass.services.async_call(
            "climate", "set_hvac_mode", {"entity_id": CLIMATE, "hvac_mode": "off"}, blocking=True
        )
        assert dev.sim.dps["1"] is False
        await wait_for(lambda: hass.states.get(CLIMATE).state == HVACMode.OFF)
        await hass.services.async_call(
            "climate",
            "set_preset_mode",
            {"entity_id": CLIMATE, "preset_mode": "holiday"},
            blocking=True,
        )
        assert dev.sim.dps["4"] == "holiday"
        await hass.services.async_call(
            "climate",
            "set_hvac_mode",
            {"entity_id": CLIMATE, "hvac_mode": "heat_cool"},
            blocking=True,
        )
        assert dev.sim.dps["1"] is True
        assert dev.sim.dps["4"] == "auto"


@pytest.mark.usefixtures("socket_enabled")
async def test_target_out_of_range_is_refused(hass: HomeAssistant) -> None:
    """A target past the model's limits never reaches the device."""
    async with running(hass, "thermostat") as dev:
        with pytest.raises(ServiceValidationError):
            await hass.services.async_call(
                "climate",
                "set_temperature",
                {"entity_id": CLIMATE, "temperature": 60},
                blocking=True,
            )
        assert dev.sim.dps["2"] == 210
