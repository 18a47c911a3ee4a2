"""Gateways in the config flow (issue 17 item 3): a hub added by key, and the account's
hubs with their sub-devices grouped under them.

Against the simulated gateway (tuya_sim.gateway) on 127.0.0.1: like real hubs it refuses
the status query about itself ("json obj data unvalid"), so its key is proven by its
session (the 3.4/3.5 handshake, or its sealed refusal on 3.3), and the flow then asks
for its sub-devices; from a linked account, a ticked child brings its hub along and
joins the hub's entry, nothing typed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.tuya_lan.const import (
    CONF_CHILDREN,
    CONF_DEVICE_ID,
    CONF_IS_GATEWAY,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.gateway import GatewayCoordinator
from tuya_sim import SimulatedGateway
from tuya_sim.cloud import FakeCloudDevice, FakeDp, FakeTuyaCloud

from .common import (
    ACCESS_ID,
    ACCESS_SECRET,
    account_entry,
    fast_gateway_timings,
    start_user_flow,
    wait_for,
)

GATEWAY_ID = "bf0123456789abcdgw01"
KEY = "0123456789abcdef"
WRONG_KEY = "fedcba9876543210"
PLUG = "a4c13800000000p1"
PLUG_2 = "a4c13800000000p2"
UID = "eu1700000000000aaaaa"


@pytest.fixture(autouse=True)
def fast_gateway() -> Iterator[None]:
    """Reconnect after 50 ms; merge split presence reports over 0.2 s, not 2 s."""
    with fast_gateway_timings():
        yield


@pytest.fixture(params=["3.3", "3.5"])
async def sim(
    socket_enabled: None, request: pytest.FixtureRequest
) -> AsyncIterator[SimulatedGateway]:
    """A simulated hub with two plugs, refusing the query about itself."""
    gateway = SimulatedGateway(
        GATEWAY_ID,
        KEY,
        request.param,
        children={PLUG: "plug", PLUG_2: "plug"},
        tick_interval=None,
        seed=1,
    )
    assert not gateway.answers_own_query
    await gateway.start()
    yield gateway
    await gateway.stop()


def by_key(sim: SimulatedGateway, key: str, version: str) -> dict[str, object]:
    return {
        CONF_HOST: "127.0.0.1",
        CONF_DEVICE_ID: GATEWAY_ID,
        CONF_LOCAL_KEY: key,
        CONF_PROTOCOL_VERSION: version,
        "advanced": {CONF_PORT: sim.port},
    }


@pytest.mark.parametrize("asked", ["auto", "exact"])
async def test_a_hub_that_refuses_its_own_status_is_added_by_key(
    hass: HomeAssistant, sim: SimulatedGateway, asked: str
) -> None:
    """The hub's key is proven by its session; the flow then asks for its sub-devices
    (a bad line is named), and the entry runs them on the hub's one connection."""
    version = "auto" if asked == "auto" else sim.version.replace(".", "_")
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], by_key(sim, KEY, version)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_children"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CHILDREN: f"{PLUG} Kitchen plug\nplug#3 Lamp"}
    )
    assert result["errors"] == {CONF_CHILDREN: "invalid_cid"}
    assert result["description_placeholders"]["line"] == "plug#3 Lamp"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CHILDREN: f"{PLUG} Kitchen plug\n\n{PLUG_2}\n"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data[CONF_IS_GATEWAY] is True
    assert entry.data[CONF_PROTOCOL_VERSION] == sim.version
    names = {cid: child.get("name") for cid, child in entry.options[CONF_CHILDREN].items()}
    assert names == {PLUG: "Kitchen plug", PLUG_2: None}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert isinstance(entry.runtime_data, GatewayCoordinator)
    await wait_for(lambda: getattr(hass.states.get("switch.kitchen_plug"), "state", None) == "on")
    assert sim.clients == 1
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_hub_with_a_wrong_key_is_not_taken_for_a_gateway(
    hass: HomeAssistant, sim: SimulatedGateway
) -> None:
    """A wrong key is refused as for any device: no sub-device step, nothing saved."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], by_key(sim, WRONG_KEY, sim.version.replace(".", "_"))
    )
    assert result["step_id"] == "local"
    assert result["errors"]["base"] in ("invalid_auth", "handshake_dropped")
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_the_account_offers_hubs_with_their_children_under_them(
    hass: HomeAssistant, sim: SimulatedGateway
) -> None:
    """A hub and its children from the account: the hub listed first, its children
    under it; ticking a child adds its hub too (only the hub's address is asked, as
    it was not heard), and the child joins the hub's entry, nothing typed."""
    cloud = FakeTuyaCloud(ACCESS_ID, ACCESS_SECRET)
    for device in (
        FakeCloudDevice(
            "bf0000000000000000p2", "Desk plug", KEY, uid=UID, gateway_id=GATEWAY_ID, node_id=PLUG_2
        ),
        FakeCloudDevice(GATEWAY_ID, "Zigbee hub", KEY, uid=UID, category="wg2"),
        FakeCloudDevice(
            "bf0000000000000000p1",
            "Attic plug",
            KEY,
            uid=UID,
            gateway_id=GATEWAY_ID,
            node_id=PLUG,
            dps=(FakeDp(1, "switch_1", "Boolean"),),
        ),
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
        options = [
            (o["value"], o["label"])
            for o in result["data_schema"].schema["devices"].config["options"]
        ]
        assert options == [
            (GATEWAY_ID, "Zigbee hub: not heard on the LAN (give its address next)"),
            ("bf0000000000000000p1", "Attic plug: through Zigbee hub"),
            ("bf0000000000000000p2", "Desk plug: through Zigbee hub"),
        ]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"devices": ["bf0000000000000000p1"]}
        )
        assert result["step_id"] == "account_address"
        assert result["description_placeholders"]["device_id"] == GATEWAY_ID
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", "advanced": {CONF_PORT: sim.port}}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "devices_added"
        assert result["description_placeholders"] == {"count": "2"}
        await hass.async_block_till_done()
        hub = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, GATEWAY_ID)
        assert hub is not None
        assert hub.data[CONF_IS_GATEWAY] is True
        assert hub.data[CONF_PROTOCOL_VERSION] == sim.version
        assert list(hub.options[CONF_CHILDREN]) == [PLUG]
        await wait_for(lambda: hub.state is ConfigEntryState.LOADED)
        await wait_for(lambda: isinstance(hub.runtime_data, GatewayCoordinator))
        assert isinstance(hub.runtime_data, GatewayCoordinator)
        await wait_for(lambda: set(hub.runtime_data.children) == {PLUG})
        await wait_for(lambda: getattr(hass.states.get("switch.attic_plug"), "state", None) == "on")
        assert sim.clients == 1
    finally:
        for entry in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(entry.entry_id)
        await cloud.stop()


async def test_a_hub_with_no_sub_device_yet_stays_a_gateway(
    hass: HomeAssistant, sim: SimulatedGateway
) -> None:
    """No sub-device typed: the hub that refused its own status is saved as a gateway
    (its session never sends it a plain device's queries); the options add children."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], by_key(sim, KEY, sim.version.replace(".", "_"))
    )
    assert result["step_id"] == "gateway_children"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data[CONF_IS_GATEWAY] is True
    assert CONF_CHILDREN not in entry.options
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert isinstance(entry.runtime_data, GatewayCoordinator)
    await hass.config_entries.async_unload(entry.entry_id)
