"""tinytuya 1.20.0 (an independent client that implements gateway children by ``cid``)
against the simulated gateway: it reads and controls the children, asks for their
presence, and receives a child's push routed to that child. And the other way: our
TuyaGateway against a gateway built from tinytuya's framing and addressing.

tinytuya is blocking: it runs in a worker thread while the simulator runs on the event
loop, and every tinytuya device is closed in the thread that used it.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import tinytuya
from tinytuya.core import command_types as CT, header as H
from tinytuya.core.crypto_helper import AESCipher
from tinytuya.core.message_helper import (
    TuyaMessage,
    pack_message,
    parse_header,
    unpack_message,
)

from custom_components.tuya_lan.tuyalan import DeviceUpdate, TuyaGateway
from tuya_sim import SimulatedGateway

GATEWAY_ID = "bf0123456789abcdgw01"
KEY = "0123456789abcdef"
PLUG = "a4c13800000000p1"
SENSOR = "a4c13800000000s1"


async def in_thread[T](work: Callable[[], T]) -> T:
    return await asyncio.to_thread(work)


@pytest.fixture
async def start_gateway(socket_enabled: None) -> AsyncIterator[Callable[..., Any]]:
    sims: list[SimulatedGateway] = []

    async def start(version: str) -> SimulatedGateway:
        sim = SimulatedGateway(
            GATEWAY_ID,
            KEY,
            version,
            children={PLUG: "plug", SENSOR: "temperature"},
            tick_interval=None,
            seed=1,
        )
        sims.append(sim)
        await sim.start()
        return sim

    yield start
    for sim in sims:
        await sim.stop()


def _tinytuya(sim: SimulatedGateway) -> tuple[tinytuya.Device, tinytuya.OutletDevice, Any]:
    """The gateway and its two children as tinytuya builds them (call in a thread)."""
    parent = tinytuya.Device(
        GATEWAY_ID,
        "127.0.0.1",
        KEY,
        version=float(sim.version),
        port=sim.port,
        persist=True,
        connection_timeout=2,
        connection_retry_limit=1,
        connection_retry_delay=0,
    )
    plug = tinytuya.OutletDevice(PLUG, cid=PLUG, parent=parent)
    sensor = tinytuya.Device(SENSOR, cid=SENSOR, parent=parent)
    return parent, plug, sensor


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_tinytuya_controls_the_simulated_gateways_children(
    start_gateway: Callable[..., Any], version: str
) -> None:
    sim = await start_gateway(version)
    parent, plug, sensor = await in_thread(lambda: _tinytuya(sim))
    try:
        status = await in_thread(plug.status)
        assert status["dps"] == sim.children[PLUG].dps, status
        sensor_status = await in_thread(sensor.status)
        assert sensor_status["dps"] == {"1": 215, "2": 48, "4": 100}, sensor_status

        result = await in_thread(lambda: plug.set_value(1, False))
        assert result is not None
        assert result["dps"] == {"1": False}, result
        assert sim.children[PLUG].dps["1"] is False
        assert sim.children[SENSOR].dps["1"] == 215  # addressed to the plug only

        # A child's change reaches tinytuya as that child's push.
        sim.set_child_dps(SENSOR, {"1": 222})
        pushed = await in_thread(sensor.receive)
        assert pushed is not None
        assert pushed["dps"] == {"1": 222}, pushed
        assert sim.clients == 1  # parent and children share one connection

        if version in ("3.4", "3.5"):
            sim.child_offline(SENSOR)
            # tinytuya reads one frame per call: the split answer comes as two reports.
            reports = [await in_thread(parent.subdev_query) for _ in range(2)]
            reports += [await in_thread(parent.receive) for _ in range(2)]
            online = {cid for r in reports if r for cid in r["data"]["online"]}
            offline = {cid for r in reports if r for cid in r["data"]["offline"]}
            assert online == {PLUG}
            assert offline == {SENSOR}
    finally:
        await in_thread(parent.close)
    await sim.wait_for_clients(0)


# --- the other direction: our TuyaGateway against a gateway built from tinytuya's
# framing (its pack/unpack functions and cipher) and its idea of how children are
# addressed (what its own child devices send): no line of our protocol code in it.


class TinytuyaShapedGateway:
    """A 3.3 gateway on 127.0.0.1 that frames, encrypts and addresses children as
    tinytuya expects a gateway to: a child's query and write name it by ``cid`` at the
    top level, the answers and pushes carry the ``cid``, and a query without one gets
    the error many hubs answer ("json obj data unvalid", tinytuya's note on device22
    detection). It records every request it decrypted."""

    def __init__(self, children: dict[str, dict[str, Any]]) -> None:
        self.children = children
        self.requests: list[tuple[int, dict[str, Any]]] = []
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._seqno = 100
        self._cipher = AESCipher(KEY.encode())

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def push(self, cid: str, dps: dict[str, Any]) -> None:
        """The child changed by itself: the gateway pushes it (STATUS, cid beside dps)."""
        self.children[cid].update(dps)
        for writer in self._writers:
            writer.write(self._frame(CT.STATUS, {"cid": cid, "dps": dps, "t": 1}))

    def _frame(self, cmd: int, reply: dict[str, Any] | str | None) -> bytes:
        payload = b""
        if reply is not None:
            text = reply if isinstance(reply, str) else json.dumps(reply)
            payload = self._cipher.encrypt(text.encode(), False)
            if cmd not in H.NO_PROTOCOL_HEADER_CMDS:
                payload = H.PROTOCOL_33_HEADER + payload
        self._seqno += 1
        # A device's frame starts with its return code (tinytuya's unpack reads it).
        payload = struct.pack(H.MESSAGE_RETCODE_FMT, 0) + payload
        message = TuyaMessage(self._seqno, cmd, 0, payload, 0, True, H.PREFIX_55AA_VALUE, False)
        return pack_message(message)

    def _request(self, payload: bytes) -> dict[str, Any]:
        if payload.startswith(H.PROTOCOL_VERSION_BYTES_33):
            payload = payload[len(H.PROTOCOL_33_HEADER) :]
        if not payload:
            return {}
        decoded = json.loads(self._cipher.decrypt(payload, False))
        assert isinstance(decoded, dict)
        return decoded

    def _answer(self, cmd: int, request: dict[str, Any]) -> bytes:
        cid = request.get("cid")
        if cmd == CT.HEART_BEAT:
            return self._frame(cmd, None)
        if cmd in (CT.DP_QUERY, CT.CONTROL) and cid not in self.children:
            return self._frame(cmd, "json obj data unvalid")
        if cmd == CT.DP_QUERY:
            return self._frame(cmd, {"cid": cid, "dps": self.children[cid], "t": 1})
        if cmd == CT.CONTROL:
            written = {dp: value for dp, value in request["dps"].items()}
            self.children[cid].update(written)
            # The ack, then the change as the child's push.
            return self._frame(cmd, None) + self._frame(
                CT.STATUS, {"cid": cid, "dps": written, "t": 1}
            )
        return self._frame(cmd, None)  # UPDATEDPS and the rest: acknowledged

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        try:
            while True:
                head = await reader.readexactly(16)
                header = parse_header(head)
                body = await reader.readexactly(header.length)
                message = unpack_message(head + body, header=header, no_retcode=True)
                assert message.crc_good
                request = self._request(message.payload)
                self.requests.append((message.cmd, request))
                writer.write(self._answer(message.cmd, request))
                await writer.drain()
        except asyncio.IncompleteReadError, ConnectionError:
            pass
        finally:
            self._writers.remove(writer)
            writer.close()


def _tinytuya_child_request(cmd: int, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """What tinytuya's own child device sends for ``cmd`` (3.3), decoded."""
    parent = tinytuya.Device(GATEWAY_ID, "127.0.0.1", KEY, version=3.3)
    child = tinytuya.OutletDevice(PLUG, cid=PLUG, parent=parent)
    built = child.generate_payload(cmd, data)
    decoded = json.loads(built.payload)
    assert isinstance(decoded, dict)
    return decoded


async def test_our_gateway_client_works_against_a_tinytuya_shaped_gateway(
    socket_enabled: None,
) -> None:
    """Our TuyaGateway reads and writes the children of a gateway built from tinytuya's
    framing, gets a child's push routed to that child, all over one connection; the
    requests it sends for a child have the keys tinytuya's own child devices send."""
    peer = TinytuyaShapedGateway({PLUG: {"1": True, "9": 0}, SENSOR: {"1": 215, "2": 48}})
    await peer.start()
    gateway = TuyaGateway("127.0.0.1", GATEWAY_ID, KEY, "3.3", port=peer.port)
    pushed: dict[str, list[DeviceUpdate]] = {PLUG: [], SENSOR: []}
    arrived = asyncio.Event()

    def recorder(cid: str) -> Callable[[DeviceUpdate], None]:
        def on_update(update: DeviceUpdate) -> None:
            pushed[cid].append(update)
            arrived.set()

        return on_update

    plug = gateway.add_child(PLUG, on_update=recorder(PLUG))
    sensor = gateway.add_child(SENSOR, on_update=recorder(SENSOR))
    try:
        own = await gateway.connect()
        assert dict(own.dps) == {}  # "json obj data unvalid": a gateway with no DPs
        assert dict((await plug.refresh()).dps) == {"1": True, "9": 0}
        assert dict((await sensor.refresh()).dps) == {"1": 215, "2": 48}
        gateway.start()

        await plug.set_dps({"1": False})
        assert peer.children[PLUG]["1"] is False
        assert peer.children[SENSOR] == {"1": 215, "2": 48}  # addressed to the plug only
        async with asyncio.timeout(5):
            while not any(u.pushed.get("1") is False for u in pushed[PLUG]):
                arrived.clear()
                await arrived.wait()
        assert plug.dps["1"] is False

        peer.push(SENSOR, {"1": 222})
        async with asyncio.timeout(5):
            while sensor.dps.get("1") != 222:
                arrived.clear()
                await arrived.wait()
        assert [u.pushed for u in pushed[SENSOR]] == [{"1": 222}]
        assert peer.connections == 1  # the children share the gateway's connection
    finally:
        await gateway.close()
    try:
        # The peer is what tinytuya takes for a gateway: its child device reads it.
        parent = tinytuya.Device(
            GATEWAY_ID, "127.0.0.1", KEY, version=3.3, port=peer.port, connection_timeout=2
        )
        child = tinytuya.OutletDevice(PLUG, cid=PLUG, parent=parent)
        status = await in_thread(child.status)
        await in_thread(parent.close)
        assert status["dps"] == {"1": False, "9": 0}, status
    finally:
        await peer.stop()

    # The child requests we sent have the keys tinytuya's child devices send.
    ours = {cmd: set(request) for cmd, request in peer.requests if request.get("cid") == PLUG}
    assert ours[CT.DP_QUERY] == set(_tinytuya_child_request(CT.DP_QUERY))
    assert ours[CT.CONTROL] == set(_tinytuya_child_request(CT.CONTROL, {"1": False}))
