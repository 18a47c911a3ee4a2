"""End to end: the integration and the real protocol library against the device simulator.

Everything talks over 127.0.0.1 (the `socket_enabled` fixture); reconnect backoff is
shortened so the tests stay fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from unittest.mock import patch

import pytest
from homeassistant import block_async_io
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import DOMAIN
from custom_components.tuya_lan.coordinator import TuyaLanCoordinator
from custom_components.tuya_lan.tuyalan import Fault, Health, Timings
from custom_components.tuya_lan.tuyalan.device import DROPS_BEFORE_KEY_SUSPECT
from tuya_sim import SimulatedDevice

from .common import DEVICE_ID, LOCAL_KEY, TITLE, entry_data

SWITCH = "switch.tuya_efgh"
COUNTDOWN = "number.tuya_efgh_countdown"
SWITCHES_AT = "sensor.tuya_efgh_switches_at"
POWER = "sensor.tuya_efgh_power"
ENERGY = "sensor.tuya_efgh_energy"
NEW_KEY = "fedcba9876543210"


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition()` holds (the loopback round trips take milliseconds)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the condition spans HA and the simulator
            await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def detect_blocking_calls(disable_block_async_io: None) -> None:
    """Blocking I/O in the event loop raises, as in a real Home Assistant (the test
    `hass` does not turn this on by itself); the fixture restores it afterwards."""
    block_async_io.enable()


@pytest.fixture(autouse=True)
def fast_backoff() -> Iterator[None]:
    """Reconnect after 50 ms instead of 1 s doubling."""
    with patch(
        "custom_components.tuya_lan.coordinator.TIMINGS",
        Timings(backoff_min=0.05, backoff_max=0.05, backoff_jitter=0.0),
    ):
        yield


@pytest.fixture(params=["3.3", "3.4", "3.5"])
def version(request: pytest.FixtureRequest) -> str:
    """The protocol version the simulated plug speaks."""
    param: str = request.param
    return param


@pytest.fixture
async def sim(socket_enabled: None, version: str) -> AsyncIterator[SimulatedDevice]:
    """A simulated layout-B plug on a free loopback port."""
    device = SimulatedDevice(DEVICE_ID, LOCAL_KEY, version, tick_interval=None, seed=1)
    await device.start()
    yield device
    await device.stop()


@pytest.fixture
async def sim_entry(
    hass: HomeAssistant, sim: SimulatedDevice, version: str
) -> AsyncIterator[MockConfigEntry]:
    """The integration set up against the simulator."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=DEVICE_ID,
        data=entry_data(host="127.0.0.1", port=sim.port, protocol_version=version),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def test_toggle_and_countdown(
    hass: HomeAssistant, sim: SimulatedDevice, sim_entry: MockConfigEntry
) -> None:
    """Actions change the simulated device; the call returns once it acknowledged, and
    the state follows the device's report."""
    assert hass.states.get(SWITCH).state == "on"
    await hass.services.async_call("switch", "turn_off", {"entity_id": SWITCH}, blocking=True)
    assert sim.dps["1"] is False
    await wait_for(lambda: hass.states.get(SWITCH).state == "off")
    await hass.services.async_call("switch", "turn_on", {"entity_id": SWITCH}, blocking=True)
    assert sim.dps["1"] is True
    await hass.services.async_call(
        "number", "set_value", {"entity_id": COUNTDOWN, "value": 90}, blocking=True
    )
    assert sim.dps["9"] == 90
    await wait_for(lambda: hass.states.get(COUNTDOWN).state == "90")


async def test_a_running_countdown_shows_when_it_switches(
    hass: HomeAssistant, sim: SimulatedDevice, sim_entry: MockConfigEntry
) -> None:
    """Issue 19 item 7: beside the countdown, a primary "Switches at" timestamp (the
    frontend counts down to it) while the simulated countdown runs; unknown once the
    device switched the relay and reported the countdown at 0."""
    assert hass.states.get(SWITCHES_AT).state == STATE_UNKNOWN
    entity = er.async_get(hass).async_get(SWITCHES_AT)
    assert entity is not None
    assert entity.entity_category is None  # on the device page, not under Details
    assert entity.original_device_class == SensorDeviceClass.TIMESTAMP
    before = dt_util.utcnow()
    await hass.services.async_call(
        "number", "set_value", {"entity_id": COUNTDOWN, "value": 90}, blocking=True
    )
    await wait_for(lambda: hass.states.get(SWITCHES_AT).state != STATE_UNKNOWN)
    ends = dt_util.parse_datetime(hass.states.get(SWITCHES_AT).state)
    assert ends is not None
    assert before + timedelta(seconds=89) <= ends <= dt_util.utcnow() + timedelta(seconds=91)
    sim.tick(60.0)  # reported only when it ends, as real countdowns: the time stays
    await hass.async_block_till_done()
    assert dt_util.parse_datetime(hass.states.get(SWITCHES_AT).state) == ends
    sim.tick(30.0)  # it ends: the relay toggles, the countdown reports 0
    await wait_for(lambda: hass.states.get(SWITCHES_AT).state == STATE_UNKNOWN)
    assert hass.states.get(SWITCH).state == "off"


async def test_push_changes_state(
    hass: HomeAssistant, sim: SimulatedDevice, sim_entry: MockConfigEntry
) -> None:
    """A change on the device (button press, meter) reaches Home Assistant by itself."""
    sim.set_dps({"1": False})
    await wait_for(lambda: hass.states.get(SWITCH).state == "off")
    sim.set_dps({"1": True})
    await wait_for(lambda: hass.states.get(SWITCH).state == "on")
    sim.set_dps({"19": 1234, "20": 2310})  # the meter reports a new load
    await wait_for(lambda: hass.states.get(POWER).state == "123.4")
    assert hass.states.get("sensor.tuya_efgh_voltage").state == "231.0"
    sim.tick(150.0)  # about 60 W for 150 s: whole Wh of add_ele get reported
    await wait_for(lambda: float(hass.states.get(ENERGY).state) >= 0.001)
    # add_ele is an increment: three reports of 5 Wh add 0.015 kWh, equal values included.
    start = float(hass.states.get(ENERGY).state)
    for reports in range(1, 4):
        sim.set_dps({"17": 5})
        expected = round(start + 0.005 * reports, 3)
        await wait_for(lambda: float(hass.states.get(ENERGY).state) == expected)  # noqa: B023


async def test_connection_drop_and_return(
    hass: HomeAssistant, sim: SimulatedDevice, sim_entry: MockConfigEntry
) -> None:
    """The device drops the connection or goes away: unavailable, then back."""
    await sim.wait_for_clients(1)
    sim.drop()
    await wait_for(lambda: hass.states.get(SWITCH).state == STATE_UNAVAILABLE)
    await wait_for(lambda: hass.states.get(SWITCH).state == "on")

    await sim.go_offline()
    await wait_for(lambda: hass.states.get(SWITCH).state == STATE_UNAVAILABLE)
    sim.dps["1"] = False  # changed while we could not see it
    coordinator: TuyaLanCoordinator = sim_entry.runtime_data
    failures = coordinator.health.failures
    await wait_for(lambda: coordinator.health.failures >= failures + 3)  # a few attempts
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE
    await sim.go_online()
    await wait_for(lambda: hass.states.get(SWITCH).state == "off")
    await sim.wait_for_clients(1)


@pytest.mark.parametrize("version", ["3.4", "3.5"])
async def test_key_change_starts_reauth(
    hass: HomeAssistant, sim: SimulatedDevice, sim_entry: MockConfigEntry
) -> None:
    """The device is re-paired with a new key: the reauth flow starts."""
    sim.change_key(NEW_KEY)
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()))
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert hass.states.get(SWITCH).state == STATE_UNAVAILABLE


@pytest.mark.parametrize("version", ["3.4", "3.5"])  # 3.3 has no handshake to drop
async def test_dropped_handshakes_ask_for_the_key_but_keep_trying(
    hass: HomeAssistant, sim: SimulatedDevice, sim_entry: MockConfigEntry
) -> None:
    """A device that hangs up during the handshake may have a new key, or may have been
    busy: reauth starts only after it keeps happening, the integration keeps trying, and
    once the old key works again the reauth flow is withdrawn."""
    coordinator: TuyaLanCoordinator = sim_entry.runtime_data
    seen: list[Health] = []
    sim_entry.async_on_unload(
        coordinator.async_add_health_listener(lambda: seen.append(coordinator.health))
    )
    sim.change_key(NEW_KEY)  # the device drops us, and every handshake after that
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()))
    failed = [health for health in seen if health.failures]
    # The first hang-ups read as "busy"; only the third in a row as a key change.
    assert [health.fault for health in failed] == [Fault.BUSY] * (DROPS_BEFORE_KEY_SUSPECT - 1) + [
        Fault.KEY_SUSPECT
    ]
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    sim.change_key(LOCAL_KEY)  # it was never a new key after all
    await wait_for(lambda: hass.states.get(SWITCH).state == "on")
    await hass.async_block_till_done()
    assert hass.config_entries.flow.async_progress() == []
    assert coordinator.health.reconnects == 1


async def test_unload_leaves_nothing(
    hass: HomeAssistant, sim: SimulatedDevice, sim_entry: MockConfigEntry
) -> None:
    """Unload closes the session: no connection left (tasks and timers: verify_cleanup)."""
    await sim.wait_for_clients(1)
    assert await hass.config_entries.async_unload(sim_entry.entry_id)
    await hass.async_block_till_done()
    await sim.wait_for_clients(0)
    assert sim_entry.state is ConfigEntryState.NOT_LOADED
