"""Real firmware as it is (issue 21 items 4-7, issue 14 section 2), through the library:
each quirk mode of the simulator against probe, detect_version, TuyaClient and
TuyaDevice, with the result a user would see (a typed error that says busy, not a
wrong key; a session that stays up; a write that works)."""

from __future__ import annotations

import asyncio
import math
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.tuya_lan.tuyalan import (
    ConnectionRefusedByDevice,
    Fault,
    InvalidValueError,
    KeyUnprovenError,
    TuyaClient,
    TuyaDevice,
    WrongKeyError,
    classify,
    detect_version,
    probe,
)
from custom_components.tuya_lan.tuyalan.crypto import gcm_for
from custom_components.tuya_lan.tuyalan.frames import encode_6699
from tests.lib.common import Recorder
from tests.sim.common import KEY, WRONG_KEY, StartDevice

from .test_device import devices  # noqa: F401 - the fixture behind quirk_devices


@pytest.fixture
def quirk_devices(devices: Any) -> Any:  # noqa: F811
    """TuyaDevices for a simulated device, closed after the test (test_device's)."""
    return devices


async def until(condition: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the condition spans the simulator
            await asyncio.sleep(0.005)


def client(sim: Any, key: str = KEY, **options: Any) -> TuyaClient:
    options.setdefault("timeout", 1.0)
    return TuyaClient("127.0.0.1", sim.device_id, key, sim.version, port=sim.port, **options)


# --- 21.4 busy is not a wrong key ---------------------------------------------------------


@pytest.mark.parametrize("version", ["3.1", "3.3", "3.4", "3.5"])
async def test_reset_at_the_first_frame_is_busy(start_device: StartDevice, version: str) -> None:
    """Held by the phone app: accepted, then reset at our first frame. Busy, on every
    version (for 3.4/3.5 not a dropped handshake, so never a key suspicion)."""
    sim = await start_device(version)
    sim.reset_on_first_frame = True
    with pytest.raises(ConnectionRefusedByDevice) as raised:
        await probe("127.0.0.1", sim.device_id, KEY, version, port=sim.port, timeout=1.0)
    assert "busy with another client" in str(raised.value)
    assert classify(raised.value, drops=5) is Fault.BUSY
    assert sim.refused == 1
    with pytest.raises(ConnectionRefusedByDevice):  # detection stops at once too
        await detect_version("127.0.0.1", sim.device_id, KEY, port=sim.port, timeout=1.0)
    sim.reset_on_first_frame = False
    assert await probe("127.0.0.1", sim.device_id, KEY, version, port=sim.port)


@pytest.mark.parametrize("version", ["3.4", "3.5"])
async def test_empty_frame_before_the_session_key_is_skipped(
    start_device: StartDevice, version: str
) -> None:
    """An empty frame before the real session key answer is not the answer (it used to
    fail as "session key response too short": a wrong key)."""
    sim = await start_device(version)
    sim.quirks.empty_frame_before_session_key = True
    status = await probe("127.0.0.1", sim.device_id, KEY, version, port=sim.port, timeout=1.0)
    assert status["1"] is True
    assert await detect_version("127.0.0.1", sim.device_id, KEY, port=sim.port) == (
        version,
        status,
    )


@pytest.mark.parametrize("version", ["3.4", "3.5"])
async def test_a_flaky_session_key_exchange_is_retried(
    start_device: StartDevice, quirk_devices: Any, version: str
) -> None:
    """Two handshakes in a row dropped with the right key, then one answered: detection,
    probe with retries, and the supervised first connect all get through."""
    sim = await start_device(version)
    sim.drop_session_key_exchanges = 2
    found, _ = await detect_version("127.0.0.1", sim.device_id, KEY, port=sim.port)
    assert found == version
    await probe("127.0.0.1", sim.device_id, KEY, version, port=sim.port, busy_retries=2)
    device: TuyaDevice = quirk_devices(sim)
    await device.connect()
    assert device.connected
    assert device.health.fault is None


# --- 21.5 sockets the device recycles -------------------------------------------------------


async def test_a_recycled_socket_reconnects_at_once(
    start_device: StartDevice, quirk_devices: Any
) -> None:
    """The device closes its socket (FIN) after a while, heartbeats or not: the next
    session opens at once (no backoff), and the recycle is counted."""
    sim = await start_device("3.3")
    recorder = Recorder()
    device: TuyaDevice = quirk_devices(sim, recorder, heartbeat=0.2)
    await device.connect()
    device.start()
    session = sim._connections[0].session
    assert session is not None
    await until(lambda: session.heartbeats >= 1)  # the session ran a heartbeat interval
    sim.socket_lifetime = 0.3
    # A backoff longer than the wait below: only reconnects that skip it get through.
    with patch("custom_components.tuya_lan.tuyalan.device.backoff_delay", return_value=60.0):
        sim.drop()  # the current connection started before the quirk: recycle it now
        await recorder.until(lambda: device.health.closed_by_device >= 2 and device.connected)
    assert sim.recycled >= 1
    assert device.health.reconnects >= 2
    assert device.health.fault is None


# --- 21.6 one missed heartbeat is not a stall -------------------------------------------


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_a_missed_heartbeat_is_not_a_stall(
    start_device: StartDevice, quirk_devices: Any, version: str
) -> None:
    """Busy firmware answers every other heartbeat: the session stays up (it used to be
    dropped as stalled at the first miss); a device that answers none is still dropped."""
    sim = await start_device(version)
    sim.quirks.answers_every_other_heartbeat = True
    recorder = Recorder()
    device: TuyaDevice = quirk_devices(sim, recorder, heartbeat=0.05, timeout=0.3)
    await device.connect()
    device.start()
    session = sim._connections[0].session
    assert session is not None
    await until(lambda: session.heartbeats >= 6, 10.0)  # three of them unanswered
    assert device.health.reconnects == 0
    assert device.connected
    sim.stall = True
    await recorder.until(lambda: not device.connected)
    assert device.health.fault is Fault.STALLED


# --- 21.7 devices that take one DP per write ----------------------------------------------


@pytest.mark.parametrize("version", ["3.3", "3.4"])
async def test_a_refused_multi_dp_write_is_split(
    start_device: StartDevice, quirk_devices: Any, version: str
) -> None:
    """ "json obj data unvalid" on a 2-DP write: written one DP at a time, and from then on
    without trying the multi-DP write again."""
    sim = await start_device(version)
    sim.quirks.refuses_multi_dp_writes = True
    device: TuyaDevice = quirk_devices(sim)
    await device.connect()
    await device.set_dps({"1": False, "9": 30})
    assert (sim.dps["1"], sim.dps["9"]) == (False, 30)
    sim.quirks.refuses_multi_dp_writes = False  # any multi-DP write now would pass...
    frames = sum(c.session.frames_received for c in sim._connections if c.session)
    await device.set_dps({"1": True, "9": 0})
    after = sum(c.session.frames_received for c in sim._connections if c.session)
    assert after - frames == 2  # ...but it is remembered: two single writes
    assert (sim.dps["1"], sim.dps["9"]) == (True, 0)


# --- 14 section 2: proof where the protocol gives none ----------------------------------------


async def test_3_1_key_proven_by_a_same_value_write(start_device: StartDevice) -> None:
    """3.1 status is plaintext: the key is proven by writing a DP the value it holds,
    which the device reports encrypted. Nothing changes on the device."""
    sim = await start_device("3.1")
    before = dict(sim.dps)
    status = await probe("127.0.0.1", sim.device_id, KEY, "3.1", port=sim.port, require_proof=True)
    assert status == before
    assert sim.dps == before
    version, _ = await detect_version(
        "127.0.0.1", sim.device_id, KEY, port=sim.port, require_proof=True
    )
    assert version == "3.1"


async def test_3_1_wrong_key_is_not_taken_as_proven(start_device: StartDevice) -> None:
    """A wrong 3.1 key reads the plaintext status (probe without proof accepts it, as
    before); with proof required it is never taken as the device's key."""
    sim = await start_device("3.1")
    assert await probe("127.0.0.1", sim.device_id, WRONG_KEY, "3.1", port=sim.port)
    with pytest.raises((KeyUnprovenError, WrongKeyError)):
        await probe("127.0.0.1", sim.device_id, WRONG_KEY, "3.1", port=sim.port, require_proof=True)
    with pytest.raises((KeyUnprovenError, WrongKeyError)):
        await detect_version(
            "127.0.0.1",
            sim.device_id,
            WRONG_KEY,
            port=sim.port,
            versions=["3.1"],
            require_proof=True,
        )


@pytest.mark.parametrize("version", ["3.1", "3.3"])
async def test_a_junk_6699_frame_is_not_a_wrong_key(
    start_device: StartDevice, version: str
) -> None:
    """A 3.5-framed junk frame on a 3.1/3.3 session is skipped, not proof of a wrong key."""
    sim = await start_device(version)
    async with client(sim) as session:
        sim.send_garbage(encode_6699(1, 8, b"junk", gcm_for(b"x" * 16), retcode=0))
        assert (await session.status())["1"] is True
        assert session.connected


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, 2**70, [1], {"a": 1}, b"raw", None, object()]
)
async def test_set_dps_refuses_values_no_device_can_take(
    start_device: StartDevice, value: Any
) -> None:
    """NaN used to go out as null (and return success); others raised a raw TypeError."""
    sim = await start_device("3.3")
    async with client(sim) as session:
        received = sum(c.session.frames_received for c in sim._connections if c.session)
        with pytest.raises(InvalidValueError):
            await session.set_dps({"9": value})
        assert sum(c.session.frames_received for c in sim._connections if c.session) == received
        assert session.connected
        await session.set_dps({"9": 5})  # the session goes on
    with pytest.raises(InvalidValueError):
        client(sim)._session.control_request({"not a dp": 1})
