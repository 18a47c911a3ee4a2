"""Many simulated devices in one process, each on its own 127.0.0.1 port.

Usage::

    async with DeviceSimulator() as sim:
        plug = sim.create("bf0123456789abcdef01", "0123456789abcdef", "3.4")
        await sim.start()          # devices added later need another start()
        plug.port                  # the bound TCP port

``request_port`` makes the simulator answer 0x25 discovery requests once for every
3.5 device it holds (a real network has one port 7000 shared by all devices; several
sockets on one UDP port would each get only some of the requests).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

from .device import SimulatedDevice
from .discovery import RequestResponder


class DeviceSimulator:
    """A set of :class:`SimulatedDevice` started and stopped together."""

    def __init__(self, *, request_port: int | None = None, request_reply_port: int = 7000) -> None:
        self.devices: list[SimulatedDevice] = []
        self._responder = (
            RequestResponder(self._announcements, request_port, request_reply_port)
            if request_port is not None
            else None
        )

    def add(self, device: SimulatedDevice) -> SimulatedDevice:
        """Hold ``device``; it starts with the next :meth:`start`."""
        if any(d.device_id == device.device_id for d in self.devices):
            raise ValueError(f"a device with id {device.device_id!r} is already simulated")
        self.devices.append(device)
        return device

    def create(
        self, device_id: str, local_key: str, version: str, **options: Any
    ) -> SimulatedDevice:
        """Build a device (options as :class:`SimulatedDevice`) and :meth:`add` it."""
        return self.add(SimulatedDevice(device_id, local_key, version, **options))

    def __getitem__(self, device_id: str) -> SimulatedDevice:
        for device in self.devices:
            if device.device_id == device_id:
                return device
        raise KeyError(device_id)

    def __iter__(self) -> Iterator[SimulatedDevice]:
        return iter(self.devices)

    def __len__(self) -> int:
        return len(self.devices)

    @property
    def request_port(self) -> int | None:
        """The UDP port answering 0x25 requests for all 3.5 devices, once started."""
        return self._responder.port if self._responder is not None else None

    def _announcements(self) -> list[bytes]:
        return [d.discovery_datagram() for d in self.devices if d.version == "3.5" and d.online]

    async def start(self) -> None:
        """Start every device not yet listening (and the shared request responder)."""
        await asyncio.gather(*(d.start() for d in self.devices if not d.online))
        if self._responder is not None:
            await self._responder.start()

    async def stop(self) -> None:
        """Stop every device."""
        if self._responder is not None:
            await self._responder.stop()
        await asyncio.gather(*(d.stop() for d in self.devices))

    def tick(self, seconds: float = 1.0) -> None:
        """Advance every device's simulated time."""
        for device in self.devices:
            device.tick(seconds)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
