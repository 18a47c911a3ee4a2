"""Gateways: Zigbee and Bluetooth sub-devices behind a Tuya WiFi gateway, one session.

A hub accepts only one to three LAN connections and pushes every child's changes to
each of them (tuya-local README "Hubs are currently supported, but with limitations";
rospogrigio/localtuya PR #628), so all children share the gateway's session: its
device id, local key and protocol version, each child named by its ``cid`` (the
cloud's ``node_id``, or for some Bluetooth children the ``uuid``).

:class:`TuyaGateway` is a :class:`~.device.TuyaDevice` (supervision, heartbeats,
reconnects, pacing) whose client routes frames by ``cid``: :meth:`TuyaGateway.add_child`
gives a :class:`TuyaChild` with its own DPs, updates and health. A push for a ``cid``
no child has is logged once and kept (bounded) for a child added later; it never
reaches another device.

Presence. A gateway answers a status query about an offline child with cached values
and accepts commands to it silently (rospogrigio/localtuya PR #1493: "the gateway
always responds with the cached status"), so a status read proves nothing about a
child. The evidence, strongest first:

* 3.4/3.5: the gateway's ``subdev_online_stat_report`` (cmd 0x40), the answer to our
  ``subdev_online_stat_query`` and sent by itself when a child comes or goes. One
  answer may be split over several frames (xZetsubou/hass-localtuya #227: reports of
  17 and 3 cids back to back), so frames within ``presence_window`` of the first are
  merged into one answer before any child is declared offline; a child the merged
  answer to our query names in neither list is absent only after ``ABSENT_ANSWERS``
  answers in a row (one list may still have been cut short).
* A push carrying a child's ``cid``: the gateway just heard from it, so it is online.
* A status query or write refused with "devid not found" (codetheweb/tuyapi #305):
  the gateway does not know the child (removed, or re-paired under a new id).
* 3.1-3.3 gateways do not answer the presence query (hass-localtuya: it is sent on
  3.4+ only), and it is not sent to them; a report they send by themselves is still
  taken. Without one, a child's presence stays UNKNOWN, which counts as available
  while the gateway's session is up: there is no better local evidence on 3.3.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from .client import TuyaClient
from .const import TCP_PORT, Command
from .device import DeviceState, DeviceUpdate, DpRecord, TuyaDevice
from .errors import (
    DeviceError,
    InvalidValueError,
    KeyUnprovenError,
    NoStatusError,
    NotConnectedError,
    ReplyTooLargeError,
    TuyaConnectionError,
    TuyaError,
    TuyaTimeoutError,
)
from .protocol import SUBDEV_REPORT, Message, validate_cid

_LOGGER = logging.getLogger(__name__)

# Reports within this many seconds of the first are one answer (split reports).
PRESENCE_WINDOW: Final = 2.0
# Between two presence queries on 3.4/3.5 (hass-localtuya asks every 8.3 s as its
# keep-alive; the heartbeat keeps ours alive, and a gateway reports changes itself).
PRESENCE_INTERVAL: Final = 60.0
# Merged answers in a row that name a child in neither list before it counts as absent.
ABSENT_ANSWERS: Final = 2
# Presence queries that got no report before the gateway counts as not answering them.
UNANSWERED_QUERIES: Final = 3
# The versions whose gateways answer the presence query.
PRESENCE_VERSIONS: Final = ("3.4", "3.5")
# Unknown cids whose pushes are kept for a child added later (oldest forgotten first),
# and the cids one presence report may name: a device's input is bounded.
MAX_ORPHANS: Final = 64
MAX_REPORT_CIDS: Final = 1024
# Children asked at most to prove a new key when the gateway's own answer did not.
KEY_PROVING_CHILDREN: Final = 3
# The error text of a gateway asked about a cid it does not know.
UNKNOWN_CID_MARKERS: Final = ("devid not",)
# The commands a gateway acknowledges with an empty frame, the data following as a push.
_ACKED_ONLY: Final = (Command.CONTROL_NEW, Command.UPDATEDPS)
# Reasons a child is unavailable, as the health says them.
OFFLINE_REASON: Final = "offline at the gateway"
ABSENT_REASON: Final = "not known to the gateway (removed, or re-paired under another id?)"


class Presence(StrEnum):
    """What the gateway says about one child."""

    UNKNOWN = "unknown"
    """No evidence yet (a 3.1-3.3 gateway may never give any): available."""
    ONLINE = "online"
    OFFLINE = "offline"
    """The gateway reports it offline: its answers are cached values, commands lost."""
    ABSENT = "absent"
    """The gateway does not know it (left out of its lists, or "devid not found")."""


class ChildOfflineError(NotConnectedError):
    """A command to a child the gateway reports offline or does not know: the gateway
    would accept it and nothing would happen."""


@dataclass(frozen=True, slots=True)
class ChildHealth:
    """A snapshot of one child's reachability through its gateway."""

    cid: str
    presence: Presence
    gateway_connected: bool
    reason: str | None = None
    """Why it is unavailable (None while available)."""

    @property
    def available(self) -> bool:
        """Whether commands reach the child and its values are current."""
        return self.reason is None


type ChildUpdateCallback = Callable[[DeviceUpdate], None]
type ChildHealthCallback = Callable[[ChildHealth], None]


def _nothing() -> None:
    pass


def _dp_ids_only(dps: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``dps`` whose key is a DP id (1-3 ASCII digits)."""
    return {dp: v for dp, v in dps.items() if dp.isascii() and dp.isdigit() and len(dp) <= 3}


def _names_a_child(message: Message) -> bool:
    """Whether a message carries a ``cid`` field at all (valid or not)."""
    data = message.data
    if data is None:
        return False
    inner = data.get("data")
    return "cid" in data or (isinstance(inner, dict) and "cid" in inner)


def parse_presence_report(data: Mapping[str, Any] | None) -> tuple[set[str], set[str]] | None:
    """(online cids, offline cids) of a ``subdev_online_stat_report``; None if it is not
    one. Entries that cannot be cids are left out, and at most MAX_REPORT_CIDS read."""
    if data is None or data.get("reqType") != SUBDEV_REPORT:
        return None
    body = data.get("data")
    if not isinstance(body, dict):
        return None
    lists: list[set[str]] = []
    for name in ("online", "offline"):
        entries = body.get(name)
        found: set[str] = set()
        if isinstance(entries, list):
            for cid in entries[:MAX_REPORT_CIDS]:
                with contextlib.suppress(TuyaError):
                    found.add(validate_cid(cid))
        lists.append(found)
    return lists[0], lists[1]


class _GatewayClient(TuyaClient):
    """A client that routes a gateway's frames: a child's to ``on_child_status``,
    presence reports to ``on_presence``, the gateway's own as any device's."""

    on_child_status: Callable[[str, dict[str, Any]], None] | None = None
    on_presence: Callable[[set[str], set[str]], None] | None = None
    # The cids of the gateway's children, asked when a child must prove the key.
    child_cids: Callable[[], Iterable[str]] = tuple

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The child each request in flight is about, by our seqno (unique on a session).
        self._request_cids: dict[int, str] = {}
        # Frames dispatched so far; when each request in flight was answered (by our
        # seqno); and, for a child a query is in flight about, when each of its DPs
        # was last pushed. A reply is applied when its caller resumes, after pushes
        # that came behind it in the same read: those are newer than the reply.
        self._frames = 0
        self._answered_at: dict[int, int] = {}
        self._pushed_at: dict[str, dict[str, int]] = {}

    async def status(self, *, device22_fallback: bool = True) -> dict[str, Any]:
        """The gateway's own DPs, asked once; {} for a gateway that has none.

        Many hubs refuse a query without a ``cid`` ("json obj data unvalid"; tinytuya
        turns device22 detection off on a parent for that reason, and #592): that is
        not a device22, and its null-valued query, shaped like a write, is never sent.
        """
        error, dps = await self._query(self._session.query_request)
        if error is not None:
            _LOGGER.debug("%s: the gateway reports no DPs of its own (%s)", self.host, error)
            return {}
        return dps

    async def confirm_key(self, status: dict[str, Any]) -> bool:
        """Whether the session proved the key, asking a child when the gateway's own
        answer did not: a 3.3 hub refuses a query without a cid in plaintext ("json obj
        data unvalid"), which proves nothing, while its answer about a child is
        encrypted with the key (and one that does not decrypt is WrongKeyError)."""
        if await super().confirm_key(status) or self.version == "3.1":
            return self._session.key_proven
        for cid in list(self.child_cids())[:KEY_PROVING_CHILDREN]:
            with contextlib.suppress(DeviceError, NoStatusError):
                await self.child_status(cid)
            if self._session.key_proven:
                break
        return self._session.key_proven

    async def child_status(
        self, cid: str, *, sent: Callable[[], None] = _nothing
    ) -> dict[str, Any]:
        """Child ``cid``'s DPs as the gateway holds them (cached for an offline child).
        ``sent()`` is called once the request is on its way."""
        self._pushed_at.setdefault(cid, {})
        try:
            reply, answered_at = await self._child_request(
                cid, lambda: self._session.query_request(cid=cid), sent
            )
            newer = self._pushed_at.get(cid, {})
        finally:
            if cid not in self._request_cids.values():
                self._pushed_at.pop(cid, None)
        if reply.error is not None:
            raise reply.error
        if reply.cid not in (None, cid):
            self._push(reply)  # about another child: its data, not this one's answer
            raise DeviceError(f"the gateway answered about {reply.cid}, not {cid}", 0)
        if reply.dps is None:
            raise NoStatusError(f"the gateway reported no DP of sub-device {cid}", self.version)
        # Left out: the DPs the child pushed after this answer (their values are newer).
        dps = _dp_ids_only(reply.dps)
        return {dp: value for dp, value in dps.items() if newer.get(dp, 0) <= answered_at}

    async def child_set_dps(
        self, cid: str, dps: dict[str, Any], *, sent: Callable[[], None] = _nothing
    ) -> dict[str, Any]:
        """Write DPs of child ``cid``; the DPs the acknowledgement carries."""
        reply, _ = await self._child_request(
            cid, lambda: self._session.control_request(dps, cid=cid), sent
        )
        if reply.error is not None:
            raise reply.error
        if reply.dps and reply.cid in (None, cid):
            return _dp_ids_only(reply.dps)
        return {}

    async def child_update_dps(
        self, cid: str, dp_ids: Iterable[int], *, sent: Callable[[], None] = _nothing
    ) -> None:
        """Ask the gateway to push fresh values of child ``cid``'s ``dp_ids``."""
        reply, _ = await self._child_request(
            cid, lambda: self._session.update_dps_request(dp_ids, cid=cid), sent
        )
        if reply.error is not None:
            raise reply.error

    async def _child_request(
        self, cid: str, build: Callable[[], tuple[int, int, bytes]], sent: Callable[[], None]
    ) -> tuple[Message, int]:
        """Send one request about child ``cid`` and wait for the reply that answers it
        (see ``_waiter_for``): the reply, and the number of frames dispatched when it
        came. TuyaTimeoutError naming the child when none comes."""
        seqnos: list[int] = []

        def build_and_tell() -> tuple[int, int, bytes]:
            reply_cmd, seqno, frame = build()
            self._request_cids[seqno] = cid
            seqnos.append(seqno)
            # The frame is written right after this returns, before anything else can
            # run on the loop: from here on the session is free for the next request.
            sent()
            return reply_cmd, seqno, frame

        try:
            reply = await self._request(build_and_tell)
            return reply, self._answered_at.get(seqnos[0], self._frames)
        except TuyaTimeoutError as err:
            if isinstance(err, ReplyTooLargeError):
                raise
            raise TuyaTimeoutError(
                f"{self.host}: the gateway did not answer the request to sub-device {cid} "
                f"within {self.timeout:g} s (asleep or out of its radio's reach?)"
            ) from None
        finally:
            for seqno in seqnos:
                self._request_cids.pop(seqno, None)
                self._answered_at.pop(seqno, None)

    # -- which reply answers which request ---------------------------------------------
    #
    # Requests about different children are in flight together (a child whose radio
    # never answers must not hold up the others), so a reply must be matched to the
    # request it answers:
    # * 3.1-3.4 replies echo our seqno (PROTOCOL.md 5, localtuya waits on it): that
    #   request, exactly.
    # * Otherwise a reply that names a cid (the answer to a query: the cid beside
    #   ``dps`` on 3.3, inside ``data`` on 3.4/3.5, as tinytuya's _process_message
    #   reads it) answers the oldest waiting request about that child; about a child
    #   nobody asked, it is a push.
    # * A reply that names none: on 3.1-3.4 the oldest (heartbeats of 3.1/3.2 carry
    #   seqno 0). A 3.5 device numbers its frames with its own counter and echoes
    #   nothing (TuyaOpen ``sequence_out``, tinytuya skips the seq check on 3.5), so
    #   an empty acknowledgement of a write or refresh is ambiguous while two of the
    #   same command wait: a gateway answers in order but not at all for a child it
    #   cannot reach, so "the oldest" would hand the ack of a reachable child to the
    #   unreachable one. There, an acknowledgement is taken only by the one request of
    #   its command waiting; with several, each is answered by the gateway's push
    #   naming its child (the change the write made, the values a refresh asked for),
    #   which a gateway sends right after acknowledging (PROTOCOL.md 3.3), and an
    #   error reply (its text, no cid) by the oldest.

    def _waiter_for(
        self, message: Message, waiting: deque[tuple[int, asyncio.Future[Message]]]
    ) -> tuple[int, asyncio.Future[Message]] | None:
        entry = self._match(message, waiting)
        if entry is not None and entry[0] in self._request_cids:
            self._answered_at[entry[0]] = self._frames
        return entry

    def _match(
        self, message: Message, waiting: deque[tuple[int, asyncio.Future[Message]]]
    ) -> tuple[int, asyncio.Future[Message]] | None:
        if self.version != "3.5":
            exact = next((e for e in waiting if e[0] == message.seqno), None)
            if exact is not None:
                return exact
        if (cid := message.cid) is not None:
            return next((e for e in waiting if self._request_cids.get(e[0]) == cid), None)
        if self.version != "3.5" or not message.is_empty or len(waiting) == 1:
            return waiting[0]
        _LOGGER.debug(
            "%s: an acknowledgement while %d requests wait: left to the pushes",
            self.host,
            len(waiting),
        )
        return None

    def _settle_by_push(self, message: Message) -> None:
        """3.5: a push naming a child answers the oldest write or refresh about it that
        is still waiting (see above)."""
        cid = message.cid
        if self.version != "3.5" or cid is None:
            return
        for reply_cmd in _ACKED_ONLY:
            waiting = self._pending.get(reply_cmd)
            entry = next((e for e in waiting or () if self._request_cids.get(e[0]) == cid), None)
            if waiting is not None and entry is not None:
                waiting.remove(entry)
                if not entry[1].done():
                    entry[1].set_result(message)
                return

    def _abandon(self, reply_cmd: int, seqno: int) -> None:
        # A 3.5 child's reply is matched by its cid or by the child's push (above), so
        # a late one cannot be taken for another child's: nothing to remember, and an
        # unreachable child must not make the next request's answer count as late.
        if self.version == "3.5" and seqno in self._request_cids:
            return
        super()._abandon(reply_cmd, seqno)

    def subdev_query(self) -> None:
        """Send the presence query; the answers come as reports (``on_presence``)."""
        if not self.connected:
            raise NotConnectedError(f"not connected to {self.host}")
        _, _, frame = self._session.subdev_query_request()
        self._write(frame)

    def _dispatch(self, message: Message) -> None:
        self._frames += 1
        if message.cmd == Command.LAN_EXT_STREAM and self._handshake is None:
            report = parse_presence_report(message.data)
            if report is None:
                _LOGGER.debug("%s: ignored a 0x40 frame that is no presence report", self.host)
            elif (on_presence := self.on_presence) is not None:
                on_presence(*report)
            return
        super()._dispatch(message)

    def _push(self, message: Message) -> None:
        if not _names_a_child(message):
            super()._push(message)
            return
        self._settle_by_push(message)
        cid, dps = message.cid, message.dps
        if cid is None:
            _LOGGER.debug("%s: dropped a report whose cid is not one", self.host)
            return
        if dps is None:
            return
        if (pushed_at := self._pushed_at.get(cid)) is not None:  # a query about it waits
            pushed_at.update(dict.fromkeys(dps, self._frames))
        if (on_child := self.on_child_status) is not None:
            try:
                on_child(cid, _dp_ids_only(dps))
            except Exception:
                _LOGGER.exception("%s: error in the sub-device callback", self.host)

    async def close(self) -> None:
        self.on_child_status = self.on_presence = None
        await super().close()

    def abort(self) -> None:
        self.on_child_status = self.on_presence = None
        super().abort()


class TuyaChild:
    """One sub-device of a :class:`TuyaGateway`: its DPs, updates and health.

    ``on_update(update)`` gets a :class:`~.device.DeviceUpdate` for every report of this
    child; ``on_health(health)`` a :class:`ChildHealth` whenever its availability or
    presence changes (the gateway's session included). Made by
    :meth:`TuyaGateway.add_child`.
    """

    def __init__(
        self,
        gateway: TuyaGateway,
        cid: str,
        *,
        dps: Mapping[str, Any],
        presence: Presence,
        on_update: ChildUpdateCallback | None,
        on_health: ChildHealthCallback | None,
    ) -> None:
        self.gateway = gateway
        self.cid = cid
        self.on_update = on_update
        self.on_health = on_health
        self._record = DpRecord(cid, dps)
        self._presence = presence
        self._health = self._current_health()
        self._absent_answers = 0  # merged presence answers in a row that left it out

    # -- what a consumer reads -----------------------------------------------------

    @property
    def dps(self) -> Mapping[str, Any]:
        """The latest known value of every DP (a read-only copy)."""
        return MappingProxyType(dict(self._record.dps))

    @property
    def presence(self) -> Presence:
        return self._presence

    @property
    def health(self) -> ChildHealth:
        return self._health

    @property
    def available(self) -> bool:
        return self._health.available

    def snapshot(self) -> DeviceUpdate:
        """The whole known state as one update, every DP counted as changed."""
        return self._record.snapshot()

    # -- requests --------------------------------------------------------------------

    async def refresh(self) -> DeviceUpdate:
        """Read the child's DPs through the gateway now (sent in turn with every command
        on the gateway's session). An offline child's values are the gateway's cache."""
        status = await self.gateway._child_call(
            self, lambda c, sent: c.child_status(self.cid, sent=sent)
        )
        return self._record.take(status, pushed=False) or self._record.unchanged()

    async def set_dps(self, dps: Mapping[str, Any]) -> None:
        """Write DPs; returns once the gateway acknowledged them. The values reach
        ``on_update`` when the child reports them (the gateway's push, or a read
        ``confirm_wait`` after the acknowledgement).

        ChildOfflineError at once for a child the gateway reports offline or absent
        (the gateway would take the command and drop it); NotConnectedError while the
        gateway is not connected.
        """
        if self._presence in (Presence.OFFLINE, Presence.ABSENT):
            raise ChildOfflineError(
                f"sub-device {self.cid} is {self._health.reason}: the command would be lost"
            )
        written = {str(dp) for dp in dps}
        with self._record.writing(written):
            reported = await self.gateway._child_call(
                self, lambda c, sent: c.child_set_dps(self.cid, dict(dps), sent=sent)
            )
        if reported:
            self._report(reported, pushed=True)
        self._record.expect(
            written,
            self.gateway.timings.confirm_wait,
            self._read_back,
            lambda: self.gateway.state is not DeviceState.CLOSED,
        )

    # -- reports -------------------------------------------------------------------

    def _report(self, dps: Mapping[str, Any], *, pushed: bool) -> None:
        if (update := self._record.take(dps, pushed=pushed)) is not None:
            self._record.tell(update, self.on_update)

    async def _read_back(self, _unconfirmed: list[str]) -> None:
        """The gateway acknowledged a write and did not push it: read the child."""
        try:
            status = await self.gateway._child_call(
                self, lambda c, sent: c.child_status(self.cid, sent=sent)
            )
        except TuyaError as err:
            _LOGGER.debug("%s: reading back a write failed: %s", self.cid, err)
        else:
            self._report(status, pushed=False)

    def _set_presence(self, presence: Presence) -> None:
        if presence is not Presence.ABSENT:
            self._absent_answers = 0
        if presence is not self._presence:
            _LOGGER.debug("%s: sub-device %s is %s", self.gateway.host, self.cid, presence)
            self._presence = presence
            self._health_changed()

    def _current_health(self) -> ChildHealth:
        gateway = self.gateway.health
        reason: str | None = None
        if not self.gateway.connected:
            reason = f"gateway not connected ({gateway.error or 'connecting'})"
        elif self._presence is Presence.OFFLINE:
            reason = OFFLINE_REASON
        elif self._presence is Presence.ABSENT:
            reason = ABSENT_REASON
        return ChildHealth(self.cid, self._presence, self.gateway.connected, reason)

    def _health_changed(self) -> None:
        health = self._current_health()
        if health == self._health:
            return
        self._health = health
        if (on_health := self.on_health) is not None:
            try:
                on_health(health)
            except Exception:
                _LOGGER.exception("%s: error in the health callback", self.cid)

    def _stop(self) -> None:
        self.on_update = self.on_health = None
        if (task := self._record.cancel()) is not None:
            task.cancel()


@dataclass(slots=True)
class _PresenceWindow:
    """Reports merged into one answer: what they said of each cid (online or not; the
    later report wins: a split answer names each cid once, and a child that went away
    in the meantime is named again), and whether it answers a query."""

    online: dict[str, bool]
    answers_query: bool
    done: asyncio.Future[dict[str, bool]]
    answered: bool = False
    timer: asyncio.TimerHandle | None = None


class TuyaGateway(TuyaDevice):
    """A supervised session with a Tuya gateway, shared by its sub-devices.

    Takes every argument of :class:`~.device.TuyaDevice` (the gateway's id, key and
    version), plus ``presence_interval`` (seconds between presence queries, 3.4/3.5)
    and ``presence_window`` (seconds over which split presence reports are merged).
    Commands and reads of every child go through the gateway's one session, sent one
    at a time, ``min_command_gap`` apart; their replies are awaited side by side and
    matched to the request they answer (``_GatewayClient._waiter_for``), so a child the
    gateway never answers for ends in its own timeout and holds the others up by the
    gap, no more.
    """

    _client_class = _GatewayClient

    def __init__(
        self,
        host: str,
        device_id: str,
        local_key: str,
        version: str,
        *,
        presence_interval: float = PRESENCE_INTERVAL,
        presence_window: float = PRESENCE_WINDOW,
        **options: Any,
    ) -> None:
        super().__init__(host, device_id, local_key, version, **options)
        self.presence_interval = presence_interval
        self.presence_window = presence_window
        self._children: dict[str, TuyaChild] = {}
        # Pushes and presence of cids no child has (yet), oldest first, bounded.
        self._orphans: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._orphan_presence: OrderedDict[str, Presence] = OrderedDict()
        self._window: _PresenceWindow | None = None
        self._session_task: asyncio.Task[None] | None = None
        self._unanswered_queries = 0
        self.presence_supported: bool | None = None
        """True once the gateway sent a presence report; False once it left
        UNANSWERED_QUERIES queries unanswered; None before either (and on 3.1-3.3
        until it reports by itself)."""

    # -- children ------------------------------------------------------------------

    @property
    def children(self) -> Mapping[str, TuyaChild]:
        return MappingProxyType(self._children)

    def add_child(
        self,
        cid: str,
        *,
        on_update: ChildUpdateCallback | None = None,
        on_health: ChildHealthCallback | None = None,
    ) -> TuyaChild:
        """Route child ``cid``'s frames to a new :class:`TuyaChild` (no I/O: call its
        ``refresh()`` for its values). It starts from what the gateway pushed and
        reported about ``cid`` before. InvalidValueError for a ``cid`` that cannot be
        one, ValueError for a ``cid`` added already."""
        validate_cid(cid)
        if cid in self._children:
            raise ValueError(f"sub-device {cid} is added already")
        child = TuyaChild(
            self,
            cid,
            dps=self._orphans.pop(cid, {}),
            presence=self._orphan_presence.pop(cid, Presence.UNKNOWN),
            on_update=on_update,
            on_health=on_health,
        )
        self._children[cid] = child
        return child

    def remove_child(self, cid: str) -> None:
        """Stop routing ``cid`` to its child; no callback of it after this."""
        child = self._children.pop(cid, None)
        if child is not None:
            child._stop()

    async def query_presence(self) -> dict[str, bool]:
        """Ask the gateway which children are online now: {cid: online} as its reports
        said it, merged over ``presence_window`` (the children are updated by then);
        {} when no report came or the session ended. NotConnectedError while down."""
        client = self._require_client()
        assert isinstance(client, _GatewayClient)
        client.subdev_query()
        window = self._open_window(answers_query=True)
        return dict(await asyncio.shield(window.done))

    async def _child_call[T](
        self,
        child: TuyaChild,
        work: Callable[[_GatewayClient, Callable[[], None]], Awaitable[T]],
    ) -> T:
        """Run one request about ``child`` on the gateway's session: sent one at a time
        and ``min_command_gap`` apart with every command, its reply awaited outside
        the command lock (``work`` calls the callback it gets once the request is
        sent), so a child the gateway never answers for holds the others up by the gap,
        not the timeout. A failure of the session ends it (supervision reconnects);
        the gateway's refusal and a timeout leave it up."""
        self._require_client()
        lock = self._command_lock
        await lock.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                lock.release()

        try:
            client = self._require_client()
            if self._last_write is not None:
                wait = self._last_write + self.timings.min_command_gap - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                    client = self._require_client()
            self._last_write = self._clock()
            assert isinstance(client, _GatewayClient)
            try:
                return await work(client, release)
            except DeviceError as err:
                if any(marker in err.text for marker in UNKNOWN_CID_MARKERS):
                    child._set_presence(Presence.ABSENT)
                raise
            except TuyaTimeoutError, NoStatusError, ReplyTooLargeError:
                raise
            except (TuyaError, OSError) as err:
                if isinstance(err, NotConnectedError) or client is not self._client:
                    raise
                self._lost(client, err)
                if isinstance(err, TuyaError):
                    raise
                raise TuyaConnectionError(str(err) or type(err).__name__) from err
        finally:
            release()

    # -- the session -----------------------------------------------------------------

    def _new_client(self) -> TuyaClient:
        client = super()._new_client()
        assert isinstance(client, _GatewayClient)

        def on_child_status(cid: str, dps: dict[str, Any]) -> None:
            self._on_child_push(client, cid, dps)

        def on_presence(online: set[str], offline: set[str]) -> None:
            self._on_presence(client, online, offline)

        client.on_child_status = on_child_status
        client.on_presence = on_presence
        client.child_cids = lambda: tuple(self._children)
        return client

    def _set_health(self, **changes: Any) -> None:
        was_connected = self._health.connected
        super()._set_health(**changes)
        if self._health.connected == was_connected and "error" not in changes:
            return
        if self._health.connected and not was_connected:
            self._start_session()
        elif not self._health.connected and was_connected:
            self._end_session()
        for child in list(self._children.values()):
            child._health_changed()

    def _start_session(self) -> None:
        client = self._client
        if client is None or self.state is DeviceState.CLOSED:
            return
        self._unanswered_queries = 0
        self._session_task = asyncio.get_running_loop().create_task(
            self._serve(client), name=f"tuyalan gateway {self.device_id}"
        )

    def _end_session(self) -> None:
        if self._session_task is not None:
            self._session_task.cancel()
            self._session_task = None
        self._close_window(cancelled=True)

    async def _serve(self, client: TuyaClient) -> None:
        """A new session: read every child (what changed while we were away), then ask
        for presence every ``presence_interval`` on the versions that answer it."""
        for child in list(self._children.values()):
            if client is not self._client:
                return
            try:
                update = await child.refresh()
            except TuyaError as err:
                _LOGGER.debug("%s: reading sub-device %s failed: %s", self.host, child.cid, err)
                continue
            if update.changed and (on_update := child.on_update) is not None:
                try:
                    on_update(update)
                except Exception:
                    _LOGGER.exception("%s: error in the update callback", child.cid)
        if self.version not in PRESENCE_VERSIONS:
            return
        while client is self._client and self.presence_supported is not False:
            try:
                await self.query_presence()
            except TuyaError as err:
                _LOGGER.debug("%s: presence query not sent: %s", self.host, err)
                return
            await asyncio.sleep(self.presence_interval)

    async def close(self) -> None:
        task = self._session_task
        self._end_session()
        for child in self._children.values():
            child._stop()
        if task is not None and task is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().close()
        # A report that came while the tasks ended may have opened a window again.
        self._close_window(cancelled=True)

    # -- what the gateway reports ------------------------------------------------------

    def _on_child_push(self, client: TuyaClient, cid: str, dps: dict[str, Any]) -> None:
        if client is not self._client and client is not self._opening:
            return
        child = self._children.get(cid)
        if child is None:
            self._keep_orphan(cid, dps)
            return
        # The gateway just heard from the child: it is online, whatever was said before.
        child._set_presence(Presence.ONLINE)
        if dps:
            child._report(dps, pushed=True)

    def _keep_orphan(self, cid: str, dps: dict[str, Any]) -> None:
        if cid not in self._orphans:
            _LOGGER.info(
                "%s: the gateway reports sub-device %s, which is not added here; its "
                "values are kept for when it is",
                self.host,
                cid,
            )
            self._orphans[cid] = {}
            while len(self._orphans) > MAX_ORPHANS:
                self._orphans.popitem(last=False)
        self._orphans[cid].update(dps)
        self._orphan_presence[cid] = Presence.ONLINE
        self._bound_orphan_presence()

    def _bound_orphan_presence(self) -> None:
        while len(self._orphan_presence) > MAX_ORPHANS:
            self._orphan_presence.popitem(last=False)

    def _on_presence(self, client: TuyaClient, online: set[str], offline: set[str]) -> None:
        if client is not self._client:
            return
        if self.presence_supported is not True:
            _LOGGER.debug("%s: the gateway reports its sub-devices' presence", self.host)
        self.presence_supported = True
        self._unanswered_queries = 0
        for cid in online:  # good news at once; "gone" only once the window closed
            if (child := self._children.get(cid)) is not None:
                child._set_presence(Presence.ONLINE)
        window = self._window or self._open_window(answers_query=False)
        window.online.update(dict.fromkeys(offline, False))
        window.online.update(dict.fromkeys(online, True))
        window.answered = True

    def _open_window(self, *, answers_query: bool) -> _PresenceWindow:
        window = self._window
        if window is None:
            done = asyncio.get_running_loop().create_future()
            window = self._window = _PresenceWindow({}, answers_query, done)
            window.timer = asyncio.get_running_loop().call_later(
                self.presence_window, self._close_window
            )
        window.answers_query = window.answers_query or answers_query
        return window

    def _close_window(self, *, cancelled: bool = False) -> None:
        window, self._window = self._window, None
        if window is None:
            return
        if window.timer is not None:
            window.timer.cancel()
        if not window.done.done():
            window.done.set_result({} if cancelled else dict(window.online))
        if cancelled:
            return
        if not window.answered:
            self._unanswered_queries += window.answers_query
            if self._unanswered_queries >= UNANSWERED_QUERIES and self.presence_supported is None:
                self.presence_supported = False
                _LOGGER.info(
                    "%s: the gateway does not answer the sub-device presence query; "
                    "its children count as online while it is connected",
                    self.host,
                )
            return
        for cid, online in window.online.items():
            if cid not in self._children:
                self._orphan_presence[cid] = Presence.ONLINE if online else Presence.OFFLINE
        self._bound_orphan_presence()
        for cid, child in list(self._children.items()):
            if cid in window.online:
                child._set_presence(Presence.ONLINE if window.online[cid] else Presence.OFFLINE)
            elif window.answers_query:
                child._absent_answers += 1
                if child._absent_answers >= ABSENT_ANSWERS:
                    child._set_presence(Presence.ABSENT)


__all__ = [
    "ChildHealth",
    "ChildOfflineError",
    "Presence",
    "TuyaChild",
    "TuyaGateway",
    "parse_presence_report",
]


async def probe_gateway(
    host: str,
    device_id: str,
    local_key: str,
    version: str,
    *,
    children: Iterable[str] = (),
    port: int = TCP_PORT,
    timeout: float = 5.0,
) -> None:
    """Connect to a gateway, prove its key and close: :func:`~.client.probe` for a hub,
    which refuses a status query of its own ("json obj data unvalid": no failure here).
    The key is proven by the 3.4/3.5 handshake, or by the answer about one of
    ``children`` (cids). Raises the library's typed errors, KeyUnprovenError when
    nothing proved the key."""
    cids: list[str] = []
    for cid in children:
        with contextlib.suppress(InvalidValueError):
            cids.append(validate_cid(cid))
    client = _GatewayClient(host, device_id, local_key, version, port=port, timeout=timeout)
    client.child_cids = lambda: tuple(cids)
    await client.connect()
    try:
        if not await client.confirm_key(await client.status()):
            raise KeyUnprovenError(
                f"{host} answered, but protocol {version} sent nothing that proves the local key"
            )
    finally:
        await client.close()
