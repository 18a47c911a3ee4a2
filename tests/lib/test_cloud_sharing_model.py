"""DP models and devices from the Smart Life sharing SDK's device objects."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from custom_components.tuya_lan.tuyalan import CloudDevice, DpModel, model_from_sharing


def strategy(code: str, type_: str, values: dict[str, Any] | str) -> dict[str, Any]:
    """One local_strategy item as tuya-device-sharing-sdk 0.2.15 builds it."""
    return {
        "value_convert": "default",
        "status_code": code,
        "config_item": {
            "statusFormat": json.dumps({code: "$"}),
            "valueDesc": values if isinstance(values, str) else json.dumps(values),
            "valueType": type_,
            "enumMappingMap": {},
            "pid": "plugproduct00001",
        },
    }


LOCAL_STRATEGY = {
    1: strategy("switch_1", "Boolean", {}),
    9: strategy(
        "countdown_1", "Integer", {"unit": "s", "min": 0, "max": 86400, "scale": 0, "step": 1}
    ),
    19: strategy(
        "cur_power", "Integer", {"unit": "W", "min": 0, "max": 50000, "scale": 1, "step": 1}
    ),
    21: strategy("work_mode", "Enum", {"range": ["white", "colour"]}),
    27: strategy("scene_name", "String", {"maxlen": 255}),
    # Nonsense is left out, not guessed.
    40: {"status_code": "broken"},
    41: strategy("", "Boolean", {}),
    "x": strategy("bad_id", "Boolean", {}),
    42: strategy("bad_values", "Integer", "{not json"),
}
FUNCTION = {
    "switch_1": SimpleNamespace(
        code="switch_1", type="Boolean", values="{}", name="Switch 1", desc=""
    ),
    "countdown_1": SimpleNamespace(
        code="countdown_1", type="Integer", values="{}", name="", desc=""
    ),
    "work_mode": SimpleNamespace(code="work_mode", type="Enum", values="{}", name="Mode", desc=""),
    "scene_name": SimpleNamespace(code="scene_name", type="String", values="{}", name="", desc=""),
}
STATUS_RANGE = {
    "switch_1": SimpleNamespace(code="switch_1", type="Boolean", values="{}"),
    "countdown_1": SimpleNamespace(code="countdown_1", type="Integer", values="{}"),
    "cur_power": SimpleNamespace(code="cur_power", type="Integer", values="{}"),
    "work_mode": SimpleNamespace(code="work_mode", type="Enum", values="{}"),
}


def test_model_from_local_strategy() -> None:
    model = {dp.dp_id: dp for dp in model_from_sharing(LOCAL_STRATEGY, FUNCTION, STATUS_RANGE)}
    assert sorted(model) == [1, 9, 19, 21, 27, 42]
    assert model[1] == DpModel(1, "switch_1", "Boolean", "rw", name="Switch 1")
    assert model[9].values == {"unit": "s", "min": 0, "max": 86400, "scale": 0, "step": 1}
    assert (model[19].mode, model[19].scale, model[19].unit) == ("ro", 1, "W")
    assert (model[21].mode, model[21].range) == ("rw", ("white", "colour"))
    assert (model[27].mode, model[27].maxlen) == ("wr", 255)
    assert model[42].values == {}
    # Every model survives the entry's JSON.
    for dp in model.values():
        assert DpModel.from_dict(json.loads(json.dumps(dp.to_dict()))) == dp


def test_model_without_specs_or_strategy() -> None:
    assert model_from_sharing(None) == ()
    assert model_from_sharing({}, None, None) == ()
    # No function / status_range: reported only.
    (dp,) = model_from_sharing({1: strategy("switch", "bool", {})})
    assert (dp.type, dp.mode) == ("Boolean", "ro")
    # Lists of items (dicts) are read too.
    (dp,) = model_from_sharing(
        {1: strategy("switch", "Boolean", {})}, [{"code": "switch"}], [{"code": "switch"}]
    )
    assert dp.mode == "rw"


def test_device_from_sharing() -> None:
    device = SimpleNamespace(
        id="bf00000000000000aa01",
        name="Desk plug",
        local_key="0123456789abcdef",
        category="cz",
        product_id="plugproduct00001",
        product_name="Smart plug",
        sub=False,
        online=True,
        ip="203.0.113.7",
        uid="eu1700000000000aaaaa",
        support_local=True,
        local_strategy=LOCAL_STRATEGY,
        function=FUNCTION,
        status_range=STATUS_RANGE,
    )
    cloud = CloudDevice.from_sharing(device)
    assert (cloud.id, cloud.name, cloud.local_key) == (device.id, "Desk plug", "0123456789abcdef")
    assert (cloud.category, cloud.product_name, cloud.online) == ("cz", "Smart plug", True)
    assert len(cloud.model) == 6
    assert cloud.model_error is None
    # Not usable locally: no strategy, and the reason is kept.
    hub = CloudDevice.from_sharing(
        SimpleNamespace(id="bf01", support_local=False, local_strategy={})
    )
    assert (hub.name, hub.local_key, hub.model) == ("bf01", None, ())
    assert hub.model_error is not None


def test_report_type_from_the_sdk_is_kept_bounded() -> None:
    """The SDK puts dp-report-types' ``report_type`` on the status range: ``sum`` and
    ``minux`` are kept (and survive the entry's JSON), anything else is dropped."""
    energy = {"unit": "kWh", "min": 0, "max": 50000, "scale": 3, "step": 1}
    local = {
        17: strategy("add_ele", "Integer", energy),
        1: strategy("total_forward_energy", "Integer", energy),
        2: strategy("energy_b", "Integer", energy),
    }
    status_range = {
        "add_ele": SimpleNamespace(code="add_ele", report_type="sum"),
        "total_forward_energy": SimpleNamespace(code="total_forward_energy", report_type="minux"),
        "energy_b": SimpleNamespace(code="energy_b", report_type=["sum"] * 3),
    }
    model = {dp.code: dp for dp in model_from_sharing(local, None, status_range)}
    assert model["add_ele"].report_type == "sum"
    assert model["total_forward_energy"].report_type == "minux"
    assert model["energy_b"].report_type is None
    stored = [dp.to_dict() for dp in model.values()]
    assert [DpModel.from_dict(item) for item in stored] == list(model.values())
    assert DpModel.from_dict({**stored[0], "report_type": "un_known"}).report_type is None
