"""The entity descriptions of DP entities, and the unique ids derived from them.

One base, :class:`TuyaLanEntityDescription`, carries what every DP entity has (its DP
and how its values convert both ways); each platform's subclass adds only that
platform's fields. :mod:`.mapping` holds the templates and fills them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Final

from homeassistant.components.binary_sensor import BinarySensorEntityDescription
from homeassistant.components.climate import ClimateEntityDescription
from homeassistant.components.cover import CoverEntityDescription
from homeassistant.components.fan import FanEntityDescription
from homeassistant.components.humidifier import HumidifierEntityDescription
from homeassistant.components.light import LightEntityDescription
from homeassistant.components.number import NumberEntityDescription
from homeassistant.components.select import SelectEntityDescription
from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.const import Platform
from homeassistant.helpers.entity import EntityDescription

from .tuyalan.dpmap import DpSpec
from .values import identity, raw_value

RAW_SUFFIX: Final = "_raw"
NO_PARTS: Final[Mapping[str, DpSpec]] = MappingProxyType({})


@dataclass(frozen=True, kw_only=True)
class TuyaLanEntityDescription(EntityDescription):
    """What every DP entity has: its DP, and how its values convert.

    ``value_fn`` turns the device's value into what the entity shows, ``set_fn`` what
    the user sets into what the device takes. ``indexed_translation_key`` names the
    entity when the device has several of its kind ("Switch 2"). ``unique_id_suffix``
    sets apart entities of the same DP: a raw sensor (``_raw``: mapping the DP makes a
    new entity, resetting the mapping brings the old one back) or a phase's parts.
    """

    dp: str = ""
    value_fn: Callable[[Any], Any] = raw_value
    set_fn: Callable[[Any], Any] = identity
    indexed_translation_key: str | None = None
    unique_id_suffix: str = ""

    @cached_property
    def watched_dps(self) -> frozenset[str]:
        """The DPs whose change changes the entity (built once: a description is
        shared by every entity of its DP on devices alike)."""
        return frozenset({self.dp})


@dataclass(frozen=True, kw_only=True)
class TuyaLanSwitchEntityDescription(TuyaLanEntityDescription, SwitchEntityDescription):
    """A relay or a setting."""


@dataclass(frozen=True, kw_only=True)
class TuyaLanNumberEntityDescription(TuyaLanEntityDescription, NumberEntityDescription):
    """A countdown: seconds until the relay toggles; writing starts it."""


@dataclass(frozen=True, kw_only=True)
class TuyaLanSelectEntityDescription(TuyaLanEntityDescription, SelectEntityDescription):
    """An enum DP the user sets."""


@dataclass(frozen=True, kw_only=True)
class TuyaLanBinarySensorEntityDescription(TuyaLanEntityDescription, BinarySensorEntityDescription):
    """A fault flag or bitmap: on when the device reports any fault."""

    labels: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TuyaLanSensorEntityDescription(TuyaLanEntityDescription, SensorEntityDescription):
    """A measurement, an accumulated energy total, or a raw DP."""

    accumulate: bool = False  # the DP is an increment (add_ele): sum it up
    # The DP is a countdown's seconds: the sensor shows when it ends (a timestamp the
    # frontend counts down to, "in 42 seconds"), as Home Assistant shows timers.
    switches_at: bool = False


@dataclass(frozen=True, kw_only=True)
class TuyaLanCompositeEntityDescription(
    TuyaLanEntityDescription, LightEntityDescription, ClimateEntityDescription, FanEntityDescription
):
    """An entity made of several DPs of one device (a light of DPs 20-24): the one base
    of every composite, and itself the description of a light, climate or fan entity
    (Home Assistant's descriptions of those add no field).

    ``dp`` is its main DP (the unique id's); ``parts`` the spec of each part by role
    (the library's roles: ``switch``, ``brightness``, ``position``...), with the
    ranges, scales and options the model gave. The entity reads and writes each part
    through them; a part the device lacks is simply not there.
    """

    parts: Mapping[str, DpSpec] = NO_PARTS

    @cached_property
    def watched_dps(self) -> frozenset[str]:
        """Every part's DP."""
        return frozenset(spec.dp for spec in self.parts.values())

    def part(self, role: str) -> DpSpec | None:
        """The spec of a part, or None."""
        return self.parts.get(role)


# The platforms whose descriptions add nothing: the composite base itself (names kept
# for the platforms and the options flow).
TuyaLanLightEntityDescription = TuyaLanCompositeEntityDescription
TuyaLanClimateEntityDescription = TuyaLanCompositeEntityDescription
TuyaLanFanEntityDescription = TuyaLanCompositeEntityDescription


# A cover's and a humidifier's descriptions type their device class: a subclass each.
@dataclass(frozen=True, kw_only=True)
class TuyaLanCoverEntityDescription(TuyaLanCompositeEntityDescription, CoverEntityDescription):
    """A curtain or blind: control, position and motor-direction DPs."""


@dataclass(frozen=True, kw_only=True)
class TuyaLanHumidifierEntityDescription(
    TuyaLanCompositeEntityDescription, HumidifierEntityDescription
):
    """A humidifier or dehumidifier: switch, target and current humidity, mode DPs."""


@dataclass(frozen=True)
class Descriptions:
    """Everything the platforms create for one device, by platform."""

    # Only the platforms the device has (a list for each of the ten, most of them empty,
    # would be ~0.6 KB per device).
    by_platform: defaultdict[Platform, list[TuyaLanEntityDescription]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def extend(self, other: Descriptions) -> None:
        """Add the descriptions of DPs found later."""
        for platform, descriptions in other.by_platform.items():
            self.by_platform[platform].extend(descriptions)

    def unique_ids(self, device_id: str) -> set[tuple[str, str]]:
        """(platform, unique id) of every entity these describe."""
        return {
            (platform.value, unique_id(device_id, description))
            for platform, descriptions in self.by_platform.items()
            for description in descriptions
        }

    @property
    def switches(self) -> list[TuyaLanEntityDescription]:
        """The switch descriptions."""
        return self.by_platform[Platform.SWITCH]

    @property
    def numbers(self) -> list[TuyaLanEntityDescription]:
        """The number descriptions."""
        return self.by_platform[Platform.NUMBER]

    @property
    def selects(self) -> list[TuyaLanEntityDescription]:
        """The select descriptions."""
        return self.by_platform[Platform.SELECT]

    @property
    def binary_sensors(self) -> list[TuyaLanEntityDescription]:
        """The binary sensor descriptions."""
        return self.by_platform[Platform.BINARY_SENSOR]

    @property
    def sensors(self) -> list[TuyaLanEntityDescription]:
        """The sensor descriptions."""
        return self.by_platform[Platform.SENSOR]


def unique_id(device_id: str, description: TuyaLanEntityDescription) -> str:
    """``{device_id}_{dp}``, plus the description's suffix (``_raw``, a phase's part)."""
    return f"{device_id}_{description.dp}{description.unique_id_suffix}"


def raw_unique_id(device_id: str, dp: str) -> str:
    """The unique id of a DP's raw sensor."""
    return f"{device_id}_{dp}{RAW_SUFFIX}"


def health_unique_id(device_id: str, key: str) -> str:
    """Return the unique id of a connection-health entity: ``{device_id}_health_{key}``."""
    return f"{device_id}_health_{key}"
