"""TuyaClient against a slow or junk-sending simulated device (issue 7, defects 4 and 5).

A late 3.5 reply must not acknowledge the next command; a fake frame header must not
hold back the replies after it; framed junk must not drop a working connection as a
wrong key.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from custom_components.tuya_lan.tuyalan import TuyaClient, TuyaTimeoutError, client as client_module
from custom_components.tuya_lan.tuyalan.const import Command
from custom_components.tuya_lan.tuyalan.crypto import gcm_for
from custom_components.tuya_lan.tuyalan.frames import (
    PREFIX_55AA,
    PREFIX_6699,
    encode_55aa,
    encode_6699,
)
from tests.sim.common import KEY, StartDevice
from tuya_sim import SimulatedDevice

OTHER_KEY = b"fedcba9876543210"


def client_for(device: SimulatedDevice, **options: Any) -> TuyaClient:
    return TuyaClient(
        "127.0.0.1", device.device_id, KEY, device.version, port=device.port, **options
    )


async def test_35_a_late_reply_does_not_acknowledge_the_next_command(
    start_device: StartDevice, monkeypatch: pytest.MonkeyPatch
):
    """3.5 replies carry the device's own seqno: order is what tells them apart."""
    monkeypatch.setattr(client_module, "LATE_REPLY_WINDOW", 100.0)  # not what is tested
    device = await start_device("3.5")
    client = client_for(device)
    await client.connect()
    await client.status()
    client.timeout = 0.3  # the handshake and status above need not race it
    device.reply_delay = 0.5  # longer than the first command waits
    with pytest.raises(TuyaTimeoutError):
        await client.set_dps({"1": True})
    client.timeout = 5
    await client.set_dps({"1": False})
    # It returned on its own acknowledgement, sent once the device had applied it;
    # the first command's late one arrived while the device still held True.
    assert device.dps.get("1") is False
    await client.close()


async def test_35_a_request_never_answered_stops_swallowing_replies(
    start_device: StartDevice, monkeypatch: pytest.MonkeyPatch
):
    """The cost of a lost request is bounded: its entry expires, and a reconnect ends it."""
    monkeypatch.setattr(client_module, "LATE_REPLY_WINDOW", 1.0)
    device = await start_device("3.5")
    client = client_for(device)
    await client.connect()
    await client.status()
    client.timeout = 0.2  # the handshake and status above need not race it
    device.stall = True  # this one is read and never answered
    with pytest.raises(TuyaTimeoutError):
        await client.set_dps({"1": True})
    device.stall = False
    # Within the window the next reply is taken for the lost request's late one:
    # a timeout, never a command reported done on another's acknowledgement.
    with pytest.raises(TuyaTimeoutError):
        await client.set_dps({"1": False})
    await asyncio.sleep(0.2 * client_module.LATE_REPLY_WINDOW)  # both entries expire
    client.timeout = 5  # answered now: no need to race a short timeout on a busy machine
    await client.set_dps({"1": True})
    assert device.dps.get("1") is True

    client.timeout = 0.2
    device.stall = True
    with pytest.raises(TuyaTimeoutError):
        await client.set_dps({"1": False})
    device.stall = False
    client.timeout = 5
    await client.close()
    await client.connect()  # nothing of the old connection survives it
    await client.set_dps({"1": False})
    assert device.dps.get("1") is False
    await client.close()


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
@pytest.mark.parametrize("prefix", [PREFIX_55AA, PREFIX_6699], ids=["55aa", "6699"])
async def test_a_fake_header_does_not_hold_back_the_replies_after_it(
    start_device: StartDevice, version: str, prefix: bytes
):
    device = await start_device(version)
    disconnects: list[Exception | None] = []
    client = client_for(device, timeout=2.0, on_disconnect=disconnects.append)
    await client.connect()
    await client.status()
    pad = bytes(8) if prefix == PREFIX_55AA else bytes(10)
    device.send_garbage(prefix + pad + (12_000).to_bytes(4))  # claims 12 kB, sends none
    await client.set_dps({"1": False})  # its reply follows the fake header
    assert client.connected
    assert disconnects == []
    await client.close()


@pytest.mark.parametrize("version", ["3.4", "3.5"])
async def test_framed_junk_does_not_drop_a_working_connection(
    start_device: StartDevice, version: str
):
    """A frame sealed with some other key, on a connection whose key is proven."""
    device = await start_device(version)
    disconnects: list[Exception | None] = []
    client = client_for(device, timeout=2.0, on_disconnect=disconnects.append)
    await client.connect()
    await client.status()
    if version == "3.5":
        junk = encode_6699(9, Command.STATUS, os.urandom(40), gcm_for(OTHER_KEY), retcode=0)
    else:
        junk = encode_55aa(9, Command.STATUS, os.urandom(48), retcode=0, hmac_key=OTHER_KEY)
    device.send_garbage(junk)
    await client.set_dps({"1": False})
    assert client.connected
    assert disconnects == []
    await client.close()
