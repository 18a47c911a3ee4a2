"""Base entity of the Tuya LAN integration."""

from __future__ import annotations

from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_PRODUCT_KEY, DOMAIN
from .coordinator import TuyaLanCoordinator
from .mapping import unique_id


class TuyaLanEntity(CoordinatorEntity[TuyaLanCoordinator]):
    """An entity backed by one DP of a Tuya device."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: TuyaLanCoordinator,
        description: EntityDescription,
        dp: str,
        *,
        raw: bool = False,
    ) -> None:
        """Initialize the entity."""
        super().__init__(coordinator)
        self.entity_description = description
        self.dp = dp
        device_id = coordinator.device_id
        self._attr_unique_id = unique_id(device_id, dp, raw=raw)
        entry = coordinator.config_entry
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device_id)},
            manufacturer="Tuya",
            model_id=entry.data.get(CONF_PRODUCT_KEY),
            name=entry.title,
        )

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when this entity's DP changed, or anything may have."""
        changed = self.coordinator.changed_dps
        if changed is None or self.dp in changed:
            super()._handle_coordinator_update()

    @property
    def dp_value(self) -> Any:
        """Return the current value of this entity's DP (None when not reported yet)."""
        return self.coordinator.data.get(self.dp)
