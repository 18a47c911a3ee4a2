"""Device definitions from JSON, for the command line and the demo.

A config file is a list of device objects, or ``{"devices": [...], "request_port": N}``.
Each device object has ``id``, ``key`` and ``version`` and, optionally, any keyword
of :class:`~.device.SimulatedDevice` under the same name, for example::

    {"devices": [
      {"id": "bf0123456789abcdef01", "key": "0123456789abcdef", "version": "3.4",
       "port": 0, "profile": "plug", "dps": {"1": false}, "discovery_port": 6667},
      {"id": "eb0123456789abcdefghij", "key": "fedcba9876543210", "version": "3.3",
       "device22": true, "max_clients": 3}
    ]}
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from .device import SimulatedDevice

# Keywords a config may set: those of SimulatedDevice that JSON can express.
_OPTIONS = frozenset(inspect.signature(SimulatedDevice).parameters) - {
    "device_id",
    "local_key",
    "version",
    "clock",
}


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One device to simulate."""

    device_id: str
    local_key: str
    version: str
    options: dict[str, Any] = field(default_factory=dict)

    def build(self) -> SimulatedDevice:
        """The device, not yet started."""
        return SimulatedDevice(self.device_id, self.local_key, self.version, **self.options)


@dataclass(frozen=True, slots=True)
class SimulatorSpec:
    """Devices plus the simulator-wide options."""

    devices: list[DeviceSpec]
    request_port: int | None = None


def parse_config(data: Any) -> SimulatorSpec:
    """Validate a loaded JSON config; ValueError says what is wrong."""
    request_port = None
    if isinstance(data, dict):
        request_port = data.get("request_port")
        if request_port is not None and not isinstance(request_port, int):
            raise ValueError("request_port must be an integer")
        data = data.get("devices")
    if not isinstance(data, list) or not data:
        raise ValueError("a config is a non-empty list of devices, or {'devices': [...]}")
    return SimulatorSpec([_parse_device(i, item) for i, item in enumerate(data)], request_port)


def _parse_device(index: int, item: Any) -> DeviceSpec:
    if not isinstance(item, dict):
        raise ValueError(f"device {index} is not an object")
    missing = {"id", "key", "version"} - item.keys()
    if missing:
        raise ValueError(f"device {index} lacks {', '.join(sorted(missing))}")
    options = {k: v for k, v in item.items() if k not in ("id", "key", "version")}
    unknown = options.keys() - _OPTIONS
    if unknown:
        raise ValueError(f"device {index}: unknown option(s) {', '.join(sorted(unknown))}")
    return DeviceSpec(str(item["id"]), str(item["key"]), str(item["version"]), options)
