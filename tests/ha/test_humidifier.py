"""Humidifiers (jsq) and dehumidifiers (cs) from the data model, through Home Assistant
against a simulated device with that model (models: ``category_models``, cited there)."""

from __future__ import annotations

import pytest
from homeassistant.components.humidifier.const import (
    HumidifierDeviceClass,
    HumidifierEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .category_models import DEHUMIDIFIER, HUMIDIFIER
from .sim_model import running, wait_for

ENTITY = "humidifier.tuya_efgh"


@pytest.mark.usefixtures("socket_enabled")
async def test_humidifier_from_the_model(hass: HomeAssistant) -> None:
    """switch, humidity_set with the model's range, humidity_current, mode as the modes;
    each command is the DP the model names."""
    case = HUMIDIFIER
    async with running(
        hass, "none", category=case.category, model=case.model, dps=dict(case.dps)
    ) as dev:
        state = hass.states.get(ENTITY)
        assert state.state == "on"
        assert state.attributes["device_class"] == HumidifierDeviceClass.HUMIDIFIER
        assert state.attributes["humidity"] == 55
        assert state.attributes["current_humidity"] == 41
        assert state.attributes["min_humidity"] == 0
        assert state.attributes["max_humidity"] == 100
        assert state.attributes["mode"] == "middle"
        assert state.attributes["available_modes"] == [
            "large",
            "middle",
            "small",
            "interval",
            "continuous",
        ]
        assert state.attributes["supported_features"] == HumidifierEntityFeature.MODES

        await hass.services.async_call(
            "humidifier", "set_humidity", {"entity_id": ENTITY, "humidity": 60}, blocking=True
        )
        assert dev.sim.dps["13"] == 60
        await hass.services.async_call(
            "humidifier", "set_mode", {"entity_id": ENTITY, "mode": "small"}, blocking=True
        )
        assert dev.sim.dps["2"] == "small"
        await hass.services.async_call(
            "humidifier", "turn_off", {"entity_id": ENTITY}, blocking=True
        )
        assert dev.sim.dps["1"] is False
        await wait_for(lambda: hass.states.get(ENTITY).state == "off")
        dev.sim.set_dps({"14": 47})
        await wait_for(lambda: hass.states.get(ENTITY).attributes["current_humidity"] == 47)


@pytest.mark.usefixtures("socket_enabled")
async def test_dehumidifier_range_and_step(hass: HomeAssistant) -> None:
    """A dehumidifier: dehumidify_set_value 35-80 in steps of 5 and humidity_indoor; a
    target off the grid goes out on it, one outside the range never reaches it."""
    case = DEHUMIDIFIER
    async with running(
        hass, "none", category=case.category, model=case.model, dps=dict(case.dps)
    ) as dev:
        state = hass.states.get(ENTITY)
        assert state.state == "off"
        assert state.attributes["device_class"] == HumidifierDeviceClass.DEHUMIDIFIER
        assert state.attributes["min_humidity"] == 35
        assert state.attributes["max_humidity"] == 80
        assert state.attributes["humidity"] == 50
        assert state.attributes["current_humidity"] == 63
        await hass.services.async_call(
            "humidifier", "turn_on", {"entity_id": ENTITY}, blocking=True
        )
        assert dev.sim.dps["1"] is True
        await hass.services.async_call(
            "humidifier", "set_humidity", {"entity_id": ENTITY, "humidity": 57}, blocking=True
        )
        assert dev.sim.dps["4"] == 55
        with pytest.raises(ServiceValidationError):
            await hass.services.async_call(
                "humidifier", "set_humidity", {"entity_id": ENTITY, "humidity": 20}, blocking=True
            )
        assert dev.sim.dps["4"] == 55
