"""Find devices whose broadcasts do not reach us: probe a few address ranges.

(``subnet``, not ``probe``: the package already exports ``probe``, the one-device
connection check of :mod:`.client`, and a submodule of that name would replace it.)

Home Assistant in a container without host networking, devices on another subnet or
VLAN, and 3.5 devices that never announce themselves are all silent to the discovery
listener. For each address of the ranges the user lists, the probe sends the 3.5
discovery request (0x25) unicast to UDP 7000 and tries a TCP connect to 6668. A 3.5
device answers the request with its announcement (its id, version and product key);
any device answers the connect. What answered is returned: the announcement when one
came, else "something listens on 6668" (a handshake proves what it is, later).

Paced: at most ``concurrency`` addresses in flight (a few dozen), each for at most
``timeout`` seconds, so a /24 takes about ``256 / concurrency * timeout`` at worst
(8 x 1 s with the defaults). Bounded: at most :data:`MAX_ADDRESSES` addresses (a /22)
per probe, so a typo (``10.0.0.0/8``) cannot flood a network.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final, Self

from .const import TCP_PORT, UDP_PORT_APP
from .discovery import DiscoveredDevice, build_discovery_request, decode_broadcast
from .errors import TuyaError

_LOGGER = logging.getLogger(__name__)

MAX_ADDRESSES: Final = 1024  # a /22
DEFAULT_CONCURRENCY: Final = 32
MAX_CONCURRENCY: Final = 64
DEFAULT_TIMEOUT: Final = 1.0
# How long announcements are still awaited after the last address was tried: a 3.5
# device answers within milliseconds, a busy one may take a few hundred.
ANSWER_GRACE: Final = 0.5


class ProbeRangeError(TuyaError, ValueError):
    """A range that cannot be probed; ``text`` is the culprit, ``reason`` one of
    ``invalid`` (no address or network), ``too_large`` (more than MAX_ADDRESSES in all)
    or ``not_ipv4``."""

    def __init__(self, reason: str, text: str) -> None:
        self.reason = reason
        self.text = text
        super().__init__(f"cannot probe {text!r}: {reason.replace('_', ' ')}")


def parse_ranges(ranges: Iterable[str]) -> list[ipaddress.IPv4Address]:
    """The addresses of ``ranges`` (CIDR networks or single hosts, one per item or
    separated by commas/blanks), in order, each once. A network's network and
    broadcast addresses are left out (/31 and /32 keep theirs)."""
    addresses: dict[ipaddress.IPv4Address, None] = {}
    for item in ranges:
        for text in item.replace(",", " ").split():
            try:
                network = ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise ProbeRangeError("invalid", text) from None
            if not isinstance(network, ipaddress.IPv4Network):
                raise ProbeRangeError("not_ipv4", text)
            if network.num_addresses > MAX_ADDRESSES:
                raise ProbeRangeError("too_large", text)
            hosts = network.hosts() if network.prefixlen < 31 else iter(network)
            for address in hosts:
                addresses[address] = None
            if len(addresses) > MAX_ADDRESSES:
                raise ProbeRangeError("too_large", text)
    return list(addresses)


@dataclass(frozen=True, slots=True)
class ProbeAnswer:
    """What answered at ``ip``: ``device`` when a discovery answer came from there,
    ``tcp_open`` when something accepted a connection on the TCP port."""

    ip: str
    device: DiscoveredDevice | None = None
    tcp_open: bool = False

    @property
    def device_id(self) -> str | None:
        """The device's id, when its discovery answer gave it."""
        return self.device.device_id if self.device is not None else None


class _Answers(asyncio.DatagramProtocol):
    def __init__(self, probe: SubnetProbe) -> None:
        self._probe = probe

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self._probe.heard(data, str(addr[0]))

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from an address without a 3.5 device: expected.
        _LOGGER.debug("probe: %s", exc)


@dataclass
class SubnetProbe:
    """Probes addresses for Tuya devices; use as ``async with SubnetProbe(...) as p``.

    ``client_ip`` is the address devices are asked to answer to (ours, as they see
    it). Answers arrive on the probe's own socket, bound to ``bind_host``:``answer_port``
    (0: any free port, then see :attr:`answer_port`): real devices answer to UDP 7000,
    where the integration's discovery listener may already be; :meth:`heard` takes
    what that listener hears while a probe runs.
    """

    client_ip: str
    tcp_port: int = TCP_PORT
    request_port: int = UDP_PORT_APP
    bind_host: str = "0.0.0.0"  # noqa: S104 (answers come to the address devices know)
    answer_port: int = 0
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = DEFAULT_TIMEOUT
    answer_grace: float = ANSWER_GRACE
    in_flight: int = 0
    peak_in_flight: int = 0
    _transport: asyncio.DatagramTransport | None = None
    _devices: dict[str, DiscoveredDevice] = field(default_factory=dict)
    _targets: set[str] = field(default_factory=set)
    _answered: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}")

    async def __aenter__(self) -> Self:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Answers(self),
            local_addr=(self.bind_host, self.answer_port),
            family=socket.AF_INET,
        )
        self._transport = transport
        self.answer_port = transport.get_extra_info("sockname")[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def heard(self, data: bytes, source_ip: str) -> None:
        """A datagram from ``source_ip``: kept when it is an announcement from one of
        the addresses being probed (anything else is not an answer to us)."""
        if source_ip not in self._targets:
            return
        try:
            device = decode_broadcast(data)
        except TuyaError as err:
            _LOGGER.debug("probe: not an announcement from %s: %s", source_ip, err)
            return
        self.heard_device(device, source_ip)

    def heard_device(self, device: DiscoveredDevice, source_ip: str) -> bool:
        """An announcement another listener decoded (real devices answer to UDP 7000,
        where the integration's listener is): kept, and True, when ``source_ip`` is
        being probed."""
        if source_ip not in self._targets:
            return False
        # The source address is where the device is: the announced one may be stale
        # (a NAT, a device that moved).
        self._devices[source_ip] = device
        self._answered.set()
        return True

    async def run(self, addresses: Iterable[ipaddress.IPv4Address | str]) -> list[ProbeAnswer]:
        """Probe every address once; the addresses where something answered, in order."""
        if self._transport is None:
            raise RuntimeError("use the probe as an async context manager")
        targets = [str(address) for address in addresses]
        if len(targets) > MAX_ADDRESSES:
            raise ProbeRangeError("too_large", f"{len(targets)} addresses")
        self._targets.update(targets)
        self._devices.clear()
        request = build_discovery_request(self.client_ip)
        pace = asyncio.Semaphore(self.concurrency)
        tcp_open: set[str] = set()

        async def one(ip: str) -> None:
            async with pace:
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                try:
                    # The connect first, closed before the request goes out: a device
                    # takes one client at a time, and whoever acts on its answer (a
                    # handshake) must not find our connection still counted.
                    if await self._connects(ip):
                        tcp_open.add(ip)
                    if self._transport is not None:
                        self._transport.sendto(request, (ip, self.request_port))
                finally:
                    self.in_flight -= 1

        try:
            await asyncio.gather(*(one(ip) for ip in targets))
            # Some listen on TCP but have not answered yet: a 3.5 device may still.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.answer_grace):
                    while not tcp_open <= self._devices.keys():
                        self._answered.clear()
                        await self._answered.wait()
        finally:
            self._targets.difference_update(targets)
        return [
            ProbeAnswer(ip, self._devices.get(ip), ip in tcp_open)
            for ip in targets
            if ip in tcp_open or ip in self._devices
        ]

    async def _connects(self, ip: str) -> bool:
        """True when something accepts a TCP connection at ``ip`` (closed at once)."""
        try:
            async with asyncio.timeout(self.timeout):
                _, writer = await asyncio.open_connection(ip, self.tcp_port)
        except OSError, TimeoutError:
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True


async def probe_addresses(
    addresses: Iterable[ipaddress.IPv4Address | str], *, client_ip: str, **options: object
) -> list[ProbeAnswer]:
    """One probe of ``addresses`` (options as :class:`SubnetProbe`)."""
    async with SubnetProbe(client_ip, **options) as prober:  # type: ignore[arg-type]
        return await prober.run(addresses)
