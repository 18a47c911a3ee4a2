"""The older bulb, the air conditioner and the humidifier of the simulator, through Home
Assistant by both paths: with the data model the fake clouds give them (the model
path), and added by key alone (the older bulb proved by its numbering, the air
conditioner made a thermostat by hand in the options). Each test checks what the
simulated device received and that Home Assistant follows what it reports, its
readings moving on the simulator's clock (``tick``), never on wall time.

Profiles and models: tuya_sim/profiles.py and tuya_sim/cloud.py (Tuya's standard
instruction sets, cited there).
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.climate import SWING_HORIZONTAL, SWING_OFF, SWING_VERTICAL, HVACMode
from homeassistant.components.humidifier.const import HumidifierDeviceClass
from homeassistant.components.light.const import ColorMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from tinytuya import BulbDevice

from .common import DEVICE_ID
from .sim_model import running, wait_for
from .test_options_entities import _make

LIGHT = "light.tuya_efgh"
CLIMATE = "climate.tuya_efgh"
HUMIDIFIER = "humidifier.tuya_efgh"


async def _call(hass: HomeAssistant, domain: str, service: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, data, blocking=True)


def _attribute(hass: HomeAssistant, entity_id: str, name: str) -> Any:
    state = hass.states.get(entity_id)
    return None if state is None else state.attributes.get(name)


def _hsv(colour: str) -> tuple[int, int, int]:
    """An older bulb's colour as tinytuya, an independent client, reads it ("rgb8":
    RRGGBBHHHHSSVV): hue in degrees, saturation and value 0-255."""
    hue, saturation, value = BulbDevice.hexvalue_to_hsv(colour, "rgb8")
    return round(hue * 360), round(saturation * 255), round(value * 255)


# --- the older bulb (DPs 1-5) ------------------------------------------------------


async def _drive_older_bulb(hass: HomeAssistant, sim: Any) -> None:
    """Brightness, colour and white on an older bulb, and the bulb's own change; the
    same for both paths (the light is the same records either way)."""
    state = hass.states.get(LIGHT)
    assert state.state == "on"
    assert set(state.attributes["supported_color_modes"]) == {ColorMode.COLOR_TEMP, ColorMode.HS}
    assert state.attributes["color_mode"] == ColorMode.COLOR_TEMP
    assert state.attributes["brightness"] == 255  # bright_value 255 of 25-255

    # Brightness 1 is the older range's minimum, 25, never below.
    await _call(hass, "light", "turn_on", entity_id=LIGHT, brightness=1)
    assert sim.dps["3"] == 25
    await _call(hass, "light", "turn_on", entity_id=LIGHT, brightness=128)
    assert sim.dps["3"] == 140  # 25 + 127 * 230 / 254
    await wait_for(lambda: _attribute(hass, LIGHT, "brightness") == 128)

    # A colour goes out as RRGGBBHHHHSSVV with the colour mode; V from the brightness.
    await _call(hass, "light", "turn_on", entity_id=LIGHT, hs_color=(240, 100), brightness=255)
    assert sim.dps["2"] == "colour"
    assert sim.dps["5"] == "0000ff00f0ffff"
    assert _hsv(sim.dps["5"]) == (240, 255, 255)
    await wait_for(lambda: _attribute(hass, LIGHT, "color_mode") == ColorMode.HS)
    assert _attribute(hass, LIGHT, "hs_color") == (240.0, 100.0)

    # A colour temperature: white mode, temp_value in 0-255 (2000 K is its 0).
    await _call(hass, "light", "turn_on", entity_id=LIGHT, color_temp_kelvin=2000)
    assert (sim.dps["2"], sim.dps["4"]) == ("white", 0)
    await wait_for(lambda: _attribute(hass, LIGHT, "color_mode") == ColorMode.COLOR_TEMP)

    # The bulb's remote writes a colour alone: the bulb switches itself to colour
    # mode and reports both; Home Assistant follows (green, half saturated, V 128).
    sim.set_dps({"5": "40804000788080"})
    assert sim.dps["2"] == "colour"
    await wait_for(lambda: _attribute(hass, LIGHT, "hs_color") == (120.0, 50.2))
    assert _attribute(hass, LIGHT, "color_mode") == ColorMode.HS
    assert _attribute(hass, LIGHT, "brightness") == round(1 + (128 - 25) * 254 / 230)

    await _call(hass, "light", "turn_off", entity_id=LIGHT)
    assert sim.dps["1"] is False
    await wait_for(lambda: hass.states.get(LIGHT).state == "off")


@pytest.mark.usefixtures("socket_enabled")
async def test_older_bulb_from_the_model(hass: HomeAssistant) -> None:
    """The model's older codes (bright_value 25-255, temp_value 0-255, colour_data):
    one light, commands in the bulb's own ranges and encoding."""
    async with running(hass, "bulb_v1") as dev:
        await _drive_older_bulb(hass, dev.sim)


@pytest.mark.usefixtures("socket_enabled")
async def test_older_bulb_without_an_account(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """Added by its key alone: DPs 1-5 prove the older numbering (a switch beside a
    lighting work mode), and the light behaves as with the model."""
    async with running(hass, "bulb_v1", account=False) as dev:
        assert entity_registry.async_get(LIGHT).unique_id == f"{DEVICE_ID}_1"
        await _drive_older_bulb(hass, dev.sim)


# --- the air conditioner (kt) -------------------------------------------------------


@pytest.mark.usefixtures("socket_enabled")
async def test_air_conditioner_from_the_model(hass: HomeAssistant) -> None:
    """HVAC modes from its mode DP, fan speeds and flaps; the room cools on the
    simulator's clock, faster at a stronger fan speed, and Home Assistant follows."""
    async with running(hass, "air_conditioner") as dev:
        sim = dev.sim
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
        assert state.attributes["fan_modes"] == ["low", "mid", "high", "auto", "strong"]
        assert state.attributes["swing_modes"] == [SWING_OFF, SWING_HORIZONTAL, SWING_VERTICAL]
        assert (state.attributes["temperature"], state.attributes["current_temperature"]) == (
            24,
            27,
        )
        sim.tick(10.0)  # a degree every 10 s at fan speed auto
        await wait_for(lambda: _attribute(hass, CLIMATE, "current_temperature") == 26)

        await _call(hass, "climate", "set_temperature", entity_id=CLIMATE, temperature=22)
        await _call(hass, "climate", "set_fan_mode", entity_id=CLIMATE, fan_mode="strong")
        assert (sim.dps["2"], sim.dps["5"]) == (22, "strong")
        sim.tick(10.0)  # two degrees at strong
        await wait_for(lambda: _attribute(hass, CLIMATE, "current_temperature") == 24)
        assert _attribute(hass, CLIMATE, "fan_mode") == "strong"

        await _call(hass, "climate", "set_swing_mode", entity_id=CLIMATE, swing_mode="vertical")
        assert (sim.dps["6"], sim.dps["7"]) == (False, True)
        await wait_for(lambda: _attribute(hass, CLIMATE, "swing_mode") == SWING_VERTICAL)

        await _call(hass, "climate", "set_hvac_mode", entity_id=CLIMATE, hvac_mode=HVACMode.HEAT)
        assert sim.dps["4"] == "hot"
        await wait_for(lambda: hass.states.get(CLIMATE).state == HVACMode.HEAT)
        await _call(hass, "climate", "set_hvac_mode", entity_id=CLIMATE, hvac_mode=HVACMode.OFF)
        assert sim.dps["1"] is False
        await wait_for(lambda: hass.states.get(CLIMATE).state == HVACMode.OFF)
        sim.tick(30.0)  # off: the room warms back a degree every 30 s
        await wait_for(lambda: _attribute(hass, CLIMATE, "current_temperature") == 25)


@pytest.mark.usefixtures("socket_enabled")
async def test_air_conditioner_made_a_thermostat_by_hand(hass: HomeAssistant) -> None:
    """Added by its key alone, the air conditioner is made a thermostat in the options
    (target, current, switch and mode DPs with the mode's values): its cold mode is
    cool, the room's temperature follows the simulator, and each command reaches the
    DP picked for it."""
    async with running(hass, "air_conditioner", account=False) as dev:
        sim = dev.sim
        assert hass.states.get(CLIMATE) is None  # nothing says these DPs are a thermostat
        await _make(
            hass,
            dev.entry,
            "entity_climate",
            {
                "target": "2",
                "current": "3",
                "switch": "1",
                "scale": 1,
                "unit": "°C",
                "min_temp": 16,
                "max_temp": 30,
                "mode": "4",
                "mode_values": ["auto", "cold", "hot", "wet", "wind"],
            },
        )
        await wait_for(lambda: hass.states.get(CLIMATE) is not None)
        state = hass.states.get(CLIMATE)
        assert state.state == HVACMode.COOL
        assert (state.attributes["min_temp"], state.attributes["max_temp"]) == (16, 30)
        assert state.attributes["current_temperature"] == 27
        sim.tick(10.0)
        await wait_for(lambda: _attribute(hass, CLIMATE, "current_temperature") == 26)
        await _call(hass, "climate", "set_temperature", entity_id=CLIMATE, temperature=21)
        assert sim.dps["2"] == 21
        await wait_for(lambda: _attribute(hass, CLIMATE, "temperature") == 21)
        await _call(hass, "climate", "set_hvac_mode", entity_id=CLIMATE, hvac_mode=HVACMode.DRY)
        assert sim.dps["4"] == "wet"
        await wait_for(lambda: hass.states.get(CLIMATE).state == HVACMode.DRY)
        await _call(hass, "climate", "set_hvac_mode", entity_id=CLIMATE, hvac_mode=HVACMode.OFF)
        assert sim.dps["1"] is False
        await wait_for(lambda: hass.states.get(CLIMATE).state == HVACMode.OFF)


# --- the humidifier (jsq) -----------------------------------------------------------


@pytest.mark.usefixtures("socket_enabled")
async def test_humidifier_from_the_model(hass: HomeAssistant) -> None:
    """Target and modes from the model; the room's humidity rises with the fog on the
    simulator's clock, stops at the target, falls when off, and Home Assistant
    follows."""
    async with running(hass, "humidifier") as dev:
        sim = dev.sim
        state = hass.states.get(HUMIDIFIER)
        assert state.state == "on"
        assert state.attributes["device_class"] == HumidifierDeviceClass.HUMIDIFIER
        assert (state.attributes["humidity"], state.attributes["current_humidity"]) == (55, 41)
        assert state.attributes["mode"] == "middle"
        sim.tick(10.0)  # a percent every 10 s with middle fog
        await wait_for(lambda: _attribute(hass, HUMIDIFIER, "current_humidity") == 42)

        await _call(hass, "humidifier", "set_mode", entity_id=HUMIDIFIER, mode="large")
        await _call(hass, "humidifier", "set_humidity", entity_id=HUMIDIFIER, humidity=44)
        assert (sim.dps["2"], sim.dps["13"]) == ("large", 44)
        sim.tick(100.0)  # every 5 s with large fog, up to the target only
        await wait_for(lambda: _attribute(hass, HUMIDIFIER, "current_humidity") == 44)
        assert sim.dps["14"] == 44

        await _call(hass, "humidifier", "turn_off", entity_id=HUMIDIFIER)
        assert sim.dps["1"] is False
        await wait_for(lambda: hass.states.get(HUMIDIFIER).state == "off")
        sim.tick(60.0)  # off, the room dries a percent a minute
        await wait_for(lambda: _attribute(hass, HUMIDIFIER, "current_humidity") == 43)


@pytest.mark.usefixtures("socket_enabled")
async def test_humidifier_without_an_account(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """Added by its key alone, nothing proves a humidifier (the options make none by
    hand): no humidifier entity is invented; its DP 1 is a switch by the standard
    numbering, which reaches the device and follows it, the rest raw."""
    async with running(hass, "humidifier", account=False) as dev:
        assert hass.states.get(HUMIDIFIER) is None
        switch = entity_registry.async_get_entity_id("switch", "tuya_lan", f"{DEVICE_ID}_1")
        assert switch is not None
        assert hass.states.get(switch).state == "on"
        await _call(hass, "switch", "turn_off", entity_id=switch)
        assert dev.sim.dps["1"] is False
        await wait_for(lambda: hass.states.get(switch).state == "off")
        raw = {
            entry.unique_id
            for entry in er.async_entries_for_config_entry(entity_registry, dev.entry.entry_id)
            if entry.unique_id.endswith("_raw")
        }
        assert raw == {f"{DEVICE_ID}_{dp}_raw" for dp in ("2", "13", "14")}
