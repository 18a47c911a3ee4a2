"""A gateway's sub-devices in the options flow (issue 17): each child's DPs are edited
like a device's (kind, scale, unit, name, an entity made by hand), stored under its cid,
and its entities follow after the reload; against the simulated gateway on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import CONF_CHILDREN, CONF_DPS, DOMAIN
from custom_components.tuya_lan.gateway import GatewayCoordinator
from tuya_sim import SimulatedGateway

from .common import entry_data

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")

GATEWAY_ID = "bf0123456789abcdgw02"
KEY = "0123456789abcdef"
PLUG = "a4c13800000000p1"
SENSOR = "a4c13800000000s1"
CHILDREN: dict[str, dict[str, Any]] = {
    PLUG: {"name": "Kitchen plug"},
    SENSOR: {"name": "Garden sensor"},  # no model: its DPs are raw
}


@pytest.fixture
async def entry(socket_enabled: None, hass: HomeAssistant) -> AsyncIterator[MockConfigEntry]:
    """A gateway entry with a plug and a temperature sensor, against the simulator."""
    sim = SimulatedGateway(
        GATEWAY_ID,
        KEY,
        "3.3",
        children={PLUG: "plug", SENSOR: "temperature"},
        tick_interval=None,
        seed=1,
    )
    await sim.start()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Hub",
        unique_id=GATEWAY_ID,
        data=entry_data(
            host="127.0.0.1",
            port=sim.port,
            device_id=GATEWAY_ID,
            local_key=KEY,
            protocol_version="3.3",
        ),
        options={CONF_CHILDREN: CHILDREN},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    try:
        yield entry
    finally:
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
        await sim.stop()


async def _step(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await hass.config_entries.options.async_configure(flow_id, data)
    return result


def _reported(entry: MockConfigEntry, cid: str) -> Any:
    gateway = entry.runtime_data
    assert isinstance(gateway, GatewayCoordinator)
    return gateway.children[cid].data.dps


async def test_a_childs_dps_edited_in_the_options(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Pick the sensor child, make its raw DP 1 a temperature in tenths with a name,
    and its plug sibling's relay a switch by hand: each child's changes are stored
    under its cid and its entities follow."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["menu_options"] == [
        "pick_dp",
        "add_entity",
        "pick_child",
        "add_child",
        "remove_child",
        "save",
    ]
    flow_id = result["flow_id"]
    result = await _step(hass, flow_id, {"next_step_id": "pick_child"})
    options = result["data_schema"].schema["cid"].config["options"]
    assert {option["value"]: option["label"] for option in options} == {
        PLUG: f"Kitchen plug ({PLUG})",
        SENSOR: f"Garden sensor ({SENSOR})",
    }
    result = await _step(hass, flow_id, {"cid": SENSOR})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "child"
    assert result["description_placeholders"] == {"name": "Garden sensor"}
    assert result["menu_options"] == ["pick_dp", "add_entity", "init", "save"]

    raw = _reported(entry, SENSOR)["1"]
    result = await _step(hass, flow_id, {"next_step_id": "pick_dp"})
    labels = {
        option["value"]: option["label"]
        for option in result["data_schema"].schema["dp"].config["options"]
    }
    assert labels["1"] == f"1 ({raw})"  # the child's own DPs and values
    await _step(hass, flow_id, {"dp": "1"})
    result = await _step(hass, flow_id, {"kind": "sensor"})
    assert result["step_id"] == "dp_options"
    result = await _step(
        hass,
        flow_id,
        {"scale": 0.1, "unit": "°C", "device_class": "temperature", "name": "Soil temperature"},
    )
    assert result["step_id"] == "child_changed"
    assert result["description_placeholders"] == {
        "name": "Garden sensor",
        "overrides": "\n- DP 1: Soil temperature: Sensor x0.1 °C temperature",
    }

    # Back to the gateway, then the plug: its relay becomes a configuration switch.
    result = await _step(hass, flow_id, {"next_step_id": "init"})
    assert result["step_id"] == "init"  # the gateway's own DPs: unchanged
    await _step(hass, flow_id, {"next_step_id": "pick_child"})
    await _step(hass, flow_id, {"cid": PLUG})
    await _step(hass, flow_id, {"next_step_id": "pick_dp"})
    await _step(hass, flow_id, {"dp": "1"})
    await _step(hass, flow_id, {"kind": "config_switch"})
    result = await _step(hass, flow_id, {"next_step_id": "save"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    children = entry.options[CONF_CHILDREN]
    assert children[SENSOR] == {
        "name": "Garden sensor",
        CONF_DPS: {
            "1": {
                "kind": "sensor",
                "scale": 0.1,
                "unit": "°C",
                "device_class": "temperature",
                "name": "Soil temperature",
            }
        },
    }
    assert children[PLUG][CONF_DPS] == {"1": {"kind": "config_switch"}}
    assert entry.options[CONF_DPS] == {}
    assert entry.state is ConfigEntryState.LOADED

    state = hass.states.get("sensor.garden_sensor_soil_temperature")
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "°C"
    assert float(state.state) == pytest.approx(_reported(entry, SENSOR)["1"] * 0.1)
    relay = er.async_get(hass).async_get("switch.kitchen_plug")  # same DP, same entity
    assert relay is not None
    assert relay.entity_category == "config"


async def test_an_entity_made_by_hand_on_a_child(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A sub-device's reported DPs make a light by hand like a device's, and the
    light's commands reach that child through the gateway."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    flow_id = result["flow_id"]
    await _step(hass, flow_id, {"next_step_id": "pick_child"})
    await _step(hass, flow_id, {"cid": PLUG})
    result = await _step(hass, flow_id, {"next_step_id": "add_entity"})
    result = await _step(hass, flow_id, {"next_step_id": "entity_light"})
    switches = result["data_schema"].schema["switch"].config["options"]
    assert [option["value"] for option in switches] == ["1"]  # the plug's only Boolean
    result = await _step(hass, flow_id, {"switch": "1", "encoding": "v2"})
    assert result["step_id"] == "child_changed"
    await _step(hass, flow_id, {"next_step_id": "save"})
    await hass.async_block_till_done()
    assert entry.options[CONF_CHILDREN][PLUG][CONF_DPS] == {
        "1": {"kind": "light", "role": "switch"}
    }

    light = "light.kitchen_plug"
    assert hass.states.get(light) is not None
    off = asyncio.Event()

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None and state.state == "off":
            off.set()

    unsubscribe = async_track_state_change_event(hass, [light], changed)
    await hass.services.async_call("light", "turn_off", {"entity_id": light}, blocking=True)
    # The gateway's report of the new value (a push on its one session) follows the ack.
    async with asyncio.timeout(5):
        await off.wait()
    unsubscribe()
    assert _reported(entry, PLUG)["1"] is False
