"""The device side of the protocol, byte by byte, without sockets.

Client frames are built with the protocol library's sans-IO client session (and by
hand where the client would never send them); device frames are read back both
through that session and raw, to check what is on the wire: retcodes, seqnos,
headers, encryption.
"""

from __future__ import annotations

import base64
import hashlib
import random
from typing import Any

import pytest

from custom_components.tuya_lan.tuyalan.const import Command
from custom_components.tuya_lan.tuyalan.crypto import ecb_for, gcm_for, hmac_sha256
from custom_components.tuya_lan.tuyalan.frames import Frame, decode_frame, encode_55aa, encode_6699
from custom_components.tuya_lan.tuyalan.protocol import ClientSession, Message, json_bytes
from tuya_sim.session import Action, Close, Control, DeviceSession, Refresh

from .common import DEVICE22_ID, DEVICE_ID, KEY, WRONG_KEY

VERSIONS = ("3.1", "3.2", "3.3", "3.4", "3.5")
DPS: dict[str, Any] = {"1": True, "9": 0, "19": 600}


def make_pair(
    version: str,
    *,
    device22: bool = False,
    client_key: str = KEY,
    dps: dict[str, Any] | None = None,
) -> tuple[ClientSession, DeviceSession]:
    device_id = DEVICE22_ID if device22 else DEVICE_ID
    state = dict(DPS if dps is None else dps)
    device = DeviceSession(
        device_id,
        KEY.encode(),
        version,
        dps=lambda: state,
        device22=device22,
        rng=random.Random(7),
    )
    return ClientSession(device_id, client_key, version), device


def frames(actions: list[Action]) -> list[bytes]:
    return [a for a in actions if isinstance(a, bytes)]


def handshake(client: ClientSession, device: DeviceSession) -> None:
    """Run the 3.4/3.5 session key negotiation between the two."""
    [response] = frames(device.receive(client.start_handshake()))
    client.feed(response)
    [message] = client.messages()
    assert device.receive(client.finish_handshake(message)) == []
    assert device.ready


def connect(version: str, **kwargs: Any) -> tuple[ClientSession, DeviceSession]:
    client, device = make_pair(version, **kwargs)
    if version in ("3.4", "3.5"):
        handshake(client, device)
    return client, device


def read(client: ClientSession, data: bytes) -> Message:
    client.feed(data)
    [message] = client.messages()
    return message


def raw(client: ClientSession, data: bytes) -> Frame:
    """The frame as it is on the wire (payload still encrypted for 55AA)."""
    return decode_frame(data, client.keys, has_retcode=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_query_reply_carries_the_dps_with_retcode_0(version: str):
    client, device = connect(version)
    cmd, seqno, request = client.query_request()
    [reply] = frames(device.receive(request))
    message = read(client, reply)
    assert (message.cmd, message.retcode) == (cmd, 0)
    assert message.dps == DPS
    if version in ("3.4", "3.5"):
        assert message.data is not None
        assert message.data["protocol"] == 4
        assert isinstance(message.data["t"], int)
    else:
        assert message.data == {"devId": DEVICE_ID, "dps": DPS}
    if version != "3.5":
        assert message.seqno == seqno  # 3.1-3.4 echo the request's seqno


def test_31_query_reply_is_plaintext_json():
    client, device = connect("3.1")
    _, _, request = client.query_request()
    [reply] = frames(device.receive(request))
    assert raw(client, reply).payload == json_bytes({"devId": DEVICE_ID, "dps": DPS})


@pytest.mark.parametrize("version", ["3.2", "3.3"])
def test_33_query_reply_is_bare_ecb(version: str):
    client, device = connect(version)
    _, _, request = client.query_request()
    [reply] = frames(device.receive(request))
    payload = raw(client, reply).payload
    assert ecb_for(KEY.encode()).decrypt(payload) == json_bytes({"devId": DEVICE_ID, "dps": DPS})


def test_35_counts_its_own_frames_from_a_random_start():
    client, device = connect("3.5")
    seqnos: list[int] = []
    for _ in range(3):
        _, _, request = client.query_request()
        seqnos.extend(raw(client, f).seqno for f in frames(device.receive(request)))
    push = device.encode_push({"1": False}, serial=5, timestamp=1)
    assert push is not None
    seqnos.append(raw(client, push).seqno)
    # The handshake response took the first number of the counter.
    assert seqnos == list(range(seqnos[0], seqnos[0] + 4))
    assert seqnos[0] not in (1, 2, 3)  # not an echo of the client's seqnos


@pytest.mark.parametrize("version", VERSIONS)
def test_control_is_acked_empty_with_the_same_command(version: str):
    client, device = connect(version)
    cmd, seqno, request = client.control_request({"1": False, "9": 60})
    actions = device.receive(request)
    [ack] = frames(actions)
    assert actions[1:] == [Control({"1": False, "9": 60})]
    frame = raw(client, ack)
    assert (frame.cmd, frame.retcode, frame.payload) == (cmd, 0, b"")
    assert cmd == (Command.CONTROL_NEW if version in ("3.4", "3.5") else Command.CONTROL)
    if version != "3.5":
        assert frame.seqno == seqno


@pytest.mark.parametrize("version", VERSIONS)
def test_heartbeat_is_answered_with_an_empty_frame(version: str):
    client, device = connect(version)
    _, _, request = client.heartbeat_request()
    [reply] = frames(device.receive(request))
    frame = raw(client, reply)
    assert (frame.cmd, frame.retcode, frame.payload) == (Command.HEART_BEAT, 0, b"")


@pytest.mark.parametrize("version", VERSIONS)
def test_update_dps_is_acked_then_refreshed(version: str):
    client, device = connect(version)
    _, _, request = client.update_dps_request([18, 19, 20])
    actions = device.receive(request)
    [ack] = frames(actions)
    assert actions[1:] == [Refresh(["18", "19", "20"])]
    frame = raw(client, ack)
    assert (frame.cmd, frame.retcode, frame.payload) == (Command.UPDATEDPS, 0, b"")


@pytest.mark.parametrize("version", VERSIONS)
def test_push_is_cmd_8_with_the_dps(version: str):
    client, device = connect(version)
    push = device.encode_push({"1": False}, serial=0xBFF9, timestamp=1700000000)
    assert push is not None
    message = read(client, push)
    assert (message.cmd, message.retcode) == (Command.STATUS, 0)
    assert message.dps == {"1": False}
    if version in ("3.4", "3.5"):
        assert message.data == {"protocol": 4, "t": 1700000000, "data": {"dps": {"1": False}}}
    else:
        assert message.data == {
            "devId": DEVICE_ID,
            "dps": {"1": False},
            "t": 1700000000,
            "s": 0xBFF9,
        }
    if version != "3.5":
        assert message.seqno == 0  # pushes are not replies


def test_31_push_is_signed_and_encrypted():
    client, device = connect("3.1")
    push = device.encode_push({"1": False}, serial=1, timestamp=1)
    assert push is not None
    payload = raw(client, push).payload
    assert payload[:3] == b"3.1"
    b64 = payload[19:]
    # Same signature rule as a 3.1 CONTROL (PROTOCOL.md 2.1), checked independently.
    digest = hashlib.md5(b"data=" + b64 + b"||lpv=3.1||" + KEY.encode()).hexdigest()
    assert payload[3:19] == digest[8:24].encode()
    assert ecb_for(KEY.encode()).decrypt(base64.b64decode(b64)).startswith(b'{"devId"')


@pytest.mark.parametrize("version", ["3.2", "3.3"])
def test_33_push_has_the_clear_source_header(version: str):
    client, device = connect(version)
    push = device.encode_push({"1": False}, serial=0xBFF9, timestamp=1)
    assert push is not None
    payload = raw(client, push).payload
    # ver | CRC 0 | serial | source 1, as in the real capture (weather-or-not).
    assert payload[:15] == version.encode() + bytes.fromhex("00000000 0000bff9 00000001")
    assert ecb_for(KEY.encode()).decrypt(payload[15:]).startswith(b'{"devId"')


@pytest.mark.parametrize("version", ["3.4", "3.5"])
def test_34_push_has_the_source_header_inside(version: str):
    client, device = connect(version)
    push = device.encode_push({"1": False}, serial=7, timestamp=1)
    assert push is not None
    payload = raw(client, push).payload
    if version == "3.4":
        assert client._session_key is not None
        payload = ecb_for(client._session_key).decrypt(payload)
    assert payload[:15] == version.encode() + bytes.fromhex("00000000 00000007 00000001")
    assert payload[15:].startswith(b'{"protocol":4')


@pytest.mark.parametrize("version", VERSIONS)
def test_bad_json_gets_data_format_error(version: str):
    client, device = connect(version)
    _, request = client.encode(Command.DP_QUERY, b"{not json")
    [reply] = frames(device.receive(request))
    message = read(client, reply)
    assert (message.retcode, message.text) == (1, "data format error")


@pytest.mark.parametrize("version", VERSIONS)
def test_control_without_dps_is_a_format_error(version: str):
    client, device = connect(version)
    _, request = client.encode(Command.CONTROL, {"devId": DEVICE_ID, "t": "1"})
    actions = device.receive(request)
    [reply] = actions
    assert isinstance(reply, bytes)
    message = read(client, reply)
    assert (message.retcode, message.text) == (1, "data format error")


def test_device22_refuses_the_plain_query():
    client, device = connect("3.3", device22=True)
    _, _, request = client.query_request()
    [reply] = frames(device.receive(request))
    message = read(client, reply)
    assert (message.cmd, message.retcode) == (Command.DP_QUERY, 1)
    assert message.text == "json obj data unvalid"
    assert message.error is not None


def test_device22_answers_a_null_valued_control_new_with_only_those_dps():
    client, device = connect("3.3", device22=True)
    cmd, _, request = client.query_request([1, 19, 42])
    assert cmd == Command.CONTROL_NEW
    actions = device.receive(request)
    [reply] = actions  # an answer, not an ack: nothing to set
    assert isinstance(reply, bytes)
    message = read(client, reply)
    assert (message.cmd, message.retcode) == (Command.CONTROL_NEW, 0)
    assert message.dps == {"1": True, "19": 600}


def test_a_device_with_no_dps_says_so():
    client, device = connect("3.5", dps={})
    _, _, request = client.query_request()
    [reply] = frames(device.receive(request))
    assert read(client, reply).text == "json obj data unvalid"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_repeated_seqno_closes_the_connection(version: str):
    client, device = connect(version)
    _, _, request = client.heartbeat_request()
    assert frames(device.receive(request))
    actions = device.receive(request)  # the very same frame again
    assert len(actions) == 1
    assert isinstance(actions[0], Close)
    assert device.closed
    assert device.receive(client.heartbeat_request()[2]) == []


def test_seqno_zero_is_refused():
    device = make_pair("3.3")[1]
    frame = encode_55aa(0, Command.HEART_BEAT, b"")
    assert isinstance(device.receive(frame)[0], Close)


def test_garbage_between_frames_is_skipped():
    client, device = connect("3.3")
    _, _, first = client.heartbeat_request()
    _, _, second = client.query_request()
    actions = device.receive(b"\x01\x02junk\x00\x00U" + first + b"more junk" + second)
    assert [raw(client, f).cmd for f in frames(actions)] == [Command.HEART_BEAT, Command.DP_QUERY]


def test_split_frames_are_reassembled():
    client, device = connect("3.4")
    _, _, request = client.query_request()
    assert device.receive(request[:10]) == []
    assert len(frames(device.receive(request[10:]))) == 1


# -- the 3.4 / 3.5 handshake ---------------------------------------------------------


@pytest.mark.parametrize("version", ["3.4", "3.5"])
def test_handshake_response_proves_the_key_with_an_ascii_nonce(version: str):
    client, device = make_pair(version)
    start = client.start_handshake()
    [response] = frames(device.receive(start))
    frame = raw(client, response)
    assert (frame.cmd, frame.retcode) == (Command.SESS_KEY_NEG_RESP, 0)
    body = frame.payload
    if version == "3.4":
        assert len(body) == 64  # ECB of 48 bytes, padded
        body = ecb_for(KEY.encode()).decrypt(body)
    nonce, proof = body[:16], body[16:48]
    assert all(chr(c) in "0123456789abcdef" for c in nonce)
    assert proof == hmac_sha256(KEY.encode(), client._client_nonce)


@pytest.mark.parametrize("version", ["3.4", "3.5"])
def test_frames_before_the_key_three_are_dropped_the_fourth_closes(version: str):
    device = make_pair(version)[1]
    key = KEY.encode()
    for seqno in range(1, 5):
        if version == "3.4":
            frame = encode_55aa(seqno, Command.HEART_BEAT, b"", hmac_key=key)
        else:
            frame = encode_6699(seqno, Command.HEART_BEAT, b"", gcm_for(key))
        actions = device.receive(frame)
        if seqno <= 3:
            assert actions == []
        else:
            assert isinstance(actions[0], Close)


@pytest.mark.parametrize("version", ["3.4", "3.5"])
def test_a_handshake_frame_after_the_key_closes(version: str):
    client, device = connect(version)
    client.handshake = type(client.handshake).IDLE  # make the client start again
    actions = device.receive(client.start_handshake())
    assert isinstance(actions[0], Close)


@pytest.mark.parametrize("version", ["3.4", "3.5"])
def test_a_wrong_key_client_is_dropped_at_once(version: str):
    client, device = make_pair(version, client_key=WRONG_KEY)
    actions = device.receive(client.start_handshake())
    assert len(actions) == 1
    assert isinstance(actions[0], Close)


@pytest.mark.parametrize("version", ["3.4", "3.5"])
def test_a_wrong_finish_proof_closes(version: str):
    client, device = make_pair(version)
    [response] = frames(device.receive(client.start_handshake()))
    client.feed(response)
    [message] = client.messages()
    client.finish_handshake(message)  # the client's own, discarded
    key = KEY.encode()
    bad = hmac_sha256(key, b"not the device nonce")
    if version == "3.4":
        frame = encode_55aa(3, Command.SESS_KEY_NEG_FINISH, ecb_for(key).encrypt(bad), hmac_key=key)
    else:
        frame = encode_6699(3, Command.SESS_KEY_NEG_FINISH, bad, gcm_for(key))
    assert isinstance(device.receive(frame)[0], Close)
    assert not device.ready


@pytest.mark.parametrize("version", ["3.4", "3.5"])
def test_no_push_before_the_key(version: str):
    device = make_pair(version)[1]
    assert device.encode_push({"1": True}, serial=1, timestamp=1) is None


# -- wrong keys on versions without a handshake -----------------------------------------


def test_33_wrong_key_gets_an_error_encrypted_with_the_device_key():
    client, device = connect("3.3", client_key=WRONG_KEY)
    _, _, request = client.query_request()
    [reply] = frames(device.receive(request))
    frame = raw(client, reply)
    assert frame.retcode == 1
    assert ecb_for(KEY.encode()).decrypt(frame.payload) == b"data format error"
    assert not device.closed


def test_31_query_needs_no_key_but_control_does():
    client, device = connect("3.1", client_key=WRONG_KEY)
    _, _, query = client.query_request()
    [reply] = frames(device.receive(query))
    assert read(client, reply).dps == DPS  # plaintext: any key reads the status
    _, _, control = client.control_request({"1": False})
    actions = device.receive(control)
    assert not any(isinstance(a, Control) for a in actions)
    [error] = frames(actions)
    message = read(client, error)
    assert message.retcode == 1
    assert "error" in message.text  # clear text, as PROTOCOL.md 3.5 says 3.1 does
