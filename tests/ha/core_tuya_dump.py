"""Print Home Assistant core's tuya description tables as JSON (run as a module).

The parity test (test_core_parity.py) reads core's tables from the installed
homeassistant package. Core's platform modules import ``tuya-device-handlers``, which
the 2026.10 environment does not install (and we never import: README, *Why our own DP
table*). To read the tables anyway this stands an inert stand-in for that package
(any name it is asked for is an empty class) and imports core's modules, in a process
of its own: the stand-in and core's import-time side effects (it silences the cloud
SDK's logger) never reach the test session. Only plain data leaves the process: per
table and category, each description's DP code, device class and static unit.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import json
import sys
import types
from enum import Enum
from typing import Any

HANDLERS = "tuya_device_handlers"
ONE_DP_TABLES = {
    "switch": "SWITCHES",
    "sensor": "SENSORS",
    "binary_sensor": "BINARY_SENSORS",
    "number": "NUMBERS",
    "select": "SELECTS",
    "light": "LIGHTS",
    "cover": "COVERS",
}
ONE_PER_DEVICE = {"climate": "CLIMATE_DESCRIPTIONS", "fan": "FANS", "humidifier": "HUMIDIFIERS"}


class _InertMeta(type):
    def __getattr__(cls, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        return name.lower()  # an enum member of the stand-in: a plain string


class _Inert(metaclass=_InertMeta):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __class_getitem__(cls, item: Any) -> type:
        return cls


class _InertModule(types.ModuleType):
    def __getattr__(self, name: str) -> type:
        if name.startswith("__"):
            raise AttributeError(name)
        stand_in = type(name, (_Inert,), {})
        setattr(self, name, stand_in)
        return stand_in


class _InertFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname == HANDLERS or fullname.startswith(f"{HANDLERS}."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> types.ModuleType:
        return _InertModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        module.__path__ = []


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value if isinstance(value, (str, int, float, type(None))) else None


def _description(description: Any) -> dict[str, Any]:
    fields = {
        "key": description.key,
        "dpcode": getattr(description, "dpcode", None),
        "device_class": description.device_class,
        "unit": getattr(description, "native_unit_of_measurement", None),
        "current_humidity": getattr(description, "current_humidity", None),
        "humidity": getattr(description, "humidity", None),
    }
    return {name: _plain(value) for name, value in fields.items()}


def dump() -> dict[str, Any]:
    """Core's tables: {platform: {category: [description, ...]}}."""
    sys.meta_path.insert(0, _InertFinder())
    tables: dict[str, Any] = {}
    for platform, table in {**ONE_DP_TABLES, **ONE_PER_DEVICE}.items():
        module = importlib.import_module(f"homeassistant.components.tuya.{platform}")
        rows = getattr(module, table)
        tables[platform] = {
            str(_plain(category)): [
                _description(d) for d in (found if isinstance(found, tuple) else (found,))
            ]
            for category, found in rows.items()
        }
    return tables


if __name__ == "__main__":
    json.dump(dump(), sys.stdout)
