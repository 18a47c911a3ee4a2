"""Real firmware as it is (issue 21 items 4-7, issue 14 section 2), through Home Assistant
against the simulator's quirk modes. Each test states what the user sees: the entity's
availability, the Connection sensor, the repair issue, the reauth flow, the words in
the config flow, and no traceback in the log."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.tuya_lan.config_flow import SECTION_ADVANCED
from custom_components.tuya_lan.const import CONF_DEVICE_ID, CONF_LOCAL_KEY, CONF_PROTOCOL_VERSION
from custom_components.tuya_lan.diagnostics import async_get_config_entry_diagnostics
from custom_components.tuya_lan.tuyalan.device import DROPS_BEFORE_KEY_SUSPECT
from tuya_sim import SimulatedDevice

from .common import DEVICE_ID, LOCAL_KEY, start_user_flow
from .test_config_flow import mock_setup_entry  # noqa: F401 - fixture
from .test_faults import (  # noqa: F401 - autouse fixtures of the fault rig
    HEARTBEAT,
    ISSUE_WITHIN,
    SLACK,
    TIMEOUT,
    Rig,
    detect_blocking_calls,
    make_rig,
    old_address,
    short_times,
    wait_for,
)

CONNECTION = "sensor.tuya_efgh_connection"
WRONG_KEY = "fedcba9876543210"


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing the user sees in the log carries a traceback (asyncio's own debug lines
    about a reset socket are not shown at the default level)."""
    shown = [r for r in caplog.records if r.levelno >= logging.INFO or "tuya_lan" in r.name]
    assert not [r for r in shown if r.exc_info]


@pytest.mark.parametrize("version", ["3.3", "3.4"])
async def test_phone_app_holding_the_device_is_busy_never_a_reauth(
    hass: HomeAssistant, socket_enabled: None, version: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The phone app holds the device: every connection is reset at our first frame.
    The user sees "busy" (sensor and repair issue), never "rejects its local key" and no
    re-authentication, however many attempts fail; back by itself once the app lets go."""
    async with make_rig(hass, version) as rig:
        rig.sim.reset_on_first_frame = True
        rig.sim.drop()
        await rig.lost()
        await wait_for(
            lambda: rig.coordinator.health.failures > DROPS_BEFORE_KEY_SUSPECT + 1,
            ISSUE_WITHIN + SLACK,
        )
        await hass.async_block_till_done()
        assert rig.issues_raised == ["unavailable_busy"]
        assert hass.states.get(CONNECTION).state == "busy"
        assert rig.reauth_flows() == []
        rig.sim.reset_on_first_frame = False
        await rig.recovered()
        await wait_for(lambda: rig.issue() is None, SLACK)
    assert "rejects its local key" not in caplog.text
    no_traceback(caplog)


@pytest.mark.parametrize("version", ["3.4", "3.5"])
async def test_flaky_or_padded_session_key_exchange_is_not_a_wrong_key(
    hass: HomeAssistant, socket_enabled: None, version: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A device that drops two key exchanges in a row with the right key, and sends an
    empty frame before its real answer: it reconnects, no issue, no reauth."""
    async with make_rig(hass, version) as rig:
        rig.sim.quirks.empty_frame_before_session_key = True
        rig.sim.drop_session_key_exchanges = 2
        rig.sim.drop()
        await rig.recovered()
        await wait_for(lambda: rig.coordinator.health.reconnects >= 1, SLACK)
        assert rig.reauth_flows() == []
        assert rig.issues_raised == []
        await rig.works(42)
    no_traceback(caplog)


async def test_recycled_socket_keeps_entities_available(
    hass: HomeAssistant, socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    """The device closes its socket (FIN) every second while heartbeats flow: entities
    never go unavailable, nothing is logged as an outage, diagnostics count it."""
    async with make_rig(hass, "3.3") as rig:
        rig.sim.socket_lifetime = 2 * HEARTBEAT  # a session that ran a heartbeat
        rig.sim.drop()
        await wait_for(lambda: rig.coordinator.quick_reconnects >= 3, 4 * SLACK)
        assert not rig.recorder.went_unavailable()
        assert "Lost the connection" not in caplog.text
        diagnostics = await async_get_config_entry_diagnostics(hass, rig.entry)
        assert diagnostics["health"]["quick_reconnects"] >= 3
        assert diagnostics["health"]["closed_by_device"] >= 2
        await rig.works(42)
    no_traceback(caplog)


@pytest.mark.parametrize("version", ["3.3", "3.5"])
async def test_every_other_heartbeat_unanswered_is_not_a_stall(
    hass: HomeAssistant, socket_enabled: None, version: str
) -> None:
    """Busy firmware answers every other heartbeat: the device stays available and the
    session is never dropped (it used to go unavailable as "stalled")."""
    async with make_rig(hass, version) as rig:
        rig.sim.quirks.answers_every_other_heartbeat = True
        session = rig.sim._connections[0].session
        assert session is not None
        await wait_for(lambda: session.heartbeats >= 5, 5 * HEARTBEAT + 5 * TIMEOUT + SLACK)
        assert rig.coordinator.health.reconnects == 0
        assert not rig.recorder.went_unavailable()


async def test_multi_dp_write_refused_is_split(hass: HomeAssistant, socket_enabled: None) -> None:
    """A device that takes one DP per write: a 2-DP write from Home Assistant works."""
    async with make_rig(hass, "3.4") as rig:
        rig.sim.quirks.refuses_multi_dp_writes = True
        await rig.coordinator.async_set_dps({"1": False, "9": 30})
        assert (rig.sim.dps["1"], rig.sim.dps["9"]) == (False, 30)
        await wait_for(lambda: rig.state() == "off", SLACK)


# --- the config flow against the simulator ------------------------------------------------


async def _flow_with(
    hass: HomeAssistant, sim: SimulatedDevice, key: str, option: str
) -> dict[str, Any]:
    result = await start_user_flow(hass)
    return await hass.config_entries.flow.async_configure(  # type: ignore[return-value]
        result["flow_id"],
        {
            CONF_HOST: "127.0.0.1",
            CONF_DEVICE_ID: DEVICE_ID,
            CONF_LOCAL_KEY: key,
            CONF_PROTOCOL_VERSION: option,
            SECTION_ADVANCED: {CONF_PORT: sim.port},
        },
    )


@pytest.fixture
async def sim_of(socket_enabled: None) -> Any:
    made: list[SimulatedDevice] = []

    async def start(version: str) -> SimulatedDevice:
        sim = SimulatedDevice(DEVICE_ID, LOCAL_KEY, version, tick_interval=None, seed=1)
        await sim.start()
        made.append(sim)
        return sim

    yield start
    for sim in made:
        await sim.stop()


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("version", "option"), [("3.3", "3_3"), ("3.4", "3_4"), ("3.5", "3_5"), ("3.4", "auto")]
)
async def test_flow_busy_device_says_busy(
    hass: HomeAssistant, sim_of: Any, version: str, option: str
) -> None:
    """Another client holds the device (reset at our first frame): "busy", not "rejects
    the local key"."""
    sim = await sim_of(version)
    sim.reset_on_first_frame = True
    result = await _flow_with(hass, sim, LOCAL_KEY, option)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "device_busy"}


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize("option", ["3_4", "auto"])
async def test_flow_flaky_handshake_adds_the_device(
    hass: HomeAssistant, sim_of: Any, option: str
) -> None:
    """Two dropped handshakes with the right key, and an empty frame before the answer:
    the device is added (it used to be "the device rejects the local key")."""
    sim = await sim_of("3.4")
    sim.drop_session_key_exchanges = 2
    sim.quirks.empty_frame_before_session_key = True
    result = await _flow_with(hass, sim, LOCAL_KEY, option)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PROTOCOL_VERSION] == "3.4"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_flow_3_1_right_key_is_proven(hass: HomeAssistant, sim_of: Any) -> None:
    """3.1: the right key is proven by a same-value write; added at once, and the
    device holds what it held."""
    sim = await sim_of("3.1")
    before = dict(sim.dps)
    result = await _flow_with(hass, sim, LOCAL_KEY, "3_1")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert sim.dps == before


@pytest.mark.usefixtures("mock_setup_entry")
async def test_flow_3_1_wrong_key_is_said_unproven(hass: HomeAssistant, sim_of: Any) -> None:
    """3.1: a wrong key reads the plaintext status but is never taken as proven: the
    form says so, and only a second submit of the same key saves it."""
    sim = await sim_of("3.1")
    result = await _flow_with(hass, sim, WRONG_KEY, "3_1")
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "key_unproven"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: "127.0.0.1",
            CONF_DEVICE_ID: DEVICE_ID,
            CONF_LOCAL_KEY: WRONG_KEY,
            CONF_PROTOCOL_VERSION: "3_1",
            SECTION_ADVANCED: {CONF_PORT: sim.port},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY  # told, and confirmed
