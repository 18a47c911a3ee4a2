"""A simulated Tuya WiFi gateway (hub) with Zigbee / Bluetooth sub-devices (children).

The gateway is a :class:`~.device.SimulatedDevice` (its id, key, version, client
limit, faults) whose sessions also serve children addressed by ``cid``: status
queries, writes and refreshes carry the ``cid`` at the top level (3.1-3.3) or inside
``data`` (3.4/3.5; tinytuya puts it in both places), and a child's reports are pushed
with its ``cid`` to every connection. What real gateways do, each from a public source:

* a status query about an offline child is answered from the gateway's cache and a
  write to it is acknowledged and lost ("the gateway always responds with the cached
  status", https://github.com/rospogrigio/localtuya/pull/1493);
* presence comes from cmd 0x40 ``subdev_online_stat_report`` frames, the answer to
  ``subdev_online_stat_query`` and sent by itself when a child comes or goes, split
  over several frames (two reports of 17 and 3 cids,
  https://github.com/xZetsubou/hass-localtuya/issues/227): ``presence_split`` frames;
* 3.1-3.3 gateways do not answer the presence query (hass-localtuya sends it on 3.4+
  only, PROTOCOL.md 3.2): ``answers_presence_query`` defaults to False there;
* a query without a ``cid`` is refused with "json obj data unvalid" by many hubs
  (https://github.com/jasonacox/tinytuya/issues/592; tinytuya turns its device22
  detection off on a parent for that reason): ``answers_own_query``;
* an unknown ``cid`` gets "devid not found" (https://github.com/codetheweb/tuyapi/issues/305);
* a hub serves one to three LAN clients (tuya-local README, "Hubs are currently
  supported, but with limitations"): ``max_clients`` defaults to 2.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from custom_components.tuya_lan.tuyalan import Command
from custom_components.tuya_lan.tuyalan.codec import Frame, json_bytes

from .device import SimulatedDevice, _Connection
from .profiles import Profile, make_profile
from .session import NO_DP_DATA, Action, Answer, Control, DeviceSession, Refresh, _find_dps

_LOGGER = logging.getLogger(__name__)

GATEWAY_MAX_CLIENTS = 2
DEVID_NOT_FOUND = "devid not found"
SUBDEV_QUERY = "subdev_online_stat_query"
SUBDEV_REPORT = "subdev_online_stat_report"
# Seconds between a sensor's reports.
SENSOR_REPORT_INTERVAL = 30


class TemperatureSensorProfile(Profile):
    """A Zigbee temperature and humidity sensor (category wsdcg): 1 va_temperature
    (degrees C x 10), 2 va_humidity (%), 4 battery_percentage. Read-only; it reports
    every ``report_interval`` simulated seconds."""

    name = "temperature"

    def __init__(self, report_interval: int = SENSOR_REPORT_INTERVAL) -> None:
        self.report_interval = report_interval
        self._until_report = report_interval

    def initial_dps(self) -> dict[str, Any]:
        return {"1": 215, "2": 48, "4": 100}

    def step(self, dps: dict[str, Any]) -> dict[str, Any]:
        self._until_report -= 1
        if self._until_report > 0:
            return {}
        self._until_report = self.report_interval
        # A slow sawtooth between 20.0 and 23.0 degrees: it moves, deterministically.
        temperature = dps.get("1", 215)
        dps["1"] = 200 if temperature >= 230 else temperature + 1
        return {"1": dps["1"]}


CHILD_PROFILES = ("plug", "plug_a", "strip", "temperature", "none")


def make_child_profile(name: str) -> Profile:
    if name == "temperature":
        return TemperatureSensorProfile()
    return make_profile(name)


@dataclass(slots=True)
class SimulatedChild:
    """One sub-device: its DPs and behaviour, and whether the gateway reaches it."""

    cid: str
    profile: Profile
    dps: dict[str, Any] = field(default_factory=dict)
    online: bool = True
    writes: int = 0  # writes the gateway accepted for it (carried out or not)
    never_answers_commands: bool = False
    """Quirk: the gateway takes a write or refresh for this child and answers nothing at
    all, neither an acknowledgement nor a push, while it answers heartbeats and the
    other children: a Zigbee child asleep or out of the radio's reach. Source:
    rospogrigio/localtuya PR #1493 (https://github.com/rospogrigio/localtuya/pull/1493,
    witokondoria's log of 2023-09-17): the gateway answers the heartbeat, then
    "Command 7 timed out waiting for sequence number 17859" for a sub-device's
    ``{"cid":...,"dps":{"1":true}}``. A status query is still answered from the
    gateway's cache (the same thread: "the gateway always responds with the cached
    status")."""


@dataclass(frozen=True, slots=True)
class ChildControl(Control):
    """A client wrote DPs of child ``cid`` (already acknowledged)."""

    cid: str


@dataclass(frozen=True, slots=True)
class ChildRefresh(Refresh):
    """A client asked for fresh reports of child ``cid``'s DPs (already acknowledged)."""

    cid: str


def _request_cid(request: Any) -> str | None:
    """The ``cid`` a request names: top level, or inside ``data``."""
    if not isinstance(request, dict):
        return None
    cid = request.get("cid")
    if cid is None and isinstance(request.get("data"), dict):
        cid = request["data"].get("cid")
    return cid if isinstance(cid, str) else None


class GatewaySession(DeviceSession):
    """A gateway's side of one connection: the gateway's own DPs and its children's."""

    def __init__(self, gateway: SimulatedGateway, **options: Any) -> None:
        super().__init__(gateway.device_id, gateway._key, gateway.version, **options)
        self.gateway = gateway

    def _query(self, frame: Frame) -> list[Action]:
        request = self._read_json(frame)
        cid = _request_cid(request)
        if cid is None:
            if not self.gateway.answers_own_query:
                return [self._error(frame, NO_DP_DATA)]
            return super()._query(frame)
        child = self.gateway.children.get(cid)
        if child is None:
            return [self._error(frame, DEVID_NOT_FOUND)]
        # Online or not: the gateway answers from what it holds when it answers (after
        # a write to the child read before this query in the same batch).
        return [
            Answer(lambda: self._frame(frame.cmd, frame.seqno, self.child_json(cid, child.dps)))
        ]

    def _control(self, frame: Frame) -> list[Action]:
        request = self._read_json(frame)
        cid = _request_cid(request)
        if cid is None:
            return super()._control(frame)
        dps = _find_dps(request)
        if cid not in self.gateway.children:
            return [self._error(frame, DEVID_NOT_FOUND)]
        if self.gateway.children[cid].never_answers_commands:
            return []
        if not dps:
            return [self._error(frame, "data format error")]
        ack = self._frame(frame.cmd, frame.seqno, b"", retcode=self.ack_retcode)
        return [ack, ChildControl(dps=dps, cid=cid)]

    def _update_dps(self, frame: Frame) -> list[Action]:
        request = self._read_json(frame)
        cid = _request_cid(request)
        if cid is None:
            return super()._update_dps(frame)
        dp_ids = request.get("dpId") if isinstance(request, dict) else None
        if cid not in self.gateway.children:
            return [self._error(frame, DEVID_NOT_FOUND)]
        if self.gateway.children[cid].never_answers_commands:
            return []
        if not isinstance(dp_ids, list):
            return [self._error(frame, "data format error")]
        return [
            self._frame(frame.cmd, frame.seqno, b""),
            ChildRefresh(dp_ids=[str(d) for d in dp_ids], cid=cid),
        ]

    def _ext_stream(self, frame: Frame) -> list[Action]:
        request = self._read_json(frame)
        if not isinstance(request, dict) or request.get("reqType") != SUBDEV_QUERY:
            return []
        self.gateway.presence_queries += 1
        if not self.gateway.answers_presence_query:
            return []
        return list(self.gateway.presence_frames(self, frame.seqno))

    def child_json(self, cid: str, dps: Mapping[str, Any], timestamp: int | None = None) -> bytes:
        """A child's report: ``cid`` beside ``dps`` (3.1-3.3, as sniffed in
        rospogrigio/localtuya PR #318) or inside ``data`` (3.4/3.5, tinytuya #592)."""
        now = timestamp if timestamp is not None else int(time.time())
        if self.version in ("3.4", "3.5"):
            return json_bytes({"protocol": 4, "t": now, "data": {"dps": dict(dps), "cid": cid}})
        return json_bytes({"dps": dict(dps), "cid": cid, "t": now})

    def encode_child_push(
        self, cid: str, dps: Mapping[str, Any], serial: int, timestamp: int
    ) -> bytes | None:
        """A cmd-8 push of a child's DPs; None while the handshake is not done."""
        if self.closed or not self.ready:
            return None
        body = self.child_json(cid, dps, timestamp)
        return self._frame(Command.STATUS, 0, body, serial=serial)

    def encode_presence(
        self, online: list[str], offline: list[str], seqno: int = 0
    ) -> bytes | None:
        """One 0x40 presence report; None while the handshake is not done."""
        if self.closed or not self.ready:
            return None
        body = {"reqType": SUBDEV_REPORT, "data": {"online": online, "offline": offline}}
        return self._frame(Command.LAN_EXT_STREAM, seqno, json_bytes(body))


class SimulatedGateway(SimulatedDevice):
    """A Tuya gateway with children; see the module's docstring for its behaviours.

    ``children`` maps ``cid`` to :class:`SimulatedChild`. Children come and go with
    :meth:`add_child` / :meth:`remove_child` (paired, unpaired) and
    :meth:`child_offline` / :meth:`child_online` (out of radio reach, back), each
    reported to every connection as the gateway does.
    """

    def __init__(
        self,
        device_id: str,
        local_key: str,
        version: str = "3.4",
        *,
        children: Mapping[str, str | Profile] | None = None,
        presence_split: int = 2,
        answers_presence_query: bool | None = None,
        answers_own_query: bool = False,
        max_clients: int = GATEWAY_MAX_CLIENTS,
        **options: Any,
    ) -> None:
        options.setdefault("profile", "none")
        options.setdefault("product_key", "simgatewaykey000")
        super().__init__(device_id, local_key, version, max_clients=max_clients, **options)
        self.children: dict[str, SimulatedChild] = {}
        self.presence_split = max(1, presence_split)
        self.answers_presence_query = (
            version in ("3.4", "3.5") if answers_presence_query is None else answers_presence_query
        )
        self.answers_own_query = answers_own_query
        self.presence_queries = 0  # presence queries received (tests)
        for cid, profile in (children or {}).items():
            self.add_child(cid, profile, report=False)

    def _new_session(self) -> DeviceSession:
        return GatewaySession(
            self,
            dps=lambda: self.dps,
            device22=self.device22,
            strict_seqno=self.strict_seqno,
            ack_retcode=self.ack_retcode,
            query_ack_then_push=self.query_ack_then_push,
            rng=self._rng,
            quirks=self.quirks,
        )

    # -- children coming and going ---------------------------------------------------

    def add_child(
        self,
        cid: str,
        profile: str | Profile = "plug",
        *,
        dps: Mapping[str, Any] | None = None,
        report: bool = True,
    ) -> SimulatedChild:
        """Pair a child (online); ``report`` says so on every connection."""
        made = make_child_profile(profile) if isinstance(profile, str) else profile
        child = SimulatedChild(cid, made, made.initial_dps())
        child.dps.update({str(k): v for k, v in (dps or {}).items()})
        self.children[cid] = child
        if report:
            self.report_presence()
        return child

    def remove_child(self, cid: str) -> None:
        """Unpair a child: the gateway forgets it ("devid not found" from now on)."""
        del self.children[cid]
        self.report_presence()

    def child_offline(self, cid: str) -> None:
        """The child drops out of reach: reported offline, answered from the cache."""
        self.children[cid].online = False
        self.report_presence()

    def child_online(self, cid: str) -> None:
        """The child is back: reported online, and its current values pushed."""
        child = self.children[cid]
        child.online = True
        self.report_presence()
        self.push_child(cid, dict(child.dps))

    def set_child_dps(self, cid: str, dps: Mapping[str, Any], *, push: bool = True) -> None:
        """Change a child's DPs on its side (a button, a sensor) and push them."""
        child = self.children[cid]
        changed = {str(dp): value for dp, value in dps.items()}
        child.dps.update(changed)
        child.profile.on_set(child.dps, changed)
        if push and child.online:
            self.push_child(cid, changed)

    def push_child(self, cid: str, dps: Mapping[str, Any]) -> None:
        """Report a child's ``dps`` (cmd 8 with its cid) on every ready connection."""
        if not dps or self.stall:
            return
        self._serial = (self._serial + 1) & 0xFFFFFFFF
        timestamp = int(time.time())
        for connection in list(self._connections):
            session = connection.session
            assert isinstance(session, GatewaySession)
            frame = session.encode_child_push(cid, dps, self._serial, timestamp)
            if frame is not None:
                connection.write(frame)
                self.pushes += 1

    def report_presence(self) -> None:
        """Send the presence lists to every connection, as when a child comes or goes."""
        for connection in list(self._connections):
            session = connection.session
            assert isinstance(session, GatewaySession)
            for frame in self.presence_frames(session):
                connection.write(frame)

    def presence_frames(self, session: GatewaySession, seqno: int = 0) -> list[bytes]:
        """The presence lists as ``presence_split`` 0x40 reports (the first echoes
        ``seqno``, the answer to a query)."""
        online = [cid for cid, child in self.children.items() if child.online]
        offline = [cid for cid, child in self.children.items() if not child.online]
        parts = self.presence_split
        frames = []
        for index in range(parts):
            frame = session.encode_presence(
                online[index::parts], offline[index::parts], seqno if index == 0 else 0
            )
            if frame is not None:
                frames.append(frame)
        return frames

    # -- what clients ask ------------------------------------------------------------------

    def _act(self, connection: _Connection, actions: Iterable[Action]) -> None:
        plain: list[Action] = []
        for action in actions:
            if isinstance(action, ChildControl | ChildRefresh):
                super()._act(connection, plain)
                plain = []
                self._child_action(action)
            else:
                plain.append(action)
        super()._act(connection, plain)

    def _child_action(self, action: ChildControl | ChildRefresh) -> None:
        child = self.children.get(action.cid)
        if child is None:
            return
        if isinstance(action, ChildRefresh):
            if child.online:
                fresh = {dp: child.dps[dp] for dp in action.dp_ids if dp in child.dps}
                self.push_child(action.cid, fresh)
            return
        child.writes += 1
        if not child.online:
            # Acknowledged, and lost: the gateway cannot reach the child.
            _LOGGER.info("%s: a write to offline child %s was lost", self.device_id, action.cid)
            return
        changed = {dp: value for dp, value in action.dps.items() if dp in child.dps}
        if not changed:
            return
        child.dps.update(changed)
        child.profile.on_set(child.dps, changed)
        shown = json.dumps(changed, default=str)
        _LOGGER.info("%s: a client set %s of sub-device %s", self.device_id, shown, action.cid)
        self.push_child(action.cid, changed)

    def tick(self, seconds: float = 1.0) -> None:
        """Advance time: the gateway's, and every online child's profile."""
        whole = int(self._pending_seconds + seconds)
        super().tick(seconds)
        if self._offline_left is not None:
            return
        for _ in range(whole):
            for cid, child in list(self.children.items()):
                if child.online:
                    self.push_child(cid, child.profile.step(child.dps))
