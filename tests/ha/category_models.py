"""Data models of the categories that are not plugs, for the tests of each platform and
the parity test against Home Assistant core's tuya tables.

Each model is part of Tuya's published standard instruction and status set of its
category (codes, types, ranges, scales and units as the set gives them; the DP ids are
ours):

* kt (air conditioner)  https://developer.tuya.com/en/docs/iot/f?id=K9gf46qujdmwb and
  https://developer.tuya.com/en/docs/iot/s?id=K9gf48r2iqa7m
* jsq (humidifier)      https://developer.tuya.com/en/docs/iot/f?id=K9gf45rjel6x5
* cs (dehumidifier)     https://developer.tuya.com/en/docs/iot/f?id=K9gf45ts0b8lz and
  https://developer.tuya.com/en/docs/iot/s?id=K9gf48r6jke8e
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from custom_components.tuya_lan.tuyalan.cloud_model import DpModel

from .sim_model import model_of

PERCENT = {"unit": "%", "min": 0, "max": 100, "scale": 0, "step": 1}


def dp(dp_id: int, code: str, type_: str, values: dict[str, Any] | None = None) -> DpModel:
    """One DP of a model."""
    return DpModel.from_values(dp_id, code, type_, values or {})


@dataclass(frozen=True)
class CategoryModel:
    """A category's model and the DPs its device reports."""

    category: str
    model: list[DpModel]
    dps: dict[str, Any]


AIR_CONDITIONER = CategoryModel(
    "kt",
    [
        dp(1, "switch", "Boolean"),
        dp(2, "temp_set", "Integer", {"unit": "℃", "min": 0, "max": 50, "scale": 0, "step": 1}),
        dp(3, "temp_current", "Integer", {"unit": "℃", "min": -20, "max": 100, "scale": 0}),
        dp(4, "mode", "Enum", {"range": ["auto", "cold", "hot", "wet", "wind", "eco"]}),
        dp(5, "fan_speed_enum", "Enum", {"range": ["low", "mid", "high", "auto", "strong"]}),
        dp(6, "switch_horizontal", "Boolean"),
        dp(7, "switch_vertical", "Boolean"),
        dp(8, "temp_set_f", "Integer", {"unit": "℉", "min": 0, "max": 100, "scale": 0, "step": 1}),
        dp(9, "temp_current_f", "Integer", {"unit": "℉", "min": -4, "max": 212, "scale": 0}),
        dp(10, "temp_unit_convert", "Enum", {"range": ["c", "f"]}),
        dp(11, "humidity_set", "Integer", PERCENT),
    ],
    {
        "1": True,
        "2": 24,
        "3": 27,
        "4": "cold",
        "5": "auto",
        "6": False,
        "7": False,
        "8": 75,
        "9": 81,
        "10": "c",
        "11": 50,
    },
)

HUMIDIFIER = CategoryModel(
    "jsq",
    [
        dp(1, "switch", "Boolean"),
        dp(2, "mode", "Enum", {"range": ["large", "middle", "small", "interval", "continuous"]}),
        dp(13, "humidity_set", "Integer", PERCENT),
        dp(14, "humidity_current", "Integer", PERCENT),
    ],
    {"1": True, "2": "middle", "13": 55, "14": 41},
)

DEHUMIDIFIER = CategoryModel(
    "cs",
    [
        dp(1, "switch", "Boolean"),
        dp(2, "mode", "Enum", {"range": ["dehumidify", "drying", "continuous"]}),
        dp(
            4,
            "dehumidify_set_value",
            "Integer",
            {"unit": "%", "min": 35, "max": 80, "scale": 0, "step": 5},
        ),
        dp(6, "humidity_indoor", "Integer", PERCENT),
    ],
    {"1": False, "2": "dehumidify", "4": 50, "6": 63},
)


def profile_model(profile: str, category: str, dps: dict[str, Any]) -> CategoryModel:
    """A simulator profile's model (what the fake clouds serve) as a category model."""
    return CategoryModel(category, model_of(profile), dps)
