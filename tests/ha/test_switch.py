"""Switch platform."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.tuya_lan.const import CONF_DPS

from .common import STATUS_LAYOUT_B, STATUS_STRIP
from .conftest import FakeDevice


@pytest.fixture
def platforms() -> list[str]:
    """Only the switch platform."""
    return [Platform.SWITCH]


@pytest.mark.parametrize("device_status", [STATUS_LAYOUT_B, STATUS_STRIP], ids=["plug", "strip"])
async def test_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    device_status: dict[str, Any],
) -> None:
    """One relay takes the device name; the gangs of a strip are numbered."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_toggle(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """Turning off and on writes DP 1 and shows the acknowledged state."""
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.tuya_efgh"}, blocking=True
    )
    await hass.async_block_till_done()  # the device reports the new value
    assert hass.states.get("switch.tuya_efgh").state == "off"
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.tuya_efgh"}, blocking=True
    )
    await hass.async_block_till_done()  # the device reports the new value
    assert hass.states.get("switch.tuya_efgh").state == "on"
    assert fake_device.set_calls == [{"1": False}, {"1": True}]


@pytest.mark.parametrize("device_status", [STATUS_STRIP])
@pytest.mark.usefixtures("init_integration")
async def test_strip_gang(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """Each gang writes its own DP."""
    assert hass.states.get("switch.tuya_efgh_switch_2").state == "off"
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.tuya_efgh_switch_2"}, blocking=True
    )
    await hass.async_block_till_done()  # the device reports the new value
    assert fake_device.set_calls == [{"2": True}]
    assert hass.states.get("switch.tuya_efgh_switch_2").state == "on"


@pytest.mark.parametrize(
    "entry_options", [{CONF_DPS: {"30": {"kind": "switch", "device_class": "switch"}}}]
)
@pytest.mark.usefixtures("init_integration")
async def test_mapped_dp_not_reported(hass: HomeAssistant) -> None:
    """A relay the user mapped to a DP the device has not reported yet is unknown."""
    state = hass.states.get("switch.tuya_efgh_switch_2")
    assert state.state == "unknown"
    assert state.attributes["device_class"] == "switch"
