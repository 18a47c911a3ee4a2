"""Every public captured or library frame in tests/fixtures/vectors decodes (and, where
we produce the same bytes, encodes) exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.tuya_lan.tuyalan import MalformedFrameError, decode_broadcast
from custom_components.tuya_lan.tuyalan.const import UDP_KEY, Command
from custom_components.tuya_lan.tuyalan.crypto import ecb_for, gcm_for
from custom_components.tuya_lan.tuyalan.discovery import (
    build_discovery_request,
    decode_discovery_request,
)
from custom_components.tuya_lan.tuyalan.frames import (
    Frame,
    FrameKeys,
    decode_frame,
    encode_55aa,
    encode_6699,
)
from custom_components.tuya_lan.tuyalan.protocol import (
    ClientSession,
    derive_session_key,
)
from custom_components.tuya_lan.tuyalan.stream import FrameParser

from .vectors import VECTORS, load_vector, vector_key


def test_every_vector_is_exercised() -> None:
    """A vector added to the fixtures without a test here fails this test."""
    exercised = {
        "udp_v33_hass_localtuya_broadcast",
        "udp_v34_hass_localtuya_broadcast",
        "udp_v35_hass_localtuya_broadcast",
        "udp_v35_req_devinfo_generated",
        "v31_frame_pythontuyaasync_dpquery_reply",
        "v31_frame_pythontuyaasync_status_truncated",
        "v31_frame_rustasync_two_frames",
        "v31_frame_rusttuyapi_heartbeat_reply",
        "v31_payload_tuyapi_gw_id_invalid",
        "v31_payload_tuyapi_status",
        "v33_frame_rusttuyapi_control",
        "v33_frame_rusttuyapi_data_format_error",
        "v33_frames_weather_or_not_real_capture",
        "v34_frame_openhab_sess_key_neg_resp",
        "v34_frame_openhab_sess_key_neg_start",
        "v34_session_key_openhab",
    }
    assert {p.stem for p in VECTORS.glob("*.json")} == exercised


@pytest.mark.parametrize(
    "name",
    [
        "v31_frame_pythontuyaasync_dpquery_reply",
        "v31_frame_rusttuyapi_heartbeat_reply",
        "v33_frame_rusttuyapi_control",
        "v33_frame_rusttuyapi_data_format_error",
    ],
)
def test_device_frames_decode_through_the_session(name: str) -> None:
    vector = load_vector(name)
    key = vector_key(vector) if (vector.get("key_hex") or vector.get("key")) else bytes(16)
    session = ClientSession("any", key, vector["version"].split()[0])
    session.feed(bytes.fromhex(vector["packet_hex"]))
    (message,) = list(session.messages())
    assert (message.seqno, message.cmd, message.retcode) == (
        vector["seq"],
        vector["cmd"],
        vector["retcode"],
    )
    assert message.text == vector["expected_plaintext"]
    if vector["retcode"]:
        assert message.error is not None
        assert message.error.text == "data format error"
    else:
        assert message.error is None


def test_v31_plaintext_query_reply_gives_dps() -> None:
    vector = load_vector("v31_frame_pythontuyaasync_dpquery_reply")
    session = ClientSession("05200058dc4f22850214", b"453c43bc759a1b35", "3.1")
    session.feed(bytes.fromhex(vector["packet_hex"]))
    (message,) = list(session.messages())
    assert message.dps == {"1": False, "11": 0}


def test_v31_frame_encodes_identically() -> None:
    vector = load_vector("v31_frame_pythontuyaasync_dpquery_reply")
    payload = vector["expected_plaintext"].encode()
    frame = encode_55aa(vector["seq"], vector["cmd"], payload, retcode=vector["retcode"])
    assert frame.hex() == vector["packet_hex"]


def test_v31_two_frames_in_one_read() -> None:
    vector = load_vector("v31_frame_rustasync_two_frames")
    parser = FrameParser()
    parser.feed(bytes.fromhex(vector["packet_hex"]))
    frames = list(parser)
    assert [(f.seqno, f.cmd, f.retcode, f.payload) for f in frames] == [
        (f["seq"], f["cmd"], f["retcode"], bytes.fromhex(f["payload"])) for f in vector["frames"]
    ]


def open_31(vector: dict[str, Any]) -> str:
    """The payload as a 3.1 session reads it from a device's frame."""
    session = ClientSession("002004265ccf7fb1b659", vector_key(vector), "3.1")
    frame = Frame(1, Command.STATUS, vector["payload_ascii"].encode(), 0)
    return session.decode(frame).payload.decode()


def test_v31_signed_payload_decrypts() -> None:
    vector = load_vector("v31_payload_tuyapi_status")
    assert open_31(vector) == vector["expected_plaintext"]


def test_v31_signed_payload_encodes_identically() -> None:
    """Our 3.1 CONTROL signing reproduces tuyapi's payload, MD5 slice included."""
    vector = load_vector("v31_payload_tuyapi_status")
    session = ClientSession("002004265ccf7fb1b659", vector_key(vector), "3.1")
    _, frame = session.encode(Command.CONTROL, vector["expected_plaintext"].encode())
    payload = decode_frame(frame, FrameKeys(), has_retcode=False).payload
    assert payload.decode() == vector["payload_ascii"]


def test_v31_error_text_payload_decrypts() -> None:
    vector = load_vector("v31_payload_tuyapi_gw_id_invalid")
    assert open_31(vector) == vector["expected_plaintext"]


def test_v31_truncated_push_is_incomplete_not_an_error() -> None:
    """A frame cut short waits for more bytes; its first blocks decrypt with the key."""
    vector = load_vector("v31_frame_pythontuyaasync_status_truncated")
    packet = bytes.fromhex(vector["packet_hex"])
    parser = FrameParser()
    parser.feed(packet)
    assert list(parser) == []
    assert parser.buffered == len(packet)
    ciphertext = bytes.fromhex(vector["first_64_ciphertext_bytes_hex"])
    plain = ecb_for(vector_key(vector)).decrypt(ciphertext, unpad=False)
    assert plain.decode() == vector["expected_plaintext_prefix_of_first_64_bytes"]


@pytest.mark.parametrize("capture", ["status_push_1", "status_push_8", "error_reply"])
def test_v33_real_capture_frames_verify(capture: str) -> None:
    frame_vector = load_vector("v33_frames_weather_or_not_real_capture")["frames"][capture]
    frame = decode_frame(bytes.fromhex(frame_vector["packet_hex"]), FrameKeys(), has_retcode=True)
    assert (frame.seqno, frame.cmd, frame.retcode) == (
        frame_vector["seq"],
        frame_vector["cmd"],
        frame_vector["retcode"],
    )
    assert frame.payload[:15].hex() == frame_vector["first15_hex"]


def test_v34_session_key_derivation() -> None:
    vector = load_vector("v34_session_key_openhab")
    key = derive_session_key(
        "3.4",
        vector_key(vector),
        bytes.fromhex(vector["client_nonce_hex"]),
        bytes.fromhex(vector["device_nonce_hex"]),
    )
    assert key.hex() == vector["expected_session_key_hex"]


def test_v34_handshake_start_encodes_identically() -> None:
    vector = load_vector("v34_frame_openhab_sess_key_neg_start")
    nonce = bytes.fromhex(vector["expected_plaintext_hex"])
    session = ClientSession("any", vector_key(vector), "3.4", nonce_factory=lambda _: nonce)
    assert session.start_handshake().hex() == vector["packet_hex"]


def test_v34_handshake_response_verifies_and_decrypts() -> None:
    vector = load_vector("v34_frame_openhab_sess_key_neg_resp")
    key = vector_key(vector)
    frame = decode_frame(
        bytes.fromhex(vector["packet_hex"]), FrameKeys(hmac_key=key), has_retcode=True
    )
    assert (frame.seqno, frame.cmd, frame.retcode) == (vector["seq"], 4, 0)
    assert ecb_for(key).decrypt(frame.payload).hex() == vector["expected_plaintext_hex"]


@pytest.mark.parametrize("version", ["33", "34", "35"])
def test_real_broadcasts_decode(version: str) -> None:
    vector = load_vector(f"udp_v{version}_hass_localtuya_broadcast")
    device = decode_broadcast(bytes.fromhex(vector["packet_hex"]))
    assert device.raw == json.loads(vector["expected_plaintext"])
    assert device.version == vector["version"]
    assert device.device_id == device.raw["gwId"]
    assert device.ip == device.raw["ip"]
    assert device.product_key == device.raw["productKey"]


def test_discovery_request_vector_round_trips() -> None:
    vector = load_vector("udp_v35_req_devinfo_generated")
    packet = bytes.fromhex(vector["packet_hex"])
    assert decode_discovery_request(packet) == json.loads(vector["expected_plaintext"])["ip"]
    iv = bytes.fromhex(vector["iv_hex"])
    plaintext = vector["expected_plaintext"].encode()
    assert encode_6699(0, Command.REQ_DEVINFO, plaintext, gcm_for(UDP_KEY), nonce=iv) == packet
    rebuilt = build_discovery_request(decode_discovery_request(packet))
    assert decode_discovery_request(rebuilt) == decode_discovery_request(packet)


def test_garbage_is_not_a_broadcast() -> None:
    with pytest.raises(MalformedFrameError):
        decode_broadcast(b"\x00\x01garbage")
