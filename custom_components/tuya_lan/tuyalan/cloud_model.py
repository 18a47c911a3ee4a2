"""What the cloud knows about a device, as plain immutable data (sans-IO).

:class:`DpModel` is one data point by DP id: code, type and the value constraints
(unit, min, max, scale, step, enum range, bitmap labels, maxlen). :class:`CloudDevice`
is a device with its local key and model. Both round-trip through ``to_dict`` /
``from_dict`` as JSON-ready dicts, so a config entry can store them.

The parsers read Tuya's OpenAPI shapes (``shared/CLOUD.md`` 1.6 and 1.7): device lists
in snake_case or camelCase, the v1.1 specifications (``values`` a JSON string) and the
thing model (``typeSpec``, the model itself a JSON string), merged by DP id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Self

# Tuya's DP types as the specifications name them (and Home Assistant's core tuya).
BOOLEAN, INTEGER, ENUM, STRING, RAW, BITMAP, JSON = (
    "Boolean",
    "Integer",
    "Enum",
    "String",
    "Raw",
    "Bitmap",
    "Json",
)
# Both vocabularies: the specifications' and the thing model's typeSpec.type.
_TYPES = {
    "boolean": BOOLEAN,
    "bool": BOOLEAN,
    "integer": INTEGER,
    "value": INTEGER,
    "enum": ENUM,
    "string": STRING,
    "raw": RAW,
    "bitmap": BITMAP,
    "json": JSON,
    "struct": JSON,
    "array": JSON,
}
MODES = ("rw", "ro", "wr")
# How the cloud says a DP reports (Smart Life ``dp-report-types``): ``sum`` increments,
# ``minux`` a running total. ``un_known`` and anything else say nothing: not kept.
REPORT_TYPES = ("sum", "minux")


def normalise_type(text: str) -> str:
    """``bool``/``Boolean``/``value``/``Integer``... to the specifications' names."""
    return _TYPES.get(text.strip().lower(), text)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(item) for item in value)


def parse_values(values: Any) -> dict[str, Any]:
    """A specification's ``values`` (a JSON string, or already a dict), or ``{}``."""
    if isinstance(values, str):
        try:
            values = json.loads(values) if values.strip() else {}
        except ValueError:
            return {}
    return dict(values) if isinstance(values, Mapping) else {}


@dataclass(frozen=True, slots=True)
class DpModel:
    """One data point: what it is called, its type and the values it takes.

    ``mode``: ``rw`` read and write, ``ro`` reported only, ``wr`` write only.
    Integer values are raw: the real value is ``raw / 10**scale`` in ``unit``.
    ``report_type``: ``sum`` (increments) or ``minux`` (a total), where the cloud says.
    """

    dp_id: int
    code: str
    type: str
    mode: str = "rw"
    name: str | None = None
    unit: str | None = None
    min: int | None = None
    max: int | None = None
    scale: int | None = None
    step: int | None = None
    range: tuple[str, ...] = ()
    label: tuple[str, ...] = ()
    maxlen: int | None = None
    report_type: str | None = None

    @classmethod
    def from_values(
        cls,
        dp_id: int,
        code: str,
        type_: str,
        values: Mapping[str, Any],
        *,
        mode: str = "rw",
        name: str | None = None,
        report_type: Any = None,
    ) -> Self:
        """From Tuya's ``values`` object (or a thing model's ``typeSpec``)."""
        return cls(
            dp_id=dp_id,
            code=code,
            type=normalise_type(type_),
            mode=mode,
            name=name,
            unit=_str(values.get("unit")),
            min=_int(values.get("min")),
            max=_int(values.get("max")),
            scale=_int(values.get("scale")),
            step=_int(values.get("step")),
            range=_strings(values.get("range")),
            label=_strings(values.get("label")),
            maxlen=_int(values.get("maxlen")),
            report_type=report_type if report_type in REPORT_TYPES else None,
        )

    @property
    def values(self) -> dict[str, Any]:
        """The constraints in Tuya's ``values`` shape, empty ones left out."""
        out: dict[str, Any] = {}
        for key in ("unit", "min", "max", "scale", "step", "maxlen"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.range:
            out["range"] = list(self.range)
        if self.label:
            out["label"] = list(self.label)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"dp_id", "code", "type", "mode", ["name"], "values"}``."""
        out: dict[str, Any] = {
            "dp_id": self.dp_id,
            "code": self.code,
            "type": self.type,
            "mode": self.mode,
        }
        if self.name is not None:
            out["name"] = self.name
        out["values"] = self.values
        if self.report_type is not None:
            out["report_type"] = self.report_type
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The inverse of :meth:`to_dict`; raises ValueError on another shape."""
        dp_id = _int(data.get("dp_id"))
        code, type_ = data.get("code"), data.get("type")
        mode = data.get("mode", "rw")
        values = data.get("values", {})
        if (
            dp_id is None
            or not isinstance(code, str)
            or not isinstance(type_, str)
            or mode not in MODES
            or not isinstance(values, Mapping)
        ):
            raise ValueError(f"not a DP model: {data!r}")
        name = data.get("name")
        return cls.from_values(
            dp_id,
            code,
            type_,
            values,
            mode=mode,
            name=name if isinstance(name, str) else None,
            report_type=data.get("report_type"),
        )


def _spec_items(specifications: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = specifications.get(key)
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def _thing_properties(thing_model: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The properties of every service; ``model`` may be a JSON string (it usually is)."""
    model: Any = thing_model.get("model", thing_model)
    if isinstance(model, str):
        try:
            model = json.loads(model)
        except ValueError:
            return []
    if not isinstance(model, Mapping):
        return []
    properties: list[Mapping[str, Any]] = []
    services = model.get("services")
    for service in services if isinstance(services, list) else []:
        if isinstance(service, Mapping) and isinstance(service.get("properties"), list):
            properties.extend(p for p in service["properties"] if isinstance(p, Mapping))
    return properties


def merge_model(
    specifications: Mapping[str, Any] | None, thing_model: Mapping[str, Any] | None
) -> tuple[DpModel, ...]:
    """DP models by DP id, from v1.1 specifications and/or the thing model.

    The specifications win where both describe a DP (they are what Tuya's apps and
    Home Assistant's core integration read); the thing model adds the DPs they lack,
    names, and DP ids for specification items that came without one.
    """
    by_id: dict[int, DpModel] = {}
    id_by_code: dict[str, int] = {}
    for prop in _thing_properties(thing_model or {}):
        dp_id, code = _int(prop.get("abilityId")), prop.get("code")
        spec = prop.get("typeSpec")
        if dp_id is None or not isinstance(code, str) or not isinstance(spec, Mapping):
            continue
        mode = prop.get("accessMode")
        by_id[dp_id] = DpModel.from_values(
            dp_id,
            code,
            str(spec.get("type", "")),
            spec,
            mode=mode if mode in MODES else "rw",
            name=_str(prop.get("name")),
        )
        id_by_code[code] = dp_id

    writable = {item.get("code") for item in _spec_items(specifications or {}, "functions")} - {
        None
    }
    readable = {item.get("code") for item in _spec_items(specifications or {}, "status")} - {None}
    seen: set[int] = set()
    for key in ("status", "functions"):
        for item in _spec_items(specifications or {}, key):
            code = item.get("code")
            if not isinstance(code, str):
                continue
            # The documentation's table says dp_id, its example dpId.
            dp_id = _int(item.get("dp_id", item.get("dpId")))
            if dp_id is None:
                dp_id = id_by_code.get(code)
            if dp_id is None or dp_id in seen:
                continue
            seen.add(dp_id)
            mode = ("rw" if code in readable else "wr") if code in writable else "ro"
            known = by_id.get(dp_id)
            by_id[dp_id] = DpModel.from_values(
                dp_id,
                code,
                str(item.get("type", "")),
                parse_values(item.get("values")),
                mode=mode,
                name=_str(item.get("name")) or (known.name if known else None),
            )
    return tuple(by_id[dp_id] for dp_id in sorted(by_id))


def _codes(items: Any) -> dict[str, Any]:
    """``function`` / ``status_range`` of a sharing-SDK device: code -> item (a dict or
    an object with attributes); a list of items is accepted too."""
    if isinstance(items, Mapping):
        return {str(code): item for code, item in items.items()}
    if isinstance(items, list | tuple):
        out: dict[str, Any] = {}
        for item in items:
            code = _attr(item, "code")
            if isinstance(code, str):
                out[code] = item
        return out
    return {}


def _attr(item: Any, name: str) -> Any:
    """A field of a dict or of an object (the SDK's SimpleNamespace devices)."""
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def model_from_sharing(
    local_strategy: Any, function: Any = None, status_range: Any = None
) -> tuple[DpModel, ...]:
    """DP models from a Smart Life (``tuya-device-sharing-sdk``) device.

    ``local_strategy`` maps a DP id to ``{"status_code", "config_item": {"valueType",
    "valueDesc" (a JSON string like the specifications' ``values``), ...}}``. The mode
    comes from whether the code is among the device's ``function`` (writable) and/or
    ``status_range`` (reported) codes; a DP in neither is taken as reported only. Items
    that make no sense are left out, never guessed.
    """
    if not isinstance(local_strategy, Mapping):
        return ()
    writable, readable = _codes(function), _codes(status_range)
    by_id: dict[int, DpModel] = {}
    for raw_id, strategy in local_strategy.items():
        dp_id = _int(raw_id)
        if dp_id is None or not isinstance(strategy, Mapping):
            continue
        code = strategy.get("status_code")
        config = strategy.get("config_item")
        if not isinstance(code, str) or not code or not isinstance(config, Mapping):
            continue
        type_ = config.get("valueType")
        if not isinstance(type_, str) or not type_:
            continue
        mode = ("rw" if code in readable else "wr") if code in writable else "ro"
        spec = writable.get(code) or readable.get(code)
        by_id[dp_id] = DpModel.from_values(
            dp_id,
            code,
            type_,
            parse_values(config.get("valueDesc")),
            mode=mode,
            name=_str(_attr(spec, "name")) if spec is not None else None,
            # the SDK sets it on the status range from dp-report-types
            report_type=_attr(readable[code], "report_type") if code in readable else None,
        )
    return tuple(by_id[dp_id] for dp_id in sorted(by_id))


def _field(item: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = item.get(name)
        if value not in (None, ""):
            return value
    return None


@dataclass(frozen=True, slots=True)
class CloudDevice:
    """A device as the cloud knows it.

    ``local_key`` is None when the cloud has none (BLE-only devices, some gateways).
    ``ip`` is the public address the cloud last saw, not the LAN address.
    ``model_error`` says why ``model`` is empty when the cloud refused to give it.
    """

    id: str
    name: str
    local_key: str | None
    product_id: str | None = None
    category: str | None = None
    product_name: str | None = None
    ip: str | None = None
    uid: str | None = None
    gateway_id: str | None = None
    node_id: str | None = None
    online: bool | None = None
    model: tuple[DpModel, ...] = field(default=())
    model_error: str | None = None

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> Self:
        """From one entry of any OpenAPI device list (snake_case or camelCase)."""
        device_id = _field(item, "id", "device_id", "devId")
        if not isinstance(device_id, str):
            raise ValueError("a device without an id")
        online = _field(item, "online", "is_online", "isOnline")
        return cls(
            id=device_id,
            name=str(_field(item, "name", "custom_name", "customName") or device_id),
            local_key=_str(_field(item, "local_key", "localKey")),
            product_id=_str(_field(item, "product_id", "productId")),
            category=_str(item.get("category")),
            product_name=_str(_field(item, "product_name", "productName")),
            ip=_str(item.get("ip")),
            uid=_str(item.get("uid")),
            gateway_id=_str(_field(item, "gateway_id", "gatewayId")),
            node_id=_str(_field(item, "node_id", "nodeId")),
            online=online if isinstance(online, bool) else None,
        )

    @classmethod
    def from_sharing(cls, device: Any) -> Self:
        """From a ``tuya-device-sharing-sdk`` ``CustomerDevice`` (or any object with its
        attributes): ids, key and names, and the model from its ``local_strategy``.

        A device whose DPs are not all readable locally (``support_local`` false) has
        no local strategy: its model is empty and ``model_error`` says why.
        """
        device_id = getattr(device, "id", None)
        if not isinstance(device_id, str) or not device_id:
            raise ValueError("a device without an id")
        online = getattr(device, "online", None)
        model = model_from_sharing(
            getattr(device, "local_strategy", None),
            getattr(device, "function", None),
            getattr(device, "status_range", None),
        )
        error = None
        if not model and getattr(device, "support_local", True) is False:
            error = "the cloud says this device cannot be used locally"
        return cls(
            id=device_id,
            name=_str(getattr(device, "name", None)) or device_id,
            local_key=_str(getattr(device, "local_key", None)),
            product_id=_str(getattr(device, "product_id", None)),
            category=_str(getattr(device, "category", None)),
            product_name=_str(getattr(device, "product_name", None)),
            ip=_str(getattr(device, "ip", None)),
            uid=_str(getattr(device, "uid", None)),
            gateway_id=_str(getattr(device, "gateway_id", None)),
            node_id=_str(getattr(device, "node_id", None)),
            online=online if isinstance(online, bool) else None,
            model=model,
            model_error=error,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, every field; ``model`` as a list of :meth:`DpModel.to_dict`."""
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "local_key": self.local_key,
            "product_id": self.product_id,
            "category": self.category,
            "product_name": self.product_name,
            "ip": self.ip,
            "uid": self.uid,
            "gateway_id": self.gateway_id,
            "node_id": self.node_id,
            "online": self.online,
            "model": [dp.to_dict() for dp in self.model],
        }
        if self.model_error is not None:
            out["model_error"] = self.model_error
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The inverse of :meth:`to_dict`; raises ValueError on another shape."""
        model = data.get("model", [])
        if not isinstance(data.get("id"), str) or not isinstance(model, list):
            raise ValueError(f"not a cloud device: {sorted(data)}")
        error = data.get("model_error")
        return replace(
            cls.from_api(data),
            model=tuple(DpModel.from_dict(dp) for dp in _mappings(model)),
            model_error=error if isinstance(error, str) else None,
        )


def _mappings(items: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueError(f"not a DP model: {item!r}")
        yield item
