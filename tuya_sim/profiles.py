"""What a simulated device's DPs are and how they move with time.

A profile owns the behaviour, not the values: the device keeps the DP dict and calls
:meth:`Profile.step` once per simulated second; the profile changes values in place
and returns the ones to push. Time only moves when the device ticks, so tests drive
it with ``device.tick()`` and never sleep.

* ``plug`` (layout B, the common one): 1 switch, 9 countdown (s), 17 add_ele
  (energy in 0.001 kWh used since the previous report: an increment, as on
  most real plugs), 18 current (mA), 19 power
  (W x 10), 20 voltage (V x 10).
* ``plug_a`` (layout A, older plugs): 1 switch, 2 countdown, 4 current, 5 power,
  6 voltage; no energy DP.
* ``strip``: 1-4 switches, 7-10 their countdowns.
* ``none``: the DPs given, nothing moves.
* ``bulb`` (v2, DPs 20-26) and ``bulb_v1`` (older, DPs 1-5), ``curtain``,
  ``thermostat``, ``ceiling_fan``, ``air_conditioner``, ``humidifier``: Tuya's
  standard DPs of each category (CATEGORY_PROFILES; each class says its DPs and how
  they move).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, TypeIs

# Mains voltage wanders around 230.0 V within +-3 V (DP values are V x 10).
NOMINAL_VOLTS = 230.0
VOLTS_SPREAD = 3.0
# Real plugs report electrical values every few seconds when they change, not every
# second; a switch change is reported at the next second.
DEFAULT_REPORT_INTERVAL = 10


class Profile:
    """No behaviour: DPs only change when a client or the test sets them."""

    name = "none"

    def initial_dps(self) -> dict[str, Any]:
        """The DPs a freshly powered device reports."""
        return {}

    def on_set(self, dps: dict[str, Any], changed: dict[str, Any]) -> None:
        """A client set ``changed`` (already written into ``dps``)."""

    def step(self, dps: dict[str, Any]) -> dict[str, Any]:
        """Advance one simulated second; return the DPs to push (changed in ``dps``)."""
        return {}


@dataclass(frozen=True, slots=True)
class CountdownPair:
    """A switch DP and the countdown DP that toggles it when it reaches zero."""

    switch: str
    countdown: str


def _run_countdowns(dps: dict[str, Any], pairs: tuple[CountdownPair, ...]) -> dict[str, Any]:
    """Count every running countdown down by one second; toggle switches at zero."""
    pushed: dict[str, Any] = {}
    for pair in pairs:
        remaining = dps.get(pair.countdown)
        if not isinstance(remaining, int) or isinstance(remaining, bool) or remaining <= 0:
            continue
        remaining -= 1
        dps[pair.countdown] = remaining
        if remaining == 0:
            # Tuya countdowns flip the switch, then report both DPs together.
            dps[pair.switch] = not dps.get(pair.switch, False)
            pushed[pair.switch] = dps[pair.switch]
            pushed[pair.countdown] = 0
    return pushed


class PlugProfile(Profile):
    """A metering smart plug: switch, countdown and current/power/voltage (+ energy)."""

    def __init__(
        self,
        *,
        layout: str = "B",
        load_watts: float = 60.0,
        report_interval: int = DEFAULT_REPORT_INTERVAL,
        rng: random.Random | None = None,
    ) -> None:
        if layout not in ("A", "B"):
            raise ValueError(f"plug layout is 'A' or 'B', not {layout!r}")
        self.layout = layout
        self.name = "plug" if layout == "B" else "plug_a"
        if layout == "B":
            self.switch, countdown = "1", "9"
            self.energy: str | None = "17"
            self.current, self.power, self.voltage = "18", "19", "20"
        else:
            self.switch, countdown = "1", "2"
            self.energy = None
            self.current, self.power, self.voltage = "4", "5", "6"
        self._countdowns = (CountdownPair(self.switch, countdown),)
        self.load_watts = load_watts
        self.report_interval = report_interval
        self._rng = rng if rng is not None else random.Random()
        self._volts = NOMINAL_VOLTS
        self._watts = load_watts
        self._energy_wh = 0.0  # not yet reported: add_ele moves in whole Wh
        self._until_report = 1
        self._switch_changed = False

    def initial_dps(self) -> dict[str, Any]:
        dps: dict[str, Any] = {self.switch: True, self._countdowns[0].countdown: 0}
        if self.energy is not None:
            dps[self.energy] = 0
        dps.update(self._electrical(on=True))
        return dps

    def on_set(self, dps: dict[str, Any], changed: dict[str, Any]) -> None:
        if self.switch in changed:
            self._switch_changed = True

    def step(self, dps: dict[str, Any]) -> dict[str, Any]:
        pushed = _run_countdowns(dps, self._countdowns)
        if self.switch in pushed:
            self._switch_changed = True
        on = bool(dps.get(self.switch))
        self._wander()
        if on:
            self._energy_wh += self._watts / 3600.0
        self._until_report -= 1
        if self._switch_changed:
            self._until_report = 0
        if self._until_report > 0:
            return pushed
        self._until_report = self.report_interval
        self._switch_changed = False
        for dp, value in self._electrical(on).items():
            if dps.get(dp) != value:
                dps[dp] = value
                pushed[dp] = value
        if self.energy is not None and self._energy_wh >= 1.0:
            # add_ele reports what was used since the previous report, then starts
            # again: the receiver adds the increments up.
            whole = int(self._energy_wh)
            self._energy_wh -= whole
            dps[self.energy] = pushed[self.energy] = whole
        return pushed

    def _wander(self) -> None:
        """Random walks: the mains voltage and the appliance's draw drift a little."""
        self._volts += self._rng.uniform(-0.4, 0.4)
        self._volts = min(
            max(self._volts, NOMINAL_VOLTS - VOLTS_SPREAD), NOMINAL_VOLTS + VOLTS_SPREAD
        )
        low, high = self.load_watts * 0.9, self.load_watts * 1.1
        self._watts = min(max(self._watts + self._rng.uniform(-1.0, 1.0), low), high)

    def _electrical(self, on: bool) -> dict[str, Any]:
        watts = self._watts if on else 0.0
        return {
            self.current: round(watts / self._volts * 1000),
            self.power: round(watts * 10),
            self.voltage: round(self._volts * 10),
        }


class StripProfile(Profile):
    """A four-outlet power strip: switches 1-4, countdowns 7-10."""

    name = "strip"

    def __init__(self, gangs: int = 4) -> None:
        self._countdowns = tuple(CountdownPair(str(i), str(i + 6)) for i in range(1, gangs + 1))

    def initial_dps(self) -> dict[str, Any]:
        dps: dict[str, Any] = {}
        for pair in self._countdowns:
            dps[pair.switch] = False
        for pair in self._countdowns:
            dps[pair.countdown] = 0
        return dps

    def step(self, dps: dict[str, Any]) -> dict[str, Any]:
        return _run_countdowns(dps, self._countdowns)


PROFILES = (
    "plug",
    "plug_a",
    "strip",
    "none",
    "bulb",
    "curtain",
    "thermostat",
    "ceiling_fan",
    "bulb_v1",
    "air_conditioner",
    "humidifier",
)


def make_profile(name: str, *, rng: random.Random | None = None) -> Profile:
    """A fresh profile instance by name (one per device: profiles hold state)."""
    if name == "plug":
        return PlugProfile(layout="B", rng=rng)
    if name == "plug_a":
        return PlugProfile(layout="A", rng=rng)
    if name == "strip":
        return StripProfile()
    if name == "none":
        return Profile()
    if name in CATEGORY_PROFILES:
        return CATEGORY_PROFILES[name]()
    raise ValueError(f"unknown profile {name!r}; expected one of {PROFILES}")


# --- lights, covers, thermostats (Tuya's standard DP numbering of each category) -------


class BulbProfile(Profile):
    """A colour bulb, lighting v2 ("dj"): 20 switch_led, 21 work_mode, 22 bright_value_v2
    (10-1000), 23 temp_value_v2 (0-1000), 24 colour_data_v2 (``HHHHSSSSVVVV``),
    26 countdown.

    As real v2 bulbs do, a colour written without a work mode switches the bulb to
    colour mode and a brightness or temperature to white mode, and it reports the mode
    with the value (Tuya's lighting standard:
    https://developer.tuya.com/en/docs/iot/dj?id=K9i5ql3v98hn3 ; tinytuya's BulbDevice
    sets the mode with each colour for the same reason).
    """

    name = "bulb"
    # The generation's DPs: the work mode, the white channel's, the colour's.
    mode_dp, white_dps, colour_dp = "21", ("22", "23"), "24"

    def initial_dps(self) -> dict[str, Any]:
        return {"20": True, "21": "white", "22": 500, "23": 500, "24": "000003e803e8", "26": 0}

    def on_set(self, dps: dict[str, Any], changed: dict[str, Any]) -> None:
        if self.mode_dp in changed:
            return
        if self.colour_dp in changed:
            dps[self.mode_dp] = changed[self.mode_dp] = "colour"
        elif any(dp in changed for dp in self.white_dps):
            dps[self.mode_dp] = changed[self.mode_dp] = "white"


class BulbV1Profile(BulbProfile):
    """An older colour bulb (lighting "dj" before v2): 1 switch_led, 2 work_mode,
    3 bright_value (25-255), 4 temp_value (0-255), 5 colour_data as 14 hex characters
    ``RRGGBBHHHHSSVV``: the colour as RGB (00-ff each), then hue 0-360 in four hex
    digits and saturation and value 0-255 in two each.

    Sources: Tuya's dj status set gives the older codes and ranges (bright_value 25-255,
    temp_value 0-255, https://developer.tuya.com/en/docs/iot/s?id=K9i5ql6yir2oy);
    tinytuya's BulbDevice reads bulbs of DPs 1-5 with values 25-255 and the colour
    format "rgb8", ``rrggbb0hhhssvv``
    (https://github.com/jasonacox/tinytuya/blob/master/tinytuya/BulbDevice.py); a
    user's dump of such a bulb reports ``"5": "fffafa000005ff"`` beside
    ``"2": "white"`` (https://gist.github.com/made2591/bca41ce13cced70bcb4c1712801726e3).
    It switches its work mode with a colour or a white value as the v2 bulb does.
    """

    name = "bulb_v1"
    mode_dp, white_dps, colour_dp = "2", ("3", "4"), "5"

    def initial_dps(self) -> dict[str, Any]:
        # red at full saturation and value, kept while the bulb shows white
        return {"1": True, "2": "white", "3": 255, "4": 128, "5": "ff00000000ffff"}


CURTAIN_SPEED = 10  # percent per simulated second


class CurtainProfile(Profile):
    """A curtain motor ("cl"): 1 control (open/stop/close), 2 percent_control,
    3 percent_state, 5 control_back_mode, 7 work_state (opening/closing).

    It moves CURTAIN_SPEED % a second towards its target and reports the position as
    it goes, as real motors do; percentages count as the Tuya app shows them (0 open,
    100 closed, with control_back_mode "forward"; cl status set:
    https://developer.tuya.com/en/docs/iot/s?id=K9gf48qy7wkre).
    """

    name = "curtain"

    def __init__(self) -> None:
        self._target: int | None = None

    def initial_dps(self) -> dict[str, Any]:
        return {"1": "stop", "2": 100, "3": 100, "5": "forward", "7": "closing"}

    def on_set(self, dps: dict[str, Any], changed: dict[str, Any]) -> None:
        control = changed.get("1")
        if control in ("open", "close"):
            self._target = 0 if control == "open" else 100
        elif control == "stop":
            self._target = None
        elif isinstance(changed.get("2"), int):
            self._target = min(max(changed["2"], 0), 100)
        if self._target is not None:
            dps["2"] = self._target

    def step(self, dps: dict[str, Any]) -> dict[str, Any]:
        position = dps.get("3")
        if self._target is None or not isinstance(position, int):
            return {}
        delta = max(-CURTAIN_SPEED, min(CURTAIN_SPEED, self._target - position))
        if delta == 0:
            self._target = None
            dps["1"] = "stop"
            return {"1": "stop"}
        dps["3"] = position + delta
        dps["7"] = "closing" if delta > 0 else "opening"
        return {"3": dps["3"], "7": dps["7"]}


class ThermostatProfile(Profile):
    """A heating thermostat ("wk"): 1 switch, 2 temp_set (0.5 °C steps, x10), 3
    temp_current (x10), 4 mode (auto/manual/holiday).

    The room warms by 0.1 °C a simulated second towards the target while heating and
    cools the same way when off, and the thermostat reports the current temperature
    as it changes.
    """

    name = "thermostat"

    def initial_dps(self) -> dict[str, Any]:
        return {"1": True, "2": 210, "3": 195, "4": "manual"}

    def step(self, dps: dict[str, Any]) -> dict[str, Any]:
        current, target = dps.get("3"), dps.get("2")
        if not isinstance(current, int) or not isinstance(target, int):
            return {}
        goal = target if dps.get("1") else 150
        if current == goal:
            return {}
        dps["3"] = current + (1 if goal > current else -1)
        return {"3": dps["3"]}


class CeilingFanProfile(Profile):
    """A ceiling fan with its light ("fsd"): 20 switch_led, 22 bright_value (10-1000),
    23 temp_value (0-1000) for the light; 60 fan_switch, 61 fan_mode, 62 fan_speed
    (1-100 %), 63 fan_direction for the fan (codes and ranges: Tuya's fsd status set,
    https://developer.tuya.com/en/docs/iot/s?id=Kaof8hoq7bom0 ; it gives no DP ids,
    so these are ours). Nothing moves on its own: the fan reports what it is set to.
    """

    name = "ceiling_fan"

    def initial_dps(self) -> dict[str, Any]:
        return {
            "20": False,
            "22": 1000,
            "23": 500,
            "60": True,
            "61": "fresh",
            "62": 40,
            "63": "forward",
        }


class _Drift:
    """A reading that moves one unit towards a goal every so many simulated seconds
    (a room warming, a room getting damper): whole units, as the DP reports them."""

    def __init__(self) -> None:
        self._elapsed = 0

    def step(self, current: int, goal: int, seconds_per_unit: int) -> int:
        """The reading after one more second."""
        if current == goal:
            self._elapsed = 0
            return current
        self._elapsed += 1
        if self._elapsed < seconds_per_unit:
            return current
        self._elapsed = 0
        return current + (1 if goal > current else -1)


# An air conditioner's room: as warm as this without it; one degree every so many
# seconds at each fan speed (stronger air, faster).
AC_AMBIENT = 30
AC_SECONDS_PER_DEGREE: dict[str, int] = {"low": 20, "mid": 10, "auto": 10, "high": 5, "strong": 5}
AC_IDLE_SECONDS_PER_DEGREE = 30  # off, or only moving air: back towards the ambient


class AirConditionerProfile(Profile):
    """An air conditioner ("kt"): 1 switch, 2 temp_set (°C), 3 temp_current (°C),
    4 mode (auto/cold/hot/wet/wind), 5 fan_speed_enum (low/mid/high/auto/strong),
    6 switch_horizontal and 7 switch_vertical (the swing flaps).

    Codes and ranges: Tuya's kt instruction and status sets
    (https://developer.tuya.com/en/docs/iot/f?id=K9gf46qujdmwb ,
    https://developer.tuya.com/en/docs/iot/s?id=K9gf48r2iqa7m ; they give no DP ids, so
    these are ours). Switched on, it cools (cold) or heats (hot) the room a degree at a
    time towards the target, either way in auto, faster at a stronger fan speed, and
    holds it there; off, drying (wet) or only moving air (wind), the room goes back
    towards AC_AMBIENT. It reports the room's temperature as it changes.
    """

    name = "air_conditioner"

    def __init__(self) -> None:
        self._room = _Drift()

    def initial_dps(self) -> dict[str, Any]:
        return {"1": True, "2": 24, "3": 27, "4": "cold", "5": "auto", "6": False, "7": False}

    def step(self, dps: dict[str, Any]) -> dict[str, Any]:
        current, target, mode = dps.get("3"), dps.get("2"), dps.get("4")
        if not _is_int(current) or not _is_int(target):
            return {}
        goal, pace = AC_AMBIENT, AC_IDLE_SECONDS_PER_DEGREE
        conditioning = (
            (mode == "cold" and current > target)
            or (mode == "hot" and current < target)
            or mode == "auto"
        )
        if dps.get("1") is True and mode in ("cold", "hot", "auto"):
            # At (or past) its target in cold or hot it only holds the room there.
            goal = target if conditioning else current
            pace = AC_SECONDS_PER_DEGREE.get(str(dps.get("5")), AC_SECONDS_PER_DEGREE["auto"])
        moved = self._room.step(current, goal, pace)
        if moved == current:
            return {}
        dps["3"] = moved
        return {"3": moved}


HUMIDIFIER_AMBIENT = 40  # % the room dries back to with the humidifier off
# One percent every so many seconds at each spraying mode (amount of fog).
HUMIDIFIER_SECONDS_PER_PERCENT: dict[str, int] = {
    "large": 5,
    "middle": 10,
    "small": 20,
    "interval": 30,
    "continuous": 10,
}
HUMIDIFIER_DRYING_SECONDS_PER_PERCENT = 60


class HumidifierProfile(Profile):
    """A humidifier ("jsq"): 1 switch, 2 mode (the amount of fog: large, middle, small,
    interval, continuous), 13 humidity_set (%), 14 humidity_current (%).

    Codes and ranges: Tuya's jsq instruction and status sets
    (https://developer.tuya.com/en/docs/iot/f?id=K9gf45rjel6x5 ,
    https://developer.tuya.com/en/docs/iot/s?id=K9gf48qwjz0i3 ; no DP ids there, these
    are ours). On, it raises the room's humidity a percent at a time, faster with more
    fog, until the target and holds it; off, the room dries back towards
    HUMIDIFIER_AMBIENT. It reports the humidity as it changes.
    """

    name = "humidifier"

    def __init__(self) -> None:
        self._room = _Drift()

    def initial_dps(self) -> dict[str, Any]:
        return {"1": True, "2": "middle", "13": 55, "14": 41}

    def step(self, dps: dict[str, Any]) -> dict[str, Any]:
        current, target = dps.get("14"), dps.get("13")
        if not _is_int(current) or not _is_int(target):
            return {}
        if dps.get("1") is True:
            goal = target if current < target else current  # it only adds moisture
            pace = HUMIDIFIER_SECONDS_PER_PERCENT.get(str(dps.get("2")), 10)
        else:
            goal, pace = HUMIDIFIER_AMBIENT, HUMIDIFIER_DRYING_SECONDS_PER_PERCENT
        moved = self._room.step(current, goal, pace)
        if moved == current:
            return {}
        dps["14"] = moved
        return {"14": moved}


def _is_int(value: Any) -> TypeIs[int]:
    return isinstance(value, int) and not isinstance(value, bool)


CATEGORY_PROFILES: dict[str, type[Profile]] = {
    "bulb": BulbProfile,
    "curtain": CurtainProfile,
    "thermostat": ThermostatProfile,
    "ceiling_fan": CeilingFanProfile,
    "bulb_v1": BulbV1Profile,
    "air_conditioner": AirConditionerProfile,
    "humidifier": HumidifierProfile,
}
