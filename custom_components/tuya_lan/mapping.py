"""What each DP's entity looks like: a template filled with the DP's own facts.

The library says what each DP is (:class:`~.tuyalan.dpmap.DpSpec`: kind, role, scale,
unit, options, index, code; :mod:`.overrides` applies the user's changes);
:mod:`.templates` has one table of entity-description templates per platform, keyed by
``(kind, role)``. :func:`description_for` fills the template of a spec with
``dataclasses.replace``: the
DP, its name, and how its values convert (``value_fn`` from the device, ``set_fn`` to
it). :func:`build_descriptions` does it once for a device (the coordinator keeps the
result); the platforms only instantiate what it returns. A DP neither the model nor the
numbering rule is sure of becomes a raw, disabled-by-default diagnostic sensor.

Adding a device category means adding rows: a kind (or a role) in the library, and its
template in :mod:`.templates`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache, partial
from typing import Any, Final

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.const import Platform

from .descriptions import (
    Descriptions,
    TuyaLanBinarySensorEntityDescription,
    TuyaLanCompositeEntityDescription,
    TuyaLanEntityDescription,
    TuyaLanNumberEntityDescription,
    TuyaLanSelectEntityDescription,
    TuyaLanSensorEntityDescription,
    TuyaLanSwitchEntityDescription,
    health_unique_id,
    raw_unique_id,
    unique_id,
)
from .templates import COMPOSITES, PHASE_SENSORS, PLATFORM_OF, TEMPLATES, Key
from .tuyalan.dpmap import SECONDS_PER, DpKind, DpSpec, Group, split_groups
from .values import (
    COUNTDOWN_MAX,
    decimals,
    enum_value,
    raw_value,
    scale_value,
    seconds_value,
    state_on,
    switch_value,
    to_raw_units,
)

__all__ = [
    "PHASE_SENSORS",
    "TEMPLATES",
    "Descriptions",
    "DpKind",
    "DpSpec",
    "TuyaLanEntityDescription",
    "description_for",
    "health_unique_id",
    "raw_unique_id",
    "unique_id",
]


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
