"""ConnectLimiter: at most N sessions open at the same moment, the others in turn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from custom_components.tuya_lan.tuyalan import ConnectLimiter, Timings, TuyaDevice, TuyaError
from tests.sim.common import KEY


async def settle() -> None:
    """Let every task that can run do so (no time passes on any clock)."""
    for _ in range(20):
        await asyncio.sleep(0)


class Holders:
    """Tasks that take a slot and keep it until told to let go."""

    def __init__(self, limiter: ConnectLimiter) -> None:
        self.limiter = limiter
        self.inside: list[int] = []  # who holds a slot now
        self.order: list[int] = []  # who got one, in order
        self.most = 0
        self.release: dict[int, asyncio.Event] = {}  # who -> the event that lets it go
        self.entered = asyncio.Event()

    async def hold(self, who: int) -> None:
        self.release[who] = asyncio.Event()
        async with self.limiter:
            self.inside.append(who)
            self.order.append(who)
            self.most = max(self.most, len(self.inside))
            self.entered.set()
            try:
                await self.release[who].wait()
            finally:
                self.inside.remove(who)

    async def next_entry(self) -> None:
        self.entered.clear()
        await self.entered.wait()


async def test_at_most_n_hold_a_slot_and_the_others_come_in_turn() -> None:
    limiter = ConnectLimiter(3)
    holders = Holders(limiter)
    tasks = [asyncio.create_task(holders.hold(who)) for who in range(10)]
    await settle()
    assert holders.inside == [0, 1, 2]
    assert (limiter.in_flight, limiter.waiting) == (3, 7)

    for done in range(7):  # each one that lets go lets exactly the next one in
        holders.release[done].set()
        await holders.next_entry()
        await settle()
        assert len(holders.inside) == 3
        assert holders.inside[-1] == done + 3
    for who in range(7, 10):
        holders.release[who].set()
    await asyncio.gather(*tasks)
    assert holders.most == 3
    assert holders.order == list(range(10))  # first come, first served
    assert (limiter.in_flight, limiter.waiting) == (0, 0)


async def test_a_waiter_cancelled_takes_no_slot_with_it() -> None:
    limiter = ConnectLimiter(1)
    holders = Holders(limiter)
    first = asyncio.create_task(holders.hold(0))
    cancelled = asyncio.create_task(holders.hold(1))
    last = asyncio.create_task(holders.hold(2))
    await settle()
    cancelled.cancel()
    await settle()
    assert limiter.waiting == 1
    holders.release[0].set()
    await holders.next_entry()
    assert holders.inside == [2]
    holders.release[2].set()
    await asyncio.gather(first, last)
    assert cancelled.cancelled()
    assert holders.order == [0, 2]
    assert (limiter.in_flight, limiter.waiting) == (0, 0)


async def test_a_slot_handed_to_a_waiter_cancelled_meanwhile_goes_to_the_next() -> None:
    limiter = ConnectLimiter(1)
    holders = Holders(limiter)
    first = asyncio.create_task(holders.hold(0))
    handed = asyncio.create_task(holders.hold(1))
    last = asyncio.create_task(holders.hold(2))
    await settle()
    holders.release[0].set()
    await first  # its slot went to 1, which has not run yet
    handed.cancel()  # ... and is cancelled before it does
    await holders.next_entry()
    assert holders.inside == [2]
    holders.release[2].set()
    await last
    assert handed.cancelled()
    assert (limiter.in_flight, limiter.waiting) == (0, 0)


async def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ConnectLimiter(0)
    with pytest.raises(RuntimeError, match="without a slot"):
        ConnectLimiter().release()


class SilentDevices:
    """A TCP server that accepts sessions and never answers: each one opening stays
    open until the test ends it from this side."""

    def __init__(self) -> None:
        self.open: list[asyncio.StreamWriter] = []
        self.accepted = 0
        self.most_open = 0
        self.arrived = asyncio.Event()

    async def accept(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open.append(writer)
        self.accepted += 1
        self.most_open = max(self.most_open, len(self.open))
        self.arrived.set()

    async def next_arrival(self) -> None:
        self.arrived.clear()
        await self.arrived.wait()

    def hang_up_one(self) -> None:
        writer = self.open.pop(0)
        writer.close()


@pytest.fixture
async def silent(socket_enabled: None) -> AsyncIterator[tuple[SilentDevices, int]]:
    devices = SilentDevices()
    server = await asyncio.start_server(devices.accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield devices, port
        for writer in devices.open:
            writer.close()


async def test_devices_sharing_a_limiter_open_at_most_n_sessions_at_once(
    silent: tuple[SilentDevices, int],
) -> None:
    """Five devices whose sessions never finish opening, two slots: two connect, three
    wait; each session that fails lets exactly one more connect, and every slot comes
    back."""
    server, port = silent
    limiter = ConnectLimiter(2)
    devices = [
        TuyaDevice(
            "127.0.0.1",
            f"bflimit{index:015d}",
            KEY,
            "3.3",
            port=port,
            timings=Timings(timeout=60.0),  # never reached: the test ends each session itself
            connect_limiter=limiter,
        )
        for index in range(5)
    ]
    connects = [asyncio.create_task(device.connect()) for device in devices]
    while server.accepted < 2:
        await server.next_arrival()
    await settle()
    assert (server.accepted, limiter.in_flight, limiter.waiting) == (2, 2, 3)

    for admitted in range(3, 6):  # the device hangs up: that session fails, one more opens
        server.hang_up_one()
        await server.next_arrival()
        await settle()
        assert server.accepted == admitted
        assert limiter.in_flight == 2
    assert server.most_open == 2

    while server.open:
        server.hang_up_one()
    results = await asyncio.gather(*connects, return_exceptions=True)
    assert all(isinstance(result, TuyaError) for result in results)
    assert (limiter.in_flight, limiter.waiting) == (0, 0)
    for device in devices:
        await device.close()


async def test_without_a_limiter_every_session_opens_at_once(
    silent: tuple[SilentDevices, int],
) -> None:
    """The library's default (one device, a command-line tool): no cap."""
    server, port = silent
    devices = [
        TuyaDevice(
            "127.0.0.1", f"bflimit{i:015d}", KEY, "3.3", port=port, timings=Timings(timeout=60.0)
        )
        for i in range(5)
    ]
    connects = [asyncio.create_task(device.connect()) for device in devices]
    while server.accepted < 5:
        await server.next_arrival()
    assert server.most_open == 5
    while server.open:
        server.hang_up_one()
    results = await asyncio.gather(*connects, return_exceptions=True)
    assert all(isinstance(result, TuyaError) for result in results)
    for device in devices:
        await device.close()
