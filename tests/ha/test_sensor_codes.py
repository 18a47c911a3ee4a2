"""Sensors and binary sensors named by their code, from the data model of each sensor
category, through Home Assistant against a simulated device with that model.

Each model is a part of Tuya's published standard status set of its category (codes,
types, ranges, scales and units as the set gives them; the DP ids are ours):

* wsdcg  https://developer.tuya.com/en/docs/iot/s?id=K9gf48k1c0sgo (va_* as on the
  many wsdcg devices Home Assistant core's tuya integration reads them from)
* mcs    https://developer.tuya.com/en/docs/iot/s?id=K9gf48hm02l8m
* pir    https://developer.tuya.com/en/docs/iot/s?id=K9gf48cz3utjt
* ywbj   https://developer.tuya.com/en/docs/iot/s?id=K9gf48r5i2iiy
* rqbj   https://developer.tuya.com/en/docs/iot/s?id=K9gf48qj3ipe7
* sj     https://developer.tuya.com/en/docs/iot/s?id=K9gf48ml3r38c
* co2bj  https://developer.tuya.com/en/docs/iot/s?id=K9gf48r6h13dg
* pm25   https://developer.tuya.com/en/docs/iot/s?id=K9gf48r2l6s0y
* ldcg   https://developer.tuya.com/en/docs/iot/s?id=K9gf48abdqwiw
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from homeassistant.const import UnitOfDensity
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.tuya_lan.tuyalan.cloud_model import DpModel

from .sim_model import running, wait_for

BATTERY = {"unit": "%", "min": 0, "max": 100, "scale": 0, "step": 1}
BATTERY_STATE = {"range": ["low", "middle", "high"]}
ALARM = {"range": ["alarm", "normal"]}


def _dp(dp_id: int, code: str, type_: str, values: dict[str, Any]) -> DpModel:
    return DpModel.from_values(dp_id, code, type_, values, mode="ro")


@dataclass(frozen=True)
class Case:
    """A category's model, its DPs, and what each entity shows: (state, device class,
    unit)."""

    category: str
    model: list[DpModel]
    dps: dict[str, Any]
    expected: dict[str, tuple[str, str | None, str | None]]


CASES = {
    "wsdcg": Case(
        "wsdcg",
        [
            _dp(
                1, "va_temperature", "Integer", {"unit": "℃", "min": -400, "max": 2000, "scale": 1}
            ),
            _dp(2, "va_humidity", "Integer", {"unit": "%", "min": 0, "max": 100, "scale": 0}),
            _dp(4, "battery_percentage", "Integer", BATTERY),
        ],
        {"1": 215, "2": 48, "4": 90},
        {
            "sensor.tuya_efgh_temperature": ("21.5", "temperature", "°C"),
            "sensor.tuya_efgh_humidity": ("48", "humidity", "%"),
            "sensor.tuya_efgh_battery": ("90", "battery", "%"),
        },
    ),
    "mcs": Case(
        "mcs",
        [
            _dp(1, "doorcontact_state", "Boolean", {}),
            _dp(3, "battery_state", "Enum", BATTERY_STATE),
        ],
        {"1": True, "3": "middle"},
        {
            "binary_sensor.tuya_efgh_door": ("on", "door", None),
            "sensor.tuya_efgh_battery_state": ("middle", "enum", None),
        },
    ),
    "pir": Case(
        "pir",
        [
            _dp(1, "pir", "Enum", {"range": ["pir", "none"]}),
            _dp(4, "battery_percentage", "Integer", BATTERY),
        ],
        {"1": "none", "4": 55},
        {
            "binary_sensor.tuya_efgh_motion": ("off", "motion", None),
            "sensor.tuya_efgh_battery": ("55", "battery", "%"),
        },
    ),
    "ywbj": Case(
        "ywbj",
        [_dp(1, "smoke_sensor_status", "Enum", ALARM)],
        {"1": "alarm"},
        {"binary_sensor.tuya_efgh_smoke": ("on", "smoke", None)},
    ),
    "rqbj": Case(
        "rqbj",
        [_dp(1, "gas_sensor_status", "Enum", ALARM)],
        {"1": "normal"},
        {"binary_sensor.tuya_efgh_gas": ("off", "gas", None)},
    ),
    "sj": Case(
        "sj",
        [_dp(1, "watersensor_state", "Enum", ALARM)],
        {"1": "alarm"},
        {"binary_sensor.tuya_efgh_moisture": ("on", "moisture", None)},
    ),
    "co2bj": Case(
        "co2bj",
        [_dp(2, "co2_value", "Integer", {"unit": "", "min": 0, "max": 1000, "scale": 1})],
        {"2": 4567},
        {"sensor.tuya_efgh_carbon_dioxide": ("456.7", "carbon_dioxide", "ppm")},
    ),
    "pm25": Case(
        "pm25",
        [
            _dp(2, "pm25_value", "Integer", {"unit": "", "min": 0, "max": 999, "scale": 0}),
            _dp(18, "temp_current", "Integer", {"unit": "℃", "min": -400, "max": 2000, "scale": 1}),
            _dp(19, "humidity_value", "Integer", {"unit": "%", "min": 0, "max": 100, "scale": 0}),
        ],
        {"2": 12, "18": -35, "19": 61},
        {
            "sensor.tuya_efgh_pm2_5": ("12", "pm25", UnitOfDensity.MICROGRAMS_PER_CUBIC_METER),
            "sensor.tuya_efgh_temperature": ("-3.5", "temperature", "°C"),
            "sensor.tuya_efgh_humidity": ("61", "humidity", "%"),
        },
    ),
    "ldcg": Case(
        "ldcg",
        [_dp(2, "bright_value", "Integer", {"unit": "lux", "min": 0, "max": 10000, "scale": 0})],
        {"2": 320},
        {"sensor.tuya_efgh_illuminance": ("320", "illuminance", "lx")},
    ),
}


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_sensors_of_a_category(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, case: Case
) -> None:
    """Every code of the category's model is its entity, with Home Assistant's device
    class and unit and the model's scale; none is left a raw diagnostic."""
    async with running(hass, "none", category=case.category, model=case.model, dps=case.dps) as dev:
        for entity_id, (value, device_class, unit) in case.expected.items():
            state = hass.states.get(entity_id)
            assert state is not None, entity_id
            assert state.state == value, entity_id
            assert state.attributes.get("device_class") == device_class, entity_id
            assert state.attributes.get("unit_of_measurement") == unit, entity_id
        entries = er.async_entries_for_config_entry(entity_registry, dev.entry.entry_id)
        assert not [entry.entity_id for entry in entries if entry.unique_id.endswith("_raw")]


@pytest.mark.usefixtures("socket_enabled")
async def test_a_door_opening_is_pushed(hass: HomeAssistant) -> None:
    """The contact's state follows the device's report; battery readings are
    diagnostics."""
    case = CASES["mcs"]
    async with running(hass, "none", category="mcs", model=case.model, dps=case.dps) as dev:
        dev.sim.set_dps({"1": False})
        await wait_for(lambda: hass.states.get("binary_sensor.tuya_efgh_door").state == "off")
        registry = er.async_get(hass)
        entry = registry.async_get("sensor.tuya_efgh_battery_state")
        assert entry is not None
        assert entry.entity_category == "diagnostic"


@pytest.mark.usefixtures("socket_enabled")
async def test_an_enum_without_the_on_value_stays_raw(hass: HomeAssistant) -> None:
    """A pir DP whose model lists other values is not the motion state the code
    usually is: it is not shown as one (the model, not the code alone, decides)."""
    model = [_dp(1, "pir", "Enum", {"range": ["1", "0"]})]
    async with running(hass, "none", category="pir", model=model, dps={"1": "1"}):
        assert hass.states.get("binary_sensor.tuya_efgh_motion") is None
