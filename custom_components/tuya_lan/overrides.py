"""What the entry stores about a device's DPs, read back as the library's specs.

The entry keeps the device's data model (``entry.data["model"]``), what the numbering
rule proved (``entry.data["learned"]``) and the user's overrides
(``entry.options["dps"]``, set in the options flow: a DP's kind, its scale, the options
of a select or enum, and for generic sensors unit and device class). All of it is input:
a part that makes no sense is skipped with a warning, so a typo never keeps the device
from loading. :func:`resolve` turns it, with the device's status, into the spec of every
DP: the library's :func:`~.tuyalan.dpmap.describe`, then each override applied with
``dataclasses.replace``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, Final

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.components.switch.const import SwitchDeviceClass

from . import validation
from .const import LOGGER
from .tuyalan import DpModel
from .tuyalan.dpmap import (
    COMPOSITE_KINDS,
    DP_ID_MAX,
    ROWS_BY_KIND,
    USER_KINDS,
    Described,
    DpKind,
    DpSpec,
    describe,
    is_dp_id,
    spec_from_dict,
    spec_to_dict,
)

# The key of the errors below: they are logged, never shown in a form.
_INVALID_MAPPING: Final = "invalid_mapping"

OPT_KIND: Final = "kind"
OPT_SCALE: Final = "scale"
OPT_UNIT: Final = "unit"
OPT_DEVICE_CLASS: Final = "device_class"
OPT_OPTIONS: Final = "options"
OPT_NAME: Final = "name"
# A part of a light, cover, fan or thermostat a user made by hand (options_entities):
# which part (the library's role), which entity of its kind (index), its raw range,
# the control's words for open/close/stop (labels), the standard code that says its
# encoding (colour_data_v2 or colour_data), and a cover position's direction.
OPT_ROLE: Final = "role"
OPT_INDEX: Final = "index"
OPT_MINIMUM: Final = "minimum"
OPT_MAXIMUM: Final = "maximum"
OPT_STEP: Final = "step"
OPT_LABELS: Final = "labels"
OPT_CODE: Final = "code"
OPT_INVERTED: Final = "inverted"
# Bounds of what a user enters for a part: a raw value fits a Tuya integer DP (32-bit),
# an entity number is a channel of a device.
RAW_LIMIT: Final = 2**31 - 1
MAX_INDEX: Final = 16
MAX_NAME: Final = 100
# Form errors (keys under "error" in strings.json's options).
ERROR_NAME: Final = "invalid_name"
ERROR_RANGE: Final = "invalid_range"

# What the user may set beside the kind, by kind (the options flow asks for these).
KIND_OPTIONS: Final[dict[DpKind, tuple[str, ...]]] = {
    DpKind.SWITCH: (OPT_DEVICE_CLASS,),
    DpKind.COUNTDOWN: (OPT_SCALE,),
    DpKind.CURRENT: (OPT_SCALE,),
    DpKind.POWER: (OPT_SCALE,),
    DpKind.VOLTAGE: (OPT_SCALE,),
    DpKind.ENERGY: (OPT_SCALE,),
    DpKind.ENERGY_TOTAL: (OPT_SCALE,),
    DpKind.SELECT: (OPT_OPTIONS,),
    DpKind.ENUM: (OPT_OPTIONS,),
    DpKind.SENSOR: (OPT_SCALE, OPT_UNIT, OPT_DEVICE_CLASS),
}

SWITCH_DEVICE_CLASSES: Final = (SwitchDeviceClass.OUTLET, SwitchDeviceClass.SWITCH)
# Device classes offered for a generic sensor: numeric ones a plug may report.
SENSOR_DEVICE_CLASSES: Final = (
    SensorDeviceClass.APPARENT_POWER,
    SensorDeviceClass.CURRENT,
    SensorDeviceClass.DURATION,
    SensorDeviceClass.ENERGY,
    SensorDeviceClass.FREQUENCY,
    SensorDeviceClass.HUMIDITY,
    SensorDeviceClass.POWER,
    SensorDeviceClass.POWER_FACTOR,
    SensorDeviceClass.REACTIVE_POWER,
    SensorDeviceClass.TEMPERATURE,
    SensorDeviceClass.VOLTAGE,
)
# Options of a select or enum the user types: a handful of short values.
MAX_OPTIONS: Final = 32
MAX_OPTION_LENGTH: Final = 64


def parse_model(stored: Any) -> tuple[DpModel, ...]:
    """The cached data model of ``entry.data["model"]``; a malformed item is skipped."""
    if not isinstance(stored, list):
        return ()
    models: list[DpModel] = []
    for item in stored:
        try:
            models.append(DpModel.from_dict(item if isinstance(item, Mapping) else {}))
        except ValueError:
            LOGGER.warning("Ignoring a malformed DP of the cached data model")
    return tuple(models)


def parse_learned(stored: Any) -> dict[str, DpSpec]:
    """The proofs an entry keeps (``entry.data["learned"]``); a malformed one is skipped."""
    if not isinstance(stored, Mapping):
        return {}
    learned: dict[str, DpSpec] = {}
    for dp, item in list(stored.items())[: DP_ID_MAX * 2]:
        if isinstance(dp, str) and is_dp_id(dp) and (found := spec_from_dict(item)):
            learned[dp] = replace(found, dp=dp)
    return learned


def store_learned(learned: Mapping[str, DpSpec]) -> dict[str, Any]:
    """The JSON the entry keeps of proofs (see :func:`parse_learned`)."""
    return {dp: spec_to_dict(found) for dp, found in learned.items()}


def _dp_sort_key(dp: str) -> tuple[int, str]:
    try:
        return (validation.dp_id(dp), dp)
    except validation.InvalidInput:  # "²" is a digit to str.isdigit(), not to int()
        return (1 << 30, dp)


def resolve(
    dps: Mapping[str, Any],
    overrides: Any,
    *,
    category: str | None = None,
    model: Iterable[DpModel] = (),
    learned: Mapping[str, DpSpec] | None = None,
) -> Described:
    """The library's specs (model or numbering), then the overrides, sorted by DP.

    ``overrides`` is what ``entry.options["dps"]`` holds, unchecked: a mapping that
    does not make sense is skipped (see :func:`parse_overrides`).
    """
    found = describe(dps, category=category, model=model, learned=learned)
    specs = found.specs
    for dp, override in parse_overrides(overrides).items():
        specs[dp] = apply_override(dp, override, specs.get(dp))
    return replace(found, specs={dp: specs[dp] for dp in sorted(specs, key=_dp_sort_key)})


def resolve_specs(
    dps: Mapping[str, Any],
    overrides: Any,
    *,
    category: str | None = None,
    model: Iterable[DpModel] = (),
    learned: Mapping[str, DpSpec] | None = None,
) -> dict[str, DpSpec]:
    """The spec of every DP (see :func:`resolve`)."""
    return resolve(dps, overrides, category=category, model=model, learned=learned).specs


def apply_override(dp: str, override: Mapping[str, Any], default: DpSpec | None) -> DpSpec:
    """One override, as :func:`parse_overrides` returns it, over the DP's default.

    The override keeps what the default knew that it does not set itself when the kind
    stays the same (a select's options, a bitmap's labels, a countdown's range, the
    gang number); another kind starts afresh but keeps the model's code.
    """
    kind = DpKind(override[OPT_KIND])
    name = override.get(OPT_NAME)
    if kind in COMPOSITE_KINDS:  # a part of an entity the user made: all it says
        return DpSpec(
            dp=dp,
            kind=kind,
            role=override[OPT_ROLE],
            index=override.get(OPT_INDEX),
            scale=override.get(OPT_SCALE),
            unit=override.get(OPT_UNIT),
            options=tuple(override.get(OPT_OPTIONS, ())),
            labels=tuple(override.get(OPT_LABELS, ())),
            minimum=override.get(OPT_MINIMUM),
            maximum=override.get(OPT_MAXIMUM),
            step=override.get(OPT_STEP),
            code=override.get(OPT_CODE),
            inverted=override.get(OPT_INVERTED),
            name=name,
            overridden=True,
        )
    base = (
        default
        if default is not None and default.kind is kind
        else DpSpec(dp=dp, kind=kind, code=default.code if default else None)
    )
    return replace(
        base,
        scale=override.get(OPT_SCALE),
        unit=override.get(OPT_UNIT),
        device_class=override.get(OPT_DEVICE_CLASS),
        options=tuple(override.get(OPT_OPTIONS, ())) or base.options,
        name=name,
        overridden=True,
    )


def parse_overrides(stored: Any) -> dict[str, dict[str, Any]]:
    """Return the usable overrides of ``entry.options["dps"]``, cleaned.

    Options are JSON the user may have edited by hand: a DP whose mapping does not make
    sense is left out (it keeps its default), with one warning that names it.
    """
    if stored is None:
        return {}
    if not isinstance(stored, Mapping):
        LOGGER.warning("Ignoring the stored DP mappings: not a mapping of DP to mapping")
        return {}
    parsed: dict[str, dict[str, Any]] = {}
    for key, override in stored.items():
        try:
            dp, cleaned = _parse_override(key, override)
        except validation.InvalidInput as err:
            LOGGER.warning("Ignoring the stored mapping of DP %s: %s", _show(key), err)
            continue
        parsed[dp] = cleaned
    return parsed


def _show(value: Any) -> str:
    """A short text for a log line: never the repr of a whole (maybe huge) structure."""
    if isinstance(value, str):
        return repr(value[:40])
    if (
        value is None
        or isinstance(value, float)
        or (isinstance(value, int) and value.bit_length() <= 64)
    ):
        return repr(value)
    return f"<{type(value).__name__}>"  # repr() of a 5,000-digit int raises


def parse_options(value: Any) -> tuple[str, ...]:
    """The options of a select or enum: 1 to MAX_OPTIONS distinct short strings."""
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list | tuple) or not value or len(value) > MAX_OPTIONS:
        raise validation.InvalidInput(
            validation.ERROR_OPTIONS, f"between 1 and {MAX_OPTIONS} options"
        )
    options: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise validation.InvalidInput(validation.ERROR_OPTIONS, "an option is text")
        text = item.strip()
        if not 0 < len(text) <= MAX_OPTION_LENGTH or not text.isprintable():
            raise validation.InvalidInput(
                validation.ERROR_OPTIONS, f"an option is 1 to {MAX_OPTION_LENGTH} characters"
            )
        if text not in options:
            options.append(text)
    return tuple(options)


def _parse_override(key: Any, override: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(key, str):
        raise validation.InvalidInput(_INVALID_MAPPING, "the DP is not a string")
    dp = str(validation.dp_id(key))
    if not isinstance(override, Mapping):
        raise validation.InvalidInput(_INVALID_MAPPING, "the mapping is not an object")
    raw_kind = override.get(OPT_KIND)
    kinds = {kind.value for kind in (*USER_KINDS, *COMPOSITE_KINDS)}
    if not isinstance(raw_kind, str) or raw_kind not in kinds:
        raise validation.InvalidInput(_INVALID_MAPPING, f"unknown kind {_show(raw_kind)}")
    kind = DpKind(raw_kind)
    cleaned: dict[str, Any] = {OPT_KIND: kind.value}
    if (name := override.get(OPT_NAME)) is not None:
        cleaned[OPT_NAME] = parse_name(name)
    if kind in COMPOSITE_KINDS:
        cleaned.update(_parse_part(kind, override))
    if (scale := override.get(OPT_SCALE)) is not None:
        cleaned[OPT_SCALE] = validation.scale(scale)
    if (unit := override.get(OPT_UNIT)) is not None:
        cleaned[OPT_UNIT] = validation.unit(unit)
    if (options := override.get(OPT_OPTIONS)) is not None:
        cleaned[OPT_OPTIONS] = list(parse_options(options))
    if (device_class := override.get(OPT_DEVICE_CLASS)) is not None:
        classes = SwitchDeviceClass if kind is DpKind.SWITCH else SensorDeviceClass
        if not isinstance(device_class, str) or device_class not in {c.value for c in classes}:
            raise validation.InvalidInput(
                _INVALID_MAPPING, f"unknown device class {_show(device_class)}"
            )
        cleaned[OPT_DEVICE_CLASS] = device_class
    return dp, cleaned


def parse_name(value: Any) -> str:
    """An entity's name a user gave: 1 to MAX_NAME printable characters."""
    text = value.strip() if isinstance(value, str) else ""
    if not 0 < len(text) <= MAX_NAME or not text.isprintable():
        raise validation.InvalidInput(ERROR_NAME, f"a name is 1 to {MAX_NAME} printable characters")
    return text


def _raw(value: Any, low: int = -RAW_LIMIT) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= RAW_LIMIT:
        raise validation.InvalidInput(_INVALID_MAPPING, f"{_show(value)} is no raw DP value")
    return value


def _parse_part(kind: DpKind, override: Mapping[str, Any]) -> dict[str, Any]:
    """What a part of a hand-made entity holds beside its kind, checked: a role of the
    kind's row, a code that row gives the role, a non-empty raw range."""
    row = ROWS_BY_KIND[kind]
    roles = {part.role: part for part in row.parts}
    role = override.get(OPT_ROLE)
    if not isinstance(role, str) or role not in roles:
        raise validation.InvalidInput(_INVALID_MAPPING, f"{kind} has no part {_show(role)}")
    cleaned: dict[str, Any] = {OPT_ROLE: role}
    if (index := override.get(OPT_INDEX)) is not None:
        cleaned[OPT_INDEX] = _raw(index, 1)
        if cleaned[OPT_INDEX] > MAX_INDEX:
            raise validation.InvalidInput(_INVALID_MAPPING, f"index above {MAX_INDEX}")
    for key in (OPT_MINIMUM, OPT_MAXIMUM, OPT_STEP):
        if (number := override.get(key)) is not None:
            cleaned[key] = _raw(number, 1 if key == OPT_STEP else -RAW_LIMIT)
    low, high = cleaned.get(OPT_MINIMUM), cleaned.get(OPT_MAXIMUM)
    if low is not None and high is not None and low >= high:
        raise validation.InvalidInput(ERROR_RANGE, "the minimum is not below the maximum")
    if (labels := override.get(OPT_LABELS)) is not None:
        cleaned[OPT_LABELS] = list(parse_options(labels))
        if len(cleaned[OPT_LABELS]) != 3:
            raise validation.InvalidInput(validation.ERROR_OPTIONS, "open, close and stop differ")
    if (code := override.get(OPT_CODE)) is not None:
        if code not in roles[role].codes:
            raise validation.InvalidInput(_INVALID_MAPPING, f"{role} has no code {_show(code)}")
        cleaned[OPT_CODE] = code
    if (inverted := override.get(OPT_INVERTED)) is not None:
        if not isinstance(inverted, bool):
            raise validation.InvalidInput(_INVALID_MAPPING, "inverted is true or false")
        cleaned[OPT_INVERTED] = inverted
    return cleaned
