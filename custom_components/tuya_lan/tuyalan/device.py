"""Keep one device connected, and say why when it is not.

A :class:`TuyaDevice` owns the :class:`~.client.TuyaClient` of the moment and everything
that keeps a session alive: the first connection (a dropped 3.4/3.5 handshake is retried
before it counts against the key), heartbeats (a device that stops answering them is
stalled and dropped), reconnection with exponential backoff and jitter, serialised and
paced commands, and the state of the device's DPs. A consumer listens to two callbacks:

* ``on_update(update)``: a :class:`DeviceUpdate` (the DPs, what changed, what the device
  pushed) for every report from the device;
* ``on_health(health)``: a :class:`Health` snapshot whenever the connection changes
  (connected, lost, an attempt failed and why, a heartbeat's round trip, whether the
  device proved the key wrong).

Its timings come in one :class:`Timings` object, and its life is an explicit
:class:`DeviceState` (aioesphomeapi's ``ReconnectLogic`` keeps its own the same way). A
new key is proven through the device's own next session (:meth:`TuyaDevice.try_key`),
never with a second socket beside it: many devices take one client only.

Callbacks of a client that was let go never reach the consumer. Every exception on the
supervised path is caught, logged once, and retried: nothing ends recovery but
:meth:`TuyaDevice.close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
)
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from .client import TuyaClient
from .const import TCP_PORT
from .errors import (
    ConnectionRefusedByDevice,
    DeviceError,
    HandshakeDroppedError,
    InvalidKeyError,
    KeyUnprovenError,
    NoStatusError,
    NotConnectedError,
    ReplyTooLargeError,
    TuyaConnectionError,
    TuyaError,
    TuyaTimeoutError,
    WrongKeyError,
)
from .limiter import ConnectLimiter

_LOGGER = logging.getLogger(__name__)

HEARTBEAT_INTERVAL: Final = 10.0  # seconds; real devices drop a client silent for ~30 s
BACKOFF_INITIAL: Final = 1.0  # seconds
BACKOFF_MAX: Final = 60.0  # seconds
BACKOFF_JITTER: Final = 0.2  # +/- 20 %: 500 devices lost at once do not return in step
# Minimum gap between two consecutive writes to one device. Only a burst waits.
MIN_COMMAND_GAP: Final = 0.05  # seconds
# After a write is acknowledged, how long the device has to report the new values
# itself before they are read back. Real firmware pushes within tens of milliseconds.
CONFIRM_WAIT: Final = 1.0  # seconds
# Consecutive handshakes a 3.4/3.5 device drops before a wrong key becomes likely.
DROPS_BEFORE_KEY_SUSPECT: Final = 3
# Between the dropped handshakes of the first connection (a busy device lets go of
# its other client within a second or two).
FIRST_CONNECT_RETRY: Final = 0.5  # seconds
# Sessions a new key gets to prove itself (a device still busy with the old key's
# retries may refuse one or two).
KEY_TRIAL_ATTEMPTS: Final = 3


@dataclass(frozen=True, slots=True)
class Timings:
    """How a :class:`TuyaDevice` paces itself, in seconds (the defaults suit real
    devices; tests and benchmarks pass shorter ones)."""

    heartbeat: float = HEARTBEAT_INTERVAL
    timeout: float = 5.0
    """For each request, and for opening a session."""
    backoff_min: float = BACKOFF_INITIAL
    backoff_max: float = BACKOFF_MAX
    backoff_jitter: float = BACKOFF_JITTER
    min_command_gap: float = MIN_COMMAND_GAP
    confirm_wait: float = CONFIRM_WAIT
    first_connect_retry: float = FIRST_CONNECT_RETRY


DEFAULT_TIMINGS: Final = Timings()


class DeviceState(StrEnum):
    """Where a :class:`TuyaDevice` is in its life."""

    IDLE = "idle"
    """Made; no session tried yet."""
    CONNECTING = "connecting"
    """A session is being opened (handshake and status read)."""
    CONNECTED = "connected"
    """A session is open (and, once started, heartbeated)."""
    WAITING = "waiting"
    """The session was lost or an attempt failed: the next one follows the backoff."""
    PAUSED = "paused"
    """Let go of the device for a while (see :meth:`TuyaDevice.paused`)."""
    CLOSED = "closed"
    """Closed for good; nothing runs and no callback follows."""


# The device's error text when it refuses a write of several DPs at once (some take
# only one DP per CONTROL); the write is then split, for as long as the session object
# lives.
MULTI_DP_REFUSED: Final = "data unvalid"


def backoff_delay(attempt: int, timings: Timings = DEFAULT_TIMINGS) -> float:
    """The wait before reconnect attempt ``attempt`` (from 0): by default 1 s doubling
    to 60 s, +-20 %."""
    base = min(timings.backoff_min * 2.0 ** min(attempt, 16), timings.backoff_max)
    jitter = timings.backoff_jitter
    return base * random.uniform(1 - jitter, 1 + jitter)


class Fault(StrEnum):
    """Why a device is not connected, from the evidence of the last attempt."""

    BUSY = "busy"
    """Accepted and closed at once, or a handshake dropped once or twice: another client
    (usually the phone app) holds the device's only connection."""
    WRONG_KEY = "wrong_key"
    """Proof: decryption, HMAC or GCM tag failed. The device was re-paired."""
    KEY_SUSPECT = "key_suspect"
    """3.4/3.5 handshakes dropped several times in a row: most likely a new key."""
    UNREACHABLE = "unreachable"
    """Nothing answers at the address: the device is off, out of reach or moved."""
    STALLED = "stalled"
    """Connected, then it stopped answering."""
    PROTOCOL = "protocol"
    """It answered with errors or bytes that make no sense."""


KEY_FAULTS: Final = frozenset({Fault.WRONG_KEY, Fault.KEY_SUSPECT})
"""The faults that mean the local key (proof or suspicion): a new key may help."""


def session_proves_key(version: str) -> bool:
    """Whether an open session proves the key: on 3.1 the status travels in plaintext,
    so a session opens with any key (only an encrypted report proves it)."""
    return version != "3.1"


def classify(error: BaseException | None, drops: int = 0) -> Fault:
    """The fault an error is evidence of (``drops``: handshakes dropped in a row)."""
    if isinstance(error, WrongKeyError | InvalidKeyError):
        return Fault.WRONG_KEY
    if isinstance(error, HandshakeDroppedError):
        return Fault.KEY_SUSPECT if drops >= DROPS_BEFORE_KEY_SUSPECT else Fault.BUSY
    if isinstance(error, ConnectionRefusedByDevice):
        return Fault.BUSY
    if isinstance(error, TuyaTimeoutError):
        return Fault.STALLED
    if error is None or isinstance(error, TuyaConnectionError | OSError):
        return Fault.UNREACHABLE  # None: the device closed the connection
    return Fault.PROTOCOL


@dataclass(frozen=True, slots=True)
class DeviceUpdate:
    """One report of a device's DPs, immutable.

    ``dps`` is the whole known state after this report; ``changed`` the DPs whose value
    differs from the previous update (all of them in the first); ``pushed`` the DPs the
    device reported by itself in this update (a push, or values in an acknowledgement),
    empty for a status read. A device's counters (energy increments) count only pushes.
    """

    dps: Mapping[str, Any]
    changed: frozenset[str]
    pushed: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Health:
    """A snapshot of a device's connection."""

    connected: bool
    version: str
    connected_since: float | None = None
    """Wall-clock time the current session opened."""
    last_seen: float | None = None
    """Wall-clock time of the last frame received from the device."""
    reconnects: int = 0
    """Sessions opened after the first one."""
    closed_by_device: int = 0
    """Sessions the device ended with a clean close (FIN) after they had run for a
    heartbeat interval: many devices recycle their socket every few minutes."""
    rtt: float | None = None
    """Round trip of the last heartbeat, in seconds."""
    fault: Fault | None = None
    """Why it is not connected (None while connected, or before the first attempt)."""
    error: str | None = None
    """The text of the error behind ``fault``."""
    failures: int = 0
    """Consecutive failed attempts since the session was lost."""
    drops: int = 0
    """Of those, handshakes the device dropped in a row (3.4/3.5): a wrong key, or busy."""
    key_rejected: bool = False
    """The device proved the key wrong (a frame that did not decrypt) and nothing it
    sent since proved it right: a session that opens proves it on 3.3+, an encrypted
    report on 3.1 (whose status reads in plaintext with any key)."""

    @property
    def key_at_fault(self) -> bool:
        """Whether the last attempt's fault means the local key (proof or suspicion)."""
        return self.fault in KEY_FAULTS


type UpdateCallback = Callable[[DeviceUpdate], None]
type HealthCallback = Callable[[Health], None]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_MISSING = object()
# Reads a device's DPs back (the ids written and not reported).
type _ReadBack = Callable[[list[str]], Coroutine[Any, Any, None]]


class DpRecord:
    """One device's DPs as it reported them, and its writes acknowledged but not yet
    reported (read back ``confirm_wait`` later): what a plain device and a gateway's
    sub-device share."""

    __slots__ = ("_name", "_task", "_timer", "dps", "unconfirmed")

    def __init__(self, name: str, dps: Mapping[str, Any] = _EMPTY) -> None:
        self._name = name  # in the log and the read-back task's name
        self.dps: dict[str, Any] = dict(dps)
        self.unconfirmed: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    def snapshot(self) -> DeviceUpdate:
        """The whole known state as one update, every DP counted as changed."""
        dps = dict(self.dps)
        return DeviceUpdate(MappingProxyType(dps), frozenset(dps), _EMPTY)

    def unchanged(self) -> DeviceUpdate:
        """The known state as an update in which nothing changed."""
        return DeviceUpdate(MappingProxyType(dict(self.dps)), frozenset(), _EMPTY)

    def take(self, dps: Mapping[str, Any], *, pushed: bool) -> DeviceUpdate | None:
        """Merge what the device reported: the update, or None when a status read
        changed nothing (a push that changes nothing still counts: a counter may report
        the same increment twice)."""
        current = self.dps
        changed = frozenset(dp for dp, value in dps.items() if current.get(dp, _MISSING) != value)
        if not changed and not pushed:
            return None
        current.update(dps)
        self.unconfirmed.difference_update(dps)
        return DeviceUpdate(
            MappingProxyType(dict(current)),
            changed,
            MappingProxyType(dict(dps)) if pushed else _EMPTY,
        )

    def tell(self, update: DeviceUpdate, on_update: Callable[[DeviceUpdate], None] | None) -> None:
        """Give ``update`` to the consumer's callback (its errors are logged)."""
        if on_update is not None:
            try:
                on_update(update)
            except Exception:
                _LOGGER.exception("%s: error in the update callback", self._name)

    @contextlib.contextmanager
    def writing(self, dp_ids: set[str]) -> Iterator[None]:
        """Expect reports of ``dp_ids`` from before a write (the device's push often
        comes in the same read as the ack); not if the write fails."""
        self.unconfirmed |= dp_ids
        try:
            yield
        except BaseException:
            self.unconfirmed -= dp_ids
            raise

    def expect(
        self,
        dp_ids: set[str],
        wait: float,
        read_back: _ReadBack,
        wanted: Callable[[], bool],
    ) -> None:
        """Read back after ``wait`` unless the device reports ``dp_ids`` before (those
        it reported already, with the ack or a push before the ack was read, are done);
        ``wanted`` says then whether the session that wrote is still the one."""
        if not self.unconfirmed & dp_ids:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(wait, self._due, read_back, wanted)

    def _due(
        self,
        read_back: _ReadBack,
        wanted: Callable[[], bool],
    ) -> None:
        self._timer = None
        unconfirmed = sorted(self.unconfirmed)
        self.unconfirmed.clear()
        if unconfirmed and wanted() and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(
                read_back(unconfirmed), name=f"tuyalan confirm {self._name}"
            )

    def forget(self) -> None:
        """Expect no report of the writes made (a session ended): none read back."""
        self.unconfirmed.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def cancel(self) -> asyncio.Task[None] | None:
        """Forget the writes; the read-back task running, if any (to cancel)."""
        self.forget()
        task, self._task = self._task, None
        return task


class TuyaDevice:
    """A supervised session with one Tuya device."""

    # One per device, hundreds in one process: slots keep its 33 attributes in the
    # object (past ~30 they would spill into a dict of their own, ~0.7 KB more).
    __slots__ = (
        "_attempt",
        "_client",
        "_clock",
        "_command_lock",
        "_device22",
        "_dp_ids",
        "_drops",
        "_health",
        "_held",
        "_last_write",
        "_local_key",
        "_logged_unexpected",
        "_opening",
        "_opening_key",
        "_opening_slot",
        "_reconnect_now",
        "_record",
        "_session_opened",
        "_sessions",
        "_single_dp_writes",
        "_sleep",
        "_state",
        "_task",
        "_trial",
        "_unpaused",
        "_wakeup",
        "device_id",
        "host",
        "on_health",
        "on_update",
        "port",
        "timings",
        "version",
    )

    # The client each session gets when not TuyaClient (a gateway's routes its
    # sub-devices' frames). None: the module's TuyaClient, looked up at each session.
    _client_class: type[TuyaClient] | None = None

    def __init__(
        self,
        host: str,
        device_id: str,
        local_key: str,
        version: str,
        *,
        port: int = TCP_PORT,
        timings: Timings = DEFAULT_TIMINGS,
        on_update: UpdateCallback | None = None,
        on_health: HealthCallback | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        dp_ids: Iterable[int] = (),
        connect_limiter: ConnectLimiter | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.device_id = device_id
        self.version = version
        self.timings = timings
        self.on_update = on_update
        self.on_health = on_health
        self._local_key = local_key
        self._sleep = sleep
        self._clock = clock
        self._client: TuyaClient | None = None
        self._opening: TuyaClient | None = None
        self._held: dict[str, Any] = {}  # pushes while a session opens
        self._record = DpRecord(device_id)
        self._health = Health(connected=False, version=version)
        self._sessions = 0
        self._drops = 0
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._state = DeviceState.IDLE
        self._attempt = 0  # reconnect attempts since the last session (the backoff's)
        self._trial: _KeyTrial | None = None  # a new key waiting for its proof
        self._opening_key = local_key  # the key of the session being (or last) opened
        self._unpaused = asyncio.Event()
        self._unpaused.set()
        self._command_lock = asyncio.Lock()
        self._last_write: float | None = None
        self._logged_unexpected = False
        self._reconnect_now = False
        self._session_opened = 0.0  # self._clock() when the current session opened
        # Set once the device refused a multi-DP write: every later one is split.
        self._single_dp_writes = False
        # What sessions learn about the device and the next one starts from: the DP ids
        # it has (the data model's, then every one it reported), and whether it proved
        # to be a device22 (it refused the plain status query every time).
        self._dp_ids: tuple[int, ...] = tuple(dp_ids)
        self._device22 = False
        # Shared with other devices: how many sessions may open at the same moment.
        self._opening_slot: contextlib.AbstractAsyncContextManager[None] = (
            connect_limiter or contextlib.nullcontext()
        )

    # -- what a consumer reads -----------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while a session is open."""
        return self._client is not None

    @property
    def state(self) -> DeviceState:
        """Where the device is in its life."""
        return self._state

    @property
    def dps(self) -> Mapping[str, Any]:
        """The latest known value of every DP (a read-only copy)."""
        return MappingProxyType(dict(self._record.dps))

    @property
    def health(self) -> Health:
        """The connection's latest snapshot."""
        return self._health

    def snapshot(self) -> DeviceUpdate:
        """The whole known state as one update, every DP counted as changed."""
        return self._record.snapshot()

    # -- life cycle ----------------------------------------------------------------

    async def connect(self) -> DeviceUpdate:
        """Open the first session and read the status; raises the library's errors.

        A dropped 3.4/3.5 handshake is retried (up to DROPS_BEFORE_KEY_SUSPECT in a
        row): once is what a device busy with another client does. A wrong key (proof),
        an address where nothing answers, and a bad configuration raise at once.
        """
        await self._open_first((HandshakeDroppedError,), DROPS_BEFORE_KEY_SUSPECT)
        return self.snapshot()

    async def _open_first(
        self, retried: tuple[type[Exception], ...], attempts: int, *, prove: bool = False
    ) -> None:
        """Open a session here (not supervised yet); ``retried`` errors are tried again."""
        if self._state is DeviceState.CLOSED:
            raise TuyaError("the device session is closed")
        for attempt in range(1, attempts + 1):
            try:
                await self._open(first=True, prove=prove)
            except retried as err:
                self._attempt_failed(err)
                if attempt == attempts:
                    raise
                await self._sleep(self.timings.first_connect_retry * attempt)
            except BaseException as err:
                if isinstance(err, Exception):
                    self._attempt_failed(err)
                raise
            else:
                return

    async def try_key(self, local_key: str, *, attempts: int = KEY_TRIAL_ATTEMPTS) -> None:
        """Switch to ``local_key`` and prove it with this device's own next session.

        Returns once a session opened with it and proved it (on 3.1 the device must
        report a write that changes nothing, see TuyaClient.confirm_key). Raises the
        error of the attempt that disproved it (WrongKeyError, KeyUnprovenError, ...)
        or of the last of ``attempts`` (a busy or unreachable device); the previous key
        is then kept. Supervised or not, no second connection is opened: a device that
        takes one client would refuse it.
        """
        if self._state is DeviceState.CLOSED:
            raise TuyaError("the device session is closed")
        previous = self._local_key
        if self._task is None:  # not supervised (setup): the session is opened here
            self._local_key = local_key
            try:
                retried = (ConnectionRefusedByDevice, HandshakeDroppedError)
                await self._open_first(retried, attempts, prove=True)
            except BaseException:
                self._local_key = previous
                raise
            return
        if self._trial is not None:
            raise TuyaError("another key is being tried")
        trial = self._trial = _KeyTrial(
            asyncio.get_running_loop().create_future(), local_key, attempts
        )
        try:
            self.reconnect(local_key=local_key)
            await trial.proven
        except BaseException:
            if self._local_key == local_key:
                self._local_key = previous  # the next attempt takes the old key again
            raise
        finally:
            self._trial = None

    def start(self) -> None:
        """Supervise the session from now on: heartbeats, and reconnects when it drops."""
        if self._task is None and self._state is not DeviceState.CLOSED:
            self._task = asyncio.get_running_loop().create_task(
                self._supervise(), name=f"tuyalan supervise {self.device_id}"
            )

    async def close(self) -> None:
        """Stop supervising and close the session; idempotent. No callback after it."""
        self._state = DeviceState.CLOSED
        self._unpaused.set()
        self.on_update = self.on_health = None
        if (trial := self._trial) is not None and not trial.proven.done():
            trial.proven.set_exception(TuyaError("the device session is closed"))
        tasks = [t for t in (self._task, self._record.cancel()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        client, self._client = self._client, None
        if self._opening is not None:
            self._opening.abort()
        if client is not None:
            await client.close()

    def reconnect(self, *, host: str | None = None, local_key: str | None = None) -> None:
        """Drop the session and open a new one now (a new address or key, say)."""
        if host is not None:
            self.host = host
        if local_key is not None:
            self._local_key = local_key
            if self._health.key_rejected:  # what disproved the old key says nothing of it
                self._set_health(key_rejected=False)
        self._attempt = 0  # a new address or key starts the backoff afresh
        if self._client is not None:
            self._lost(self._client, None, reconnect_now=True)
        else:
            self._drops = 0
            self._wakeup.set()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Let go of the device while the body runs, then reconnect at once.

        For another client of the same program that needs the device's only connection
        (a form proving a key the user typed): the session closes, an attempt under
        way is abandoned, and supervision waits; nothing counts as a failure.
        """
        if self._state is DeviceState.CLOSED or self._state is DeviceState.PAUSED:
            yield
            return
        if self._client is not None:
            self._lost(self._client, None, reconnect_now=True)
        if self._opening is not None:
            self._opening.abort()
        self._state = DeviceState.PAUSED
        self._unpaused.clear()
        try:
            yield
        finally:
            if self._state is DeviceState.PAUSED:
                self._state = DeviceState.WAITING
                self._reconnect_now = True
                self._attempt = 0
            self._unpaused.set()
            self._wakeup.set()

    # -- requests --------------------------------------------------------------------

    async def refresh(self) -> DeviceUpdate:
        """Read the whole status now; a failure other than the device's own error or a
        timeout ends the session (and supervision reconnects)."""
        client = self._require_client()
        try:
            status = await client.status()
        except NoStatusError:
            status = {}  # it reports by itself only: what it reported is the state
        except DeviceError, TuyaTimeoutError, ReplyTooLargeError:
            raise
        except (TuyaError, OSError) as err:
            self._lost(client, err)
            raise _as_tuya_error(err) from err
        self._remember(client)
        update = self._report(client, status, pushed=False, notify=False)
        return update or self._record.unchanged()

    async def set_dps(self, dps: Mapping[str, Any]) -> None:
        """Write DPs; returns once the device acknowledged them.

        Fails at once when not connected. Writes are serialised; one that follows
        another within ``min_command_gap`` waits only for the remainder. The new values
        reach ``on_update`` when the device reports them (its push, or a status read
        ``confirm_wait`` after the acknowledgement), never on the acknowledgement alone.
        """
        self._require_client()
        async with self._command_lock:
            client = self._require_client()
            if self._last_write is not None:
                wait = self._last_write + self.timings.min_command_gap - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                    client = self._require_client()
            self._last_write = self._clock()
            # Expected from before the write: the device's push often arrives in the
            # same read as the ack, before this coroutine resumes.
            written = {str(dp) for dp in dps}
            try:
                with self._record.writing(written):
                    reported = await self._write(client, dict(dps))
            except BaseException as err:
                if isinstance(err, DeviceError | TuyaTimeoutError):
                    raise  # the device is there, it did not do it: the session stays
                if isinstance(err, TuyaError | OSError):
                    self._lost(client, err)
                    raise _as_tuya_error(err) from err
                raise
        if reported:
            self._report(client, reported, pushed=True)
        self._expect_report(client, written)

    async def _write(self, client: TuyaClient, dps: dict[str, Any]) -> dict[str, Any]:
        """One CONTROL, or one per DP for a device that refuses several in one."""
        if not self._single_dp_writes or len(dps) < 2:
            try:
                return await client.set_dps(dps)
            except DeviceError as err:
                if len(dps) < 2 or MULTI_DP_REFUSED not in err.text:
                    raise
                _LOGGER.debug(
                    "%s refuses a write of %d DPs (%s): one DP per write from now on",
                    self.host,
                    len(dps),
                    err.text,
                )
                self._single_dp_writes = True
        reported: dict[str, Any] = {}
        for index, (dp, value) in enumerate(dps.items()):
            if index:
                await self._sleep(self.timings.min_command_gap)
            reported.update(await client.set_dps({dp: value}))
        return reported

    def _require_client(self) -> TuyaClient:
        if self._client is None:
            raise NotConnectedError(f"not connected to {self.host}")
        return self._client

    # -- the device's reports ------------------------------------------------------------

    def _new_client(self) -> TuyaClient:
        client: TuyaClient

        def on_status(dps: dict[str, Any]) -> None:
            self._on_push(client, dps)

        def on_disconnect(error: Exception | None) -> None:
            self._lost(client, error)

        client = (self._client_class or TuyaClient)(
            self.host,
            self.device_id,
            self._local_key,
            self.version,
            port=self.port,
            timeout=self.timings.timeout,
            on_status=on_status,
            on_disconnect=on_disconnect,
            device22=self._device22,
            dp_ids={*self._dp_ids, *(int(dp) for dp in self._record.dps if dp.isdigit())},
        )
        return client

    def _remember(self, client: TuyaClient) -> None:
        """Keep what ``client`` learned about the device for the sessions after it."""
        self._device22 = client.device22
        self._dp_ids = client.known_dps

    def _on_push(self, client: TuyaClient, dps: dict[str, Any]) -> None:
        if client is self._opening:
            self._held.update(dps)  # published with the status, once it is in
        elif client is self._client and dps:
            self._report(client, dps, pushed=True)

    def _report(
        self,
        client: TuyaClient,
        dps: Mapping[str, Any],
        *,
        pushed: bool,
        notify: bool = True,
    ) -> DeviceUpdate | None:
        """Take in what the device reported and (``notify``) tell the consumer.

        Returns the update, or None when a status read changed nothing (a push that
        changes nothing still counts: a counter may report the same increment twice).
        """
        if client is not self._client or (update := self._record.take(dps, pushed=pushed)) is None:
            return None
        if pushed and self._health.key_rejected:
            # Reported by the device itself, so encrypted with the key (a 3.1 device's
            # status is not): the key is right again. Said before the update.
            self._set_health(key_rejected=False)
        if notify:
            self._record.tell(update, self.on_update)
        return update

    def _expect_report(self, client: TuyaClient, dp_ids: set[str]) -> None:
        """Read the status back unless the device reports ``dp_ids`` soon."""
        self._record.expect(
            dp_ids,
            self.timings.confirm_wait,
            lambda unconfirmed: self._read_back(client, unconfirmed),
            lambda: client is self._client and self._state is not DeviceState.CLOSED,
        )

    async def _read_back(self, client: TuyaClient, dp_ids: list[str]) -> None:
        """The device acknowledged a write and did not report it: ask what it holds.

        Never with a frame shaped like a write: the plain status query (no device22
        fallback), or for a proven device22 the refresh request (UPDATEDPS) for the DPs
        written, which the device answers with a push.
        """
        try:
            if client.device22:
                await client.update_dps([int(dp) for dp in dp_ids if dp.isdigit()])
                return
            status = await client.status(device22_fallback=False)
        except (DeviceError, TuyaTimeoutError, NoStatusError, ReplyTooLargeError) as err:
            _LOGGER.debug("%s: reading back a write failed: %s", self.host, err)
        except Exception as err:  # any failure here is a lost session
            self._lost(client, err)
        else:
            self._report(client, status, pushed=False)

    # -- supervision -------------------------------------------------------------------

    async def _open(self, *, first: bool = False, prove: bool = False) -> None:
        """Open a session and read the status; the client is kept only on success.

        A new session's status reaches ``on_update`` (what changed while the device was
        away), then the health says it is connected; the first session's goes to the
        caller of :meth:`connect` instead. ``prove``: the key must be proven too (a
        3.1 status proves nothing), else KeyUnprovenError.
        """
        client = self._new_client()
        self._opening = client
        self._opening_key = self._local_key
        self._held = {}
        self._state = DeviceState.CONNECTING
        try:
            async with self._opening_slot:
                await client.connect()
                try:
                    status = await client.status()
                except NoStatusError as err:
                    # The session works; the device reports its values when they change.
                    _LOGGER.info("%s: %s; its values show once it reports them", self.host, err)
                    status = {}
                if prove and not await client.confirm_key(status):
                    raise KeyUnprovenError(
                        f"{self.host} answered, but protocol {self.version} sent nothing that "
                        "proves the new local key"
                    )
        except BaseException:
            client.abort()
            raise
        finally:
            held, self._held = self._held, {}
            self._opening = None
        self._remember(client)
        self._client = client
        self._state = DeviceState.CONNECTED
        self._session_opened = self._clock()
        self._sessions += 1
        self._drops = 0
        self._logged_unexpected = False
        self._report(client, {**status, **held}, pushed=False, notify=not first)
        self._set_health(
            connected=True,
            connected_since=time.time(),
            last_seen=client.last_seen,
            reconnects=self._sessions - 1,
            fault=None,
            error=None,
            failures=0,
            drops=0,
            key_rejected=self._health.key_rejected
            and not (prove or session_proves_key(self.version)),
        )
        if (trial := self._trial) is not None and not trial.proven.done():
            if self._opening_key == trial.local_key:
                trial.proven.set_result(None)
            else:  # opened with the old key while the new one waited: try the new one
                self._lost(client, None, reconnect_now=True)

    def _lost(
        self, client: TuyaClient, error: BaseException | None, *, reconnect_now: bool = False
    ) -> None:
        """The session of ``client`` ended: forget it and let supervision reconnect."""
        if client is not self._client:
            return
        self._client = None
        if self._state is not DeviceState.CLOSED:
            self._state = DeviceState.WAITING
        try:
            client.abort()
        except Exception:  # a transport that fails to close is gone anyway
            _LOGGER.debug("%s: aborting the lost connection failed", self.host, exc_info=True)
        self._record.forget()
        # A clean close after a session that ran for a while is a device recycling its
        # socket (many do every few minutes): reconnect at once, not after a backoff.
        recycled = (
            error is None
            and not reconnect_now
            and self._clock() - self._session_opened >= self.timings.heartbeat
        )
        fault = None if reconnect_now else classify(error)
        self._set_health(
            connected=False,
            connected_since=None,
            closed_by_device=self._health.closed_by_device + recycled,
            fault=fault,
            error="reconnecting with a new address or key" if reconnect_now else _describe(error),
            failures=0,
            drops=0,
            key_rejected=self._health.key_rejected or fault is Fault.WRONG_KEY,
        )
        if reconnect_now:
            self._drops = 0
        self._reconnect_now = reconnect_now or recycled
        self._wakeup.set()

    def _attempt_failed(self, error: Exception) -> None:
        if self._state is not DeviceState.CLOSED and self._state is not DeviceState.PAUSED:
            self._state = DeviceState.WAITING
        if isinstance(error, HandshakeDroppedError):
            self._drops += 1
        else:
            self._drops = 0
        fault = classify(error, self._drops)
        self._set_health(
            connected=False,
            fault=fault,
            error=_describe(error),
            failures=self._health.failures + 1,
            drops=self._drops,
            key_rejected=self._health.key_rejected or fault is Fault.WRONG_KEY,
        )
        trial = self._trial
        if trial is not None and not trial.proven.done() and self._opening_key == trial.local_key:
            trial.failures += 1
            if (
                fault in KEY_FAULTS
                or isinstance(error, KeyUnprovenError)
                or trial.failures >= trial.attempts
            ):
                trial.proven.set_exception(error)

    async def _supervise(self) -> None:
        self._attempt = 0
        while self._state is not DeviceState.CLOSED:
            client = self._client
            try:
                if client is not None:
                    self._attempt = 0
                    await self._watch(client)
                    continue
                if self._state is DeviceState.PAUSED:
                    await self._unpaused.wait()
                    continue
                if self._reconnect_now:
                    self._reconnect_now = False
                else:
                    self._wakeup.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(backoff_delay(self._attempt, self.timings)):
                            await self._wakeup.wait()  # reconnect() cuts the wait short
                self._attempt += 1
                trial = self._trial
                await self._open(prove=trial is not None and trial.local_key == self._local_key)
            except asyncio.CancelledError as cancelled:
                task = asyncio.current_task()
                if self._is_closed() or task is None or task.cancelling():
                    raise  # close(): the only way supervision ends
                # A CancelledError that is not a cancellation of this task (a future
                # cancelled under a request) is one more error: recovery goes on.
                err = TuyaConnectionError(f"request cancelled: {cancelled}")
                self._log_unexpected(err)
                if client is not None:
                    self._lost(client, err)
                else:
                    self._attempt_failed(err)
            except Exception as err:  # nothing may end recovery
                if self._state is DeviceState.PAUSED and client is None:
                    continue  # the attempt paused() abandoned: not a failure
                self._log_unexpected(err)
                if client is not None:
                    self._lost(client, err)
                else:
                    self._attempt_failed(err)
                    _LOGGER.debug(
                        "Reconnect attempt %s to %s:%s failed: %s",
                        self._attempt,
                        self.host,
                        self.port,
                        _describe(err),
                    )

    async def _watch(self, client: TuyaClient) -> None:
        """Heartbeat ``client`` until its session ends."""
        while client is self._client:
            self._wakeup.clear()
            try:
                async with asyncio.timeout(self.timings.heartbeat):
                    await self._wakeup.wait()
                continue  # woken: the session ended, or reconnect() was asked
            except TimeoutError:
                pass
            started = time.perf_counter()
            try:
                await client.heartbeat()
            except TuyaTimeoutError:
                if client is not self._client:
                    return
                # One unanswered heartbeat is not a stall: busy firmware skips some.
                # A status read at once decides (a command of its own, so no late
                # heartbeat reply can pass for its answer); its timeout drops the session.
                _LOGGER.debug("%s missed a heartbeat; reading its status", self.host)
                try:
                    status = await client.status()
                except DeviceError:
                    continue  # it answered: alive
                self._report(client, status, pushed=False)
                continue
            if client is self._client:
                self._set_health(rtt=time.perf_counter() - started, last_seen=client.last_seen)

    def _is_closed(self) -> bool:
        # A method, not a test inline: close() changes the state while a loop awaits.
        return self._state is DeviceState.CLOSED

    def _log_unexpected(self, err: Exception) -> None:
        if isinstance(err, TuyaError | OSError) or self._logged_unexpected:
            return
        self._logged_unexpected = True  # once per outage: the next session resets it
        _LOGGER.error(
            "Unexpected error in the session with %s:%s; retrying",
            self.host,
            self.port,
            exc_info=err,
        )

    def _set_health(self, **changes: Any) -> None:
        health = self._health
        self._health = new = dataclasses.replace(health, **changes)
        if new != health and (on_health := self.on_health) is not None:
            try:
                on_health(new)
            except Exception:
                _LOGGER.exception("%s: error in the health callback", self.host)


@dataclass(slots=True)
class _KeyTrial:
    """A new key on trial (TuyaDevice.try_key): proven by a session, or disproven."""

    proven: asyncio.Future[None]
    local_key: str
    attempts: int
    failures: int = 0


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "closed by the device"
    return str(error) or type(error).__name__


def _as_tuya_error(error: BaseException) -> TuyaError:
    if isinstance(error, TuyaError):
        return error
    return TuyaConnectionError(_describe(error))


__all__ = [
    "BACKOFF_MAX",
    "DEFAULT_TIMINGS",
    "HEARTBEAT_INTERVAL",
    "KEY_FAULTS",
    "DeviceState",
    "DeviceUpdate",
    "Fault",
    "Health",
    "Timings",
    "TuyaDevice",
    "backoff_delay",
    "classify",
    "session_proves_key",
]
