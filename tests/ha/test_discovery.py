"""Discovery end to end: the integration's listener, the device simulator, the real
captured broadcasts, all over 127.0.0.1.

The listener binds three free loopback ports standing for 6666, 6667 and 7000; the
0x25 request goes to the simulator's responder on 127.0.0.1 (or to a test socket).
Nothing is ever sent to a broadcast address or to the addresses inside the captured
broadcasts. Following a device to a new address: entries hold the host name
"old-address.test", which a test resolver maps to 127.0.0.1 while the device is
"still there" and fails to resolve once the address is "stale"; devices announce
127.0.0.1. To the integration they are two different addresses; whether the device
answers at the announced one is what decides.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any, NamedTuple
from unittest.mock import patch

import pytest
from homeassistant.components import network
from homeassistant.config_entries import (
    SOURCE_IGNORE,
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_USER,
    ConfigEntryDisabler,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_PORT, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.tuya_lan import discovery, follow, listen_issues, ports as host_ports
from custom_components.tuya_lan.const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_PRODUCT_KEY,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.tuyalan import Timings, build_discovery_request
from custom_components.tuya_lan.tuyalan.discovery import decode_discovery_request
from tests.loopback import free_tcp_port, free_udp_ports
from tuya_sim import DeviceSimulator, SimulatedDevice, build_datagram
from tuya_sim.cloud import FakeCloudDevice, FakeTuyaCloud

from .common import ACCESS_ID, ACCESS_SECRET, account_entry, entry_data, start_user_flow
from .conftest import FakeDevice

# Captured before the autouse sandbox replaces it.
REAL_REQUEST_TARGETS = discovery.async_request_targets
VECTORS = Path(__file__).parents[1] / "fixtures" / "vectors"
KEY = "0123456789abcdef"
OTHER_KEY = "fedcba9876543210"
ID31 = "bf31000000000000aa31"
ID33 = "bf33000000000000aa33"
ID34 = "bf34000000000000aa34"
ID35 = "bf35000000000000aa35"
ID35_SILENT = "bf35000000000000ab35"
NEW = "127.0.0.1"  # the address devices announce
UID = "eu1700000000000aaaaa"
OLD = "old-address.test"  # the entries' address (see the old_address fixture)


class Ports(NamedTuple):
    """The loopback ports standing for 6666, 6667 and 7000."""

    plain: int
    encrypted: int
    app: int


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition()` holds."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the condition spans HA and the simulator
            await asyncio.sleep(0.01)


@pytest.fixture
def ports(socket_enabled: None) -> Iterator[Ports]:
    """The listener binds free loopback ports; the user step waits briefly."""
    chosen = Ports(*free_udp_ports(3))
    with (
        patch.object(discovery, "LISTEN_HOST", "127.0.0.1"),
        patch.object(discovery, "LISTEN_PORTS", tuple(chosen)),
        patch.object(discovery, "SCAN_WINDOW", 0.3),
    ):
        yield chosen


class OldAddress:
    """Whether the entries' old address still leads to the device (127.0.0.1)."""

    reachable = False


@pytest.fixture(autouse=True)
def old_address() -> Iterator[OldAddress]:
    """Resolve OLD to 127.0.0.1 while `reachable`; else fail, as a stale address would.

    No query leaves the machine: the name is answered here (other names go to the
    test harness, which allows only loopback).
    """
    state = OldAddress()
    resolve = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == OLD:
            if not state.reachable:
                raise socket.gaierror(socket.EAI_NONAME, f"{OLD} does not resolve (test)")
            host = "127.0.0.1"
        return resolve(host, *args, **kwargs)

    with patch.object(socket, "getaddrinfo", getaddrinfo):
        yield state


@pytest.fixture(autouse=True)
def fast_backoff() -> Iterator[None]:
    """The coordinator retries after 50 ms (tests that need it slow patch it again)."""
    with patch(
        "custom_components.tuya_lan.coordinator.TIMINGS",
        Timings(backoff_min=0.05, backoff_max=0.05, backoff_jitter=0.0),
    ):
        yield


class Sender:
    """A loopback socket that sends datagrams to the listener (127.0.0.1 only)."""

    def __init__(self, transport: asyncio.DatagramTransport) -> None:
        self._transport = transport

    def __call__(self, data: bytes, port: int) -> None:
        self._transport.sendto(data, ("127.0.0.1", port))


@pytest.fixture
async def send(socket_enabled: None) -> AsyncIterator[Sender]:
    """Send datagrams to 127.0.0.1."""
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
    )
    yield Sender(transport)
    transport.close()


class Collector(asyncio.DatagramProtocol):
    """A loopback socket standing for the LAN's broadcast address: counts requests."""

    MARKER = b"marker"  # the test's own datagram: every request sent before it is in

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.markers = 0

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if data == self.MARKER:
            self.markers += 1
            return
        self.requests.append(decode_discovery_request(data))


@pytest.fixture
async def collector(socket_enabled: None) -> AsyncIterator[tuple[Collector, int]]:
    """The 0x25 requests go to this socket."""
    transport, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
        Collector, local_addr=("127.0.0.1", 0)
    )
    port = transport.get_extra_info("sockname")[1]
    with patch.object(
        discovery, "async_request_targets", return_value=("127.0.0.1", [("127.0.0.1", port)])
    ):
        yield protocol, port
    transport.close()


def cards(hass: HomeAssistant) -> dict[str, dict[str, Any]]:
    """The discovery flows in progress, by device id."""
    return {
        flow["context"]["unique_id"]: flow
        for flow in hass.config_entries.flow.async_progress_by_handler(
            DOMAIN, match_context={"source": SOURCE_INTEGRATION_DISCOVERY}
        )
    }


async def card_form(hass: HomeAssistant, device_id: str) -> dict[str, Any]:
    """The form a card shows (its description placeholders)."""
    result = await hass.config_entries.flow.async_configure(cards(hass)[device_id]["flow_id"])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    return dict(result)


async def start_listening(hass: HomeAssistant) -> None:
    """Set the integration up with no device (as `tuya_lan:` in configuration.yaml)."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: None})
    await hass.async_block_till_done()


def add_entry(hass: HomeAssistant, device_id: str, **data: Any) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Tuya {device_id[-4:]}",
        unique_id=device_id,
        data=entry_data(device_id=device_id, local_key=KEY, **data),
    )
    entry.add_to_hass(hass)
    return entry


# --- unknown devices become "Discovered" cards -------------------------------------------


async def test_simulated_devices_become_cards(hass: HomeAssistant, ports: Ports) -> None:
    """Devices of every version appear as cards, with id, address, version and product.

    3.1 announces on "6666", 3.3/3.4/3.5 on "6667"; a silent 3.5 device answers the
    periodic 0x25 request on "7000". Finishing a card asks only for the key.
    """
    sim = DeviceSimulator(request_port=0, request_reply_port=ports.app)
    for device_id, version, port in [
        (ID31, "3.1", ports.plain),
        (ID33, "3.3", ports.encrypted),
        (ID34, "3.4", ports.encrypted),
        (ID35, "3.5", ports.encrypted),
    ]:
        sim.create(
            device_id,
            KEY,
            version,
            tick_interval=None,
            product_key=f"prod{version.replace('.', '')}",
            discovery_port=port,
            discovery_interval=5.0,
        )
    silent = sim.create(ID35_SILENT, KEY, "3.5", tick_interval=None)
    await start_listening(hass)
    async with sim:
        # Everything that announces is a card within one announcement period (5 s).
        await wait_for(lambda: set(cards(hass)) == {ID31, ID33, ID34, ID35}, timeout=5.0)
        for device_id, version in [(ID31, "3.1"), (ID33, "3.3"), (ID34, "3.4"), (ID35, "3.5")]:
            form = await card_form(hass, device_id)
            product_key = f"prod{version.replace('.', '')}"
            assert form["description_placeholders"] == {
                "name": f"Tuya {device_id[-4:]}",
                "device_id": device_id,
                "host": NEW,
                "version": version,
                "product_key": product_key,
            }
            assert list(form["data_schema"].schema) == [CONF_LOCAL_KEY, "advanced"]
            # The card's title: what tells devices apart first, short (item 3 of issue 19).
            assert cards(hass)[device_id]["context"]["title_placeholders"] == {
                "name": f".1 · {device_id[-4:]} · Tuya",
            }

        # The silent one answers the next periodic request (every 10 s).
        assert sim.request_port is not None
        with patch.object(
            discovery,
            "async_request_targets",
            return_value=("127.0.0.1", [("127.0.0.1", sim.request_port)]),
        ):
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
            await wait_for(lambda: ID35_SILENT in cards(hass))

        # The card asks for the key; the port sits in a collapsed section.
        result = await hass.config_entries.flow.async_configure(
            cards(hass)[ID35_SILENT]["flow_id"],
            {CONF_LOCAL_KEY: KEY, "advanced": {CONF_PORT: silent.port}},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"] == {
            CONF_HOST: NEW,
            CONF_PORT: silent.port,
            CONF_DEVICE_ID: ID35_SILENT,
            CONF_LOCAL_KEY: KEY,
            CONF_PROTOCOL_VERSION: "3.5",
            CONF_PRODUCT_KEY: "simplugkey000000",
        }
        await hass.async_block_till_done()
        entry = result["result"]
        assert entry.state is ConfigEntryState.LOADED
        assert ID35_SILENT not in cards(hass)
        await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("version", ["33", "34", "35"])
async def test_captured_broadcasts_become_cards(
    hass: HomeAssistant, ports: Ports, send: Sender, version: str
) -> None:
    """Real broadcasts captured off a LAN (hass-localtuya's tests) make the right cards.

    Their bytes are sent to the listener on 127.0.0.1; the addresses they name are
    only shown, never contacted.
    """
    vector = json.loads(
        (VECTORS / f"udp_v{version}_hass_localtuya_broadcast.json").read_text(encoding="utf-8")
    )
    announced = json.loads(vector["expected_plaintext"])
    await start_listening(hass)
    send(bytes.fromhex(vector["packet_hex"]), ports.encrypted)
    await wait_for(lambda: announced["gwId"] in cards(hass))
    form = await card_form(hass, announced["gwId"])
    assert form["description_placeholders"] == {
        "name": f"Tuya {announced['gwId'][-4:]}",
        "device_id": announced["gwId"],
        "host": announced["ip"],
        "version": announced["version"],
        "product_key": announced["productKey"],
    }


async def test_duplicates_and_garbage(
    hass: HomeAssistant, ports: Ports, send: Sender, caplog: pytest.LogCaptureFixture
) -> None:
    """One card per device however often it announces; junk is ignored with a debug log."""
    calls: list[dict[str, Any]] = []
    real_create_flow = discovery.discovery_flow.async_create_flow

    def spy(hass: HomeAssistant, domain: str, context: Any, data: Any, **kwargs: Any) -> None:
        calls.append(data)
        real_create_flow(hass, domain, context, data, **kwargs)

    await start_listening(hass)
    with patch.object(discovery.discovery_flow, "async_create_flow", spy):
        for _ in range(5):
            send(build_datagram(ID33, "3.3", ip="192.0.2.10"), ports.encrypted)
            send(build_datagram(ID33, "3.3", ip="192.0.2.10"), ports.plain)
        send(b"hello", ports.encrypted)
        send(bytes.fromhex("000055aa00000000000000130000000c") + b"\0" * 12, ports.encrypted)
        send(build_datagram(ID34, "3.4", ip="not-an-address"), ports.encrypted)
        send(build_datagram("id with spaces", "3.4"), ports.encrypted)
        send(build_discovery_request("127.0.0.1"), ports.app)  # another app's request
        send(build_datagram(ID35, "3.5", ip="192.0.2.11"), ports.encrypted)  # a marker
        await wait_for(lambda: len(calls) == 2)
        await hass.async_block_till_done()
        assert [c[CONF_DEVICE_ID] for c in calls] == [ID33, ID35]
        assert set(cards(hass)) == {ID33, ID35}
        assert "ignored a 5-byte datagram from 127.0.0.1" in caplog.text
        assert "Ignored an implausible announcement from 127.0.0.1" in caplog.text

        # A new address is news at once.
        send(build_datagram(ID33, "3.3", ip="192.0.2.12"), ports.encrypted)
        await wait_for(lambda: len(calls) == 3)
        assert calls[2]["ip"] == "192.0.2.12"
        await hass.async_block_till_done()
        assert set(cards(hass)) == {ID33, ID35}  # still one card per device


async def test_card_uses_the_latest_address(
    hass: HomeAssistant, ports: Ports, send: Sender
) -> None:
    """A card made before the device moved validates at the address it announces now."""
    await start_listening(hass)
    send(build_datagram(ID34, "3.4", ip="192.0.2.20"), ports.encrypted)
    await wait_for(lambda: ID34 in cards(hass))
    device = SimulatedDevice(ID34, KEY, "3.4", tick_interval=None, discovery_port=ports.encrypted)
    await device.start()  # announces 127.0.0.1
    try:
        await wait_for(lambda: discovery.heard_ip(hass, ID34) == NEW)
        result = await hass.config_entries.flow.async_configure(
            cards(hass)[ID34]["flow_id"],
            {CONF_LOCAL_KEY: KEY, "advanced": {CONF_PORT: device.port}},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_HOST] == NEW
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        await device.stop()


async def test_ignored_disabled_and_unloaded_entries(
    hass: HomeAssistant, ports: Ports, send: Sender, caplog: pytest.LogCaptureFixture
) -> None:
    """No card for an ignored device; nothing done for a disabled or unloaded entry."""
    ignored = MockConfigEntry(domain=DOMAIN, unique_id=ID33, source=SOURCE_IGNORE, data={})
    ignored.add_to_hass(hass)
    disabled = add_entry(hass, ID34, host=OLD)
    await hass.config_entries.async_set_disabled_by(disabled.entry_id, ConfigEntryDisabler.USER)
    not_loaded = add_entry(hass, ID31, host=OLD)  # e.g. unloaded by the user
    await start_listening(hass)
    send(build_datagram(ID33, "3.3"), ports.encrypted)
    send(build_datagram(ID34, "3.4"), ports.encrypted)
    send(build_datagram(ID31, "3.1"), ports.plain)
    send(build_datagram(ID35, "3.5"), ports.encrypted)  # a marker
    await wait_for(lambda: ID35 in cards(hass))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert set(cards(hass)) == {ID35}
    assert disabled.data[CONF_HOST] == OLD
    assert not_loaded.data[CONF_HOST] == OLD
    assert not_loaded.state is ConfigEntryState.NOT_LOADED
    assert "moved" not in caplog.text


# --- configured devices: following a new address -----------------------------------------


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_follow_a_device_that_was_away_at_start(
    hass: HomeAssistant, ports: Ports, version: str
) -> None:
    """Entry set up while the device was away; it comes back at another address.

    The handshake there succeeds: the entry takes the new address and loads.
    """
    device = SimulatedDevice(ID34, KEY, version, tick_interval=None, discovery_port=ports.encrypted)
    await device.start()
    await device.go_offline()
    entry = add_entry(hass, ID34, host=OLD, port=device.port, protocol_version=version)
    try:
        await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        await device.go_online()  # listens and announces 127.0.0.1 at once
        await wait_for(lambda: entry.state is ConfigEntryState.LOADED)
        assert entry.data[CONF_HOST] == NEW
        assert entry.runtime_data.device.connected
        assert hass.states.get("switch.tuya_aa34").state == "on"
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await device.stop()


async def test_follow_moves_the_session(
    hass: HomeAssistant, ports: Ports, send: Sender, old_address: OldAddress
) -> None:
    """A connected device is left alone; once its session is lost and the old address
    is stale, it is followed to the address it announces."""
    old_address.reachable = True
    device = SimulatedDevice(
        ID33, KEY, "3.3", tick_interval=None, discovery_port=ports.encrypted, discovery_interval=60
    )
    await device.start()
    entry = add_entry(hass, ID33, host=OLD, port=device.port, protocol_version="3.3")
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        await device.wait_for_clients(1)
        # Heard at 127.0.0.1 while connected at OLD: the working session stays.
        device.announce()
        send(build_datagram(ID35, "3.5"), ports.encrypted)  # a marker, after it
        await wait_for(lambda: ID35 in cards(hass))
        await hass.async_block_till_done()
        assert entry.data[CONF_HOST] == OLD
        assert device.clients == 1

        # The device leaves (say, a new DHCP lease); its old address goes stale.
        old_address.reachable = False
        await device.go_offline()
        await wait_for(lambda: hass.states.get("switch.tuya_aa33").state == STATE_UNAVAILABLE)
        await device.go_online()  # back, announcing 127.0.0.1
        await wait_for(lambda: entry.data[CONF_HOST] == NEW)
        await wait_for(lambda: hass.states.get("switch.tuya_aa33").state == "on")
        assert entry.state is ConfigEntryState.LOADED
        await device.wait_for_clients(1)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await device.stop()


@pytest.mark.parametrize("at_new_address", ["nothing", "another_device", "3.1_impostor"])
async def test_no_follow_without_the_device_at_the_new_address(
    hass: HomeAssistant,
    ports: Ports,
    send: Sender,
    caplog: pytest.LogCaptureFixture,
    at_new_address: str,
) -> None:
    """An announced address where the device does not answer as itself is never written.

    A 3.1 impostor (our device's id, another key) answers the plaintext status as any
    3.1 device does: only a report that proves our key may move the entry (issue 14 §2).
    """
    caplog.set_level(logging.DEBUG, "custom_components.tuya_lan")
    other: SimulatedDevice | None = None
    port = free_tcp_port()
    device_id, version = (ID31, "3.1") if at_new_address == "3.1_impostor" else (ID34, "3.4")
    if at_new_address == "another_device":  # another device, with another key, answers
        other = SimulatedDevice(ID35, OTHER_KEY, "3.4", tick_interval=None, port=port)
        await other.start()
    if at_new_address == "3.1_impostor":
        other = SimulatedDevice(ID31, OTHER_KEY, "3.1", tick_interval=None, port=port)
        await other.start()
    entry = add_entry(hass, device_id, host=OLD, port=port, protocol_version=version)
    try:
        await hass.config_entries.async_setup(entry.entry_id)
        if other is None:
            assert entry.state is ConfigEntryState.SETUP_RETRY
        if version == "3.1":
            send(build_datagram(device_id, version, ip=NEW), ports.plain)
        else:
            send(build_datagram(device_id, version, ip=NEW), ports.encrypted)
        # Either outcome ends the wait; the checks below tell which one it was.
        await wait_for(
            lambda: "does not answer there as itself" in caplog.text or entry.data[CONF_HOST] == NEW
        )
        await hass.async_block_till_done()
        assert entry.data[CONF_HOST] == OLD
        assert entry.state is not ConfigEntryState.LOADED
        assert "moved from" not in caplog.text
        assert KEY not in caplog.text
    finally:
        if other is not None:
            await other.stop()


async def test_a_change_during_the_handshake_wins(
    hass: HomeAssistant, ports: Ports, send: Sender, caplog: pytest.LogCaptureFixture
) -> None:
    """The user reconfigures the entry while the new address is being checked: the
    user's address stays."""
    entry = add_entry(hass, ID34, host=OLD, port=free_tcp_port(), protocol_version="3.4")
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY

    async def probe(*_: Any, **__: Any) -> dict[str, Any]:
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_HOST: "typed"})
        return {"1": True}

    with patch.object(follow, "probe", probe):
        send(build_datagram(ID34, "3.4", ip=NEW), ports.encrypted)
        await wait_for(lambda: entry.data[CONF_HOST] == "typed")
        send(build_datagram(ID35, "3.5"), ports.encrypted)  # a marker
        await wait_for(lambda: ID35 in cards(hass))
        await hass.async_block_till_done()
    assert entry.data[CONF_HOST] == "typed"
    assert "moved from" not in caplog.text


# --- the 0x25 request -------------------------------------------------------------------


async def test_requests_only_while_something_may_be_found(
    hass: HomeAssistant,
    ports: Ports,
    collector: tuple[Collector, int],
    send: Sender,
) -> None:
    """Asked at start; then only while a device is missing or unconfigured, or the user
    step is open. The request names Home Assistant's address (here 127.0.0.1)."""
    requests, port = collector
    device = SimulatedDevice(ID33, KEY, "3.3", tick_interval=None)
    await device.start()
    entry = add_entry(hass, ID33, host=NEW, port=device.port, protocol_version="3.3")

    async def tick(expected: int) -> None:
        """The next request period sends `expected` requests."""
        before = len(requests.requests)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
        await hass.async_block_till_done()
        if expected:
            await wait_for(lambda: len(requests.requests) - before >= expected)
        else:
            # None expected: a request sent by the tick (over by now) is queued on the
            # loopback socket before our marker, so it is counted once the marker is.
            markers = requests.markers
            send(Collector.MARKER, port)
            await wait_for(lambda: requests.markers > markers)
        assert len(requests.requests) - before == expected

    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await wait_for(lambda: len(requests.requests) == 1)  # at start
        assert requests.requests == ["127.0.0.1"]
        await tick(1)  # the first minute: unconfigured 3.5 devices are silent

        with patch.object(discovery, "STARTUP_REQUESTS", 0):
            await tick(0)  # all configured and connected: quiet

            await device.go_offline()  # missing
            await wait_for(lambda: not entry.runtime_data.device.connected)
            await tick(1)
            await device.go_online()
            await wait_for(lambda: entry.runtime_data.device.connected)
            await tick(0)

            send(build_datagram(ID34, "3.4", ip="192.0.2.30"), ports.encrypted)  # unconfigured
            await wait_for(lambda: ID34 in cards(hass))
            await tick(1)
            hass.config_entries.flow.async_abort(cards(hass)[ID34]["flow_id"])
            ignored = MockConfigEntry(domain=DOMAIN, unique_id=ID34, source=SOURCE_IGNORE)
            ignored.add_to_hass(hass)
            await tick(0)

            # The user step asks at once, and asking again while the user looks.
            asked = len(requests.requests)
            result = await start_user_flow(hass)
            await wait_for(lambda: len(requests.requests) == asked + 1)
            await tick(1)
            hass.config_entries.flow.async_abort(result["flow_id"])

            # A failing network lookup only skips the request.
            with patch.object(
                discovery, "async_request_targets", side_effect=HomeAssistantError("no IPv4")
            ):
                await device.go_offline()
                await wait_for(lambda: not entry.runtime_data.device.connected)
                await tick(0)
                await device.go_online()
                await wait_for(lambda: entry.runtime_data.device.connected)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await device.stop()


async def test_request_targets_follow_the_network_settings(hass: HomeAssistant) -> None:
    """The request goes to the broadcast addresses of the adapters Home Assistant's
    network settings allow, port 7000, and names Home Assistant's source address.
    (Computed only: nothing is sent.)"""
    assert await async_setup_component(hass, "network", {})
    source_ip, targets = await REAL_REQUEST_TARGETS(hass)
    assert source_ip == await network.async_get_source_ip(hass)
    allowed = await network.async_get_ipv4_broadcast_addresses(hass)
    assert targets == sorted((str(address), 7000) for address in allowed)
    # Two allowed adapters (documentation networks): one request to each, sorted.
    with patch(
        "homeassistant.components.network.async_get_ipv4_broadcast_addresses",
        return_value={IPv4Address("198.51.100.255"), IPv4Address("192.0.2.255")},
    ):
        _, targets = await REAL_REQUEST_TARGETS(hass)
    assert targets == [("192.0.2.255", 7000), ("198.51.100.255", 7000)]


async def test_request_address_option(
    hass: HomeAssistant, ports: Ports, collector: tuple[Collector, int]
) -> None:
    """`request_address` in configuration.yaml replaces the broadcast (the demo uses
    127.0.0.1); a loopback address is answered on loopback."""
    requests, port = collector
    with patch.object(discovery, "async_request_targets", REAL_REQUEST_TARGETS):
        assert await async_setup_component(
            hass, DOMAIN, {DOMAIN: {"request_address": "127.0.0.1", "request_port": port}}
        )
        await wait_for(lambda: requests.requests == ["127.0.0.1"])
    assert await REAL_REQUEST_TARGETS(hass, "192.0.2.255", 7000) == (
        await network.async_get_source_ip(hass),
        [("192.0.2.255", 7000)],
    )  # computed only


async def test_listen_address_option(hass: HomeAssistant, ports: Ports) -> None:
    """`listen_address` in configuration.yaml is the address the listener binds (the
    demo: 127.0.0.1, so that nothing listens beyond loopback); without it, the
    default (every interface: here an address nothing can bind, so only the option
    makes the listener bind)."""
    with patch.object(discovery, "LISTEN_HOST", "192.0.2.1"):
        assert await async_setup_component(hass, DOMAIN, {DOMAIN: {"listen_address": "127.0.0.1"}})
        listener = hass.data[discovery.DATA_DISCOVERY].listener
        assert sorted(listener.listening_ports) == sorted(ports)
        assert listener.host == "127.0.0.1"


async def test_listen_address_default(hass: HomeAssistant, ports: Ports) -> None:
    """Without the option the listener binds the default address."""
    with patch.object(discovery, "LISTEN_HOST", "192.0.2.1"):
        assert await async_setup_component(hass, DOMAIN, {DOMAIN: {}})
        listener = hass.data[discovery.DATA_DISCOVERY].listener
        assert listener.listening_ports == []
        assert sorted(listener.unavailable_ports) == sorted(ports)


async def test_bad_listen_address(hass: HomeAssistant) -> None:
    """A listen address that is not IPv4 is a configuration error."""
    assert not await async_setup_component(hass, DOMAIN, {DOMAIN: {"listen_address": "lan"}})


async def test_bad_request_address(hass: HomeAssistant) -> None:
    """A request address that is not IPv4 is a configuration error."""
    assert not await async_setup_component(hass, DOMAIN, {DOMAIN: {"request_address": "lan"}})


# --- robustness: ports taken, start failures, stop ---------------------------------------


async def test_port_in_use_is_a_repair_issue(
    hass: HomeAssistant,
    ports: Ports,
    mock_config_entry: MockConfigEntry,
    fake_device: FakeDevice,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Another program holds a port: a warning naming it; setup works; gone once free."""
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # no SO_REUSEPORT
    blocker.bind(("127.0.0.1", ports.encrypted))
    try:
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        assert mock_config_entry.state is ConfigEntryState.LOADED

        issue = issue_registry.async_get_issue(DOMAIN, "ports_in_use")
        assert issue is not None
        assert issue.severity is ir.IssueSeverity.WARNING
        assert not issue.is_fixable
        assert issue.translation_key == "ports_in_use"
        placeholders = issue.translation_placeholders or {}
        assert placeholders["ports"] == str(ports.encrypted)
        # The holder is this very process (as it would be with localtuya).
        assert f"UDP {ports.encrypted}: " in placeholders["holders"]
        assert f"(pid {os.getpid()}, this Home Assistant" in placeholders["holders"]

        # The tick runs in the background: wait until it has tried the port again (in
        # vain), not a fixed while (on a busy machine it may not have run yet).
        retried: list[set[int]] = []
        update = listen_issues.PortsIssue.async_update

        async def retry_seen(issue: listen_issues.PortsIssue, unbound: Mapping[int, str]) -> None:
            retried.append(set(unbound))
            await update(issue, unbound)

        with patch.object(listen_issues.PortsIssue, "async_update", retry_seen):
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
            await wait_for(lambda: bool(retried))
        assert retried[0] == {ports.encrypted}
        assert issue_registry.async_get_issue(DOMAIN, "ports_in_use") is not None
    finally:
        blocker.close()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=20))
    await wait_for(lambda: issue_registry.async_get_issue(DOMAIN, "ports_in_use") is None)


async def test_unknown_holder(
    hass: HomeAssistant, ports: Ports, issue_registry: ir.IssueRegistry
) -> None:
    """When /proc cannot tell (another user's process, a container), it says so."""
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("127.0.0.1", ports.plain))
    try:
        with patch.object(host_ports, "udp_port_holders", return_value=[]):
            await start_listening(hass)
        issue = issue_registry.async_get_issue(DOMAIN, "ports_in_use")
        assert issue is not None
        assert issue.translation_placeholders == {
            "ports": str(ports.plain),
            "holders": f"UDP {ports.plain}: unknown process",
        }
    finally:
        blocker.close()


async def test_listener_failure_does_not_fail_setup(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    fake_device: FakeDevice,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Even an unexpected error starting the listener leaves setup working."""
    with patch.object(
        discovery.DiscoveryListener, "start", side_effect=RuntimeError("no sockets here")
    ):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        assert mock_config_entry.state is ConfigEntryState.LOADED
        assert "Cannot start listening for Tuya devices" in caplog.text
        # Adding a device still works, by hand.
        result = await start_user_flow(hass)
        assert result["step_id"] == "local"


async def test_listener_closed_on_stop(hass: HomeAssistant, ports: Ports) -> None:
    """Home Assistant stops: the ports are free again (tasks and timers: verify_cleanup)."""
    await start_listening(hass)
    with (
        pytest.raises(OSError, match="Address already in use"),  # held by the listener
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
    ):
        sock.bind(("127.0.0.1", ports.encrypted))
    await hass.async_stop()
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", port))


# --- the user step's pick list ------------------------------------------------------------


async def test_user_step_lists_heard_devices(
    hass: HomeAssistant, ports: Ports, send: Sender
) -> None:
    """The user step starts from the devices heard and not added, plus "by hand"."""
    device = SimulatedDevice(ID35, KEY, "3.5", tick_interval=None, discovery_port=ports.encrypted)
    configured = add_entry(hass, ID33, host="192.0.2.40")
    await hass.config_entries.async_set_disabled_by(configured.entry_id, ConfigEntryDisabler.USER)
    await start_listening(hass)
    await device.start()
    try:
        send(build_datagram(ID33, "3.3", ip="192.0.2.40"), ports.encrypted)  # configured
        send(build_datagram(ID31, "3.1", ip="192.0.2.41"), ports.plain)
        await wait_for(lambda: set(cards(hass)) == {ID31, ID35})

        result = await start_user_flow(hass)
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "pick_device"
        selector = result["data_schema"].schema["device"]
        # In address order (as the cards' titles sort), not by device id.
        assert selector.config["options"] == [
            {"value": ID35, "label": f"Tuya {ID35[-4:]} (protocol 3.5, 127.0.0.1)"},
            {"value": ID31, "label": f"Tuya {ID31[-4:]} (protocol 3.1, 192.0.2.41)"},
            {"value": "manual", "label": "manual"},
        ]
        assert selector.config["translation_key"] == "device"
        flow_id = result["flow_id"]
        result = await hass.config_entries.flow.async_configure(flow_id, {"device": ID35})
        assert result["step_id"] == "discovery_confirm"
        assert result["description_placeholders"]["host"] == NEW
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_LOCAL_KEY: KEY, "advanced": {CONF_PORT: device.port}}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_PROTOCOL_VERSION] == "3.5"
        assert result["data"][CONF_HOST] == NEW
        await hass.async_block_till_done()
        assert set(cards(hass)) == {ID31}  # its card went with it

        result = await start_user_flow(hass)
        assert [o["value"] for o in result["data_schema"].schema["device"].config["options"]] == [
            ID31,
            "manual",
        ]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"device": "manual"}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "local"
        assert result["errors"] is None
        hass.config_entries.flow.async_abort(result["flow_id"])
        await hass.config_entries.async_unload(
            hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, ID35).entry_id  # type: ignore[union-attr]
        )
    finally:
        await device.stop()


async def test_user_step_starts_the_listener(hass: HomeAssistant, ports: Ports) -> None:
    """Adding the first device by hand starts discovery; with nothing heard, the form."""
    assert DOMAIN not in hass.config.components
    result = await start_user_flow(hass)
    assert DOMAIN in hass.config.components
    assert result["step_id"] == "local"
    with (
        pytest.raises(OSError, match="Address already in use"),  # the listener holds it
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
    ):
        sock.bind(("127.0.0.1", ports.encrypted))


# --- the linked account's devices, heard on the LAN ---------------------------------------


async def test_account_offers_a_heard_device_at_its_address(
    hass: HomeAssistant, ports: Ports, send: Sender
) -> None:
    """A device of the account heard on the LAN is offered ticked, with the address and
    protocol heard, and proven there at once (no address asked); one that does not
    answer there is reported, ticked again for another try, and nothing is saved."""
    async with FakeTuyaCloud(ACCESS_ID, ACCESS_SECRET) as cloud:
        cloud.add_device(FakeCloudDevice(ID35, "Heard plug", KEY, uid=UID))
        account_entry(cloud.url).add_to_hass(hass)
        await start_listening(hass)
        # Announced from 127.0.0.1; the device's port 6668 there has no such device.
        send(build_datagram(ID35, "3.5", ip=NEW), ports.encrypted)
        await wait_for(lambda: discovery.heard_device(hass, ID35) is not None)

        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "account_devices"}
        )
        assert result["step_id"] == "account_devices"
        options = result["data_schema"].schema["devices"].config["options"]
        assert options == [{"value": ID35, "label": f"Heard plug ({NEW}, 3.5)"}]
        assert result["data_schema"]({})["devices"] == [ID35]

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"devices": [ID35]}
        )
        assert result["step_id"] == "account_devices"
        assert result["errors"] == {"base": "cloud_devices_failed"}
        assert f"Heard plug ({NEW})" in result["description_placeholders"]["failed_line"]
        assert result["data_schema"]({})["devices"] == [ID35]
        assert hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, ID35) is None
        hass.config_entries.flow.async_abort(result["flow_id"])
