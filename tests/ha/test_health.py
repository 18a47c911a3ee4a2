"""Connection health a user can see: diagnostic sensors, and a repair issue that says
why a device is unavailable, withdrawn once it is back."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import DOMAIN
from custom_components.tuya_lan.follow import signal_heard
from custom_components.tuya_lan.repairs import unavailable_issue_id
from custom_components.tuya_lan.tuyalan import (
    ConnectionRefusedByDevice,
    MalformedFrameError,
    TuyaConnectionError,
    TuyaTimeoutError,
    WrongKeyError,
)

from .common import DEVICE_ID
from .conftest import FakeDevice
from .test_coordinator import SWITCH

CONNECTION = "sensor.tuya_efgh_connection"
RECONNECTS = "sensor.tuya_efgh_reconnects"
VERSION = "sensor.tuya_efgh_protocol_version"
SINCE = "sensor.tuya_efgh_connected_since"
LAST_SEEN = "sensor.tuya_efgh_last_seen"
RTT = "sensor.tuya_efgh_heartbeat_round_trip"


def issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, unavailable_issue_id(entry.entry_id))


async def fail_attempts(hass: HomeAssistant, fake_device: FakeDevice, count: int) -> None:
    """Let ``count`` reconnect attempts of the library run (each ends as the fake's
    connect_error says)."""
    for _ in range(count):
        fake_device.attempt()
        await hass.async_block_till_done()


async def test_only_the_connection_sensor_is_enabled_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Connection explains an unavailable device (the repairs point at it); the other
    health sensors are troubleshooting, registered but disabled until enabled."""
    connection = entity_registry.async_get(CONNECTION)
    assert connection is not None
    assert connection.disabled_by is None
    assert connection.entity_category is EntityCategory.DIAGNOSTIC
    assert hass.states.get(CONNECTION).state == "connected"
    for entity_id in (SINCE, RECONNECTS, VERSION, LAST_SEEN, RTT):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None, entity_id
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION, entity_id
        assert entry.entity_category is EntityCategory.DIAGNOSTIC, entity_id
        assert hass.states.get(entity_id) is None, entity_id


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_health_sensors_follow_the_connection(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """Connected, protocol version, reconnects (once enabled); they stay available to
    explain an unavailable device."""
    assert hass.states.get(CONNECTION).state == "connected"
    assert hass.states.get(VERSION).state == "3.3"
    assert hass.states.get(RECONNECTS).state == "0"
    assert hass.states.get(SINCE).state != STATE_UNAVAILABLE

    fake_device.connect_error = ConnectionRefusedByDevice("busy")
    fake_device.drop(None)
    await fail_attempts(hass, fake_device, 1)
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE
    assert hass.states.get(CONNECTION).state == "busy"
    assert hass.states.get(SINCE).state == "unknown"

    fake_device.connect_error = None
    await fail_attempts(hass, fake_device, 1)
    assert hass.states.get(SWITCH).state == "on"
    assert hass.states.get(CONNECTION).state == "connected"
    assert hass.states.get(RECONNECTS).state == "1"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedByDevice("closed at once"), "unavailable_busy"),
        (TuyaConnectionError("refused"), "unavailable_unreachable"),
        (TuyaTimeoutError("no answer"), "unavailable_unreachable"),
        (MalformedFrameError("bytes that are not a Tuya frame"), "unavailable_protocol"),
    ],
)
async def test_repair_issue_says_why_and_goes_when_back(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_device: FakeDevice,
    error: Exception,
    reason: str,
) -> None:
    """A device that stays away gets an issue naming the cause; a short hiccup none."""
    fake_device.connect_error = error
    fake_device.drop(None)
    await fail_attempts(hass, fake_device, 2)
    assert issue(hass, init_integration) is None  # not for a hiccup
    await fail_attempts(hass, fake_device, 1)
    found = issue(hass, init_integration)
    assert found is not None
    assert found.translation_key == reason
    assert found.translation_placeholders["name"] == "Tuya efgh"

    fake_device.connect_error = None
    await fail_attempts(hass, fake_device, 1)
    assert hass.states.get(SWITCH).state == "on"
    assert issue(hass, init_integration) is None


async def test_moved_device_issue(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """Nothing at the address, but the device announces itself elsewhere."""
    fake_device.connect_error = TuyaConnectionError("refused")
    fake_device.drop(None)
    await hass.async_block_till_done()
    # Discovery hears it at another address, where it does not answer (yet).
    with patch(
        "custom_components.tuya_lan.follow.probe", side_effect=TuyaConnectionError("refused")
    ) as probe:
        async_dispatcher_send(hass, signal_heard(DEVICE_ID), "192.0.2.99")
        await fail_attempts(hass, fake_device, 3)
    assert probe.call_args.args[0] == "192.0.2.99"  # the coordinator tried to follow it
    found = issue(hass, init_integration)
    assert found is not None
    assert found.translation_key == "unavailable_moved"


async def test_key_proof_raises_the_issue_at_once_with_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    fake_device.connect_error = WrongKeyError("hmac mismatch")
    fake_device.drop(None)
    await fail_attempts(hass, fake_device, 1)
    found = issue(hass, init_integration)
    assert found is not None
    assert found.translation_key == "unavailable_key"
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert hass.states.get(CONNECTION).state == "wrong_key"


async def test_unload_withdraws_the_issue(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    fake_device.connect_error = WrongKeyError("hmac mismatch")
    fake_device.drop(None)
    await fail_attempts(hass, fake_device, 1)
    assert issue(hass, init_integration) is not None
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert issue(hass, init_integration) is None
