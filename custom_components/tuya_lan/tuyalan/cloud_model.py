"""What the cloud knows about a device, as plain immutable data (sans-IO).

:class:`DpModel` is one data point by DP id: code, type and the value constraints
(unit, min, max, scale, step, enum range, bitmap labels, maxlen). :class:`CloudDevice`
is a device with its local key and model. Both round-trip through ``to_dict`` /
``from_dict`` as JSON-ready dicts, so a config entry can store them.

The parsers read Tuya's OpenAPI shapes (``shared/CLOUD.md`` 1.6 and 1.7): device lists
in snake_case or camelCase, the v1.1 specifications (``values`` a JSON string) and the
thing model (``typeSpec``, the model itself a JSON string), merged by DP id.

What the cloud says is input, not truth: everything is checked and bounded here, before
a config entry stores it, and again when a stored entry is read (an older version may
have stored anything). A field out of Tuya's bounds is left out; a DP whose id, code or
type cannot be Tuya's is left out of the model (the device's DP then shows raw); a
device whose id cannot be Tuya's is left out of a listing. Nothing stored is bigger
than the bounds below, and every integer fits JSON and 64 bits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any, Final, Self

from .errors import clean_text
from .heard import valid_device_id

# Tuya's DP ids are one byte, 1 to 255: a model holds at most that many DPs.
DP_ID_MIN: Final = 1
DP_ID_MAX: Final = 255
MAX_DPS: Final = DP_ID_MAX
# Integer DPs are signed 32-bit ("value" in the thing model); their scale is the number
# of decimals, 0 to 9 in Tuya's own product tooling.
INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1
SCALE_MIN: Final = 0
SCALE_MAX: Final = 9
# The length of a string or raw DP: Tuya's largest are IR codes, a few KiB.
MAXLEN_MAX: Final = 1 << 20
# Enum options and bitmap labels: a select of at most this many short values (Tuya's
# largest ranges, scene lists, have a few dozen), a bitmap has at most 32 bits.
MAX_RANGE: Final = 100
MAX_LABELS: Final = 32
MAX_OPTION_LENGTH: Final = 64
MAX_NAME_LENGTH: Final = 100
MAX_UNIT_LENGTH: Final = 16
MAX_FIELD_LENGTH: Final = 64  # product ids, categories, uids, addresses
MAX_MODEL_ERROR_LENGTH: Final = 300
# A DP code is an identifier: switch_1, cur_power, countdown_usb1...
_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
LOCAL_KEY_LENGTH: Final = 16
# A string longer than this is refused before it is even parsed as JSON.
MAX_VALUES_LENGTH: Final = 1 << 16
# The items of one list of a model that are looked at: each DP appears in a list once.
MAX_ITEMS: Final = MAX_DPS
# The thing model, itself a JSON string: 255 properties with their descriptions are
# well under this.
MAX_THING_MODEL_LENGTH: Final = 1 << 20

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
    """``bool``/``Boolean``/``value``/``Integer``... to the specifications' names
    (another text is returned as it is: :func:`known_type` says whether it is Tuya's)."""
    return _TYPES.get(text.strip().lower(), text)


def known_type(text: Any) -> str | None:
    """The specifications' name of a DP type, or None when it is not one of Tuya's."""
    return _TYPES.get(text.strip().lower()) if isinstance(text, str) and len(text) <= 16 else None


def _int(value: Any, low: int | None = None, high: int | None = None) -> int | None:
    """An integer (an integral float, a short decimal string), within ``low``-``high``."""
    number: int | None = None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and len(value) <= 24:  # never thousands of digits
        try:
            number = int(value.strip())
        except ValueError:
            return None
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def _dp_id(value: Any) -> int | None:
    return _int(value, DP_ID_MIN, DP_ID_MAX)


def _str(value: Any, max_length: int = MAX_FIELD_LENGTH) -> str | None:
    """Text fit to store and show: cleaned and bounded, None when nothing is left."""
    if not isinstance(value, str) or not value:
        return None
    return clean_text(value, max_length) or None


def _plain(value: Any, max_length: int = MAX_FIELD_LENGTH) -> str | None:
    """An identifier-like field (product id, category, uid, address): printable ASCII
    without blanks, as the cloud sends it, or None."""
    if (
        isinstance(value, str)
        and 0 < len(value) <= max_length
        and value.isascii()
        and value.isprintable()
        and " " not in value
    ):
        return value
    return None


def _code(value: Any) -> str | None:
    return value if isinstance(value, str) and _CODE.fullmatch(value) else None


def local_key(value: Any) -> str | None:
    """A local key as the cloud gives it, if it can be one: exactly 16 printable ASCII
    characters. Anything else (empty, a 100 MB string, binary) is no key at all."""
    if (
        isinstance(value, str)
        and len(value) == LOCAL_KEY_LENGTH
        and value.isascii()
        and value.isprintable()
    ):
        return value
    return None


def _options(value: Any, max_count: int) -> tuple[str, ...] | None:
    """Enum options or bitmap labels: short texts, as given. None when the list cannot
    be used as a whole (too many, one too long, not text, repeated): an option cut or
    left out would be a value the device does not take, a label left out would shift
    the bits of the ones after it."""
    if not isinstance(value, list | tuple) or len(value) > max_count:
        return None
    items: list[str] = []
    for item in value:
        if (
            not isinstance(item, str)
            or not 0 < len(item) <= MAX_OPTION_LENGTH
            or clean_text(item, MAX_OPTION_LENGTH) != item
            or item in items
        ):
            return None
        items.append(item)
    return tuple(items)


def _loads(text: str) -> Any:
    """JSON from the cloud, or None: too long, not JSON, or nested past the parser."""
    if len(text) > MAX_VALUES_LENGTH:
        return None
    try:
        return json.loads(text)
    except ValueError, RecursionError:
        return None


def parse_values(values: Any) -> dict[str, Any]:
    """A specification's ``values`` (a JSON string, or already a dict), or ``{}``."""
    if isinstance(values, str):
        values = _loads(values) if values.strip() else {}
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
        dp_id: Any,
        code: Any,
        type_: Any,
        values: Mapping[str, Any],
        *,
        mode: str = "rw",
        name: Any = None,
        report_type: Any = None,
    ) -> Self:
        """From Tuya's ``values`` object (or a thing model's ``typeSpec``), checked.

        Raises ValueError when the DP cannot be one of Tuya's (id outside 1-255, a code
        that is no identifier, an unknown type, an enum without a usable range); a
        constraint outside Tuya's bounds is left out (the DP stays, without it).
        """
        number, checked_code, checked_type = _dp_id(dp_id), _code(code), known_type(type_)
        if number is None or checked_code is None or checked_type is None or mode not in MODES:
            raise ValueError("not a DP model: its id, code or type cannot be Tuya's")
        options = _options(values.get("range"), MAX_RANGE) if checked_type == ENUM else ()
        if options is None or (checked_type == ENUM and not options):
            raise ValueError(f"not a DP model: DP {number} is an enum without a usable range")
        low, high = (
            _int(values.get("min"), INT_MIN, INT_MAX),
            _int(values.get("max"), INT_MIN, INT_MAX),
        )
        if low is not None and high is not None and low > high:
            low = high = None  # which one is wrong cannot be told
        return cls(
            dp_id=number,
            code=checked_code,
            type=checked_type,
            mode=mode,
            name=_str(name, MAX_NAME_LENGTH),
            unit=_str(values.get("unit"), MAX_UNIT_LENGTH),
            min=low,
            max=high,
            scale=_int(values.get("scale"), SCALE_MIN, SCALE_MAX),
            step=_int(values.get("step"), 1, INT_MAX),
            range=options,
            label=_options(values.get("label"), MAX_LABELS) or (),
            maxlen=_int(values.get("maxlen"), 0, MAXLEN_MAX),
            report_type=report_type
            if isinstance(report_type, str) and report_type in REPORT_TYPES
            else None,
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
        """The inverse of :meth:`to_dict`, checked as the cloud's answers are (an entry
        stored by an older version may hold anything); raises ValueError on a DP that
        cannot be used, and leaves out a field out of bounds."""
        mode = data.get("mode", "rw")
        values = data.get("values", {})
        if not isinstance(values, Mapping) or mode not in MODES:
            raise ValueError("not a DP model")
        return cls.from_values(
            data.get("dp_id"),
            data.get("code"),
            data.get("type"),
            values,
            mode=mode,
            name=data.get("name"),
            report_type=data.get("report_type"),
        )


def _spec_items(specifications: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """The items of a list, the first MAX_ITEMS only: a device has at most 255 DPs, each
    once in a list; more is a cloud that must not cost us more work."""
    items = specifications.get(key)
    if not isinstance(items, list):
        return []
    return [item for item in items[:MAX_ITEMS] if isinstance(item, Mapping)]


def _item_codes(items: Iterable[Mapping[str, Any]]) -> set[str]:
    codes = (item.get("code") for item in items)
    return {code for code in codes if isinstance(code, str)}


def _thing_properties(thing_model: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The properties of every service; ``model`` may be a JSON string (it usually is)."""
    model: Any = thing_model.get("model", thing_model)
    if isinstance(model, str):
        if len(model) > MAX_THING_MODEL_LENGTH:
            return []
        try:
            model = json.loads(model)
        except ValueError, RecursionError:
            return []
    if not isinstance(model, Mapping):
        return []
    properties: list[Mapping[str, Any]] = []
    services = model.get("services")
    for service in services[:MAX_ITEMS] if isinstance(services, list) else []:
        if isinstance(service, Mapping):
            properties.extend(_spec_items(service, "properties"))
        if len(properties) >= MAX_ITEMS:
            break
    return properties[:MAX_ITEMS]


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
        spec = prop.get("typeSpec")
        if not isinstance(spec, Mapping):
            continue
        mode = prop.get("accessMode")
        try:
            dp = DpModel.from_values(
                prop.get("abilityId"),
                prop.get("code"),
                spec.get("type"),
                spec,
                mode=mode if isinstance(mode, str) and mode in MODES else "rw",
                name=prop.get("name"),
            )
        except ValueError:
            continue  # the device's DP shows raw
        by_id[dp.dp_id] = dp
        id_by_code[dp.code] = dp.dp_id

    specs = specifications or {}
    writable = _item_codes(_spec_items(specs, "functions"))
    readable = _item_codes(_spec_items(specs, "status"))
    seen: set[int] = set()
    for key in ("status", "functions"):
        for item in _spec_items(specs, key):
            code = _code(item.get("code"))
            if code is None:
                continue
            # The documentation's table says dp_id, its example dpId.
            dp_id = _dp_id(item.get("dp_id", item.get("dpId")))
            if dp_id is None:
                dp_id = id_by_code.get(code)
            if dp_id is None or dp_id in seen:
                continue
            seen.add(dp_id)
            mode = ("rw" if code in readable else "wr") if code in writable else "ro"
            known = by_id.get(dp_id)
            try:
                by_id[dp_id] = DpModel.from_values(
                    dp_id,
                    code,
                    item.get("type"),
                    parse_values(item.get("values")),
                    mode=mode,
                    name=_str(item.get("name"), MAX_NAME_LENGTH) or (known.name if known else None),
                )
            except ValueError:
                continue  # the thing model's description of it, if any, stays
    return tuple(by_id[dp_id] for dp_id in sorted(by_id))


def _codes(items: Any) -> dict[str, Any]:
    """``function`` / ``status_range`` of a sharing-SDK device: code -> item (a dict or
    an object with attributes); a list of items is accepted too."""
    out: dict[str, Any] = {}
    if isinstance(items, Mapping):
        for code, item in islice(items.items(), MAX_ITEMS):
            if isinstance(code, str):
                out[code] = item
    elif isinstance(items, list | tuple):
        for item in items[:MAX_ITEMS]:
            code = _attr(item, "code")
            if isinstance(code, str):
                out[code] = item
    return out


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
    for raw_id, strategy in islice(local_strategy.items(), MAX_ITEMS):
        if not isinstance(strategy, Mapping):
            continue
        code = strategy.get("status_code")
        config = strategy.get("config_item")
        if not isinstance(code, str) or not isinstance(config, Mapping):
            continue
        mode = ("rw" if code in readable else "wr") if code in writable else "ro"
        spec = writable.get(code) or readable.get(code)
        try:
            dp = DpModel.from_values(
                raw_id,
                code,
                config.get("valueType"),
                parse_values(config.get("valueDesc")),
                mode=mode,
                name=_attr(spec, "name") if spec is not None else None,
                # the SDK sets it on the status range from dp-report-types
                report_type=_attr(readable[code], "report_type") if code in readable else None,
            )
        except ValueError:
            continue  # the device's DP shows raw
        by_id[dp.dp_id] = dp
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
        """From one entry of any OpenAPI device list (snake_case or camelCase).

        Raises ValueError when its id cannot be a Tuya device id (that device is left
        out of a listing, not the listing); other fields out of bounds are left out.
        """
        device_id = _device_id(_field(item, "id", "device_id", "devId"))
        return cls(
            id=device_id,
            name=_str(_field(item, "name", "custom_name", "customName"), MAX_NAME_LENGTH)
            or device_id,
            local_key=local_key(_field(item, "local_key", "localKey")),
            product_id=_plain(_field(item, "product_id", "productId")),
            category=_plain(item.get("category")),
            product_name=_str(_field(item, "product_name", "productName"), MAX_NAME_LENGTH),
            ip=_plain(item.get("ip")),
            uid=_plain(item.get("uid")),
            gateway_id=_plain(_field(item, "gateway_id", "gatewayId")),
            node_id=_plain(_field(item, "node_id", "nodeId")),
            online=_bool(_field(item, "online", "is_online", "isOnline")),
        )

    @classmethod
    def from_sharing(cls, device: Any) -> Self:
        """From a ``tuya-device-sharing-sdk`` ``CustomerDevice`` (or any object with its
        attributes): ids, key and names, and the model from its ``local_strategy``.

        A device whose DPs are not all readable locally (``support_local`` false) has
        no local strategy: its model is empty and ``model_error`` says why. Checked as
        :meth:`from_api` is.
        """
        device_id = _device_id(getattr(device, "id", None))
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
            name=_str(getattr(device, "name", None), MAX_NAME_LENGTH) or device_id,
            local_key=local_key(getattr(device, "local_key", None)),
            product_id=_plain(getattr(device, "product_id", None)),
            category=_plain(getattr(device, "category", None)),
            product_name=_str(getattr(device, "product_name", None), MAX_NAME_LENGTH),
            ip=_plain(getattr(device, "ip", None)),
            uid=_plain(getattr(device, "uid", None)),
            gateway_id=_plain(getattr(device, "gateway_id", None)),
            node_id=_plain(getattr(device, "node_id", None)),
            online=_bool(getattr(device, "online", None)),
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
        """The inverse of :meth:`to_dict`, checked as :meth:`from_api` is; raises
        ValueError on another shape. A stored DP that cannot be used is left out."""
        model = data.get("model", [])
        if not isinstance(model, list):
            raise ValueError("not a cloud device")
        return replace(
            cls.from_api(data),
            model=parse_stored_model(model),
            model_error=_str(data.get("model_error"), MAX_MODEL_ERROR_LENGTH),
        )


def parse_stored_model(stored: Any) -> tuple[DpModel, ...]:
    """A model as a config entry stores it (a list of :meth:`DpModel.to_dict`), checked:
    a DP that cannot be used is left out, one DP per id, at most MAX_DPS."""
    if not isinstance(stored, list):
        return ()
    by_id: dict[int, DpModel] = {}
    for item in stored[:MAX_ITEMS]:
        if not isinstance(item, Mapping):
            continue
        try:
            dp = DpModel.from_dict(item)
        except ValueError:
            continue
        by_id.setdefault(dp.dp_id, dp)
    return tuple(by_id[dp_id] for dp_id in sorted(by_id))


def _device_id(value: Any) -> str:
    if not isinstance(value, str) or not valid_device_id(value):
        raise ValueError("not a cloud device: no usable device id")
    return value


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
