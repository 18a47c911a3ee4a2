"""Base entities of the Tuya LAN integration."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, cast

from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .catalog import category_word
from .const import CONF_CATEGORY, CONF_PRODUCT_KEY, CONF_PRODUCT_NAME, DOMAIN
from .coordinator import TuyaLanCoordinator
from .entries import TuyaLanDeviceConfigEntry
from .gateway import ChildCoordinator, coordinators
from .mapping import Descriptions, DpKind, DpSpec, TuyaLanEntityDescription, unique_id
from .naming import telling_product_name
from .values import scale_value, scaled_to_raw

GENERIC_MODEL = "Tuya device"
_METERING = frozenset({DpKind.POWER, DpKind.CURRENT, DpKind.VOLTAGE, DpKind.ENERGY})


def device_model(
    specs: Mapping[str, DpSpec], product_name: str | None, category: str | None = None
) -> str:
    """What the device is, in words a person recognises, and its category beside it
    ("RGBCW E27 (Light)"; not when the name says it already: "Mini Smart Plug").

    The product's name when the cloud's tells something (naming.telling_product_name);
    otherwise what its data points say: the product key (shown as the model ID beside
    it) means nothing to a person, nor does "Product demopl".
    """
    model = telling_product_name(product_name) or _described(specs)
    word = category_word(category)
    if word is None or word.lower() in model.lower():
        return model
    return word if model == GENERIC_MODEL else f"{model} ({word})"


def _described(specs: Mapping[str, DpSpec]) -> str:
    """What a device's data points say it is."""
    switches = [spec for spec in specs.values() if spec.kind is DpKind.SWITCH]
    metering = " with power metering" if any(s.kind in _METERING for s in specs.values()) else ""
    if len(switches) > 1:
        outlets = all(
            (spec.device_class or SwitchDeviceClass.OUTLET) == SwitchDeviceClass.OUTLET
            for spec in switches
        )
        kind = "power strip" if outlets else "switch"
        return f"{len(switches)}-gang {kind}{metering}"
    if switches:
        return f"Smart plug{metering}"
    return GENERIC_MODEL


# One DeviceInfo per device, built once: every entity of a device shares it (building
# it per entity walks every spec per entity, quadratic in the number of DPs).
_DEVICE_INFO: weakref.WeakKeyDictionary[TuyaLanCoordinator, DeviceInfo] = (
    weakref.WeakKeyDictionary()
)


def _device_info(coordinator: TuyaLanCoordinator) -> DeviceInfo:
    if (info := _DEVICE_INFO.get(coordinator)) is None and isinstance(
        coordinator, ChildCoordinator
    ):  # a gateway's sub-device: a device of its own, reached through the gateway
        info = _DEVICE_INFO[coordinator] = DeviceInfo(
            identifiers={(DOMAIN, coordinator.device_id)},
            manufacturer="Tuya",
            model=device_model(coordinator.specs, coordinator.product_name),
            name=coordinator.name,
        )
        if (gateway := coordinator.gateway.registry_device_id) is not None:
            info["via_device_id"] = gateway
    if info is None:
        entry = coordinator.config_entry
        info = DeviceInfo(
            identifiers={(DOMAIN, coordinator.device_id)},
            manufacturer="Tuya",
            model=device_model(
                coordinator.specs, entry.data.get(CONF_PRODUCT_NAME), entry.data.get(CONF_CATEGORY)
            ),
            model_id=entry.data.get(CONF_PRODUCT_KEY),
            name=entry.title,
        )
        _DEVICE_INFO[coordinator] = info
    return info


def async_setup_dp_entities[DescriptionT: TuyaLanEntityDescription](
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: Platform,
    create: Callable[[TuyaLanCoordinator, DescriptionT], Entity],
) -> None:
    """Add a platform's entities (from the descriptions the coordinator built once),
    now and when later readings prove more DPs."""
    for coordinator in coordinators(entry.runtime_data):  # a gateway's children too
        _async_setup_device_entities(coordinator, entry, async_add_entities, platform, create)


def _async_setup_device_entities[DescriptionT: TuyaLanEntityDescription](
    coordinator: TuyaLanCoordinator,
    entry: TuyaLanDeviceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: Platform,
    create: Callable[[TuyaLanCoordinator, DescriptionT], Entity],
) -> None:
    # A partial of module-level functions, not closures: a device keeps one per platform
    # for as long as it is loaded (closures with their cells cost ~1 KB more per device).
    add = partial(_async_add_entities, coordinator, async_add_entities, platform, create)
    add(coordinator.descriptions)
    entry.async_on_unload(coordinator.async_add_descriptions_listener(add))


@callback
def _async_add_entities[DescriptionT: TuyaLanEntityDescription](
    coordinator: TuyaLanCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: Platform,
    create: Callable[[TuyaLanCoordinator, DescriptionT], Entity],
    descriptions: Descriptions,
) -> None:
    """Add the entities of ``descriptions`` (all, or those later readings proved) that
    go on ``platform``."""
    if found := descriptions.by_platform.get(platform):
        async_add_entities(
            [create(coordinator, cast("DescriptionT", description)) for description in found]
        )


class TuyaLanBaseEntity(CoordinatorEntity[TuyaLanCoordinator]):
    """An entity of a Tuya device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: TuyaLanCoordinator, description: EntityDescription) -> None:
        """Initialize the entity."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_device_info = _device_info(coordinator)


class TuyaLanEntity(TuyaLanBaseEntity):
    """An entity backed by one DP of a Tuya device: its description says which, and
    how values convert both ways."""

    entity_description: TuyaLanEntityDescription

    def __init__(
        self, coordinator: TuyaLanCoordinator, description: TuyaLanEntityDescription
    ) -> None:
        """Initialize the entity."""
        super().__init__(coordinator, description)
        self.dp = description.dp
        self._watched = description.watched_dps
        self._attr_unique_id = unique_id(coordinator.device_id, description)
        self._written_available: bool | None = None

    async def async_added_to_hass(self) -> None:
        """Remember the availability Home Assistant is about to show."""
        await super().async_added_to_hass()
        self._written_available = self.available

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when this entity's DPs or its availability changed.

        A push of one DP then costs one state write, not one per entity.
        """
        available = self.available
        if available != self._written_available or not self._watched.isdisjoint(
            self.coordinator.data.changed
        ):
            self._written_available = available
            super()._handle_coordinator_update()

    @property
    def dp_value(self) -> Any:
        """Return the current value of this entity's DP (None when not reported yet)."""
        return self.coordinator.data.dps.get(self.dp)

    @property
    def shown_value(self) -> Any:
        """The DP's value as the entity shows it (the description's ``value_fn``)."""
        return self.entity_description.value_fn(self.dp_value)

    async def async_write_value(self, value: Any) -> None:
        """Write a value as the entity takes it (converted by ``set_fn``)."""
        await self.coordinator.async_set_dps({self.dp: self.entity_description.set_fn(value)})


class TuyaLanPartsEntity(TuyaLanEntity):
    """An entity made of several DPs (a light, cover, climate, fan or humidifier):
    its description's parts say which DP holds what."""

    def part_value(self, spec: DpSpec | None) -> Any:
        """The device's value of a part (None: no such part, or none reported yet)."""
        return None if spec is None else self.coordinator.data.dps.get(spec.dp)

    def scaled_part(self, spec: DpSpec | None) -> float | None:
        """A number part's value with the model's scale (a temperature, a humidity)."""
        if spec is None:
            return None
        value = scale_value(self.part_value(spec), part_scale(spec))
        return None if value is None else float(value)

    async def async_set_scaled_part(self, spec: DpSpec, value: float) -> None:
        """Write a number part in the DP's raw units, on its grid, within its range."""
        raw = scaled_to_raw(value, part_scale(spec), spec.minimum, spec.maximum, spec.step)
        await self.coordinator.async_set_dps({spec.dp: raw})


def part_scale(spec: DpSpec) -> float:
    """What a part's raw value is multiplied by (1 when the model gives no scale)."""
    return spec.scale if spec.scale is not None else 1.0
