"""Real firmware as it is, through the library: reads that never write, device22 limits,
devices that report only changes, binary in string DPs, big replies, and a supervision
that nothing but close() ends. Each behaviour is a quirk of the simulator
(tuya_sim/quirks.py, with its public source)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.tuya_lan.tuyalan import (
    NoStatusError,
    ReplyTooLargeError,
    Timings,
    TuyaClient,
    TuyaDevice,
    client as client_module,
    detect_version,
)
from tests.lib.common import Recorder
from tests.lib.test_client import client_for, until
from tests.sim.common import KEY, StartDevice
from tuya_sim import SimulatedDevice
from tuya_sim.quirks import DEVICE22_PAYLOAD_LIMIT


@pytest.fixture(autouse=True)
def quick_retries() -> Iterator[None]:
    """The plain query is asked again after 10 ms instead of 0.5 s."""
    with patch.object(client_module, "PLAIN_QUERY_RETRY_DELAY", 0.01, create=True):
        yield


# --- 21.1: a read never writes -------------------------------------------------------


@pytest.mark.parametrize("version", ["3.3", "3.4"])
async def test_a_device_refusing_its_first_queries_is_read_without_a_write(
    start_device: StartDevice, version: str
) -> None:
    """Refused twice after power-up, then answered: the plain query is asked again and
    the null-valued device22 frame, which this firmware would carry out as "switch
    off", is never sent. User-visible: the plug stays on and its status is read."""
    device = await start_device(version)
    device.quirks.refuses_queries_after_power_up = 2
    device.quirks.null_control_writes = True
    device.quirks.power_up()
    async with client_for(device) as client:
        status = await client.status()
        assert not client.device22
    assert status == device.dps
    assert device.dps["1"] is True
    assert device.quirks.null_queries == 0
    assert device.quirks.plain_queries == 3


async def test_a_persistent_refusal_proves_device22_and_the_query_fits_255_bytes(
    start_device: StartDevice,
) -> None:
    """A device22 refuses every plain query and any request over 255 bytes: it is read
    in chunks that fit, and DPs outside 1-30/101-110 it reported (a push, the data
    model) are asked too."""
    device = await start_device("3.3", device22=True, dps={"51": 7, "120": "eco"})
    assert device.quirks.device22_payload_limit == DEVICE22_PAYLOAD_LIMIT == 255
    async with client_for(device) as client:
        status = await client.status()
        assert client.device22
        assert "51" not in status  # never reported: not asked yet
        assert status["1"] is True
        device.push({"51": 8, "120": "eco"})
        await until(lambda: 51 in client.known_dps and 120 in client.known_dps)
        status = await client.status()
    assert status == device.dps
    async with client_for(device, dp_ids=[51, 120]) as client:  # from the data model
        assert await client.status() == device.dps


async def test_a_32_device_is_found_by_auto_detection(start_device: StartDevice) -> None:
    """3.2 is always device22 and checks its version header: detection finds "3.2"."""
    device = await start_device("3.2")
    device.quirks.strict_version_header = True
    version, status = await detect_version(
        "127.0.0.1", device.device_id, KEY, port=device.port, timeout=1.0
    )
    assert (version, status) == ("3.2", device.dps)


# --- 21.2: a device that reports only changes ------------------------------------------


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_a_device_reporting_only_changes_is_read_with_a_refresh(
    start_device: StartDevice, version: str
) -> None:
    """The status query is acked empty and answered by nothing: the client asks with
    UPDATEDPS, which the device answers with a push."""
    device = await start_device(version)
    device.quirks.reports_only_changes = True
    async with client_for(device, timeout=0.5) as client:
        assert await client.status() == device.dps
    assert device.quirks.refreshes == 1


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_a_device_that_reports_nothing_when_asked_says_so(
    start_device: StartDevice, version: str
) -> None:
    """It ignores the refresh too: a typed NoStatusError that says what happened (never
    a CancelledError), and the session goes on: a write works and its push arrives."""
    device = await start_device(version)
    device.quirks.reports_only_changes = True
    device.quirks.ignores_refresh = True
    pushed: list[dict[str, Any]] = []
    async with client_for(device, timeout=0.3, on_status=pushed.append) as client:
        with pytest.raises(NoStatusError, match="only when they change") as raised:
            await client.status()
        assert raised.value.version == version
        await client.set_dps({"1": False})
        await until(lambda: {"1": False} in pushed)
    with pytest.raises(NoStatusError):
        await detect_version("127.0.0.1", device.device_id, KEY, port=device.port, timeout=0.3)


# --- 21.3: binary in a string DP ---------------------------------------------------------


@pytest.mark.parametrize("version", ["3.1", "3.3", "3.4", "3.5"])
async def test_raw_bytes_in_a_string_dp_keep_the_frame(
    start_device: StartDevice, version: str
) -> None:
    """Bytes that are not UTF-8 (and control bytes) inside a DP string: that DP reads
    as text with each such byte spelled \\xNN, every other DP of the frame as sent, in
    a status and in a push, and the session survives."""
    device = await start_device(version, dps={"104": b"ab\xff\xfe\x01c"})
    pushed: list[dict[str, Any]] = []
    async with client_for(device, on_status=pushed.append) as client:
        status = await client.status()
        device.push({"104": b"\x80z", "1": False})
        await until(lambda: bool(pushed))
        await client.heartbeat()
    assert status["104"] == "ab\\xff\\xfe\\x01c"
    assert {dp: v for dp, v in status.items() if dp != "104"} == {
        dp: v for dp, v in device.dps.items() if dp != "104"
    }
    assert pushed == [{"104": "\\x80z", "1": False}]


# --- issue 14 §3: the size of a status ---------------------------------------------------


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_a_big_status_is_read_and_one_over_the_cap_says_so(
    start_device: StartDevice, version: str
) -> None:
    """A 20 KiB status (over the old 16 KiB cap) is read; one over 64 KiB fails with
    ReplyTooLargeError naming its size, not as "did not answer", and the session goes
    on."""
    device = await start_device(version, dps={"150": "x" * 20_000})
    async with client_for(device, timeout=0.5) as client:
        assert (await client.status())["150"] == "x" * 20_000
        device.dps["150"] = "x" * 70_000
        with pytest.raises(ReplyTooLargeError, match="over the 64 KiB") as raised:
            await client.status()
        assert raised.value.size > 64 * 1024
        await client.heartbeat()


# --- 22.3: nothing ends supervision but close() -------------------------------------------


async def _refused(device: SimulatedDevice) -> None:
    device.quirks.refuses_queries_after_power_up = 1000
    device.quirks.power_up()


async def _silent(device: SimulatedDevice) -> None:
    device.quirks.reports_only_changes = True
    device.quirks.ignores_refresh = True


async def _stalled(device: SimulatedDevice) -> None:
    device.stall = True


def _healthy(device: SimulatedDevice) -> None:
    device.quirks.refuses_queries_after_power_up = 0
    device.quirks.power_up()
    device.quirks.reports_only_changes = device.quirks.ignores_refresh = False
    device.stall = False


EXITS = {"device error": _refused, "no status": _silent, "timeout": _stalled}


@pytest.mark.parametrize("exit_", [*EXITS, "lost while waiting", "cancelled future"])
async def test_no_exit_of_the_query_path_ends_supervision(
    start_device: StartDevice, exit_: str
) -> None:
    """The session drops; the reconnect's status read ends in each way the query path
    can end. Supervision goes on: once the device is healthy, the session is back."""
    sim = await start_device("3.3")
    recorder = Recorder()
    device = TuyaDevice(
        "127.0.0.1",
        sim.device_id,
        KEY,
        "3.3",
        port=sim.port,
        timings=Timings(timeout=0.3),
        on_update=recorder.on_update,
        on_health=recorder.on_health,
    )
    real_status = TuyaClient.status
    cancelled_once = False

    async def status_with_a_cancelled_future(self: TuyaClient, **kwargs: Any) -> dict[str, Any]:
        nonlocal cancelled_once
        if not cancelled_once:
            cancelled_once = True
            raise asyncio.CancelledError  # what a cancelled future's exception() raises
        return await real_status(self, **kwargs)

    with patch("custom_components.tuya_lan.tuyalan.device.backoff_delay", return_value=0.01):
        try:
            await device.connect()
            device.start()
            if exit_ in EXITS:
                await EXITS[exit_](sim)
                sim.drop()
                await recorder.until(lambda: not device.connected or exit_ == "no status")
                if exit_ == "no status":
                    # The session stays up on what the device pushes.
                    await recorder.until(lambda: sim.quirks.refreshes >= 1 and device.connected)
                    sim.set_dps({"1": False})
                    await recorder.until(lambda: device.dps["1"] is False)
                await recorder.until(lambda: recorder.health[-1].failures >= 1 or device.connected)
                _healthy(sim)
            elif exit_ == "lost while waiting":
                sim.quirks.reports_only_changes = True
                sim.quirks.ignores_refresh = True
                queries = sim.quirks.plain_queries
                sim.drop()
                await until(lambda: sim.quirks.plain_queries > queries, timeout=5)
                sim.drop()  # while the client waits for the push the ack announced
                _healthy(sim)
            else:
                with patch.object(TuyaClient, "status", status_with_a_cancelled_future):
                    sim.drop()
                    await recorder.until(lambda: cancelled_once and device.connected)
            sim.drop()
            await recorder.until(lambda: not device.connected)
            await recorder.until(lambda: device.connected)
            assert device.dps["1"] == sim.dps["1"]
        finally:
            await device.close()


# --- 22.4: the read-back after a write -----------------------------------------------------


@pytest.mark.parametrize("device22", [False, True])
async def test_a_reported_write_is_not_read_back(start_device: StartDevice, device22: bool) -> None:
    """The device pushes what was written: no read-back. One that does not report it
    is read back with a plain query, or for a device22 with UPDATEDPS: never with the
    null-valued frame that firmware may take for a write."""
    sim = await start_device("3.3", device22=device22)
    recorder = Recorder()
    device = TuyaDevice(
        "127.0.0.1",
        sim.device_id,
        KEY,
        "3.3",
        port=sim.port,
        timings=Timings(timeout=1.0, confirm_wait=0.0, min_command_gap=0.0),
        on_update=recorder.on_update,
    )
    try:
        await device.connect()
        queries = sim.quirks.plain_queries, sim.quirks.null_queries, sim.quirks.refreshes
        await device.set_dps({"9": 30})
        await recorder.until(lambda: device.dps["9"] == 30)
        for _ in range(5):  # a read-back would be scheduled and sent by now
            await asyncio.sleep(0)
        await device.set_dps({"9": 31})  # its ack comes after any query sent before it
        await recorder.until(lambda: device.dps["9"] == 31)
        assert (
            sim.quirks.plain_queries,
            sim.quirks.null_queries,
            sim.quirks.refreshes,
        ) == queries
        sim.ignore_sets = True  # acked, not carried out, not reported: read back
        await device.set_dps({"1": False})
        if device22:
            await until(lambda: sim.quirks.refreshes == queries[2] + 1)
        else:
            await until(lambda: sim.quirks.plain_queries == queries[0] + 1)
        assert sim.quirks.null_queries == queries[1]
        assert sim.dps["1"] is True
    finally:
        await device.close()
