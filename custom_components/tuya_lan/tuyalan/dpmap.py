"""What each data point (DP) of a plug, strip, wall switch or breaker is (sans-IO).

Two paths decide it, with no Home Assistant vocabulary beyond plain strings:

* :func:`from_model` reads the device's data model (DP id -> code, type, scale, unit,
  range, labels) for the plug-like categories: ``cz`` sockets, ``pc`` strips, ``kg``
  switches, ``tdq`` and ``znjdq`` relays, ``dlq`` breakers. The code decides the kind;
  the model's scale, unit, range and labels make the values right.
* :func:`from_numbers` applies the Tuya standard DP numbering when there is no model.
  It only maps a DP the device reported, and only when the layout leaves no doubt or
  the magnitudes prove it (a mains voltage, a power that matches volts x amps). A DP it
  is not sure of is left out: the caller shows it as a raw diagnostic. A bulb (DPs
  20-24, or 1-5 on older firmware) is one only when its switch and a lighting work
  mode prove it.

``README.md`` (*Entities*) states both rules for users; keep them in step.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any, Final

from .cloud_model import BITMAP, BOOLEAN, ENUM, INTEGER, JSON, RAW, SCALE_MAX, STRING, DpModel


class DpKind(StrEnum):
    """What a DP is."""

    SWITCH = "switch"  # a relay (gang, USB port)
    CONFIG_SWITCH = "config_switch"  # a setting: child lock, indicator, overcharge cut-off
    COUNTDOWN = "countdown"
    CURRENT = "current"
    POWER = "power"
    VOLTAGE = "voltage"
    ENERGY = "energy"  # increments (add_ele), summed into a total
    ENERGY_TOTAL = "energy_total"  # a meter's running total
    PHASE = "phase"  # base64 voltage/current/power of one phase (breakers)
    SELECT = "select"  # an enum the user sets: power-on behaviour, indicator mode
    ENUM = "enum"  # an enum the device reports: a fault code
    BINARY = "binary"  # a state the device reports as on/off: a contact, motion, smoke
    PROBLEM = "problem"  # a fault flag or bitmap: on when any bit is set
    SENSOR = "sensor"  # a generic sensor the user configured (enabled)
    RAW = "raw"  # an unknown DP: diagnostic, disabled by default
    IGNORE = "ignore"
    # A part of an entity made of several DPs (its role says which part; see
    # COMPOSITE_ROWS): DPs 20-24 of a bulb are one light.
    LIGHT = "light"
    COVER = "cover"
    CLIMATE = "climate"
    FAN = "fan"
    HUMIDIFIER = "humidifier"


# What a kind is for, beyond its kind (the name a user sees comes from it).
ROLE_USB: Final = "usb"
ROLE_USB_COUNTDOWN: Final = "usb_countdown"
ROLE_CHILD_LOCK: Final = "child_lock"
ROLE_INDICATOR: Final = "indicator"
ROLE_OVERCHARGE: Final = "overcharge_protection"
ROLE_POWER_ON: Final = "power_on_behavior"
ROLE_INDICATOR_MODE: Final = "indicator_mode"
ROLE_FAULT: Final = "fault"
ROLE_FAULT_CODE: Final = "fault_code"
ROLE_ENERGY_RETURNED: Final = "energy_returned"
ROLE_LEAKAGE_CURRENT: Final = "leakage_current"  # a breaker's residual current (mA)

# The plug-like categories the model path covers fully.
PLUG_CATEGORIES: Final = frozenset({"cz", "pc", "kg", "tdq", "dlq", "znjdq"})
# Relays that feed sockets: their gangs are outlets.
OUTLET_CATEGORIES: Final = frozenset({"cz", "pc"})

# Tuya's standard enum values (kg/cz/pc instruction set).
POWER_ON_STANDARD: Final = ("power_off", "power_on", "memory")
POWER_ON_LEGACY: Final = ("off", "on", "memory")
INDICATOR_MODES: Final = ("none", "relay", "pos")

CUMULATIVE_ENERGY_CODES: Final = frozenset(
    {"total_forward_energy", "forward_energy_total", "total_energy", "energy_total", "all_energy"}
)
RETURNED_ENERGY_CODES: Final = frozenset({"reverse_energy_total", "total_reverse_energy"})
CONFIG_SWITCH_CODES: Final = {
    "child_lock": ROLE_CHILD_LOCK,
    "switch_led": ROLE_INDICATOR,
    "overcharge_switch": ROLE_OVERCHARGE,
}
# Schedules and pulse settings in Tuya's own binary formats: nothing to show but the raw value.
RAW_CODES: Final = frozenset({"cycle_time", "random_time", "switch_inching"})

_INDEXED = re.compile(r"(?P<base>[a-z_]+?)_?(?P<index>[0-9]+)")
_PHASE = re.compile(r"phase_(?P<phase>[abc])")

# Tuya's unit spellings to the SI ones (the model is typed in by each manufacturer).
_UNITS: Final = {
    "a": "A",
    "ma": "mA",
    "v": "V",
    "mv": "mV",
    "w": "W",
    "kw": "kW",
    "kwh": "kWh",
    "kw·h": "kWh",
    "kw.h": "kWh",
    "kw*h": "kWh",
    "度": "kWh",
    "wh": "Wh",
    "s": "s",
    "min": "min",
    "h": "h",
}
# The units each kind may carry; another unit keeps the kind's default.
KIND_UNITS: Final[dict[DpKind, frozenset[str]]] = {
    DpKind.CURRENT: frozenset({"A", "mA"}),
    DpKind.VOLTAGE: frozenset({"V", "mV"}),
    DpKind.POWER: frozenset({"W", "kW"}),
    DpKind.ENERGY: frozenset({"kWh", "Wh"}),
    DpKind.ENERGY_TOTAL: frozenset({"kWh", "Wh"}),
    DpKind.COUNTDOWN: frozenset({"s", "min", "h"}),
}
SECONDS_PER: Final = {"s": 1, "min": 60, "h": 3600}


# The scale of a kind's raw value when neither the model nor a proof says (Tuya's
# standard: mA, W x 10, V x 10, add_ele in Wh, meter totals in 0.01 kWh).
KIND_SCALES: Final[dict[DpKind, float]] = {
    DpKind.CURRENT: 0.001,
    DpKind.POWER: 0.1,
    DpKind.VOLTAGE: 0.1,
    DpKind.ENERGY: 0.001,
    DpKind.ENERGY_TOTAL: 0.01,
}


@dataclass(frozen=True, kw_only=True)
class DpSpec:
    """One DP: what it is and what makes its values right (the one record of a DP).

    The library produces it (from the model or the numbering rule); the user's
    overrides replace fields of it (``overridden``). ``scale`` multiplies the raw
    value (None: the kind's default, :data:`KIND_SCALES`); ``unit`` is the unit after
    scaling (None: the kind's default). ``minimum``/``maximum``/``step`` are raw values
    (countdowns). ``index`` is the gang or channel number; ``phase`` a phase letter;
    ``device_class`` a plain name ("switch" for a relay that feeds no socket, or what
    the user chose). ``labels`` names a bitmap's bits, or a cover control's values for
    open, close and stop (in that order, where a user entered them). ``name`` is the
    name the user gave the DP's entity (None: named by its kind); ``inverted`` whether a
    cover's position counts the other way round from Home Assistant's (None: as its
    motor-direction DP says).
    """

    dp: str = ""
    kind: DpKind
    role: str | None = None
    index: int | None = None
    scale: float | None = None
    unit: str | None = None
    options: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    step: int | None = None
    phase: str | None = None
    code: str | None = None
    device_class: str | None = None
    name: str | None = None
    inverted: bool | None = None
    overridden: bool = False

    @property
    def effective_scale(self) -> float | None:
        """The scale applied to the raw value (None: shown as reported)."""
        return self.scale if self.scale is not None else KIND_SCALES.get(self.kind)


# Tuya's DP ids: 1-255. Anything else (0, -5, 10**30, "²") cannot be a DP.
DP_ID_MAX: Final = 255


def is_dp_id(dp: str) -> bool:
    """Whether ``dp`` is a DP id as devices send it: "1" to "255", no sign or padding."""
    return (
        isinstance(dp, str)
        and 1 <= len(dp) <= 3
        and dp.isascii()
        and dp.isdigit()
        and dp[0] != "0"
        and int(dp) <= DP_ID_MAX
    )


_STORED_FIELDS: Final = ("role", "index", "scale", "unit", "options", "phase", "code")


def spec_to_dict(detected: DpSpec) -> dict[str, Any]:
    """What the entry stores of a DP the numbering rule proved (JSON-ready, small)."""
    stored = {key: value for key, value in asdict(detected).items() if key in _STORED_FIELDS}
    stored = {key: value for key, value in stored.items() if value not in (None, ())}
    if "options" in stored:
        stored["options"] = list(stored["options"])
    return {"kind": detected.kind.value, **stored}


def spec_from_dict(stored: Any) -> DpSpec | None:
    """A stored proof back, or None when it is not one (stored data is input too)."""
    if not isinstance(stored, Mapping):
        return None
    try:
        kind = DpKind(str(stored.get("kind")))
    except ValueError:
        return None
    role, unit, phase, code = (stored.get(key) for key in ("role", "unit", "phase", "code"))
    index, scale, options = stored.get("index"), stored.get("scale"), stored.get("options", [])
    if (
        kind in (DpKind.RAW, DpKind.IGNORE, DpKind.SENSOR)
        or not all(
            value is None or (isinstance(value, str) and len(value) <= 32)
            for value in (role, unit, phase, code)
        )
        or not (index is None or (_is_int(index) and 0 <= index <= DP_ID_MAX))
        or not (
            scale is None
            or (
                isinstance(scale, (int, float))
                and not isinstance(scale, bool)
                and math.isfinite(scale)
                and 1e-6 <= scale <= 1e6
            )
        )
        or not isinstance(options, list)
        or len(options) > 32
        or not all(isinstance(option, str) and len(option) <= 64 for option in options)
    ):
        return None
    return DpSpec(
        kind=kind,
        role=role,
        index=index,
        scale=None if scale is None else float(scale),
        unit=unit,
        options=tuple(options),
        phase=phase,
        code=code,
    )


def normalise_unit(unit: str | None) -> str | None:
    """A model's unit in SI spelling, or None when it is not one we know."""
    if not unit:
        return None
    return _UNITS.get(unit.strip().lower())


def _split_index(code: str) -> tuple[str, int | None]:
    """``switch_2`` -> (``switch``, 2); ``switch_usb1`` -> (``switch_usb``, 1)."""
    match = _INDEXED.fullmatch(code)
    if match is None:
        return code, None
    return match.group("base").rstrip("_"), int(match.group("index"))


def _scale(model: DpModel) -> float | None:
    # Tuya's scales are 0-9 (cloud_model checks them); one from elsewhere is not raised
    # to a power (10**-(10**9) would block the event loop) nor made a zero factor.
    if model.scale is None or not 0 <= model.scale <= SCALE_MAX:
        return None
    return 1.0 if model.scale == 0 else float(10**-model.scale)


def _number(model: DpModel, kind: DpKind, code: str, *, index: int | None = None) -> DpSpec:
    unit = normalise_unit(model.unit)
    if unit is not None and unit not in KIND_UNITS[kind]:
        unit = None
    return DpSpec(kind=kind, index=index, scale=_scale(model), unit=unit, code=code)


def classify_model(dp: DpModel, category: str | None) -> DpSpec | None:
    """The kind of one DP from its model, or None when the code says nothing we trust."""
    if (by_code := _by_code(dp, category)) is not None:
        return by_code
    code = dp.code
    base, index = _split_index(code)
    plug = category in PLUG_CATEGORIES
    if dp.type == BOOLEAN:
        if code == "switch" or (base == "switch" and index is not None):
            return DpSpec(kind=DpKind.SWITCH, index=index, code=code)
        if base == "switch_usb" or code == "switch_usb":
            return DpSpec(kind=DpKind.SWITCH, role=ROLE_USB, index=index, code=code)
        if code in CONFIG_SWITCH_CODES and (plug or code == "child_lock"):
            return DpSpec(kind=DpKind.CONFIG_SWITCH, role=CONFIG_SWITCH_CODES[code], code=code)
        if plug and base in ("fault", "alarm"):
            return DpSpec(kind=DpKind.PROBLEM, role=ROLE_FAULT, index=index, code=code)
        return None
    if dp.type == INTEGER:
        return _classify_integer(dp, code, base, index)
    if dp.type == ENUM and plug:
        if base == "relay_status":
            return DpSpec(
                kind=DpKind.SELECT, role=ROLE_POWER_ON, index=index, options=dp.range, code=code
            )
        if code == "light_mode":
            return DpSpec(kind=DpKind.SELECT, role=ROLE_INDICATOR_MODE, options=dp.range, code=code)
        if base in ("fault", "alarm"):
            return DpSpec(
                kind=DpKind.ENUM, role=ROLE_FAULT_CODE, index=index, options=dp.range, code=code
            )
        return None
    if dp.type == BITMAP and plug and base in ("fault", "alarm"):
        return DpSpec(kind=DpKind.PROBLEM, role=ROLE_FAULT, index=index, labels=dp.label, code=code)
    if dp.type in (RAW, STRING) and (match := _PHASE.fullmatch(code)) is not None:
        return DpSpec(kind=DpKind.PHASE, phase=match.group("phase").upper(), code=code)
    return None


def _classify_integer(dp: DpModel, code: str, base: str, index: int | None) -> DpSpec | None:
    if base in ("countdown", "countdown_usb"):
        role = ROLE_USB_COUNTDOWN if base == "countdown_usb" else None
        spec = _number(dp, DpKind.COUNTDOWN, code, index=index)
        # countdown_usb's unit was never read: it counts seconds
        return replace(
            spec,
            role=role,
            unit=spec.unit if role is None else None,
            minimum=dp.min,
            maximum=dp.max,
            step=dp.step,
        )
    if (energy := _energy_by_report_type(dp, code)) is not None:
        return energy
    by_code = {
        "cur_current": DpKind.CURRENT,
        "cur_power": DpKind.POWER,
        "cur_voltage": DpKind.VOLTAGE,
        "add_ele": DpKind.ENERGY,
    }
    if (kind := by_code.get(code)) is not None:
        return _number(dp, kind, code)
    if code == "leakage_current":
        return replace(_number(dp, DpKind.CURRENT, code), role=ROLE_LEAKAGE_CURRENT)
    if code in CUMULATIVE_ENERGY_CODES:
        return _number(dp, DpKind.ENERGY_TOTAL, code)
    if code in RETURNED_ENERGY_CODES:
        return replace(_number(dp, DpKind.ENERGY_TOTAL, code), role=ROLE_ENERGY_RETURNED)
    return None


def _energy_by_report_type(dp: DpModel, code: str) -> DpSpec | None:
    """An energy DP as the cloud's ``report_type`` says it reports, where it says.

    ``minux`` (a running total) always wins: summing a total would add the whole of
    it at every report. ``sum`` (increments) makes an energy DP the code does not name
    an increment (``add_ele_2`` in kWh, say); a code we know as a total stays one.
    """
    if dp.report_type is None or code in RETURNED_ENERGY_CODES:
        return None
    known = code == "add_ele" or code in CUMULATIVE_ENERGY_CODES
    if not known and normalise_unit(dp.unit) not in ("kWh", "Wh"):
        return None
    if dp.report_type == "minux":
        return _number(dp, DpKind.ENERGY_TOTAL, code)
    if code not in CUMULATIVE_ENERGY_CODES:
        return _number(dp, DpKind.ENERGY, code)
    return None


def from_model(category: str | None, models: Iterable[DpModel]) -> dict[str, DpSpec]:
    """The DPs the model describes and we can name, by DP id (others: raw)."""
    models = tuple(models)
    found = composite_parts(category, models)
    for dp in models:
        if dp.code in RAW_CODES or not 1 <= dp.dp_id <= DP_ID_MAX or str(dp.dp_id) in found:
            continue
        detected = classify_model(dp, category)
        if detected is not None:
            found[str(dp.dp_id)] = detected
    return found


def _int_value(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _model_scale(detected: DpSpec, default: float) -> float:
    return detected.scale if detected.scale is not None else default


def _current_ma(detected: DpSpec, raw: int) -> float:
    if detected.unit == "mA":
        return raw * _model_scale(detected, 1.0)
    return raw * _model_scale(detected, 0.001) * 1000  # amperes after scaling


def check_model_scales(
    found: Mapping[str, DpSpec], dps: Mapping[str, Any]
) -> tuple[dict[str, DpSpec], dict[str, str]]:
    """Catch a model scale the readings contradict, and use the plausible one.

    Tuya's cloud has declared ``cur_voltage``/``cur_power`` with scale 0 on many plugs
    (home-assistant/core#152295: 2352 V, and 83 W at 81 mA) and ``add_ele`` with
    scale 0 (tuya-device-handlers#253). A voltage that is no mains voltage at the
    model's scale but is one at another takes that one; a power takes the scale that
    matches volts x amps (or, when no load says, the voltage's correction); an
    increment of whole kWh takes Tuya's standard 0.001. Returns the corrected DPs and,
    by DP, a note for diagnostics.
    """
    fixed = dict(found)
    notes: dict[str, str] = {}

    def by_kind(kind: DpKind) -> str | None:
        # the load's reading: a breaker's leakage current (a role) is no part of it
        dp_ids = [
            dp for dp, found_dp in found.items() if found_dp.kind is kind and not found_dp.role
        ]
        return dp_ids[0] if len(dp_ids) == 1 else None

    voltage_dp, power_dp, current_dp = (
        by_kind(DpKind.VOLTAGE),
        by_kind(DpKind.POWER),
        by_kind(DpKind.CURRENT),
    )
    volts: float | None = None
    factor = 1.0
    raw_volts = None if voltage_dp is None else _int_value(dps.get(voltage_dp))
    if voltage_dp is not None and raw_volts is not None and found[voltage_dp].unit in (None, "V"):
        detected = found[voltage_dp]
        model_volts = raw_volts * _model_scale(detected, 0.1)
        plausible = voltage_scale(raw_volts)
        if 90 <= model_volts <= 260:
            volts = model_volts
        elif plausible is not None:
            factor = plausible / _model_scale(detected, 0.1)
            fixed[voltage_dp] = replace(detected, scale=plausible, unit="V")
            notes[voltage_dp] = f"the model's scale gives {model_volts:g} V; using x{plausible:g}"
            volts = raw_volts * plausible
    if power_dp is not None and found[power_dp].unit in (None, "W"):
        detected = found[power_dp]
        model_scale = _model_scale(detected, 0.1)
        raw_power = _int_value(dps.get(power_dp))
        raw_current = None if current_dp is None else _int_value(dps.get(current_dp))
        power: float | None = None
        if volts is not None and raw_power is not None and raw_current is not None:
            assert current_dp is not None
            current_ma = round(_current_ma(found[current_dp], raw_current))
            power = power_scale(raw_power, current_ma, volts)
        if power is None and factor != 1.0:
            power = model_scale * factor
        if power is not None and not math.isclose(power, model_scale):
            fixed[power_dp] = replace(detected, scale=power, unit="W")
            notes[power_dp] = (
                f"the model's scale x{model_scale:g} contradicts volts x amps; using x{power:g}"
            )
    for dp, detected in found.items():
        if detected.kind is DpKind.ENERGY and detected.code == "add_ele" and detected.scale == 1:
            fixed[dp] = replace(detected, scale=0.001, unit="kWh")
            notes[dp] = "the model's scale makes each increment whole kWh; using x0.001"
    return fixed, notes


def gang_device_class_outlet(category: str | None) -> bool:
    """Whether the gang relays of this category feed sockets."""
    return category in OUTLET_CATEGORIES


# --- without a model ------------------------------------------------------------------


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def voltage_scale(raw: int, *, allow_centivolts: bool = True) -> float | None:
    """The scale that makes ``raw`` a mains voltage (90-260 V), or None.

    V x 100 only where the DP's place says it is a voltage: elsewhere a power of about
    1 kW in W x 10 (9000-26000) reads as one too.
    """
    for scale in (0.1, 1.0, 0.01) if allow_centivolts else (0.1, 1.0):
        if 90 <= raw * scale <= 260:
            return scale
    return None


# The power factors a plug's load may show (1.05: the meter's own rounding); most
# loads stay above TYPICAL_POWER_FACTOR, which tells a meter's DPs apart when their
# order is not known (see _metering_triple).
MIN_POWER_FACTOR: Final = 0.1
TYPICAL_POWER_FACTOR: Final = 0.2
MAX_POWER_FACTOR: Final = 1.05


def power_scale(
    power: int, current_ma: int, volts: float, *, min_factor: float = TYPICAL_POWER_FACTOR
) -> float | None:
    """The scale that makes ``power`` match volts x amps, or None when nothing says.

    Only a load of at least 50 mA says anything. Most loads show a power factor of
    0.2 to 1 (``min_factor``); a phone charger or an LED driver at light load goes down
    to 0.1 (MIN_POWER_FACTOR, asked for only where nothing typical fits). The scales
    differ by x10, so at most one fits except at the very edges (no proof then).
    """
    apparent = volts * current_ma / 1000
    if current_ma < 50 or apparent <= 0:
        return None
    fits = [
        scale
        for scale in (0.1, 1.0, 0.01)
        if min_factor <= power * scale / apparent <= MAX_POWER_FACTOR
    ]
    return fits[0] if len(fits) == 1 else None


def _ints(dps: Mapping[str, Any], dp_ids: Sequence[str]) -> list[int] | None:
    """The integer values of these DPs, or None unless every one holds an integer."""
    values: list[int] = []
    for dp in dp_ids:
        value = dps.get(dp)
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        values.append(value)
    return values


def _metering_triple(dps: Mapping[str, Any], first: int) -> tuple[dict[str, DpSpec], bool] | None:
    """DPs first..first+2 as current, power and voltage in some order, proved by magnitude.

    Returns the mapping and whether the order is the standard one (current, power,
    voltage), or None when the magnitudes do not prove a meter.
    """
    dps_ids = [str(first + offset) for offset in range(3)]
    values = _ints(dps, dps_ids)
    if values is None:
        return None
    # Every reading that fits: which DP is the voltage, which the current and which
    # the power, with their scales. A load current in mA can look like a voltage too
    # (260 mA, 260 V): Tuya firmware reports volts and watts x 10, so the fit that
    # needs fewer other scales wins, and a tie proves nothing. Swapping current and
    # power turns a load's factor of 0.9 into one near 0.2: a light load's low factor
    # (down to 0.1) counts only when no reading with a typical one fits.
    fits: list[tuple[int, int, int, float, float]] = []
    for min_factor in (TYPICAL_POWER_FACTOR, MIN_POWER_FACTOR):
        for v, raw_volts in enumerate(values):
            v_scale = voltage_scale(raw_volts, allow_centivolts=False)
            if v_scale is None:
                continue
            others = [i for i in range(3) if i != v]
            for cur, pwr in (others, others[::-1]):
                p_scale = power_scale(
                    values[pwr], values[cur], raw_volts * v_scale, min_factor=min_factor
                )
                if p_scale is not None:
                    fits.append((v, cur, pwr, v_scale, p_scale))
        if fits:
            break
    if not fits:
        return None
    ranked = sorted(fits, key=lambda fit: (fit[3] != 0.1) + (fit[4] != 0.1))
    best = (ranked[0][3] != 0.1) + (ranked[0][4] != 0.1)
    if len(ranked) > 1 and (ranked[1][3] != 0.1) + (ranked[1][4] != 0.1) == best:
        return None
    v, cur, pwr, v_scale, p_scale = ranked[0]
    return (
        {
            dps_ids[cur]: DpSpec(kind=DpKind.CURRENT),
            dps_ids[pwr]: DpSpec(kind=DpKind.POWER, scale=p_scale),
            dps_ids[v]: DpSpec(kind=DpKind.VOLTAGE, scale=v_scale),
        },
        (cur, pwr, v) == (0, 1, 2),
    )


def _standard_metering(
    dps: Mapping[str, Any], current: str, power: str, voltage: str
) -> dict[str, DpSpec] | None:
    """A layout whose order is known (17-20, 4-6): only the voltage has to be plausible."""
    values = _ints(dps, (current, power, voltage))
    if values is None:
        return None
    v_scale = voltage_scale(values[2])
    if v_scale is None:
        return None
    p_scale = power_scale(values[1], values[0], values[2] * v_scale) or 0.1
    return {
        current: DpSpec(kind=DpKind.CURRENT),
        power: DpSpec(kind=DpKind.POWER, scale=p_scale),
        voltage: DpSpec(kind=DpKind.VOLTAGE, scale=v_scale),
    }


def decode_phase(value: Any) -> tuple[float, float, float] | None:
    """A breaker's ``phase_x`` DP: base64 of voltage (2 bytes, 0.1 V), current (3 bytes,
    0.001 A) and active power (3 bytes, 0.001 kW), big-endian; None when it is not that."""
    if not isinstance(value, str) or not 8 <= len(value) <= 64:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error, ValueError:
        return None
    if len(raw) < 8:
        return None
    volts = int.from_bytes(raw[0:2]) / 10
    amps = int.from_bytes(raw[2:5]) / 1000
    kilowatts = int.from_bytes(raw[5:8]) / 1000
    return volts, amps, kilowatts


def _plausible_phase(value: Any) -> bool:
    decoded = decode_phase(value)
    return decoded is not None and 90 <= decoded[0] <= 260


def _gangs(dps: Mapping[str, Any]) -> int:
    gangs = 0
    while gangs < 6 and _is_bool(dps.get(str(gangs + 1))):
        gangs += 1
    return gangs


def _idle_countdown(value: Any) -> bool:
    """A countdown that is not running reads 0; a running one could read like anything."""
    return _is_int(value) and value == 0


def _running_countdown(value: Any) -> bool:
    """A value a countdown beside an idle one may hold: seconds up to a day, not a
    reading that looks like a mains voltage."""
    return _is_int(value) and 0 <= value <= 86400 and not _reads_like_mains(value)


def _reads_like_mains(value: Any) -> bool:
    """A reading that could be a mains voltage (V x 10 or V): a meter sits nearby."""
    return _is_int(value) and voltage_scale(value, allow_centivolts=False) is not None


def _countdown_sets(gangs: int) -> list[tuple[list[int], int]]:
    """The DP sets that hold gang k's countdown in real layouts, with the offset that
    gives k back: 8+k (the standard), 6+k (older strips, 1-gang wall switches on 7),
    100+k (strips with countdowns from 101), 9+k (dual plugs with countdowns on 10, 11),
    and for one gang DP 2 (older plugs) and 11."""
    sets = [
        ([8 + gang for gang in range(1, gangs + 1)], 8),
        ([6 + gang for gang in range(1, gangs + 1)], 6),
        ([100 + gang for gang in range(1, gangs + 1)], 100),
    ]
    if gangs == 2:
        sets.append(([10, 11], 9))
    if gangs == 1:
        sets.extend((([2], 1), ([11], 10)))
    return sets


def _countdowns(dps: Mapping[str, Any], gangs: int) -> dict[str, DpSpec]:
    """The gangs' countdowns, from the one known set that proves itself best.

    A set proves itself when one of its DPs reads an idle countdown (0), the others
    seconds that cannot be a mains voltage, and no DP beside it reads like one (a meter's DPs read 0
    too with no load, and the dual plugs that meter on 7-9 put their countdowns on 10,
    11). The set with the most such DPs wins; two sets as good prove nothing: the DPs
    stay raw until a later reading or the user decides.
    """
    proved: list[tuple[int, list[int], int]] = []
    for dp_ids, offset in _countdown_sets(gangs):
        reported = [dp for dp in dp_ids if str(dp) in dps]
        values = [dps[str(dp)] for dp in reported]
        if not any(_idle_countdown(value) for value in values) or not all(
            _running_countdown(value) for value in values
        ):
            continue
        beside = {dp_ids[0] - 1, dp_ids[-1] + 1} - set(dp_ids)
        if any(_reads_like_mains(dps.get(str(dp))) for dp in beside):
            continue
        proved.append((len(reported), reported, offset))
    proved.sort(key=lambda found: -found[0])
    if not proved or (len(proved) > 1 and proved[1][0] == proved[0][0]):
        return {}
    _, dp_ids, offset = proved[0]
    return {
        str(dp): DpSpec(kind=DpKind.COUNTDOWN, index=dp - offset if gangs > 1 else None)
        for dp in dp_ids
    }


def from_numbers(dps: Mapping[str, Any]) -> dict[str, DpSpec]:
    """The DPs the standard numbering and the magnitudes prove, by DP id (others: raw).

    Only DPs with a real DP id (1-255) count; what the readings cannot prove is left
    out, so a later reading (a load on a meter, an idle countdown) can still prove it.
    """
    dps = {dp: value for dp, value in dps.items() if is_dp_id(dp)}
    found: dict[str, DpSpec] = {}
    gangs = _gangs(dps)
    breaker = (
        gangs == 0
        and _is_bool(dps.get("16"))
        and any(_plausible_phase(dps.get(dp)) for dp in ("6", "7", "8"))
    )
    if breaker:
        found.update(_breaker(dps))
        return found
    if bulb := _bulb(dps):
        return bulb
    if gangs == 0:
        return found
    for gang in range(1, gangs + 1):
        found[str(gang)] = DpSpec(kind=DpKind.SWITCH, index=gang if gangs > 1 else None)
    found.update(_countdowns(dps, gangs))
    # DP 7 is a USB relay only beside its countdown on 15 (the standard strip); alone
    # it is as often RF pairing or an overcurrent alarm.
    if _is_bool(dps.get("7")) and _idle_countdown(dps.get("15")) and "7" not in found:
        found["7"] = DpSpec(kind=DpKind.SWITCH, role=ROLE_USB)
        found["15"] = DpSpec(kind=DpKind.COUNTDOWN, role=ROLE_USB_COUNTDOWN)
    found.update(_metering(dps, gangs, found))
    status = dps.get("38")
    if isinstance(status, str):
        if status in POWER_ON_STANDARD:
            found["38"] = DpSpec(kind=DpKind.SELECT, role=ROLE_POWER_ON, options=POWER_ON_STANDARD)
        elif status in POWER_ON_LEGACY:
            found["38"] = DpSpec(kind=DpKind.SELECT, role=ROLE_POWER_ON, options=POWER_ON_LEGACY)
    # Indicator mode and child lock: 39, 40 (older firmware) or 40, 41 (newer).
    for mode, lock in (("39", "40"), ("40", "41")):
        if dps.get(mode) in INDICATOR_MODES:
            found[mode] = DpSpec(
                kind=DpKind.SELECT, role=ROLE_INDICATOR_MODE, options=INDICATOR_MODES
            )
            if _is_bool(dps.get(lock)):
                found[lock] = DpSpec(kind=DpKind.CONFIG_SWITCH, role=ROLE_CHILD_LOCK)
            break
    else:
        if _is_bool(dps.get("40")):
            found["40"] = DpSpec(kind=DpKind.CONFIG_SWITCH, role=ROLE_CHILD_LOCK)
    return found


def _metering(dps: Mapping[str, Any], gangs: int, taken: Mapping[str, DpSpec]) -> dict[str, DpSpec]:
    """Metering: 17-20 (standard), 4-6 (older single plugs), 21-23 or 101+ (proved)."""
    standard = _standard_metering(dps, "18", "19", "20")
    if standard is not None:
        # add_ele often appears only in pushes: with the standard meter proved on
        # 18-20, DP 17 is add_ele even before the device first sends it.
        found = {"17": DpSpec(kind=DpKind.ENERGY), **standard}
        # The metering firmware's calibration block: test bit 21, coefficients 22-25,
        # then the fault bitmap on 26 (0 when all is well).
        if _ints(dps, [str(dp) for dp in range(21, 27)]) is not None:
            found["26"] = DpSpec(kind=DpKind.PROBLEM, role=ROLE_FAULT)
        return found
    if gangs == 1 and (older := _standard_metering(dps, "4", "5", "6")):
        return older
    for first in (21, *range(101, 111)):
        if any(str(first + offset) in taken for offset in range(3)):
            continue
        proved = _metering_triple(dps, first)
        if proved is not None:
            # The integer just before such a meter is, on most devices, a lifetime
            # total, on others add_ele: nothing in one reading tells, so it stays raw.
            return proved[0]
    return {}


def _breaker(dps: Mapping[str, Any]) -> dict[str, DpSpec]:
    """A breaker: relay 16, phase data 6 (and 7, 8 on three phases), total energy 1
    (0.01 kWh), fault bitmap 9."""
    found: dict[str, DpSpec] = {"16": DpSpec(kind=DpKind.SWITCH)}
    for dp, phase in (("6", "A"), ("7", "B"), ("8", "C")):
        if _plausible_phase(dps.get(dp)):
            found[dp] = DpSpec(kind=DpKind.PHASE, phase=phase)
    if _is_int(dps.get("1")):
        found["1"] = DpSpec(kind=DpKind.ENERGY_TOTAL, scale=0.01)
    if _is_int(dps.get("9")):
        found["9"] = DpSpec(kind=DpKind.PROBLEM, role=ROLE_FAULT)
    return found


# --- the specs of a device -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Described:
    """The spec of every DP a device reported (or its model names), and how it was
    reached: what the numbering rule proved that the caller should keep, and the
    model scales the readings contradicted (by DP, what was used instead)."""

    specs: dict[str, DpSpec]
    proved: dict[str, DpSpec] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def finish(dp: str, spec: DpSpec, *, outlet: bool = True) -> DpSpec:
    """A found spec with its DP id, and the relays that feed no socket (a gang of a
    wall switch, a USB port) called a switch, not an outlet."""
    if spec.kind is DpKind.SWITCH and (spec.role is not None or not outlet):
        spec = replace(spec, device_class="switch")
    return replace(spec, dp=dp)


def describe(
    dps: Mapping[str, Any],
    *,
    category: str | None = None,
    model: Iterable[DpModel] = (),
    learned: Mapping[str, DpSpec] | None = None,
) -> Described:
    """The spec of every DP before the user's overrides.

    With a model, the model decides (the numbering rule is not used: a DP the model
    does not name stays raw); a scale the readings contradict is replaced and noted.
    Without one, what the numbering rule proved earlier (``learned``) keeps its kind,
    and what it proves now is added. A DP id outside 1-255 gets no spec at all.
    """
    dps = {dp: value for dp, value in dps.items() if is_dp_id(dp)}
    models = tuple(model)
    notes: dict[str, str] = {}
    proved: dict[str, DpSpec] = {}
    if models:
        found, notes = check_model_scales(from_model(category, models), dps)
        outlet = gang_device_class_outlet(category)
    else:
        kept = dict(learned or {})
        found = from_numbers(dps)
        proved = {dp: spec for dp, spec in found.items() if dp not in kept}
        found.update(kept)
        outlet = True
    specs = {dp: finish(dp, spec, outlet=outlet) for dp, spec in found.items()}
    for reported in dps:
        specs.setdefault(reported, DpSpec(dp=reported, kind=DpKind.RAW))
    return Described(specs=specs, proved=proved, notes=notes)


# --- entities made of several DPs -----------------------------------------------------
#
# A plug's DP is one entity; a bulb's DPs 20-24 (switch, work mode, brightness, colour
# temperature, colour) are one light, a curtain motor's control and position DPs one
# cover. Each such DP gets a spec of the composite's kind with its part as the role
# (DpSpec stays the one record of a DP); :func:`split_groups` puts the parts of one
# entity together again. Adding a category is a row below, not a branch.

# The parts of a light.
ROLE_LIGHT_SWITCH: Final = "switch"
ROLE_WORK_MODE: Final = "work_mode"
ROLE_BRIGHTNESS: Final = "brightness"
ROLE_COLOUR_TEMP: Final = "colour_temp"
ROLE_COLOUR: Final = "colour"
# The parts of a cover.
ROLE_CONTROL: Final = "control"
ROLE_POSITION_SET: Final = "position_set"
ROLE_POSITION: Final = "position"
ROLE_MOTOR_REVERSE: Final = "motor_reverse"
ROLE_SITUATION: Final = "situation"
# The parts of a climate entity.
ROLE_CLIMATE_SWITCH: Final = "switch"
ROLE_HVAC_MODE: Final = "mode"
ROLE_TARGET_TEMP: Final = "target_temperature"
ROLE_CURRENT_TEMP: Final = "current_temperature"
# A model may give both: the °F twins (temp_set_f) with their own ranges.
ROLE_TARGET_TEMP_F: Final = "target_temperature_f"
ROLE_CURRENT_TEMP_F: Final = "current_temperature_f"
ROLE_TEMP_UNIT: Final = "temperature_unit"  # "c"/"f": the unit of unit-less temperatures
ROLE_CLIMATE_FAN_MODE: Final = "fan_mode"
ROLE_SWING: Final = "swing"  # one on/off swing
ROLE_SWING_HORIZONTAL: Final = "swing_horizontal"
ROLE_SWING_VERTICAL: Final = "swing_vertical"
# The parts of a humidifier or dehumidifier (and a climate entity's humidity).
ROLE_HUMIDIFIER_SWITCH: Final = "switch"
ROLE_HUMIDIFIER_MODE: Final = "mode"
ROLE_TARGET_HUMIDITY: Final = "target_humidity"
ROLE_CURRENT_HUMIDITY: Final = "current_humidity"
# The parts of a fan.
ROLE_FAN_SWITCH: Final = "switch"
ROLE_FAN_SPEED: Final = "speed"  # an integer (a percentage of its range) or an enum of steps
ROLE_FAN_MODE: Final = "mode"
ROLE_FAN_DIRECTION: Final = "direction"
ROLE_OSCILLATE: Final = "oscillate"

_TEXT_TYPES: Final = frozenset({STRING, JSON, RAW})


@dataclass(frozen=True, slots=True)
class PartRow:
    """One part of a composite entity: the codes that may hold it (the preferred one
    first: ``bright_value_v2`` over ``bright_value``) and the DP types it may have.
    ``shared``: one DP serves every entity of its kind on the device (the motor
    direction of a two-curtain switch). ``options``: by category, the options the part
    carries where its type has none (a climate switch: the mode word the device works
    in when on and no mode DP says it, CLIMATE_ON_MODES)."""

    role: str
    codes: tuple[str, ...]
    types: frozenset[str]
    shared: bool = False
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompositeRow:
    """A composite entity: its kind, the categories that have it, its parts (the
    first present one names the entity: its DP is the unique id's) and the roles of
    which it needs at least one to be an entity at all."""

    kind: DpKind
    categories: frozenset[str]
    parts: tuple[PartRow, ...]
    required: frozenset[str]


_BOOL, _INT, _ENUM = frozenset({BOOLEAN}), frozenset({INTEGER}), frozenset({ENUM})

# What a climate device of a category does when switched on and no mode DP says it, in
# Tuya's mode words: an air conditioner (or its controller) cools, a thermostat keeps
# the room at its target both ways, heaters heat. Home Assistant core's tuya gives the
# same HVAC modes (its climate descriptions' switch_only_hvac_mode: kt cool, wk
# heat_cool, wkf/qn/rs heat); ktkzq, absent there, is an air conditioner's controller.
CLIMATE_ON_MODES: Final[Mapping[str, tuple[str, ...]]] = {
    "kt": ("cold",),
    "ktkzq": ("cold",),
    "wk": ("auto",),
    "wkf": ("hot",),
    "qn": ("hot",),
    "rs": ("hot",),
}

# Codes and categories: Tuya's standard instruction sets (lighting, "dj":
# https://developer.tuya.com/en/docs/iot/dj?id=K9i5ql3v98hn3 ; curtain "cl":
# https://developer.tuya.com/en/docs/iot/f?id=K9gf46o5mtfyc and its status set
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48qy7wkre ; curtain switch "clkg":
# https://developer.tuya.com/en/docs/iot/s?id=K9gf8rs2668v6 ; thermostat "wk",
# https://developer.tuya.com/en/docs/iot/f?id=K9gf45ld5l0t9 , heater "qn", air conditioner
# "kt": https://developer.tuya.com/en/docs/iot/f?id=K9gf46qujdmwb and its status set
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48r2iqa7m with the °F twins, fan speeds,
# swing flaps and temp_unit_convert; fan "fs":
# https://developer.tuya.com/en/docs/iot/f?id=K9gf45vs7vkge ;
# ceiling fan light "fsd": https://developer.tuya.com/en/docs/iot/s?id=Kaof8hoq7bom0 ),
# and the categories Home Assistant core's tuya
# integration gives these entities.
COMPOSITE_ROWS: Final = (
    CompositeRow(
        kind=DpKind.LIGHT,
        categories=frozenset(
            {"dj", "dd", "dc", "fwd", "xdd", "gyd", "tyndj", "dsd", "sxd", "mbd", "tgq", "tgkg"}
            | {"fs", "fsd"}  # a fan's light: switch_led (fsd) or light (fs)
        ),
        parts=(
            PartRow(ROLE_LIGHT_SWITCH, ("switch_led", "light"), _BOOL),
            PartRow(ROLE_WORK_MODE, ("work_mode",), _ENUM),
            PartRow(ROLE_BRIGHTNESS, ("bright_value_v2", "bright_value"), _INT),
            PartRow(ROLE_COLOUR_TEMP, ("temp_value_v2", "temp_value"), _INT),
            PartRow(ROLE_COLOUR, ("colour_data_v2", "colour_data"), _TEXT_TYPES),
        ),
        required=frozenset({ROLE_LIGHT_SWITCH}),
    ),
    CompositeRow(
        kind=DpKind.COVER,
        categories=frozenset({"cl", "clkg"}),
        parts=(
            PartRow(ROLE_CONTROL, ("control",), _ENUM),
            PartRow(ROLE_POSITION_SET, ("percent_control",), _INT),
            PartRow(ROLE_POSITION, ("percent_state",), _INT),
            PartRow(ROLE_SITUATION, ("situation_set",), _ENUM),
            PartRow(ROLE_MOTOR_REVERSE, ("control_back_mode",), _ENUM, shared=True),
        ),
        required=frozenset({ROLE_CONTROL, ROLE_POSITION_SET}),
    ),
    CompositeRow(
        kind=DpKind.CLIMATE,
        categories=frozenset({"wk", "wkf", "kt", "ktkzq", "qn", "rs"}),
        parts=(
            PartRow(ROLE_CLIMATE_SWITCH, ("switch",), _BOOL, options=CLIMATE_ON_MODES),
            PartRow(ROLE_HVAC_MODE, ("mode",), _ENUM),
            PartRow(ROLE_TARGET_TEMP, ("temp_set",), _INT),
            PartRow(ROLE_CURRENT_TEMP, ("temp_current", "upper_temp"), _INT),
            PartRow(ROLE_TARGET_TEMP_F, ("temp_set_f",), _INT),
            PartRow(ROLE_CURRENT_TEMP_F, ("temp_current_f", "upper_temp_f"), _INT),
            PartRow(ROLE_TEMP_UNIT, ("temp_unit_convert", "c_f"), _ENUM),
            PartRow(ROLE_CLIMATE_FAN_MODE, ("fan_speed_enum", "level", "windspeed"), _ENUM),
            PartRow(ROLE_SWING, ("swing", "shake"), _BOOL),
            PartRow(ROLE_SWING_HORIZONTAL, ("switch_horizontal",), _BOOL),
            PartRow(ROLE_SWING_VERTICAL, ("switch_vertical",), _BOOL),
            PartRow(ROLE_CURRENT_HUMIDITY, ("humidity_current",), _INT),
            PartRow(ROLE_TARGET_HUMIDITY, ("humidity_set",), _INT),
        ),
        required=frozenset({ROLE_TARGET_TEMP, ROLE_TARGET_TEMP_F, ROLE_HVAC_MODE}),
    ),
    CompositeRow(
        kind=DpKind.FAN,
        categories=frozenset({"fs", "fsd", "fskg", "kj", "ks"}),
        parts=(
            PartRow(ROLE_FAN_SWITCH, ("switch_fan", "fan_switch", "switch"), _BOOL),
            PartRow(
                ROLE_FAN_SPEED,
                ("fan_speed_percent", "fan_speed", "fan_speed_enum", "speed"),
                _INT | _ENUM,
            ),
            PartRow(ROLE_FAN_MODE, ("mode", "fan_mode"), _ENUM),
            PartRow(ROLE_FAN_DIRECTION, ("fan_direction",), _ENUM),
            PartRow(ROLE_OSCILLATE, ("switch_horizontal", "switch_vertical"), _BOOL),
        ),
        required=frozenset({ROLE_FAN_SWITCH, ROLE_FAN_SPEED}),
    ),
    # Humidifier "jsq" (https://developer.tuya.com/en/docs/iot/f?id=K9gf45rjel6x5) and
    # dehumidifier "cs" (https://developer.tuya.com/en/docs/iot/f?id=K9gf45ts0b8lz, status
    # set https://developer.tuya.com/en/docs/iot/s?id=K9gf48r6jke8e):
    # the codes Home Assistant core's tuya humidifier reads (switch or switch_spray,
    # humidity_set / dehumidify_set_value, humidity_current / humidity_indoor, mode).
    CompositeRow(
        kind=DpKind.HUMIDIFIER,
        categories=frozenset({"jsq", "cs"}),
        parts=(
            PartRow(ROLE_HUMIDIFIER_SWITCH, ("switch", "switch_spray"), _BOOL),
            PartRow(ROLE_TARGET_HUMIDITY, ("humidity_set", "dehumidify_set_value"), _INT),
            PartRow(ROLE_CURRENT_HUMIDITY, ("humidity_current", "humidity_indoor"), _INT),
            PartRow(ROLE_HUMIDIFIER_MODE, ("mode",), _ENUM),
        ),
        required=frozenset({ROLE_HUMIDIFIER_SWITCH, ROLE_TARGET_HUMIDITY}),
    ),
)
ROWS_BY_KIND: Final = {row.kind: row for row in COMPOSITE_ROWS}
COMPOSITE_KINDS: Final = frozenset(ROWS_BY_KIND)
# The kinds a user may give a DP by hand (the composites and the on/off states, whose
# "on" values only a model can say, are the model's to build).
USER_KINDS: Final = tuple(
    kind for kind in DpKind if kind not in COMPOSITE_KINDS and kind is not DpKind.BINARY
)


# --- one-DP entities named by their code, in any category -----------------------------
#
# A sensor's reading is one DP whatever the device: ``temp_current`` is a temperature
# on a sensor, a purifier or a fan (where no composite took it). Each row: the codes,
# the DP types the standard gives them, the kind and role, and for an on/off state the
# enum values that mean "on" (a Boolean is on when true). Codes and values: Tuya's
# standard status sets of temperature and humidity sensors (wsdcg,
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48k1c0sgo), contact sensors (mcs,
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48hm02l8m), motion sensors (pir,
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48cz3utjt), smoke alarms (ywbj,
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48r5i2iiy), gas alarms (rqbj,
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48qj3ipe7), water detectors (sj,
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48ml3r38c), CO2 detectors (co2bj,
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48r6h13dg), PM2.5 detectors (pm25,
# https://developer.tuya.com/en/docs/iot/s?id=K9gf48r2l6s0y) and luminance sensors
# (ldcg, https://developer.tuya.com/en/docs/iot/s?id=K9gf48abdqwiw).

ROLE_TEMPERATURE: Final = "temperature"
ROLE_HUMIDITY: Final = "humidity"
ROLE_BATTERY: Final = "battery"
ROLE_BATTERY_STATE: Final = "battery_state"
ROLE_CO2: Final = "co2"
ROLE_PM25: Final = "pm25"
ROLE_ILLUMINANCE: Final = "illuminance"
ROLE_DOOR: Final = "door"
ROLE_MOTION: Final = "motion"
ROLE_SMOKE: Final = "smoke"
ROLE_GAS: Final = "gas"
ROLE_MOISTURE: Final = "moisture"

_ALARM: Final = ("alarm",)


@dataclass(frozen=True, slots=True)
class CodeRow:
    """A one-DP entity its code names. ``on``: the enum values of an on/off state
    that mean on; ``categories``: where the code means this (None: everywhere)."""

    codes: frozenset[str]
    types: frozenset[str]
    kind: DpKind
    role: str
    on: tuple[str, ...] = ()
    categories: frozenset[str] | None = None


CODE_ROWS: Final = (
    CodeRow(frozenset({"temp_current", "va_temperature"}), _INT, DpKind.SENSOR, ROLE_TEMPERATURE),
    CodeRow(frozenset({"humidity_value", "va_humidity"}), _INT, DpKind.SENSOR, ROLE_HUMIDITY),
    CodeRow(frozenset({"battery_percentage"}), _INT, DpKind.SENSOR, ROLE_BATTERY),
    CodeRow(frozenset({"battery_state"}), _ENUM, DpKind.ENUM, ROLE_BATTERY_STATE),
    CodeRow(frozenset({"co2_value"}), _INT, DpKind.SENSOR, ROLE_CO2),
    CodeRow(frozenset({"pm25_value"}), _INT, DpKind.SENSOR, ROLE_PM25),
    CodeRow(frozenset({"illuminance_value"}), _INT, DpKind.SENSOR, ROLE_ILLUMINANCE),
    # bright_value is a bulb's brightness everywhere else
    CodeRow(
        frozenset({"bright_value"}),
        _INT,
        DpKind.SENSOR,
        ROLE_ILLUMINANCE,
        categories=frozenset({"ldcg"}),
    ),
    CodeRow(frozenset({"doorcontact_state"}), _BOOL, DpKind.BINARY, ROLE_DOOR),
    CodeRow(frozenset({"pir"}), _ENUM, DpKind.BINARY, ROLE_MOTION, on=("pir",)),
    CodeRow(frozenset({"smoke_sensor_status"}), _ENUM, DpKind.BINARY, ROLE_SMOKE, on=_ALARM),
    CodeRow(frozenset({"gas_sensor_status"}), _ENUM, DpKind.BINARY, ROLE_GAS, on=_ALARM),
    CodeRow(frozenset({"watersensor_state"}), _ENUM, DpKind.BINARY, ROLE_MOISTURE, on=_ALARM),
)


def _by_code(dp: DpModel, category: str | None) -> DpSpec | None:
    """The one-DP entity a code row makes of ``dp``, or None.

    An enum whose model lacks a row's "on" value is not the state the row means (it
    stays what it was): the model, not the code alone, says what the values are.
    """
    for row in CODE_ROWS:
        if dp.code not in row.codes or dp.type not in row.types:
            continue
        if row.categories is not None and category not in row.categories:
            continue
        spec = DpSpec(kind=row.kind, role=row.role, code=dp.code)
        if row.kind is DpKind.SENSOR:
            unit = temperature_unit(dp.unit) if row.role == ROLE_TEMPERATURE else None
            return replace(spec, scale=_scale(dp), unit=unit)
        if row.kind is DpKind.ENUM:
            return replace(spec, options=dp.range)
        if row.on and not set(row.on) <= set(dp.range):
            return None
        return replace(spec, options=row.on)
    return None


# Temperatures: Tuya's unit spellings.
_TEMPERATURE_UNITS: Final = {"℃": "°C", "°c": "°C", "c": "°C", "℉": "°F", "°f": "°F", "f": "°F"}


def temperature_unit(unit: str | None, code: str | None = None) -> str | None:
    """A model's temperature unit as "°C" or "°F" (a ``_f`` code counts in °F)."""
    if unit and (found := _TEMPERATURE_UNITS.get(unit.strip().lower())):
        return found
    if code is not None and code.endswith("_f"):
        return "°F"
    return None


def _part_match(code: str, codes: tuple[str, ...]) -> tuple[int, int | None] | None:
    """(preference, index) when ``code`` is one of ``codes``, plain or numbered
    (``switch_led_2``: the second light of a dimmer); None otherwise."""
    for rank, wanted in enumerate(codes):
        if code == wanted:
            return rank, None
        rest = code.removeprefix(f"{wanted}_")
        if rest != code and rest.isdigit() and len(rest) == 1 and rest != "0":
            return rank, int(rest)
    return None


def _part_spec(kind: DpKind, role: str, index: int | None, dp: DpModel) -> DpSpec:
    spec = DpSpec(dp=str(dp.dp_id), kind=kind, role=role, index=index, code=dp.code)
    if dp.type == INTEGER:
        unit = temperature_unit(dp.unit, dp.code) if kind is DpKind.CLIMATE else None
        return replace(
            spec, scale=_scale(dp), unit=unit, minimum=dp.min, maximum=dp.max, step=dp.step
        )
    if dp.type == ENUM:
        return replace(spec, options=dp.range)
    return spec


def composite_parts(category: str | None, models: Sequence[DpModel]) -> dict[str, DpSpec]:
    """The DPs that are parts of a light, cover, climate or fan entity, by DP id.

    A part is taken only in a category that has such entities, only with the DP type
    the standard gives it, and only when its entity has what it needs (a light its
    switch, a cover its control or position); of two codes for one part (a v2 and an
    older one) the preferred one is the part and the other stays what it was.
    """
    found: dict[str, DpSpec] = {}
    for row in COMPOSITE_ROWS:
        if category not in row.categories:
            continue
        groups: dict[int | None, dict[str, tuple[int, DpModel]]] = {}
        shared: dict[str, tuple[int, DpModel]] = {}
        for dp in models:
            if not 1 <= dp.dp_id <= DP_ID_MAX:
                continue
            for part in row.parts:
                match = _part_match(dp.code, part.codes) if dp.type in part.types else None
                if match is None:
                    continue
                rank, index = match
                parts = shared if part.shared else groups.setdefault(index, {})
                if part.role not in parts or rank < parts[part.role][0]:
                    parts[part.role] = (rank, dp)
                break
        complete = {index: parts for index, parts in groups.items() if parts.keys() & row.required}
        if not complete:
            continue
        by_category = {part.role: part.options.get(category or "", ()) for part in row.parts}
        for index, parts in complete.items():
            for role, (_, dp) in parts.items():
                spec = _part_spec(row.kind, role, index, dp)
                if not spec.options and by_category[role]:
                    spec = replace(spec, options=by_category[role])
                found[str(dp.dp_id)] = spec
        for role, (_, dp) in shared.items():
            found[str(dp.dp_id)] = _part_spec(row.kind, role, None, dp)
    return found


@dataclass(frozen=True, kw_only=True)
class Group:
    """One entity made of several DPs: "a light made of DPs 20, 21, 22, 23, 24".

    ``parts`` by role; ``main`` is the DP that names the entity (its unique id).
    """

    kind: DpKind
    index: int | None
    parts: Mapping[str, DpSpec]
    main: str

    @property
    def dps(self) -> frozenset[str]:
        """Every DP of the entity (a change of any of them changes it)."""
        return frozenset(spec.dp for spec in self.parts.values())

    def part(self, role: str) -> DpSpec | None:
        """The spec of a part, or None when the device has no such part."""
        return self.parts.get(role)


def split_groups(specs: Mapping[str, DpSpec]) -> tuple[list[Group], list[DpSpec]]:
    """The composite entities of a device's specs, and the parts that make none (a
    user mapped its switch to something else): those are shown raw."""
    groups: list[Group] = []
    leftover: list[DpSpec] = []
    for row in COMPOSITE_ROWS:
        shared_roles = {part.role for part in row.parts if part.shared}
        by_index: dict[int | None, dict[str, DpSpec]] = {}
        shared: dict[str, DpSpec] = {}
        for spec in specs.values():
            if spec.kind is not row.kind:
                continue
            if spec.role in shared_roles:
                shared[spec.role] = spec
            elif spec.role is not None and spec.role not in by_index.setdefault(spec.index, {}):
                by_index[spec.index][spec.role] = spec
            else:
                leftover.append(spec)
        used_shared = False
        for index in sorted(by_index, key=lambda found: -1 if found is None else found):
            parts = by_index[index]
            if not parts.keys() & row.required:
                leftover.extend(parts.values())
                continue
            parts = {**parts, **shared}
            used_shared = used_shared or bool(shared)
            main = next(parts[part.role] for part in row.parts if part.role in parts)
            groups.append(Group(kind=row.kind, index=index, parts=parts, main=main.dp))
        if not used_shared:
            leftover.extend(shared.values())
    return groups, leftover


# --- a bulb without a model ----------------------------------------------------------

# A bulb by Tuya's lighting numbering (https://developer.tuya.com/en/docs/iot/dj?id=K9i5ql3v98hn3):
# v2 firmware on 20-24 (switch_led, work_mode, bright_value_v2 10-1000, temp_value_v2
# 0-1000, colour_data_v2 HHHHSSSSVVVV), older firmware on 1-5 (25-255, 0-255 and
# colour_data RRGGBBHHHHSSVV), as tinytuya's BulbDevice and localtuya read them. Each row:
# role, standard code, DP offset from the switch, and what its value must be.
BULB_MODES: Final = ("white", "colour", "scene", "music")
_HEXDIGITS: Final = frozenset("0123456789abcdefABCDEF")


def _hex_string(length: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return isinstance(value, str) and len(value) == length and set(value) <= _HEXDIGITS

    return check


def _int_in(low: int, high: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return _is_int(value) and low <= value <= high

    return check


def _bulb_mode(value: Any) -> bool:
    return value in BULB_MODES


_BULB_LAYOUTS: Final = (
    (
        20,
        (
            (ROLE_WORK_MODE, "work_mode", 1, _bulb_mode),
            (ROLE_BRIGHTNESS, "bright_value_v2", 2, _int_in(10, 1000)),
            (ROLE_COLOUR_TEMP, "temp_value_v2", 3, _int_in(0, 1000)),
            (ROLE_COLOUR, "colour_data_v2", 4, _hex_string(12)),
        ),
    ),
    (
        1,
        (
            (ROLE_WORK_MODE, "work_mode", 1, _bulb_mode),
            (ROLE_BRIGHTNESS, "bright_value", 2, _int_in(25, 255)),
            (ROLE_COLOUR_TEMP, "temp_value", 3, _int_in(0, 255)),
            (ROLE_COLOUR, "colour_data", 4, _hex_string(14)),
        ),
    ),
)


def _bulb(dps: Mapping[str, Any]) -> dict[str, DpSpec]:
    """A light of the standard numbering, only when the values prove it: a Boolean
    switch and a work mode that reads white/colour/scene/music beside it. Its other
    parts are taken only when reported with a value of their form; nothing else of
    the device is guessed (the rest stays raw)."""
    for first, parts in _BULB_LAYOUTS:
        mode = dps.get(str(first + 1))
        if not _is_bool(dps.get(str(first))) or mode not in BULB_MODES:
            continue
        code = "switch_led"
        found = {str(first): DpSpec(kind=DpKind.LIGHT, role=ROLE_LIGHT_SWITCH, code=code)}
        for role, code, offset, fits in parts:
            dp = str(first + offset)
            if dp in dps and fits(dps[dp]):
                # the code says the generation, and with it the ranges (light.py)
                found[dp] = DpSpec(
                    kind=DpKind.LIGHT,
                    role=role,
                    code=code,
                    options=BULB_MODES if role == ROLE_WORK_MODE else (),
                )
        return found
    return {}
