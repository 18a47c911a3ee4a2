"""One-DP entities named by their code, in any category (the library's code rows).

Codes and values: Tuya's standard status sets, cited in ``dpmap`` beside CODE_ROWS."""

from __future__ import annotations

from typing import Any

from custom_components.tuya_lan.tuyalan.cloud_model import DpModel
from custom_components.tuya_lan.tuyalan.dpmap import USER_KINDS, DpKind, describe


def _dp(dp_id: int, code: str, type_: str, **values: Any) -> DpModel:
    return DpModel.from_values(dp_id, code, type_, values)


TEMPERATURE = _dp(3, "temp_current", "Integer", unit="℉", min=-40, max=2120, scale=1)


def test_a_reading_is_its_code_in_any_category() -> None:
    """The scale comes from the model, a temperature's unit too (°F here)."""
    for category in ("wsdcg", "kj", None):
        spec = describe({}, category=category, model=(TEMPERATURE,)).specs["3"]
        assert (spec.kind, spec.role, spec.scale, spec.unit) == (
            DpKind.SENSOR,
            "temperature",
            0.1,
            "°F",
        )


def test_a_thermostat_keeps_its_current_temperature() -> None:
    """Where a composite takes the code (a thermostat's temp_current), it stays its part."""
    model = (
        TEMPERATURE,
        _dp(2, "temp_set", "Integer", min=50, max=350, scale=1),
        _dp(4, "mode", "Enum", range=["auto", "manual"]),
    )
    assert describe({}, category="wk", model=model).specs["3"].kind is DpKind.CLIMATE


def test_bright_value_is_illuminance_on_a_luminance_sensor_only() -> None:
    bright = _dp(2, "bright_value", "Integer", unit="lux", min=0, max=10000, scale=0)
    assert describe({}, category="ldcg", model=(bright,)).specs["2"].role == "illuminance"
    # on anything else it is a light's brightness, or nothing we name
    assert describe({"2": 10}, category="kj", model=(bright,)).specs["2"].kind is DpKind.RAW


def test_states_say_which_values_are_on() -> None:
    model = (
        _dp(1, "doorcontact_state", "Boolean"),
        _dp(2, "pir", "Enum", range=["pir", "none"]),
        _dp(3, "battery_state", "Enum", range=["low", "middle", "high"]),
        _dp(4, "smoke_sensor_status", "Integer", min=0, max=1),  # not the standard's type
    )
    specs = describe({"4": 0}, category="pir", model=model).specs
    assert (specs["1"].kind, specs["1"].options) == (DpKind.BINARY, ())
    assert (specs["2"].kind, specs["2"].options) == (DpKind.BINARY, ("pir",))
    assert (specs["3"].kind, specs["3"].options) == (DpKind.ENUM, ("low", "middle", "high"))
    assert specs["4"].kind is DpKind.RAW
    assert DpKind.BINARY not in USER_KINDS  # only a model says which values are on
