"""Hostile input to the sans-IO decoders: typed errors only, bounded work, quick resync.

Issue 7, defects 3 and 5: deeply nested JSON in a broadcast or a session frame, fake
frame headers (cheap to reject, never blocking the frames after them) and framed junk
on a connection whose key is already proven.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from custom_components.tuya_lan.tuyalan import (
    MalformedFrameError,
    TuyaError,
    WrongKeyError,
    decode_broadcast,
    protocol,
    stream,
)
from custom_components.tuya_lan.tuyalan.const import MAX_FRAME_SIZE, UDP_KEY, Command
from custom_components.tuya_lan.tuyalan.crypto import ecb_for, gcm_for, hmac_sha256
from custom_components.tuya_lan.tuyalan.frames import (
    PREFIX_55AA,
    PREFIX_6699,
    SUFFIX_55AA,
    Frame,
    FrameKeys,
    encode_55aa,
    encode_6699,
)
from custom_components.tuya_lan.tuyalan.listener import DiscoveryListener
from custom_components.tuya_lan.tuyalan.protocol import ClientSession, Message, derive_session_key
from custom_components.tuya_lan.tuyalan.stream import FrameParser

KEY = b"0123456789abcdef"
OTHER_KEY = b"fedcba9876543210"
CLIENT_NONCE = b"\x11" * 16
DEVICE_NONCE = b"0123456789abcdef"
# Deep enough to exhaust a small thread stack in the standard library's JSON parser,
# and still one UDP datagram.
DEPTH = 20_000


def in_small_stack[T](call: Callable[[], T]) -> T:
    """Run ``call`` in a thread with a 256 KiB stack (musl's default is 128 KiB), where
    recursion runs out long before it does in the main thread; re-raise what it raised."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("ok", call()))
        except BaseException as err:
            outcome.append(("err", err))

    previous = threading.stack_size(256 * 1024)
    try:
        thread = threading.Thread(target=run)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    kind, value = outcome[0]
    if kind == "err":
        raise value
    return value  # type: ignore[no-any-return]


# -- defect 3: broadcast and session JSON ------------------------------------------------

NESTED = [
    b'{"a":' + b"[" * DEPTH + b"]" * DEPTH + b"}",
    b'{"a":' * (DEPTH // 4) + b"1" + b"}" * (DEPTH // 4),
]


@pytest.mark.parametrize(
    "seal",
    [
        lambda p: encode_6699(0, Command.UDP_NEW, p, gcm_for(UDP_KEY), retcode=0),
        lambda p: encode_55aa(0, Command.UDP_NEW, ecb_for(UDP_KEY).encrypt(p), retcode=0),
        lambda p: encode_55aa(0, Command.UDP, p, retcode=0),
    ],
    ids=["3.5", "3.3", "3.1"],
)
@pytest.mark.parametrize("payload", NESTED, ids=["arrays", "objects"])
def test_deeply_nested_broadcast_is_a_typed_error(
    seal: Callable[[bytes], bytes], payload: bytes
) -> None:
    datagram = seal(payload)
    assert len(datagram) < 65_507
    with pytest.raises(MalformedFrameError, match="not JSON"):
        in_small_stack(lambda: decode_broadcast(datagram))


def test_the_listener_lets_nothing_escape_into_the_event_loop() -> None:
    """Not even an error from its callback: a datagram is anyone's input."""
    seen: list[str] = []

    def callback(device: Any, addr: tuple[str, int]) -> None:
        seen.append(device.device_id)
        raise RuntimeError("bug in the callback")

    listener = DiscoveryListener(callback)
    nested = encode_6699(0, Command.UDP_NEW, NESTED[0], gcm_for(UDP_KEY), retcode=0)
    in_small_stack(lambda: listener.datagram_received(nested, ("127.0.0.1", 6667)))
    announcement = json.dumps({"ip": "127.0.0.1", "gwId": "abc", "version": "3.5"}).encode()
    good = encode_6699(0, Command.UDP_NEW, announcement, gcm_for(UDP_KEY), retcode=0)
    listener.datagram_received(good, ("127.0.0.1", 6667))
    assert seen == ["abc"]


@pytest.mark.parametrize("loads", ["orjson", "json"])
def test_deeply_nested_json_in_a_session_frame_is_kept_as_text(
    monkeypatch: pytest.MonkeyPatch, loads: str
) -> None:
    """Whichever JSON parser is in use (the standard library without orjson)."""
    if loads == "json":
        monkeypatch.setattr(protocol, "_json_loads", json.loads)
    session = ClientSession("dev", KEY, "3.3")
    depth = 6000  # a frame holds at most 16 KiB
    payload = b'{"dps":' + b"[" * depth + b"]" * depth + b"}"
    session.feed(encode_55aa(1, Command.STATUS, ecb_for(KEY).encrypt(payload), retcode=0))
    message = in_small_stack(session.next_message)
    assert message is not None
    assert (message.data, message.dps, message.error) == (None, None, None)


@pytest.mark.parametrize(
    "payload",
    [b"[1,2]", b'"on"', b'{"dps":[1]}', b'{"dps":"x"}', b'{"data":[1]}', b'{"data":{"dps":7}}'],
)
def test_json_of_the_wrong_shape_carries_no_dps(payload: bytes) -> None:
    session = ClientSession("dev", KEY, "3.3")
    session.feed(encode_55aa(1, Command.STATUS, ecb_for(KEY).encrypt(payload), retcode=0))
    message = session.next_message()
    assert message is not None
    assert message.dps is None


# -- defect 5a: bounded work per byte ------------------------------------------------------


def count_checked_bytes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes the parser runs whole-frame checks (CRC, HMAC, GCM) over, as they happen."""
    checked = [0]
    for name in ("decode_55aa", "decode_6699"):
        real = getattr(stream, name)

        def counting(data: bytes, keys: FrameKeys, has_retcode: bool, real: Any = real) -> Frame:
            checked[0] += len(data)
            return real(data, keys, has_retcode)  # type: ignore[no-any-return]

        monkeypatch.setattr(stream, name, counting)
    return checked


def drain(parser: FrameParser) -> tuple[list[Frame], list[TuyaError]]:
    frames: list[Frame] = []
    errors: list[TuyaError] = []
    while True:
        try:
            item = parser.next_frame()
        except TuyaError as err:
            errors.append(err)
            continue
        if item is None:
            return frames, errors
        frames.append(item)


def feed_in_reads(parser: FrameParser, data: bytes, read: int = 1024) -> list[Frame]:
    frames: list[Frame] = []
    for i in range(0, len(data), read):
        parser.feed(data[i : i + read])
        frames += drain(parser)[0]
    return frames


@pytest.mark.parametrize("prefix", [PREFIX_55AA, PREFIX_6699])
def test_fake_headers_cost_no_whole_frame_checks(
    monkeypatch: pytest.MonkeyPatch, prefix: bytes
) -> None:
    """Each fake header used to be checked over up to 16 KiB, then only 4 bytes
    dropped; the suffix at its claimed end now rejects it first."""
    checked = count_checked_bytes(monkeypatch)
    rng = __import__("random").Random(7)
    data = bytearray()
    while len(data) < 128 * 1024:
        length = rng.randrange(24, MAX_FRAME_SIZE - 64)
        pad = bytes(8) if prefix == PREFIX_55AA else bytes(10)
        data += prefix + pad + length.to_bytes(4) + os.urandom(rng.randrange(17))
    parser = FrameParser(FrameKeys(gcm=gcm_for(KEY)))
    assert feed_in_reads(parser, bytes(data)) == []
    assert checked[0] == 0


def test_crafted_fake_frames_cost_a_bounded_amount_per_byte(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fake headers whose claimed ends all carry the right suffix: each must be
    checked, but the checks draw on a budget earned by the bytes consumed."""
    checked = count_checked_bytes(monkeypatch)
    block = bytearray(os.urandom(8192))
    for pos in range(0, 8192 - 64, 24):
        claim = 8192 - pos  # every header claims to end at the block's end
        block[pos : pos + 16] = PREFIX_55AA + bytes(8) + (claim - 16).to_bytes(4)
    block[-4:] = SUFFIX_55AA
    data = bytes(block) * 16
    parser = FrameParser()
    feed_in_reads(parser, data)
    assert checked[0] <= stream.CHECK_BYTES_PER_BYTE * len(data) + stream.CHECK_RESERVE
    # Without the budget: every one of the ~340 headers per block hashed ~4 KiB.
    assert checked[0] < 340 * 4096 * 16 // 4


# -- defect 5b: a header that never completes does not block what follows -----------------


def status(seqno: int, payload: bytes = b'{"dps":{"1":true}}') -> bytes:
    return encode_55aa(seqno, Command.STATUS, payload, retcode=0)


@pytest.mark.parametrize("prefix", [PREFIX_55AA, PREFIX_6699])
def test_a_genuine_frame_after_a_fake_header_comes_out_at_once(prefix: bytes) -> None:
    pad = bytes(8) if prefix == PREFIX_55AA else bytes(10)
    fake = prefix + pad + (12_000).to_bytes(4)
    parser = FrameParser()
    parser.feed(fake)
    assert drain(parser) == ([], [])
    parser.feed(status(5))  # the next read: the real reply
    frames, errors = drain(parser)
    assert [f.seqno for f in frames] == [5]
    assert [type(e) for e in errors] == [MalformedFrameError]
    parser.feed(fake + b"junk" + status(6) + status(7))  # all in one read
    assert [f.seqno for f in drain(parser)[0]] == [6, 7]


def test_a_genuine_frame_split_across_reads_is_not_cut_short() -> None:
    """Looking past a pending header must not mistake the frame still arriving."""
    big = status(9, b'{"dps":{"1":"' + b"\x00\x00\x55\xaa" * 500 + b'"}}')
    parser = FrameParser()
    frames = feed_in_reads(parser, big + status(10), read=97)
    assert [f.seqno for f in frames] == [9, 10]


fake_header = st.one_of(
    st.builds(
        lambda n, seq: PREFIX_55AA + seq + n.to_bytes(4),
        st.integers(0, 2**32 - 1),
        st.binary(min_size=8, max_size=8),
    ),
    st.builds(
        lambda n, seq: PREFIX_6699 + seq + n.to_bytes(4),
        st.integers(0, 2**32 - 1),
        st.binary(min_size=10, max_size=10),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    payloads=st.lists(st.binary(max_size=200), min_size=1, max_size=5),
    fakes=st.lists(st.tuples(st.integers(0, 5), fake_header), max_size=4),
    read=st.integers(1, 300),
)
def test_fake_headers_between_frames_never_cost_a_genuine_frame(
    payloads: list[bytes], fakes: list[tuple[int, bytes]], read: int
) -> None:
    frames = [status(i + 1, p) for i, p in enumerate(payloads)]
    chunks: list[bytes] = list(frames)
    for position, fake in sorted(fakes, reverse=True):
        chunks.insert(min(position, len(chunks)), fake)
    parser = FrameParser()
    got = feed_in_reads(parser, b"".join(chunks), read)
    # The last frame may stay behind a fake header after it; every one before comes out.
    assert [f.seqno for f in got][: len(frames) - 1] == list(range(1, len(frames)))
    parser.feed(status(99))
    assert [f.seqno for f in got + drain(parser)[0]] == [*range(1, len(frames) + 1), 99]


# -- defect 5c: framed junk on a connection whose key is proven -----------------------------


def session_35() -> ClientSession:
    session = ClientSession("dev", KEY, "3.5", nonce_factory=lambda _: CLIENT_NONCE)
    session.start_handshake()
    body = DEVICE_NONCE + hmac_sha256(KEY, CLIENT_NONCE)
    session.finish_handshake(Message(Command.SESS_KEY_NEG_RESP, 1, 0, body))
    return session


def device_35(cmd: int, plaintext: bytes, key: bytes | None = None) -> bytes:
    key = key or derive_session_key("3.5", KEY, CLIENT_NONCE, DEVICE_NONCE)
    return encode_6699(3, cmd, plaintext, gcm_for(key), retcode=0)


JUNK_35 = device_35(Command.STATUS, os.urandom(40), key=OTHER_KEY)


def test_framed_junk_after_good_frames_is_malformed_not_a_wrong_key() -> None:
    session = session_35()
    session.feed(device_35(Command.STATUS, b'{"dps":{"1":true}}'))
    assert session.next_message() is not None
    session.feed(JUNK_35 + device_35(Command.STATUS, b'{"dps":{"1":false}}'))
    with pytest.raises(MalformedFrameError, match="does not verify"):
        session.next_message()
    message = session.next_message()
    assert message is not None
    assert message.dps == {"1": False}


def test_a_frame_that_does_not_verify_before_any_good_one_is_a_wrong_key() -> None:
    session = ClientSession("dev", KEY, "3.5")
    session.start_handshake()
    session.feed(encode_6699(1, Command.SESS_KEY_NEG_RESP, os.urandom(48), gcm_for(OTHER_KEY)))
    with pytest.raises(WrongKeyError):
        session.next_message()


def test_frames_that_keep_failing_are_a_key_problem_again() -> None:
    session = session_35()
    session.feed(device_35(Command.STATUS, b'{"dps":{"1":true}}'))
    assert session.next_message() is not None
    session.feed(JUNK_35 * protocol.KEY_FAILURES_IN_A_ROW)
    errors = []
    for _ in range(protocol.KEY_FAILURES_IN_A_ROW):
        with pytest.raises(TuyaError) as caught:
            session.next_message()
        errors.append(type(caught.value))
    assert errors[-1] is WrongKeyError
    assert set(errors[:-1]) == {MalformedFrameError}


def test_a_33_key_is_proven_only_by_a_frame_it_opens() -> None:
    """Until then a frame that does not decrypt still says: wrong key."""
    session = ClientSession("dev", KEY, "3.3")
    bad = encode_55aa(1, Command.STATUS, ecb_for(OTHER_KEY).encrypt(b'{"dps":{}}'), retcode=0)
    good = encode_55aa(2, Command.STATUS, ecb_for(KEY).encrypt(b'{"dps":{}}'), retcode=0)
    session.feed(encode_55aa(3, Command.CONTROL, b"", retcode=0) + bad)
    assert session.next_message() is not None  # an empty ack proves nothing
    with pytest.raises(WrongKeyError):
        session.next_message()
    session.feed(good + bad)
    assert session.next_message() is not None
    with pytest.raises(MalformedFrameError):
        session.next_message()


# -- totality, property-based (small example counts: CI stays fast) -------------------------

hostile_json = st.one_of(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=20,
    ).map(lambda v: json.dumps({"dps": v, "data": v}).encode()),
    st.integers(1, 3000).map(lambda d: b'{"dps":' + b"[" * d + b"]" * d + b"}"),
    st.binary(max_size=64).map(lambda b: b"{" + b),
)


@settings(max_examples=150, deadline=None)
@given(payload=hostile_json, version=st.sampled_from(["3.1", "3.3", "3.5"]))
def test_any_json_in_a_valid_frame_decodes_to_a_message(payload: bytes, version: str) -> None:
    if version == "3.5":
        session = session_35()
        session.feed(device_35(Command.STATUS, payload))
    else:
        session = ClientSession("dev", KEY, version)
        sealed = payload if version == "3.1" else ecb_for(KEY).encrypt(payload)
        session.feed(encode_55aa(1, Command.STATUS, sealed, retcode=0))
    message = session.next_message()
    assert message is not None
    assert message.dps is None or isinstance(message.dps, dict)
    assert message.error is None or isinstance(message.error, TuyaError)


@settings(max_examples=200, deadline=None)
@given(
    payload=st.one_of(hostile_json, st.binary(max_size=300)),
    seal=st.sampled_from(["31", "33", "35", "raw"]),
)
def test_any_datagram_decodes_or_raises_a_typed_error(payload: bytes, seal: str) -> None:
    datagram = {
        "31": lambda: encode_55aa(0, Command.UDP, payload, retcode=0),
        "33": lambda: encode_55aa(0, 0x13, ecb_for(UDP_KEY).encrypt(payload), retcode=0),
        "35": lambda: encode_6699(0, 0x13, payload, gcm_for(UDP_KEY), retcode=0),
        "raw": lambda: payload,
    }[seal]()
    with contextlib.suppress(TuyaError):
        decode_broadcast(datagram)
