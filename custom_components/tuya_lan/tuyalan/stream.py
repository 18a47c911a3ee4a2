"""Incremental stream parser: TCP bytes in, frames out.

Handles frames split across reads, several frames in one read, junk before a
prefix (skipped until the next prefix) and absurd length fields (an error, never a
huge buffer). A bad frame raises a typed error after it has been dropped from the
buffer, so the caller can log it and keep reading.

Hostile input is bounded in cost and cannot block the stream:

* A candidate frame is checked cheaply first (length in range, the suffix at the
  claimed end) and only then over its whole length (CRC32, HMAC or GCM). Whole-length
  checks draw on a budget that grows with the bytes the parser consumes, so the
  work per byte stays bounded even for a stream of fake headers crafted to carry the
  right suffix at their claimed ends; a candidate the budget cannot pay for is
  dropped as malformed. Accidental junk never gets there: it needs a prefix and a
  suffix at the right distance, about 2^-64 per position.
* A header whose frame has not yet arrived in full does not block what follows it:
  while waiting, the parser looks past it for a complete frame that passes every
  check. One found inside the span the pending header claims proves that header was
  junk (a genuine frame cannot contain another that verifies, short of forging a
  CRC, HMAC or GCM tag inside its own payload), so the junk is dropped and the
  frame delivered at once, instead of after the rest of a fake length arrives.
"""

from __future__ import annotations

import heapq
import re
import struct
from collections.abc import Iterator

from .const import MAX_FRAME_SIZE
from .errors import FrameTooLargeError, MalformedFrameError, TuyaError
from .frames import (
    PREFIX_55AA,
    PREFIX_6699,
    SUFFIX_55AA,
    SUFFIX_6699,
    Frame,
    FrameKeys,
    decode_55aa,
    decode_6699,
)

_U32 = struct.Struct(">I").unpack_from
_WORD_55AA = int.from_bytes(PREFIX_55AA)
_WORD_6699 = int.from_bytes(PREFIX_6699)
# One scan finds the nearest prefix of either kind (two bytes.find calls would each
# scan to the end of the buffer when their prefix is absent: quadratic on junk).
_PREFIX = re.compile(re.escape(PREFIX_55AA) + b"|" + re.escape(PREFIX_6699))
# The smallest well-formed frame: a 55AA client frame with an empty payload.
_MIN_FRAME = 24
# Whole-frame checks may hash this many bytes per byte consumed, on average...
CHECK_BYTES_PER_BYTE = 16
# ...plus a reserve, which also caps what quiet periods can save up.
CHECK_RESERVE = 4 * MAX_FRAME_SIZE


class FrameParser:
    """Reassembles frames from a byte stream.

    Usage: ``parser.feed(data)`` then ``for frame in parser``; iteration stops when
    more bytes are needed. A frame that fails its checks raises MalformedFrameError or
    WrongKeyError from the iteration; iterating again continues after it.
    """

    __slots__ = (
        "_base",
        "_budget",
        "_buffer",
        "_found",
        "_scan",
        "_waiting",
        "has_retcode",
        "keys",
        "max_frame_size",
    )

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
        # Positions below are absolute stream offsets; _base is that of _buffer[0].
        self._base = 0
        self._budget = CHECK_RESERVE
        # Look-ahead past a pending header: where the prefix scan resumes, the
        # candidates seen whose claimed end has not arrived (a heap of (end, start)),
        # and a frame already verified there (start, size, frame).
        self._scan = 0
        self._waiting: list[tuple[int, int]] = []
        self._found: tuple[int, int, Frame] | None = None

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
                suffix = SUFFIX_55AA
            elif prefix == _WORD_6699:
                if available < 18:
                    return None
                size = 22 + _U32(buffer, 14)[0]
                suffix = SUFFIX_6699
            else:
                self._skip_to_prefix()
                continue
            if size > self.max_frame_size or size < _MIN_FRAME:
                # Not a real frame start (or one over the cap): skip this prefix and
                # resynchronise.
                self._consume(4)
                text = f"frame length {size} outside 24..{self.max_frame_size}"
                if size > self.max_frame_size:
                    raise FrameTooLargeError(text, size)
                raise MalformedFrameError(text)
            if available < size:
                found = self._look_past(size)
                if found is None:
                    return None
                self._consume(found)
                raise MalformedFrameError(
                    f"dropped {found} bytes: a header claiming {size} bytes, "
                    "followed by a complete frame inside that span"
                )
            # The usual case, inlined: one verified frame at the start of the buffer.
            found_frame = self._found
            if found_frame is not None and found_frame[0] == self._base:
                self._found = None
                frame = found_frame[2]
            elif buffer[size - 4 : size] != suffix or self._budget < size:
                self._consume(4)  # junk that looked like a header: resynchronise
                raise MalformedFrameError(
                    "no frame suffix where the length field says"
                    if self._budget >= size
                    else "too many fake frame headers: frame dropped unchecked"
                )
            else:
                self._budget -= size
                raw = bytes(buffer) if available == size else bytes(buffer[:size])
                try:
                    frame = (decode_55aa if prefix == _WORD_55AA else decode_6699)(
                        raw, self.keys, self.has_retcode
                    )
                except TuyaError:
                    # Drop only the prefix: if this was junk that looked like a header,
                    # a real frame may start inside it.
                    self._consume(4)
                    raise
            if available == size:
                buffer.clear()
            else:
                del buffer[:size]
            self._base += size
            budget = self._budget + CHECK_BYTES_PER_BYTE * size
            self._budget = budget if budget < CHECK_RESERVE else CHECK_RESERVE
            return frame

    def _claimed_size(self, at: int) -> int | None:
        """Whole size the header at ``at`` claims; None until the header is complete."""
        buffer = self._buffer
        if buffer[at + 2] == 0x55:
            if len(buffer) < at + 16:
                return None
            return 16 + int(_U32(buffer, at + 12)[0])
        if len(buffer) < at + 18:
            return None
        return 22 + int(_U32(buffer, at + 14)[0])

    def _check(self, at: int, size: int) -> Frame:
        """Verify and decode the candidate frame at ``at``: cheap checks first."""
        buffer = self._buffer
        end = at + size
        is_55aa = buffer[at + 2] == 0x55
        if buffer[end - 4 : end] != (SUFFIX_55AA if is_55aa else SUFFIX_6699):
            raise MalformedFrameError("no frame suffix where the length field says")
        if self._budget < size:
            raise MalformedFrameError("too many fake frame headers: frame dropped unchecked")
        self._budget -= size
        raw = bytes(buffer[at:end])
        return (decode_55aa if is_55aa else decode_6699)(raw, self.keys, self.has_retcode)

    def _look_past(self, claimed: int) -> int | None:
        """Where a verified frame starts inside the pending header's claimed span.

        Each candidate prefix is examined once its header, then once its claimed
        end, has arrived: the work stays linear in the bytes fed, however often the
        pending header is looked past.
        """
        buffer = self._buffer
        base = self._base
        available = len(buffer)
        waiting = self._waiting
        while waiting and waiting[0][0] <= base + available:
            end, start = heapq.heappop(waiting)
            if start > base and (at := self._verified(start - base, end - start)) is not None:
                return at
        position = max(self._scan - base, 4)
        for match in _PREFIX.finditer(buffer, position, min(available, claimed)):
            at = match.start()
            size = self._claimed_size(at)
            if size is None:
                self._scan = base + at  # come back when its header is complete
                return None
            if size > self.max_frame_size or size < _MIN_FRAME:
                continue
            if at + size > available:
                heapq.heappush(waiting, (base + at + size, base + at))
            elif (found := self._verified(at, size)) is not None:
                return found
        self._scan = base + max(available - 3, 4)
        return None

    def _verified(self, at: int, size: int) -> int | None:
        """``at`` if a frame there passes every check (and keep it), else None."""
        try:
            frame = self._check(at, size)
        except TuyaError:
            return None
        self._found = (self._base + at, size, frame)
        return at

    def _consume(self, count: int) -> None:
        """Drop ``count`` bytes from the front; each one earns whole-frame check budget."""
        del self._buffer[:count]
        self._base += count
        self._budget = min(self._budget + CHECK_BYTES_PER_BYTE * count, CHECK_RESERVE)
        if self._found is not None and self._found[0] < self._base:
            self._found = None

    def _skip_to_prefix(self) -> None:
        """Drop bytes up to the next prefix, keeping 3 that may start one."""
        buffer = self._buffer
        match = _PREFIX.search(buffer, 1)
        self._consume(match.start() if match else max(1, len(buffer) - 3))
