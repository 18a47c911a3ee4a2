"""The coordinator over a fake TuyaDevice: pushes, loss and recovery as Home Assistant
shows them, reauth, the safety re-query, and commands' errors.

How the library gets there (backoff, heartbeats, held pushes, serialised commands) is
tested in tests/lib/test_device.py and tests/lib/test_device_supervision.py."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
)

from custom_components.tuya_lan.const import DOMAIN
from custom_components.tuya_lan.tuyalan import (
    TuyaConnectionError,
    TuyaTimeoutError,
    WrongKeyError,
)

from .conftest import FakeDevice

SWITCH = "switch.tuya_efgh"
POWER = "sensor.tuya_efgh_power"


async def advance(hass: HomeAssistant, seconds: float) -> None:
    """Fire the timers due within `seconds`, then let background tasks run."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done()
    for _ in range(5):
        await asyncio.sleep(0)
    await hass.async_block_till_done()


def messages(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    """Return the records of the integration's logger containing `text`."""
    return [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.tuya_lan") and text in record.getMessage()
    ]


async def turn(hass: HomeAssistant, service: str, entity_id: str = SWITCH) -> None:
    """Call switch.turn_on/turn_off."""
    await hass.services.async_call("switch", service, {"entity_id": entity_id}, blocking=True)


@pytest.mark.usefixtures("init_integration")
async def test_push_updates_state(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """A device push changes the entity states at once."""
    assert hass.states.get(SWITCH).state == "on"
    assert hass.states.get(POWER).state == "55.0"
    fake_device.push({"1": False, "19": 1234})
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == "off"
    assert hass.states.get(POWER).state == "123.4"


@pytest.mark.usefixtures("init_integration")
async def test_unchanged_push_writes_nothing(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """A push that changes nothing does not rewrite states."""
    before = hass.states.get(SWITCH).last_reported  # HA mutates an unchanged State
    fake_device.push({"1": True})
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).last_reported == before


@pytest.mark.usefixtures("init_integration")
async def test_push_writes_only_the_entities_of_changed_dps(
    hass: HomeAssistant, fake_device: FakeDevice
) -> None:
    """A push of one DP writes that entity's state alone: every other write would cost
    time on the path to the one that changed."""
    voltage = "sensor.tuya_efgh_voltage"
    # Timestamps, not State objects: HA updates an unchanged state's object in place.
    switch_before, power_before, voltage_before = (
        hass.states.get(e).last_reported for e in (SWITCH, POWER, voltage)
    )
    fake_device.push({"1": False, "20": 2301})  # 20 reports what it already had
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).last_reported > switch_before
    assert hass.states.get(POWER).last_reported == power_before
    assert hass.states.get(voltage).last_reported == voltage_before
    await turn(hass, "turn_on")  # the device's report of a command too
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == "on"
    assert hass.states.get(POWER).last_reported == power_before


@pytest.mark.usefixtures("init_integration")
async def test_loss_and_recovery_logged_once(
    hass: HomeAssistant, fake_device: FakeDevice, caplog: pytest.LogCaptureFixture
) -> None:
    """Connection lost: unavailable, one warning; back: available, one info."""
    fake_device.connect_error = TuyaConnectionError("refused")

    fake_device.drop(ConnectionResetError("reset"))
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE
    assert hass.states.get(POWER).state == STATE_UNAVAILABLE

    # Attempts fail for a while.
    for _ in range(4):
        fake_device.attempt()
    await advance(hass, 360)  # the safety re-query while disconnected
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE

    fake_device.connect_error = None
    fake_device.dps["1"] = False
    fake_device.attempt()
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == "off"
    assert hass.states.get(POWER).state == "55.0"

    assert len(messages(caplog, "Lost the connection")) == 1
    assert messages(caplog, "Lost the connection")[0].levelno == logging.WARNING
    assert len(messages(caplog, "Reconnected")) == 1
    assert messages(caplog, "Reconnected")[0].levelno == logging.INFO
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.usefixtures("init_integration")
async def test_clean_eof_and_close_error(
    hass: HomeAssistant, fake_device: FakeDevice, caplog: pytest.LogCaptureFixture
) -> None:
    """EOF (no exception) is a loss too (the library's failing abort: tests/lib)."""
    fake_device.drop(None)
    await hass.async_block_till_done()
    assert "closed by the device" in messages(caplog, "Lost the connection")[0].getMessage()
    fake_device.attempt()
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == "on"


@pytest.mark.usefixtures("init_integration")
async def test_wrong_key_on_reconnect_starts_reauth(
    hass: HomeAssistant, fake_device: FakeDevice
) -> None:
    """The device was re-paired: reconnecting fails on the key and reauth starts."""
    fake_device.connect_error = WrongKeyError("hmac mismatch")
    fake_device.drop(None)
    fake_device.attempt()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["handler"] == DOMAIN
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_safety_requery(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """Every 5 minutes without a push the status is read again."""
    fake_device.dps["19"] = 777  # changed without a push
    await advance(hass, 301)
    assert hass.states.get(POWER).state == "77.7"

    fake_device.status_error = TuyaTimeoutError("no answer")
    await advance(hass, 301)
    assert hass.states.get(POWER).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_command_while_disconnected_fails_at_once(
    hass: HomeAssistant, fake_device: FakeDevice
) -> None:
    """No waiting for a reconnect: a translated error right away."""
    fake_device.connect_error = TuyaConnectionError("refused")
    fake_device.drop(None)
    await hass.async_block_till_done()
    # Home Assistant itself skips unavailable entities in entity actions...
    await turn(hass, "turn_off")
    # ...and the set_dp action fails at once with a translated error.
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_dp",
            {
                "config_entry_id": hass.config_entries.async_entries(DOMAIN)[0].entry_id,
                "dp": 1,
                "value": False,
            },
            blocking=True,
        )
    assert err.value.translation_key == "not_connected"
    assert err.value.translation_domain == DOMAIN
    assert fake_device.set_calls == []


@pytest.mark.usefixtures("init_integration")
async def test_command_errors(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """A timeout keeps the session; a lost connection marks the device unavailable."""
    fake_device.connect_error = TuyaConnectionError("refused")
    fake_device.set_error = TuyaTimeoutError("no ack")
    with pytest.raises(HomeAssistantError) as err:
        await turn(hass, "turn_off")
    assert err.value.translation_key == "timeout"
    assert hass.states.get(SWITCH).state == "on"

    fake_device.set_error = TuyaConnectionError("broken pipe")
    with pytest.raises(HomeAssistantError) as err:
        await turn(hass, "turn_off")
    assert err.value.translation_key == "connection_lost"
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_acknowledged_unchanged_state(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """Turning on a relay that is on is still sent; nothing changes."""
    await turn(hass, "turn_on")
    assert fake_device.set_calls == [{"1": True}]
    assert hass.states.get(SWITCH).state == "on"
