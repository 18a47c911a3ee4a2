"""Sans-IO encoding and decoding of single 55AA (3.1-3.4) and 6699 (3.5) frames.

A frame's payload here is what sits between the header (and retcode) and the
integrity trailer: still encrypted for 55AA frames, already decrypted for 6699
frames, whose encryption is their integrity check. Payload ciphers (ECB, the 3.1
signature, the version header) live in :mod:`protocol`.
"""

from __future__ import annotations

import hmac
import os
import struct
import zlib
from dataclasses import dataclass
from typing import NamedTuple

from .crypto import GCM_NONCE_SIZE, GCM_TAG_SIZE, HMAC_SIZE, AesGcm, hmac_sha256
from .errors import MalformedFrameError, WrongKeyError

PREFIX_55AA = b"\x00\x00\x55\xaa"
SUFFIX_55AA = b"\x00\x00\xaa\x55"
PREFIX_6699 = b"\x00\x00\x66\x99"
SUFFIX_6699 = b"\x00\x00\x99\x66"

_HEADER_55AA = struct.Struct(">4sIII")  # prefix, seqno, cmd, length
_HEADER_6699 = struct.Struct(">4sHIII")  # prefix, reserved, seqno, cmd, length
_RETCODE = struct.Struct(">I")
_CRC = struct.Struct(">I")

HEADER_55AA_SIZE = _HEADER_55AA.size  # 16
HEADER_6699_SIZE = _HEADER_6699.size  # 18
SUFFIX_SIZE = 4
RETCODE_SIZE = 4


class Frame(NamedTuple):
    """One decoded frame.

    ``retcode`` is None for frames a client sends (they carry none) and an int for
    frames a device sends. ``payload`` excludes the retcode.
    """

    seqno: int
    cmd: int
    payload: bytes
    retcode: int | None = None


@dataclass(slots=True)
class FrameKeys:
    """What a connection currently checks and seals frames with.

    ``hmac_key`` selects the 3.4 HMAC-SHA256 trailer (otherwise CRC32); ``gcm`` is the
    3.5 cipher. Both switch from the real key to the session key after the handshake.
    """

    hmac_key: bytes | None = None
    gcm: AesGcm | None = None


def encode_55aa(
    seqno: int,
    cmd: int,
    payload: bytes,
    *,
    retcode: int | None = None,
    hmac_key: bytes | None = None,
) -> bytes:
    """Build a 55AA frame: CRC32 trailer, or HMAC-SHA256 when ``hmac_key`` is given."""
    body = payload if retcode is None else _RETCODE.pack(retcode) + payload
    trailer_size = HMAC_SIZE if hmac_key is not None else _CRC.size
    length = len(body) + trailer_size + SUFFIX_SIZE
    head = _HEADER_55AA.pack(PREFIX_55AA, seqno, cmd, length) + body
    trailer = hmac_sha256(hmac_key, head) if hmac_key is not None else _CRC.pack(zlib.crc32(head))
    return head + trailer + SUFFIX_55AA


def encode_6699(
    seqno: int,
    cmd: int,
    plaintext: bytes,
    gcm: AesGcm,
    *,
    retcode: int | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """Build a 6699 frame sealed with AES-GCM; the nonce is fresh and random per frame."""
    if nonce is None:
        nonce = os.urandom(GCM_NONCE_SIZE)
    body = plaintext if retcode is None else _RETCODE.pack(retcode) + plaintext
    length = GCM_NONCE_SIZE + len(body) + GCM_TAG_SIZE
    header = _HEADER_6699.pack(PREFIX_6699, 0, seqno, cmd, length)
    sealed = gcm.encrypt(nonce, body, header[4:])
    return header + nonce + sealed + SUFFIX_6699


class ForeignFrameError(WrongKeyError):
    """A 6699 (3.5) frame where no GCM key is set. A device taking it from a client
    treats it like a frame that fails its tag; a 3.1-3.4 client session takes it for
    junk: it says nothing about a key that never was a GCM key there."""


def decode_frame(data: bytes, keys: FrameKeys, *, has_retcode: bool) -> Frame:
    """Decode one complete frame, verifying its CRC32, HMAC or GCM tag.

    ``has_retcode`` is True for frames a device sent. Raises MalformedFrameError for a
    frame that is not well formed or fails its CRC, WrongKeyError for a frame whose
    HMAC or GCM tag does not verify with ``keys``.
    """
    prefix = data[:4]
    if prefix == PREFIX_55AA:
        return decode_55aa(data, keys, has_retcode)
    if prefix == PREFIX_6699:
        return decode_6699(data, keys, has_retcode)
    raise MalformedFrameError(f"unknown frame prefix {prefix.hex()}")


def decode_55aa(data: bytes, keys: FrameKeys, has_retcode: bool) -> Frame:
    """Decode a frame known to start with the 55AA prefix (see decode_frame)."""
    size = len(data)
    if size < HEADER_55AA_SIZE:
        raise MalformedFrameError("frame shorter than its header")
    _, seqno, cmd, length = _HEADER_55AA.unpack_from(data)
    hmac_key = keys.hmac_key
    body_end = size - SUFFIX_SIZE - (HMAC_SIZE if hmac_key is not None else _CRC.size)
    start = HEADER_55AA_SIZE + RETCODE_SIZE if has_retcode else HEADER_55AA_SIZE
    if size != HEADER_55AA_SIZE + length or body_end < start:
        raise MalformedFrameError(f"length field {length} does not fit a {size}-byte frame")
    if data[-SUFFIX_SIZE:] != SUFFIX_55AA:
        raise MalformedFrameError("missing 0000AA55 suffix")
    if hmac_key is None:
        if zlib.crc32(data[:body_end]) != int.from_bytes(data[body_end : body_end + 4]):
            raise MalformedFrameError("frame CRC32 does not match")
    elif not hmac.compare_digest(
        hmac_sha256(hmac_key, data[:body_end]), data[body_end : size - SUFFIX_SIZE]
    ):
        raise WrongKeyError("frame HMAC does not verify (wrong local key?)")
    retcode = int.from_bytes(data[16:20]) if has_retcode else None
    return Frame(seqno, cmd, data[start:body_end], retcode)


def decode_6699(data: bytes, keys: FrameKeys, has_retcode: bool) -> Frame:
    """Decode a frame known to start with the 6699 prefix (see decode_frame)."""
    if len(data) < HEADER_6699_SIZE:
        raise MalformedFrameError("frame shorter than its header")
    _, _, seqno, cmd, length = _HEADER_6699.unpack_from(data)
    if (
        len(data) != HEADER_6699_SIZE + length + SUFFIX_SIZE
        or length < GCM_NONCE_SIZE + GCM_TAG_SIZE
    ):
        raise MalformedFrameError(f"length field {length} does not fit a {len(data)}-byte frame")
    if data[-SUFFIX_SIZE:] != SUFFIX_6699:
        raise MalformedFrameError("missing 00009966 suffix")
    if keys.gcm is None:
        raise ForeignFrameError("a 3.5 frame arrived but no key is set to open it")
    nonce = data[HEADER_6699_SIZE : HEADER_6699_SIZE + GCM_NONCE_SIZE]
    sealed = data[HEADER_6699_SIZE + GCM_NONCE_SIZE : -SUFFIX_SIZE]
    plaintext = keys.gcm.decrypt(bytes(nonce), bytes(sealed), bytes(data[4:HEADER_6699_SIZE]))
    retcode = None
    if has_retcode:
        if len(plaintext) < RETCODE_SIZE:
            raise MalformedFrameError("3.5 device frame too short for its retcode")
        # Tuya's own firmware writes this in host byte order: only zero/non-zero matters.
        (retcode,) = _RETCODE.unpack_from(plaintext)
        plaintext = plaintext[RETCODE_SIZE:]
    return Frame(seqno, cmd, plaintext, retcode)
