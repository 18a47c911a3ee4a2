"""Simulated devices over real TCP on 127.0.0.1, driven by our asyncio client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from custom_components.tuya_lan.tuyalan import (
    ConnectionRefusedByDevice,
    HandshakeDroppedError,
    TuyaClient,
    TuyaConnectionError,
    TuyaTimeoutError,
)
from tuya_sim import DeviceSimulator, SimulatedDevice

from .common import DEVICE22_ID, DEVICE_ID, KEY, WRONG_KEY, StartDevice

VERSIONS = ("3.1", "3.2", "3.3", "3.4", "3.5")
MATRIX = [(v, False) for v in VERSIONS] + [("3.3", True)]
MATRIX_IDS = [*VERSIONS, "3.3-device22"]


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Client:
    """Our library's client, recording pushes and disconnects."""

    def __init__(self, device: SimulatedDevice, *, key: str = KEY, timeout: float = 2.0) -> None:
        self.pushes: list[dict[str, Any]] = []
        self._taken = 0
        self.disconnects: list[Exception | None] = []
        self._changed = asyncio.Event()
        self.client = TuyaClient(
            "127.0.0.1",
            device.device_id,
            key,
            device.version,
            port=device.port,
            device22=False,
            timeout=timeout,
            on_status=self._on_status,
            on_disconnect=self._on_disconnect,
        )

    def _on_status(self, dps: dict[str, Any]) -> None:
        self.pushes.append(dps)
        self._changed.set()

    def _on_disconnect(self, exc: Exception | None) -> None:
        self.disconnects.append(exc)
        self._changed.set()

    async def _until(self, done: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not done():
                self._changed.clear()
                await self._changed.wait()

    async def __aenter__(self) -> TuyaClient:
        await self.client.connect()
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()

    async def next_push(self, timeout: float = 2.0) -> dict[str, Any]:
        """The oldest push not yet taken (it may have arrived with the reply before it)."""
        await self._until(lambda: len(self.pushes) > self._taken, timeout)
        self._taken += 1
        return self.pushes[self._taken - 1]

    async def push_with(self, dp: str, value: Any, timeout: float = 2.0) -> dict[str, Any]:
        """The next push setting ``dp`` to ``value``, skipping the device's other reports."""
        async with asyncio.timeout(timeout):
            while (push := await self.next_push()).get(dp, object()) != value:
                pass
        return push

    async def disconnected(self, timeout: float = 2.0) -> Exception | None:
        """Wait until the client has noticed the device closed the connection."""
        await self._until(lambda: bool(self.disconnects), timeout)
        return self.disconnects[0]


@pytest.mark.parametrize(("version", "device22"), MATRIX, ids=MATRIX_IDS)
async def test_our_client_status_set_heartbeat_push(
    start_device: StartDevice, version: str, device22: bool
):
    device = await start_device(version, device22=device22)
    watcher = Client(device)
    async with watcher as client:
        status = await client.status()
        assert status == device.dps
        assert status["1"] is True
        await client.set_dps({"1": False})
        assert await watcher.next_push() == {"1": False}
        assert device.dps["1"] is False
        await client.heartbeat()
        device.set_dps({"9": 120})  # someone pressed a button on the device
        assert await watcher.next_push() == {"9": 120}
        await client.update_dps([18, 19, 20])
        assert set(await watcher.next_push()) == {"18", "19", "20"}
        assert (await client.status())["9"] == 120
    assert watcher.disconnects == []
    if device22:
        assert device.device_id == DEVICE22_ID
        assert client.device22  # it had to fall back


async def test_second_client_is_refused_by_default(start_device: StartDevice):
    device = await start_device("3.3")
    async with Client(device) as client:
        with pytest.raises(ConnectionRefusedByDevice):
            async with Client(device):
                pass
        assert device.refused == 1
        assert device.clients == 1
        assert await client.status()  # the first connection is unaffected


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_pushes_reach_every_connected_client(start_device: StartDevice, version: str):
    device = await start_device(version, max_clients=2)
    first, second = Client(device), Client(device)
    async with first as client_a, second:
        await client_a.set_dps({"1": False})
        assert await first.next_push() == {"1": False}
        assert await second.next_push() == {"1": False}


async def test_silent_connection_is_closed_after_30_seconds(start_device: StartDevice):
    clock = FakeClock()
    device = await start_device("3.4", clock=clock)
    watcher = Client(device)
    async with watcher as client:
        clock.now += 20
        await client.heartbeat()  # activity resets the timer
        clock.now += 29
        device.tick()
        assert await client.status()
        clock.now += 30
        device.tick()
        await device.wait_for_clients(0)
        await watcher.disconnected()


async def test_drop_closes_connections_and_the_device_takes_new_ones(start_device: StartDevice):
    device = await start_device("3.5")
    watcher = Client(device)
    async with watcher:
        device.drop()
        await watcher.disconnected()
    assert len(watcher.disconnects) == 1
    async with Client(device) as client:
        assert await client.status()


async def test_stalled_device_reads_but_never_answers(start_device: StartDevice):
    device = await start_device("3.3")
    async with Client(device) as client:
        client.timeout = 0.3  # the connect above need not race it
        device.stall = True
        with pytest.raises(TuyaTimeoutError):
            await client.status()
        assert device.stalled_bytes > 0  # the request did arrive
        device.set_dps({"1": False})  # a stalled device pushes nothing either
        assert device.pushes == 0
        device.stall = False
        assert (await client.status())["1"] is False


async def test_garbage_before_every_frame_is_survivable(start_device: StartDevice):
    device = await start_device("3.4")
    watcher = Client(device)
    async with watcher as client:
        device.garbage = True
        assert await client.status()
        device.send_garbage()
        await client.set_dps({"1": False})
        assert await watcher.next_push() == {"1": False}


async def test_change_key_drops_clients_and_needs_the_new_key(start_device: StartDevice):
    device = await start_device("3.4")
    watcher = Client(device)
    async with watcher:
        device.change_key(WRONG_KEY)
        await watcher.disconnected()
    with pytest.raises(HandshakeDroppedError):  # how a 3.4 device says "wrong key"
        async with Client(device):
            pass
    await device.wait_for_clients(0)
    async with Client(device, key=WRONG_KEY) as client:
        assert await client.status()


async def test_offline_then_online_on_the_same_port(start_device: StartDevice):
    device = await start_device("3.3")
    port = device.port
    watcher = Client(device)
    async with watcher:
        await device.go_offline()
        assert not device.online
        await watcher.disconnected()
    with pytest.raises(TuyaConnectionError):
        async with Client(device):
            pass
    await device.go_online()
    assert device.port == port
    async with Client(device) as client:
        assert await client.status()


async def test_countdown_over_the_wire(start_device: StartDevice):
    device = await start_device("3.5")
    watcher = Client(device)
    async with watcher as client:
        await client.set_dps({"9": 3})
        assert await watcher.next_push() == {"9": 3}
        device.tick(2)
        assert device.dps["9"] == 1
        device.tick(1)
        pushed = await watcher.push_with("9", 0)
        assert pushed["1"] is False


async def test_background_ticker_runs_the_profile(start_device: StartDevice):
    device = await start_device("3.3", tick_interval=0.01)
    watcher = Client(device)
    async with watcher as client:
        await client.set_dps({"9": 2})
        pushed = await watcher.push_with("9", 0)  # about 20 ms later
        assert pushed["1"] is False


async def test_many_devices_in_one_simulator(socket_enabled: None):
    simulator = DeviceSimulator()
    for index, version in enumerate(VERSIONS):
        simulator.create(f"bf0123456789abcdef0{index}", KEY, version, tick_interval=None)
    simulator.create(DEVICE22_ID, KEY, "3.3", device22=True, tick_interval=None)
    async with simulator:
        ports = {device.port for device in simulator}
        assert len(ports) == len(simulator) == 6
        assert 0 not in ports

        async def status(device: SimulatedDevice) -> dict[str, Any]:
            async with Client(device) as client:
                return await client.status()

        results = await asyncio.gather(*(status(d) for d in simulator))
        assert all(result["1"] is True for result in results)
        assert simulator[DEVICE22_ID].device22
        with pytest.raises(ValueError, match="already simulated"):
            simulator.create(DEVICE22_ID, KEY, "3.3")


def test_bad_configuration_is_refused_before_any_io():
    with pytest.raises(ValueError, match="version"):
        SimulatedDevice(DEVICE_ID, KEY, "3.6")
    with pytest.raises(ValueError, match="16 characters"):
        SimulatedDevice(DEVICE_ID, "short", "3.3")
    with pytest.raises(ValueError, match=r"only 3\.5"):
        SimulatedDevice(DEVICE_ID, KEY, "3.3", request_port=0)
