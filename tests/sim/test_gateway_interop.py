"""tinytuya 1.20.0 (an independent client that implements gateway children by ``cid``)
against the simulated gateway, on 3.3, 3.4 and 3.5: it reads, controls and refreshes
the children, asks for their presence, and receives a child's push routed to that
child. And the other way, on the same three versions: our TuyaGateway against a
gateway built from tinytuya's framing, session-key negotiation and addressing.

tinytuya is blocking: it runs in a worker thread while the simulator runs on the event
loop, and every tinytuya device is closed in the thread that used it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
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
        # A refresh of one child: acknowledged, then that child's values pushed.
        refreshed = await in_thread(lambda: sensor.updatedps([1, 2]))
        assert refreshed is not None
        assert refreshed["dps"] == {"1": 222, "2": 48}, refreshed
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
# framing (its pack/unpack functions and cipher, its session-key negotiation seen from
# the device's side) and its idea of how children are addressed (what its own child
# devices send): no line of our protocol code in it.

VERSION_HEADERS = {
    "3.3": H.PROTOCOL_33_HEADER,
    "3.4": H.PROTOCOL_34_HEADER,
    "3.5": H.PROTOCOL_35_HEADER,
}


class TinytuyaShapedGateway:
    """A 3.3, 3.4 or 3.5 gateway on 127.0.0.1 that frames, encrypts and addresses
    children as tinytuya expects a gateway to: 3.4/3.5 negotiate a session key as
    tinytuya's client does it (nonces, HMACs, the key derived from their XOR); a child's
    query and write name it by ``cid`` at the top level (tinytuya's child payloads);
    the answers and pushes carry the ``cid`` (at the top level on 3.3, inside ``data``
    on 3.4/3.5, where tinytuya's _process_message looks for it); 3.5 frames are
    numbered by the gateway's own counter (tinytuya does not compare seqnos on 3.5);
    and a query without a cid gets the error many hubs answer ("json obj data
    unvalid", tinytuya's note on device22 detection). It records every request it
    decrypted."""

    def __init__(self, version: str, children: dict[str, dict[str, Any]]) -> None:
        self.version = version
        self.children = children
        self.requests: list[tuple[int, dict[str, Any]]] = []
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        # Each connection's key: the local key, then (3.4/3.5) the negotiated one.
        self._keys: dict[asyncio.StreamWriter, bytes] = {}
        self._seqno = 100
        self._real_key = KEY.encode()
        # The nonces of the negotiation under way (one connection at a time here).
        self._client_nonce = b""
        self._device_nonce = b""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for writer in list(self._keys):
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def push(self, cid: str, dps: dict[str, Any]) -> None:
        """The child changed by itself: the gateway pushes it (STATUS, with its cid)."""
        self.children[cid].update(dps)
        for writer, key in self._keys.items():
            writer.write(self._frame(CT.STATUS, self._report(cid, dps), key))

    def _report(self, cid: str, dps: dict[str, Any]) -> dict[str, Any]:
        if self.version == "3.3":
            return {"cid": cid, "dps": dps, "t": 1}
        return {"protocol": 4, "t": 1, "data": {"cid": cid, "dps": dps}}

    def _frame(
        self, cmd: int, reply: dict[str, Any] | str | bytes | None, key: bytes, seqno: int = 0
    ) -> bytes:
        """A device frame: 55AA with CRC (3.3) or HMAC (3.4), the return code in the
        clear before the payload; 6699 (3.5) with the return code inside the GCM."""
        if reply is None:
            text = b""
        elif isinstance(reply, bytes):
            text = reply
        else:
            text = (reply if isinstance(reply, str) else json.dumps(reply)).encode()
        header = b""
        if text and cmd not in H.NO_PROTOCOL_HEADER_CMDS:
            header = VERSION_HEADERS[self.version]
        retcode = struct.pack(H.MESSAGE_RETCODE_FMT, 0)
        if self.version == "3.5":
            self._seqno += 1  # its own counter, never an echo
            message = TuyaMessage(
                self._seqno, cmd, 0, header + text, 0, True, H.PREFIX_6699_VALUE, True
            )
            return pack_message(message, hmac_key=key)
        if self.version == "3.3":
            self._seqno += 1
            payload = AESCipher(key).encrypt(text, False) if text else b""
            if payload and header:
                payload = header + payload
            message = TuyaMessage(
                self._seqno, cmd, 0, retcode + payload, 0, True, H.PREFIX_55AA_VALUE, False
            )
            return pack_message(message)
        payload = AESCipher(key).encrypt(header + text, False) if text else b""
        message = TuyaMessage(seqno, cmd, 0, retcode + payload, 0, True, H.PREFIX_55AA_VALUE, False)
        return pack_message(message, hmac_key=key)

    def _plaintext(self, payload: bytes, key: bytes) -> bytes:
        """A request's payload decrypted, its version header removed."""
        header = VERSION_HEADERS[self.version]
        if self.version == "3.3" and payload.startswith(H.PROTOCOL_VERSION_BYTES_33):
            payload = payload[len(header) :]
        if payload and self.version in ("3.3", "3.4"):
            payload = AESCipher(key).decrypt(payload, False, decode_text=False)
        if self.version != "3.3" and payload.startswith(header):
            payload = payload[len(header) :]
        return payload

    def _answer(self, cmd: int, plaintext: bytes, key: bytes, seqno: int) -> bytes:
        if cmd == CT.HEART_BEAT:
            return self._frame(cmd, None, key, seqno)
        request = json.loads(plaintext) if plaintext else {}
        assert isinstance(request, dict)
        self.requests.append((cmd, request))
        cid = request.get("cid")
        if cmd == CT.LAN_EXT_STREAM:
            report = {
                "reqType": "subdev_online_stat_report",
                "data": {"online": sorted(self.children), "offline": []},
            }
            return self._frame(cmd, report, key, seqno)
        queries, writes = (CT.DP_QUERY, CT.DP_QUERY_NEW), (CT.CONTROL, CT.CONTROL_NEW)
        if cmd in queries + writes and cid not in self.children:
            return self._frame(cmd, "json obj data unvalid", key, seqno)
        if cmd in queries:
            return self._frame(cmd, self._report(cid, self.children[cid]), key, seqno)
        if cmd in writes:
            written = request.get("dps") or request["data"]["dps"]
            self.children[cid].update(written)
            # The ack, then the change as the child's push.
            ack = self._frame(cmd, None, key, seqno)
            return ack + self._frame(CT.STATUS, self._report(cid, written), key)
        return self._frame(cmd, None, key, seqno)  # UPDATEDPS and the rest: acknowledged

    def _negotiate(self, cmd: int, plaintext: bytes, writer: asyncio.StreamWriter) -> bytes:
        """The device's side of tinytuya's session-key negotiation (3.4/3.5)."""
        real = self._real_key
        if cmd == CT.SESS_KEY_NEG_START:
            self._client_nonce = plaintext[:16]
            self._device_nonce = os.urandom(16)
            proof = hmac.new(real, self._client_nonce, hashlib.sha256).digest()
            return self._frame(CT.SESS_KEY_NEG_RESP, self._device_nonce + proof, real)
        assert cmd == CT.SESS_KEY_NEG_FINISH
        assert plaintext[:32] == hmac.new(real, self._device_nonce, hashlib.sha256).digest()
        mixed = bytes(a ^ b for a, b in zip(self._client_nonce, self._device_nonce, strict=True))
        if self.version == "3.4":
            session_key = AESCipher(real).encrypt(mixed, False, pad=False)
        else:
            sealed = AESCipher(real).encrypt(mixed, False, pad=False, iv=self._client_nonce[:12])
            session_key = sealed[12:28]
        self._keys[writer] = session_key
        return b""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._keys[writer] = self._real_key
        try:
            while True:
                prefix = await reader.readexactly(4)
                head_size = 18 if prefix == H.PREFIX_6699_BIN else 16
                head = prefix + await reader.readexactly(head_size - 4)
                header = parse_header(head)
                extra = 4 if prefix == H.PREFIX_6699_BIN else 0
                body = await reader.readexactly(header.length + extra)
                key = self._keys[writer]
                hmac_key = None if self.version == "3.3" else key
                message = unpack_message(head + body, hmac_key, header=header, no_retcode=True)
                assert message.crc_good
                plaintext = self._plaintext(message.payload, key)
                if message.cmd in (CT.SESS_KEY_NEG_START, CT.SESS_KEY_NEG_FINISH):
                    writer.write(self._negotiate(message.cmd, plaintext, writer))
                else:
                    writer.write(self._answer(message.cmd, plaintext, key, message.seqno))
                await writer.drain()
        except asyncio.IncompleteReadError, ConnectionError:
            pass
        finally:
            del self._keys[writer]
            writer.close()


def _tinytuya_child_request(
    version: str, cmd: int, data: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    """What tinytuya's own child device sends for ``cmd`` on ``version``: the command
    it maps ``cmd`` to, and the payload decoded."""
    parent = tinytuya.Device(GATEWAY_ID, "127.0.0.1", KEY, version=float(version))
    child = tinytuya.OutletDevice(PLUG, cid=PLUG, parent=parent)
    built = child.generate_payload(cmd, data)
    decoded = json.loads(built.payload)
    assert isinstance(decoded, dict)
    return built.cmd, decoded


def _shape(request: dict[str, Any]) -> dict[str, Any]:
    """A request's keys, and those of its ``data`` (where 3.4/3.5 put the DPs)."""
    data = request.get("data")
    return {"keys": set(request), "data": set(data) if isinstance(data, dict) else None}


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_our_gateway_client_works_against_a_tinytuya_shaped_gateway(
    socket_enabled: None, version: str
) -> None:
    """Our TuyaGateway reads and writes the children of a gateway built from tinytuya's
    framing, gets a child's push routed to that child, all over one connection; the
    requests it sends for a child have the shape tinytuya's own child devices send."""
    peer = TinytuyaShapedGateway(version, {PLUG: {"1": True, "9": 0}, SENSOR: {"1": 215, "2": 48}})
    await peer.start()
    gateway = TuyaGateway("127.0.0.1", GATEWAY_ID, KEY, version, port=peer.port)
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
        if version != "3.3":  # the gateway's presence report names both children
            assert await gateway.query_presence() == {PLUG: True, SENSOR: True}
        assert peer.connections == 1  # the children share the gateway's connection
    finally:
        await gateway.close()
    try:
        # The peer is what tinytuya takes for a gateway: its child device reads it.
        parent = tinytuya.Device(
            GATEWAY_ID,
            "127.0.0.1",
            KEY,
            version=float(version),
            port=peer.port,
            connection_timeout=2,
        )
        child = tinytuya.OutletDevice(PLUG, cid=PLUG, parent=parent)
        status = await in_thread(child.status)
        await in_thread(parent.close)
        assert status["dps"] == {"1": False, "9": 0}, status
    finally:
        await peer.stop()

    # The child requests we sent have the shape tinytuya's child devices send.
    ours = {cmd: _shape(request) for cmd, request in peer.requests if request.get("cid") == PLUG}
    for cmd, data in ((CT.DP_QUERY, None), (CT.CONTROL, {"1": False})):
        sent_as, theirs = _tinytuya_child_request(version, cmd, data)
        assert ours[sent_as] == _shape(theirs), (sent_as, theirs)
