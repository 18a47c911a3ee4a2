"""TuyaDevice, the supervised session, against the device simulator: what it reports,
how it recovers, and why it says a device is down."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.tuya_lan.tuyalan import (
    ConnectionRefusedByDevice,
    DeviceState,
    Fault,
    HandshakeDroppedError,
    Health,
    KeyUnprovenError,
    NotConnectedError,
    Timings,
    TuyaClient,
    TuyaDevice,
    WrongKeyError,
    backoff_delay,
    probe,
    session_proves_key,
)
from tests.lib.common import Recorder
from tests.sim.common import KEY, WRONG_KEY, StartDevice
from tuya_sim import SimulatedDevice

VERSIONS = ["3.1", "3.3", "3.4", "3.5"]
NEW_KEY = "Zq4v!8RtW2m#Lp6x"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def fast_backoff() -> Any:
    """Reconnect after 10 ms instead of 1 s doubling."""
    with patch("custom_components.tuya_lan.tuyalan.device.backoff_delay", return_value=0.01):
        yield


@pytest.fixture
async def devices() -> AsyncIterator[Callable[..., TuyaDevice]]:
    """Build TuyaDevices for a simulated device; all are closed after the test."""
    made: list[TuyaDevice] = []

    def make(sim: SimulatedDevice, recorder: Recorder | None = None, **options: Any) -> TuyaDevice:
        # Timings by field name (timeout=, heartbeat=, confirm_wait=, ...).
        timing_fields = {field.name for field in dataclasses.fields(Timings)}
        timings = {name: options.pop(name) for name in list(options) if name in timing_fields}
        timings.setdefault("timeout", 1.0)
        device = TuyaDevice(
            "127.0.0.1",
            sim.device_id,
            options.pop("local_key", KEY),
            options.pop("version", sim.version),
            port=sim.port,
            timings=Timings(**timings),
            on_update=recorder.on_update if recorder else None,
            on_health=recorder.on_health if recorder else None,
            **options,
        )
        made.append(device)
        return device

    yield make
    for device in made:
        await device.close()


@pytest.mark.parametrize("version", VERSIONS)
async def test_connect_push_and_state_from_the_device_report(
    start_device: StartDevice, devices: Any, recorder: Recorder, version: str
) -> None:
    """The first session reads the status; a set returns on the ack and the new value
    arrives as the device's own report (a push), never from the ack."""
    sim = await start_device(version)
    device = devices(sim, recorder)
    first = await device.connect()
    assert dict(first.dps) == sim.dps
    assert first.changed == frozenset(sim.dps)
    assert device.health.connected
    assert device.health.version == version

    sim.set_dps({"19": 777})  # the meter moves on the device
    await recorder.until(lambda: bool(recorder.updates))
    assert recorder.updates[-1].changed == {"19"}
    assert dict(recorder.updates[-1].pushed) == {"19": 777}

    recorder.updates.clear()
    await device.set_dps({"1": False})
    assert sim.dps["1"] is False  # acknowledged: the device holds it
    await recorder.until(lambda: any("1" in u.changed for u in recorder.updates))
    report = next(u for u in recorder.updates if "1" in u.changed)
    assert report.pushed.get("1") is False  # the device reported it itself


async def test_an_acknowledged_set_the_device_did_not_carry_out_is_read_back(
    start_device: StartDevice, devices: Any, recorder: Recorder
) -> None:
    """A device that acks a set and does not apply it: no update ever shows the value
    it did not take; the read-back after the ack shows what it holds."""
    sim = await start_device("3.3")
    device = devices(sim, recorder, confirm_wait=0.05)
    await device.connect()
    sim.ignore_sets = True
    sim.set_dps({"9": 5}, push=False)  # changed silently: only a status read shows it
    await device.set_dps({"1": False})
    await recorder.until(lambda: any("9" in u.changed for u in recorder.updates))
    assert all("1" not in update.changed for update in recorder.updates)
    assert device.dps["1"] is True
    assert not recorder.updates[-1].pushed  # a status read, not a push


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.usefixtures("fast_backoff")
async def test_drop_and_recovery_are_reported(
    start_device: StartDevice, devices: Any, recorder: Recorder, version: str
) -> None:
    sim = await start_device(version)
    device = devices(sim, recorder)
    await device.connect()
    device.start()
    await sim.wait_for_clients(1)
    sim.dps["1"] = False  # changed while the connection is down
    sim.drop()
    await recorder.until(lambda: not device.connected)
    assert device.health.fault is Fault.UNREACHABLE
    await recorder.until(lambda: device.connected)
    assert device.health.reconnects == 1
    assert device.dps["1"] is False  # the new session's status
    assert device.health.connected_since is not None


@pytest.mark.parametrize("version", ["3.3", "3.5"])
@pytest.mark.usefixtures("fast_backoff")
async def test_a_stalled_device_is_dropped_by_the_heartbeat(
    start_device: StartDevice, devices: Any, recorder: Recorder, version: str
) -> None:
    """A device that stops answering (but keeps the connection) is noticed within one
    heartbeat interval plus the timeout, and reconnected once it answers again."""
    sim = await start_device(version)
    device = devices(sim, recorder, heartbeat=0.05)  # and the 1 s timeout
    await device.connect()
    device.start()
    await recorder.until(lambda: device.health.rtt is not None)  # a heartbeat went through
    sim.stall = True
    await recorder.until(lambda: not device.connected)
    assert any(h.fault is Fault.STALLED for h in recorder.health)
    sim.stall = False
    await recorder.until(lambda: device.connected)


async def test_a_digit_like_dp_id_does_not_break_the_session(
    start_device: StartDevice, devices: Any, recorder: Recorder
) -> None:
    """ "²".isdigit() is true and int() rejects it: a status holding such a DP id once
    killed recovery. It is just a DP."""
    sim = await start_device("3.3", dps={"²": 1})
    device = devices(sim, recorder)
    update = await device.connect()
    assert update.dps["²"] == 1
    assert (await device.refresh()).dps["²"] == 1


@pytest.mark.usefixtures("fast_backoff")
async def test_an_unexpected_error_does_not_end_recovery(
    start_device: StartDevice,
    devices: Any,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Any exception on the supervised path is logged once, and retried."""
    sim = await start_device("3.3")
    device = devices(sim, recorder)
    await device.connect()
    device.start()
    real_status = TuyaClient.status
    failures = itertools.count()

    async def flaky_status(self: TuyaClient) -> dict[str, Any]:
        if next(failures) < 3:
            raise RuntimeError("a bug")
        return await real_status(self)

    with patch.object(TuyaClient, "status", flaky_status):
        sim.drop()
        await recorder.until(lambda: not device.connected)
        await recorder.until(lambda: device.connected)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "RuntimeError" in (errors[0].exc_text or "")
    assert [h.fault for h in recorder.health if h.failures] == [Fault.PROTOCOL] * 3


async def test_wrong_key_is_proof_on_3_3(start_device: StartDevice, devices: Any) -> None:
    sim = await start_device("3.3")
    device = devices(sim, local_key=WRONG_KEY)
    with pytest.raises(WrongKeyError):
        await device.connect()
    assert device.health.fault is Fault.WRONG_KEY


@pytest.mark.parametrize("version", ["3.4", "3.5"])
async def test_dropped_handshakes_are_a_suspicion_after_three(
    start_device: StartDevice, devices: Any, recorder: Recorder, version: str
) -> None:
    """A 3.4/3.5 device hangs up on a wrong key, and so may a busy one: the first
    connection tries three times before it raises, and calls it a key suspicion."""
    sim = await start_device(version)
    device = devices(sim, recorder, local_key=WRONG_KEY, first_connect_retry=0)
    with pytest.raises(HandshakeDroppedError):
        await device.connect()
    assert [h.fault for h in recorder.health] == [Fault.BUSY, Fault.BUSY, Fault.KEY_SUSPECT]


async def test_busy_device(start_device: StartDevice, devices: Any) -> None:
    sim = await start_device("3.3", max_clients=0)
    device = devices(sim)
    with pytest.raises(ConnectionRefusedByDevice):
        await device.connect()
    assert device.health.fault is Fault.BUSY


async def test_commands_fail_at_once_while_down(start_device: StartDevice, devices: Any) -> None:
    sim = await start_device("3.3")
    device = devices(sim)
    with pytest.raises(NotConnectedError):
        await device.set_dps({"1": True})


class FakeClock:
    """A monotonic clock that moves only when told to, and a sleep that moves it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay


async def test_pacing_spaces_bursts_only(start_device: StartDevice, devices: Any) -> None:
    """An isolated command goes out at once; a burst is spaced by 50 ms, no more."""
    sim = await start_device("3.3", profile="strip")
    clock = FakeClock()
    device = devices(sim, clock=clock, sleep=clock.sleep)
    await device.connect()
    await device.set_dps({"1": False})
    assert clock.sleeps == []  # isolated: not delayed
    clock.now += 5
    await asyncio.gather(*(device.set_dps({dp: True}) for dp in ("1", "2", "3")))
    # The first of the burst goes at once, each later one waits out the 50 ms gap.
    assert clock.sleeps == [pytest.approx(0.05), pytest.approx(0.05)]
    assert [sim.dps[dp] for dp in ("1", "2", "3")] == [True, True, True]
    clock.now += 0.2
    await device.set_dps({"1": False})
    assert len(clock.sleeps) == 2


async def test_close_leaves_nothing_and_calls_back_no_more(
    start_device: StartDevice, devices: Any, recorder: Recorder
) -> None:
    sim = await start_device("3.4")
    device = devices(sim, recorder)
    await device.connect()
    device.start()
    await device.close()
    await sim.wait_for_clients(0)
    reports = len(recorder.updates) + len(recorder.health)
    sim.set_dps({"1": False})
    await asyncio.sleep(0)
    assert len(recorder.updates) + len(recorder.health) == reports
    assert not device.connected


# --- timings, state, and keys proven through the device's own session -------------------


def test_backoff_doubles_to_a_minute_with_jitter() -> None:
    """1 s doubling to 60 s, each +-20 % (moved from tests/ha/test_coordinator.py)."""
    for attempt, base in enumerate([1, 2, 4, 8, 16, 32, 60, 60, 60]):
        for _ in range(20):
            assert 0.8 * base <= backoff_delay(attempt) <= 1.2 * base


def test_backoff_follows_the_timings() -> None:
    timings = Timings(backoff_min=0.1, backoff_max=0.4, backoff_jitter=0.0)
    assert [backoff_delay(attempt, timings) for attempt in range(4)] == [0.1, 0.2, 0.4, 0.4]


async def test_state_through_a_life(
    start_device: StartDevice, devices: Any, recorder: Recorder
) -> None:
    """IDLE, CONNECTED, WAITING after a loss, CONNECTED again, CLOSED."""
    sim = await start_device("3.3")
    device = devices(sim, recorder, backoff_min=0.01, backoff_max=0.01)
    assert device.state is DeviceState.IDLE
    await device.connect()
    assert device.state is DeviceState.CONNECTED
    device.start()
    await sim.wait_for_clients(1)
    sim.drop()
    await recorder.until(lambda: not device.connected)
    assert device.state in (DeviceState.WAITING, DeviceState.CONNECTING)
    await recorder.until(lambda: device.connected)
    assert device.state is DeviceState.CONNECTED
    await device.close()
    assert device.state is DeviceState.CLOSED


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_new_key_is_proven_through_the_supervised_session(
    start_device: StartDevice, devices: Any, recorder: Recorder, version: str
) -> None:
    """The device was re-paired: the new key is tried by the device's own reconnect,
    on a device that takes one client, and nothing else connects meanwhile (a second
    socket would be refused as busy)."""
    sim = await start_device(version, max_clients=1)
    device = devices(sim, recorder, backoff_min=0.01, backoff_max=0.01)
    await device.connect()
    device.start()
    await sim.wait_for_clients(1)
    sim.change_key(NEW_KEY)
    await device.try_key(NEW_KEY)
    assert device.connected
    assert not device.health.key_rejected
    assert sim.refused == 0
    sim.set_dps({"1": False})
    await recorder.until(lambda: device.dps["1"] is False)


@pytest.mark.parametrize("version", ["3.1", "3.3"])
async def test_a_wrong_new_key_is_disproven_and_the_old_one_kept(
    start_device: StartDevice, devices: Any, recorder: Recorder, version: str
) -> None:
    """A key that does not open the device raises its proof (on 3.1 the device did not
    report the write that would prove it); the device goes on with the old key."""
    sim = await start_device(version)
    device = devices(sim, recorder, backoff_min=0.01, backoff_max=0.01)
    await device.connect()
    device.start()
    with pytest.raises(WrongKeyError if version == "3.3" else (WrongKeyError, KeyUnprovenError)):
        await device.try_key(WRONG_KEY)
    await recorder.until(lambda: device.connected)
    sim.set_dps({"1": False})
    await recorder.until(lambda: device.dps["1"] is False)  # the old key decrypts it


async def test_a_new_key_at_setup_is_proven_by_the_first_session(
    start_device: StartDevice, devices: Any
) -> None:
    """Not supervised yet (the first connection failed on the key): the session the
    new key opens is the device's first."""
    sim = await start_device("3.4")
    sim.change_key(NEW_KEY)
    device = devices(sim, first_connect_retry=0)
    with pytest.raises(HandshakeDroppedError):
        await device.connect()
    assert device.health.key_at_fault
    await device.try_key(NEW_KEY)
    assert device.connected
    assert device.snapshot().dps["1"] is True


async def test_3_1_a_plaintext_status_does_not_prove_the_key(
    start_device: StartDevice, devices: Any, recorder: Recorder
) -> None:
    """On 3.1 the status reads in plaintext with any key: after a push that does not
    decrypt (proof of a wrong key) a new session opens, and the key stays rejected
    until a report that decrypts proves it right again."""
    sim = await start_device("3.1")
    device = devices(sim, recorder, backoff_min=0.01, backoff_max=0.01)
    await device.connect()
    device.start()
    sim.change_key(NEW_KEY)  # drops the session
    await recorder.until(lambda: device.health.reconnects == 1 and device.connected)
    assert not device.health.key_rejected  # nothing proved it wrong yet
    sim.push({"1": False})
    await recorder.until(lambda: device.health.key_rejected)
    assert device.health.fault is Fault.WRONG_KEY
    assert device.health.key_at_fault
    await recorder.until(lambda: device.connected)  # plaintext status: it opens
    assert device.health.key_rejected
    sessions = device.health.reconnects
    sim.change_key(KEY)  # it had the old key after all (drops the session)
    await recorder.until(lambda: device.health.reconnects > sessions and device.connected)
    assert device.health.key_rejected  # a plaintext status proves nothing
    sim.push({"1": True})
    await recorder.until(lambda: not device.health.key_rejected)
    assert device.connected


def test_which_faults_mean_the_key() -> None:
    assert {fault for fault in Fault if Health(False, "3.3", fault=fault).key_at_fault} == {
        Fault.WRONG_KEY,
        Fault.KEY_SUSPECT,
    }
    assert not Health(False, "3.3").key_at_fault
    assert [session_proves_key(v) for v in VERSIONS] == [False, True, True, True]


async def test_paused_lets_go_of_a_one_client_device(
    start_device: StartDevice, devices: Any, recorder: Recorder
) -> None:
    """While paused another connection gets the device's only slot (not refused as
    busy); afterwards the session is back at once, and the pause failed nothing."""
    sim = await start_device("3.3", max_clients=1)
    # A minute's backoff: only a session back "at once" can be in time (the default
    # second +-20 % would race the wait's deadline on a busy machine).
    device = devices(sim, recorder, backoff_min=60, backoff_max=60)
    await device.connect()
    device.start()
    await sim.wait_for_clients(1)
    async with device.paused():
        assert device.state is DeviceState.PAUSED
        assert (await probe("127.0.0.1", sim.device_id, KEY, "3.3", port=sim.port))["1"] is True
    await recorder.until(lambda: device.connected, timeout=10)  # far less than the backoff
    assert sim.refused == 0
    assert not [h for h in recorder.health if h.failures]
