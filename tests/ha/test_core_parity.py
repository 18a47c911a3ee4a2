"""Parity with Home Assistant core's cloud tuya integration (issue 16, "done when").

For each category model we test with, the entities we create from the model are
compared with what core's description tables (read from the installed homeassistant
package, see core_tuya_dump.py) would create for the same DP codes: the platform and
DP code of each entity, its device class, and its unit where core's table gives a
static one. Every difference is listed in DIFFERENCES with the reason it is
deliberate; a difference that is not listed (or a listed one that is gone) fails.

Core's one-entity-per-device platforms (climate, fan, humidifier) take their DPs from
tuya-device-handlers, not from a table: core makes a climate entity for every category
of its table, a fan when the device has any of the handlers' fan codes and a
humidifier when it has any of the humidifier's codes (tuya-device-handlers
``definition/fan.py`` and ``definition/humidifier.py``, the version core 2026.10 pins).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from custom_components.tuya_lan.descriptions import (
    RAW_SUFFIX,
    TuyaLanCompositeEntityDescription,
    TuyaLanHumidifierEntityDescription,
    TuyaLanSensorEntityDescription,
)
from custom_components.tuya_lan.humidifier import device_class_of
from custom_components.tuya_lan.mapping import build_descriptions
from custom_components.tuya_lan.tuyalan.dpmap import describe
from tuya_sim.cloud import PROFILE_CATEGORIES

from .category_models import AIR_CONDITIONER, DEHUMIDIFIER, HUMIDIFIER, CategoryModel
from .sim_model import model_of
from .test_fan import FS_MODEL
from .test_sensor_codes import CASES

ROOT = Path(__file__).parents[2]
ONE_PER_DEVICE = ("climate", "fan", "humidifier")
# tuya-device-handlers' fan codes (definition/fan.py: switch, speed, oscillate, direction).
FAN_CODES = frozenset(
    {"switch_fan", "fan_switch", "switch", "fan_speed_percent", "fan_speed", "speed"}
    | {"fan_speed_enum", "switch_horizontal", "switch_vertical", "fan_direction"}
)

type Entity = tuple[str, str]  # (platform, DP code); "" for one entity per device
type Shown = tuple[str | None, str | None]  # (device class, unit)


def _profile(profile: str) -> CategoryModel:
    return CategoryModel(PROFILE_CATEGORIES[profile], model_of(profile), {})


FIXTURES: dict[str, CategoryModel] = {
    "plug": _profile("plug"),
    "bulb": _profile("bulb"),
    "curtain": _profile("curtain"),
    "thermostat": _profile("thermostat"),
    "ceiling_fan": _profile("ceiling_fan"),
    "bulb_v1": _profile("bulb_v1"),
    "air_conditioner_sim": _profile("air_conditioner"),
    "humidifier_sim": _profile("humidifier"),
    "fan": CategoryModel("fs", FS_MODEL, {}),
    "air_conditioner": AIR_CONDITIONER,
    "humidifier": HUMIDIFIER,
    "dehumidifier": DEHUMIDIFIER,
    **{
        f"sensor_{name}": CategoryModel(case.category, case.model, {})
        for name, case in CASES.items()
    },
}

# What differs from core, on purpose: (fixture, platform, code) -> why. The README's
# developer notes (*Parity with core tuya*) sum these up.
_ONE_DP_ONE_ENTITY = (
    "a DP is one entity here: the (de)humidifier shows the room's humidity as its "
    "current_humidity (recorded in history too), core adds a humidity sensor of the "
    "same DP"
)
CORE_ONLY: dict[tuple[str, str, str], str] = {
    ("curtain", "select", "control_back_mode"): (
        "the motor direction is a part of the cover (it decides the position's "
        "inversion, make-all/tuya-local#5486); a select would flip it under the cover"
    ),
    ("humidifier", "sensor", "humidity_current"): _ONE_DP_ONE_ENTITY,
    ("humidifier_sim", "sensor", "humidity_current"): _ONE_DP_ONE_ENTITY,
    ("dehumidifier", "sensor", "humidity_indoor"): _ONE_DP_ONE_ENTITY,
    ("dehumidifier", "fan", ""): (
        "core's handlers make a fan of any device with a switch code: on a "
        "dehumidifier it is a second entity for the same power DP"
    ),
}
OURS_ONLY: dict[tuple[str, str, str], str] = {
    ("plug", "number", "countdown_1"): (
        "core has no countdown entity for any plug category (REUSE_TUYA_DEFS.md §3); "
        "ours is a number with a Switches-at sensor"
    ),
    ("bulb", "number", "countdown"): "as for plugs: the lighting set's countdown DP",
    **{
        ("sensor_pm25", "sensor", code): (
            "core's table has no pm25 category; we name a reading by its code in "
            "any category (dpmap.CODE_ROWS)"
        )
        for code in ("pm25_value", "temp_current", "humidity_value")
    },
}
# Shown differently (device class or static unit): (fixture, platform, code) -> why.
SHOWN_DIFFERENTLY: dict[tuple[str, str, str], str] = {}


@pytest.fixture(scope="module")
def core_tables() -> dict[str, Any]:
    """Core's tables, read in a process of its own (see core_tuya_dump.py)."""
    found = subprocess.run(
        [sys.executable, "-m", "tests.ha.core_tuya_dump"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    tables: dict[str, Any] = json.loads(found.stdout)
    return tables


def _plain(value: Any) -> str | None:
    return None if value is None else str(value)


def core_entities(tables: dict[str, Any], fixture: CategoryModel) -> dict[Entity, Shown]:
    """What core's tables make of the model's DP codes."""
    codes = {dp.code for dp in fixture.model}
    found: dict[Entity, Shown] = {}
    for platform, by_category in tables.items():
        for row in by_category.get(fixture.category, ()):
            if platform in ONE_PER_DEVICE:
                wanted: set[str] | None = None
                if platform == "fan":
                    wanted = set(FAN_CODES)
                elif platform == "humidifier":
                    wanted = {*row["dpcode"], row["current_humidity"], row["humidity"]}
                if wanted is None or codes & wanted:
                    found[platform, ""] = (row["device_class"], None)
                continue
            code = row["dpcode"] or row["key"]
            if isinstance(code, list):
                code = next((one for one in code if one in codes), None)
            if code in codes:
                found[platform, code] = (row["device_class"], row["unit"])
    return found


def our_entities(fixture: CategoryModel) -> dict[Entity, Shown]:
    """What we create from the model (enabled entities; raw DPs are disabled
    diagnostics, the countdowns' "switches at" sensors are ours)."""
    code_of = {str(dp.dp_id): dp.code for dp in fixture.model}
    specs = describe({}, category=fixture.category, model=fixture.model).specs
    found: dict[Entity, Shown] = {}
    for platform_enum, descriptions in build_descriptions(specs).by_platform.items():
        platform = str(platform_enum.value)
        for description in descriptions:
            if description.unique_id_suffix == RAW_SUFFIX or (
                isinstance(description, TuyaLanSensorEntityDescription) and description.switches_at
            ):
                continue
            device_class = _plain(description.device_class)
            if isinstance(description, TuyaLanHumidifierEntityDescription):
                device_class = device_class_of(description)
            unit = getattr(description, "native_unit_of_measurement", None)
            if platform in ONE_PER_DEVICE:
                found[platform, ""] = (device_class, None)
            elif isinstance(description, TuyaLanCompositeEntityDescription):
                found[platform, code_of[description.dp]] = (device_class, None)
            else:
                found[platform, code_of[description.dp]] = (device_class, _plain(unit))
    return found


@pytest.mark.parametrize("name", list(FIXTURES))
def test_same_entities_as_core(name: str, core_tables: dict[str, Any]) -> None:
    """The entities core would create, and none else, but for the listed differences."""
    fixture = FIXTURES[name]
    core = core_entities(core_tables, fixture)
    ours = our_entities(fixture)
    core_only = {(name, *entity) for entity in core.keys() - ours.keys()}
    ours_only = {(name, *entity) for entity in ours.keys() - core.keys()}
    shown = {
        (name, *entity)
        for entity in core.keys() & ours.keys()
        if (core[entity][0] is not None and core[entity][0] != ours[entity][0])
        or (core[entity][1] is not None and core[entity][1] != ours[entity][1])
    }
    assert core_only == {key for key in CORE_ONLY if key[0] == name}
    assert ours_only == {key for key in OURS_ONLY if key[0] == name}
    assert shown == {key for key in SHOWN_DIFFERENTLY if key[0] == name}
