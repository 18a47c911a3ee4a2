"""TuyaClient and detect_version against the device simulator: the error paths a
caller acts on, pushes between requests, and version detection.

The happy path (status, set, heartbeat, push for every version) is the interop
matrix in tests/sim/test_device.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import pytest

from custom_components.tuya_lan.tuyalan import (
    ConnectionRefusedByDevice,
    DeviceError,
    HandshakeDroppedError,
    NotConnectedError,
    TuyaClient,
    TuyaConnectionError,
    TuyaError,
    TuyaTimeoutError,
    WrongKeyError,
    detect_version,
)
from custom_components.tuya_lan.tuyalan.const import Command
from custom_components.tuya_lan.tuyalan.crypto import ecb_for
from custom_components.tuya_lan.tuyalan.frames import encode_55aa
from custom_components.tuya_lan.tuyalan.stream import FrameParser
from tests.loopback import free_tcp_port
from tests.sim.common import DEVICE_ID, KEY, WRONG_KEY, StartDevice
from tuya_sim import SimulatedDevice, SimulatedGateway

ALL_VERSIONS = ["3.1", "3.2", "3.3", "3.4", "3.5"]


def client_for(device: SimulatedDevice, **options: Any) -> TuyaClient:
    options.setdefault("timeout", 1.0)
    return TuyaClient(
        "127.0.0.1",
        device.device_id,
        options.pop("local_key", KEY),
        options.pop("version", device.version),
        port=device.port,
        **options,
    )


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for ``condition``: loopback events take milliseconds, never a fixed sleep."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 (the condition spans client and device)
            await asyncio.sleep(0.005)


@pytest.mark.parametrize("version", ["3.2", "3.3", "3.4", "3.5"])
async def test_wrong_key_is_reported_as_such(start_device: StartDevice, version: str):
    device = await start_device(version)
    client = client_for(device, local_key=WRONG_KEY)

    async def connect_and_read() -> None:
        # 3.4/3.5 devices drop the handshake; 3.2/3.3 answer with what we cannot open.
        await client.connect()
        await client.status()

    # 3.4/3.5: a hang-up during the handshake is a symptom (a busy device does it
    # too), not proof; it is not a WrongKeyError, so no caller takes it for one.
    expected = HandshakeDroppedError if version in ("3.4", "3.5") else WrongKeyError
    with pytest.raises(expected) as caught:
        await connect_and_read()
    assert isinstance(caught.value, WrongKeyError) is (expected is WrongKeyError)
    await client.close()


async def test_nothing_listening_is_a_connection_error(socket_enabled: None):
    client = TuyaClient("127.0.0.1", DEVICE_ID, KEY, "3.3", port=free_tcp_port(), timeout=1)
    with pytest.raises(TuyaConnectionError) as caught:
        await client.connect()
    assert not isinstance(caught.value, ConnectionRefusedByDevice)
    assert not client.connected


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_busy_device_is_reported_as_busy(start_device: StartDevice, version: str):
    device = await start_device(version)  # one client at a time, like real devices
    first = client_for(device)
    await first.connect()
    second = client_for(device)
    with pytest.raises(ConnectionRefusedByDevice):
        await second.connect()
    assert (await first.status())["1"] in (True, False)
    await first.close()


async def test_stalled_device_times_out_instead_of_hanging(start_device: StartDevice):
    device = await start_device("3.3")
    client = client_for(device)
    await client.connect()
    client.timeout = 0.2  # only the stalled request waits it out
    device.stall = True
    with pytest.raises(TuyaTimeoutError):
        await client.status()
    await client.close()


@pytest.mark.parametrize("version", ["3.3", "3.4"])
async def test_device_vanishing_mid_command_fails_it_at_once(
    start_device: StartDevice, version: str
):
    device = await start_device(version)
    lost: list[Exception | None] = []
    client = client_for(device, timeout=60, on_disconnect=lost.append)
    await client.connect()
    device.stall = True
    pending = asyncio.create_task(client.set_dps({"1": True}))
    await until(lambda: device.stalled_bytes > 0)  # the command reached the device
    device.drop()
    with pytest.raises(TuyaConnectionError):
        async with asyncio.timeout(10):  # far less than the 60 s request timeout
            await pending
    assert len(lost) == 1
    assert not client.connected
    with pytest.raises(NotConnectedError):
        await client.status()
    await client.close()


async def test_close_is_idempotent_and_not_reported_as_a_loss(start_device: StartDevice):
    device = await start_device("3.5")
    lost: list[Exception | None] = []
    client = client_for(device, on_disconnect=lost.append)
    await client.connect()
    await client.close()
    await client.close()
    assert lost == []
    await device.wait_for_clients(0)


async def test_reconnect_after_a_drop_negotiates_a_fresh_session(start_device: StartDevice):
    device = await start_device("3.5")
    client = client_for(device)
    await client.connect()
    device.drop()
    await device.wait_for_clients(0)
    await until(lambda: not client.connected)
    await client.connect()
    assert "1" in await client.status()
    await client.close()


@pytest.mark.parametrize("version", ALL_VERSIONS)
async def test_pushes_between_request_and_reply_are_delivered(
    start_device: StartDevice, version: str
):
    device = await start_device(version)
    pushed: list[dict[str, Any]] = []
    client = client_for(device, on_status=pushed.append)
    await client.connect()
    # Devices push only on sessions they have finished setting up: one round trip first.
    status = await client.status()
    device.push({"20": 2288})  # arrives while the query below is on its way
    assert (await client.status())["1"] == status["1"]
    await client.set_dps({"1": not status["1"]})
    await until(lambda: {"1": not status["1"]} in pushed)
    assert {"20": 2288} in pushed
    await client.close()


async def test_device22_falls_back_to_a_dp_by_dp_query(start_device: StartDevice):
    device = await start_device("3.3", device22=True)
    client = client_for(device)
    assert not client.device22
    await client.connect()
    status = await client.status()
    assert client.device22
    assert status == device.dps
    await client.close()


@pytest.mark.parametrize("version", ["3.1", "3.3", "3.4", "3.5"])
async def test_detect_version(start_device: StartDevice, version: str):
    device = await start_device(version)
    found, status = await detect_version(
        "127.0.0.1", device.device_id, KEY, port=device.port, timeout=0.5
    )
    assert found == version
    assert status == device.dps
    await device.wait_for_clients(0)


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_detect_version_with_a_wrong_key(start_device: StartDevice, version: str):
    """The strongest evidence about the key wins: proof on 3.3, a dropped handshake on
    3.4/3.5 (which try every version and meet only hang-ups)."""
    device = await start_device(version)
    with pytest.raises(WrongKeyError if version == "3.3" else HandshakeDroppedError):
        await detect_version(
            "127.0.0.1", device.device_id, WRONG_KEY, port=device.port, timeout=0.5
        )


async def test_detect_version_tries_the_announced_version_first(start_device: StartDevice):
    """A device heard on the LAN says its version: asked first, it answers the first
    connection (3.3 comes after 3.5 and 3.4, which a 3.3 device drops or ignores)."""
    device = await start_device("3.3")
    found, status = await detect_version(
        "127.0.0.1", device.device_id, KEY, port=device.port, timeout=0.5, first="3.3"
    )
    assert (found, status) == ("3.3", device.dps)
    assert device.accepted == 1


async def test_detect_version_ignores_an_unknown_first_version(start_device: StartDevice):
    device = await start_device("3.5")
    found, _ = await detect_version(
        "127.0.0.1", device.device_id, KEY, port=device.port, timeout=0.5, first="9.9"
    )
    assert found == "3.5"
    assert device.accepted == 1


async def test_detect_version_stops_at_a_refusal_through_a_session(socket_enabled: None):
    """A 3.5 hub refuses the status query about itself: the refusal came through a 3.5
    session, so no other version is tried (each would wait out its timeout)."""
    hub = SimulatedGateway(DEVICE_ID, KEY, "3.5", tick_interval=None, seed=1)
    await hub.start()
    try:
        with pytest.raises(DeviceError):
            await detect_version("127.0.0.1", DEVICE_ID, KEY, port=hub.port, timeout=0.5)
        assert hub.accepted == 1
    finally:
        await hub.stop()


async def test_detect_version_goes_on_after_a_refusal_without_a_session(
    start_device: StartDevice,
):
    """A 3.3 device answers a 3.1 query with its encrypted rejection: that refusal is no
    proof of 3.1 (no session settled the version), so the search goes on."""
    device = await start_device("3.3")
    found, _ = await detect_version(
        "127.0.0.1", device.device_id, KEY, port=device.port, timeout=0.5, versions=("3.1", "3.3")
    )
    assert found == "3.3"
    assert device.accepted == 2


async def test_detect_version_stops_at_once_when_nothing_listens(socket_enabled: None):
    async with asyncio.timeout(10):  # far less than one attempt's 60 s timeout
        with pytest.raises(TuyaConnectionError):
            await detect_version("127.0.0.1", DEVICE_ID, KEY, port=free_tcp_port(), timeout=60)


async def test_malformed_frames_are_skipped_and_the_session_survives(
    start_device: StartDevice,
):
    device = await start_device("3.3")
    client = client_for(device)
    await client.connect()
    bad = bytearray(encode_55aa(0, Command.STATUS, b"x" * 16, retcode=0))
    bad[-6] ^= 1  # CRC no longer matches
    device.send_garbage(bytes(bad))
    assert "1" in await client.status()
    await client.close()


def test_a_key_of_the_wrong_length_is_refused_before_any_io() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        TuyaClient("127.0.0.1", DEVICE_ID, "short", "3.3")
    with pytest.raises(ValueError, match="version"):
        TuyaClient("127.0.0.1", DEVICE_ID, KEY, "2.9")


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_ack_with_retcode_1_is_success(start_device: StartDevice, version: str):
    """Tuya's own firmware acknowledges a successful CONTROL with retcode 1."""
    device = await start_device(version, ack_retcode=1)
    client = client_for(device)
    await client.connect()
    await client.set_dps({"1": False})
    assert device.dps["1"] is False
    await client.close()


@pytest.mark.parametrize("version", ["3.3", "3.4"])
async def test_dp_ids_may_be_ints(start_device: StartDevice, version: str):
    device = await start_device(version)
    client = client_for(device)
    await client.connect()
    await client.set_dps({1: False})
    assert device.dps["1"] is False
    await client.close()


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_status_acked_empty_then_pushed(start_device: StartDevice, version: str):
    """Some devices ack the query empty and push the values as STATUS right after."""
    device = await start_device(version, query_ack_then_push=True)
    client = client_for(device)
    await client.connect()
    assert await client.status() == device.dps
    await client.close()


@pytest.mark.parametrize("version", ["3.1", "3.5"])
async def test_no_dp_data_outside_the_device22_versions_is_a_device_error(
    start_device: StartDevice, version: str
):
    """'json obj data unvalid' means device22 only on 3.2-3.4; elsewhere it is an error
    (Tuya's own 3.5 firmware sends it when it has nothing to report)."""
    device = await start_device(version, device22=True)
    client = client_for(device)
    await client.connect()
    with pytest.raises(DeviceError, match="data unvalid"):
        await client.status()
    assert not client.device22
    await client.close()


async def test_a_failing_status_callback_does_not_break_the_session(
    start_device: StartDevice, caplog: pytest.LogCaptureFixture
):
    device = await start_device("3.3")
    seen: list[dict[str, Any]] = []

    def flaky(dps: dict[str, Any]) -> None:
        seen.append(dps)
        raise RuntimeError("bug in the caller")

    client = client_for(device, on_status=flaky)
    await client.connect()
    await client.status()
    device.push({"20": 2222})
    await client.set_dps({"1": False})  # the session still works after the bad callback
    assert {"20": 2222} in seen
    assert "error in status callback" in caplog.text
    await client.close()


async def test_connecting_twice_is_refused(start_device: StartDevice):
    device = await start_device("3.3", max_clients=2)
    client = client_for(device)
    await client.connect()
    with pytest.raises(TuyaError, match="already connected"):
        await client.connect()
    await client.close()


async def test_update_dps_asks_for_fresh_reports(start_device: StartDevice):
    device = await start_device("3.4")
    reported = asyncio.Event()
    client = client_for(device, on_status=lambda dps: "19" in dps and reported.set())
    await client.connect()
    await client.status()
    await client.update_dps([19, 20])
    async with asyncio.timeout(10):  # an event: loopback takes milliseconds
        await reported.wait()
    await client.close()


async def test_a_late_reply_to_an_abandoned_request_is_not_taken_for_the_next(
    socket_enabled: None,
):
    """3.1-3.4 echo the request's seqno: a reply that comes after its request timed out
    must not acknowledge the next request of the same command."""
    seqnos: list[int] = []
    second_seen = asyncio.Event()

    async def device(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser = FrameParser(has_retcode=False)
        with contextlib.closing(writer):  # no socket left behind for a later test
            while data := await reader.read(4096):
                parser.feed(data)
                for frame in parser:
                    seqnos.append(frame.seqno)
                    if len(seqnos) == 2:
                        # The late ack of the first CONTROL, then the second's real answer.
                        writer.write(encode_55aa(seqnos[0], Command.CONTROL, b"", retcode=0))
                        error = ecb_for(KEY.encode()).encrypt(b"data format error")
                        writer.write(encode_55aa(seqnos[1], Command.CONTROL, error, retcode=1))
                        second_seen.set()

    server = await asyncio.start_server(device, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = TuyaClient("127.0.0.1", DEVICE_ID, KEY, "3.3", port=port, timeout=0.3)
    try:
        await client.connect()
        with pytest.raises(TuyaTimeoutError):
            await client.set_dps({"1": True})
        client.timeout = 5
        with pytest.raises(DeviceError, match="data format error"):
            await client.set_dps({"1": False})
        assert second_seen.is_set()
    finally:
        await client.close()
        server.close()
        await server.wait_closed()
