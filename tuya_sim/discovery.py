"""Discovery datagrams as devices send them, and the UDP endpoints that send them.

Hard rule of this project: the simulator sends UDP to 127.0.0.1 only, never to a
broadcast or LAN address, tests and demos included. :data:`LOOPBACK` is the only
destination the endpoints here accept; a 0x25 request asking for an answer anywhere
else is ignored.

Formats (PROTOCOL.md section 4):

* 3.1: 55AA, cmd 0, retcode 0, plaintext JSON, CRC32 (sent to 6666 by real devices)
* 3.2/3.3: 55AA, cmd 0x13, retcode 0, ECB(udp_key) JSON, CRC32 (6667)
* 3.4: 55AA, cmd 0x23, retcode 0, ECB(udp_key), CRC32 (6667)
* 3.5: 6699, cmd 0x13, seqno 0, GCM(udp_key) of retcode 0 + JSON (6667, and the
  unicast answer to a 0x25 request on 7000)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from custom_components.tuya_lan.tuyalan import (
    UDP_PORT_APP,
    UDP_PORT_ENCRYPTED,
    UDP_PORT_PLAIN,
    Command,
    TuyaError,
)
from custom_components.tuya_lan.tuyalan.codec import (
    UDP_KEY,
    decode_discovery_request,
    ecb_for,
    encode_55aa,
    encode_6699,
    gcm_for,
    json_bytes,
)

_LOGGER = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
# TuyaOpen announces every 5 s (UDP_T_ITRV).
DEFAULT_INTERVAL = 5.0


def default_port(version: str) -> int:
    """The UDP port a real device of ``version`` broadcasts to."""
    return UDP_PORT_PLAIN if version == "3.1" else UDP_PORT_ENCRYPTED


def announcement(
    device_id: str, version: str, *, ip: str = LOOPBACK, product_key: str = ""
) -> dict[str, Any]:
    """The JSON a device announces, with the fields its version sends."""
    info: dict[str, Any] = {
        "ip": ip,
        "gwId": device_id,
        "active": 2,
        "ablilty": 0,  # sic: devices spell it this way
        "encrypt": version != "3.1",
        "productKey": product_key,
        "version": version,
    }
    if version in ("3.4", "3.5"):
        info["token"] = True
        info["wf_cfg"] = True
    if version == "3.5":
        info["uuid"] = device_id[-16:]
        info["clientLink"] = 1
    return info


def build_datagram(
    device_id: str, version: str, *, ip: str = LOOPBACK, product_key: str = ""
) -> bytes:
    """The discovery broadcast of a device, in its version's format."""
    payload = json_bytes(announcement(device_id, version, ip=ip, product_key=product_key))
    if version == "3.5":
        return encode_6699(0, Command.UDP_NEW, payload, gcm_for(UDP_KEY), retcode=0)
    if version == "3.1":
        return encode_55aa(0, Command.UDP, payload, retcode=0)
    cmd = Command.BOARDCAST_LPV34 if version == "3.4" else Command.UDP_NEW
    return encode_55aa(0, cmd, ecb_for(UDP_KEY).encrypt(payload), retcode=0)


class Broadcaster:
    """Sends a device's announcement to 127.0.0.1:``port`` every ``interval`` seconds."""

    def __init__(self, datagram: Callable[[], bytes], port: int, interval: float) -> None:
        self._datagram = datagram
        self.port = port
        self.interval = interval
        self._transport: asyncio.DatagramTransport | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the socket and start announcing (the first one goes out at once)."""
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            _Ignore, remote_addr=(LOOPBACK, self.port)
        )
        self._task = asyncio.create_task(self._run(), name=f"tuya_sim broadcast {self.port}")

    def send_now(self) -> None:
        """One announcement now (tests call this instead of waiting)."""
        if self._transport is not None:
            self._transport.sendto(self._datagram())

    async def _run(self) -> None:
        while True:
            self.send_now()
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        """Stop announcing and close the socket."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class RequestResponder(asyncio.DatagramProtocol):
    """Answers 0x25 discovery requests, as 3.5 devices do on UDP 7000.

    Listens on ``host``:``port`` (a loopback address, 127.0.0.1 unless given: a device
    of its own address answers requests sent to it, as the subnet probe sends them; 0 =
    any free port, see :attr:`port`) and answers to ``<requested ip>:reply_port`` --
    only when the requested ip is 127.0.0.1.
    ``datagrams`` gives the announcements to send (one per device it answers for).
    """

    def __init__(
        self,
        datagrams: Callable[[], list[bytes]],
        port: int = 0,
        reply_port: int = UDP_PORT_APP,
        *,
        host: str = LOOPBACK,
    ) -> None:
        self._datagrams = datagrams
        self.host = host
        self.port = port
        self.reply_port = reply_port
        self._transport: asyncio.DatagramTransport | None = None
        self.requests = 0

    async def start(self) -> None:
        """Bind the listening socket; :attr:`port` then holds the bound port."""
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.host, self.port)
        )
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            ip = decode_discovery_request(data)
        except TuyaError as err:
            _LOGGER.debug("ignored a datagram that is not a discovery request: %s", err)
            return
        self.requests += 1
        if ip != LOOPBACK:
            _LOGGER.warning("not answering a discovery request for %s: loopback only", ip)
            return
        if self._transport is not None:
            for datagram in self._datagrams():
                self._transport.sendto(datagram, (LOOPBACK, self.reply_port))

    async def stop(self) -> None:
        """Close the socket."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class _Ignore(asyncio.DatagramProtocol):
    """The announcing socket receives nothing worth reading (ICMP errors included)."""

    def error_received(self, exc: Exception) -> None:
        # Nobody listening on the port: expected while no scanner runs.
        _LOGGER.debug("discovery datagram not delivered: %s", exc)
