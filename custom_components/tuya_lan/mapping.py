"""What each Tuya data point (DP) becomes: one table-driven module.

A Tuya device reports a flat dict of DPs, ``{"1": True, "9": 0, "18": 123, ...}``. The
library's :mod:`.tuyalan.dpmap` decides what *kind* each DP is: from the device's data
model when the entry caches one (category + DP code + type + scale + unit + range), else
from the Tuya standard DP numbering and the magnitudes the device reports. This module
turns kinds into entity descriptions (translation keys, device classes, units); the
platforms only instantiate what it returns. Every DP neither path is sure of becomes a
raw, disabled-by-default diagnostic sensor.

The user can override any DP in the options flow (``entry.options["dps"]``): its kind,
its scale, the options of a select or enum, and for generic sensors unit and device
class.

``add_ele`` is the energy used since the device's previous report (Tuya's standard: unit
kWh, scale 3). The energy sensor adds every pushed increment to a running total that
survives restarts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from typing import Any, Final

from homeassistant.components.binary_sensor import BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.components.select import SelectEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.const import (
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.helpers.typing import StateType

from . import validation
from .const import LOGGER
from .tuyalan.cloud_model import DpModel
from .tuyalan.dpmap import (
    DP_ID_MAX,
    SECONDS_PER,
    Detected,
    DpKind,
    check_model_scales,
    decode_phase,
    detected_from_dict,
    detected_to_dict,
    from_model,
    from_numbers,
    gang_device_class_outlet,
    is_dp_id,
)

__all__ = ["DpKind"]

# The key of the errors below: they are logged, never shown in a form.
_INVALID_MAPPING: Final = "invalid_mapping"

OPT_KIND: Final = "kind"
OPT_SCALE: Final = "scale"
OPT_UNIT: Final = "unit"
OPT_DEVICE_CLASS: Final = "device_class"
OPT_OPTIONS: Final = "options"

COUNTDOWN_MAX: Final = 86400
MAX_STATE_LENGTH: Final = 255


@dataclass(frozen=True, kw_only=True)
class KindInfo:
    """Static facts about one kind: the row of the mapping table."""

    platform: Platform | None
    scale: float | None = None  # None: the value is shown as reported
    unit: str | None = None
    device_class: str | None = None
    state_class: SensorStateClass | None = None
    precision: int | None = None
    translation_key: str | None = None  # when the device has one DP of this kind
    indexed_translation_key: str | None = None  # when it has several ("Switch 2")
    options: tuple[str, ...] = ()  # the options the user may set for this kind


KINDS: Final[dict[DpKind, KindInfo]] = {
    DpKind.SWITCH: KindInfo(
        platform=Platform.SWITCH,
        device_class=SwitchDeviceClass.OUTLET,
        indexed_translation_key="switch_index",
        options=(OPT_DEVICE_CLASS,),
    ),
    DpKind.CONFIG_SWITCH: KindInfo(platform=Platform.SWITCH, translation_key="dp"),
    DpKind.COUNTDOWN: KindInfo(
        platform=Platform.NUMBER,
        unit=UnitOfTime.SECONDS,
        device_class=NumberDeviceClass.DURATION,
        translation_key="countdown",
        indexed_translation_key="countdown_index",
        options=(OPT_SCALE,),
    ),
    DpKind.CURRENT: KindInfo(
        platform=Platform.SENSOR,
        scale=0.001,
        unit=UnitOfElectricCurrent.AMPERE,
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        precision=3,
        indexed_translation_key="current_index",
        options=(OPT_SCALE,),
    ),
    DpKind.POWER: KindInfo(
        platform=Platform.SENSOR,
        scale=0.1,
        unit=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        precision=1,
        indexed_translation_key="power_index",
        options=(OPT_SCALE,),
    ),
    DpKind.VOLTAGE: KindInfo(
        platform=Platform.SENSOR,
        scale=0.1,
        unit=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        precision=1,
        indexed_translation_key="voltage_index",
        options=(OPT_SCALE,),
    ),
    DpKind.ENERGY: KindInfo(
        platform=Platform.SENSOR,
        scale=0.001,
        unit=UnitOfEnergy.KILO_WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        precision=3,
        indexed_translation_key="energy_index",
        options=(OPT_SCALE,),
    ),
    DpKind.ENERGY_TOTAL: KindInfo(
        platform=Platform.SENSOR,
        scale=0.01,
        unit=UnitOfEnergy.KILO_WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        precision=2,
        translation_key="energy_total",
        indexed_translation_key="energy_total_index",
        options=(OPT_SCALE,),
    ),
    DpKind.PHASE: KindInfo(platform=Platform.SENSOR),
    DpKind.SELECT: KindInfo(platform=Platform.SELECT, translation_key="dp", options=(OPT_OPTIONS,)),
    DpKind.ENUM: KindInfo(platform=Platform.SENSOR, translation_key="dp", options=(OPT_OPTIONS,)),
    DpKind.PROBLEM: KindInfo(platform=Platform.BINARY_SENSOR, translation_key="dp"),
    DpKind.SENSOR: KindInfo(
        platform=Platform.SENSOR,
        translation_key="dp",
        options=(OPT_SCALE, OPT_UNIT, OPT_DEVICE_CLASS),
    ),
    DpKind.RAW: KindInfo(platform=Platform.SENSOR, translation_key="dp"),
    DpKind.IGNORE: KindInfo(platform=None),
}


@dataclass(frozen=True, kw_only=True)
class RoleInfo:
    """The name of a DP with a known purpose (a row per role, by the library's roles)."""

    platform: Platform
    translation_key: str
    indexed_translation_key: str | None = None
    entity_category: EntityCategory | None = None


ROLES: Final[dict[str, RoleInfo]] = {
    "usb": RoleInfo(
        platform=Platform.SWITCH, translation_key="usb", indexed_translation_key="usb_index"
    ),
    "usb_countdown": RoleInfo(
        platform=Platform.NUMBER,
        translation_key="usb_countdown",
        indexed_translation_key="usb_countdown_index",
    ),
    "child_lock": RoleInfo(
        platform=Platform.SWITCH,
        translation_key="child_lock",
        entity_category=EntityCategory.CONFIG,
    ),
    "indicator": RoleInfo(
        platform=Platform.SWITCH, translation_key="indicator", entity_category=EntityCategory.CONFIG
    ),
    "overcharge_protection": RoleInfo(
        platform=Platform.SWITCH,
        translation_key="overcharge_protection",
        entity_category=EntityCategory.CONFIG,
    ),
    "power_on_behavior": RoleInfo(
        platform=Platform.SELECT,
        translation_key="power_on_behavior",
        indexed_translation_key="power_on_behavior_index",
        entity_category=EntityCategory.CONFIG,
    ),
    "indicator_mode": RoleInfo(
        platform=Platform.SELECT,
        translation_key="indicator_mode",
        entity_category=EntityCategory.CONFIG,
    ),
    "fault": RoleInfo(
        platform=Platform.BINARY_SENSOR,
        translation_key="fault",
        indexed_translation_key="fault_index",
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    "fault_code": RoleInfo(
        platform=Platform.SENSOR,
        translation_key="fault_code",
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    "energy_returned": RoleInfo(platform=Platform.SENSOR, translation_key="energy_returned"),
    "leakage_current": RoleInfo(platform=Platform.SENSOR, translation_key="leakage_current"),
}

# The sensors a phase DP becomes, in decode_phase's order: (part, device class, unit,
# display precision), and their names.
PHASE_PARTS: Final = (
    ("voltage", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 1),
    ("current", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 3),
    ("power", SensorDeviceClass.POWER, UnitOfPower.KILO_WATT, 3),
)
PHASE_KEYS: Final = {
    "voltage": "phase_voltage",
    "current": "phase_current",
    "power": "phase_power",
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


@dataclass(frozen=True, kw_only=True)
class DpSpec:
    """One DP and what it is, after defaults and the user's overrides."""

    dp: str
    kind: DpKind
    scale: float | None = None
    unit: str | None = None
    device_class: str | None = None
    overridden: bool = False
    role: str | None = None
    index: int | None = None
    options: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    step: int | None = None
    phase: str | None = None
    code: str | None = None

    @property
    def info(self) -> KindInfo:
        """Return the table row of this kind."""
        return KINDS[self.kind]

    @property
    def platform(self) -> Platform | None:
        """Return the platform that provides this DP's entity."""
        return self.info.platform

    @property
    def effective_scale(self) -> float | None:
        """Return the scale applied to the raw value."""
        return self.scale if self.scale is not None else self.info.scale

    @property
    def role_info(self) -> RoleInfo | None:
        """Return the row of this DP's role, when it has one that fits its platform."""
        role = ROLES.get(self.role) if self.role else None
        return role if role is not None and role.platform == self.platform else None


def _spec(dp: str, detected: Detected, *, outlet: bool) -> DpSpec:
    device_class = None
    if detected.kind is DpKind.SWITCH and detected.role is None and not outlet:
        device_class = SwitchDeviceClass.SWITCH.value
    if detected.kind is DpKind.SWITCH and detected.role is not None:
        device_class = SwitchDeviceClass.SWITCH.value
    return DpSpec(
        dp=dp,
        kind=detected.kind,
        scale=detected.scale,
        unit=detected.unit,
        device_class=device_class,
        role=detected.role,
        index=detected.index,
        options=detected.options,
        labels=detected.labels,
        minimum=detected.minimum,
        maximum=detected.maximum,
        step=detected.step,
        phase=detected.phase,
        code=detected.code,
    )


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


@dataclass(frozen=True, kw_only=True)
class Defaults:
    """The spec of every DP before the user's overrides, and how it was reached."""

    specs: dict[str, DpSpec]
    # DPs the numbering rule proved that the entry does not keep yet (to store).
    proved: dict[str, Detected] = field(default_factory=dict)
    # Model scales the readings contradicted, by DP: what was used instead.
    notes: dict[str, str] = field(default_factory=dict)


def parse_learned(stored: Any) -> dict[str, Detected]:
    """The proofs an entry keeps (``entry.data["learned"]``); a malformed one is skipped."""
    if not isinstance(stored, Mapping):
        return {}
    learned: dict[str, Detected] = {}
    for dp, item in list(stored.items())[: DP_ID_MAX * 2]:
        if isinstance(dp, str) and is_dp_id(dp) and (found := detected_from_dict(item)):
            learned[dp] = found
    return learned


def store_learned(learned: Mapping[str, Detected]) -> dict[str, Any]:
    """The JSON the entry keeps of proofs (see :func:`parse_learned`)."""
    return {dp: detected_to_dict(found) for dp, found in learned.items()}


def defaults(
    dps: Mapping[str, Any],
    *,
    category: str | None = None,
    model: Iterable[DpModel] = (),
    learned: Mapping[str, Detected] | None = None,
) -> Defaults:
    """Return the spec of every DP before the user's overrides.

    With a model, the model decides (and the numbering rule is not used: a DP the model
    does not name stays raw); a scale the readings contradict is replaced and noted.
    Without one, what the numbering rule proved earlier (``learned``) keeps its kind,
    and what it proves now is added. A DP id outside 1-255 gets no entity at all.
    """
    dps = {dp: value for dp, value in dps.items() if is_dp_id(dp)}
    models = tuple(model)
    notes: dict[str, str] = {}
    proved: dict[str, Detected] = {}
    if models:
        detected, notes = check_model_scales(from_model(category, models), dps)
        outlet = gang_device_class_outlet(category)
    else:
        kept = dict(learned or {})
        detected = from_numbers(dps)
        proved = {dp: found for dp, found in detected.items() if dp not in kept}
        detected.update(kept)
        outlet = True
    specs = {dp: _spec(dp, found, outlet=outlet) for dp, found in detected.items()}
    for reported in dps:
        specs.setdefault(reported, DpSpec(dp=reported, kind=DpKind.RAW))
    return Defaults(specs=specs, proved=proved, notes=notes)


def default_specs(
    dps: Mapping[str, Any], *, category: str | None = None, model: Iterable[DpModel] = ()
) -> dict[str, DpSpec]:
    """Return the spec of every DP before the user's overrides (see :func:`defaults`)."""
    return defaults(dps, category=category, model=model).specs


def spec_of(dp: str, detected: Detected) -> DpSpec:
    """The spec of a DP the numbering rule proved after setup."""
    return _spec(dp, detected, outlet=True)


def _dp_sort_key(dp: str) -> tuple[int, str]:
    try:
        return (validation.dp_id(dp), dp)
    except validation.InvalidInput:  # "²" is a digit to str.isdigit(), not to int()
        return (1 << 30, dp)


def resolve_specs(
    dps: Mapping[str, Any],
    overrides: Any,
    *,
    category: str | None = None,
    model: Iterable[DpModel] = (),
    learned: Mapping[str, Detected] | None = None,
) -> dict[str, DpSpec]:
    """Return the spec of every DP: defaults (model or numbering), then the overrides."""
    return resolve(dps, overrides, category=category, model=model, learned=learned).specs


def resolve(
    dps: Mapping[str, Any],
    overrides: Any,
    *,
    category: str | None = None,
    model: Iterable[DpModel] = (),
    learned: Mapping[str, Detected] | None = None,
) -> Defaults:
    """The defaults (model or numbering), then the overrides, sorted by DP.

    ``overrides`` is what ``entry.options["dps"]`` holds, unchecked: a mapping that
    does not make sense is skipped (see :func:`parse_overrides`).
    """
    found = defaults(dps, category=category, model=model, learned=learned)
    specs = found.specs
    for dp, override in parse_overrides(overrides).items():
        specs[dp] = spec_from_override(dp, override, specs.get(dp))
    return replace(found, specs={dp: specs[dp] for dp in sorted(specs, key=_dp_sort_key)})


def parse_overrides(stored: Any) -> dict[str, dict[str, Any]]:
    """Return the usable overrides of ``entry.options["dps"]``, cleaned.

    Options are JSON the user may have edited by hand: a DP whose mapping does not make
    sense is left out (it keeps its default), with one warning that names it, so a typo
    never keeps the device from loading.
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
    if not isinstance(raw_kind, str) or raw_kind not in {kind.value for kind in DpKind}:
        raise validation.InvalidInput(_INVALID_MAPPING, f"unknown kind {_show(raw_kind)}")
    kind = DpKind(raw_kind)
    cleaned: dict[str, Any] = {OPT_KIND: kind.value}
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


def spec_from_override(
    dp: str, override: Mapping[str, Any], default: DpSpec | None = None
) -> DpSpec:
    """Build a spec from one override, as :func:`parse_overrides` returns them.

    The override keeps what the default knew that it does not set itself when the kind
    stays the same (a select's options, a bitmap's labels, a countdown's range).
    """
    same = default is not None and default.kind.value == override[OPT_KIND]
    options = tuple(override.get(OPT_OPTIONS, ()))
    return DpSpec(
        dp=dp,
        kind=DpKind(override[OPT_KIND]),
        scale=override.get(OPT_SCALE),
        unit=override.get(OPT_UNIT),
        device_class=override.get(OPT_DEVICE_CLASS),
        overridden=True,
        role=default.role if same and default else None,
        index=default.index if same and default else None,
        options=options or (default.options if same and default else ()),
        labels=default.labels if same and default else (),
        minimum=default.minimum if same and default else None,
        maximum=default.maximum if same and default else None,
        step=default.step if same and default else None,
        phase=default.phase if same and default else None,
        code=default.code if default else None,
    )


RAW_SUFFIX: Final = "_raw"
# The sensors a phase DP becomes share its DP: each adds its part to the unique id.
PHASE_SUFFIXES: Final = tuple(f"_{part[0]}" for part in PHASE_PARTS)


def unique_id(device_id: str, dp: str, *, raw: bool = False, suffix: str = "") -> str:
    """Return the unique id of a DP's entity.

    ``{device_id}_{dp}``; a raw (unmapped, diagnostic) sensor adds ``_raw``: when the user
    maps that DP, the mapped entity is a new one (enabled, with the right platform and
    meaning), and resetting the mapping brings the old raw entity back as it was. The
    sensors of a phase DP add their part (``_voltage``, ``_current``, ``_power``).
    """
    return f"{device_id}_{dp}{RAW_SUFFIX if raw else ''}{suffix}"


def health_unique_id(device_id: str, key: str) -> str:
    """Return the unique id of a connection-health entity: ``{device_id}_health_{key}``."""
    return f"{device_id}_health_{key}"


def raw_spec(dp: str) -> DpSpec:
    """Return the spec of a DP first seen after setup."""
    return DpSpec(dp=dp, kind=DpKind.RAW)


# --- values ------------------------------------------------------------------------


def _decimals(scale: float) -> int:
    exponent = Decimal(repr(scale)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def scale_value(value: Any, scale: float | None) -> StateType:
    """Scale a numeric DP value; None when the device sent something else."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if scale is None or scale == 1:
        return value
    return round(value * scale, _decimals(scale))


def raw_value(value: Any) -> StateType:
    """Show any DP value as a sensor state."""
    if value is None or isinstance(value, (str, int, float)):
        if isinstance(value, str):
            return value[:MAX_STATE_LENGTH]
        return value
    return json.dumps(value, separators=(",", ":"))[:MAX_STATE_LENGTH]


def enum_value(value: Any, options: tuple[str, ...]) -> StateType:
    """An enum DP's value when it is one of the options (an enum sensor allows no other)."""
    return value if isinstance(value, str) and value in options else None


def phase_value(value: Any, part: int) -> StateType:
    """One part (0 voltage, 1 current, 2 power) of a phase DP."""
    decoded = decode_phase(value)
    return None if decoded is None else decoded[part]


def bitmap_faults(value: Any, labels: tuple[str, ...]) -> list[str]:
    """The names of the bits set in a fault bitmap (``bit_N`` where the model has none)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return []
    return [
        labels[bit] if bit < len(labels) else f"bit_{bit}"
        for bit in range(min(value.bit_length(), 32))
        if value >> bit & 1
    ]


# --- entity descriptions ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TuyaLanSwitchEntityDescription(SwitchEntityDescription):
    """A relay or a setting."""

    dp: str


@dataclass(frozen=True, kw_only=True)
class TuyaLanNumberEntityDescription(NumberEntityDescription):
    """A countdown: seconds until the relay toggles; writing starts it."""

    dp: str
    scale: float = 1.0  # seconds per raw unit


@dataclass(frozen=True, kw_only=True)
class TuyaLanSensorEntityDescription(SensorEntityDescription):
    """A measurement, an accumulated energy total, or a raw DP."""

    dp: str
    value_fn: Callable[[Any], StateType] = field(default=raw_value)
    accumulate: bool = False  # the DP is an increment (add_ele): sum it up
    raw: bool = False  # an unmapped DP: its own unique id, so mapping it starts afresh
    suffix: str = ""  # one of several sensors of the same DP (a phase's parts)


@dataclass(frozen=True, kw_only=True)
class TuyaLanSelectEntityDescription(SelectEntityDescription):
    """An enum DP the user sets."""

    dp: str


@dataclass(frozen=True, kw_only=True)
class TuyaLanBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A fault flag or bitmap: on when the device reports any fault."""

    dp: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Descriptions:
    """Everything the platforms create for one device."""

    switches: list[TuyaLanSwitchEntityDescription] = field(default_factory=list)
    numbers: list[TuyaLanNumberEntityDescription] = field(default_factory=list)
    sensors: list[TuyaLanSensorEntityDescription] = field(default_factory=list)
    selects: list[TuyaLanSelectEntityDescription] = field(default_factory=list)
    binary_sensors: list[TuyaLanBinarySensorEntityDescription] = field(default_factory=list)


def _names(spec: DpSpec, index: int | None) -> tuple[str | None, dict[str, str] | None]:
    """Return translation key and placeholders; index is set when the kind repeats."""
    if (role := spec.role_info) is not None:
        if index is not None and role.indexed_translation_key is not None:
            return role.indexed_translation_key, {"index": str(index)}
        return role.translation_key, None
    info = spec.info
    if info.translation_key == "dp":
        return "dp", {"dp": spec.dp}
    if index is not None:
        return info.indexed_translation_key, {"index": str(index)}
    return info.translation_key, None


def _sensor_unit(spec: DpSpec, info: KindInfo) -> str | None:
    return spec.unit or info.unit


def sensor_description(spec: DpSpec, index: int | None = None) -> TuyaLanSensorEntityDescription:
    """Build the sensor description of one DP."""
    info = spec.info
    translation_key, placeholders = _names(spec, index)
    key = f"{spec.kind}_{spec.dp}"
    if spec.kind is DpKind.RAW:
        return TuyaLanSensorEntityDescription(
            key=key,
            dp=spec.dp,
            translation_key=translation_key,
            translation_placeholders=placeholders,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,
            raw=True,
        )
    if spec.kind is DpKind.ENUM:
        role = spec.role_info
        return TuyaLanSensorEntityDescription(
            key=key,
            dp=spec.dp,
            translation_key=translation_key,
            translation_placeholders=placeholders,
            device_class=SensorDeviceClass.ENUM,
            options=list(spec.options),
            entity_category=role.entity_category if role else None,
            value_fn=partial(enum_value, options=spec.options),
        )
    scale = spec.effective_scale
    device_class_value = spec.device_class or info.device_class
    device_class = SensorDeviceClass(device_class_value) if device_class_value else None
    unit = _sensor_unit(spec, info)
    state_class = info.state_class
    precision = info.precision
    if spec.kind is DpKind.SENSOR:
        if device_class is SensorDeviceClass.ENERGY:
            state_class = SensorStateClass.TOTAL_INCREASING
        elif device_class is not None or unit is not None or scale is not None:
            state_class = SensorStateClass.MEASUREMENT
    if spec.scale is not None:
        precision = _decimals(spec.scale)
    value_fn: Callable[[Any], StateType] = (
        raw_value if state_class is None else partial(scale_value, scale=scale)
    )
    return TuyaLanSensorEntityDescription(
        key=key,
        dp=spec.dp,
        translation_key=translation_key,
        translation_placeholders=placeholders,
        device_class=device_class,
        native_unit_of_measurement=unit,
        state_class=state_class,
        suggested_display_precision=precision,
        value_fn=value_fn,
        accumulate=spec.kind is DpKind.ENERGY,
    )


def phase_descriptions(spec: DpSpec) -> list[TuyaLanSensorEntityDescription]:
    """The voltage, current and power sensors of one phase DP."""
    phase = spec.phase or "A"
    return [
        TuyaLanSensorEntityDescription(
            key=f"{spec.kind}_{spec.dp}_{suffix}",
            dp=spec.dp,
            translation_key=PHASE_KEYS[suffix],
            translation_placeholders={"phase": phase},
            device_class=device_class,
            native_unit_of_measurement=unit,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=precision,
            value_fn=partial(phase_value, part=part),
            suffix=f"_{suffix}",
        )
        for part, (suffix, device_class, unit, precision) in enumerate(PHASE_PARTS)
    ]


def _countdown(
    spec: DpSpec, translation_key: str | None, placeholders: dict[str, str] | None
) -> TuyaLanNumberEntityDescription:
    scale = spec.scale if spec.scale is not None else 1.0
    # A model may count in minutes or hours: the entity always shows seconds.
    scale *= SECONDS_PER.get(spec.unit or "s", 1)
    maximum = spec.maximum if spec.maximum is not None else COUNTDOWN_MAX / scale

    def seconds(raw: float) -> float:
        value = raw * scale
        return int(value) if float(value).is_integer() else value

    return TuyaLanNumberEntityDescription(
        key=f"{spec.kind}_{spec.dp}",
        dp=spec.dp,
        translation_key=translation_key,
        translation_placeholders=placeholders,
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        native_min_value=seconds(spec.minimum or 0),
        native_max_value=seconds(maximum),
        native_step=seconds(spec.step or 1),
        mode=NumberMode.BOX,
        scale=scale,
    )


def build_descriptions(specs: Mapping[str, DpSpec]) -> Descriptions:
    """Turn the specs of a device into entity descriptions."""

    def group(spec: DpSpec) -> tuple[DpKind, str | None]:
        return spec.kind, spec.role

    counts: dict[tuple[DpKind, str | None], int] = {}
    indexed: set[tuple[DpKind, str | None]] = set()
    for spec in specs.values():
        counts[group(spec)] = counts.get(group(spec), 0) + 1
        if spec.index is not None:
            indexed.add(group(spec))
    seen: dict[tuple[DpKind, str | None], int] = {}
    result = Descriptions()
    for spec in specs.values():
        seen[group(spec)] = seen.get(group(spec), 0) + 1
        index = None
        if counts[group(spec)] > 1:
            # Gangs keep their own numbers (switch_3 is "3"); a device-wide DP beside
            # numbered ones (relay_status beside relay_status_1..3) keeps the plain name.
            if spec.index is not None:
                index = spec.index
            elif group(spec) not in indexed:
                index = seen[group(spec)]
        translation_key, placeholders = _names(spec, index)
        key = f"{spec.kind}_{spec.dp}"
        role = spec.role_info
        if spec.kind in (DpKind.SWITCH, DpKind.CONFIG_SWITCH):
            device_class = None
            if spec.kind is DpKind.SWITCH:
                device_class = SwitchDeviceClass(spec.device_class or SwitchDeviceClass.OUTLET)
            if spec.kind is DpKind.SWITCH and role is None and index is None:
                # the only relay: the entity takes the device's name
                switch = TuyaLanSwitchEntityDescription(
                    key=key, dp=spec.dp, name=None, device_class=device_class
                )
            else:
                switch = TuyaLanSwitchEntityDescription(
                    key=key,
                    dp=spec.dp,
                    translation_key=translation_key,
                    translation_placeholders=placeholders,
                    device_class=device_class,
                    entity_category=role.entity_category
                    if role
                    else EntityCategory.CONFIG
                    if spec.kind is DpKind.CONFIG_SWITCH
                    else None,
                )
            result.switches.append(switch)
        elif spec.kind is DpKind.COUNTDOWN:
            result.numbers.append(_countdown(spec, translation_key, placeholders))
        elif spec.kind is DpKind.SELECT:
            result.selects.append(
                TuyaLanSelectEntityDescription(
                    key=key,
                    dp=spec.dp,
                    translation_key=translation_key,
                    translation_placeholders=placeholders,
                    options=list(spec.options),
                    entity_category=role.entity_category if role else EntityCategory.CONFIG,
                )
            )
        elif spec.kind is DpKind.PROBLEM:
            result.binary_sensors.append(
                TuyaLanBinarySensorEntityDescription(
                    key=key,
                    dp=spec.dp,
                    translation_key=translation_key,
                    translation_placeholders=placeholders,
                    device_class=BinarySensorDeviceClass.PROBLEM,
                    entity_category=EntityCategory.DIAGNOSTIC,
                    labels=spec.labels,
                )
            )
        elif spec.kind is DpKind.PHASE:
            result.sensors.extend(phase_descriptions(spec))
        elif spec.platform is Platform.SENSOR:
            result.sensors.append(sensor_description(spec, index))
    return result
