"""Our codec and tinytuya's pack/unpack read each other's frames, for every version."""

from __future__ import annotations

import pytest
from tinytuya.core import header as tt_header, message_helper as tt

from custom_components.tuya_lan.tuyalan.const import Command
from custom_components.tuya_lan.tuyalan.crypto import gcm_for
from custom_components.tuya_lan.tuyalan.frames import (
    FrameKeys,
    decode_frame,
    encode_55aa,
    encode_6699,
)
from custom_components.tuya_lan.tuyalan.stream import FrameParser

KEY = b"0123456789abcdef"
PAYLOADS = [b"", b"{}", b'{"dps":{"1":true,"9":0}}', bytes(range(256)) * 4]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("hmac_key", [None, KEY], ids=["crc", "hmac"])
@pytest.mark.parametrize("retcode", [None, 0, 1], ids=["client", "ok", "error"])
def test_tinytuya_reads_our_55aa(payload: bytes, hmac_key: bytes | None, retcode: int | None):
    ours = encode_55aa(7, Command.STATUS, payload, retcode=retcode, hmac_key=hmac_key)
    theirs = tt.unpack_message(ours, hmac_key=hmac_key, no_retcode=retcode is None)
    assert theirs.crc_good
    assert (theirs.seqno, theirs.cmd, theirs.payload) == (7, Command.STATUS, payload)
    assert theirs.retcode == (retcode or 0)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("hmac_key", [None, KEY], ids=["crc", "hmac"])
@pytest.mark.parametrize("retcode", [None, 0, 1], ids=["client", "ok", "error"])
def test_we_read_tinytuyas_55aa(payload: bytes, hmac_key: bytes | None, retcode: int | None):
    # tinytuya's 55AA packer takes the retcode as part of the payload.
    body = payload if retcode is None else retcode.to_bytes(4) + payload
    message = tt.TuyaMessage(9, Command.CONTROL, None, body, 0, True, tt_header.PREFIX_55AA_VALUE)
    theirs = tt.pack_message(message, hmac_key=hmac_key)
    assert theirs == encode_55aa(9, Command.CONTROL, payload, retcode=retcode, hmac_key=hmac_key)
    frame = decode_frame(theirs, FrameKeys(hmac_key=hmac_key), has_retcode=retcode is not None)
    assert (frame.seqno, frame.cmd, frame.payload, frame.retcode) == (
        9,
        Command.CONTROL,
        payload,
        retcode,
    )


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("retcode", [None, 0, 1], ids=["client", "ok", "error"])
def test_tinytuya_reads_our_6699(payload: bytes, retcode: int | None):
    ours = encode_6699(0x1234, Command.CONTROL_NEW, payload, gcm_for(KEY), retcode=retcode)
    theirs = tt.unpack_message(ours, hmac_key=KEY, no_retcode=retcode is None)
    assert theirs.crc_good
    assert (theirs.seqno, theirs.cmd, theirs.payload) == (0x1234, Command.CONTROL_NEW, payload)
    if retcode is not None:
        assert theirs.retcode == retcode


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("retcode", [None, 0, 1], ids=["client", "ok", "error"])
def test_we_read_tinytuyas_6699(payload: bytes, retcode: int | None):
    message = tt.TuyaMessage(
        5, Command.DP_QUERY_NEW, retcode, payload, 0, True, tt_header.PREFIX_6699_VALUE, None
    )
    theirs = tt.pack_message(message, hmac_key=KEY)
    frame = decode_frame(theirs, FrameKeys(gcm=gcm_for(KEY)), has_retcode=retcode is not None)
    assert (frame.seqno, frame.cmd, frame.payload, frame.retcode) == (
        5,
        Command.DP_QUERY_NEW,
        payload,
        retcode,
    )


def test_a_stream_of_tinytuya_frames_parses_in_any_split() -> None:
    frames = [
        tt.pack_message(
            tt.TuyaMessage(
                n,
                Command.STATUS,
                None,
                b"\x00\x00\x00\x00" + bytes([n]) * n,
                0,
                True,
                tt_header.PREFIX_55AA_VALUE,
            )
        )
        for n in range(1, 6)
    ]
    stream = b"".join(frames)
    for chunk in (1, 3, 7, 64, len(stream)):
        parser = FrameParser()
        seen = []
        for i in range(0, len(stream), chunk):
            parser.feed(stream[i : i + chunk])
            seen += [(f.seqno, f.payload) for f in parser]
        assert seen == [(n, bytes([n]) * n) for n in range(1, 6)]
