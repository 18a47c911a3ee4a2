"""Incremental stream parser: TCP bytes in, frames out.

Handles frames split across reads, several frames in one read, junk before a
prefix (skipped until the next prefix) and absurd length fields (an error, never a
huge buffer). A bad frame raises a typed error after it has been dropped from the
buffer, so the caller can log it and keep reading.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from .const import MAX_FRAME_SIZE
from .errors import MalformedFrameError, TuyaError
from .frames import (
    PREFIX_55AA,
    PREFIX_6699,
    Frame,
    FrameKeys,
    decode_55aa,
    decode_6699,
)

_U32 = struct.Struct(">I").unpack_from
_WORD_55AA = int.from_bytes(PREFIX_55AA)
_WORD_6699 = int.from_bytes(PREFIX_6699)
# The smallest well-formed frame: a 55AA client frame with an empty payload.
_MIN_FRAME = 24


class FrameParser:
    """Reassembles frames from a byte stream.

    Usage: ``parser.feed(data)`` then ``for frame in parser``; iteration stops when
    more bytes are needed. A frame that fails its checks raises MalformedFrameError or
    WrongKeyError from the iteration; iterating again continues after it.
    """

    __slots__ = ("_buffer", "has_retcode", "keys", "max_frame_size")

    def __init__(
        self,
        keys: FrameKeys | None = None,
        *,
        has_retcode: bool = True,
        max_frame_size: int = MAX_FRAME_SIZE,
    ) -> None:
        self.keys = keys if keys is not None else FrameKeys()
        self.has_retcode = has_retcode
        self.max_frame_size = max_frame_size
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        self._buffer += data

    def __iter__(self) -> Iterator[Frame]:
        return self

    def __next__(self) -> Frame:
        frame = self.next_frame()
        if frame is None:
            raise StopIteration
        return frame

    def next_frame(self) -> Frame | None:
        """The next complete frame, None if more bytes are needed; raises on a bad frame."""
        buffer = self._buffer
        while True:
            available = len(buffer)
            if available < 4:
                return None
            prefix = _U32(buffer)[0]
            if prefix == _WORD_55AA:
                if available < 16:
                    return None
                size = 16 + _U32(buffer, 12)[0]
            elif prefix == _WORD_6699:
                if available < 18:
                    return None
                size = 22 + _U32(buffer, 14)[0]
            else:
                self._skip_to_prefix()
                continue
            if size > self.max_frame_size or size < _MIN_FRAME:
                # Not a real frame start: skip this prefix and resynchronise.
                del buffer[:4]
                raise MalformedFrameError(f"frame length {size} outside 24..{self.max_frame_size}")
            if available < size:
                return None
            raw = bytes(buffer) if available == size else bytes(buffer[:size])
            try:
                frame = (decode_55aa if prefix == _WORD_55AA else decode_6699)(
                    raw, self.keys, self.has_retcode
                )
            except TuyaError:
                # Drop only the prefix: if this was junk that looked like a header, a
                # real frame may start inside it.
                del buffer[:4]
                raise
            if available == size:
                buffer.clear()  # the usual case: one read, one frame
            else:
                del buffer[:size]
            return frame

    def _skip_to_prefix(self) -> None:
        """Drop bytes up to the next prefix, keeping 3 that may start one."""
        buffer = self._buffer
        found = [i for i in (buffer.find(p, 1) for p in (PREFIX_55AA, PREFIX_6699)) if i > 0]
        del buffer[: min(found) if found else max(1, len(buffer) - 3)]
