"""Climate from the data model, through Home Assistant against the simulated thermostat."""

from __future__ import annotations

import pytest
from homeassistant.components.climate import (
    SWING_BOTH,
    SWING_HORIZONTAL,
    SWING_OFF,
    SWING_VERTICAL,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM

from .category_models import AIR_CONDITIONER, dp
from .sim_model import running, wait_for

CLIMATE = "climate.tuya_efgh"


@pytest.mark.usefixtures("socket_enabled")
async def test_thermostat_from_the_model(hass: HomeAssistant) -> None:
    """Temperatures with the model's scale (x10) and unit, limits and step from the
    model, HVAC modes from switch + mode, the other modes as presets (a second mode of
    one HVAC mode too); the room's temperature is pushed as it changes."""
    async with running(hass, "thermostat") as dev:
        state = hass.states.get(CLIMATE)
        assert state.state == HVACMode.HEAT_COOL
        assert state.attributes["hvac_modes"] == [HVACMode.OFF, HVACMode.HEAT_COOL]
        # auto is heat_cool; manual, which means it too, stays reachable as a preset
        assert state.attributes["preset_modes"] == ["manual", "holiday"]
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
        await hass.services.async_call(
            "climate",
            "set_preset_mode",
            {"entity_id": CLIMATE, "preset_mode": "manual"},
            blocking=True,
        )
        assert dev.sim.dps["4"] == "manual"
        await wait_for(lambda: hass.states.get(CLIMATE).attributes["preset_mode"] == "manual")
        assert hass.states.get(CLIMATE).state == HVACMode.HEAT_COOL


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


@pytest.mark.usefixtures("socket_enabled")
async def test_air_conditioner_fan_swing_humidity(hass: HomeAssistant) -> None:
    """An air conditioner (kt): HVAC modes from its mode range (eco a preset),
    fan_speed_enum as the fan modes, the two flaps as swing modes (every flap set in
    one frame; both on reads as "both", as in core, which offers no "both" to set),
    humidity_set as the target humidity; °C DPs in a °C Home Assistant."""
    case = AIR_CONDITIONER
    async with running(
        hass, "none", category=case.category, model=case.model, dps=dict(case.dps)
    ) as dev:
        state = hass.states.get(CLIMATE)
        assert state.state == HVACMode.COOL
        assert state.attributes["hvac_modes"] == [
            HVACMode.OFF,
            HVACMode.HEAT_COOL,
            HVACMode.COOL,
            HVACMode.HEAT,
            HVACMode.DRY,
            HVACMode.FAN_ONLY,
        ]
        assert state.attributes["preset_modes"] == ["eco"]
        assert state.attributes["fan_modes"] == ["low", "mid", "high", "auto", "strong"]
        assert state.attributes["fan_mode"] == "auto"
        assert state.attributes["swing_modes"] == [SWING_OFF, SWING_HORIZONTAL, SWING_VERTICAL]
        assert state.attributes["swing_mode"] == SWING_OFF
        assert state.attributes["temperature"] == 24
        assert state.attributes["current_temperature"] == 27
        assert (state.attributes["min_temp"], state.attributes["max_temp"]) == (0, 50)
        assert state.attributes["humidity"] == 50
        assert state.attributes["supported_features"] & (
            ClimateEntityFeature.FAN_MODE
            | ClimateEntityFeature.SWING_MODE
            | ClimateEntityFeature.TARGET_HUMIDITY
        )

        await hass.services.async_call(
            "climate", "set_fan_mode", {"entity_id": CLIMATE, "fan_mode": "high"}, blocking=True
        )
        assert dev.sim.dps["5"] == "high"
        await hass.services.async_call(
            "climate",
            "set_swing_mode",
            {"entity_id": CLIMATE, "swing_mode": SWING_HORIZONTAL},
            blocking=True,
        )
        assert (dev.sim.dps["6"], dev.sim.dps["7"]) == (True, False)
        dev.sim.set_dps({"7": True})  # both flaps, set on the remote: read as both
        await wait_for(lambda: hass.states.get(CLIMATE).attributes["swing_mode"] == SWING_BOTH)
        await hass.services.async_call(
            "climate",
            "set_swing_mode",
            {"entity_id": CLIMATE, "swing_mode": SWING_VERTICAL},
            blocking=True,
        )
        assert (dev.sim.dps["6"], dev.sim.dps["7"]) == (False, True)
        await hass.services.async_call(
            "climate", "set_humidity", {"entity_id": CLIMATE, "humidity": 45}, blocking=True
        )
        assert dev.sim.dps["11"] == 45
        await hass.services.async_call(
            "climate", "set_temperature", {"entity_id": CLIMATE, "temperature": 22}, blocking=True
        )
        assert dev.sim.dps["2"] == 22
        assert dev.sim.dps["8"] == 75  # the °F twin is the device's to follow


@pytest.mark.usefixtures("socket_enabled")
async def test_air_conditioner_in_fahrenheit(hass: HomeAssistant) -> None:
    """Home Assistant in °F: the °F twins (temp_set_f, temp_current_f) with their own
    range, and a target goes out on temp_set_f, as core's tuya chooses."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    case = AIR_CONDITIONER
    async with running(
        hass, "none", category=case.category, model=case.model, dps=dict(case.dps)
    ) as dev:
        state = hass.states.get(CLIMATE)
        assert state.attributes["temperature"] == 75
        assert state.attributes["current_temperature"] == 81
        assert (state.attributes["min_temp"], state.attributes["max_temp"]) == (0, 100)
        await hass.services.async_call(
            "climate", "set_temperature", {"entity_id": CLIMATE, "temperature": 70}, blocking=True
        )
        assert dev.sim.dps["8"] == 70
        assert dev.sim.dps["2"] == 24


@pytest.mark.usefixtures("socket_enabled")
async def test_unitless_temperatures_follow_temp_unit_convert(hass: HomeAssistant) -> None:
    """A model that gives no unit: the device's temp_unit_convert says °C or °F."""
    model = [
        dp(1, "switch", "Boolean"),
        dp(2, "temp_set", "Integer", {"min": 40, "max": 90, "scale": 0, "step": 1}),
        dp(4, "mode", "Enum", {"range": ["cold", "hot"]}),
        dp(10, "temp_unit_convert", "Enum", {"range": ["c", "f"]}),
    ]
    dps = {"1": True, "2": 68, "4": "cold", "10": "f"}
    async with running(hass, "none", category="kt", model=model, dps=dps) as dev:
        state = hass.states.get(CLIMATE)
        assert state.attributes["temperature"] == 20  # 68 °F shown in °C
        dev.sim.set_dps({"10": "c", "2": 21})
        await wait_for(lambda: hass.states.get(CLIMATE).attributes["temperature"] == 21)


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize(
    ("category", "on_mode"),
    [("kt", HVACMode.COOL), ("wk", HVACMode.HEAT_COOL), ("qn", HVACMode.HEAT)],
)
async def test_switch_without_mode_takes_the_categorys_mode(
    hass: HomeAssistant, category: str, on_mode: HVACMode
) -> None:
    """A device with a switch but no mode DP: on is the category's HVAC mode, as core's
    tuya has it (switch_only_hvac_mode: an air conditioner cools, a thermostat heats and
    cools, a heater heats), and setting that mode switches it on."""
    model = [
        dp(1, "switch", "Boolean"),
        dp(2, "temp_set", "Integer", {"unit": "℃", "min": 5, "max": 35, "scale": 0, "step": 1}),
        dp(3, "temp_current", "Integer", {"unit": "℃", "min": -20, "max": 50, "scale": 0}),
    ]
    dps = {"1": True, "2": 22, "3": 25}
    async with running(hass, "none", category=category, model=model, dps=dps) as dev:
        state = hass.states.get(CLIMATE)
        assert state.state == on_mode
        assert state.attributes["hvac_modes"] == [HVACMode.OFF, on_mode]
        await hass.services.async_call(
            "climate", "set_hvac_mode", {"entity_id": CLIMATE, "hvac_mode": "off"}, blocking=True
        )
        assert dev.sim.dps["1"] is False
        await wait_for(lambda: hass.states.get(CLIMATE).state == HVACMode.OFF)
        await hass.services.async_call(
            "climate", "set_hvac_mode", {"entity_id": CLIMATE, "hvac_mode": on_mode}, blocking=True
        )
        assert dev.sim.dps["1"] is True
        await wait_for(lambda: hass.states.get(CLIMATE).state == on_mode)
