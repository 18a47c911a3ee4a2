"""A cap on how many device sessions open at the same moment.

Opening a session is a burst of work for whoever holds the devices: a TCP connect, a
handshake, a status read, and then (in Home Assistant) every entity of the device set
up at once. When hundreds of devices connect together (at start-up, or after the
network came back) those bursts land in the same event-loop iterations and the loop
stalls for a second or more. Sessions that wait for a slot here arrive a few at a
time instead; a session already open holds no slot.

Not an :class:`asyncio.Semaphore`: one limiter is shared by every device of a process
(Home Assistant keeps one per instance), and a semaphore stays bound to the first event
loop that waited on it. Waiters are served first come, first served.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType
from typing import Final

# Sessions opening together by default. A slot is held from the TCP connect until the
# status is read: 50-150 ms for a device that answers (the first frame waits 50 ms), up
# to the connect timeout for one that does not (it delays the others, never blocks
# them). Measured with 500 devices on a 2-core machine (benchmarks/scale.py
# --connect-limit): 16 and 24 keep the loop's stalls besides garbage collection near
# 100 ms, 32 lets them reach 250-400 ms; 24 opens the 500 in about 3 s.
DEFAULT_CONNECT_LIMIT: Final = 24


class ConnectLimiter:
    """At most ``limit`` sessions opening at once: ``async with limiter:`` around the
    opening; the others wait their turn in arrival order."""

    __slots__ = ("_in_flight", "_limit", "_waiters")

    def __init__(self, limit: int = DEFAULT_CONNECT_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"the limit must be at least 1, not {limit}")
        self._limit = limit
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        """How many sessions may open at the same moment."""
        return self._limit

    @property
    def in_flight(self) -> int:
        """How many are opening now (holding a slot)."""
        return self._in_flight

    @property
    def waiting(self) -> int:
        """How many wait for a slot."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def acquire(self) -> None:
        """Take a slot, waiting for one when all are held."""
        if self._in_flight < self._limit and not self.waiting:
            self._in_flight += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed over just as the waiter was cancelled: pass it on.
                self.release()
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise
        # release() handed its slot over: it is counted in _in_flight already.

    def release(self) -> None:
        """Give a slot back: to the longest waiter, if any."""
        if self._in_flight <= 0:
            raise RuntimeError("release() without a slot held")
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._in_flight -= 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
