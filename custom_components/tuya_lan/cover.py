"""Cover platform: curtain motors and curtain switches, each a cover of several DPs.

The parts come from the data model (the library's cover rows): ``control``
(open/stop/close), the position set (``percent_control``) and reported
(``percent_state``), where the curtain is (``situation_set``) and the motor direction
(``control_back_mode``). Tuya's percentages count as its app shows them, 0 open and
100 closed, so they are inverted for Home Assistant (0 closed, 100 open), as Home
Assistant core's tuya integration does; a motor set to ``back`` already reports them
the other way round and is not inverted again (make-all/tuya-local#5486, fixed after
PR #5487).
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.cover import ATTR_POSITION, CoverEntity, CoverEntityFeature
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import TuyaLanCoordinator
from .descriptions import TuyaLanCoverEntityDescription
from .entity import TuyaLanPartsEntity, async_setup_dp_entities
from .entries import TuyaLanDeviceConfigEntry
from .tuyalan.dpmap import (
    ROLE_CONTROL,
    ROLE_MOTOR_REVERSE,
    ROLE_POSITION,
    ROLE_POSITION_SET,
    ROLE_SITUATION,
    DpSpec,
)
from .values import dp_range, percent_from_raw, percent_to_raw

PARALLEL_UPDATES = 1

OPEN, CLOSE, STOP = "open", "close", "stop"
MOTOR_BACK = "back"
PERCENT = (0, 100)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the covers of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.COVER, TuyaLanCover)


class TuyaLanCover(TuyaLanPartsEntity, CoverEntity):
    """A cover made of the DPs its description names."""

    entity_description: TuyaLanCoverEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanCoverEntityDescription
    ) -> None:
        """Initialize the cover from its parts."""
        super().__init__(coordinator, description)
        self._control = description.part(ROLE_CONTROL)
        self._position_set = description.part(ROLE_POSITION_SET)
        self._position = description.part(ROLE_POSITION) or self._position_set
        self._situation = description.part(ROLE_SITUATION)
        self._reverse = description.part(ROLE_MOTOR_REVERSE)
        features = CoverEntityFeature(0)
        # The control's value for each command: the model's words, or the ones a user
        # entered (labels: open, close, stop; "fz"/"zz"/"stop" on some motors).
        control = self._control
        self._commands: dict[str, str] = (
            dict(zip((OPEN, CLOSE, STOP), control.labels, strict=True))
            if control is not None and len(control.labels) == 3
            else {word: word for word in (OPEN, CLOSE, STOP) if control and word in control.options}
        )
        for option, feature in (
            (OPEN, CoverEntityFeature.OPEN),
            (CLOSE, CoverEntityFeature.CLOSE),
            (STOP, CoverEntityFeature.STOP),
        ):
            if option in self._commands:
                features |= feature
        if self._position_set is not None:
            features |= CoverEntityFeature.SET_POSITION
            if self._control is None:  # open and close by position
                features |= CoverEntityFeature.OPEN | CoverEntityFeature.CLOSE
        self._attr_supported_features = features

    def _inverted(self, spec: DpSpec) -> bool:
        if spec.inverted is not None:  # the user said how the device counts
            return spec.inverted
        return bool(self.part_value(self._reverse) != MOTOR_BACK)

    @staticmethod
    def _range(spec: DpSpec) -> tuple[int, int]:
        return dp_range(spec.minimum, spec.maximum, PERCENT)

    @property
    def current_cover_position(self) -> int | None:
        """0 closed to 100 open."""
        if self._position is None:
            return None
        return percent_from_raw(
            self.part_value(self._position),
            *self._range(self._position),
            inverted=self._inverted(self._position),
        )

    @property
    def is_closed(self) -> bool | None:
        """Closed as the device says it is, or at position 0."""
        situation = self.part_value(self._situation)
        if situation in ("fully_open", "fully_close"):
            return bool(situation == "fully_close")
        position = self.current_cover_position
        return None if position is None else position == 0

    async def _async_position(self, position: float) -> None:
        assert self._position_set is not None
        spec = self._position_set
        raw = percent_to_raw(position, *self._range(spec), inverted=self._inverted(spec))
        await self.coordinator.async_set_dps({self._position_set.dp: raw})

    async def async_open_cover(self, **kwargs: Any) -> None:
        """Open."""
        if self._control is not None and OPEN in self._commands:
            await self.coordinator.async_set_dps({self._control.dp: self._commands[OPEN]})
        else:
            await self._async_position(100)

    async def async_close_cover(self, **kwargs: Any) -> None:
        """Close."""
        if self._control is not None and CLOSE in self._commands:
            await self.coordinator.async_set_dps({self._control.dp: self._commands[CLOSE]})
        else:
            await self._async_position(0)

    async def async_stop_cover(self, **kwargs: Any) -> None:
        """Stop where it is."""
        if self._control is not None and STOP in self._commands:
            await self.coordinator.async_set_dps({self._control.dp: self._commands[STOP]})

    async def async_set_cover_position(self, **kwargs: Any) -> None:
        """Move to a position (0 closed, 100 open)."""
        await self._async_position(kwargs[ATTR_POSITION])
