"""Hostile cloud answers, and the path each one takes into Home Assistant (issue 14).

:func:`hostile_answer` makes one random answer of a cloud that says what it likes:
v1.1 specifications, a thing model (double-encoded, as Tuya sends it), a Smart Life
SDK device (attributes, ``local_strategy``), and a device list entry, built from
plausible shapes with hostile values in any field (integers past 64 bits, NaN, huge
and negative scales, DP ids 0, -5 and 10**30, codes and names with terminal escapes,
thousands of DPs, enum ranges of any length, JSON nested past the parser...).

:func:`check_answer` takes it where the integration takes a real one: parsed
(``merge_model``, ``CloudDevice.from_api`` / ``from_sharing``), stored
(``to_dict``: strict JSON, every integer within 64 bits, read back equal), and turned
into entities (the mapping layer's specs and entity descriptions). Anything but a
device left out (ValueError from the device parsers) is an untyped error, and fails.
Used by ``tests/ha/test_cloud_fuzz.py`` (a seeded run in CI) and
``benchmarks/cloud_fuzz.py`` (10**5 inputs and more, with figures).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from custom_components.tuya_lan.mapping import build_descriptions
from custom_components.tuya_lan.overrides import resolve_specs
from custom_components.tuya_lan.tuyalan.cloud_model import (
    CloudDevice,
    DpModel,
    merge_model,
    model_from_sharing,
)

INT64 = 2**63
TYPES = ("Boolean", "Integer", "Enum", "String", "Raw", "Bitmap", "Json")
THING_TYPES = ("bool", "value", "enum", "string", "raw", "bitmap", "struct", "array")
CODES = (
    "switch_1",
    "switch",
    "countdown_1",
    "countdown_usb1",
    "cur_current",
    "cur_power",
    "cur_voltage",
    "add_ele",
    "total_forward_energy",
    "relay_status",
    "light_mode",
    "fault",
    "child_lock",
    "switch_usb1",
    "phase_a",
)
CATEGORIES = ("cz", "pc", "kg", "dlq", "wsdcg", None)


def hostile_scalar(rng: random.Random) -> Any:
    """One value a field should not hold (or sometimes one it should)."""
    choice = rng.randrange(22)
    if choice == 0:
        return 10 ** rng.randrange(19, 40)
    if choice == 1:
        return -(10 ** rng.randrange(5, 40))
    if choice == 2:
        return rng.choice([float("nan"), float("inf"), float("-inf"), 1e20, -1e300, 2.5])
    if choice == 3:
        return rng.choice([0, -1, -5, 1, 9, 10, 255, 256, 2**31, 2**32, 2**63])
    if choice == 4:
        return "\x1b[2J\x1b]0;pwned\x07" + "x" * rng.randrange(0, 300) + "\r\nforged\u202e"
    if choice == 5:
        return "y" * rng.choice([0, 1, 16, 64, 65, 1000, 20_000])
    if choice == 6:
        return rng.choice(["", " ", "../../etc/passwd", "a b", "\ud800", "é€", "9" * 5000])
    if choice == 7:
        return [hostile_scalar(rng) for _ in range(rng.randrange(4))]
    if choice == 8:
        return {"k": hostile_scalar(rng)}
    if choice == 9:
        return rng.choice([None, True, False])
    if choice == 10:
        return str(rng.randrange(-(10**6), 10**6))
    return rng.randrange(-100, 100_000)


def plausible_or_hostile(rng: random.Random, plausible: Any) -> Any:
    return plausible if rng.random() < 0.6 else hostile_scalar(rng)


def hostile_values(rng: random.Random, type_: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, plausible in (
        ("min", 0),
        ("max", rng.choice([100, 1000, 86400, 50000])),
        ("scale", rng.randrange(0, 4)),
        ("step", 1),
        ("unit", rng.choice(["V", "W", "mA", "kwh", "s", "min"])),
        ("maxlen", 255),
    ):
        if rng.random() < 0.7:
            values[key] = plausible_or_hostile(rng, plausible)
    if type_ in ("Enum", "enum") or rng.random() < 0.1:
        count = rng.choice([0, 1, 3, 100, 101, 2000])
        values["range"] = [
            plausible_or_hostile(rng, f"mode{i}") for i in range(min(count, rng.randrange(1, 60)))
        ] + [f"m{i}" for i in range(max(0, count - 60))]
    if type_ in ("Bitmap", "bitmap") or rng.random() < 0.1:
        values["label"] = [plausible_or_hostile(rng, f"l{i}") for i in range(rng.randrange(40))]
    return values


def _json_or_hostile(rng: random.Random, value: Any) -> Any:
    """A JSON string as Tuya double-encodes it, or something else in its place."""
    choice = rng.randrange(10)
    if choice == 0:
        depth = rng.choice([10, 1000, 200_000])
        return "[" * depth + "]" * depth
    if choice == 1:
        return json.dumps(value)[: rng.randrange(1, 40)]  # cut
    if choice == 2:
        return hostile_scalar(rng)
    if choice == 3:
        return value  # already decoded
    return json.dumps(value)


def _dp_id(rng: random.Random) -> Any:
    return rng.randrange(1, 30) if rng.random() < 0.7 else hostile_scalar(rng)


def _code(rng: random.Random) -> Any:
    return rng.choice(CODES) if rng.random() < 0.8 else hostile_scalar(rng)


def _count(rng: random.Random) -> int:
    """How many DPs: what devices have, and more than Tuya's 255 ids allow."""
    return rng.choice([0, 1, 3, 6, 10, 20, 40, 300]) if rng.random() < 0.95 else 10_000


def _many(rng: random.Random, make: Any, count: int) -> list[Any]:
    """``count`` items; past 40, copies of 40 made ones (making each is the slow part)."""
    made = [make() for _ in range(min(count, 40))]
    return [made[i % len(made)] for i in range(count)] if made else []


def hostile_specifications(rng: random.Random) -> Any:
    if rng.random() < 0.05:
        return hostile_scalar(rng)

    def make() -> Any:
        type_ = rng.choice(TYPES) if rng.random() < 0.85 else hostile_scalar(rng)
        item = {
            rng.choice(["dp_id", "dpId"]): _dp_id(rng),
            "code": _code(rng),
            "type": type_,
            "values": _json_or_hostile(rng, hostile_values(rng, str(type_))),
        }
        if rng.random() < 0.2:
            item["name"] = hostile_scalar(rng)
        return item if rng.random() < 0.97 else hostile_scalar(rng)

    items = _many(rng, make, _count(rng))
    half = len(items) // 2
    return {"category": rng.choice(CATEGORIES), "functions": items[:half], "status": items[half:]}


def hostile_thing_model(rng: random.Random) -> Any:
    if rng.random() < 0.05:
        return hostile_scalar(rng)

    def make() -> dict[str, Any]:
        type_ = rng.choice(THING_TYPES) if rng.random() < 0.85 else hostile_scalar(rng)
        return {
            "abilityId": _dp_id(rng),
            "code": _code(rng),
            "name": plausible_or_hostile(rng, "Switch 1"),
            "accessMode": plausible_or_hostile(rng, rng.choice(["rw", "ro", "wr"])),
            "typeSpec": {"type": type_, **hostile_values(rng, str(type_))},
        }

    properties = _many(rng, make, _count(rng))
    model = {"services": [{"properties": properties}]}
    return {"model": _json_or_hostile(rng, model)}


def hostile_sharing_device(rng: random.Random) -> SimpleNamespace:
    strategy: dict[Any, Any] = {}
    function: dict[Any, Any] = {}

    def make() -> tuple[Any, dict[str, Any]]:
        type_ = rng.choice(TYPES) if rng.random() < 0.85 else hostile_scalar(rng)
        code = _code(rng)
        config = {
            "valueType": type_,
            "valueDesc": _json_or_hostile(rng, hostile_values(rng, str(type_))),
        }
        return code, {"status_code": code, "config_item": config}

    count = _count(rng)
    made = [make() for _ in range(min(count, 40))]
    for index in range(count):
        code, item = made[index % len(made)]
        dp_id = _dp_id(rng) if index < 40 else index
        strategy[dp_id if isinstance(dp_id, int | str) else str(dp_id)] = item
        if isinstance(code, str) and index < 40 and rng.random() < 0.5:
            function[code] = SimpleNamespace(code=code, name=hostile_scalar(rng))
    return SimpleNamespace(
        id=plausible_or_hostile(rng, "bf00000000000000aa01"),
        name=plausible_or_hostile(rng, "Plug"),
        local_key=plausible_or_hostile(rng, "0123456789abcdef"),
        category=plausible_or_hostile(rng, "cz"),
        product_id=plausible_or_hostile(rng, "plugproduct00001"),
        product_name=hostile_scalar(rng),
        online=hostile_scalar(rng),
        support_local=hostile_scalar(rng),
        local_strategy=strategy if rng.random() < 0.95 else hostile_scalar(rng),
        function=function,
        status_range=hostile_scalar(rng) if rng.random() < 0.3 else {},
    )


def hostile_device_entry(rng: random.Random) -> dict[str, Any]:
    return {
        "id": plausible_or_hostile(rng, "bf00000000000000aa01"),
        rng.choice(["name", "customName"]): plausible_or_hostile(rng, "Plug"),
        rng.choice(["local_key", "localKey"]): plausible_or_hostile(rng, "0123456789abcdef"),
        "product_id": plausible_or_hostile(rng, "plugproduct00001"),
        "category": plausible_or_hostile(rng, "cz"),
        "product_name": hostile_scalar(rng),
        "ip": plausible_or_hostile(rng, "203.0.113.7"),
        "uid": plausible_or_hostile(rng, "eu1700000000000aaaaa"),
        "online": hostile_scalar(rng),
        "gateway_id": hostile_scalar(rng),
    }


def hostile_answer(rng: random.Random) -> dict[str, Any]:
    """One hostile cloud: an OpenAPI device with its two model sources, and a Smart Life
    SDK device."""
    return {
        "entry": hostile_device_entry(rng),
        "specifications": hostile_specifications(rng),
        "thing_model": hostile_thing_model(rng),
        "sharing": hostile_sharing_device(rng),
    }


def _within_64_bits(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -INT64 <= value < INT64
    if isinstance(value, dict):
        return all(_within_64_bits(item) for item in value.values())
    if isinstance(value, list):
        return all(_within_64_bits(item) for item in value)
    return True


def _stored(device: CloudDevice) -> None:
    """What a config entry would hold: strict JSON, 64-bit integers, read back equal."""
    text = json.dumps(device.to_dict(), allow_nan=False)
    text.encode()  # no lone surrogate
    data = json.loads(text)
    if not _within_64_bits(data):
        raise AssertionError(f"an integer past 64 bits stored: {text[:200]}")
    if CloudDevice.from_dict(data) != device:
        raise AssertionError(f"not read back as stored: {text[:200]}")


def _reported(rng: random.Random, model: tuple[DpModel, ...]) -> dict[str, Any]:
    """What the device reports: its model's DPs with values of any kind."""
    values: list[Any] = [True, False, 0, 1, 2296, -5, 10**12, "white", "AAEC", None, 1.5]
    return {str(dp.dp_id): rng.choice(values) for dp in model}


def _entities(rng: random.Random, device: CloudDevice) -> None:
    specs = resolve_specs(
        _reported(rng, device.model), {}, category=device.category, model=device.model
    )
    descriptions = build_descriptions(specs)
    for number in descriptions.numbers:  # the bounds a number entity shows: finite
        for bound in (number.native_min_value, number.native_max_value, number.native_step):
            if bound is not None and not -1e300 < bound < 1e300:
                raise AssertionError(f"a number entity bound of {bound}")


def check_answer(answer: dict[str, Any], rng: random.Random) -> None:
    """Parse, store and map one hostile answer; raises on anything untyped."""
    model = merge_model(
        answer["specifications"] if isinstance(answer["specifications"], dict) else None,
        answer["thing_model"] if isinstance(answer["thing_model"], dict) else None,
    )
    try:
        device = replace(CloudDevice.from_api(answer["entry"]), model=model)
    except ValueError:
        device = CloudDevice("bf00000000000000aa01", "fallback", None, model=model)
    _stored(device)
    _entities(rng, device)
    sharing = answer["sharing"]
    model_from_sharing(sharing.local_strategy, sharing.function, sharing.status_range)
    try:
        shared = CloudDevice.from_sharing(sharing)
    except ValueError:
        return  # a device without a usable id is left out of the listing
    _stored(shared)
    _entities(rng, shared)


def run(count: int, seed: int) -> tuple[float, float, list[str]]:
    """``count`` answers from ``seed``: the slowest and the total time spent on them (CPU
    time of this process: the work an input costs, not how busy the machine is), and
    the untyped errors."""
    rng = random.Random(seed)
    slowest = total = 0.0
    errors: list[str] = []
    for index in range(count):
        answer = hostile_answer(rng)
        started = time.process_time()
        try:
            check_answer(answer, rng)
        except Exception as err:
            errors.append(f"input {index}: {type(err).__name__}: {str(err)[:200]}")
        spent = time.process_time() - started
        slowest, total = max(slowest, spent), total + spent
    return slowest, total, errors
