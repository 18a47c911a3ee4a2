"""A corpus of plug, strip, wall-switch and breaker DP layouts, with expected entities.

Each device has the status it reports over the LAN (``dps``), its data model as the
cloud would give it (``model``: DP id, code, type, values), and what every DP should
become with the model (``with_model``) and without it (``without_model``): a kind, or
``kind:role``, optionally ``@scale``. A DP left out of an expectation must become a raw
diagnostic sensor (reported) or nothing at all (not reported).

Sources (facts only: DP ids, codes, types, value ranges; no code copied):

* [TUYA-KG] Tuya, *Standard Instruction Set: switch (kg), socket (cz), power strip (pc)*,
  https://developer.tuya.com/en/docs/iot/fkg?id=K9gf7o3qbbklt (codes, types, ranges:
  switch_N, countdown_N 0-86400 s, add_ele kWh scale 3, cur_current mA, cur_power W
  scale 1, cur_voltage V scale 1, relay_status power_off/power_on/memory, light_mode
  none/relay/pos, child_lock, cycle_time, random_time, switch_inching).
* [TUYA-DLQ] Tuya, *Standard Instruction Set: circuit breaker (dlq)*, developer.tuya.com
  (total_forward_energy kWh scale 2, phase_a raw, fault bitmap, switch, alarm_set_1/2).
* [TL-V1] make-all/tuya-local (MIT), ``devices/smartplugv1.yaml``: DP 1 switch, 2 timer,
  4 current mA, 5 power W x 10, 6 voltage V x 10.
* [TL-V2E] make-all/tuya-local (MIT), ``devices/smartplugv2_energy.yaml``: DP 1, 9,
  17-20 metering, 21 test bit, 22-25 calibration, 26 fault bitfield, 38 initial state
  on/off/memory, 41/42 cycle and random timers, 46 overcharge cut-off.
* [TL-GRID] make-all/tuya-local (MIT), ``devices/grid_connect_usb_double_power_point.yaml``:
  DPs 1, 2 outlets, 9, 10 their timers, 17-20 metering, 21-25 test bit and calibration,
  38 initial state on/off/memory, 40 child lock, 101 master switch.
* [TT-SOCKET] jasonacox/tinytuya (MIT), ``tinytuya/Contrib/SocketDevice.py``: DP 1 switch,
  18 current mA, 19 power W / 10, 20 voltage V / 10.
* [TT-DUAL] jasonacox/tinytuya (MIT), ``tinytuya/Contrib/WiFiDualMeterDevice.py``: DP 1/2
  forward/reverse energy total kWh / 100, 101-129 per-channel metering and calibration.
* [KG-CODES] the kg instruction set's codes [TUYA-KG] placed at the DP ids multi-gang
  WiFi wall switches are commonly reported with (1-3 gangs, 7-9 countdowns, 14 power-on
  behaviour, 15 indicator, 29-31 per-gang power-on behaviour); we found no dump with a
  licence that lets us cite it, so treat this entry as illustrative.
* [SIM] this project's simulator (``tuya_sim/profiles.py``): the strip with countdowns on
  DP 6+k that earlier releases mapped, kept so existing installs keep their entities.

Where a source gives only the DP layout, the model below is the standard instruction
set's definition of each code at that DP id (what the cloud returns for such products);
values in ``dps`` are plausible readings (a 60 W load at 231 V), not captured ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from custom_components.tuya_lan.tuyalan.cloud_model import DpModel

COUNTDOWN = {"unit": "s", "min": 0, "max": 86400, "scale": 0, "step": 1}
ADD_ELE = {"unit": "kwh", "min": 0, "max": 50000, "scale": 3, "step": 100}
CURRENT = {"unit": "mA", "min": 0, "max": 30000, "scale": 0, "step": 1}
POWER = {"unit": "W", "min": 0, "max": 50000, "scale": 1, "step": 1}
VOLTAGE = {"unit": "V", "min": 0, "max": 5000, "scale": 1, "step": 1}
RELAY_STATUS = {"range": ["power_off", "power_on", "memory"]}
LIGHT_MODE = {"range": ["none", "relay", "pos"]}
PLUG_FAULTS = {"label": ["ov_cr", "ov_vol", "ov_pwr", "ls_cr", "ls_vol", "ls_pow"]}
BREAKER_FAULTS = {
    "label": [
        "short_circuit_alarm",
        "surge_alarm",
        "overload_alarm",
        "leakagecurr_alarm",
        "temp_dif_fault",
        "fire_alarm",
        "high_power_alarm",
        "self_test_alarm",
        "ov_cr",
        "unbalance_alarm",
        "ov_vol",
        "undervoltage_alarm",
    ]
}
# 231.2 V, 1.234 A, 0.280 kW
PHASE_A = "CQgABNIAARg="


def _model(*items: tuple[int, str, str, dict[str, Any]]) -> tuple[DpModel, ...]:
    return tuple(DpModel.from_values(dp, code, type_, values) for dp, code, type_, values in items)


@dataclass(frozen=True)
class CorpusDevice:
    """One product: what it reports, its model, and the entities expected."""

    name: str
    source: str
    category: str
    dps: dict[str, Any]
    model: tuple[DpModel, ...]
    with_model: dict[str, str]
    without_model: dict[str, str]
    notes: str = ""
    unreported: frozenset[str] = field(default_factory=frozenset)


PLUG_STANDARD = CorpusDevice(
    name="Metering plug, standard numbering",
    source="[TUYA-KG] [TT-SOCKET]",
    category="cz",
    dps={
        "1": True,
        "9": 0,
        "17": 0,
        "18": 264,
        "19": 598,
        "20": 2312,
        "38": "memory",
        "39": "relay",
        "40": False,
        "41": "",
        "42": "",
        "43": "",
    },
    model=_model(
        (1, "switch_1", "Boolean", {}),
        (9, "countdown_1", "Integer", COUNTDOWN),
        (17, "add_ele", "Integer", ADD_ELE),
        (18, "cur_current", "Integer", CURRENT),
        (19, "cur_power", "Integer", POWER),
        (20, "cur_voltage", "Integer", VOLTAGE),
        (38, "relay_status", "Enum", RELAY_STATUS),
        (39, "light_mode", "Enum", LIGHT_MODE),
        (40, "child_lock", "Boolean", {}),
        (41, "cycle_time", "String", {}),
        (42, "random_time", "String", {}),
        (43, "switch_inching", "String", {}),
    ),
    with_model={
        "1": "switch",
        "9": "countdown",
        "17": "energy@0.001",
        "18": "current@1",
        "19": "power@0.1",
        "20": "voltage@0.1",
        "38": "select:power_on_behavior",
        "39": "select:indicator_mode",
        "40": "config_switch:child_lock",
    },
    without_model={
        "1": "switch",
        "9": "countdown",
        "17": "energy",
        "18": "current",
        "19": "power@0.1",
        "20": "voltage@0.1",
        "38": "select:power_on_behavior",
        "39": "select:indicator_mode",
        "40": "config_switch:child_lock",
    },
)

PLUG_OLDER = CorpusDevice(
    name="Metering plug, older numbering (Kogan and others)",
    source="[TL-V1]",
    category="cz",
    dps={"1": True, "2": 0, "4": 264, "5": 598, "6": 2312},
    model=_model(
        (1, "switch_1", "Boolean", {}),
        (2, "countdown_1", "Integer", COUNTDOWN),
        (4, "cur_current", "Integer", CURRENT),
        (5, "cur_power", "Integer", POWER),
        (6, "cur_voltage", "Integer", VOLTAGE),
    ),
    with_model={
        "1": "switch",
        "2": "countdown",
        "4": "current@1",
        "5": "power@0.1",
        "6": "voltage@0.1",
    },
    without_model={
        "1": "switch",
        "2": "countdown",
        "4": "current",
        "5": "power@0.1",
        "6": "voltage@0.1",
    },
)

PLUG_CALIBRATION = CorpusDevice(
    name="Advanced metering plug with calibration DPs and a fault bitmap",
    source="[TL-V2E]",
    category="cz",
    dps={
        "1": False,
        "9": 0,
        "17": 0,
        "18": 0,
        "19": 0,
        "20": 2297,
        "21": 1,
        "22": 622,
        "23": 30024,
        "24": 83145,
        "25": 2888,
        "26": 0,
        "38": "off",
        "41": "",
        "42": "",
        "46": True,
    },
    model=_model(
        (1, "switch_1", "Boolean", {}),
        (9, "countdown_1", "Integer", COUNTDOWN),
        (17, "add_ele", "Integer", ADD_ELE),
        (18, "cur_current", "Integer", CURRENT),
        (19, "cur_power", "Integer", POWER),
        (20, "cur_voltage", "Integer", VOLTAGE),
        (21, "test_bit", "Integer", {"min": 0, "max": 5, "scale": 0, "step": 1}),
        (22, "voltage_coe", "Integer", {"min": 0, "max": 1000000, "scale": 0, "step": 1}),
        (23, "electric_coe", "Integer", {"min": 0, "max": 1000000, "scale": 0, "step": 1}),
        (24, "power_coe", "Integer", {"min": 0, "max": 1000000, "scale": 0, "step": 1}),
        (25, "electricity_coe", "Integer", {"min": 0, "max": 1000000, "scale": 0, "step": 1}),
        (26, "fault", "Bitmap", PLUG_FAULTS),
        (38, "relay_status", "Enum", {"range": ["off", "on", "memory"]}),
        (41, "cycle_time", "String", {}),
        (42, "random_time", "String", {}),
        (46, "overcharge_switch", "Boolean", {}),
    ),
    with_model={
        "1": "switch",
        "9": "countdown",
        "17": "energy@0.001",
        "18": "current@1",
        "19": "power@0.1",
        "20": "voltage@0.1",
        "26": "problem:fault",
        "38": "select:power_on_behavior",
        "46": "config_switch:overcharge_protection",
    },
    without_model={
        "1": "switch",
        "9": "countdown",
        "17": "energy",
        "18": "current",
        "19": "power@0.1",
        "20": "voltage@0.1",
        "26": "problem:fault",
        "38": "select:power_on_behavior",
    },
    notes="Without a model the overcharge switch (46) stays raw: nothing in its number "
    "says what it is. The fault bitmap (26) follows the calibration block 21-25.",
)

DOUBLE_OUTLET_USB = CorpusDevice(
    name="Double wall outlet with USB and a master switch (Grid Connect)",
    source="[TL-GRID]",
    category="cz",
    dps={
        "1": True,
        "2": False,
        "9": 0,
        "10": 0,
        "17": 1,
        "18": 264,
        "19": 598,
        "20": 2312,
        "21": 1,
        "22": 622,
        "23": 30024,
        "24": 83145,
        "25": 2888,
        "38": "on",
        "40": False,
        "101": True,
    },
    model=_model(
        (1, "switch_1", "Boolean", {}),
        (2, "switch_2", "Boolean", {}),
        (9, "countdown_1", "Integer", COUNTDOWN),
        (10, "countdown_2", "Integer", COUNTDOWN),
        (17, "add_ele", "Integer", ADD_ELE),
        (18, "cur_current", "Integer", CURRENT),
        (19, "cur_power", "Integer", POWER),
        (20, "cur_voltage", "Integer", VOLTAGE),
        (38, "relay_status", "Enum", {"range": ["off", "on", "memory"]}),
        (40, "child_lock", "Boolean", {}),
    ),
    with_model={
        "1": "switch",
        "2": "switch",
        "9": "countdown",
        "10": "countdown",
        "17": "energy@0.001",
        "18": "current@1",
        "19": "power@0.1",
        "20": "voltage@0.1",
        "38": "select:power_on_behavior",
        "40": "config_switch:child_lock",
    },
    without_model={
        "1": "switch",
        "2": "switch",
        "9": "countdown",
        "10": "countdown",
        "17": "energy",
        "18": "current",
        "19": "power@0.1",
        "20": "voltage@0.1",
        "38": "select:power_on_behavior",
        "40": "config_switch:child_lock",
    },
    notes="DP 101 (a master switch over both outlets) has no standard code; the source "
    "does not give its cloud code, so the model here leaves it out and it stays raw.",
)

STRIP_STANDARD = CorpusDevice(
    name="Four-outlet strip with a USB relay, standard numbering",
    source="[TUYA-KG]",
    category="pc",
    dps={
        "1": True,
        "2": True,
        "3": False,
        "4": False,
        "7": True,
        "9": 0,
        "10": 0,
        "11": 0,
        "12": 0,
        "15": 0,
        "38": "power_off",
        "40": False,
    },
    model=_model(
        *((gang, f"switch_{gang}", "Boolean", {}) for gang in range(1, 5)),
        (7, "switch_usb1", "Boolean", {}),
        *((8 + gang, f"countdown_{gang}", "Integer", COUNTDOWN) for gang in range(1, 5)),
        (15, "countdown_usb1", "Integer", COUNTDOWN),
        (38, "relay_status", "Enum", RELAY_STATUS),
        (40, "child_lock", "Boolean", {}),
    ),
    with_model={
        **{str(gang): "switch" for gang in range(1, 5)},
        "7": "switch:usb",
        **{str(8 + gang): "countdown" for gang in range(1, 5)},
        "15": "countdown:usb_countdown",
        "38": "select:power_on_behavior",
        "40": "config_switch:child_lock",
    },
    without_model={
        **{str(gang): "switch" for gang in range(1, 5)},
        "7": "switch:usb",
        **{str(8 + gang): "countdown" for gang in range(1, 5)},
        "15": "countdown:usb_countdown",
        "38": "select:power_on_behavior",
        "40": "config_switch:child_lock",
    },
)

STRIP_OLDER = CorpusDevice(
    name="Four-outlet strip, countdowns on DP 6+k",
    source="[SIM]",
    category="pc",
    dps={"1": False, "2": False, "3": False, "4": False, "7": 0, "8": 0, "9": 0, "10": 0},
    model=_model(
        *((gang, f"switch_{gang}", "Boolean", {}) for gang in range(1, 5)),
        *((6 + gang, f"countdown_{gang}", "Integer", COUNTDOWN) for gang in range(1, 5)),
    ),
    with_model={
        **{str(gang): "switch" for gang in range(1, 5)},
        **{str(6 + gang): "countdown" for gang in range(1, 5)},
    },
    without_model={
        **{str(gang): "switch" for gang in range(1, 5)},
        **{str(6 + gang): "countdown" for gang in range(1, 5)},
    },
)

WALL_SWITCH = CorpusDevice(
    name="Three-gang wall switch with per-gang power-on behaviour",
    source="[KG-CODES]",
    category="kg",
    dps={
        "1": True,
        "2": False,
        "3": False,
        "7": 0,
        "8": 0,
        "9": 0,
        "14": "memory",
        "15": "relay",
        "29": "memory",
        "30": "power_off",
        "31": "power_on",
    },
    model=_model(
        *((gang, f"switch_{gang}", "Boolean", {}) for gang in range(1, 4)),
        *((6 + gang, f"countdown_{gang}", "Integer", COUNTDOWN) for gang in range(1, 4)),
        (14, "relay_status", "Enum", RELAY_STATUS),
        (15, "light_mode", "Enum", LIGHT_MODE),
        *((28 + gang, f"relay_status_{gang}", "Enum", RELAY_STATUS) for gang in range(1, 4)),
    ),
    with_model={
        **{str(gang): "switch" for gang in range(1, 4)},
        **{str(6 + gang): "countdown" for gang in range(1, 4)},
        "14": "select:power_on_behavior",
        "15": "select:indicator_mode",
        **{str(28 + gang): "select:power_on_behavior" for gang in range(1, 4)},
    },
    without_model={
        **{str(gang): "switch" for gang in range(1, 4)},
        **{str(6 + gang): "countdown" for gang in range(1, 4)},
    },
    notes="Without a model DPs 14, 15 and 29-31 stay raw: only DPs 38 and 39 are the "
    "standard numbers of power-on behaviour and indicator mode.",
)

BREAKER = CorpusDevice(
    name="WiFi circuit breaker with energy meter",
    source="[TUYA-DLQ]",
    category="dlq",
    dps={
        "1": 12345,
        "6": PHASE_A,
        "9": 0,
        "11": False,
        "12": False,
        "13": 0,
        "16": True,
        "17": "AAAAAAAAAAAAAAAAAA==",
        "18": "AAAAAAAAAAAAAAAAAA==",
        "19": "8CD4",
    },
    model=_model(
        (1, "total_forward_energy", "Integer", {"unit": "kW·h", "scale": 2, "max": 99999999}),
        (6, "phase_a", "Raw", {}),
        (9, "fault", "Bitmap", BREAKER_FAULTS),
        (11, "switch_prepayment", "Boolean", {}),
        (12, "clear_energy", "Boolean", {}),
        (13, "balance_energy", "Integer", {"unit": "kW·h", "scale": 2}),
        (16, "switch", "Boolean", {}),
        (17, "alarm_set_1", "Raw", {}),
        (18, "alarm_set_2", "Raw", {}),
        (19, "breaker_id", "String", {}),
    ),
    with_model={
        "1": "energy_total@0.01",
        "6": "phase",
        "9": "problem:fault",
        "16": "switch",
    },
    without_model={
        "1": "energy_total@0.01",
        "6": "phase",
        "9": "problem:fault",
        "16": "switch",
    },
)

DUAL_METER = CorpusDevice(
    name="Two-channel energy meter (outside the plug categories)",
    source="[TT-DUAL]",
    category="zndb",
    dps={
        "1": 123456,
        "2": 789,
        "101": 598,
        "102": "FORWARD",
        "104": "REVERSE",
        "105": 1203,
        "106": 1000,
        "107": 20,
        "108": 400,
        "109": 300,
        "110": 98,
        "111": 5001,
        "112": 2312,
        "113": 1500,
        "114": 1700,
        "115": 1801,
    },
    model=_model(
        (1, "forward_energy_total", "Integer", {"unit": "kWh", "scale": 2}),
        (2, "reverse_energy_total", "Integer", {"unit": "kWh", "scale": 2}),
    ),
    with_model={"1": "energy_total@0.01", "2": "energy_total:energy_returned@0.01"},
    without_model={},
    notes="Without a model nothing is guessed: several DPs look like a mains voltage "
    "(a 1500 mA current reads as 150.0 V), so the 101+ rule proves no meter.",
)


# --- real layouts from public trackers ------------------------------------------------
# Each ``dps`` is the status a user posted (values as posted; "updated_at" dropped);
# each model holds the codes the thread gives (the cloud's listing where posted, else
# the standard instruction set's code at that DP, marked). Kinds a DP "should" be are
# the model's.


def _std(*dp_ids: int, gangs: int = 1) -> tuple[tuple[int, str, str, dict[str, Any]], ...]:
    """The standard cz/pc/kg codes at their standard DP ids (those the device has)."""
    table: dict[int, tuple[str, str, dict[str, Any]]] = {
        17: ("add_ele", "Integer", ADD_ELE),
        18: ("cur_current", "Integer", CURRENT),
        19: ("cur_power", "Integer", POWER),
        20: ("cur_voltage", "Integer", VOLTAGE),
        21: ("test_bit", "Integer", {"min": 0, "max": 5, "scale": 0, "step": 1}),
        26: ("fault", "Bitmap", PLUG_FAULTS),
    }
    items = [(gang, f"switch_{gang}", "Boolean", {}) for gang in range(1, gangs + 1)]
    items.extend((dp, *table[dp]) for dp in dp_ids)
    return tuple(items)


METERING_PLUG = {
    "1": "switch",
    "9": "countdown",
    "17": "energy",
    "18": "current",
    "19": "power@0.1",
    "20": "voltage@0.1",
    "26": "problem:fault",
    "38": "select:power_on_behavior",
}


def _plug(
    name: str, source: str, dps: dict[str, Any], *extra: tuple[int, str, str, dict[str, Any]]
) -> CorpusDevice:
    """A metering plug of the standard layout (1, 9, 17-26, 38), as posted."""
    reported = set(dps) | {"17"}
    model = tuple(
        dp
        for dp in _model(
            *_std(17, 18, 19, 20, 21, 26),
            (9, "countdown_1", "Integer", COUNTDOWN),
            (38, "relay_status", "Enum", {"range": ["off", "on", "memory"]}),
            *extra,
        )
        if str(dp.dp_id) in reported
    )
    expected = {dp: kind for dp, kind in METERING_PLUG.items() if dp in dps or dp == "17"}
    for dp_id, code, _, _ in extra:
        if code == "light_mode":
            expected[str(dp_id)] = "select:indicator_mode"
        elif code == "child_lock":
            expected[str(dp_id)] = "config_switch:child_lock"
    with_model = {dp: kind.replace("energy", "energy@0.001") for dp, kind in expected.items()}
    with_model.update({"18": "current@1", "19": "power@0.1", "20": "voltage@0.1"})
    return CorpusDevice(
        name=name,
        source=source,
        category="cz",
        dps=dps,
        model=model,
        with_model={dp: kind for dp, kind in with_model.items() if dp in expected},
        without_model=expected,
    )


_CAL = {"21": 1, "22": 628, "23": 30636, "24": 17426, "25": 2400, "26": 0}

HELD_OUT: tuple[CorpusDevice, ...] = (
    _plug(
        "Metering plug at 487 W (tuya-local #72)",
        "https://github.com/make-all/tuya-local/issues/72",
        {
            "1": True,
            "9": 0,
            "17": 100,
            "18": 2368,
            "19": 4866,
            "20": 2148,
            **_CAL,
            "38": "memory",
            "41": "",
            "42": "",
            "46": False,
        },
    ),
    _plug(
        "SMART socket 2, newer firmware (localtuya #768)",
        "https://github.com/rospogrigio/localtuya/issues/768",
        {
            "1": True,
            "9": 0,
            "17": 21,
            "18": 222,
            "19": 423,
            "20": 2305,
            **_CAL,
            "38": "memory",
            "39": False,
            "40": "relay",
            "41": False,
            "42": "",
            "43": "",
            "44": "",
        },
        (40, "light_mode", "Enum", LIGHT_MODE),
        (41, "child_lock", "Boolean", {}),
    ),
    _plug(
        "SH 100 plug, no load (tuya-local #5060)",
        "https://github.com/make-all/tuya-local/issues/5060",
        {"1": False, "9": 0, "18": 0, "19": 0, "20": 2295, **_CAL, "38": "off", "40": "relay"},
        (40, "light_mode", "Enum", LIGHT_MODE),
    ),
    _plug(
        "MOES plug, no load (tuya-local #1409)",
        "https://github.com/make-all/tuya-local/issues/1409",
        {
            "1": False,
            "9": 0,
            "18": 0,
            "19": 0,
            "20": 2169,
            **_CAL,
            "38": "memory",
            "39": False,
            "41": False,
            "42": "",
            "43": "",
            "44": "",
        },
    ),
    _plug(
        "Aziot 10 A plug (tuya-local #3828)",
        "https://github.com/make-all/tuya-local/issues/3828",
        {
            "1": True,
            "9": 0,
            "17": 10,
            "18": 0,
            "19": 0,
            "20": 2362,
            **_CAL,
            "38": "memory",
            "39": False,
            "40": "relay",
            "41": False,
            "42": "",
            "43": "",
            "44": "",
        },
        (40, "light_mode", "Enum", LIGHT_MODE),
        (41, "child_lock", "Boolean", {}),
    ),
    _plug(
        "LN plug at 25 W (Bildass/localtuya #16)",
        "https://github.com/Bildass/localtuya/issues/16",
        {"1": True, "9": 0, "17": 12, "18": 235, "19": 251, "20": 2391},
    ),
    CorpusDevice(
        name="Older metering plug under load (Domoticz-Tuya-SmartPlug-Plugin #5)",
        source="https://github.com/tixi/Domoticz-Tuya-SmartPlug-Plugin/issues/5",
        category="cz",
        dps={"1": True, "2": 0, "4": 160, "5": 224, "6": 2400},
        model=PLUG_OLDER.model,
        with_model=PLUG_OLDER.with_model,
        without_model=PLUG_OLDER.without_model,
        notes="Model: the older layout's codes [TL-V1] (none posted).",
    ),
    CorpusDevice(
        name="Feit plug without metering (localtuya #276)",
        source="https://github.com/rospogrigio/localtuya/issues/276",
        category="cz",
        dps={"1": False, "9": 0, "38": "off"},
        model=_model(
            (1, "switch_1", "Boolean", {}),
            (9, "countdown_1", "Integer", COUNTDOWN),
            (38, "relay_status", "Enum", {"range": ["off", "on", "memory"]}),
        ),
        with_model={"1": "switch", "9": "countdown", "38": "select:power_on_behavior"},
        without_model={"1": "switch", "9": "countdown", "38": "select:power_on_behavior"},
    ),
    CorpusDevice(
        name="Kogan metering strip, idle (tuya-local #457)",
        source="https://github.com/make-all/tuya-local/issues/457",
        category="cz",
        dps={
            **{str(g): False for g in range(1, 5)},
            **{str(8 + g): 0 for g in range(1, 5)},
            "18": 0,
            "19": 0,
            "20": 2410,
            "21": 1,
            "22": 596,
            "23": 27351,
            "24": 14992,
            "25": 1396,
        },
        model=_model(
            *_std(17, 18, 19, 20, gangs=4),
            *((8 + g, f"countdown_{g}", "Integer", COUNTDOWN) for g in range(1, 5)),
        ),
        with_model={
            **{str(g): "switch" for g in range(1, 5)},
            **{str(8 + g): "countdown" for g in range(1, 5)},
            "17": "energy",
            "18": "current",
            "19": "power",
            "20": "voltage",
        },
        without_model={
            **{str(g): "switch" for g in range(1, 5)},
            **{str(8 + g): "countdown" for g in range(1, 5)},
            "17": "energy",
            "18": "current",
            "19": "power",
            "20": "voltage",
        },
    ),
    CorpusDevice(
        name="CEREBRO SPS1 five-outlet strip (tuya-local #2924)",
        source="https://github.com/make-all/tuya-local/issues/2924",
        category="pc",
        dps={
            **{str(g): False for g in range(1, 6)},
            **{str(8 + g): 0 for g in range(1, 6)},
            "38": "memory",
            "40": "relay",
            "41": False,
            "42": "",
            "43": "",
            "44": "",
        },
        model=_model(
            *((g, f"switch_{g}", "Boolean", {}) for g in range(1, 6)),
            *((8 + g, f"countdown_{g}", "Integer", COUNTDOWN) for g in range(1, 6)),
            (38, "relay_status", "Enum", RELAY_STATUS),
            (40, "light_mode", "Enum", LIGHT_MODE),
            (41, "child_lock", "Boolean", {}),
        ),
        with_model={
            **{str(g): "switch" for g in range(1, 6)},
            **{str(8 + g): "countdown" for g in range(1, 6)},
            "38": "select:power_on_behavior",
            "40": "select:indicator_mode",
            "41": "config_switch:child_lock",
        },
        without_model={
            **{str(g): "switch" for g in range(1, 6)},
            **{str(8 + g): "countdown" for g in range(1, 6)},
            "38": "select:power_on_behavior",
            "40": "select:indicator_mode",
            "41": "config_switch:child_lock",
        },
        notes="Model: codes 40/41 are the standard ones at those ids (the thread's "
        "listing is cut off after switch_3).",
    ),
    CorpusDevice(
        name="Five-outlet metering strip at 17 W (tuya-local #3998)",
        source="https://github.com/make-all/tuya-local/issues/3998",
        category="cz",
        dps={
            **{str(g): True for g in range(1, 6)},
            **{str(8 + g): 0 for g in range(1, 6)},
            "17": 9,
            "18": 160,
            "19": 170,
            "20": 2291,
            "21": 2,
            "22": 0,
            "23": 0,
            "24": 0,
            "25": 0,
            "26": 0,
            "38": "memory",
            "40": "relay",
            "41": True,
            "42": "",
            "43": "",
            "44": "",
        },
        model=_model(
            *_std(17, 18, 19, 20, 26, gangs=5),
            *((8 + g, f"countdown_{g}", "Integer", COUNTDOWN) for g in range(1, 6)),
            (38, "relay_status", "Enum", RELAY_STATUS),
            (40, "light_mode", "Enum", LIGHT_MODE),
            (41, "child_lock", "Boolean", {}),
        ),
        with_model={
            **{str(g): "switch" for g in range(1, 6)},
            **{str(8 + g): "countdown" for g in range(1, 6)},
            "17": "energy",
            "18": "current",
            "19": "power",
            "20": "voltage",
            "26": "problem:fault",
            "38": "select:power_on_behavior",
            "40": "select:indicator_mode",
            "41": "config_switch:child_lock",
        },
        without_model={
            **{str(g): "switch" for g in range(1, 6)},
            **{str(8 + g): "countdown" for g in range(1, 6)},
            "17": "energy",
            "18": "current",
            "19": "power",
            "20": "voltage",
            "26": "problem:fault",
            "38": "select:power_on_behavior",
            "40": "select:indicator_mode",
            "41": "config_switch:child_lock",
        },
    ),
    CorpusDevice(
        name="Bytech outdoor two-outlet strip (tuya-local #6188)",
        source="https://github.com/make-all/tuya-local/issues/6188",
        category="cz",
        dps={
            "1": False,
            "2": False,
            "9": 0,
            "10": 0,
            "38": "memory",
            "40": "relay",
            "41": False,
            "44": "",
        },
        model=_model(
            (1, "switch_1", "Boolean", {}),
            (2, "switch_2", "Boolean", {}),
            (9, "countdown_1", "Integer", COUNTDOWN),
            (10, "countdown_2", "Integer", COUNTDOWN),
            (38, "relay_status", "Enum", {"range": ["power_off", "power_on", "last"]}),
            (40, "light_mode", "Enum", LIGHT_MODE),
            (41, "child_lock", "Boolean", {}),
        ),
        with_model={
            "1": "switch",
            "2": "switch",
            "9": "countdown",
            "10": "countdown",
            "38": "select:power_on_behavior",
            "40": "select:indicator_mode",
            "41": "config_switch:child_lock",
        },
        without_model={
            "1": "switch",
            "2": "switch",
            "9": "countdown",
            "10": "countdown",
            "38": "select:power_on_behavior",
            "40": "select:indicator_mode",
            "41": "config_switch:child_lock",
        },
        notes="38 reads 'memory' where the model's range says 'last': a select offering "
        "the model's options would not show it, so both paths leave it as the rule "
        "finds it (the model's select is kept; see with_model).",
    ),
    CorpusDevice(
        name="Three-gang wall switch, countdowns 7-9 (tuya-local #5758)",
        source="https://github.com/make-all/tuya-local/issues/5758",
        category="kg",
        dps={
            "1": True,
            "2": True,
            "3": True,
            "7": 0,
            "8": 0,
            "9": 0,
            "14": "off",
            "15": "relay",
            "17": "",
            "18": "",
            "19": "",
        },
        model=tuple(dp for dp in WALL_SWITCH.model if dp.dp_id < 16),
        with_model={k: v for k, v in WALL_SWITCH.with_model.items() if int(k) < 16},
        without_model={
            **{str(g): "switch" for g in range(1, 4)},
            **{str(6 + g): "countdown" for g in range(1, 4)},
        },
    ),
    CorpusDevice(
        name="Earth-leakage meter switch, off (tuya-local #1078)",
        source="https://github.com/make-all/tuya-local/issues/1078",
        category="dlq",
        dps={
            "9": 0,
            "11": False,
            "12": False,
            "13": 0,
            "16": False,
            "19": "FSE-F723C43410DB35",
            "101": 275,
            "102": 110,
            "103": 50,
            "104": 50,
            "105": False,
            "106": False,
        },
        model=_model(
            (1, "total_forward_energy", "Integer", {"unit": "kW·h", "scale": 2, "max": 99999999}),
            (6, "phase_a", "Raw", {}),
            (9, "fault", "Bitmap", BREAKER_FAULTS),
            (16, "switch", "Boolean", {}),
        ),
        with_model={"1": "energy_total@0.01", "6": "phase", "9": "problem:fault", "16": "switch"},
        without_model={},
        notes="Without a model nothing: no phase record was reported, so nothing "
        "proves a breaker (its 101-104 are thresholds, not a meter).",
    ),
)

CORPUS: tuple[CorpusDevice, ...] = (
    PLUG_STANDARD,
    PLUG_OLDER,
    PLUG_CALIBRATION,
    DOUBLE_OUTLET_USB,
    STRIP_STANDARD,
    STRIP_OLDER,
    WALL_SWITCH,
    BREAKER,
    DUAL_METER,
)
