"""Fan platform: fans, ceiling fans, air purifiers, each a fan of several DPs.

The parts come from the data model (the library's fan rows): the power
(``switch_fan``, ``fan_switch`` or ``switch``), the speed (an integer DP such as
``fan_speed_percent`` shown as a percentage of its own range, or an enum of steps such
as the older ``fan_speed`` "1"-"4", each step an equal share), the preset modes
(``mode``/``fan_mode``), the direction (``fan_direction``) and oscillation
(``switch_horizontal``/``switch_vertical``). Turning on with a speed or a preset goes
out as one frame; a speed of 0 % switches the fan off, as in Home Assistant core's
tuya integration (the speed DPs have no "stopped" value).
"""

from __future__ import annotations

import math
from typing import Any, Final

from homeassistant.components.fan import FanEntity
from homeassistant.components.fan.const import (
    DIRECTION_FORWARD,
    DIRECTION_REVERSE,
    FanEntityFeature,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util.percentage import (
    ordered_list_item_to_percentage,
    percentage_to_ordered_list_item,
)

from .coordinator import TuyaLanCoordinator
from .descriptions import TuyaLanFanEntityDescription
from .entity import TuyaLanPartsEntity, async_setup_dp_entities
from .entries import TuyaLanDeviceConfigEntry
from .tuyalan.dpmap import (
    ROLE_FAN_DIRECTION,
    ROLE_FAN_MODE,
    ROLE_FAN_SPEED,
    ROLE_FAN_SWITCH,
    ROLE_OSCILLATE,
)
from .values import dp_range

PARALLEL_UPDATES = 1

# Tuya's fan_direction values and Home Assistant's.
TUYA_DIRECTION: Final = {"forward": DIRECTION_FORWARD, "reverse": DIRECTION_REVERSE}
# An integer speed without a range in the model: Tuya's standard 1-100.
SPEED_RANGE: Final = (1, 100)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the fans of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.FAN, TuyaLanFan)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class TuyaLanFan(TuyaLanPartsEntity, FanEntity):
    """A fan made of the DPs its description names."""

    entity_description: TuyaLanFanEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanFanEntityDescription
    ) -> None:
        """Initialize the fan from its parts."""
        super().__init__(coordinator, description)
        self._switch = description.part(ROLE_FAN_SWITCH)
        self._speed = description.part(ROLE_FAN_SPEED)
        self._mode = description.part(ROLE_FAN_MODE)
        self._direction = description.part(ROLE_FAN_DIRECTION)
        self._oscillate = description.part(ROLE_OSCILLATE)
        # An enum speed lists its steps slowest first; an integer one has a range.
        self._steps = list(self._speed.options) if self._speed is not None else []
        low, high = dp_range(
            self._speed.minimum if self._speed else None,
            self._speed.maximum if self._speed else None,
            SPEED_RANGE,
        )
        # Raw 0 (where a range starts there) is stopped, not the slowest speed.
        self._speed_range = (max(low, 1), max(high, 1))
        features = FanEntityFeature(0)
        if self._speed is not None and (self._steps or high > 0):
            features |= FanEntityFeature.SET_SPEED
            states = len(self._steps) or self._speed_range[1] - self._speed_range[0] + 1
            self._attr_speed_count = max(1, min(100, states))
        if self._mode is not None and self._mode.options:
            features |= FanEntityFeature.PRESET_MODE
            self._attr_preset_modes = list(self._mode.options)
        if self._direction is not None:
            features |= FanEntityFeature.DIRECTION
        if self._oscillate is not None:
            features |= FanEntityFeature.OSCILLATE
        if self._switch is not None:
            features |= FanEntityFeature.TURN_ON | FanEntityFeature.TURN_OFF
        self._attr_supported_features = features

    @property
    def is_on(self) -> bool | None:
        """The power DP, or (a fan without one) whether it turns."""
        if self._switch is None:
            return super().is_on
        value = self.part_value(self._switch)
        return value if isinstance(value, bool) else None

    @property
    def percentage(self) -> int | None:
        """The speed as a percentage: its place in the range or in the list of steps."""
        raw = self.part_value(self._speed)
        if self._steps:
            return ordered_list_item_to_percentage(self._steps, raw) if raw in self._steps else None
        if not _is_int(raw):
            return None
        low, high = self._speed_range
        if raw < low:
            return 0
        clamped = min(raw, high)
        return 100 if high == low else math.ceil((clamped - low + 1) * 100 / (high - low + 1))

    def _speed_dps(self, percentage: float) -> dict[str, Any]:
        if self._speed is None:
            return {}
        if self._steps:
            return {self._speed.dp: percentage_to_ordered_list_item(self._steps, round(percentage))}
        low, high = self._speed_range
        raw = low - 1 + math.ceil(min(max(percentage, 1), 100) * (high - low + 1) / 100)
        step = self._speed.step if self._speed.step and self._speed.step > 0 else 1
        raw = low + round((raw - low) / step) * step
        return {self._speed.dp: min(max(raw, low), high)}

    @property
    def preset_mode(self) -> str | None:
        """The mode, when it is one the model lists."""
        mode = self.part_value(self._mode)
        return mode if self._attr_preset_modes and mode in self._attr_preset_modes else None

    @property
    def current_direction(self) -> str | None:
        """Forward or reverse."""
        value = self.part_value(self._direction)
        return TUYA_DIRECTION.get(value) if isinstance(value, str) else None

    @property
    def oscillating(self) -> bool | None:
        """Whether the fan swings."""
        value = self.part_value(self._oscillate)
        return value if isinstance(value, bool) else None

    async def async_turn_on(
        self, percentage: int | None = None, preset_mode: str | None = None, **kwargs: Any
    ) -> None:
        """Switch on with the speed and preset asked for, as one frame."""
        dps: dict[str, Any] = {}
        if self._switch is not None:
            dps[self._switch.dp] = True
        if percentage is not None:
            dps.update(self._speed_dps(percentage))
        if preset_mode is not None and self._mode is not None:
            dps[self._mode.dp] = preset_mode
        if dps:
            await self.coordinator.async_set_dps(dps)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        if self._switch is not None:
            await self.coordinator.async_set_dps({self._switch.dp: False})

    async def async_set_percentage(self, percentage: int) -> None:
        """Set the speed; 0 % switches the fan off."""
        if percentage == 0 and self._switch is not None:
            await self.async_turn_off()
            return
        await self.coordinator.async_set_dps(self._speed_dps(percentage))

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Set the mode."""
        if self._mode is not None:
            await self.coordinator.async_set_dps({self._mode.dp: preset_mode})

    async def async_set_direction(self, direction: str) -> None:
        """Turn forward or in reverse."""
        wanted = {ha: tuya for tuya, ha in TUYA_DIRECTION.items()}.get(direction)
        if self._direction is not None and wanted in self._direction.options:
            await self.coordinator.async_set_dps({self._direction.dp: wanted})

    async def async_oscillate(self, oscillating: bool) -> None:
        """Start or stop swinging."""
        if self._oscillate is not None:
            await self.coordinator.async_set_dps({self._oscillate.dp: oscillating})
