"""A simulated device of a category, set up in Home Assistant with its data model.

The model is what the fake clouds serve for the simulator's profile
(``tuya_sim.cloud.PROFILE_DPS``: Tuya's published standard instruction sets, cited
there), so the integration sees the same device a linked account would give it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import CONF_CATEGORY, CONF_MODEL, DOMAIN
from custom_components.tuya_lan.tuyalan.cloud_model import DpModel
from tuya_sim import SimulatedDevice
from tuya_sim.cloud import PROFILE_CATEGORIES, PROFILE_DPS

from .common import DEVICE_ID, LOCAL_KEY, TITLE, entry_data


def model_of(profile: str) -> list[DpModel]:
    """The data model the fake clouds give the profile's device."""
    return [
        DpModel.from_values(dp.dp_id, dp.code, dp.type, dp.values, mode=dp.mode)
        for dp in PROFILE_DPS[profile]
    ]


@dataclass
class Running:
    """The simulated device and its entry."""

    sim: SimulatedDevice
    entry: MockConfigEntry


@asynccontextmanager
async def running(
    hass: HomeAssistant,
    profile: str,
    version: str = "3.4",
    *,
    category: str | None = None,
    model: list[DpModel] | None = None,
    dps: dict[str, Any] | None = None,
    account: bool = True,
) -> AsyncIterator[Running]:
    """The profile's device on loopback, its entry set up with the model (or with the
    category, model and DPs given: a variant of a category the profiles lack; or,
    ``account=False``, with neither: a device added by its key alone)."""
    sim = SimulatedDevice(
        DEVICE_ID, LOCAL_KEY, version, dps=dps, profile=profile, tick_interval=None, seed=1
    )
    await sim.start()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=DEVICE_ID,
        data=entry_data(
            host="127.0.0.1",
            port=sim.port,
            protocol_version=version,
            **(
                {
                    CONF_CATEGORY: category or PROFILE_CATEGORIES[profile],
                    CONF_MODEL: [dp.to_dict() for dp in model or model_of(profile)],
                }
                if account
                else {}
            ),
        ),
    )
    try:
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield Running(sim, entry)
    finally:
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
        await sim.stop()


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds (loopback round trips take milliseconds)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the condition spans HA and the simulator
            await asyncio.sleep(0.01)
