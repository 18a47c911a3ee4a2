"""Number platform: countdowns (seconds until the relay toggles)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.components.number import NumberEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import TuyaLanCoordinator
from .descriptions import TuyaLanNumberEntityDescription
from .entity import TuyaLanEntity, async_setup_dp_entities
from .entries import TuyaLanDeviceConfigEntry

# One command at a time per platform; the coordinator also serializes and paces
# writes across platforms.
PARALLEL_UPDATES = 1

# When the running countdown toggles the relay (ISO time; null when none runs).
ATTR_SWITCHES_AT: Final = "switches_at"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the countdowns of a device."""
    async_setup_dp_entities(entry, async_add_entities, Platform.NUMBER, TuyaLanCountdown)


class TuyaLanCountdown(TuyaLanEntity, NumberEntity):
    """A countdown: writing a number of seconds starts it, the device counts down."""

    entity_description: TuyaLanNumberEntityDescription

    _unrecorded_attributes = frozenset({ATTR_SWITCHES_AT})

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanNumberEntityDescription
    ) -> None:
        """Initialize the countdown."""
        super().__init__(coordinator, description)
        self._switches_at: datetime | None = None

    @callback
    def _handle_coordinator_update(self) -> None:
        """Note when the relay will switch, from the seconds the device reported now."""
        if self.dp in self.coordinator.data.changed:
            seconds = self.native_value
            self._switches_at = dt_util.utcnow() + timedelta(seconds=seconds) if seconds else None
        super()._handle_coordinator_update()

    @property
    def native_value(self) -> float | None:
        """Return the seconds left, as the device last reported them.

        Most devices report a countdown when it starts and when it ends, not while it
        runs: in between this stays at the seconds set, and `switches_at` tells when
        the relay toggles. A status read (every few minutes) brings it up to date.
        """
        return self.shown_value  # type: ignore[no-any-return]

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the relay toggles, if a countdown runs."""
        return {ATTR_SWITCHES_AT: self._switches_at.isoformat() if self._switches_at else None}

    async def async_set_native_value(self, value: float) -> None:
        """Start the countdown (in the device's unit: a model may count minutes)."""
        await self.async_write_value(value)
