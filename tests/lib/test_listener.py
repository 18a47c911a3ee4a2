"""The UDP listener: ports it cannot bind, binding them later, the 0x25 request, junk."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from custom_components.tuya_lan.tuyalan import DiscoveredDevice, build_discovery_request
from custom_components.tuya_lan.tuyalan.discovery import decode_discovery_request
from custom_components.tuya_lan.tuyalan.listener import DiscoveryListener
from tests.loopback import free_udp_ports
from tuya_sim import build_datagram

ID = "bf0123456789abcdef01"


class Collector(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait(data)


async def test_a_held_port_is_bound_once_freed(socket_enabled: None):
    heard: list[DiscoveredDevice] = []
    ports = free_udp_ports(2)
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # no SO_REUSEPORT
    blocker.bind(("127.0.0.1", ports[1]))
    listener = DiscoveryListener(lambda d, _: heard.append(d), "127.0.0.1", ports)
    try:
        await listener.start()
        assert listener.listening_ports == [ports[0]]
        assert list(listener.unavailable_ports) == [ports[1]]
        await listener.start()  # still held: nothing changes, nothing bound twice
        assert listener.listening_ports == [ports[0]]
        blocker.close()
        await listener.start()
        assert sorted(listener.listening_ports) == sorted(ports)
        assert listener.unavailable_ports == {}

        loop = asyncio.get_running_loop()
        sender, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
        )
        try:
            sender.sendto(build_datagram(ID, "3.4"), ("127.0.0.1", ports[1]))
            async with asyncio.timeout(2):
                while not heard:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
        finally:
            sender.close()
        assert heard[0].device_id == ID
    finally:
        blocker.close()
        listener.close()


async def test_request_goes_to_every_target(socket_enabled: None):
    listener = DiscoveryListener(lambda *_: None, "127.0.0.1", free_udp_ports(1))
    assert listener.send_request("127.0.0.1", ("127.0.0.1", 9)) == 0  # not started
    loop = asyncio.get_running_loop()
    collectors = [
        await loop.create_datagram_endpoint(Collector, local_addr=("127.0.0.1", 0))
        for _ in range(2)
    ]
    await listener.start()
    try:
        targets = [t.get_extra_info("sockname") for t, _ in collectors]
        assert listener.send_request("127.0.0.1", *targets) == 2
        for _, collector in collectors:
            data = await asyncio.wait_for(collector.received.get(), 2)
            assert decode_discovery_request(data) == "127.0.0.1"
    finally:
        listener.close()
        for transport, _ in collectors:
            transport.close()


def test_junk_is_logged_requests_are_not(caplog: pytest.LogCaptureFixture):
    heard: list[DiscoveredDevice] = []
    listener = DiscoveryListener(lambda d, _: heard.append(d))
    with caplog.at_level(logging.DEBUG, "custom_components.tuya_lan.tuyalan.listener"):
        listener.datagram_received(build_discovery_request("127.0.0.1"), ("127.0.0.1", 1))
        assert caplog.records == []
        listener.datagram_received(b"\x00\x00U\xaa garbage", ("127.0.0.1", 1))
        listener.datagram_received(b"", ("127.0.0.1", 1))
    assert heard == []
    assert [r.getMessage() for r in caplog.records] == [
        "ignored a 12-byte datagram from 127.0.0.1: frame shorter than its header",
        "ignored a 0-byte datagram from 127.0.0.1: not a Tuya discovery datagram",
    ]
