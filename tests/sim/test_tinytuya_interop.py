"""tinytuya 1.20.0, an independent client, against the simulator for every version.

tinytuya is blocking: it runs in a worker thread while the simulator runs on the
event loop. Every tinytuya device is closed in the thread that used it, so no socket
or thread outlives a test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import tinytuya

from custom_components.tuya_lan.tuyalan.const import Command
from tuya_sim import SimulatedDevice

from .common import KEY, WRONG_KEY, StartDevice

MATRIX = [
    ("3.1", False),
    ("3.2", False),
    ("3.3", False),
    ("3.3", True),
    ("3.4", False),
    ("3.5", False),
]
MATRIX_IDS = ["3.1", "3.2", "3.3", "3.3-device22", "3.4", "3.5"]
# tinytuya's error code for "wrong local key or version" (error_helper.ERR_KEY_OR_VER).
ERR_KEY_OR_VER = "914"


def tinytuya_device(device: SimulatedDevice, key: str = KEY) -> tinytuya.OutletDevice:
    """A persistent tinytuya connection to ``device`` (call in a worker thread: for
    3.2 the constructor already talks to the device)."""
    return tinytuya.OutletDevice(
        device.device_id,
        "127.0.0.1",
        key,
        version=float(device.version),
        port=device.port,
        persist=True,
        connection_timeout=2,
        connection_retry_limit=1,
        connection_retry_delay=0,
    )


async def in_thread[T](work: Callable[[], T]) -> T:
    return await asyncio.to_thread(work)


@pytest.mark.parametrize(("version", "device22"), MATRIX, ids=MATRIX_IDS)
async def test_status_set_heartbeat_and_push(
    start_device: StartDevice, version: str, device22: bool
):
    device = await start_device(version, device22=device22)
    tt: tinytuya.OutletDevice = await in_thread(lambda: tinytuya_device(device))
    try:
        status = await in_thread(tt.status)
        assert "Err" not in status, status
        if device22:
            # tinytuya falls back to the null-valued CONTROL_NEW query and only asks
            # for DP 1; the device answers with exactly that.
            assert tt.dev_type == "device22"
            assert status["dps"] == {"1": True}
        else:
            assert status["dps"] == device.dps

        # set: an empty ack, then tinytuya returns the pushed STATUS of the change.
        result = await in_thread(lambda: tt.set_value(1, False))
        assert result["dps"] == {"1": False}, result
        assert device.dps["1"] is False
        assert (await in_thread(tt.status))["dps"]["1"] is False

        def heartbeat() -> list[tuple[int, int, bytes]]:
            tt.set_socketTimeout(0.3)  # it keeps reading after the empty ack
            try:
                assert tt.heartbeat(nowait=False) is None
            finally:
                tt.set_socketTimeout(2)
            return [(m.cmd, m.retcode, m.payload) for m in tt.raw_recv]

        assert await in_thread(heartbeat) == [(Command.HEART_BEAT, 0, b"")]

        # A change made on the device arrives as a push on the open connection.
        device.set_dps({"1": True})
        pushed = await in_thread(tt.receive)
        assert pushed is not None
        assert pushed["dps"] == {"1": True}
        assert device.clients == 1  # everything above went over one connection
    finally:
        await in_thread(tt.close)
    await device.wait_for_clients(0)


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_updatedps_is_acked_then_pushed(start_device: StartDevice, version: str):
    device = await start_device(version)
    tt: tinytuya.OutletDevice = await in_thread(lambda: tinytuya_device(device))
    try:
        assert "dps" in await in_thread(tt.status)
        result = await in_thread(lambda: tt.updatedps([18, 19, 20]))
        assert result["dps"] == {dp: device.dps[dp] for dp in ("18", "19", "20")}
    finally:
        await in_thread(tt.close)


@pytest.mark.parametrize(("version", "device22"), MATRIX, ids=MATRIX_IDS)
async def test_wrong_key_fails(start_device: StartDevice, version: str, device22: bool):
    device = await start_device(version, device22=device22)

    def attempt() -> tuple[dict[str, Any], dict[str, Any] | None]:
        tt = tinytuya_device(device, key=WRONG_KEY)
        try:
            return tt.status(), tt.set_value(1, False)
        finally:
            tt.close()

    status, set_result = await in_thread(attempt)
    if version == "3.1":
        # 3.1 status replies are plaintext, so any key reads them (real devices too);
        # the encrypted CONTROL is what the key protects.
        assert status["dps"]["1"] is True
    else:
        assert "dps" not in status
        assert "Err" in status
    if version in ("3.4", "3.5"):
        assert status["Err"] == ERR_KEY_OR_VER  # the device dropped the handshake
    assert set_result is not None
    assert "Err" in set_result
    assert device.dps["1"] is True  # nothing was switched
    await device.wait_for_clients(0)


async def test_seqno_that_does_not_increase_closes_the_connection(start_device: StartDevice):
    device = await start_device("3.5")
    tt: tinytuya.OutletDevice = await in_thread(lambda: tinytuya_device(device))
    try:
        assert "dps" in await in_thread(tt.status)
        tt.seqno = 1  # tinytuya would now repeat numbers it already used
        tt.set_retry(False)

        def heartbeat_with_old_seqno() -> None:
            tt.heartbeat(nowait=True)

        await in_thread(heartbeat_with_old_seqno)
        await device.wait_for_clients(0)
    finally:
        await in_thread(tt.close)


async def test_tinytuya_bulb_device_drives_the_older_bulb(start_device: StartDevice):
    """tinytuya's BulbDevice, an independent client, takes the simulated older bulb for
    one of DPs 1-5 (its type A), and its colour and white commands land in the bulb's
    own encoding and ranges, the work mode following."""
    device = await start_device("3.3", profile="bulb_v1")

    def drive() -> tuple[str | None, dict[str, Any]]:
        bulb = tinytuya.BulbDevice(
            device.device_id,
            "127.0.0.1",
            KEY,
            version=3.3,
            port=device.port,
            persist=True,
            connection_timeout=2,
            connection_retry_limit=1,
            connection_retry_delay=0,
        )
        try:
            bulb.status()
            bulb.set_colour(0, 0, 255)
            colour = dict(device.dps)
            bulb.set_white_percentage(brightness=50, colourtemp=100)
            return bulb.bulb_type, {"colour": colour, "white": dict(device.dps)}
        finally:
            bulb.close()

    bulb_type, seen = await in_thread(drive)
    assert bulb_type == "A"
    assert seen["colour"]["2"] == "colour"
    assert seen["colour"]["5"] == tinytuya.BulbDevice.rgb_to_hexvalue(0, 0, 255, "rgb8")
    assert seen["colour"]["5"] == "0000ff00f0ffff"  # blue: hue 240 (0x00f0), S and V 255
    assert seen["white"]["2"] == "white"
    assert 25 < seen["white"]["3"] < 255  # half way in 25-255, not the bulb's 255
    assert seen["white"]["4"] == 255
    await device.wait_for_clients(0)
