"""tuya-cloudcutter key files and device profiles, read into what we keep (sans-IO).

tuya-cloudcutter re-provisions a device with keys its owner holds and leaves
``configured-devices/<uuid>.deviceconfig`` behind: one JSON object with ``device_id``
(20 characters), ``local_key`` (16), ``uuid``, ``auth_key``, ``sec_key``,
``chip_family``, ``profile_name``, ``device_slug`` and, on some, ``psk``. Only the
device id, local key, uuid and the names are kept: the ``auth_key``, ``sec_key`` and
``psk`` authenticate the device to a (fake) cloud, nothing we do needs them, and a
secret not kept can neither be stored nor logged.

Its device list describes each device by a profile JSON: ``key`` the product id and
``schemas``, ``{schema id: [DP items]}``, each item Tuya's schema shape (``id``,
``mode``, optional ``code`` and ``name``, ``property`` with the type and the value
constraints). Those go through :meth:`DpModel.from_values`, bounded like the cloud's
answers.

Both files are user input: a clear :class:`CloudcutterFileError` names the field that
is missing or wrong, and no text of a secret ever goes into an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from .cloud_model import ENUM, INTEGER, MODES, DpModel, local_key
from .dpmap import DpKind, DpSpec, finish, from_numbers
from .errors import TuyaError, clean_text

# A key file is a few hundred bytes, a profile a few KiB: refuse far more before parsing.
MAX_KEY_FILE_LENGTH: Final = 16 * 1024
MAX_PROFILE_LENGTH: Final = 512 * 1024
DEVICE_ID_LENGTH: Final = 20
MAX_UUID_LENGTH: Final = 64
MAX_NAME_LENGTH: Final = 100
MAX_SCHEMA_ITEMS: Final = 255
# Fields a key file must have, secrets included (a file without them is not what
# cloudcutter writes: probably another file was picked).
REQUIRED_FIELDS: Final = (
    "device_id",
    "local_key",
    "uuid",
    "auth_key",
    "sec_key",
    "chip_family",
    "profile_name",
    "device_slug",
)
SECRET_FIELDS: Final = frozenset({"auth_key", "sec_key", "psk"})


class CloudcutterFileError(TuyaError, ValueError):
    """A key file or profile that cannot be used; ``field`` names the culprit (None:
    the file as a whole) and ``reason`` says what is wrong with it, as a short code
    the user-facing layer translates: ``not_json``, ``too_long``, ``not_object``,
    ``missing``, ``wrong``."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        where = f"field {field!r}" if field is not None else "the file"
        super().__init__(f"cloudcutter file: {where} is {reason.replace('_', ' ')}")


def _object(text: str | bytes, max_length: int) -> Mapping[str, Any]:
    if len(text) > max_length:
        raise CloudcutterFileError("too_long")
    try:
        data = json.loads(text)
    except ValueError, RecursionError:
        raise CloudcutterFileError("not_json") from None
    if not isinstance(data, Mapping):
        raise CloudcutterFileError("not_object")
    return data


def _printable(value: Any, max_length: int) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= max_length
        and value.isascii()
        and value.isprintable()
        and " " not in value
    )


@dataclass(frozen=True, slots=True)
class CloudcutterDevice:
    """What a key file gives us: no secret of cloudcutter's is held here."""

    device_id: str
    local_key: str
    uuid: str
    profile_name: str | None = None
    device_slug: str | None = None
    chip_family: str | None = None

    def __repr__(self) -> str:
        # The local key is a secret of ours: never in a log line or a traceback.
        return (
            f"CloudcutterDevice(device_id={self.device_id!r}, uuid={self.uuid!r}, "
            f"device_slug={self.device_slug!r}, local_key=<hidden>)"
        )

    __str__ = __repr__


def parse_key_file(text: str | bytes) -> CloudcutterDevice:
    """A ``.deviceconfig`` file's text, checked; raises :class:`CloudcutterFileError`.

    Every required field must be present; the device id must be 20 printable ASCII
    characters, the local key 16, the uuid short printable ASCII. The secrets are
    checked to be present (that is what tells a key file from another JSON file) and
    then dropped.
    """
    data = _object(text, MAX_KEY_FILE_LENGTH)
    for name in REQUIRED_FIELDS:
        if data.get(name) in (None, ""):
            raise CloudcutterFileError("missing", name)
    for name in sorted(SECRET_FIELDS):
        if name in data and not isinstance(data[name], str):
            raise CloudcutterFileError("wrong", name)
    device_id = data["device_id"]
    if not (_printable(device_id, DEVICE_ID_LENGTH) and len(device_id) == DEVICE_ID_LENGTH):
        raise CloudcutterFileError("wrong", "device_id")
    key = local_key(data["local_key"])
    if key is None:
        raise CloudcutterFileError("wrong", "local_key")
    uuid = data["uuid"]
    if not _printable(uuid, MAX_UUID_LENGTH):
        raise CloudcutterFileError("wrong", "uuid")
    names: dict[str, str | None] = {}
    for name in ("profile_name", "device_slug", "chip_family"):
        value = data[name]
        if not isinstance(value, str):
            raise CloudcutterFileError("wrong", name)
        names[name] = clean_text(value, MAX_NAME_LENGTH) or None
    return CloudcutterDevice(
        device_id=device_id,
        local_key=key,
        uuid=uuid,
        profile_name=names["profile_name"],
        device_slug=names["device_slug"],
        chip_family=names["chip_family"],
    )


@dataclass(frozen=True, slots=True)
class CloudcutterProfile:
    """A device profile: its product id and DP models (the DPs that make sense)."""

    product_id: str | None
    name: str | None
    model: tuple[DpModel, ...]


def _schema_items(schemas: Any) -> list[Mapping[str, Any]]:
    """The DP items of every schema (a profile usually has one), first MAX_SCHEMA_ITEMS."""
    if not isinstance(schemas, Mapping) or not schemas:
        raise CloudcutterFileError("missing" if not schemas else "wrong", "schemas")
    items: list[Mapping[str, Any]] = []
    for given in schemas.values():
        schema = given
        if isinstance(given, str):  # Tuya's own APIs give the schema as a JSON string
            try:
                schema = json.loads(given) if len(given) <= MAX_PROFILE_LENGTH else None
            except ValueError, RecursionError:
                schema = None
        if not isinstance(schema, list):
            raise CloudcutterFileError("wrong", "schemas")
        items.extend(item for item in schema[:MAX_SCHEMA_ITEMS] if isinstance(item, Mapping))
    return items[:MAX_SCHEMA_ITEMS]


def parse_profile(text: str | bytes) -> CloudcutterProfile:
    """A cloudcutter device profile's text: DP models by id, checked and bounded.

    An item that cannot be one of Tuya's DPs is left out (the device's DP shows raw);
    an item without a ``code`` (cloudcutter's profiles often have none) gets
    ``dp_<id>``, so its kind comes from the no-model rule, its type and scale from here.
    Raises :class:`CloudcutterFileError` when there are no schemas at all.
    """
    data = _object(text, MAX_PROFILE_LENGTH)
    by_id: dict[int, DpModel] = {}
    for item in _schema_items(data.get("schemas")):
        spec = item.get("property")
        if not isinstance(spec, Mapping):
            continue
        dp_id = item.get("id")
        code = item.get("code")
        if code in (None, "") and isinstance(dp_id, int) and not isinstance(dp_id, bool):
            code = f"dp_{dp_id}"
        mode = item.get("mode")
        try:
            dp = DpModel.from_values(
                dp_id,
                code,
                spec.get("type"),
                spec,
                mode=mode if isinstance(mode, str) and mode in MODES else "rw",
                name=item.get("name"),
            )
        except ValueError:
            continue
        by_id.setdefault(dp.dp_id, dp)
    product_id = data.get("key")
    name = data.get("name")
    return CloudcutterProfile(
        product_id=product_id if _printable(product_id, 64) else None,
        name=clean_text(name, MAX_NAME_LENGTH) or None if isinstance(name, str) else None,
        model=tuple(by_id[dp_id] for dp_id in sorted(by_id)),
    )


# Kinds whose values a profile's integer constraints describe (scale, unit, range).
_MEASURED = frozenset(
    {
        DpKind.CURRENT,
        DpKind.POWER,
        DpKind.VOLTAGE,
        DpKind.ENERGY,
        DpKind.ENERGY_TOTAL,
        DpKind.COUNTDOWN,
        DpKind.SENSOR,
    }
)


def profile_specs(dps: Mapping[str, Any], model: Iterable[DpModel]) -> dict[str, DpSpec]:
    """The kinds the numbering rule proves from a status, with the profile's types,
    scales, units and ranges where it describes the DP.

    A profile's DPs rarely have codes, so the profile cannot say what a DP is; it says
    what its values mean. A DP the profile describes with another type than the one
    the rule found (a boolean the rule took for a number) keeps the rule's reading and
    nothing of the profile's.
    """
    by_id = {str(dp.dp_id): dp for dp in model}
    specs: dict[str, DpSpec] = {}
    for dp, found in from_numbers(dps).items():
        spec = finish(dp, found)
        described = by_id.get(dp)
        if described is not None and described.type == INTEGER and spec.kind in _MEASURED:
            spec = replace(
                spec,
                scale=10.0**-described.scale if described.scale is not None else spec.scale,
                unit=described.unit or spec.unit,
                minimum=described.min if spec.kind is DpKind.COUNTDOWN else spec.minimum,
                maximum=described.max if spec.kind is DpKind.COUNTDOWN else spec.maximum,
                step=described.step if spec.kind is DpKind.COUNTDOWN else spec.step,
                code=described.code if not described.code.startswith("dp_") else spec.code,
            )
        elif described is not None and described.type == ENUM and described.range:
            spec = replace(spec, options=described.range)
        specs[dp] = spec
    return specs
