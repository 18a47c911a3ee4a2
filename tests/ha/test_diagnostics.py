"""Diagnostics."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.tuya_lan.const import CONF_DPS

from .conftest import DEVICE_ID, HOST, LOCAL_KEY


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
