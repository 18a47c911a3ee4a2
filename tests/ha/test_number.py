"""Number platform: countdowns."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .common import STATUS_LAYOUT_A, STATUS_LAYOUT_B, STATUS_STRIP
from .conftest import FakeDevice


@pytest.fixture
def platforms() -> list[str]:
    """Only the number platform."""
    return [Platform.NUMBER]


@pytest.mark.parametrize(
    "device_status",
    [STATUS_LAYOUT_A, STATUS_LAYOUT_B, STATUS_STRIP],
    ids=["layout_a", "layout_b", "strip"],
)
async def test_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    device_status: dict[str, Any],
) -> None:
    """Countdowns: seconds, 0-86400, a box."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_set_countdown(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """Writing a number of seconds starts the countdown; the device counts down."""
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.tuya_efgh_countdown", "value": 120},
        blocking=True,
    )
    await hass.async_block_till_done()  # the device reports the new value
    assert fake_device.set_calls == [{"9": 120}]
    assert hass.states.get("number.tuya_efgh_countdown").state == "120"
    fake_device.push({"9": 119})
    await hass.async_block_till_done()
    assert hass.states.get("number.tuya_efgh_countdown").state == "119"
    fake_device.push({"9": "soon"})
    await hass.async_block_till_done()
    assert hass.states.get("number.tuya_efgh_countdown").state == "unknown"


@pytest.mark.usefixtures("init_integration")
async def test_countdown_says_when_it_switches(
    hass: HomeAssistant, fake_device: FakeDevice, freezer: Any
) -> None:
    """Devices report a countdown when it starts and ends, not while it runs: the
    number keeps the reported seconds, and `switches_at` tells when the relay toggles."""
    freezer.move_to("2026-11-30 12:00:00+00:00")
    entity_id = "number.tuya_efgh_countdown"
    assert hass.states.get(entity_id).attributes["switches_at"] is None
    fake_device.push({"9": 90})
    await hass.async_block_till_done()
    state = hass.states.get(entity_id)
    assert state.state == "90"
    assert state.attributes["switches_at"] == "2026-11-30T12:01:30+00:00"
    fake_device.push({"1": False, "9": 0})  # it ended: the relay toggled
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).attributes["switches_at"] is None
