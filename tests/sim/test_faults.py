"""The simulator's fault switches for the fault suite: reboot, another client holding
the connection, a push flood, an address move. Over real TCP on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.tuya_lan.tuyalan import (
    ConnectionRefusedByDevice,
    TuyaConnectionError,
    decode_broadcast,
)
from tuya_sim import SimulatedDevice

from .common import StartDevice
from .test_device import Client

FAULT_VERSIONS = ("3.1", "3.3", "3.4", "3.5")


class Datagrams(asyncio.DatagramProtocol):
    """A loopback UDP socket standing for a discovery port; keeps what arrives."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.received.put_nowait(data)


async def refused_or_closed(device: SimulatedDevice) -> BaseException:
    """Connect to the device, expecting it not to serve us; the error it raised."""
    with pytest.raises((TuyaConnectionError, ConnectionRefusedByDevice)) as caught:
        async with Client(device):
            pass
    return caught.value


@pytest.mark.parametrize("version", FAULT_VERSIONS)
@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
async def test_reboot_drops_clients_is_away_then_back_with_its_dps(
    start_device: StartDevice, version: str, reset: bool
):
    device = await start_device(version)
    watcher = Client(device)
    async with watcher as client:
        await client.set_dps({"1": False, "9": 60})
        await device.reboot(5, reset=reset)
        await watcher.disconnected()
    assert (device.rebooting, device.online) == (True, False)
    await refused_or_closed(device)
    device.tick(4)
    assert not device.online  # still booting
    assert device.dps["9"] == 60  # powered off: the countdown does not run
    device.tick(1)
    await device.wait_online()
    assert (device.rebooting, device.online, device.reboots) == (False, True, 1)
    async with Client(device) as client:
        status = await client.status()
    assert status["1"] is False  # DPs kept (relay power-on behaviour: memory)


async def test_reboot_without_delay_and_with_the_background_ticker(start_device: StartDevice):
    device = await start_device("3.3")
    await device.reboot()
    assert device.online
    assert not device.rebooting
    ticking = await start_device("3.4", tick_interval=0.01, device_id="bf0123456789abcdef02")
    await ticking.reboot(3)
    with pytest.raises(RuntimeError, match="already rebooting"):
        await ticking.reboot()
    await ticking.wait_online()  # three background ticks later
    async with Client(ticking) as client:
        assert await client.status()
    await ticking.go_offline()
    with pytest.raises(RuntimeError, match="not rebooting"):
        await ticking.wait_online()


@pytest.mark.parametrize("version", FAULT_VERSIONS)
async def test_another_client_takes_the_only_connection(start_device: StartDevice, version: str):
    device = await start_device(version)
    watcher = Client(device)
    async with watcher:
        device.occupy()  # the phone app: ours is dropped to make room
        await watcher.disconnected()
    await device.wait_for_clients(0)
    refused = await refused_or_closed(device)
    assert isinstance(refused, ConnectionRefusedByDevice)  # accepted, then closed at once
    assert device.refused == 1
    device.release()
    async with Client(device) as client:
        assert await client.status()
    with pytest.raises(RuntimeError, match="no slot"):
        device.release()


async def test_occupy_leaves_clients_that_still_fit(start_device: StartDevice):
    device = await start_device("3.3", max_clients=2)
    async with Client(device) as client:
        device.occupy()
        assert await client.status()
        assert isinstance(await refused_or_closed(device), ConnectionRefusedByDevice)
        assert device.clients == 1


@pytest.mark.parametrize("version", FAULT_VERSIONS)
async def test_push_flood_reaches_the_client_in_order(start_device: StartDevice, version: str):
    device = await start_device(version)
    watcher = Client(device)
    async with watcher as client:
        await client.status()  # 3.4/3.5: the device has the session key once this is read
        assert device.push_flood(300, "9") == 300
        for expected in range(1, 301):
            assert await watcher.next_push() == {"9": expected}
        assert device.push_flood(3) is False  # DP 1 was on: off, on, off
        assert [await watcher.next_push() for _ in range(3)] == [
            {"1": False},
            {"1": True},
            {"1": False},
        ]
    assert device.dps["1"] is False
    with pytest.raises(TypeError, match="boolean or an integer"):
        device.push_flood(1, "99")


@pytest.mark.parametrize("version", FAULT_VERSIONS)
async def test_move_listens_elsewhere_and_announces_at_once(
    start_device: StartDevice, version: str
):
    loop = asyncio.get_running_loop()
    transport, announcements = await loop.create_datagram_endpoint(
        Datagrams, local_addr=("127.0.0.1", 0)
    )
    try:
        device = await start_device(
            version, discovery_port=transport.get_extra_info("sockname")[1], discovery_interval=60
        )
        assert decode_broadcast(await announcements.received.get()).ip == "127.0.0.1"
        old_port = device.port
        watcher = Client(device)
        async with watcher:
            # The announced address is data only: nothing is sent there.
            await device.move(0, ip="192.0.2.7")
            await watcher.disconnected()
        assert device.port != old_port
        announced = decode_broadcast(await announcements.received.get())
        assert (announced.ip, announced.device_id) == ("192.0.2.7", device.device_id)
        async with Client(device) as client:
            assert await client.status()
        moved_port = device.port
        device.port = old_port  # nothing listens at the old address any more
        await refused_or_closed(device)
        device.port = moved_port
        await device.move(ip="127.0.0.1")  # same port, back on the loopback address
        assert device.port == moved_port
        assert decode_broadcast(await announcements.received.get()).ip == "127.0.0.1"
    finally:
        transport.close()
