"""Device definitions from JSON, for the command line and the demo.

A config file is a list of device objects, or ``{"devices": [...], "request_port": N}``
with, optionally, fake clouds holding every device (see :class:`CloudSpec`)::

    "cloud": {"access_id": "...", "access_secret": "...", "port": 17100, "uid": "..."},
    "smart_life": {"user_code": "...", "port": 17101, "auto_approve_after": 5}

Each device object has ``id``, ``key`` and ``version``, optionally ``name`` (what the
clouds call it), ``in_clouds`` (false: the fake clouds do not know it, as a device
re-keyed by tuya-cloudcutter) and any keyword of :class:`~.device.SimulatedDevice`
under the same name. A device with ``children`` is a gateway
(:class:`~.gateway.SimulatedGateway`, whose keywords it may also set); each child is
``{"cid": ..., "profile": ..., "name": ..., "id": ...}`` (``id``: the child's own
device id in the clouds, which list it with its gateway's id and its cid as node id).
For example::

    {"devices": [
      {"id": "bf0123456789abcdef01", "key": "0123456789abcdef", "version": "3.4",
       "port": 0, "profile": "plug", "dps": {"1": false}, "discovery_port": 6667},
      {"id": "eb0123456789abcdefghij", "key": "fedcba9876543210", "version": "3.3",
       "device22": true, "max_clients": 3},
      {"id": "bf0123456789abcdgw01", "key": "0123456789abcdef", "version": "3.4",
       "children": [{"cid": "a4c1380000000001", "profile": "temperature",
                     "name": "Garden sensor", "id": "bf0123456789abcdch01"}]}
    ]}
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from .device import SimulatedDevice
from .gateway import CHILD_PROFILES, SimulatedGateway

# Keywords a config may set: those of SimulatedDevice that JSON can express.
_OPTIONS = frozenset(inspect.signature(SimulatedDevice).parameters) - {
    "device_id",
    "local_key",
    "version",
    "clock",
}
# And a gateway's own (its children are given as "children", checked apart).
_GATEWAY_OPTIONS = _OPTIONS | (
    frozenset(inspect.signature(SimulatedGateway).parameters)
    - {"device_id", "local_key", "version", "options", "children"}
)
_CHILD_KEYS = frozenset({"cid", "profile", "name", "id"})


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """A gateway's sub-device: its cid at the gateway, behaviour, and the clouds' view."""

    cid: str
    profile: str
    name: str
    cloud_id: str


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One device to simulate."""

    device_id: str
    local_key: str
    version: str
    options: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    children: tuple[ChildSpec, ...] = ()
    in_clouds: bool = True

    def build(self) -> SimulatedDevice:
        """The device (a gateway when it has children), not yet started."""
        if self.children:
            return SimulatedGateway(
                self.device_id,
                self.local_key,
                self.version,
                children={child.cid: child.profile for child in self.children},
                **self.options,
            )
        return SimulatedDevice(self.device_id, self.local_key, self.version, **self.options)


@dataclass(frozen=True, slots=True)
class CloudSpec:
    """A fake cloud on 127.0.0.1 holding every simulated device.

    ``kind`` ``"developer"``: a Tuya IoT developer project (:mod:`.cloud`), with
    ``access_id``, ``access_secret`` and the app account ``uid`` its devices belong to.
    ``"smart_life"``: the Smart Life app API (:mod:`.sharing`), with the ``user_code``
    its QR login accepts and ``auto_approve_after`` (seconds until a QR code counts as
    scanned and approved; None: never).
    """

    kind: str
    port: int
    options: dict[str, Any]


_CLOUD_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # kind: (required, optional)
    "cloud": (frozenset({"access_id", "access_secret", "port"}), frozenset({"uid"})),
    "smart_life": (frozenset({"user_code", "port"}), frozenset({"auto_approve_after", "uid"})),
}


@dataclass(frozen=True, slots=True)
class SimulatorSpec:
    """Devices plus the simulator-wide options."""

    devices: list[DeviceSpec]
    request_port: int | None = None
    clouds: list[CloudSpec] = field(default_factory=list)


def parse_config(data: Any) -> SimulatorSpec:
    """Validate a loaded JSON config; ValueError says what is wrong."""
    request_port = None
    clouds = []
    if isinstance(data, dict):
        request_port = data.get("request_port")
        if request_port is not None and not isinstance(request_port, int):
            raise ValueError("request_port must be an integer")
        clouds = [_parse_cloud(kind, data[kind]) for kind in _CLOUD_KEYS if kind in data]
        data = data.get("devices")
    if not isinstance(data, list) or not data:
        raise ValueError("a config is a non-empty list of devices, or {'devices': [...]}")
    devices = [_parse_device(i, item) for i, item in enumerate(data)]
    return SimulatorSpec(devices, request_port, clouds)


def _parse_cloud(kind: str, item: Any) -> CloudSpec:
    required, optional = _CLOUD_KEYS[kind]
    if not isinstance(item, dict):
        raise ValueError(f"{kind} is not an object")
    if missing := required - item.keys():
        raise ValueError(f"{kind} lacks {', '.join(sorted(missing))}")
    if unknown := item.keys() - required - optional:
        raise ValueError(f"{kind}: unknown option(s) {', '.join(sorted(unknown))}")
    if not isinstance(item["port"], int):
        raise ValueError(f"{kind}: port must be an integer")
    options = {k: v for k, v in item.items() if k != "port"}
    return CloudSpec("developer" if kind == "cloud" else kind, item["port"], options)


def _parse_device(index: int, item: Any) -> DeviceSpec:
    if not isinstance(item, dict):
        raise ValueError(f"device {index} is not an object")
    missing = {"id", "key", "version"} - item.keys()
    if missing:
        raise ValueError(f"device {index} lacks {', '.join(sorted(missing))}")
    own = ("id", "key", "version", "name", "children", "in_clouds")
    options = {k: v for k, v in item.items() if k not in own}
    children = _parse_children(index, item.get("children", []))
    unknown = options.keys() - (_GATEWAY_OPTIONS if children else _OPTIONS)
    if unknown:
        raise ValueError(f"device {index}: unknown option(s) {', '.join(sorted(unknown))}")
    in_clouds = item.get("in_clouds", True)
    if not isinstance(in_clouds, bool):
        raise ValueError(f"device {index}: in_clouds must be true or false")
    name = item.get("name")
    return DeviceSpec(
        str(item["id"]),
        str(item["key"]),
        str(item["version"]),
        options,
        str(name) if name is not None else None,
        children,
        in_clouds,
    )


def _parse_children(index: int, items: Any) -> tuple[ChildSpec, ...]:
    if not isinstance(items, list):
        raise ValueError(f"device {index}: children must be a list")
    children = []
    for item in items:
        if not isinstance(item, dict) or item.keys() != _CHILD_KEYS:
            raise ValueError(
                f"device {index}: each child is an object with {', '.join(sorted(_CHILD_KEYS))}"
            )
        if item["profile"] not in CHILD_PROFILES:
            raise ValueError(
                f"device {index}: child profile {item['profile']!r} is not one of {CHILD_PROFILES}"
            )
        children.append(
            ChildSpec(str(item["cid"]), item["profile"], str(item["name"]), str(item["id"]))
        )
    if len({child.cid for child in children}) != len(children):
        raise ValueError(f"device {index}: two children have the same cid")
    return tuple(children)
