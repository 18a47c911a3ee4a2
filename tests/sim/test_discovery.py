"""Discovery datagrams: the right format per version, readable by tinytuya and by us,
sent to 127.0.0.1 only; 3.5 devices answer a 0x25 request."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tinytuya.core.udp_helper import decrypt_udp

from custom_components.tuya_lan.tuyalan import build_discovery_request, decode_broadcast
from custom_components.tuya_lan.tuyalan.const import Command
from tuya_sim import DeviceSimulator, SimulatedDevice, build_datagram
from tuya_sim.discovery import default_port

from .common import DEVICE_ID, KEY, StartDevice

# (version, frame prefix, cmd) per PROTOCOL.md section 4.
FORMATS = [
    ("3.1", "000055aa", Command.UDP),
    ("3.2", "000055aa", Command.UDP_NEW),
    ("3.3", "000055aa", Command.UDP_NEW),
    ("3.4", "000055aa", Command.BOARDCAST_LPV34),
    ("3.5", "00006699", Command.UDP_NEW),
]


@pytest.mark.parametrize(("version", "prefix", "cmd"), FORMATS, ids=[f[0] for f in FORMATS])
def test_datagram_format_per_version(version: str, prefix: str, cmd: int):
    data = build_datagram(DEVICE_ID, version, ip="127.0.0.1", product_key="keyabc")
    assert data[:4].hex() == prefix
    command_offset = 10 if prefix == "00006699" else 8
    assert int.from_bytes(data[command_offset : command_offset + 4]) == cmd
    if version == "3.1":
        assert b'"gwId":"' + DEVICE_ID.encode() in data  # plaintext
    else:
        assert DEVICE_ID.encode() not in data  # encrypted with the UDP key


@pytest.mark.parametrize("version", [f[0] for f in FORMATS])
def test_tinytuya_and_we_decode_the_datagram(version: str):
    data = build_datagram(DEVICE_ID, version, ip="127.0.0.1", product_key="keyabc")
    theirs = json.loads(decrypt_udp(data))
    assert theirs["gwId"] == DEVICE_ID
    assert theirs["version"] == version
    assert theirs["ip"] == "127.0.0.1"
    ours = decode_broadcast(data)
    assert (ours.device_id, ours.ip, ours.version) == (DEVICE_ID, "127.0.0.1", version)
    assert ours.product_key == "keyabc"
    assert ours.raw == theirs


def test_announced_fields_follow_the_version():
    fields_33 = set(json.loads(decrypt_udp(build_datagram(DEVICE_ID, "3.3"))))
    fields_34 = set(json.loads(decrypt_udp(build_datagram(DEVICE_ID, "3.4"))))
    fields_35 = set(json.loads(decrypt_udp(build_datagram(DEVICE_ID, "3.5"))))
    assert fields_33 == {"ip", "gwId", "active", "ablilty", "encrypt", "productKey", "version"}
    assert fields_34 == fields_33 | {"token", "wf_cfg"}
    assert fields_35 == fields_34 | {"uuid", "clientLink"}


def test_default_ports_are_the_real_ones():
    assert default_port("3.1") == 6666
    assert {default_port(v) for v in ("3.2", "3.3", "3.4", "3.5")} == {6667}


class Collector(asyncio.DatagramProtocol):
    """A scanner's socket on 127.0.0.1."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait((data, addr))


async def listen() -> tuple[asyncio.DatagramTransport, Collector]:
    transport, collector = await asyncio.get_running_loop().create_datagram_endpoint(
        Collector, local_addr=("127.0.0.1", 0)
    )
    return transport, collector


@pytest.mark.parametrize("version", ["3.1", "3.5"])
async def test_device_announces_to_loopback(start_device: StartDevice, version: str):
    transport, collector = await listen()
    try:
        port = transport.get_extra_info("sockname")[1]
        device = await start_device(version, discovery_port=port, discovery_interval=60)
        data, (source, _) = await asyncio.wait_for(collector.received.get(), 2)  # at start
        assert source == "127.0.0.1"
        assert decode_broadcast(data).device_id == device.device_id
        device.announce()
        data, _ = await asyncio.wait_for(collector.received.get(), 2)
        assert decode_broadcast(data).version == version
    finally:
        transport.close()


async def test_announced_ip_is_configurable_but_the_destination_is_not(
    start_device: StartDevice,
):
    transport, collector = await listen()
    try:
        port = transport.get_extra_info("sockname")[1]
        await start_device("3.3", discovery_port=port, discovery_ip="192.0.2.50")
        data, (source, _) = await asyncio.wait_for(collector.received.get(), 2)
        assert source == "127.0.0.1"
        assert decode_broadcast(data).ip == "192.0.2.50"  # only the content says so
    finally:
        transport.close()


async def test_35_device_answers_a_discovery_request(start_device: StartDevice):
    transport, collector = await listen()
    try:
        reply_port = transport.get_extra_info("sockname")[1]
        device = await start_device("3.5", request_port=0, request_reply_port=reply_port)
        assert device.request_port
        transport.sendto(build_discovery_request("127.0.0.1"), ("127.0.0.1", device.request_port))
        data, _ = await asyncio.wait_for(collector.received.get(), 2)
        assert decode_broadcast(data).device_id == device.device_id
        assert json.loads(decrypt_udp(data))["version"] == "3.5"
    finally:
        transport.close()


async def test_request_for_another_address_is_not_answered(start_device: StartDevice):
    transport, collector = await listen()
    try:
        reply_port = transport.get_extra_info("sockname")[1]
        device = await start_device("3.5", request_port=0, request_reply_port=reply_port)
        assert device.request_port
        responder = device._responder
        assert responder is not None
        assert responder._transport is not None
        sent_to: list[Any] = []
        real_sendto = responder._transport.sendto

        def spy(data: bytes, addr: Any = None) -> None:
            sent_to.append(addr)
            real_sendto(data, addr)

        responder._transport.sendto = spy  # type: ignore[method-assign,assignment]
        transport.sendto(build_discovery_request("192.0.2.20"), ("127.0.0.1", device.request_port))
        transport.sendto(b"not a request", ("127.0.0.1", device.request_port))
        transport.sendto(build_discovery_request("127.0.0.1"), ("127.0.0.1", device.request_port))
        data, _ = await asyncio.wait_for(collector.received.get(), 2)
        # Only the loopback request got an answer; the junk was not even counted.
        assert decode_broadcast(data).device_id == device.device_id
        assert sent_to == [("127.0.0.1", reply_port)]
        assert responder.requests == 2
    finally:
        transport.close()


async def test_simulator_answers_once_for_every_35_device(socket_enabled: None):
    transport, collector = await listen()
    reply_port = transport.get_extra_info("sockname")[1]
    simulator = DeviceSimulator(request_port=0, request_reply_port=reply_port)
    for index, version in enumerate(["3.5", "3.3", "3.5"]):
        simulator.add(
            SimulatedDevice(f"bf0123456789abcdef0{index}", KEY, version, tick_interval=None)
        )
    try:
        async with simulator:
            assert simulator.request_port
            transport.sendto(
                build_discovery_request("127.0.0.1"), ("127.0.0.1", simulator.request_port)
            )
            answers = set()
            for _ in range(2):
                data, _ = await asyncio.wait_for(collector.received.get(), 2)
                answers.add(decode_broadcast(data).device_id)
            assert answers == {"bf0123456789abcdef00", "bf0123456789abcdef02"}
    finally:
        transport.close()
