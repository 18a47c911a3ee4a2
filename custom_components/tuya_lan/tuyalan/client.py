"""Asyncio client: one TCP connection to one device, requests, replies and pushes.

The :class:`TuyaClient` drives a sans-IO :class:`~.protocol.ClientSession` from an
:class:`asyncio.Protocol`, so bytes are handled in the event loop's own callback
with no extra task hop: a push reaches ``on_status`` in the same loop iteration in
which it was read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import Any, Self

from .const import DETECT_ORDER, MAX_FRAME_SIZE, TCP_PORT, Command
from .errors import (
    ConnectionRefusedByDevice,
    DeviceError,
    FrameTooLargeError,
    HandshakeDroppedError,
    KeyUnprovenError,
    MalformedFrameError,
    NoStatusError,
    NotConnectedError,
    ReplyTooLargeError,
    TuyaConnectionError,
    TuyaError,
    TuyaTimeoutError,
    WrongKeyError,
)
from .protocol import (
    DEFAULT_DEVICE22_DPS,
    DEVICE22_MARKERS,
    ClientSession,
    HandshakeState,
    Message,
)

_LOGGER = logging.getLogger(__name__)

# How long to watch a fresh connection for an immediate close before the handshake:
# a device that already serves its maximum of clients accepts and closes at once,
# while a wrong key is only noticed (and the connection dropped) after our first frame.
BUSY_GRACE = 0.05
# How long, in request timeouts, the late reply to an abandoned 3.5 request is still
# awaited after it timed out (see TuyaClient._is_late_reply).
LATE_REPLY_WINDOW = 2.0
# How long a 3.1 device has to report the same-value write that proves the key (see
# TuyaClient.confirm_key); real firmware pushes within tens of milliseconds.
KEY_CONFIRM_WAIT = 2.0

# "json obj data unvalid" is how a device22 answers every plain status query, and
# also how some devices answer their first queries after power-up (aiotuya README: an
# open/close switch, "after powering up, will return a 'json struct data unvalid'
# error to any status request" for a while). The device22 query is shaped like a write
# and devices that are not device22 may carry it out (a light "turns off by itself"
# while polled, python-tuya issue #29), so the plain query is asked this many times,
# this far apart, before a refusal counts as proof of device22.
PLAIN_QUERY_ATTEMPTS = 3
PLAIN_QUERY_RETRY_DELAY = 0.5  # seconds
# The versions on which a persistent refusal means device22 (3.5 and 3.1 have none).
DEVICE22_VERSIONS = ("3.2", "3.3", "3.4")
# The versions that open a session with a handshake: only a device of that version
# completes it, so what comes through it settles the version.
HANDSHAKE_VERSIONS = ("3.4", "3.5")
# After an empty acknowledgement of the status query, the share of the timeout the
# announced push may take before the device is asked to refresh (UPDATEDPS).
PUSH_AFTER_ACK = 0.5
# Tuya's DP ids are 1-255: anything else a device reports is never asked for.
VALID_DP_IDS = frozenset(range(1, 256))

type StatusCallback = Callable[[dict[str, Any]], None]
type DisconnectCallback = Callable[[Exception | None], None]


class _Connection(asyncio.Protocol):
    """Feeds received bytes to the client; reports the connection's end."""

    def __init__(self, client: TuyaClient) -> None:
        self._client = client
        self.closed: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self._client._data_received(data)

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(exc)
        self._client._connection_lost(exc)


class TuyaClient:
    """A live session with one Tuya device.

    ``on_status(dps)`` is called in the event loop for every DP change the device
    pushes; ``on_disconnect(exc)`` once when an open connection ends without
    :meth:`close` (``exc`` is None for a clean EOF). Neither is called after
    :meth:`close` or :meth:`abort`: a consumer never hears from a client it let go.

    ``async with TuyaClient(...) as client:`` connects and closes.
    """

    def __init__(
        self,
        host: str,
        device_id: str,
        local_key: str,
        version: str,
        *,
        port: int = TCP_PORT,
        device22: bool = False,
        timeout: float = 5.0,
        on_status: StatusCallback | None = None,
        on_disconnect: DisconnectCallback | None = None,
        dp_ids: Iterable[int] = (),
    ) -> None:
        self.host = host
        self.port = port
        self.device_id = device_id
        self.version = version
        # 3.2 devices always need the device22 query (tinytuya set_version: "3.2 behaves
        # like 3.3 with device22").
        self.device22 = device22 or version == "3.2"
        self.timeout = timeout
        self.on_status = on_status
        self.on_disconnect = on_disconnect
        self._local_key = local_key
        # Validates key and version now, so a bad configuration fails before any I/O.
        self._session = ClientSession(device_id, local_key, version)
        self._transport: asyncio.Transport | None = None
        self._connection: _Connection | None = None
        # Requests waiting for their reply, by reply cmd (a cmd's queue goes once empty:
        # hundreds of idle sessions should not each keep a deque per command).
        self._pending: dict[int, deque[tuple[int, asyncio.Future[Message]]]] = {}
        # Requests that timed out (or whose caller gave up) after they were sent: their
        # late replies must not be taken for the reply to a later request. 3.1-3.4
        # echo the seqno, so those are known by (reply cmd, seqno); 3.5 devices do not
        # (see _dispatch), so there each reply cmd keeps the expiry times of its
        # abandoned requests, oldest first. Made when first needed (most sessions never
        # abandon a request; an empty deque is ~0.7 KB per device).
        self._abandoned: deque[tuple[int, int]] | None = None
        self._abandoned_35: dict[int, deque[float]] = {}
        self._push_waiters: list[asyncio.Future[dict[str, Any]]] = []
        self._handshake: asyncio.Future[Message] | None = None
        self._closing = False
        self._disconnect_error: Exception | None = None
        # DP ids the device reported, or the caller knows of (its data model).
        self._known_dps: list[int] = sorted({int(dp) for dp in dp_ids} & VALID_DP_IDS)
        # The length a frame over MAX_FRAME_SIZE claimed, until a request times out.
        self._oversized: int | None = None
        # Whether the device sent anything on this connection: a reset before that is
        # a refusal (another client holds the device), not a lost session.
        self._heard_from_device = False
        # Wall-clock time of the last frame received from the device.
        self.last_seen: float | None = None

    @property
    def connected(self) -> bool:
        """True while a connection is open and ready for requests."""
        return self._transport is not None and not self._closing and self._session.ready

    @property
    def key_proven(self) -> bool:
        """Whether this connection proved the device holds our key: the 3.4/3.5
        handshake, or a 3.1-3.3 frame that decrypted to JSON (a 3.1 status is plaintext
        and proves nothing; see confirm_key)."""
        return self._session.key_proven

    # -- connecting ------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the connection and, for 3.4/3.5, negotiate the session key."""
        if self._transport is not None:
            raise TuyaError("already connected")
        loop = asyncio.get_running_loop()
        self._session = ClientSession(self.device_id, self._local_key, self.version)
        self._closing = False
        self._heard_from_device = False
        self._abandoned = None
        self._abandoned_35.clear()
        self._oversized = None
        try:
            async with asyncio.timeout(self.timeout):
                transport, connection = await loop.create_connection(
                    lambda: _Connection(self), self.host, self.port
                )
        except TimeoutError:
            raise TuyaTimeoutError(f"no answer from {self.host}:{self.port}") from None
        except OSError as err:
            raise TuyaConnectionError(
                f"cannot connect to {self.host}:{self.port}: {err.strerror or err}"
            ) from err
        self._transport = transport
        self._connection = connection
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(BUSY_GRACE):
                    await asyncio.shield(connection.closed)
            if connection.closed.done():
                raise ConnectionRefusedByDevice(
                    "the device closed the connection at once: it is probably busy with "
                    "another client (the phone app or another integration)"
                )
            if self._session.handshake is HandshakeState.IDLE:
                await self._negotiate()
        except BaseException:
            self._abort()
            raise

    async def _negotiate(self) -> None:
        self._handshake = asyncio.get_running_loop().create_future()
        self._write(self._session.start_handshake())
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._handshake
        except TimeoutError:
            raise TuyaTimeoutError(
                "no session key response: wrong protocol version, or not a Tuya device"
            ) from None
        except ConnectionRefusedByDevice:
            raise  # reset at our first frame: busy, not a hang-up about the key
        except TuyaConnectionError:
            raise HandshakeDroppedError(
                "the device dropped the connection during the handshake: "
                "wrong local key or protocol version"
            ) from None
        finally:
            self._handshake = None
        self._write(self._session.finish_handshake(response))

    async def close(self) -> None:
        """Close the connection; idempotent, and no callback after it."""
        self._closing = True
        self.on_status = self.on_disconnect = None
        transport, connection = self._transport, self._connection
        if transport is None or connection is None:
            return
        transport.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1):
                await connection.closed
        self._transport = None

    def abort(self) -> None:
        """Drop the connection at once (no closing handshake); no callback after it."""
        self.on_status = self.on_disconnect = None
        self._abort()

    def _abort(self) -> None:
        self._closing = True
        if self._transport is not None:
            self._transport.abort()
            self._transport = None

    # -- requests --------------------------------------------------------------------

    async def status(self, *, device22_fallback: bool = True) -> dict[str, Any]:
        """Read every DP's current value.

        A device that refuses the plain query ("json obj data unvalid") is asked again,
        PLAIN_QUERY_ATTEMPTS times in all: some refuse their first queries after
        power-up. Only a device that refuses every time has proven it is a device22,
        and only then (on 3.2-3.4, unless ``device22_fallback`` is False) is it asked
        with the device22 query, a CONTROL frame that lists DPs with null values:
        firmware that is not device22 may take that frame for a write (nulls as off).
        A device that acknowledges the query and reports nothing raises NoStatusError.
        """
        if not self.device22:
            error: DeviceError | None = None
            for attempt in range(PLAIN_QUERY_ATTEMPTS):
                if attempt:
                    await asyncio.sleep(PLAIN_QUERY_RETRY_DELAY)
                error, dps = await self._query(self._session.query_request)
                if error is None:
                    return dps
                if not any(marker in error.text for marker in DEVICE22_MARKERS):
                    raise error
            assert error is not None
            if not device22_fallback or self.version not in DEVICE22_VERSIONS:
                raise error
            _LOGGER.debug(
                "%s refused the status query %d times: switching to device22 mode",
                self.host,
                PLAIN_QUERY_ATTEMPTS,
            )
            self.device22 = True
        return await self._device22_status()

    async def _device22_status(self) -> dict[str, Any]:
        """Ask a device22 DP by DP, in chunks that fit its payload limit.

        The DPs asked: the usual ranges, and every DP the device has reported (in a
        status, a push, or the data model the caller gave), first of all the lowest.
        A chunk the device refuses is skipped; all of them refused raises the first error.
        """
        first = self._known_dps[:1] or [DEFAULT_DEVICE22_DPS[0]]
        dp_ids = [*first, *sorted({*DEFAULT_DEVICE22_DPS, *self._known_dps} - set(first))]
        status: dict[str, Any] = {}
        refused: DeviceError | None = None
        for chunk in self._session.device22_chunks(dp_ids):
            error, dps = await self._query(partial(self._session.query_request, chunk))
            if error is not None:
                refused = refused or error
                continue
            status.update(dps)
        if not status and refused is not None:
            raise refused
        return status

    async def _query(
        self, build: Callable[[], tuple[int, int, bytes]]
    ) -> tuple[DeviceError | None, dict[str, Any]]:
        """Send a status query: (the device's error, or None and the DPs).

        Some devices ack the query empty and push the values as STATUS right after,
        often in the same read as the ack: the push is awaited from before the query
        is sent, so it cannot slip past. Whatever ends the wait (a reply, an error, a
        lost connection, a timeout, the caller's cancellation), the push future is
        settled and its outcome retrieved here, and only the caller's own
        cancellation ever leaves this method as CancelledError.
        """
        push: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._push_waiters.append(push)
        try:
            reply = await self._request(build)
            if reply.error is not None:
                return reply.error, {}
            dps = reply.dps
            if dps is None:
                dps = await self._pushed_status(push)
        finally:
            with contextlib.suppress(ValueError):
                self._push_waiters.remove(push)
            if not push.done():
                push.cancel()
            elif not push.cancelled():
                push.exception()  # a lost connection failed it: retrieved, not logged
        self._learn(dps)
        return None, dict(dps)

    async def _pushed_status(self, push: asyncio.Future[dict[str, Any]]) -> dict[str, Any]:
        """The status a device pushes after acknowledging the query with an empty frame.

        Most push it at once. Some report only what changes (tinytuya issue #729: some
        3.5 devices "don't respond to status() queries at all", they only send their
        updates): after PUSH_AFTER_ACK of the timeout, they are asked with UPDATEDPS,
        the refresh request, which many answer with a push of the DPs asked.
        asyncio.wait, not a timeout around the future: that would cancel it.
        """
        done, _ = await asyncio.wait([push], timeout=self.timeout * PUSH_AFTER_ACK)
        if not done:
            _LOGGER.debug("%s acked the status query and sent nothing: refresh", self.host)
            try:
                await self.update_dps(self._known_dps or DEFAULT_DEVICE22_DPS)
            except DeviceError as err:
                _LOGGER.debug("%s refused the refresh request: %s", self.host, err)
            except TuyaTimeoutError:
                pass  # no answer to the refresh either: nothing will come
            else:
                done, _ = await asyncio.wait([push], timeout=self.timeout)
        if not done:
            raise NoStatusError(
                f"{self.host} accepted the connection and acknowledged the status query, "
                "but reported no data point, also when asked to refresh them: it reports "
                "its values only when they change",
                self.version,
            )
        return push.result()

    def _learn(self, dps: Mapping[str, Any]) -> None:
        """Remember the DP ids a device reported: the device22 query asks for them."""
        # isascii: "²".isdigit() is true, and int() rejects it.
        found = {int(dp) for dp in dps if dp.isascii() and dp.isdigit() and len(dp) <= 3}
        if found - set(self._known_dps):
            self._known_dps = sorted({*self._known_dps, *found} & VALID_DP_IDS)

    @property
    def known_dps(self) -> tuple[int, ...]:
        """The DP ids the device has reported (or the caller named), lowest first."""
        return tuple(self._known_dps)

    async def set_dps(self, dps: dict[str, Any]) -> dict[str, Any]:
        """Write DP values; returns once the device has acknowledged them.

        Returns the DPs the acknowledgement itself reports (some firmware puts the new
        values in it; most send an empty ack and push the values as STATUS after).
        """
        reply = await self._request(lambda: self._session.control_request(dps))
        if reply.error is not None:
            raise reply.error
        return dict(reply.dps) if reply.dps else {}

    async def update_dps(self, dp_ids: Sequence[int]) -> None:
        """Ask the device to push fresh values of ``dp_ids`` (power, energy...)."""
        reply = await self._request(lambda: self._session.update_dps_request(dp_ids))
        if reply.error is not None:
            raise reply.error

    async def heartbeat(self) -> None:
        """Keep-alive round trip; raises TuyaTimeoutError when the device is gone."""
        await self._request(self._session.heartbeat_request)

    async def confirm_key(self, status: dict[str, Any]) -> bool:
        """3.1: prove the key with a write that changes nothing; whether it is proven.

        A 3.1 device answers status in plaintext, so a status proves nothing about the
        key. Its CONTROL frames are encrypted and signed with the key, and it reports a
        write it carried out with an encrypted push: writing a DP the value it already
        holds (``status``, just read) changes nothing on the device, and a push that
        decrypts proves the key. A push that does not decrypt raises WrongKeyError
        (proof the other way). No push, or a refusal, proves nothing: False.
        """
        if self._session.key_proven:
            return True
        if self.version != "3.1":
            return False
        dp = _unchanging_dp(status)
        if dp is None:
            return False
        push: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._push_waiters.append(push)
        try:
            reply = await self._request(lambda: self._session.control_request({dp: status[dp]}))
            if reply.error is not None:
                _LOGGER.debug("%s refused the key-proving write: %s", self.host, reply.error)
                return self._session.key_proven
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(self.timeout, KEY_CONFIRM_WAIT)):
                    while not self._session.key_proven:
                        await asyncio.shield(push)
                        push = asyncio.get_running_loop().create_future()
                        self._push_waiters.append(push)
        finally:
            with contextlib.suppress(ValueError):
                self._push_waiters.remove(push)
            if not push.cancel():
                push.exception()
        return self._session.key_proven

    async def _request(self, build: Callable[[], tuple[int, int, bytes]]) -> Message:
        if not self.connected:
            raise NotConnectedError(f"not connected to {self.host}")
        reply_cmd, seqno, frame = build()
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        waiting = self._pending.setdefault(reply_cmd, deque())
        entry = (seqno, future)
        waiting.append(entry)
        try:
            self._write(frame)
            async with asyncio.timeout(self.timeout):
                return await future
        except TimeoutError:
            if future.done() and not future.cancelled() and future.exception() is None:
                return future.result()  # the reply won the race with the deadline
            self._abandon(reply_cmd, seqno)
            if (size := self._oversized) is not None:
                self._oversized = None
                raise ReplyTooLargeError(
                    f"{self.host} sent a reply of {size} bytes, over the "
                    f"{MAX_FRAME_SIZE // 1024} KiB this integration accepts",
                    size,
                ) from None
            raise TuyaTimeoutError(
                f"{self.host} did not answer command {Command(reply_cmd).name}"
            ) from None
        except asyncio.CancelledError:
            if not future.done():  # sent, and its reply may still come
                self._abandon(reply_cmd, seqno)
            raise
        finally:
            with contextlib.suppress(ValueError):
                waiting.remove(entry)
            if not waiting and self._pending.get(reply_cmd) is waiting:
                del self._pending[reply_cmd]

    def _abandon(self, reply_cmd: int, seqno: int) -> None:
        """Remember a request whose reply, if it comes at all, must go to no one."""
        if self.version != "3.5":
            if self._abandoned is None:
                self._abandoned = deque(maxlen=16)
            self._abandoned.append((reply_cmd, seqno))
            return
        expires = asyncio.get_running_loop().time() + self.timeout * LATE_REPLY_WINDOW
        self._abandoned_35.setdefault(reply_cmd, deque()).append(expires)

    def _write(self, frame: bytes) -> None:
        if self._transport is None or self._transport.is_closing():
            raise NotConnectedError(f"not connected to {self.host}")
        self._transport.write(frame)

    # -- receiving -------------------------------------------------------------------

    def _data_received(self, data: bytes) -> None:
        self.last_seen = time.time()
        self._heard_from_device = True
        session = self._session
        session.feed(data)
        while True:
            try:
                message = session.next_message()
            except WrongKeyError as err:
                self._fail(err)
                return
            except MalformedFrameError as err:
                if isinstance(err, FrameTooLargeError):
                    self._oversized = err.size
                _LOGGER.debug("%s: dropped a malformed frame: %s", self.host, err)
                continue
            if message is None:
                return
            self._dispatch(message)

    def _dispatch(self, message: Message) -> None:
        if self._handshake is not None:
            if message.is_empty:
                # Some 3.4/3.5 firmware sends an empty frame before its session key
                # answer (tinytuya reads on past empty payloads there). Not the answer.
                _LOGGER.debug("%s: skipped an empty frame during the handshake", self.host)
                return
            if not self._handshake.done():
                self._handshake.set_result(message)
            return
        if message.cmd == Command.STATUS:
            self._push(message)
            return
        if self._is_late_reply(message):
            if message.dps:
                self._push(message)  # stale as an answer, but what the device reports
            else:
                _LOGGER.debug("%s: dropped the late reply to an abandoned request", self.host)
            return
        waiting = self._pending.get(message.cmd)
        if waiting and (entry := self._waiter_for(message, waiting)) is not None:
            waiting.remove(entry)
            if not entry[1].done():
                entry[1].set_result(message)
            return
        if message.dps:
            self._push(message)  # unrequested data from the device: treat as a push
            return
        _LOGGER.debug("%s: ignored unexpected command %s", self.host, message.cmd)

    def _waiter_for(
        self, message: Message, waiting: deque[tuple[int, asyncio.Future[Message]]]
    ) -> tuple[int, asyncio.Future[Message]] | None:
        """The waiting request ``message`` answers (None: it answers none of them).

        Replies of 3.1-3.4 echo our seqno (heartbeat replies may carry 0): an exact
        match, else the oldest. 3.5 devices number their frames with a counter of
        their own, so there the oldest it is."""
        entry = waiting[0]
        if self.version != "3.5":
            entry = next((e for e in waiting if e[0] == message.seqno), entry)
        return entry

    def _is_late_reply(self, message: Message) -> bool:
        """Whether ``message`` answers a request already abandoned (and forget that one).

        3.1-3.4 replies echo the request's seqno, which settles it. 3.5 replies do not
        (TuyaOpen numbers every frame it sends from its own random start), but a
        device answers the requests of one connection in the order they came: after
        a request timed out, the next reply of its command is its own late one, not
        the reply to the request sent after it. A device may also never answer (a
        frame lost in a busy firmware); then each abandoned entry would swallow the
        reply of a later request, so it is only believed for LATE_REPLY_WINDOW
        timeouts after it was abandoned, and never past the connection it was sent on.
        """
        if self.version != "3.5":
            key = (message.cmd, message.seqno)
            if self._abandoned and key in self._abandoned:
                self._abandoned.remove(key)
                return True
            return False
        expiries = self._abandoned_35.get(message.cmd)
        if not expiries:
            return False
        now = asyncio.get_running_loop().time()
        while expiries and expiries[0] <= now:
            expiries.popleft()
        if not expiries:
            return False
        expiries.popleft()
        return True

    def _push(self, message: Message) -> None:
        dps = message.dps
        if dps is None:
            return
        self._learn(dps)
        for waiter in self._push_waiters:
            if not waiter.done():
                waiter.set_result(dict(dps))
        if (on_status := self.on_status) is not None:
            try:
                on_status(dict(dps))
            except Exception:
                _LOGGER.exception("%s: error in status callback", self.host)

    def _fail(self, err: Exception) -> None:
        """A fatal protocol error: fail everything waiting and drop the connection."""
        self._reject_waiters(err)
        if self._transport is not None:
            self._disconnect_error = err
            self._transport.abort()

    def _connection_lost(self, exc: Exception | None) -> None:
        error = self._disconnect_error or exc
        self._disconnect_error = None
        self._transport = None
        if isinstance(error, ConnectionResetError) and not self._heard_from_device:
            # Accepted, then reset when our first frame arrived, before any answer:
            # what a device does while another client (the phone app) holds it.
            error = ConnectionRefusedByDevice(
                "the device reset the connection at our first request: it is probably "
                "busy with another client (the phone app or another integration)"
            )
        lost = TuyaConnectionError(f"connection to {self.host} lost")
        self._reject_waiters(error if isinstance(error, TuyaError) else lost)
        on_disconnect = self.on_disconnect
        if not self._closing and on_disconnect is not None and self._session.ready:
            on_disconnect(error)

    def _reject_waiters(self, err: Exception) -> None:
        waiters: list[asyncio.Future[Any]] = [f for q in self._pending.values() for _, f in q]
        waiters += self._push_waiters
        if self._handshake is not None:
            waiters.append(self._handshake)
        for future in waiters:
            if not future.done():
                future.set_exception(err)
        self._pending.clear()
        self._push_waiters.clear()


def _unchanging_dp(status: dict[str, Any]) -> str | None:
    """The DP a same-value write may touch: the lowest boolean (the relay on a plug,
    a gang on a strip). Writing a relay the state it is in changes nothing; counters
    and readings are left alone (they move, and are often read-only)."""
    booleans = [
        dp
        for dp, value in status.items()
        if isinstance(value, bool) and dp.isascii() and dp.isdigit() and len(dp) <= 3
    ]
    return min(booleans, key=int) if booleans else None


async def probe(
    host: str,
    device_id: str,
    local_key: str,
    version: str,
    *,
    port: int = TCP_PORT,
    timeout: float = 5.0,
    device22: bool = False,
    busy_retries: int = 0,
    retry_delay: float = 0.5,
    require_proof: bool = False,
) -> dict[str, Any]:
    """Connect, read the device's status and close: proof that id, key and version fit.

    A device that looks busy with another client (it closes or resets at once, or hangs
    up a 3.4/3.5 handshake) is tried again up to ``busy_retries`` times, ``retry_delay``
    s apart. A 3.1 device proves the key only by reporting a same-value write (see
    TuyaClient.confirm_key); with ``require_proof`` a status without that proof raises
    KeyUnprovenError. Raises the library's typed errors (WrongKeyError,
    HandshakeDroppedError, ConnectionRefusedByDevice, TuyaTimeoutError, ...).
    """
    client = partial(
        TuyaClient,
        host,
        device_id,
        local_key,
        version,
        port=port,
        timeout=timeout,
        device22=device22,
    )
    for _ in range(busy_retries):
        try:
            return await _status_once(client(), require_proof=require_proof)
        except ConnectionRefusedByDevice, HandshakeDroppedError:
            await asyncio.sleep(retry_delay)
    return await _status_once(client(), require_proof=require_proof)


async def _status_once(client: TuyaClient, *, require_proof: bool = False) -> dict[str, Any]:
    await client.connect()
    try:
        status = await client.status()
        if require_proof and not await client.confirm_key(status):
            raise KeyUnprovenError(
                f"{client.host} answered, but protocol {client.version} sent nothing that "
                "proves the local key (its status travels in plaintext, and it did not "
                "report a write that changes nothing)"
            )
        return status
    finally:
        await client.close()


async def detect_version(
    host: str,
    device_id: str,
    local_key: str,
    *,
    port: int = TCP_PORT,
    timeout: float = 2.0,
    versions: Sequence[str] = DETECT_ORDER,
    drop_retries: int = 2,
    require_proof: bool = False,
    first: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Find the protocol version a device speaks: (version, its status).

    Tries each version in turn, ``first`` (the version the device announced, if it
    was heard) before the others: a device ignores the frames of another version, so
    every wrong guess before the right one may cost a whole ``timeout``. A connection
    refused, or a device busy with another client, ends the search at once; so does a
    refusal of the status query after a 3.4/3.5 handshake (a hub asked about itself),
    which only a device of that version can have sent. A dropped 3.4/3.5 handshake is
    tried again up to ``drop_retries`` times on the same version (some firmware drops
    one now and then with the right key). Otherwise, when no version works, raises the strongest
    evidence about the key: WrongKeyError (proof) if some attempt failed on it, else
    HandshakeDroppedError (hang-ups during a 3.4/3.5 handshake), else the last error.
    ``require_proof``: see probe (KeyUnprovenError for a 3.1 device that gave none).
    """
    last_error: TuyaError = TuyaError("no protocol version to try")
    key_error: WrongKeyError | None = None
    dropped: HandshakeDroppedError | None = None
    attempt = 0
    if first is not None and first in versions:
        versions = (first, *(version for version in versions if version != first))
    for version in versions:
        for drops in range(drop_retries + 1):
            client = TuyaClient(host, device_id, local_key, version, port=port, timeout=timeout)
            handshaken = False
            try:
                await _connect_after(client, retry=attempt > 0)
                handshaken = version in HANDSHAKE_VERSIONS
                status = await client.status()
                if require_proof and not await client.confirm_key(status):
                    raise KeyUnprovenError(
                        f"{host} answered as protocol {version}, but sent nothing that "
                        "proves the local key"
                    )
                return version, status
            except ConnectionRefusedByDevice, KeyUnprovenError, NoStatusError, ReplyTooLargeError:
                raise  # busy, unproven; or it answered in this version and that is the news
            except WrongKeyError as err:
                key_error = last_error = err
            except HandshakeDroppedError as err:
                dropped = last_error = err
                if drops < drop_retries:
                    continue
            except DeviceError as err:
                if handshaken:
                    raise  # it answered through a session of this version: no other fits
                last_error = err
            except TuyaTimeoutError as err:
                last_error = err
            except TuyaConnectionError as err:
                if not client.connected and isinstance(err.__cause__, OSError):
                    raise  # nothing listens there: no point trying other versions
                last_error = err
            finally:
                attempt += 1
                await client.close()
            break
    raise key_error or dropped or last_error


# After our own failed attempt the device may not yet have noticed that we closed,
# and still counts that connection against its client limit.
RELEASE_WAIT = 0.1
RELEASE_RETRIES = 5


async def _connect_after(client: TuyaClient, *, retry: bool) -> None:
    """Connect, retrying a "busy" refusal that our previous attempt may have caused."""
    for _ in range(RELEASE_RETRIES if retry else 0):
        try:
            await client.connect()
        except ConnectionRefusedByDevice:
            await asyncio.sleep(RELEASE_WAIT)
        else:
            return
    await client.connect()
