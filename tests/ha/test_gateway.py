"""Gateways through Home Assistant (issue 17): one entry, one session, a device per child.

Against the simulated gateway (tuya_sim.gateway) on 127.0.0.1, 3.3 and 3.5: children
are devices of their own reached through the gateway's, a child's push reaches its
entity, a command reaches the right child, a child the gateway reports offline is
unavailable "offline at the gateway" (not "connection lost") and back when reported
back, the gateway dropping takes its children along and brings them back, and twenty
children share the one connection. The options flow adds and removes children by cid.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.update_coordinator import UpdateFailed
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import CONF_CHILDREN, DOMAIN
from custom_components.tuya_lan.diagnostics import async_get_config_entry_diagnostics
from custom_components.tuya_lan.gateway import ChildCoordinator, GatewayCoordinator
from tuya_sim import SimulatedGateway
from tuya_sim.cloud import FakeCloudDevice, FakeDp, FakeTuyaCloud

from .common import (
    ACCESS_ID,
    ACCESS_SECRET,
    account_entry,
    entry_data,
    fast_gateway_timings,
    wait_for,
)

# Raw DPs (the sensor's, without a model) are disabled by default: shown here.
pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")

GATEWAY_ID = "bf0123456789abcdgw01"
KEY = "0123456789abcdef"
PLUG = "a4c13800000000p1"
PLUG_2 = "a4c13800000000p2"
SENSOR = "a4c13800000000s1"
TITLE = "Hub"
PLUG_SWITCH = "switch.kitchen_plug"
PLUG_2_SWITCH = "switch.desk_plug"
PLUG_PRESENCE = "sensor.kitchen_plug_presence_at_the_gateway"
SENSOR_TEMPERATURE = "sensor.garden_sensor_dp_1"
GATEWAY_CONNECTION = "sensor.hub_connection"
CHILDREN: dict[str, dict[str, Any]] = {
    PLUG: {"name": "Kitchen plug"},  # no model: the standard numbering, as without account
    PLUG_2: {"name": "Desk plug", "product_name": ["hand-edited", "not text"]},
    # Without a model its DPs show raw (the library's sensor rows will name them).
    SENSOR: {"name": "Garden sensor", "category": "wsdcg"},
}


@pytest.fixture(autouse=True)
def fast_gateway() -> Iterator[None]:
    """Reconnect after 50 ms; merge split presence reports over 0.2 s, not 2 s."""
    with fast_gateway_timings():
        yield


@pytest.fixture(params=["3.3", "3.5"])
def version(request: pytest.FixtureRequest) -> str:
    """The protocol version the simulated gateway speaks."""
    param: str = request.param
    return param


@pytest.fixture
def children() -> dict[str, str]:
    """The simulated gateway's children (cid -> profile)."""
    return {PLUG: "plug", PLUG_2: "plug", SENSOR: "temperature"}


@pytest.fixture
async def sim(
    socket_enabled: None, version: str, children: dict[str, str]
) -> AsyncIterator[SimulatedGateway]:
    """A simulated gateway on a free loopback port."""
    gateway = SimulatedGateway(
        GATEWAY_ID, KEY, version, children=children, tick_interval=None, seed=1
    )
    await gateway.start()
    yield gateway
    await gateway.stop()


def gateway_entry(sim: SimulatedGateway, children: dict[str, Any]) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=GATEWAY_ID,
        data=entry_data(
            host="127.0.0.1",
            port=sim.port,
            device_id=GATEWAY_ID,
            local_key=KEY,
            protocol_version=sim.version,
        ),
        options={CONF_CHILDREN: children},
    )


@pytest.fixture
async def entry(hass: HomeAssistant, sim: SimulatedGateway) -> AsyncIterator[MockConfigEntry]:
    """The gateway entry with three children, set up against the simulator."""
    entry = gateway_entry(sim, CHILDREN)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


def child_coordinator(entry: MockConfigEntry, cid: str) -> ChildCoordinator:
    gateway = entry.runtime_data
    assert isinstance(gateway, GatewayCoordinator)
    return gateway.children[cid]


def state(hass: HomeAssistant, entity_id: str) -> str | None:
    found = hass.states.get(entity_id)
    return None if found is None else found.state


async def test_children_are_devices_through_the_gateway(
    hass: HomeAssistant, sim: SimulatedGateway, entry: MockConfigEntry
) -> None:
    """Each child is a device of its own, via the gateway's device, with entities from
    its own DPs (a plug's switch, a sensor's temperature); the gateway is a device with
    its health entities."""
    devices = dr.async_get(hass)
    gateway = devices.async_get_device_by_identifier((DOMAIN, GATEWAY_ID), entry.entry_id)
    assert gateway is not None
    for cid, name in ((PLUG, "Kitchen plug"), (SENSOR, "Garden sensor")):
        child = devices.async_get_device_by_identifier((DOMAIN, cid), entry.entry_id)
        assert child is not None
        assert child.name == name
        assert child.via_device_id == gateway.id
    desk = devices.async_get_device_by_identifier((DOMAIN, PLUG_2), entry.entry_id)
    assert desk is not None
    assert desk.model == "Smart plug with power metering"  # not the hand-edited list
    assert state(hass, PLUG_SWITCH) == "on"
    assert state(hass, SENSOR_TEMPERATURE) == str(sim.children[SENSOR].dps["1"])
    assert state(hass, GATEWAY_CONNECTION) == "connected"
    assert state(hass, PLUG_PRESENCE) in ("online", "unknown")
    switch = er.async_get(hass).async_get(PLUG_SWITCH)
    assert switch is not None
    assert (
        switch.device_id
        == devices.async_get_device_by_identifier((DOMAIN, PLUG), entry.entry_id).id
    )  # type: ignore[union-attr]


async def test_a_childs_push_reaches_its_entity(
    hass: HomeAssistant, sim: SimulatedGateway, entry: MockConfigEntry
) -> None:
    """A button pressed on one plug changes its entity, and only its."""
    sim.set_child_dps(PLUG, {"1": False})
    await wait_for(lambda: state(hass, PLUG_SWITCH) == "off")
    assert state(hass, PLUG_2_SWITCH) == "on"
    sim.set_child_dps(SENSOR, {"1": 123})
    await wait_for(lambda: state(hass, SENSOR_TEMPERATURE) == "123")


async def test_a_command_reaches_the_right_child(
    hass: HomeAssistant, sim: SimulatedGateway, entry: MockConfigEntry
) -> None:
    """Turning one plug off writes that child's DP through the gateway, no other's."""
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": PLUG_2_SWITCH}, blocking=True
    )
    assert sim.children[PLUG_2].dps["1"] is False
    assert sim.children[PLUG].dps["1"] is True
    await wait_for(lambda: state(hass, PLUG_2_SWITCH) == "off")
    assert state(hass, PLUG_SWITCH) == "on"


async def test_a_child_offline_at_the_gateway_and_back(
    hass: HomeAssistant, sim: SimulatedGateway, entry: MockConfigEntry
) -> None:
    """A child the gateway reports offline is unavailable for that reason (its presence
    sensor and error say "offline at the gateway"); the gateway and the other children
    stay; reported back, it is available again."""
    sim.child_offline(PLUG)
    await wait_for(lambda: state(hass, PLUG_SWITCH) == STATE_UNAVAILABLE)
    assert state(hass, PLUG_PRESENCE) == "offline"
    error = child_coordinator(entry, PLUG).last_exception
    assert isinstance(error, UpdateFailed)
    assert error.translation_key == "child_offline_at_gateway"
    assert state(hass, PLUG_2_SWITCH) == "on"
    assert state(hass, GATEWAY_CONNECTION) == "connected"
    # A command to it would be acknowledged by the gateway and lost: refused at once.
    with pytest.raises(Exception, match="offline at the gateway"):
        await child_coordinator(entry, PLUG).async_set_dps({"1": False})
    # The gateway's session renewed meanwhile: the new session reads the gateway's
    # cached values of the child, which do not make it look available.
    shown: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            shown.append(event.data["new_state"].state)
            if event.data["entity_id"] == PLUG_SWITCH and event.data["new_state"]
            else None
        ),
    )
    sim.set_child_dps(PLUG, {"1": False}, push=False)
    sim.drop()
    plug = child_coordinator(entry, PLUG)
    await wait_for(lambda: plug.data.dps["1"] is False)
    assert shown == []
    assert state(hass, PLUG_SWITCH) == STATE_UNAVAILABLE
    sim.set_child_dps(PLUG, {"1": True}, push=False)
    sim.child_online(PLUG)
    await wait_for(lambda: state(hass, PLUG_SWITCH) == "on")
    assert state(hass, PLUG_PRESENCE) == "online"
    assert child_coordinator(entry, PLUG).last_exception is None


async def test_the_gateway_dropping_and_coming_back(
    hass: HomeAssistant, sim: SimulatedGateway, entry: MockConfigEntry
) -> None:
    """The gateway's session lost: its children are unavailable because the gateway
    is (said so), and back with it, on a new session that reads them again."""
    sim.set_child_dps(PLUG, {"1": False}, push=False)  # changed while we were away
    sim.drop()
    await wait_for(lambda: state(hass, PLUG_2_SWITCH) == STATE_UNAVAILABLE)
    assert state(hass, PLUG_PRESENCE) == "gateway_unavailable"
    error = child_coordinator(entry, PLUG_2).last_exception
    assert isinstance(error, UpdateFailed)
    assert error.translation_key == "child_gateway_unavailable"
    await wait_for(lambda: state(hass, PLUG_SWITCH) == "off")
    assert state(hass, PLUG_2_SWITCH) == "on"
    assert state(hass, PLUG_PRESENCE) != "gateway_unavailable"
    assert sim.clients == 1


@pytest.mark.parametrize("version", ["3.5"])
@pytest.mark.parametrize(
    "children", [{f"a4c1380000000{n:03d}": "plug" for n in range(20)}], ids=["20"]
)
async def test_twenty_children_share_one_connection(
    hass: HomeAssistant, sim: SimulatedGateway, children: dict[str, str]
) -> None:
    """Twenty children, every one pushing at once: one connection to the gateway, and
    each push reaches its own entity."""
    entry = gateway_entry(sim, {cid: {"name": f"Plug {cid[-3:]}"} for cid in children})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    switches = [f"switch.plug_{cid[-3:]}" for cid in children]
    assert all(state(hass, switch) == "on" for switch in switches)
    for cid in children:
        sim.set_child_dps(cid, {"1": False})
    await wait_for(lambda: all(state(hass, switch) == "off" for switch in switches))
    assert sim.clients == 1
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("version", ["3.5"])
async def test_options_add_and_remove_a_child_by_cid(
    hass: HomeAssistant, sim: SimulatedGateway
) -> None:
    """Without an account: a device entry gets a child by its cid in the options and
    becomes a gateway entry (a hub that answers no query of its own cannot run as a
    plain device: its setup waits until then), a bad or repeated cid is refused, and a
    child removed takes its entities along."""
    entry = gateway_entry(sim, {})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY  # "json obj data unvalid"
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "remove_child"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_children"

    async def add(cid: str, name: str = "") -> Any:
        result = await hass.config_entries.options.async_init(entry.entry_id)
        assert result["type"] is FlowResultType.MENU
        assert "add_child" in result["menu_options"]
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "add_child"}
        )
        return await hass.config_entries.options.async_configure(
            result["flow_id"], {"cid": cid, "name": name}
        )

    result = await add("not a cid!")
    assert result["errors"] == {"cid": "invalid_cid"}
    result = await add(PLUG, "Kitchen plug")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert isinstance(entry.runtime_data, GatewayCoordinator)
    assert state(hass, PLUG_SWITCH) == "on"
    result = await add(PLUG)
    assert result["errors"] == {"cid": "child_exists"}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "remove_child"}
    )
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"cid": PLUG})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_CHILDREN] == {}
    assert entry.state is ConfigEntryState.LOADED  # still the gateway's entry
    assert isinstance(entry.runtime_data, GatewayCoordinator)
    devices = dr.async_get(hass)
    assert devices.async_get_device_by_identifier((DOMAIN, PLUG), entry.entry_id) is None
    assert er.async_get(hass).async_get(PLUG_SWITCH) is None
    assert hass.states.get(PLUG_SWITCH) is None
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("version", ["3.5"])
async def test_diagnostics_show_each_child(
    hass: HomeAssistant, sim: SimulatedGateway, entry: MockConfigEntry
) -> None:
    """The gateway's diagnostics say what the gateway reports of each child."""
    sim.child_offline(PLUG)
    await wait_for(lambda: state(hass, PLUG_SWITCH) == STATE_UNAVAILABLE)
    found = await async_get_config_entry_diagnostics(hass, entry)
    assert found["entry"]["data"]["local_key"] == "**REDACTED**"
    assert found["children"][PLUG]["presence"] == "offline"
    assert found["children"][PLUG]["available"] is False
    assert found["children"][PLUG_2]["dps"]["1"] is True
    assert found["children"][PLUG_2]["mapping"]["1"] == "switch"


UID = "eu1700000000000aaaaa"


@pytest.mark.parametrize("version", ["3.5"])
async def test_children_from_the_account_join_their_gateways_entry(
    hass: HomeAssistant, sim: SimulatedGateway
) -> None:
    """With the account: its sub-devices are offered through their gateway (by the
    parent link, or without one by the gateway's key they share) and, ticked, join the
    gateway's entry with their names and models, nothing typed; that entry then runs
    them on its one session."""
    gateway = gateway_entry(sim, {})
    gateway.add_to_hass(hass)
    await hass.config_entries.async_setup(gateway.entry_id)
    await hass.async_block_till_done()
    cloud = FakeTuyaCloud(ACCESS_ID, ACCESS_SECRET)
    for device in (
        FakeCloudDevice(GATEWAY_ID, TITLE, KEY, uid=UID, category="wg2"),
        FakeCloudDevice(
            "bf0000000000000000p1",
            "Kitchen plug",
            KEY,
            uid=UID,
            gateway_id=GATEWAY_ID,
            node_id=PLUG,
            dps=(FakeDp(1, "switch_1", "Boolean"),),
        ),
        # No parent link: it shares its gateway's key.
        FakeCloudDevice("bf0000000000000000p2", "Desk plug", KEY, uid=UID, node_id=PLUG_2),
    ):
        cloud.add_device(device)
    await cloud.start()
    try:
        account = account_entry(cloud.url)
        account.add_to_hass(hass)
        assert await hass.config_entries.async_setup(account.entry_id)
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "account_devices"}
        )
        options = {
            o["value"]: o["label"]
            for o in result["data_schema"].schema["devices"].config["options"]
        }
        assert options == {
            "bf0000000000000000p1": f"Kitchen plug: through {TITLE}",
            "bf0000000000000000p2": f"Desk plug: through {TITLE}",
        }
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"devices": list(options)}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "devices_added"
        assert result["description_placeholders"] == {"count": "2"}
        await hass.async_block_till_done()
        assert gateway.state is ConfigEntryState.LOADED
        assert isinstance(gateway.runtime_data, GatewayCoordinator)
        assert set(gateway.runtime_data.children) == {PLUG, PLUG_2}
        assert gateway.options[CONF_CHILDREN][PLUG]["model"][0]["code"] == "switch_1"
        assert state(hass, PLUG_SWITCH) == "on"
        assert state(hass, PLUG_2_SWITCH) == "on"
        assert sim.clients == 1
        # Listed again: both are there already.
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "account_devices"}
        )
        assert result["data_schema"].schema["devices"].config["options"] == []
        assert "Kitchen plug" in result["description_placeholders"]["added_line"]
    finally:
        for entry in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(entry.entry_id)
        await cloud.stop()
