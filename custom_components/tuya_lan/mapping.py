"""What each DP's entity looks like: one template table per platform.

The library says what each DP is (:class:`~.tuyalan.dpmap.DpSpec`: kind, role, scale,
unit, options, index, code; :mod:`.overrides` applies the user's changes). Here each
platform has one table of entity-description templates keyed by ``(kind, role)``, and
:func:`description_for` fills the template of a spec with ``dataclasses.replace``: the
DP, its name, and how its values convert (``value_fn`` from the device, ``set_fn`` to
it). :func:`build_descriptions` does it once for a device (the coordinator keeps the
result); the platforms only instantiate what it returns. A DP neither the model nor the
numbering rule is sure of becomes a raw, disabled-by-default diagnostic sensor.

Adding a device category means adding rows: a kind (or a role) in the library, and its
template here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache, partial
from typing import Any, Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.cover import CoverDeviceClass
from homeassistant.components.number import (
    NumberDeviceClass,
    NumberMode,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorStateClass,
)
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.const import (
    LIGHT_LUX,
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfDensity,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfRatio,
    UnitOfTemperature,
    UnitOfTime,
)

from .descriptions import (
    RAW_SUFFIX,
    Descriptions,
    TuyaLanBinarySensorEntityDescription,
    TuyaLanClimateEntityDescription,
    TuyaLanCompositeEntityDescription,
    TuyaLanCoverEntityDescription,
    TuyaLanEntityDescription,
    TuyaLanFanEntityDescription,
    TuyaLanLightEntityDescription,
    TuyaLanNumberEntityDescription,
    TuyaLanSelectEntityDescription,
    TuyaLanSensorEntityDescription,
    TuyaLanSwitchEntityDescription,
    health_unique_id,
    raw_unique_id,
    unique_id,
)
from .tuyalan.dpmap import (
    ROLE_BATTERY,
    ROLE_BATTERY_STATE,
    ROLE_CHILD_LOCK,
    ROLE_CO2,
    ROLE_DOOR,
    ROLE_ENERGY_RETURNED,
    ROLE_FAULT,
    ROLE_FAULT_CODE,
    ROLE_GAS,
    ROLE_HUMIDITY,
    ROLE_ILLUMINANCE,
    ROLE_INDICATOR,
    ROLE_INDICATOR_MODE,
    ROLE_LEAKAGE_CURRENT,
    ROLE_MOISTURE,
    ROLE_MOTION,
    ROLE_OVERCHARGE,
    ROLE_PM25,
    ROLE_POWER_ON,
    ROLE_SMOKE,
    ROLE_TEMPERATURE,
    ROLE_USB,
    ROLE_USB_COUNTDOWN,
    SECONDS_PER,
    DpKind,
    DpSpec,
    Group,
    split_groups,
)
from .values import (
    COUNTDOWN_MAX,
    decimals,
    enum_value,
    phase_value,
    problem_value,
    raw_value,
    scale_value,
    seconds_value,
    state_on,
    switch_value,
    to_raw_units,
)

__all__ = [
    "Descriptions",
    "DpKind",
    "DpSpec",
    "TuyaLanEntityDescription",
    "health_unique_id",
    "raw_unique_id",
    "unique_id",
]


type Key = tuple[DpKind, str | None]

# --- the templates, one table per platform, keyed by (kind, role) ----------------------

_CONFIG = EntityCategory.CONFIG
_DIAGNOSTIC = EntityCategory.DIAGNOSTIC

SWITCHES: Final[dict[Key, TuyaLanSwitchEntityDescription]] = {
    (DpKind.SWITCH, None): TuyaLanSwitchEntityDescription(
        key="switch",
        device_class=SwitchDeviceClass.OUTLET,
        indexed_translation_key="switch_index",
    ),
    (DpKind.SWITCH, ROLE_USB): TuyaLanSwitchEntityDescription(
        key="usb", translation_key="usb", indexed_translation_key="usb_index"
    ),
    (DpKind.CONFIG_SWITCH, None): TuyaLanSwitchEntityDescription(
        key="dp", translation_key="dp", entity_category=_CONFIG
    ),
    (DpKind.CONFIG_SWITCH, ROLE_CHILD_LOCK): TuyaLanSwitchEntityDescription(
        key="child_lock", translation_key="child_lock", entity_category=_CONFIG
    ),
    (DpKind.CONFIG_SWITCH, ROLE_INDICATOR): TuyaLanSwitchEntityDescription(
        key="indicator", translation_key="indicator", entity_category=_CONFIG
    ),
    (DpKind.CONFIG_SWITCH, ROLE_OVERCHARGE): TuyaLanSwitchEntityDescription(
        key="overcharge", translation_key="overcharge_protection", entity_category=_CONFIG
    ),
}

_COUNTDOWN = TuyaLanNumberEntityDescription(
    key="countdown",
    translation_key="countdown",
    indexed_translation_key="countdown_index",
    device_class=NumberDeviceClass.DURATION,
    native_unit_of_measurement=UnitOfTime.SECONDS,
    mode=NumberMode.BOX,
)
NUMBERS: Final[dict[Key, TuyaLanNumberEntityDescription]] = {
    (DpKind.COUNTDOWN, None): _COUNTDOWN,
    (DpKind.COUNTDOWN, ROLE_USB_COUNTDOWN): TuyaLanNumberEntityDescription(
        key="usb_countdown",
        translation_key="usb_countdown",
        indexed_translation_key="usb_countdown_index",
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        mode=NumberMode.BOX,
    ),
}

SELECTS: Final[dict[Key, TuyaLanSelectEntityDescription]] = {
    (DpKind.SELECT, None): TuyaLanSelectEntityDescription(
        key="dp", translation_key="dp", entity_category=_CONFIG
    ),
    (DpKind.SELECT, ROLE_POWER_ON): TuyaLanSelectEntityDescription(
        key="power_on",
        translation_key="power_on_behavior",
        indexed_translation_key="power_on_behavior_index",
        entity_category=_CONFIG,
    ),
    (DpKind.SELECT, ROLE_INDICATOR_MODE): TuyaLanSelectEntityDescription(
        key="indicator_mode", translation_key="indicator_mode", entity_category=_CONFIG
    ),
}

BINARY_SENSORS: Final[dict[Key, TuyaLanBinarySensorEntityDescription]] = {
    (DpKind.PROBLEM, None): TuyaLanBinarySensorEntityDescription(
        key="dp",
        translation_key="dp",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=_DIAGNOSTIC,
        value_fn=problem_value,
    ),
    (DpKind.PROBLEM, ROLE_FAULT): TuyaLanBinarySensorEntityDescription(
        key="fault",
        translation_key="fault",
        indexed_translation_key="fault_index",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=_DIAGNOSTIC,
        value_fn=problem_value,
    ),
    # On/off states a sensor reports (the library's code rows say which values are
    # on); named by their device class, as in Home Assistant core's tuya integration.
    (DpKind.BINARY, None): TuyaLanBinarySensorEntityDescription(key="dp", translation_key="dp"),
    (DpKind.BINARY, ROLE_DOOR): TuyaLanBinarySensorEntityDescription(
        key="door", device_class=BinarySensorDeviceClass.DOOR
    ),
    (DpKind.BINARY, ROLE_MOTION): TuyaLanBinarySensorEntityDescription(
        key="motion", device_class=BinarySensorDeviceClass.MOTION
    ),
    (DpKind.BINARY, ROLE_SMOKE): TuyaLanBinarySensorEntityDescription(
        key="smoke", device_class=BinarySensorDeviceClass.SMOKE
    ),
    (DpKind.BINARY, ROLE_GAS): TuyaLanBinarySensorEntityDescription(
        key="gas", device_class=BinarySensorDeviceClass.GAS
    ),
    (DpKind.BINARY, ROLE_MOISTURE): TuyaLanBinarySensorEntityDescription(
        key="moisture", device_class=BinarySensorDeviceClass.MOISTURE
    ),
}

_MEASUREMENT = SensorStateClass.MEASUREMENT
_CURRENT = TuyaLanSensorEntityDescription(
    key="current",
    native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
    device_class=SensorDeviceClass.CURRENT,
    state_class=_MEASUREMENT,
    suggested_display_precision=3,
    indexed_translation_key="current_index",
)
_ENERGY_TOTAL = TuyaLanSensorEntityDescription(
    key="energy_total",
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    device_class=SensorDeviceClass.ENERGY,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=2,
    translation_key="energy_total",
    indexed_translation_key="energy_total_index",
)
SENSORS: Final[dict[Key, TuyaLanSensorEntityDescription]] = {
    (DpKind.CURRENT, None): _CURRENT,
    (DpKind.CURRENT, ROLE_LEAKAGE_CURRENT): TuyaLanSensorEntityDescription(
        key="leakage_current",
        translation_key="leakage_current",
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        device_class=SensorDeviceClass.CURRENT,
        state_class=_MEASUREMENT,
        suggested_display_precision=3,
    ),
    (DpKind.POWER, None): TuyaLanSensorEntityDescription(
        key="power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=_MEASUREMENT,
        suggested_display_precision=1,
        indexed_translation_key="power_index",
    ),
    (DpKind.VOLTAGE, None): TuyaLanSensorEntityDescription(
        key="voltage",
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=_MEASUREMENT,
        suggested_display_precision=1,
        indexed_translation_key="voltage_index",
    ),
    (DpKind.ENERGY, None): TuyaLanSensorEntityDescription(
        key="energy",
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=3,
        indexed_translation_key="energy_index",
        accumulate=True,
    ),
    (DpKind.ENERGY_TOTAL, None): _ENERGY_TOTAL,
    (DpKind.ENERGY_TOTAL, ROLE_ENERGY_RETURNED): TuyaLanSensorEntityDescription(
        key="energy_returned",
        translation_key="energy_returned",
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
    ),
    (DpKind.ENUM, None): TuyaLanSensorEntityDescription(
        key="dp", translation_key="dp", device_class=SensorDeviceClass.ENUM
    ),
    (DpKind.ENUM, ROLE_FAULT_CODE): TuyaLanSensorEntityDescription(
        key="fault_code",
        translation_key="fault_code",
        device_class=SensorDeviceClass.ENUM,
        entity_category=_DIAGNOSTIC,
    ),
    (DpKind.ENUM, ROLE_BATTERY_STATE): TuyaLanSensorEntityDescription(
        key="battery_state",
        translation_key="battery_state",
        device_class=SensorDeviceClass.ENUM,
        entity_category=_DIAGNOSTIC,
    ),
    (DpKind.SENSOR, None): TuyaLanSensorEntityDescription(key="dp", translation_key="dp"),
    # Readings a sensor's code names (the library's code rows; the model's scale, and
    # for a temperature its unit, come with the DP); named by their device class.
    (DpKind.SENSOR, ROLE_TEMPERATURE): TuyaLanSensorEntityDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=_MEASUREMENT,
    ),
    (DpKind.SENSOR, ROLE_HUMIDITY): TuyaLanSensorEntityDescription(
        key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=_MEASUREMENT,
    ),
    (DpKind.SENSOR, ROLE_BATTERY): TuyaLanSensorEntityDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=_MEASUREMENT,
        entity_category=_DIAGNOSTIC,
    ),
    (DpKind.SENSOR, ROLE_CO2): TuyaLanSensorEntityDescription(
        key="co2",
        device_class=SensorDeviceClass.CO2,
        native_unit_of_measurement=UnitOfRatio.PARTS_PER_MILLION,
        state_class=_MEASUREMENT,
    ),
    (DpKind.SENSOR, ROLE_PM25): TuyaLanSensorEntityDescription(
        key="pm25",
        device_class=SensorDeviceClass.PM25,
        native_unit_of_measurement=UnitOfDensity.MICROGRAMS_PER_CUBIC_METER,
        state_class=_MEASUREMENT,
    ),
    (DpKind.SENSOR, ROLE_ILLUMINANCE): TuyaLanSensorEntityDescription(
        key="illuminance",
        device_class=SensorDeviceClass.ILLUMINANCE,
        native_unit_of_measurement=LIGHT_LUX,
        state_class=_MEASUREMENT,
    ),
    (DpKind.RAW, None): TuyaLanSensorEntityDescription(
        key="dp",
        translation_key="dp",
        entity_category=_DIAGNOSTIC,
        entity_registry_enabled_default=False,
        unique_id_suffix=RAW_SUFFIX,
    ),
}
# The sensors a breaker's phase DP becomes, in decode_phase's order.
PHASE_SENSORS: Final = (
    TuyaLanSensorEntityDescription(
        key="voltage",
        translation_key="phase_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=_MEASUREMENT,
        suggested_display_precision=1,
        value_fn=partial(phase_value, part=0),
        unique_id_suffix="_voltage",
    ),
    TuyaLanSensorEntityDescription(
        key="current",
        translation_key="phase_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=_MEASUREMENT,
        suggested_display_precision=3,
        value_fn=partial(phase_value, part=1),
        unique_id_suffix="_current",
    ),
    TuyaLanSensorEntityDescription(
        key="power",
        translation_key="phase_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        state_class=_MEASUREMENT,
        suggested_display_precision=3,
        value_fn=partial(phase_value, part=2),
        unique_id_suffix="_power",
    ),
)
PHASE_SUFFIXES: Final = tuple(template.unique_id_suffix for template in PHASE_SENSORS)

TEMPLATES: Final[dict[Platform, Mapping[Key, TuyaLanEntityDescription]]] = {
    Platform.SWITCH: SWITCHES,
    Platform.NUMBER: NUMBERS,
    Platform.SELECT: SELECTS,
    Platform.BINARY_SENSOR: BINARY_SENSORS,
    Platform.SENSOR: SENSORS,
}
# Where each kind's entity lives (IGNORE: nowhere; PHASE: sensors).
PLATFORM_OF: Final[dict[DpKind, Platform]] = {
    DpKind.PHASE: Platform.SENSOR,
    **{kind: platform for platform, table in TEMPLATES.items() for kind, _ in table},
}


# Entities made of several DPs (the library's groups), one template per kind: the
# parts come from the model, so a new category is a row in the library's
# COMPOSITE_ROWS and, for a new kind, a row here.
COMPOSITES: Final[dict[DpKind, tuple[Platform, TuyaLanCompositeEntityDescription]]] = {
    DpKind.LIGHT: (
        Platform.LIGHT,
        TuyaLanLightEntityDescription(key="light", indexed_translation_key="light_index"),
    ),
    DpKind.COVER: (
        Platform.COVER,
        TuyaLanCoverEntityDescription(
            key="curtain",
            translation_key="curtain",
            indexed_translation_key="curtain_index",
            device_class=CoverDeviceClass.CURTAIN,
        ),
    ),
    DpKind.CLIMATE: (
        Platform.CLIMATE,
        TuyaLanClimateEntityDescription(key="climate"),
    ),
    DpKind.FAN: (
        Platform.FAN,
        TuyaLanFanEntityDescription(key="fan"),
    ),
}


def composite_description(group: Group) -> tuple[Platform, TuyaLanCompositeEntityDescription]:
    """The entity of a group of DPs: its template with the parts, named by its index
    when the device has several (a light or climate entity alone takes the device's
    name, as in Home Assistant core's tuya integration)."""
    platform, template = COMPOSITES[group.kind]
    named = replace(template, key=f"{group.kind}_{group.main}", dp=group.main, parts=group.parts)
    if group.index is not None and template.indexed_translation_key is not None:
        return platform, replace(
            named,
            translation_key=template.indexed_translation_key,
            translation_placeholders={"index": str(group.index)},
        )
    if template.translation_key is None:
        return platform, replace(named, name=None)
    return platform, named


def platform_of(spec: DpSpec) -> Platform | None:
    """The platform of a DP's entity (None: the user chose to ignore the DP)."""
    return PLATFORM_OF.get(spec.kind)


# --- filling a template ---------------------------------------------------------------


def _template(spec: DpSpec) -> TuyaLanEntityDescription | None:
    platform = platform_of(spec)
    if platform is None or spec.kind is DpKind.PHASE:
        return None
    table = TEMPLATES[platform]
    return table.get((spec.kind, spec.role)) or table[(spec.kind, None)]


def _named[D: TuyaLanEntityDescription](template: D, spec: DpSpec, index: int | None) -> D:
    """The template with this DP's key, DP and name (index: the kind repeats)."""
    key = template.translation_key
    placeholders: dict[str, str] | None = None
    if key == "dp":
        placeholders = {"dp": spec.dp}
    elif index is not None and template.indexed_translation_key is not None:
        key, placeholders = template.indexed_translation_key, {"index": str(index)}
    return replace(
        template,
        key=f"{spec.kind}_{spec.dp}",
        dp=spec.dp,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _switch(template: TuyaLanSwitchEntityDescription, spec: DpSpec, index: int | None) -> Any:
    template = replace(template, value_fn=switch_value, set_fn=bool)
    if spec.kind is not DpKind.SWITCH:
        return _named(template, spec, index)
    device_class = SwitchDeviceClass(spec.device_class or SwitchDeviceClass.OUTLET)
    if spec.role is None and index is None:
        # the only relay: the entity takes the device's name
        return replace(
            template, key=f"{spec.kind}_{spec.dp}", dp=spec.dp, name=None, device_class=device_class
        )
    return replace(_named(template, spec, index), device_class=device_class)


def _countdown(template: TuyaLanNumberEntityDescription, spec: DpSpec, index: int | None) -> Any:
    scale = spec.scale if spec.scale is not None else 1.0
    # A model may count in minutes or hours: the entity always shows seconds.
    scale *= SECONDS_PER.get(spec.unit or "s", 1)
    maximum = spec.maximum if spec.maximum is not None else COUNTDOWN_MAX / scale
    seconds = partial(seconds_value, scale=scale)
    return replace(
        _named(template, spec, index),
        native_min_value=seconds(spec.minimum or 0),
        native_max_value=seconds(maximum),
        native_step=seconds(spec.step or 1),
        value_fn=seconds,
        set_fn=partial(to_raw_units, scale=scale),
    )


def _select(template: TuyaLanSelectEntityDescription, spec: DpSpec, index: int | None) -> Any:
    return replace(
        _named(template, spec, index),
        options=list(spec.options),
        value_fn=partial(enum_value, options=spec.options),
    )


def _problem(
    template: TuyaLanBinarySensorEntityDescription, spec: DpSpec, index: int | None
) -> Any:
    named = replace(_named(template, spec, index), labels=spec.labels)
    if spec.kind is DpKind.BINARY:
        return replace(named, value_fn=partial(state_on, on=spec.options))
    return named


def _sensor(template: TuyaLanSensorEntityDescription, spec: DpSpec, index: int | None) -> Any:
    named = _named(template, spec, index)
    if spec.kind is DpKind.RAW:
        return named
    if spec.kind is DpKind.ENUM:
        options = spec.options
        return replace(named, options=list(options), value_fn=partial(enum_value, options=options))
    scale = spec.effective_scale
    device_class = spec.device_class or template.device_class
    unit = spec.unit or template.native_unit_of_measurement
    state_class = template.state_class
    if spec.kind is DpKind.SENSOR:
        if device_class == SensorDeviceClass.ENERGY:
            state_class = SensorStateClass.TOTAL_INCREASING
        elif device_class is not None or unit is not None or scale is not None:
            state_class = SensorStateClass.MEASUREMENT
    precision = template.suggested_display_precision
    if spec.scale is not None:
        precision = decimals(spec.scale)
    return replace(
        named,
        device_class=SensorDeviceClass(device_class) if device_class else None,
        native_unit_of_measurement=unit,
        state_class=state_class,
        suggested_display_precision=precision,
        value_fn=raw_value if state_class is None else partial(scale_value, scale=scale),
    )


_FILL: Final[dict[Platform, Callable[[Any, DpSpec, int | None], TuyaLanEntityDescription]]] = {
    Platform.SWITCH: _switch,
    Platform.NUMBER: _countdown,
    Platform.SELECT: _select,
    Platform.BINARY_SENSOR: _problem,
    Platform.SENSOR: _sensor,
}


def description_for(spec: DpSpec, index: int | None = None) -> list[TuyaLanEntityDescription]:
    """The entity descriptions of one DP (a phase DP has three; an ignored DP none)."""
    return list(_shared_descriptions(spec, index))


# Descriptions are frozen and a spec says all they hold: devices alike (500 plugs of one
# product) share one set instead of a copy each. Bounded: specs come from devices.
@lru_cache(maxsize=4096)
def _shared_descriptions(spec: DpSpec, index: int | None) -> tuple[TuyaLanEntityDescription, ...]:
    return tuple(_fill(spec, index))


def _fill(spec: DpSpec, index: int | None) -> list[TuyaLanEntityDescription]:
    if spec.kind is DpKind.PHASE:
        phase = {"phase": spec.phase or "A"}
        return [
            replace(
                template,
                key=f"{spec.kind}_{spec.dp}_{template.key}",
                dp=spec.dp,
                translation_placeholders=phase,
            )
            for template in PHASE_SENSORS
        ]
    if (template := _template(spec)) is None:
        return []
    platform = platform_of(spec)
    assert platform is not None
    filled = _FILL[platform](template, spec, index)
    if spec.name:  # the name the user gave it (or kept when changing its kind)
        filled = replace(filled, name=spec.name, translation_key=None)
    return [filled]


def build_descriptions(specs: Mapping[str, DpSpec]) -> Descriptions:
    """The descriptions of a device's DPs, numbered where a kind repeats."""
    counts: dict[Key, int] = {}
    indexed: set[Key] = set()
    for spec in specs.values():
        counts[spec.kind, spec.role] = counts.get((spec.kind, spec.role), 0) + 1
        if spec.index is not None:
            indexed.add((spec.kind, spec.role))
    seen: dict[Key, int] = {}
    result = Descriptions()
    groups, leftover = split_groups(specs)
    for entity_group in groups:
        composite_platform, composite = composite_description(entity_group)
        result.by_platform[composite_platform].append(composite)
    for spec in leftover:  # a part whose entity lost what it needs: raw
        result.by_platform[Platform.SENSOR].extend(description_for(replace(spec, kind=DpKind.RAW)))
    for spec in specs.values():
        group = (spec.kind, spec.role)
        seen[group] = seen.get(group, 0) + 1
        index = None
        if counts[group] > 1:
            # Gangs keep their own numbers (switch_3 is "3"); a device-wide DP beside
            # numbered ones (relay_status beside relay_status_1..3) keeps the plain name.
            if spec.index is not None:
                index = spec.index
            elif group not in indexed:
                index = seen[group]
        if (platform := platform_of(spec)) is not None:
            found = description_for(spec, index)
            result.by_platform[platform].extend(found)
            if spec.kind is DpKind.COUNTDOWN:
                result.by_platform[Platform.SENSOR].extend(_shared_switches_at(spec, index))
    return result


# The name of a countdown's "Switches at" sensor, by the countdown's name.
_SWITCHES_AT_NAMES: Final = {
    "countdown": "switches_at",
    "countdown_index": "switches_at_index",
    "usb_countdown": "usb_switches_at",
    "usb_countdown_index": "usb_switches_at_index",
}


@lru_cache(maxsize=1024)
def _shared_switches_at(
    spec: DpSpec, index: int | None
) -> tuple[TuyaLanSensorEntityDescription, ...]:
    """The "Switches at" sensors of a countdown DP, shared as its descriptions are."""
    return tuple(map(_switches_at, _shared_descriptions(spec, index)))


def _switches_at(countdown: TuyaLanEntityDescription) -> TuyaLanSensorEntityDescription:
    """The time a countdown switches its relay, beside the countdown's number."""
    return TuyaLanSensorEntityDescription(
        key=f"{countdown.key}_switches_at",
        dp=countdown.dp,
        translation_key=_SWITCHES_AT_NAMES[countdown.translation_key or "countdown"],
        translation_placeholders=countdown.translation_placeholders,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=countdown.value_fn,  # the seconds left
        unique_id_suffix="_switches_at",
        switches_at=True,
    )
