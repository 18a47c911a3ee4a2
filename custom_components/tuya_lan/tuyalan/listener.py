"""Asyncio UDP listener for discovery broadcasts on ports 6666, 6667 and 7000."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .const import UDP_PORTS
from .discovery import (
    DiscoveredDevice,
    build_discovery_request,
    decode_broadcast,
    decode_discovery_request,
)
from .errors import TuyaError

_LOGGER = logging.getLogger(__name__)

type DiscoveryCallback = Callable[[DiscoveredDevice, tuple[str, int]], None]


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, listener: DiscoveryListener) -> None:
        self._listener = listener

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self._listener.datagram_received(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        # A request sent to an unreachable network, or an ICMP error: nothing to do.
        _LOGGER.debug("UDP error: %s", exc)


@dataclass
class DiscoveryListener:
    """Listens for device announcements and hands each decoded one to ``callback``.

    Ports already taken (by another Tuya integration or tool) are reported in
    :attr:`unavailable_ports` instead of failing: the others still listen.
    """

    callback: DiscoveryCallback
    host: str = "0.0.0.0"  # noqa: S104 (broadcasts arrive on every interface)
    ports: Iterable[int] = UDP_PORTS
    unavailable_ports: dict[int, str] = field(default_factory=dict)
    _transports: list[asyncio.DatagramTransport] = field(default_factory=list)

    async def start(self) -> None:
        """Bind every port that can be bound (again: the ports not bound yet).

        A port that cannot be bound is recorded in :attr:`unavailable_ports` with the
        reason; calling :meth:`start` later retries just those.
        """
        loop = asyncio.get_running_loop()
        bound = set(self.listening_ports)
        for port in self.ports:
            if port in bound:
                continue
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Datagrams(self),
                    local_addr=(self.host, port),
                    family=socket.AF_INET,
                    reuse_port=True,
                    allow_broadcast=True,
                )
            except OSError as err:
                self.unavailable_ports[port] = err.strerror or str(err)
                _LOGGER.debug("cannot listen on UDP %s: %s", port, err)
                continue
            self.unavailable_ports.pop(port, None)
            self._transports.append(transport)

    @property
    def listening_ports(self) -> list[int]:
        """The ports actually bound."""
        return [t.get_extra_info("sockname")[1] for t in self._transports]

    def send_request(self, client_ip: str, *targets: tuple[str, int]) -> int:
        """Send the 0x25 request that makes 3.5 devices answer, from a bound socket.

        3.5 devices answer to ``client_ip`` on UDP 7000, whatever the request's source.
        Returns how many requests went out (none when no port is bound).
        """
        if not self._transports:
            return 0
        request = build_discovery_request(client_ip)
        for target in targets:
            self._transports[0].sendto(request, target)
        return len(targets)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        """Decode one datagram; anything that is not an announcement is ignored.

        Nothing raised here may reach the event loop: a datagram is anyone's input.
        The decoder raises only typed errors; the broad catches are a second net
        for a decoder bug and for the callback, logged once each time with its cause.
        """
        try:
            device = decode_broadcast(data)
        except TuyaError as err:
            if _is_request(data):
                return  # a 0x25 request (ours, looped back, or another app's)
            _LOGGER.debug("ignored a %d-byte datagram from %s: %s", len(data), addr[0], err)
            return
        except Exception:
            _LOGGER.exception("could not decode a %d-byte datagram from %s", len(data), addr[0])
            return
        try:
            self.callback(device, addr)
        except Exception:
            _LOGGER.exception("error in the discovery callback for %s", device.device_id)

    def close(self) -> None:
        """Stop listening."""
        for transport in self._transports:
            transport.close()
        self._transports.clear()


def _is_request(data: bytes) -> bool:
    try:
        decode_discovery_request(data)
    except Exception:  # only a well-formed request counts
        return False
    return True
