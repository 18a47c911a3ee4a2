"""A gateway's key and firmware through Home Assistant (issue 17 item 4).

Against the simulated gateway (tuya_sim.gateway) on 127.0.0.1 and the fake Tuya cloud
(tuya_sim.cloud): a gateway re-paired with a new local key is healed from the linked
account with no user action, and every child behind it is back and controllable with
that one key (a child has no key of its own on the LAN); a gateway whose firmware
update changed its protocol version is found again by itself, the new version stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_HOST, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan import discovery
from custom_components.tuya_lan.const import (
    CONF_CHILDREN,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.gateway import GatewayCoordinator
from tuya_sim import SimulatedGateway
from tuya_sim.cloud import FakeTuyaCloud, cloud_child_for, cloud_device_for
from tuya_sim.discovery import Broadcaster

from ..loopback import free_udp_ports
from .common import ACCESS_ID, ACCESS_SECRET, entry_data, fast_gateway_timings
from .test_faults import OLD_HOST, OldAddress, old_address  # noqa: F401 - its fixture

GATEWAY_ID = "bf0123456789abcdgw01"
KEY = "0123456789abcdef"
NEW_KEY = "Zq4v!8RtW2m#Lp6x"
PLUG = "a4c13800000000p1"
SENSOR = "a4c13800000000s1"
TITLE = "Hub"
PLUG_SWITCH = "switch.kitchen_plug"
SENSOR_TEMPERATURE = "sensor.garden_sensor_dp_1"  # raw: no model in these options
GATEWAY_CONNECTION = "sensor.hub_connection"
CHILDREN: dict[str, dict[str, Any]] = {
    PLUG: {"name": "Kitchen plug"},
    SENSOR: {"name": "Garden sensor", "category": "wsdcg"},
}
UID = "eu1700000000000aaaaa"
# The loopback round trips take milliseconds; healing asks the cloud and proves the key.
WITHIN = 10.0

# Seconds between the simulator's UDP announcements (real devices: 5 s).
ANNOUNCE = 0.25

# Raw DPs (the sensor's, without a model) are disabled by default: shown here.
pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")


async def wait_for(condition: Callable[[], bool], timeout: float = WITHIN) -> None:
    """Wait until `condition()` holds."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the condition spans HA, cloud and simulator
            await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def fast_gateway() -> Iterator[None]:
    """Reconnect after 50 ms; merge split presence reports over 0.2 s, not 2 s."""
    with fast_gateway_timings():
        yield


@pytest.fixture
async def sim(socket_enabled: None, version: str) -> AsyncIterator[SimulatedGateway]:
    """A simulated gateway with a plug and a temperature sensor on a loopback port."""
    gateway = SimulatedGateway(
        GATEWAY_ID,
        KEY,
        version,
        children={PLUG: "plug", SENSOR: "temperature"},
        tick_interval=None,
        seed=1,
    )
    await gateway.start()
    yield gateway
    await gateway.stop()


@pytest.fixture
async def cloud(sim: SimulatedGateway) -> AsyncIterator[FakeTuyaCloud]:
    """The fake cloud: the gateway (its key follows the simulator's) and its children."""
    fake = FakeTuyaCloud(ACCESS_ID, ACCESS_SECRET)
    fake.add_device(cloud_device_for(sim, uid=UID, name=TITLE))
    for number, cid in enumerate(CHILDREN, start=1):
        fake.add_device(
            cloud_child_for(sim, cid, device_id=f"bf000000000000000c0{number}", name=cid, uid=UID)
        )
    await fake.start()
    yield fake
    await fake.stop()


async def add_account(hass: HomeAssistant, cloud: FakeTuyaCloud) -> None:
    account = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"account_{ACCESS_ID}",
        data={
            "entry_type": "account",
            "kind": "developer",
            "access_id": ACCESS_ID,
            "access_secret": ACCESS_SECRET,
            "region": "eu",
            "endpoint": cloud.url,
        },
    )
    account.add_to_hass(hass)
    assert await hass.config_entries.async_setup(account.entry_id)


def gateway_entry(sim: SimulatedGateway, host: str = "127.0.0.1", **data: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=GATEWAY_ID,
        data=entry_data(
            host=host,
            port=sim.port,
            device_id=GATEWAY_ID,
            local_key=KEY,
            protocol_version=sim.version,
            **data,
        ),
        options={CONF_CHILDREN: CHILDREN},
    )


@pytest.fixture
async def unload_all(hass: HomeAssistant) -> AsyncIterator[None]:
    """Every entry unloaded at the end (no session, task or timer left)."""
    yield
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> str | None:
    found = hass.states.get(entity_id)
    return None if found is None else found.state


def no_repair_and_no_reauth(hass: HomeAssistant) -> None:
    assert [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN] == []
    assert hass.config_entries.flow.async_progress() == []


async def children_work(hass: HomeAssistant, sim: SimulatedGateway) -> None:
    """Every child shows what it holds, and a command reaches the child it is for."""
    await wait_for(lambda: state(hass, PLUG_SWITCH) == "on")
    await wait_for(lambda: state(hass, SENSOR_TEMPERATURE) not in (None, STATE_UNAVAILABLE))
    await hass.services.async_call("switch", "turn_off", {"entity_id": PLUG_SWITCH}, blocking=True)
    assert sim.children[PLUG].dps["1"] is False
    await wait_for(lambda: state(hass, PLUG_SWITCH) == "off")
    sim.set_child_dps(SENSOR, {"1": 217})
    await wait_for(lambda: state(hass, SENSOR_TEMPERATURE) == "217")


# --- a key healed from the account heals every child at once ---------------------------


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
@pytest.mark.usefixtures("unload_all")
async def test_a_repaired_gateway_is_healed_from_the_account_with_its_children(
    hass: HomeAssistant, sim: SimulatedGateway, cloud: FakeTuyaCloud
) -> None:
    """The gateway is re-paired (new local key) while running: its key is fetched from
    the linked account, proved and stored; every child is back on the gateway's one
    session, shows its state and takes commands; no repair, no reauth."""
    await add_account(hass, cloud)
    entry = gateway_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert isinstance(entry.runtime_data, GatewayCoordinator)
    assert state(hass, PLUG_SWITCH) == "on"

    sim.change_key(NEW_KEY)
    await wait_for(lambda: entry.data[CONF_LOCAL_KEY] == NEW_KEY)
    await wait_for(lambda: state(hass, GATEWAY_CONNECTION) == "connected")
    await children_work(hass, sim)
    await hass.async_block_till_done()
    no_repair_and_no_reauth(hass)
    assert sim.clients == 1


@pytest.mark.parametrize("version", ["3.3", "3.5"])
@pytest.mark.usefixtures("unload_all")
async def test_a_gateway_repaired_while_home_assistant_was_off_heals_at_setup(
    hass: HomeAssistant, sim: SimulatedGateway, cloud: FakeTuyaCloud
) -> None:
    """Re-paired while Home Assistant was off: the gateway's setup fetches its key and
    goes on, and its children are set up with it."""
    await add_account(hass, cloud)
    sim.change_key(NEW_KEY)
    entry = gateway_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_LOCAL_KEY] == NEW_KEY
    await children_work(hass, sim)
    no_repair_and_no_reauth(hass)


# --- a firmware update that changed the protocol version --------------------------------


@pytest.fixture
def listen_ports(socket_enabled: None) -> Iterator[tuple[int, int, int]]:
    """The discovery listener binds free loopback ports (plain, encrypted, 3.5's)."""
    ports = tuple(free_udp_ports(3))
    with (
        patch.object(discovery, "LISTEN_HOST", "127.0.0.1"),
        patch.object(discovery, "LISTEN_PORTS", ports),
    ):
        yield ports  # type: ignore[misc]


async def updated_firmware(
    sim: SimulatedGateway, version: str, discovery_port: int | None
) -> SimulatedGateway:
    """The same gateway (address, port, id, key, children) after a firmware update that
    changed its protocol version, announcing itself as gateways do."""
    await sim.stop()
    updated = SimulatedGateway(
        GATEWAY_ID,
        KEY,
        version,
        children={PLUG: "plug", SENSOR: "temperature"},
        port=sim.port,
        tick_interval=None,
        seed=1,
        discovery_port=discovery_port,
        discovery_interval=ANNOUNCE,
    )
    await updated.start()
    return updated


@pytest.mark.parametrize(("version", "new_version"), [("3.3", "3.4"), ("3.4", "3.5")])
@pytest.mark.usefixtures("unload_all")
async def test_a_gateway_whose_firmware_changed_its_protocol_version_is_found_again(
    hass: HomeAssistant,
    sim: SimulatedGateway,
    listen_ports: tuple[int, int, int],
    new_version: str,
) -> None:
    """A firmware update changed the gateway's protocol version (same address and key):
    it announces itself with the new one, is proven there, the entry keeps the new
    version, and its children are back and controllable; no repair, no reauth."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: None})  # the listener
    await hass.async_block_till_done()
    entry = gateway_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, PLUG_SWITCH) == "on"

    _, encrypted, app = listen_ports
    updated = await updated_firmware(sim, new_version, app if new_version == "3.5" else encrypted)
    try:
        await wait_for(lambda: entry.data[CONF_PROTOCOL_VERSION] == new_version)
        await wait_for(lambda: entry.state is ConfigEntryState.LOADED)
        await wait_for(lambda: state(hass, GATEWAY_CONNECTION) == "connected")
        await children_work(hass, updated)
        no_repair_and_no_reauth(hass)
        assert entry.data[CONF_LOCAL_KEY] == KEY
    finally:
        for loaded in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(loaded.entry_id)
        await updated.stop()


@pytest.mark.parametrize(("version", "new_version"), [("3.3", "3.4"), ("3.4", "3.5")])
@pytest.mark.usefixtures("unload_all")
async def test_a_gateway_updated_while_home_assistant_was_off_is_found_again(
    hass: HomeAssistant,
    sim: SimulatedGateway,
    listen_ports: tuple[int, int, int],
    new_version: str,
) -> None:
    """The update came while Home Assistant was off: the entry's setup fails with the
    old version, and the gateway's announcement of the new one sets it up."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: None})  # the listener
    await hass.async_block_till_done()
    entry = gateway_entry(sim)
    _, encrypted, app = listen_ports
    updated = await updated_firmware(sim, new_version, app if new_version == "3.5" else encrypted)
    try:
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await wait_for(lambda: entry.data[CONF_PROTOCOL_VERSION] == new_version)
        await wait_for(lambda: entry.state is ConfigEntryState.LOADED)
        await children_work(hass, updated)
        no_repair_and_no_reauth(hass)
    finally:
        for loaded in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(loaded.entry_id)
        await updated.stop()


@pytest.mark.parametrize("version", ["3.4"])
@pytest.mark.usefixtures("unload_all")
async def test_a_reauth_asked_before_the_new_version_was_heard_is_withdrawn(
    hass: HomeAssistant, sim: SimulatedGateway, listen_ports: tuple[int, int, int]
) -> None:
    """3.4 to 3.5: the 3.4 handshakes are hung up, which looks like a new key, and with
    no account the user is asked to re-authenticate before the gateway is heard (it
    announces every 5 s). Once it is found again with the new version and its own key,
    that question is withdrawn: nothing is left for the user to do."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: None})  # the listener
    await hass.async_block_till_done()
    entry = gateway_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    updated = await updated_firmware(sim, "3.5", None)
    announcer = Broadcaster(updated.discovery_datagram, listen_ports[2], 3600)
    try:
        await wait_for(lambda: bool(entry.async_get_active_flows(hass, {SOURCE_REAUTH})))
        await announcer.start()  # the first announcement goes out at once
        await wait_for(lambda: entry.data[CONF_PROTOCOL_VERSION] == "3.5")
        await wait_for(lambda: entry.state is ConfigEntryState.LOADED)
        await children_work(hass, updated)
        await hass.async_block_till_done()
        no_repair_and_no_reauth(hass)
    finally:
        await announcer.stop()
        for loaded in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(loaded.entry_id)
        await updated.stop()


# --- what a user reads about a child the gateway reports offline ------------------------


@pytest.mark.parametrize("version", ["3.4"])
@pytest.mark.usefixtures("unload_all")
async def test_a_child_offline_at_the_gateway_is_said_so_not_connection_lost(
    hass: HomeAssistant, sim: SimulatedGateway, caplog: pytest.LogCaptureFixture
) -> None:
    """The gateway reports one child offline: its entities are unavailable, its
    presence sensor and the log say "offline at its gateway", never "connection lost";
    the gateway stays connected, no repair is raised; back when reported back."""
    entry = gateway_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    caplog.clear()
    sim.child_offline(PLUG)
    await wait_for(lambda: state(hass, PLUG_SWITCH) == STATE_UNAVAILABLE)
    assert state(hass, "sensor.kitchen_plug_presence_at_the_gateway") == "offline"
    assert "Kitchen plug is offline at its gateway Hub" in caplog.text
    assert "Lost the connection" not in caplog.text
    assert state(hass, GATEWAY_CONNECTION) == "connected"
    assert state(hass, SENSOR_TEMPERATURE) not in (None, STATE_UNAVAILABLE)
    no_repair_and_no_reauth(hass)
    sim.child_online(PLUG)
    await wait_for(lambda: state(hass, PLUG_SWITCH) == "on")
    assert "Kitchen plug is back at its gateway" in caplog.text


# --- a gateway that moved ----------------------------------------------------------------


@pytest.mark.parametrize("version", ["3.3", "3.5"])
@pytest.mark.usefixtures("unload_all")
async def test_a_gateway_that_moved_is_followed(
    hass: HomeAssistant,
    socket_enabled: None,
    listen_ports: tuple[int, int, int],
    old_address: OldAddress,  # noqa: F811 - the fixture imported above
    version: str,
) -> None:
    """The gateway gets a new address and announces it: it is proven there as a hub
    (which answers no status query of its own; a 3.5 hub failed the device's proof),
    the entry follows, and its children are back."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: None})  # the listener
    await hass.async_block_till_done()
    _, encrypted, app = listen_ports
    sim = SimulatedGateway(
        GATEWAY_ID,
        KEY,
        version,
        children={PLUG: "plug", SENSOR: "temperature"},
        tick_interval=None,
        seed=1,
        discovery_port=app if version == "3.5" else encrypted,
        discovery_interval=ANNOUNCE,
    )
    await sim.start()
    try:
        entry = gateway_entry(sim, host=OLD_HOST)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert state(hass, PLUG_SWITCH) == "on"
        old_address.reachable = False
        await sim.move()
        await wait_for(lambda: entry.data[CONF_HOST] == "127.0.0.1")
        await wait_for(lambda: entry.state is ConfigEntryState.LOADED)
        await children_work(hass, sim)
        no_repair_and_no_reauth(hass)
    finally:
        for loaded in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(loaded.entry_id)
        await sim.stop()
