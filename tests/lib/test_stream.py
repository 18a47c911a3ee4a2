"""The stream parser: partial reads, several frames per read, junk, absurd lengths,
and (property-based) arbitrary bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from custom_components.tuya_lan.tuyalan.const import MAX_FRAME_SIZE, Command
from custom_components.tuya_lan.tuyalan.crypto import gcm_for
from custom_components.tuya_lan.tuyalan.errors import MalformedFrameError, TuyaError, WrongKeyError
from custom_components.tuya_lan.tuyalan.frames import (
    PREFIX_55AA,
    PREFIX_6699,
    Frame,
    FrameKeys,
    encode_55aa,
    encode_6699,
)
from custom_components.tuya_lan.tuyalan.protocol import ClientSession
from custom_components.tuya_lan.tuyalan.stream import FrameParser

KEY = b"0123456789abcdef"


def frame(n: int, payload: bytes = b"{}") -> bytes:
    return encode_55aa(n, Command.STATUS, payload, retcode=0)


def drain(parser: FrameParser) -> tuple[list[Frame], list[TuyaError]]:
    """Every frame and error the parser yields from what it has."""
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


def test_frame_split_byte_by_byte() -> None:
    parser = FrameParser()
    data = frame(1, b'{"dps":{"1":true}}')
    for byte in data[:-1]:
        parser.feed(bytes([byte]))
        assert parser.next_frame() is None
    parser.feed(data[-1:])
    assert parser.next_frame() == Frame(1, Command.STATUS, b'{"dps":{"1":true}}', 0)


def test_several_frames_in_one_read() -> None:
    parser = FrameParser()
    parser.feed(frame(1) + frame(2) + frame(3))
    assert [f.seqno for f in parser] == [1, 2, 3]
    assert parser.buffered == 0


def test_junk_before_a_prefix_is_skipped() -> None:
    parser = FrameParser()
    parser.feed(b"\xff\x00\x00\x55garbage" + frame(4) + b"\x00\x00" + frame(5))
    frames, errors = drain(parser)
    assert [f.seqno for f in frames] == [4, 5]
    assert errors == []


def test_absurd_length_is_an_error_and_the_stream_recovers() -> None:
    parser = FrameParser()
    bogus = PREFIX_55AA + b"\x00\x00\x00\x01\x00\x00\x00\x08\xff\xff\xff\xf0"
    parser.feed(bogus + frame(6))
    frames, errors = drain(parser)
    assert [f.seqno for f in frames] == [6]
    assert len(errors) == 1
    assert isinstance(errors[0], MalformedFrameError)
    assert parser.buffered == 0


def test_bad_crc_is_dropped_and_the_next_frame_survives() -> None:
    corrupted = bytearray(frame(7, b"hello"))
    corrupted[-6] ^= 0xFF
    parser = FrameParser()
    parser.feed(bytes(corrupted) + frame(8))
    frames, errors = drain(parser)
    assert [f.seqno for f in frames] == [8]
    assert [type(e) for e in errors] == [MalformedFrameError]


def test_wrong_hmac_key_is_a_key_error() -> None:
    parser = FrameParser(FrameKeys(hmac_key=b"x" * 16))
    parser.feed(encode_55aa(1, Command.STATUS, b"{}", retcode=0, hmac_key=KEY))
    with pytest.raises(WrongKeyError):
        parser.next_frame()


def test_wrong_gcm_key_is_a_key_error() -> None:
    parser = FrameParser(FrameKeys(gcm=gcm_for(b"x" * 16)))
    parser.feed(encode_6699(1, Command.STATUS, b"{}", gcm_for(KEY), retcode=0))
    with pytest.raises(WrongKeyError):
        parser.next_frame()


def test_mixed_prefixes_in_one_stream() -> None:
    parser = FrameParser(FrameKeys(gcm=gcm_for(KEY)))
    parser.feed(frame(1) + encode_6699(2, Command.STATUS, b"{}", gcm_for(KEY), retcode=0))
    assert [f.seqno for f in parser] == [1, 2]


def test_frame_just_under_the_size_limit_is_accepted() -> None:
    payload = b"x" * (MAX_FRAME_SIZE - 28)
    parser = FrameParser()
    parser.feed(frame(1, payload))
    assert parser.next_frame() == Frame(1, Command.STATUS, payload, 0)


prefix_heavy = st.lists(
    st.one_of(
        st.binary(max_size=64),
        st.sampled_from([PREFIX_55AA, PREFIX_6699, frame(3), b"\x00\x00\xaa\x55"]),
        st.builds(lambda n: PREFIX_55AA + bytes(8) + n.to_bytes(4), st.integers(0, 2**32 - 1)),
        st.builds(lambda n: PREFIX_6699 + bytes(10) + n.to_bytes(4), st.integers(0, 2**32 - 1)),
    ),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(chunks=prefix_heavy, split=st.integers(1, 97))
def test_any_bytes_give_frames_or_typed_errors(chunks: list[bytes], split: int) -> None:
    """Never another exception, and the buffer never outgrows one maximal frame."""
    data = b"".join(chunks)
    parser = FrameParser(FrameKeys(gcm=gcm_for(KEY)))
    for i in range(0, len(data), split):
        parser.feed(data[i : i + split])
        drain(parser)
        assert parser.buffered <= MAX_FRAME_SIZE + split


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2048), version=st.sampled_from(["3.1", "3.3", "3.4", "3.5"]))
def test_any_bytes_into_a_session_give_messages_or_typed_errors(data: bytes, version: str):
    session = ClientSession("dev", KEY, version)
    session.feed(data)
    messages = session.messages()
    while True:
        try:
            next(messages)
        except StopIteration:
            break
        except TuyaError:
            messages = session.messages()


@settings(max_examples=200, deadline=None)
@given(payload=st.binary(max_size=300), noise=st.binary(max_size=50))
def test_valid_frames_survive_surrounding_noise(payload: bytes, noise: bytes) -> None:
    """A real frame after noise that holds no prefix is always found."""
    while PREFIX_55AA in noise or PREFIX_6699 in noise:
        noise = noise.replace(PREFIX_55AA, b"").replace(PREFIX_6699, b"")
    parser = FrameParser()
    parser.feed(noise + frame(9, payload))
    frames, _ = drain(parser)
    assert frames[-1] == Frame(9, Command.STATUS, payload, 0)
