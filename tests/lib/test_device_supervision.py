"""TuyaDevice's supervision with its TuyaClient scripted (the library's own seam): held
pushes, stale clients, backoff, heartbeats and commands racing a loss.

These were asserted through Home Assistant before (tests/ha/test_coordinator.py and
test_init.py); the HA tests now fake TuyaDevice itself, and the library's behaviour is
tested here, against the library alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest

from custom_components.tuya_lan.tuyalan import (
    Fault,
    HandshakeDroppedError,
    NotConnectedError,
    Timings,
    TuyaClient,
    TuyaConnectionError,
    TuyaDevice,
    TuyaTimeoutError,
)
from tests.lib.common import Recorder

CLIENT_PATH = "custom_components.tuya_lan.tuyalan.device.TuyaClient"
STATUS = {"1": True, "19": 550}


class ScriptedClients:
    """What stands behind the mocked TuyaClient: one device, a client per session."""

    def __init__(self, dps: dict[str, Any]) -> None:
        self.dps = dict(dps)
        self.clients: list[MagicMock] = []
        self.on_status: Callable[[dict[str, Any]], None] | None = None
        self.on_disconnect: Callable[[Exception | None], None] | None = None
        self.connect_error: BaseException | None = None
        # Errors the next connects raise, one each, before connect_error applies.
        self.connect_errors: list[BaseException] = []
        # Runs when a status is read, before it is answered (or status_error raised).
        self.before_status: Callable[[], None] | None = None
        self.status_error: BaseException | None = None
        self.set_calls: list[dict[str, Any]] = []
        # As real firmware does: an empty ack, then the new values as a STATUS push.
        self.push_after_set = True

    @property
    def client(self) -> MagicMock:
        """Return the newest client."""
        return self.clients[-1]

    def make_client(self, *args: Any, **kwargs: Any) -> MagicMock:
        """Stand in for TuyaClient(...)."""
        client = MagicMock(spec=TuyaClient)
        self.on_status = kwargs.get("on_status")
        self.on_disconnect = kwargs.get("on_disconnect")

        async def connect() -> None:
            if self.connect_errors:
                raise self.connect_errors.pop(0)
            if self.connect_error is not None:
                raise self.connect_error

        async def status(**_: Any) -> dict[str, Any]:
            if self.before_status is not None:
                self.before_status()
            if self.status_error is not None:
                raise self.status_error
            return dict(self.dps)

        async def set_dps(dps: dict[str, Any]) -> dict[str, Any]:
            self.set_calls.append(dict(dps))
            self.dps.update(dps)
            on_status = kwargs.get("on_status")
            if self.push_after_set and on_status is not None:
                asyncio.get_running_loop().call_soon(on_status, dict(dps))
            return {}

        client.connect = AsyncMock(side_effect=connect)
        client.status = AsyncMock(side_effect=status)
        client.set_dps = AsyncMock(side_effect=set_dps)
        client.heartbeat = AsyncMock(return_value=None)
        client.close = AsyncMock(return_value=None)
        client.abort = MagicMock(return_value=None)
        client.last_seen = None
        client.device22 = False
        client.known_dps = ()
        client.init_args = args
        client.init_kwargs = kwargs
        self.clients.append(client)
        return client

    def push(self, dps: dict[str, Any]) -> None:
        """Push DPs from the device."""
        self.dps.update(dps)
        assert self.on_status is not None
        self.on_status(dict(dps))

    def drop(self, exc: Exception | None = None) -> None:
        """The device closes the connection."""
        assert self.on_disconnect is not None
        self.on_disconnect(exc)


@pytest.fixture
def scripted() -> Any:
    clients = ScriptedClients(dict(STATUS))
    with patch(CLIENT_PATH, autospec=True, side_effect=clients.make_client):
        yield clients


@pytest.fixture
async def made() -> AsyncIterator[Callable[..., tuple[TuyaDevice, Recorder]]]:
    devices: list[TuyaDevice] = []

    def make(**timings: Any) -> tuple[TuyaDevice, Recorder]:
        recorder = Recorder()
        timings.setdefault("backoff_min", 0.01)
        timings.setdefault("backoff_max", 0.01)
        device = TuyaDevice(
            "192.0.2.50",
            "bf1234567890abcdefgh",
            "0123456789abcdef",
            "3.3",
            timings=Timings(**timings),
            on_update=recorder.on_update,
            on_health=recorder.on_health,
        )
        devices.append(device)
        return device, recorder

    yield make
    for device in devices:
        await device.close()


async def test_a_push_during_the_first_status_is_kept(scripted: ScriptedClients, made: Any) -> None:
    """A push that arrives while the first status is read is merged into it."""
    scripted.before_status = lambda: scripted.push({"19": 999})
    device, _ = made()
    update = await device.connect()
    assert update.dps["19"] == 999


async def test_a_lost_client_is_let_go_and_its_late_callbacks_change_nothing(
    scripted: ScriptedClients, made: Any
) -> None:
    device, recorder = made()
    await device.connect()
    device.start()
    first = scripted.client
    old_on_status, old_on_disconnect = scripted.on_status, scripted.on_disconnect
    scripted.connect_error = TuyaConnectionError("refused")
    scripted.drop(ConnectionResetError("reset"))
    await recorder.until(lambda: not device.connected)
    first.abort.assert_called()  # released before reconnecting
    assert old_on_disconnect is not None
    old_on_disconnect(None)  # late: changes nothing
    await recorder.until(lambda: len(scripted.clients) >= 4)
    scripted.connect_error = None
    scripted.dps["1"] = False
    await recorder.until(lambda: device.connected)
    assert device.dps["1"] is False
    assert old_on_status is not None
    old_on_status({"1": True})  # a stale client's push is ignored
    await asyncio.sleep(0)
    assert device.dps["1"] is False


async def test_a_clean_close_with_a_failing_abort(scripted: ScriptedClients, made: Any) -> None:
    """EOF (no exception) is a loss too; a failing abort of the old client is ignored."""
    device, recorder = made()
    await device.connect()
    device.start()
    scripted.client.abort.side_effect = OSError("already gone")
    scripted.drop(None)
    await recorder.until(lambda: not device.connected)
    assert device.health.error == "closed by the device"
    assert device.health.fault is Fault.UNREACHABLE
    await recorder.until(lambda: device.connected)


async def test_attempts_are_spaced_by_the_growing_backoff(
    scripted: ScriptedClients, made: Any
) -> None:
    device, recorder = made()
    await device.connect()
    device.start()
    scripted.connect_error = TuyaConnectionError("refused")
    attempts: list[int] = []
    with patch(
        "custom_components.tuya_lan.tuyalan.device.backoff_delay",
        side_effect=lambda attempt, timings: attempts.append(attempt) or 0.01,
    ):
        scripted.drop(None)
        await recorder.until(lambda: device.health.failures >= 3)
    assert attempts[:3] == [0, 1, 2]


async def test_a_push_while_reconnecting_waits_for_the_status(
    scripted: ScriptedClients, made: Any
) -> None:
    """A push that arrives before a new session's status is not reported (the status
    may still fail); once the status is in, the push counts over it."""
    device, recorder = made()
    await device.connect()
    device.start()
    scripted.status_error = TuyaTimeoutError("no status")
    scripted.before_status = lambda: scripted.push({"1": False})
    scripted.drop(None)
    await recorder.until(lambda: device.health.failures >= 1)
    assert device.dps["1"] is True  # the held push was not reported
    scripted.status_error = None
    scripted.dps["1"] = True  # the status read is older than the push
    await recorder.until(lambda: device.connected)
    assert device.dps["1"] is False


async def test_heartbeat(scripted: ScriptedClients, made: Any) -> None:
    """A heartbeat every interval; one unanswered is followed by a status read at once
    (busy firmware skips heartbeats), and only when that fails too is the session
    gone; while disconnected no heartbeat is sent."""
    device, recorder = made(heartbeat=0.05, backoff_min=60, backoff_max=60)
    await device.connect()
    device.start()
    client = scripted.client
    await recorder.until(lambda: device.health.rtt is not None)
    client.heartbeat.side_effect = TuyaTimeoutError("no answer")
    reads = client.status.await_count
    async with asyncio.timeout(2):  # a status read that changes nothing reports nothing
        while client.status.await_count == reads:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert device.connected  # the status read answered
    client.status.side_effect = TuyaTimeoutError("no answer")
    await recorder.until(lambda: not device.connected)
    beats = client.heartbeat.await_count
    await asyncio.sleep(0.2)  # four intervals while disconnected (backoff: a minute)
    assert client.heartbeat.await_count == beats


async def test_a_command_queued_behind_another_fails_when_the_session_drops(
    scripted: ScriptedClients, made: Any
) -> None:
    device, _ = made(backoff_min=60, backoff_max=60)
    await device.connect()
    device.start()
    release = asyncio.Event()

    async def slow_set(dps: dict[str, Any]) -> None:
        await release.wait()
        raise TuyaConnectionError("connection reset")

    scripted.client.set_dps.side_effect = slow_set
    first = asyncio.create_task(device.set_dps({"1": False}))
    await asyncio.sleep(0)
    second = asyncio.create_task(device.set_dps({"1": True}))
    await asyncio.sleep(0)
    scripted.drop(None)
    release.set()
    with pytest.raises(TuyaConnectionError):
        await first
    with pytest.raises(NotConnectedError):
        await second


async def test_a_timeout_keeps_the_session_a_lost_connection_ends_it(
    scripted: ScriptedClients, made: Any
) -> None:
    device, _ = made(backoff_min=60, backoff_max=60)
    await device.connect()
    device.start()
    scripted.client.set_dps.side_effect = TuyaTimeoutError("no ack")
    with pytest.raises(TuyaTimeoutError):
        await device.set_dps({"1": False})
    assert device.connected
    scripted.client.set_dps.side_effect = TuyaConnectionError("broken pipe")
    with pytest.raises(TuyaConnectionError):
        await device.set_dps({"1": False})
    assert not device.connected


async def test_one_dropped_handshake_at_the_first_connection_is_retried(
    scripted: ScriptedClients, made: Any
) -> None:
    """A 3.4/3.5 device busy with the phone app may hang up during the handshake: the
    first connection tries again, and a failed client is not kept."""
    scripted.connect_errors = [HandshakeDroppedError("dropped"), HandshakeDroppedError("again")]
    device, recorder = made(first_connect_retry=0)
    await device.connect()
    assert len(scripted.clients) == 3
    scripted.clients[0].abort.assert_called()
    assert [h.fault for h in recorder.health if h.failures] == [Fault.BUSY, Fault.BUSY]
