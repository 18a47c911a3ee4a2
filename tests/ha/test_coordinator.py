"""The session: pushes, loss and recovery, heartbeats, re-queries, command pacing."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.tuya_lan.const import DOMAIN
from custom_components.tuya_lan.tuyalan import (
    TuyaConnectionError,
    TuyaTimeoutError,
    WrongKeyError,
    backoff_delay,
)

from .conftest import CLIENT_PATH, FakeDevice

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


async def test_push_during_setup_is_kept(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """A push that arrives while the first refresh runs is merged into it."""
    original = fake_device.make_client

    def make_client(*args: Any, **kwargs: Any) -> Any:
        client = original(*args, **kwargs)
        read = client.status.side_effect

        async def status() -> dict[str, Any]:
            result = await read()
            fake_device.push({"19": 999})
            return result

        client.status.side_effect = status
        return client

    fake_device.make_client = make_client  # type: ignore[method-assign]
    with patch(CLIENT_PATH, side_effect=make_client):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert hass.states.get(POWER).state == "99.9"


@pytest.mark.usefixtures("init_integration")
async def test_loss_and_recovery_logged_once(
    hass: HomeAssistant, fake_device: FakeDevice, caplog: pytest.LogCaptureFixture
) -> None:
    """Connection lost: unavailable, one warning; back: available, one info."""
    first = fake_device.client
    old_on_status = fake_device.on_status
    old_on_disconnect = fake_device.on_disconnect
    fake_device.connect_error = TuyaConnectionError("refused")

    fake_device.drop(ConnectionResetError("reset"))
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE
    assert hass.states.get(POWER).state == STATE_UNAVAILABLE
    first.abort.assert_called()  # the old client is released before reconnecting

    # Late callbacks of the old client change nothing; attempts fail for a while.
    assert old_on_disconnect is not None
    old_on_disconnect(None)
    for _ in range(4):
        await advance(hass, 61)
    await advance(hass, 360)  # the safety re-query while disconnected
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE
    assert len(fake_device.clients) >= 5

    fake_device.connect_error = None
    fake_device.dps["1"] = False
    await advance(hass, 61)
    assert hass.states.get(SWITCH).state == "off"
    assert hass.states.get(POWER).state == "55.0"

    assert old_on_status is not None
    old_on_status({"1": True})  # a stale client's push is ignored
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == "off"

    assert len(messages(caplog, "Lost the connection")) == 1
    assert messages(caplog, "Lost the connection")[0].levelno == logging.WARNING
    assert len(messages(caplog, "Reconnected")) == 1
    assert messages(caplog, "Reconnected")[0].levelno == logging.INFO
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.usefixtures("init_integration")
async def test_clean_eof_and_close_error(
    hass: HomeAssistant, fake_device: FakeDevice, caplog: pytest.LogCaptureFixture
) -> None:
    """EOF (no exception) is a loss too; a failing abort of the old client is ignored."""
    fake_device.client.abort.side_effect = OSError("already gone")
    fake_device.drop(None)
    await hass.async_block_till_done()
    assert "closed by the device" in messages(caplog, "Lost the connection")[0].getMessage()
    await advance(hass, 2)
    assert hass.states.get(SWITCH).state == "on"


def test_backoff_doubles_to_a_minute_with_jitter() -> None:
    """1 s doubling to 60 s, each +-20 %."""
    for attempt, base in enumerate([1, 2, 4, 8, 16, 32, 60, 60, 60]):
        for _ in range(20):
            assert 0.8 * base <= backoff_delay(attempt) <= 1.2 * base


@pytest.mark.usefixtures("init_integration")
async def test_reconnect_backoff_schedule(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """Attempts are spaced by the growing backoff."""
    fake_device.connect_error = TuyaConnectionError("refused")
    delays: list[int] = []
    with patch(
        "custom_components.tuya_lan.tuyalan.device.backoff_delay",
        side_effect=lambda attempt: delays.append(attempt) or 2.0**attempt,
    ):
        fake_device.drop(None)
        await hass.async_block_till_done()
        for _ in range(4):
            await advance(hass, 0.9)  # nothing due yet after the first attempt
        clients = len(fake_device.clients)
        await advance(hass, 16)
    assert delays[:3] == [0, 1, 2]
    assert len(fake_device.clients) > clients


@pytest.mark.usefixtures("init_integration")
async def test_push_while_reconnecting_waits_for_the_status(
    hass: HomeAssistant, fake_device: FakeDevice
) -> None:
    """A push that arrives before a new session's status must not make the entities
    available: the status may still fail. Once the status is in, the push counts."""
    fake_device.drop(None)
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE
    fake_device.before_status = lambda: fake_device.push({"1": False})
    fake_device.status_error = TuyaTimeoutError("no status")
    await advance(hass, 2)
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE
    fake_device.status_error = None
    fake_device.dps["1"] = True  # the status read is older than the push
    await advance(hass, 3)
    assert hass.states.get(SWITCH).state == "off"


@pytest.mark.usefixtures("init_integration")
async def test_wrong_key_on_reconnect_starts_reauth(
    hass: HomeAssistant, fake_device: FakeDevice
) -> None:
    """The device was re-paired: reconnecting fails on the key and reauth starts."""
    fake_device.connect_error = WrongKeyError("hmac mismatch")
    fake_device.drop(None)
    await hass.async_block_till_done()  # the supervisor starts its backoff wait
    await advance(hass, 2)
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["handler"] == DOMAIN
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_heartbeat(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """A heartbeat every 10 s; one unanswered is followed by a status read at once (busy
    firmware skips heartbeats), and only when that fails too is the connection gone."""
    client = fake_device.client
    await advance(hass, 10.5)
    assert client.heartbeat.await_count == 1
    client.heartbeat.side_effect = TuyaTimeoutError("no answer")
    await advance(hass, 10.5)
    assert hass.states.get(SWITCH).state == "on"  # the status read answered
    client.status.side_effect = TuyaTimeoutError("no answer")
    await advance(hass, 10.5)
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE
    await advance(hass, 10.5)  # while disconnected the heartbeat waits
    assert client.heartbeat.await_count == 3


@pytest.mark.usefixtures("init_integration")
async def test_safety_requery(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """Every 5 minutes without a push the status is read again."""
    client = fake_device.client
    fake_device.dps["19"] = 777  # changed without a push
    await advance(hass, 301)
    assert client.status.await_count == 2
    assert hass.states.get(POWER).state == "77.7"

    client.status.side_effect = TuyaTimeoutError("no answer")
    await advance(hass, 301)
    assert hass.states.get(POWER).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_command_while_disconnected_fails_at_once(
    hass: HomeAssistant, fake_device: FakeDevice
) -> None:
    """No waiting for a reconnect: a translated error right away."""
    fake_device.connect_error = TuyaConnectionError("refused")
    client = fake_device.client
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
    client.set_dps.assert_not_awaited()


@pytest.mark.usefixtures("init_integration")
async def test_command_errors(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """A timeout keeps the session; a lost connection marks the device unavailable."""
    client = fake_device.client
    fake_device.connect_error = TuyaConnectionError("refused")
    client.set_dps.side_effect = TuyaTimeoutError("no ack")
    with pytest.raises(HomeAssistantError) as err:
        await turn(hass, "turn_off")
    assert err.value.translation_key == "timeout"
    assert hass.states.get(SWITCH).state == "on"

    client.set_dps.side_effect = TuyaConnectionError("broken pipe")
    with pytest.raises(HomeAssistantError) as err:
        await turn(hass, "turn_off")
    assert err.value.translation_key == "connection_lost"
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_command_loses_race_with_disconnect(
    hass: HomeAssistant, fake_device: FakeDevice, caplog: pytest.LogCaptureFixture
) -> None:
    """A command queued behind another fails when the connection drops meanwhile."""
    client = fake_device.client
    release = asyncio.Event()

    async def slow_set(dps: dict[str, Any]) -> None:
        await release.wait()
        raise TuyaConnectionError("connection reset")

    client.set_dps.side_effect = slow_set
    fake_device.connect_error = TuyaConnectionError("refused")
    entry_id = hass.config_entries.async_entries(DOMAIN)[0].entry_id
    first = hass.async_create_task(turn(hass, "turn_off"))
    await asyncio.sleep(0)
    second = hass.async_create_task(
        hass.services.async_call(
            DOMAIN, "set_dp", {"config_entry_id": entry_id, "dp": 1, "value": True}, blocking=True
        )
    )
    await asyncio.sleep(0)
    fake_device.drop(None)
    release.set()
    with pytest.raises(HomeAssistantError) as err:
        await first
    assert err.value.translation_key == "connection_lost"
    with pytest.raises(HomeAssistantError) as err:
        await second
    assert err.value.translation_key == "not_connected"
    assert len(messages(caplog, "Lost the connection")) == 1


@pytest.mark.usefixtures("init_integration")
async def test_acknowledged_unchanged_state(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """Turning on a relay that is on is still sent; nothing changes."""
    await turn(hass, "turn_on")
    assert fake_device.set_calls == [{"1": True}]
    assert hass.states.get(SWITCH).state == "on"
