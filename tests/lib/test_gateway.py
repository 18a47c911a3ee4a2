"""Gateways: sub-devices addressed by cid on the gateway's one session (issue 17).

Against the simulated gateway (tuya_sim.gateway) for 3.3, 3.4 and 3.5: routing by cid,
writes, presence from split 0x40 reports, pushes for unknown cids, the gateway
dropping, and 20 children pushing at once on one connection.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.tuya_lan.tuyalan import (
    ChildHealth,
    ChildOfflineError,
    Command,
    DeviceUpdate,
    HandshakeDroppedError,
    InvalidValueError,
    KeyUnprovenError,
    Presence,
    Timings,
    TuyaChild,
    TuyaError,
    TuyaGateway,
    TuyaTimeoutError,
    WrongKeyError,
    parse_presence_report,
    probe_gateway,
)
from custom_components.tuya_lan.tuyalan.codec import FrameParser, json_bytes
from custom_components.tuya_lan.tuyalan.protocol import ClientSession, Message
from tests.lib.common import Waits
from tuya_sim import SimulatedGateway
from tuya_sim.gateway import DEVID_NOT_FOUND
from tuya_sim.session import Answer

GATEWAY_ID = "bf0123456789abcdgw01"
KEY = "0123456789abcdef"
PLUG = "a4c13800000000p1"
SENSOR = "a4c13800000000s1"
OTHER = "a4c13800000000x9"
SILENT = "a4c13800000000q1"
NEW_KEY = "Zq4v!8RtW2m#Lp6x"
WINDOW = 0.2  # seconds: the presence window in these tests

type StartGateway = Callable[..., Any]


class Recorder(Waits):
    """What the children report, and a way to wait for it."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: dict[str, list[DeviceUpdate]] = {}
        self.health: dict[str, list[ChildHealth]] = {}

    def attach(self, gateway: TuyaGateway, cid: str) -> TuyaChild:
        def on_update(update: DeviceUpdate) -> None:
            self.updates.setdefault(cid, []).append(update)
            self.poke()

        def on_health(health: ChildHealth) -> None:
            self.health.setdefault(cid, []).append(health)
            self.poke()

        return gateway.add_child(cid, on_update=on_update, on_health=on_health)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def start_gateway(socket_enabled: None) -> AsyncIterator[StartGateway]:
    sims: list[SimulatedGateway] = []

    async def start(version: str, **options: Any) -> SimulatedGateway:
        options.setdefault("tick_interval", None)
        options.setdefault("seed", 1)
        options.setdefault("children", {PLUG: "plug", SENSOR: "temperature"})
        sim = SimulatedGateway(GATEWAY_ID, KEY, version, **options)
        sims.append(sim)
        await sim.start()
        return sim

    yield start
    for sim in sims:
        await sim.stop()


@pytest.fixture
async def gateways(recorder: Recorder) -> AsyncIterator[Callable[..., TuyaGateway]]:
    made: list[TuyaGateway] = []

    def make(sim: SimulatedGateway, **options: Any) -> TuyaGateway:
        options.setdefault("presence_window", WINDOW)
        # Timings by field name (timeout=, confirm_wait=, ...), as tests/lib/test_device.py.
        timing_fields = {field.name for field in dataclasses.fields(Timings)}
        timings = {name: options.pop(name) for name in list(options) if name in timing_fields}
        timings.setdefault("timeout", 1.0)
        timings.setdefault("confirm_wait", 0.2)
        gateway = TuyaGateway(
            "127.0.0.1",
            sim.device_id,
            KEY,
            sim.version,
            port=sim.port,
            timings=Timings(**timings),
            on_health=recorder.poke,
            on_update=recorder.poke,
            **options,
        )
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.close()


@pytest.fixture
def fast_backoff() -> Any:
    with patch("custom_components.tuya_lan.tuyalan.device.backoff_delay", return_value=0.01):
        yield


# -- the wire format, sans-IO ------------------------------------------------------------


def _sent(session: ClientSession, frame: bytes) -> dict[str, Any]:
    """What a request frame carries, read back as the device reads it."""
    parser = FrameParser(session.keys, has_retcode=False)
    parser.feed(frame)
    sent = parser.next_frame()
    assert sent is not None
    payload = sent.payload
    if session.version == "3.3":
        payload = session._ecb.decrypt(payload[15:] if len(payload) % 16 == 15 else payload)
    import orjson

    data: dict[str, Any] = orjson.loads(payload)
    data["_cmd"] = sent.cmd
    return data


def test_3_3_puts_the_cid_at_the_top_level_and_leaves_out_the_gateway_ids() -> None:
    session = ClientSession(GATEWAY_ID, KEY, "3.3")
    query = _sent(session, session.query_request(cid=PLUG)[2])
    assert query["_cmd"] == Command.DP_QUERY
    assert query["cid"] == PLUG
    assert "devId" not in query
    assert "gwId" not in query
    control = _sent(session, session.control_request({"1": True}, cid=PLUG)[2])
    assert control["_cmd"] == Command.CONTROL
    assert control["cid"] == PLUG
    assert control["dps"] == {"1": True}
    assert "devId" not in control
    refresh = _sent(session, session.update_dps_request([1], cid=PLUG)[2])
    assert refresh == {"dpId": [1], "cid": PLUG, "_cmd": Command.UPDATEDPS}


def test_wrapped_versions_put_cid_and_ctype_inside_data() -> None:
    from custom_components.tuya_lan.tuyalan.protocol import child_payload

    assert child_payload("3.4", PLUG) == {"cid": PLUG}
    write = child_payload("3.5", PLUG, dps={"1": False})
    assert write["data"] == {"cid": PLUG, "ctype": 0, "dps": {"1": False}}
    assert write["protocol"] == 5


@pytest.mark.parametrize("cid", ["", "a" * 65, "has space", "x\n", 12])
def test_a_cid_that_cannot_be_one_is_refused_before_anything_is_sent(cid: Any) -> None:
    session = ClientSession(GATEWAY_ID, KEY, "3.3")
    with pytest.raises(InvalidValueError):
        session.query_request(cid=cid)
    with pytest.raises(InvalidValueError):
        session.control_request({"1": True}, cid=cid)


def test_a_message_names_its_child_at_the_top_or_inside_data() -> None:
    top = Message(8, 0, 0, b"{}", {"dps": {"1": True}, "cid": PLUG})
    inner = Message(8, 0, 0, b"{}", {"protocol": 4, "data": {"dps": {"1": 1}, "cid": SENSOR}})
    odd = Message(8, 0, 0, b"{}", {"dps": {"1": True}, "cid": "bad cid\x00"})
    assert (top.cid, inner.cid, odd.cid) == (PLUG, SENSOR, None)
    assert Message(8, 0, 0, b"{}", {"dps": {}}).cid is None


def test_presence_reports_are_read_within_bounds() -> None:
    report = {
        "reqType": "subdev_online_stat_report",
        "data": {"online": [PLUG, 7, "no way", SENSOR], "offline": [OTHER], "nearby": []},
    }
    assert parse_presence_report(report) == ({PLUG, SENSOR}, {OTHER})
    assert parse_presence_report({"reqType": "other", "data": {}}) is None
    assert parse_presence_report({"reqType": "subdev_online_stat_report", "data": 3}) is None
    huge = {"reqType": "subdev_online_stat_report", "data": {"online": ["c"] * 10**5}}
    assert parse_presence_report(huge) == ({"c"}, set())
    assert json_bytes(report)  # what the simulator sends: JSON as any device writes it


# -- through the library, every version that has gateways ---------------------------------


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_children_are_read_written_and_pushed_on_one_session(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder, version: str
) -> None:
    sim = await start_gateway(version)
    gateway = gateways(sim)
    plug = recorder.attach(gateway, PLUG)
    sensor = recorder.attach(gateway, SENSOR)
    await gateway.connect()
    gateway.start()
    assert gateway.dps == {}  # the hub refuses a query about itself: no DPs of its own
    await recorder.until(lambda: plug.dps == sim.children[PLUG].dps and sensor.dps.get("1") == 215)
    assert plug.available
    assert sensor.available

    await plug.set_dps({"1": False})
    assert sim.children[PLUG].dps["1"] is False
    await recorder.until(lambda: plug.dps["1"] is False)
    assert recorder.updates[PLUG][-1].pushed == {"1": False}
    assert sensor.dps["1"] == 215  # another child's write never reaches this one

    sim.set_child_dps(SENSOR, {"1": 222})
    await recorder.until(lambda: sensor.dps["1"] == 222)
    assert "1" not in gateway.dps
    assert plug.dps["1"] is False
    assert sim.clients == 1  # two children, one connection
    assert sim.children[PLUG].writes == 1


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_a_child_the_gateway_never_answers_for_holds_up_no_other(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder, version: str
) -> None:
    """A write to a child the gateway takes and never answers (asleep, out of reach)
    ends in its own timeout; a write and a read of another child sent after it are
    answered meanwhile, and the session stays up for the commands after."""
    sim = await start_gateway(version, children={SILENT: "plug", PLUG: "plug"})
    sim.children[SILENT].never_answers_commands = True
    gateway = gateways(sim, timeout=2.0)
    silent = recorder.attach(gateway, SILENT)
    plug = recorder.attach(gateway, PLUG)
    await gateway.connect()
    await plug.refresh()
    await silent.refresh()  # the gateway answers a query about it from its cache

    events: list[str] = []
    silent_write = asyncio.create_task(silent.set_dps({"1": False}))
    silent_write.add_done_callback(lambda _: events.append("silent child timed out"))
    await asyncio.sleep(0)  # the silent child's write takes the session first
    await plug.set_dps({"1": False})
    events.append("other child's write answered")
    assert dict((await plug.refresh()).dps)["1"] is False
    events.append("other child's read answered")
    assert sim.children[PLUG].dps["1"] is False

    with pytest.raises(TuyaTimeoutError, match=SILENT):
        await silent_write
    assert events == [
        "other child's write answered",
        "other child's read answered",
        "silent child timed out",
    ]
    assert sim.children[SILENT].dps["1"] is True  # lost in the radio
    # The session is up, and the next answer is not taken for the silent child's.
    await plug.set_dps({"1": True})
    assert sim.children[PLUG].dps["1"] is True
    assert gateway.connected
    assert sim.clients == 1


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_writes_to_several_children_at_once_are_each_answered(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder, version: str
) -> None:
    """Writes and reads of several children in flight together each get their own
    answer: by seqno (3.3/3.4), by cid, or on 3.5 (no seqno echoed, empty acks) by the
    push of the child written."""
    sim = await start_gateway(version, children={PLUG: "plug", SILENT: "plug"})
    gateway = gateways(sim, min_command_gap=0.0)  # all sent before the first answer
    plug = recorder.attach(gateway, PLUG)
    other = recorder.attach(gateway, SILENT)
    await gateway.connect()
    gateway.start()
    _, _, read = await asyncio.gather(
        plug.set_dps({"1": False}), other.set_dps({"9": 60}), plug.refresh()
    )
    assert sim.children[PLUG].dps["1"] is False
    assert sim.children[SILENT].dps["9"] == 60
    assert sim.children[SILENT].dps["1"] is True  # each write reached its own child
    assert read.dps["9"] == sim.children[PLUG].dps["9"] != 60  # the plug's, not the other's
    await recorder.until(lambda: plug.dps["1"] is False and other.dps["9"] == 60)
    assert sim.children[PLUG].writes == sim.children[SILENT].writes == 1


class SwitchedRightAfterAnswering(SimulatedGateway):
    """A gateway whose plug is switched off at the wall just as the gateway answers a
    read about it: the push comes right behind the answer (the same read, mostly)."""

    switch_after_answer = False

    def _act(self, connection: Any, actions: Any) -> None:
        actions = list(actions)
        super()._act(connection, actions)
        if self.switch_after_answer and any(isinstance(a, Answer) for a in actions):
            self.switch_after_answer = False
            self.set_child_dps(PLUG, {"1": False})


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_a_push_right_behind_a_reads_answer_is_not_undone_by_it(
    socket_enabled: None, gateways: Any, recorder: Recorder, version: str
) -> None:
    sim = SwitchedRightAfterAnswering(
        GATEWAY_ID, KEY, version, children={PLUG: "plug"}, tick_interval=None, seed=1
    )
    await sim.start()
    try:
        gateway = gateways(sim)
        plug = recorder.attach(gateway, PLUG)
        await gateway.connect()
        await plug.refresh()
        assert plug.dps["1"] is True
        sim.switch_after_answer = True
        await plug.refresh()  # answered "on", then "off" pushed behind it
        await recorder.until(lambda: recorder.updates.get(PLUG, []) != [])
        assert plug.dps["1"] is False  # the newer value stays
        assert [dict(u.pushed) for u in recorder.updates[PLUG]] == [{"1": False}]
    finally:
        await sim.stop()


@pytest.mark.parametrize("version", ["3.4", "3.5"])
async def test_offline_at_the_gateway_and_back(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder, version: str
) -> None:
    sim = await start_gateway(version)
    gateway = gateways(sim)
    plug = recorder.attach(gateway, PLUG)
    sensor = recorder.attach(gateway, SENSOR)
    await gateway.connect()
    gateway.start()
    # The first presence answer (split over two reports) says both are online.
    await recorder.until(lambda: plug.presence is sensor.presence is Presence.ONLINE)
    assert sim.presence_queries >= 1

    sim.child_offline(PLUG)
    await recorder.until(lambda: not plug.available)
    assert plug.health.reason == "offline at the gateway"
    assert plug.health.gateway_connected
    assert sensor.available
    # The gateway still answers from its cache, and would swallow a command.
    await plug.refresh()
    with pytest.raises(ChildOfflineError):
        await plug.set_dps({"1": False})
    assert sim.children[PLUG].writes == 0

    sim.children[PLUG].dps["1"] = False  # switched by hand while out of reach
    sim.child_online(PLUG)
    await recorder.until(lambda: plug.available and plug.dps["1"] is False)
    presence = [(h.presence, h.available) for h in recorder.health[PLUG]]
    assert presence == [
        (Presence.UNKNOWN, True),  # the gateway connected; nothing said of the child yet
        (Presence.ONLINE, True),
        (Presence.OFFLINE, False),
        (Presence.ONLINE, True),
    ]


@pytest.mark.parametrize("version", ["3.4", "3.5"])
async def test_split_reports_are_merged_and_only_a_child_left_out_twice_is_absent(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder, version: str
) -> None:
    # Six children: each answer comes as two reports, each naming three of them.
    children = {f"a4c1380000000{n:03d}": "plug" for n in range(6)}
    sim = await start_gateway(version, children=children)
    gateway = gateways(sim, presence_interval=3600)
    attached = {cid: recorder.attach(gateway, cid) for cid in children}
    await gateway.connect()
    gateway.start()
    await recorder.until(lambda: all(c.presence is Presence.ONLINE for c in attached.values()))
    for _ in range(ABSENT_QUERIES):
        await answered_query(gateway, sim)
    assert all(c.presence is Presence.ONLINE for c in attached.values())

    gone = next(iter(children))
    del sim.children[gone]  # unpaired without a word: the lists leave it out
    await answered_query(gateway, sim)
    assert attached[gone].presence is Presence.ONLINE  # once may be a list cut short
    await answered_query(gateway, sim)
    assert attached[gone].presence is Presence.ABSENT
    assert "not known to the gateway" in str(attached[gone].health.reason)
    assert all(c.available for cid, c in attached.items() if cid != gone)


ABSENT_QUERIES = 3


async def answered_query(gateway: TuyaGateway, sim: SimulatedGateway) -> None:
    """Ask for presence; back once the merged answer is in."""
    asked = sim.presence_queries
    answer = await gateway.query_presence()
    assert sim.presence_queries == asked + 1
    assert answer == {cid: child.online for cid, child in sim.children.items()}


async def test_3_3_gateways_are_not_asked_for_presence_and_children_count_as_there(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder
) -> None:
    sim = await start_gateway("3.3")
    gateway = gateways(sim)
    plug = recorder.attach(gateway, PLUG)
    await gateway.connect()
    gateway.start()
    await recorder.until(lambda: "1" in plug.dps)
    assert sim.presence_queries == 0
    assert plug.presence is Presence.UNKNOWN
    assert plug.available
    # A report the gateway sends by itself is still evidence.
    sim.child_offline(PLUG)
    await recorder.until(lambda: plug.presence is Presence.OFFLINE)
    assert not plug.available


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_a_push_for_an_unknown_cid_is_kept_for_the_child_added_later(
    start_gateway: StartGateway,
    gateways: Any,
    recorder: Recorder,
    version: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = await start_gateway(version, children={PLUG: "plug", OTHER: "plug"})
    gateway = gateways(sim)
    plug = recorder.attach(gateway, PLUG)
    await gateway.connect()
    gateway.start()
    await recorder.until(lambda: "1" in plug.dps)
    before = {dp: value for dp, value in plug.dps.items() if dp != "20"}
    with caplog.at_level(logging.INFO):
        sim.set_child_dps(OTHER, {"1": False, "19": 1234})
        sim.set_child_dps(OTHER, {"19": 4321})
        sim.set_child_dps(PLUG, {"20": 2301})  # a marker: OTHER's pushes came before it
        await recorder.until(lambda: plug.dps.get("20") == 2301)
    assert {dp: v for dp, v in plug.dps.items() if dp != "20"} == before  # not applied here
    assert gateway.dps == {}
    logged = [r for r in caplog.records if OTHER in r.getMessage()]
    assert len(logged) == 1  # once, not per push
    other = gateway.add_child(OTHER)
    assert other.dps["1"] is False
    assert other.dps["19"] == 4321
    assert other.presence is Presence.ONLINE


async def test_a_child_the_gateway_does_not_know_is_absent(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder
) -> None:
    sim = await start_gateway("3.3")
    gateway = gateways(sim)
    stranger = recorder.attach(gateway, OTHER)
    await gateway.connect()
    with pytest.raises(Exception, match=DEVID_NOT_FOUND):
        await stranger.refresh()
    assert stranger.presence is Presence.ABSENT
    assert not stranger.available
    assert gateway.connected  # the gateway's refusal is about the child, not the session


@pytest.mark.parametrize("version", ["3.3", "3.4"])
@pytest.mark.usefixtures("fast_backoff")
async def test_the_gateway_dropping_takes_its_children_along_and_back(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder, version: str
) -> None:
    sim = await start_gateway(version)
    gateway = gateways(sim)
    plug = recorder.attach(gateway, PLUG)
    await gateway.connect()
    gateway.start()
    await recorder.until(lambda: "1" in plug.dps)
    sim.children[PLUG].dps["1"] = False  # changed while the gateway is away
    sim.drop()
    await recorder.until(lambda: not plug.available)
    assert not plug.health.gateway_connected
    assert plug.health.reason is not None
    assert plug.health.reason.startswith("gateway not")
    with pytest.raises(Exception, match="not connected"):
        await plug.set_dps({"1": True})
    await recorder.until(lambda: plug.available and plug.dps["1"] is False)
    assert gateway.health.reconnects == 1
    assert sim.clients == 1


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_twenty_children_pushing_at_once_share_one_connection(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder, version: str
) -> None:
    children = {f"a4c1380000000{n:03d}": "plug" for n in range(20)}
    sim = await start_gateway(version, children=children, max_clients=3)
    gateway = gateways(sim)
    attached = {cid: recorder.attach(gateway, cid) for cid in children}
    await gateway.connect()
    gateway.start()
    await recorder.until(lambda: all("1" in c.dps for c in attached.values()))
    for index, cid in enumerate(children):  # one burst, every child at once
        sim.set_child_dps(cid, {"19": 1000 + index})
    await recorder.until(
        lambda: all(c.dps["19"] == 1000 + i for i, c in enumerate(attached.values()))
    )
    for index, cid in enumerate(children):
        assert recorder.updates[cid][-1].pushed == {"19": 1000 + index}
    assert sim.clients == 1  # 20 children, one connection; the hub would take 3

    # Writes to all of them at once: serialised on the one session, each carried out.
    await asyncio.gather(*(c.set_dps({"1": False}) for c in attached.values()))
    assert all(child.dps["1"] is False for child in sim.children.values())
    await recorder.until(lambda: all(c.dps["1"] is False for c in attached.values()))


async def test_a_child_added_twice_or_removed_is_refused_or_silent(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder
) -> None:
    sim = await start_gateway("3.4")
    gateway = gateways(sim)
    plug = recorder.attach(gateway, PLUG)
    with pytest.raises(ValueError, match="added already"):
        gateway.add_child(PLUG)
    with pytest.raises(InvalidValueError):
        gateway.add_child("not a cid")
    await gateway.connect()
    await plug.refresh()
    gateway.remove_child(PLUG)
    count = len(recorder.updates.get(PLUG, []))
    sim.set_child_dps(PLUG, {"1": False})
    sim.set_child_dps(SENSOR, {"1": 230})
    sensor = gateway.add_child(SENSOR)
    async with asyncio.timeout(5):
        while "1" not in sensor.dps:
            await sensor.refresh()
    assert len(recorder.updates.get(PLUG, [])) == count
    assert PLUG not in gateway.children


@pytest.mark.parametrize("version", ["3.3", "3.5"])
@pytest.mark.usefixtures("fast_backoff")
async def test_a_new_key_is_proven_through_a_child(
    start_gateway: StartGateway, gateways: Any, recorder: Recorder, version: str
) -> None:
    """Re-paired: a 3.3 hub refuses a query of its own in plaintext, which proves no
    key, so the new key is proven by its answer about a child (encrypted with the key),
    on the running session and at setup alike; a key that is not the hub's is refused."""
    sim = await start_gateway(version)
    gateway = gateways(sim)
    plug = recorder.attach(gateway, PLUG)
    await gateway.connect()
    gateway.start()
    sim.change_key(NEW_KEY)
    with pytest.raises(TuyaError):
        await gateway.try_key(KEY.upper())
    await gateway.try_key(NEW_KEY)
    assert gateway.connected
    await plug.set_dps({"1": False})
    assert sim.children[PLUG].dps["1"] is False

    at_setup = gateways(sim)  # a new session, before supervision starts
    recorder.attach(at_setup, SENSOR)
    await gateway.close()
    await at_setup.try_key(NEW_KEY)
    assert at_setup.connected


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_probe_gateway_proves_the_key_with_a_child(
    start_gateway: StartGateway, version: str
) -> None:
    """A hub that refuses a status query of its own is proven by its answer about a
    child (or its 3.4/3.5 handshake); a wrong key is refused, and on 3.3 a hub with no
    child to ask proves nothing."""
    sim = await start_gateway(version)
    await probe_gateway("127.0.0.1", GATEWAY_ID, KEY, version, children=["?", PLUG], port=sim.port)
    with pytest.raises((WrongKeyError, HandshakeDroppedError)):
        await probe_gateway(
            "127.0.0.1", GATEWAY_ID, NEW_KEY, version, children=[PLUG], port=sim.port
        )
    if version == "3.3":
        with pytest.raises(KeyUnprovenError):
            await probe_gateway("127.0.0.1", GATEWAY_ID, KEY, version, port=sim.port)
