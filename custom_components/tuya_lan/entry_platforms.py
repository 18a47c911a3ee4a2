"""Which platforms a device entry sets up: only those its devices have entities on.

Home Assistant keeps an entity platform (its lists, locks and listeners) per entry and
platform whether or not it has entities: nine for every plug would be most of what
hundreds of entries cost besides their entities. The sensor platform is always set up
(the connection-health sensors, and a raw sensor for a DP reported later); another is
set up when a later reading proves a DP whose entity goes there.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .entries import TuyaLanDeviceConfigEntry
from .gateway import coordinators
from .mapping import Descriptions

# The platforms set up, by entry id (what unloading unloads).
_LOADED: HassKey[dict[str, set[Platform]]] = HassKey(f"{DOMAIN}_platforms")


def _used(descriptions: Descriptions, offered: Iterable[Platform]) -> set[Platform]:
    return {platform for platform in offered if descriptions.by_platform.get(platform)}


async def async_setup_platforms(
    hass: HomeAssistant, entry: TuyaLanDeviceConfigEntry, offered: list[Platform]
) -> None:
    """Set up the platforms of ``offered`` that the entry's devices have entities on,
    and any of the rest once a later reading proves a DP that goes there."""
    devices = coordinators(entry.runtime_data)
    loaded: set[Platform] = {platform for platform in offered if platform is Platform.SENSOR}
    for device in devices:
        loaded |= _used(device.descriptions, offered)
    hass.data.setdefault(_LOADED, {})[entry.entry_id] = loaded

    # A partial of a module-level function, not a closure: every entry keeps it.
    proved = partial(_async_proved, hass, entry, offered, loaded)
    for device in devices:
        entry.async_on_unload(device.async_add_descriptions_listener(proved))
    await hass.config_entries.async_forward_entry_setups(
        entry, [platform for platform in offered if platform in loaded]
    )


@callback
def _async_proved(
    hass: HomeAssistant,
    entry: TuyaLanDeviceConfigEntry,
    offered: list[Platform],
    loaded: set[Platform],
    descriptions: Descriptions,
) -> None:
    """Set up the platforms that DPs later readings proved go on, if not set up yet."""
    if new := _used(descriptions, offered) - loaded:
        loaded.update(new)
        entry.async_create_task(
            hass,
            hass.config_entries.async_forward_entry_setups(entry, sorted(new)),
            f"{DOMAIN} platforms {entry.entry_id}",
        )


async def async_unload_platforms(hass: HomeAssistant, entry: TuyaLanDeviceConfigEntry) -> bool:
    """Unload the platforms the entry set up."""
    loaded = hass.data.get(_LOADED, {}).get(entry.entry_id, set())
    if not await hass.config_entries.async_unload_platforms(entry, list(loaded)):
        return False
    hass.data[_LOADED].pop(entry.entry_id, None)
    return True
