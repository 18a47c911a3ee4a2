"""The energy total of an increment DP (add_ele): summed, checked, kept across restarts."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from homeassistant.components.sensor import RestoreSensor
from homeassistant.core import callback

from .const import LOGGER
from .coordinator import TuyaLanCoordinator
from .descriptions import TuyaLanSensorEntityDescription
from .entity import TuyaLanEntity
from .tuyalan.dpmap import DpKind
from .values import scale_value

# What one device could have drawn at most when its own power reading cannot say (it
# has none, or the connection was lost meanwhile): 20 A at 230 V.
RATED_MAX_KW = 4.6
# A reading's power may have been higher between two reports: headroom on the peak.
POWER_HEADROOM = 1.5
# The first increment after a start also covers time before it (a device reports
# add_ele every few minutes); and one report's rounding.
MIN_WINDOW_HOURS = 0.25
SLACK_KWH = 0.01


class TuyaLanEnergySensor(TuyaLanEntity, RestoreSensor):
    """Total energy: the sum of the increments (add_ele) the device pushes.

    The total is restored after a restart, so it keeps increasing across restarts as
    the Energy dashboard expects. An increment larger than the device could have
    drawn since the previous one (its peak power reading since then, else
    RATED_MAX_KW) is not added: a wrongly scaled model or a corrupt report would
    otherwise add its error to the dashboard for good. It is logged once.
    """

    entity_description: TuyaLanSensorEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanSensorEntityDescription
    ) -> None:
        """Initialize the sensor."""
        super().__init__(coordinator, description)
        self._total = 0.0
        self._counted = coordinator.data  # each update's increment is added once
        self._since = time.monotonic()  # the previous increment (or the start)
        self._peak_kw: float | None = None  # the peak power reading since then
        self._connected_throughout = True
        self._warned = False
        self._first = True  # the first increment covers time before the start too
        self._sample_power()

    async def async_added_to_hass(self) -> None:
        """Restore the total."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None and isinstance(
            last.native_value, int | float
        ):
            value = float(last.native_value)
            if math.isfinite(value) and value >= 0:
                self._total = value

    @property
    def native_value(self) -> float:
        """Return the total in kWh."""
        return self._total

    def _sample_power(self) -> None:
        """Follow the device's power reading (kW) between increments."""
        powers = [spec for spec in self.coordinator.specs.values() if spec.kind is DpKind.POWER]
        if len(powers) != 1:
            return
        spec = powers[0]
        watts = scale_value(self.coordinator.data.dps.get(spec.dp), spec.effective_scale)
        if not isinstance(watts, int | float) or not math.isfinite(watts) or watts < 0:
            return
        kilowatts = watts if spec.unit == "kW" else watts / 1000
        self._peak_kw = max(self._peak_kw or 0.0, kilowatts)

    def _plausible(self, increment: float, now: float) -> bool:
        hours = (now - self._since) / 3600 + (MIN_WINDOW_HOURS if self._first else 0)
        peak = self._peak_kw
        limit_kw = (
            peak * POWER_HEADROOM
            if peak is not None and self._connected_throughout
            else RATED_MAX_KW
        )
        return increment <= limit_kw * hours + SLACK_KWH

    @callback
    def _handle_coordinator_update(self) -> None:
        """Add a pushed increment to the total (an equal one too: it is new energy)."""
        update = self.coordinator.data
        if not self.coordinator.last_update_success:
            self._connected_throughout = False
        self._sample_power()
        if update is not self._counted:
            self._counted = update
            increment: Any = self.entity_description.value_fn(update.pushed.get(self.dp))
            if isinstance(increment, int | float) and increment > 0 and math.isfinite(increment):
                now = time.monotonic()
                if not self._plausible(increment, now):
                    LOGGER.log(
                        logging.DEBUG if self._warned else logging.WARNING,
                        "%s: ignoring an energy increment of %s kWh: more than the device "
                        "could have drawn since the previous one (check the DP's scale)",
                        self.coordinator.name,
                        increment,
                    )
                    self._warned = True
                    super()._handle_coordinator_update()
                    return
                self._since = now
                self._first = False
                self._peak_kw = None
                self._connected_throughout = self.coordinator.last_update_success
                self._sample_power()
                self._total = round(self._total + increment, 6)
                self._written_available = self.available
                self.async_write_ha_state()
                return
        super()._handle_coordinator_update()
