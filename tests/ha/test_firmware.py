"""Real firmware as it is, through Home Assistant: the integration against the simulator
playing shipping devices' quirks (tuya_sim/quirks.py, each with its public source).

What a user sees is stated in each test: the plug is never switched off by a read, the
flow says what a device that reports only changes is, a binary string DP shows as text
and loses nothing, a device22 shows DPs outside its usual ranges, a write is not read
back when the device reported it, a 3.2 device is found on "auto", a 20 KiB status
loads, and a session keeps recovering whatever its status read ends in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.tuyalan import TuyaClient, client as client_module
from tuya_sim import SimulatedDevice

from .common import DEVICE_ID, LOCAL_KEY, TITLE, entry_data, start_user_flow
from .test_faults import (  # noqa: F401 - the fault suite's autouse fixtures apply here too
    ANNOUNCE,
    COUNTDOWN,
    FOLLOW_WITHIN,
    LOST_WITHIN,
    REPORT_WITHIN,
    SWITCH,
    Rig,
    detect_blocking_calls,
    listen_ports,
    make_rig,
    old_address,
    short_times,
    wait_for,
)


@pytest.fixture(autouse=True)
def quick_retries() -> Iterator[None]:
    """The plain status query is asked again after 50 ms instead of 0.5 s."""
    with patch.object(client_module, "PLAIN_QUERY_RETRY_DELAY", 0.05):
        yield


async def add_through_the_flow(
    hass: HomeAssistant, sim: SimulatedDevice, version: str = "auto"
) -> dict[str, Any]:
    """The user's "add a device by hand" flow against the simulator on 127.0.0.1."""
    result = await start_user_flow(hass)
    return dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_HOST: "127.0.0.1",
                CONF_DEVICE_ID: sim.device_id,
                CONF_LOCAL_KEY: LOCAL_KEY,
                CONF_PROTOCOL_VERSION: version,
                "advanced": {CONF_PORT: sim.port},
            },
        )
    )


async def unload_all(hass: HomeAssistant) -> None:
    for entry in hass.config_entries.async_entries("tuya_lan"):
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def reconnected(rig: Rig) -> None:
    """A new session opened. With the availability grace a quick reconnect never shows
    the entities unavailable, so the session count is what says it happened."""
    await wait_for(lambda: rig.coordinator.health.reconnects >= 1, LOST_WITHIN)


# --- 21.1 -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["3.3", "3.4"])
async def test_a_device_refusing_its_first_queries_is_never_switched_off(
    hass: HomeAssistant, socket_enabled: None, version: str
) -> None:
    """After a power cut the plug refuses two status queries, and would take the
    device22 query (nulls) as "switch off". User-visible: it comes back on, as it is,
    and never shows off."""
    async with make_rig(hass, version) as rig:
        rig.sim.quirks.refuses_queries_after_power_up = 2
        rig.sim.quirks.null_control_writes = True
        await rig.sim.reboot()
        await reconnected(rig)
        await rig.recovered()
        assert rig.state() == "on"
        assert rig.sim.quirks.null_queries == 0
        assert set(rig.recorder.dps.held["1"]) == {True}
        assert "off" not in rig.recorder.states[SWITCH]


# --- 21.2 -------------------------------------------------------------------------------


async def test_a_35_device_reporting_only_changes_is_added(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """It acks the status query, ignores the refresh and pushes only changes. Its 3.5
    handshake proved the key: the flow adds it (no error, no traceback), the entry
    loads, and its switch shows once the device reports it."""
    sim = SimulatedDevice(DEVICE_ID, LOCAL_KEY, "3.5", tick_interval=None, seed=1)
    sim.quirks.reports_only_changes = sim.quirks.ignores_refresh = True
    await sim.start()
    try:
        result = await add_through_the_flow(hass, sim)
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_PROTOCOL_VERSION] == "3.5"
        await hass.async_block_till_done()
        entry = result["result"]
        assert entry.state is ConfigEntryState.LOADED
        await sim.wait_for_clients(1)
        sim.set_dps({"1": False})
        await wait_for(lambda: entry.runtime_data.data.dps.get("1") is False, REPORT_WITHIN)
    finally:
        await unload_all(hass)
        await sim.stop()


async def test_a_33_device_reporting_only_changes_is_named_in_the_flow(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """On 3.3 an empty acknowledgement proves no key: the flow says what the device
    does, in words (the error key "no_status" and its text)."""
    sim = SimulatedDevice(DEVICE_ID, LOCAL_KEY, "3.3", tick_interval=None, seed=1)
    sim.quirks.reports_only_changes = sim.quirks.ignores_refresh = True
    await sim.start()
    try:
        with patch.object(client_module, "PUSH_AFTER_ACK", 0.05):
            result = await add_through_the_flow(hass, sim, "3_3")
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "no_status"}
        from homeassistant.helpers.translation import async_get_translations

        texts = await async_get_translations(hass, "en", "config", ["tuya_lan"])
        assert "only when something changes" in texts["component.tuya_lan.config.error.no_status"]
    finally:
        await sim.stop()


# --- 21.3 -------------------------------------------------------------------------------


async def test_binary_in_a_string_dp_shows_as_text_and_loses_nothing(
    hass: HomeAssistant, socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A DP string with raw bytes that are not UTF-8: that DP holds text with each such
    byte as \\xNN, the switch in the same frame is taken, nothing is logged as an error
    and the device stays available."""
    async with make_rig(hass, "3.3") as rig:
        rig.sim.set_dps({"104": b"ab\xff\xfe", "1": False})
        await wait_for(lambda: rig.state() == "off", REPORT_WITHIN)
        assert rig.coordinator.data.dps["104"] == "ab\\xff\\xfe"
        assert rig.available()
        assert [r for r in caplog.records if r.levelname == "ERROR"] == []


# --- 22.1 / 22.2 ------------------------------------------------------------------------


async def test_a_device22_shows_dps_outside_its_usual_ranges(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """A device22 (255-byte request limit) with DPs 51 and 120: the status is read in
    chunks that fit (the switch loads), DPs it pushed are asked in every later status
    read, so a value changed while the session was down shows after the reconnect."""
    async with make_rig(hass, "3.3", device22=True, dps={"51": 1, "120": "eco"}) as rig:
        assert rig.state() == "on"
        rig.sim.set_dps({"51": 2, "120": "boost"})
        await wait_for(lambda: rig.coordinator.data.dps.get("120") == "boost", REPORT_WITHIN)
        rig.sim.set_dps({"51": 3}, push=False)
        rig.sim.drop()
        await reconnected(rig)
        await rig.recovered()
        await wait_for(lambda: rig.coordinator.data.dps.get("51") == 3, REPORT_WITHIN)
        assert rig.sim.quirks.plain_queries >= 3  # refused: it proved device22 first


# --- 22.3 -------------------------------------------------------------------------------


async def test_a_cancelled_status_read_does_not_end_recovery(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """The reconnect's status read ends in a bare CancelledError (a cancelled future):
    the device is unavailable for a moment and comes back by itself."""
    real_status = TuyaClient.status
    raised = False

    async def status(self: TuyaClient, **kwargs: Any) -> dict[str, Any]:
        nonlocal raised
        if not raised:
            raised = True
            raise asyncio.CancelledError
        return await real_status(self, **kwargs)

    async with make_rig(hass, "3.3") as rig:
        with patch.object(TuyaClient, "status", status):
            rig.sim.drop()
            await reconnected(rig)
            await rig.recovered()
        assert raised


# --- 22.4 -------------------------------------------------------------------------------


async def test_a_reported_write_is_not_read_back(hass: HomeAssistant, socket_enabled: None) -> None:
    """Turning the switch off and setting a countdown: the device pushes both, so no
    status read follows (and never a null-valued one)."""
    async with make_rig(hass, "3.3") as rig:
        queries = rig.sim.quirks.plain_queries
        await hass.services.async_call("switch", "turn_off", {"entity_id": SWITCH}, blocking=True)
        await wait_for(lambda: rig.state() == "off", REPORT_WITHIN)
        await rig.works(30)
        assert rig.state(COUNTDOWN) == "30"
        assert rig.sim.quirks.plain_queries == queries
        assert rig.sim.quirks.null_queries == 0


# --- 22.5 -------------------------------------------------------------------------------


async def test_a_32_device_is_added_with_the_version_on_auto(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """The flow with "auto" finds protocol 3.2 and the entry loads."""
    sim = SimulatedDevice(DEVICE_ID, LOCAL_KEY, "3.2", tick_interval=None, seed=1)
    sim.quirks.strict_version_header = True
    await sim.start()
    try:
        result = await add_through_the_flow(hass, sim)
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_PROTOCOL_VERSION] == "3.2"
        await hass.async_block_till_done()
        assert result["result"].state is ConfigEntryState.LOADED
    finally:
        await unload_all(hass)
        await sim.stop()


# --- issue 14 §3 --------------------------------------------------------------------------


async def test_a_20_kib_status_loads(hass: HomeAssistant, socket_enabled: None) -> None:
    """A device whose status is 20 KiB (a long string DP) sets up and shows its switch."""
    async with make_rig(hass, "3.3", dps={"150": "x" * 20_000}) as rig:
        assert rig.available()
        assert rig.coordinator.data.dps["150"] == "x" * 20_000


# --- issue 17 item 4: a firmware update that changed the protocol version ------------------


@pytest.mark.parametrize(("version", "new_version"), [("3.3", "3.4"), ("3.4", "3.5")])
async def test_a_device_whose_firmware_changed_its_protocol_version_is_found_again(
    hass: HomeAssistant,
    socket_enabled: None,
    listen_ports: tuple[int, int, int],  # noqa: F811 - the fixture imported above
    version: str,
    new_version: str,
) -> None:
    """After a firmware update the plug speaks another protocol version at the same
    address, with the same key, and announces it: it is proven there with that version,
    the entry keeps it, and the switch works again; no repair, no reauth."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: None})  # the listener
    await hass.async_block_till_done()
    sim = SimulatedDevice(DEVICE_ID, LOCAL_KEY, version, tick_interval=None, seed=1)
    await sim.start()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=DEVICE_ID,
        data=entry_data(host="127.0.0.1", port=sim.port, protocol_version=version),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await sim.stop()
    _, encrypted, app = listen_ports
    updated = SimulatedDevice(
        DEVICE_ID,
        LOCAL_KEY,
        new_version,
        port=sim.port,
        tick_interval=None,
        seed=1,
        discovery_port=app if new_version == "3.5" else encrypted,
        discovery_interval=ANNOUNCE,
    )
    await updated.start()
    try:
        await wait_for(lambda: entry.data[CONF_PROTOCOL_VERSION] == new_version, FOLLOW_WITHIN)
        await wait_for(lambda: entry.state is ConfigEntryState.LOADED, FOLLOW_WITHIN)
        await hass.services.async_call("switch", "turn_off", {"entity_id": SWITCH}, blocking=True)
        assert updated.dps["1"] is False
        await wait_for(lambda: hass.states.get(SWITCH).state == "off", REPORT_WITHIN)
        assert not ir.async_get(hass).issues
        assert not hass.config_entries.flow.async_progress()
    finally:
        await unload_all(hass)
        await updated.stop()
