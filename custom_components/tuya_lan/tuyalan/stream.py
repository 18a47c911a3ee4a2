"""Incremental stream parser: TCP bytes in, frames out.

Handles frames split across reads, several frames in one read, junk before a
prefix (skipped until the next prefix) and absurd length fields (an error, never a
huge buffer). A bad frame raises a typed error after it has been dropped from the
buffer, so the caller can log it and keep reading.
"""

from __future__ import annotations

from collections.abc import Iterator

from .const import MAX_FRAME_SIZE
from .errors import MalformedFrameError, TuyaError
from .frames import (
    PREFIX_55AA,
    PREFIX_6699,
    Frame,
    FrameKeys,
    decode_frame,
    frame_size,
)

_PREFIXES = (PREFIX_55AA, PREFIX_6699)
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
            start = self._find_prefix()
            if start < 0:
                # Keep the last 3 bytes: they may be the start of a prefix.
                del buffer[: max(0, len(buffer) - 3)]
                return None
            if start:
                del buffer[:start]
            size = frame_size(buffer)
            if size is None:
                return None
            if size > self.max_frame_size or size < _MIN_FRAME:
                # Not a real frame start: skip this prefix and resynchronise.
                del buffer[:4]
                raise MalformedFrameError(f"frame length {size} outside 24..{self.max_frame_size}")
            if len(buffer) < size:
                return None
            raw = bytes(buffer[:size])
            try:
                frame = decode_frame(raw, self.keys, has_retcode=self.has_retcode)
            except TuyaError:
                # Drop only the prefix: if this was junk that looked like a header, a
                # real frame may start inside it.
                del buffer[:4]
                raise
            del buffer[:size]
            return frame

    def _find_prefix(self) -> int:
        if self._buffer[:4] in _PREFIXES:  # the usual case: the buffer is aligned
            return 0
        found = [i for i in (self._buffer.find(p) for p in _PREFIXES) if i >= 0]
        return min(found) if found else -1
