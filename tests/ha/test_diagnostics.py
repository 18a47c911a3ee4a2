"""Diagnostics."""

from __future__ import annotations

import asyncio

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.tuya_lan.const import CONF_DPS

from .common import DEVICE_ID, HOST, LOCAL_KEY
from .conftest import FakeDevice


@pytest.mark.parametrize("entry_options", [{CONF_DPS: {"38": {"kind": "sensor", "unit": "x"}}}])
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The local key, the device id and the address are redacted."""
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert result == snapshot
    text = str(result)
    for secret in (LOCAL_KEY, DEVICE_ID, HOST):
        assert secret not in text


async def test_diagnostics_of_a_lost_connection(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    fake_device: FakeDevice,
) -> None:
    """The connection's last error may name the address: it is shown as redacted."""
    fake_device.connect_error = OSError(f"connect to {HOST}:6668 failed")
    fake_device.drop(OSError(f"{HOST}:6668 reset the connection"))
    coordinator = init_integration.runtime_data
    async with asyncio.timeout(10):
        while coordinator.health.error is None:  # noqa: ASYNC110 - set by the session
            await asyncio.sleep(0.01)
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert result["health"]["connected"] is False
    assert result["health"]["error"] == "**REDACTED**"
    assert HOST not in str(result)
