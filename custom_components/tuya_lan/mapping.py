"""What each Tuya data point (DP) becomes: one table-driven module.

A Tuya device reports a flat dict of DPs, ``{"1": True, "9": 0, "18": 123, ...}``. This
module decides, from the DP ids and their value types, which *kind* each DP is, and turns
every kind into an entity description. The platforms only instantiate what it returns.

Detection rule for the defaults (from the first status the device returns):

* **gangs**: the run of consecutive boolean DPs starting at DP 1, within DPs 1-6.
* **one gang** (a plug):

  - *layout B* when any of DPs 18, 19, 20 holds an integer: 1 switch, 9 countdown,
    17 ``add_ele`` energy (always, it is often only reported in pushes), 18 current (mA),
    19 power (W x 10), 20 voltage (V x 10);
  - otherwise *layout A* when any of DPs 4, 5, 6 holds an integer: 1 switch,
    2 countdown, 4 current (mA), 5 power (W x 10), 6 voltage (V x 10);
  - otherwise a plain plug: 1 switch, countdown on DP 9 (or else DP 2) when that DP
    holds an integer.

* **several gangs** (strips and multi-gang switches): DPs 1..n are switches; DP 6+k
  is the countdown of gang k when it holds an integer; metering DPs 17-20 as in
  layout B when any of DPs 18, 19, 20 holds an integer.
* every DP that is not mapped becomes a raw, disabled-by-default diagnostic sensor.

The user can override any DP in the options flow (``entry.options["dps"]``): its kind,
its scale, and for generic sensors its unit and device class.

``add_ele`` (DP 17) is the energy used since the device's previous report, in units of
0.001 kWh on most plugs (Tuya's standard ``add_ele``: unit kWh, scale 3). The energy
sensor adds every pushed increment to a running total that survives restarts; a plug
that counts in 0.01 kWh can be fixed with the scale option.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any, Final

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
)
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

# The key of the errors below: they are logged, never shown in a form.
_INVALID_MAPPING: Final = "invalid_mapping"

OPT_KIND: Final = "kind"
OPT_SCALE: Final = "scale"
OPT_UNIT: Final = "unit"
OPT_DEVICE_CLASS: Final = "device_class"

COUNTDOWN_MAX: Final = 86400
MAX_STATE_LENGTH: Final = 255


class DpKind(StrEnum):
    """What a DP is."""

    SWITCH = "switch"
    COUNTDOWN = "countdown"
    CURRENT = "current"
    POWER = "power"
    VOLTAGE = "voltage"
    ENERGY = "energy"
    SENSOR = "sensor"  # a generic sensor the user configured (enabled)
    RAW = "raw"  # an unknown DP: diagnostic, disabled by default
    IGNORE = "ignore"


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
    DpKind.COUNTDOWN: KindInfo(
        platform=Platform.NUMBER,
        unit=UnitOfTime.SECONDS,
        device_class=NumberDeviceClass.DURATION,
        translation_key="countdown",
        indexed_translation_key="countdown_index",
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
    DpKind.SENSOR: KindInfo(
        platform=Platform.SENSOR,
        translation_key="dp",
        options=(OPT_SCALE, OPT_UNIT, OPT_DEVICE_CLASS),
    ),
    DpKind.RAW: KindInfo(platform=Platform.SENSOR, translation_key="dp"),
    DpKind.IGNORE: KindInfo(platform=None),
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


@dataclass(frozen=True, kw_only=True)
class DpSpec:
    """One DP and what it is, after defaults and the user's overrides."""

    dp: str
    kind: DpKind
    scale: float | None = None
    unit: str | None = None
    device_class: str | None = None
    overridden: bool = False

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


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _default_kinds(dps: Mapping[str, Any]) -> dict[str, DpKind]:
    """Apply the detection rule in the module docstring."""
    kinds: dict[str, DpKind] = {}
    gangs = 0
    while gangs < 6 and _is_bool(dps.get(str(gangs + 1))):
        gangs += 1
        kinds[str(gangs)] = DpKind.SWITCH

    def int_dp(dp: int) -> bool:
        return _is_int(dps.get(str(dp)))

    layout_b = any(int_dp(dp) for dp in (18, 19, 20))
    if gangs >= 1 and layout_b:
        kinds["17"] = DpKind.ENERGY
        kinds["18"] = DpKind.CURRENT
        kinds["19"] = DpKind.POWER
        kinds["20"] = DpKind.VOLTAGE
    if gangs == 1:
        if layout_b:
            countdowns = [9]
        elif any(int_dp(dp) for dp in (4, 5, 6)):
            countdowns = [2]
            kinds["4"] = DpKind.CURRENT
            kinds["5"] = DpKind.POWER
            kinds["6"] = DpKind.VOLTAGE
        else:
            countdowns = [9] if int_dp(9) else [2]
        for dp in countdowns:
            if int_dp(dp):
                kinds[str(dp)] = DpKind.COUNTDOWN
    elif gangs > 1:
        for gang in range(1, gangs + 1):
            if int_dp(6 + gang):
                kinds[str(6 + gang)] = DpKind.COUNTDOWN
    for reported in dps:
        kinds.setdefault(reported, DpKind.RAW)
    return kinds


def _dp_sort_key(dp: str) -> tuple[int, str]:
    try:
        return (validation.dp_id(dp), dp)
    except validation.InvalidInput:  # "²" is a digit to str.isdigit(), not to int()
        return (1 << 30, dp)


def resolve_specs(dps: Mapping[str, Any], overrides: Any) -> dict[str, DpSpec]:
    """Return the spec of every DP: defaults from the status, then the overrides.

    ``overrides`` is what ``entry.options["dps"]`` holds, unchecked: a mapping that
    does not make sense is skipped (see :func:`parse_overrides`).
    """
    specs = {dp: DpSpec(dp=dp, kind=kind) for dp, kind in _default_kinds(dps).items()}
    for dp, override in parse_overrides(overrides).items():
        specs[dp] = spec_from_override(dp, override)
    return {dp: specs[dp] for dp in sorted(specs, key=_dp_sort_key)}


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
    if (device_class := override.get(OPT_DEVICE_CLASS)) is not None:
        classes = SwitchDeviceClass if kind is DpKind.SWITCH else SensorDeviceClass
        if not isinstance(device_class, str) or device_class not in {c.value for c in classes}:
            raise validation.InvalidInput(
                _INVALID_MAPPING, f"unknown device class {_show(device_class)}"
            )
        cleaned[OPT_DEVICE_CLASS] = device_class
    return dp, cleaned


def spec_from_override(dp: str, override: Mapping[str, Any]) -> DpSpec:
    """Build a spec from one override, as :func:`parse_overrides` returns them."""
    return DpSpec(
        dp=dp,
        kind=DpKind(override[OPT_KIND]),
        scale=override.get(OPT_SCALE),
        unit=override.get(OPT_UNIT),
        device_class=override.get(OPT_DEVICE_CLASS),
        overridden=True,
    )


RAW_SUFFIX: Final = "_raw"


def unique_id(device_id: str, dp: str, *, raw: bool = False) -> str:
    """Return the unique id of a DP's entity.

    ``{device_id}_{dp}``; a raw (unmapped, diagnostic) sensor adds ``_raw``: when the user
    maps that DP, the mapped entity is a new one (enabled, with the right platform and
    meaning), and resetting the mapping brings the old raw entity back as it was.
    """
    return f"{device_id}_{dp}{RAW_SUFFIX if raw else ''}"


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


# --- entity descriptions ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TuyaLanSwitchEntityDescription(SwitchEntityDescription):
    """A relay."""

    dp: str


@dataclass(frozen=True, kw_only=True)
class TuyaLanNumberEntityDescription(NumberEntityDescription):
    """A countdown: seconds until the relay toggles; writing starts it."""

    dp: str


@dataclass(frozen=True, kw_only=True)
class TuyaLanSensorEntityDescription(SensorEntityDescription):
    """A measurement, an accumulated energy total, or a raw DP."""

    dp: str
    value_fn: Callable[[Any], StateType] = field(default=raw_value)
    accumulate: bool = False  # the DP is an increment (add_ele): sum it up
    raw: bool = False  # an unmapped DP: its own unique id, so mapping it starts afresh


@dataclass(frozen=True, kw_only=True)
class Descriptions:
    """Everything the platforms create for one device."""

    switches: list[TuyaLanSwitchEntityDescription] = field(default_factory=list)
    numbers: list[TuyaLanNumberEntityDescription] = field(default_factory=list)
    sensors: list[TuyaLanSensorEntityDescription] = field(default_factory=list)


def _names(spec: DpSpec, index: int | None) -> tuple[str | None, dict[str, str] | None]:
    """Return translation key and placeholders; index is set when the kind repeats."""
    info = spec.info
    if info.translation_key == "dp":
        return "dp", {"dp": spec.dp}
    if index is not None:
        return info.indexed_translation_key, {"index": str(index)}
    return info.translation_key, None


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
    scale = spec.effective_scale
    device_class_value = spec.device_class or info.device_class
    device_class = SensorDeviceClass(device_class_value) if device_class_value else None
    unit = spec.unit or info.unit
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


def build_descriptions(specs: Mapping[str, DpSpec]) -> Descriptions:
    """Turn the specs of a device into entity descriptions."""
    counts: dict[DpKind, int] = {}
    for spec in specs.values():
        counts[spec.kind] = counts.get(spec.kind, 0) + 1
    seen: dict[DpKind, int] = {}
    # A gang's countdown is named after its switch ("Switch 2" / "Switch 2 countdown"),
    # so that the two sort side by side: countdown DP 6+k belongs to switch DP k.
    gangs = {
        str(int(spec.dp) + 6): number
        for number, spec in enumerate(
            (s for s in specs.values() if s.kind is DpKind.SWITCH), start=1
        )
        if spec.dp.isdigit()
    }
    result = Descriptions()
    for spec in specs.values():
        seen[spec.kind] = seen.get(spec.kind, 0) + 1
        index = seen[spec.kind] if counts[spec.kind] > 1 else None
        if index is not None and spec.kind is DpKind.COUNTDOWN and spec.dp in gangs:
            index = gangs[spec.dp]
        translation_key, placeholders = _names(spec, index)
        key = f"{spec.kind}_{spec.dp}"
        if spec.kind is DpKind.SWITCH:
            device_class = SwitchDeviceClass(spec.device_class or SwitchDeviceClass.OUTLET)
            if index is None:  # the only relay: the entity takes the device's name
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
                )
            result.switches.append(switch)
        elif spec.kind is DpKind.COUNTDOWN:
            result.numbers.append(
                TuyaLanNumberEntityDescription(
                    key=key,
                    dp=spec.dp,
                    translation_key=translation_key,
                    translation_placeholders=placeholders,
                    device_class=NumberDeviceClass.DURATION,
                    native_unit_of_measurement=UnitOfTime.SECONDS,
                    native_min_value=0,
                    native_max_value=COUNTDOWN_MAX,
                    native_step=1,
                    mode=NumberMode.BOX,
                )
            )
        elif spec.platform is Platform.SENSOR:
            result.sensors.append(sensor_description(spec, index))
    return result
