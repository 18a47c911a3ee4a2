"""Sensor platform: measurements, energy accumulation and restore, raw DPs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.tuya_lan.const import CONF_DPS, DOMAIN

from .common import DEVICE_ID, STATUS_LAYOUT_A, STATUS_LAYOUT_B
from .conftest import FakeDevice

ENERGY = "sensor.tuya_efgh_energy"


@pytest.fixture
def platforms() -> list[str]:
    """Only the sensor platform."""
    return [Platform.SENSOR]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "device_status", [STATUS_LAYOUT_A, STATUS_LAYOUT_B], ids=["layout_a", "layout_b"]
)
@pytest.mark.freeze_time("2026-11-30 12:00:00+00:00")  # "connected since" is a timestamp
async def test_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    device_status: dict[str, Any],
) -> None:
    """Current A, power W, voltage V, energy kWh and raw DPs."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_raw_dps_disabled_diagnostic(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """Unknown DPs are diagnostic sensors, disabled by default."""
    entry = entity_registry.async_get("sensor.tuya_efgh_dp_41")
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert entry.entity_category == "diagnostic"
    assert hass.states.get("sensor.tuya_efgh_dp_41") is None


@pytest.mark.usefixtures("init_integration")
async def test_new_dp_adds_raw_sensor(
    hass: HomeAssistant, fake_device: FakeDevice, entity_registry: er.EntityRegistry
) -> None:
    """A DP first reported after setup gets its raw sensor too."""
    fake_device.push({"99": 5})
    await hass.async_block_till_done()
    entity_id = entity_registry.async_get_entity_id("sensor", DOMAIN, f"{DEVICE_ID}_99_raw")
    assert entity_id == "sensor.tuya_efgh_dp_99"
    fake_device.push({"99": 6})  # known now: not added twice
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_energy_accumulates_pushed_increments(
    hass: HomeAssistant, fake_device: FakeDevice
) -> None:
    """add_ele increments (0.001 kWh) add up; re-reads and other pushes do not count."""
    assert hass.states.get(ENERGY).state == "0.0"
    fake_device.push({"17": 5})
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.005"
    fake_device.push({"17": 5})  # the same increment again is new energy
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.01"
    fake_device.push({"19": 100})  # no increment in this push
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.01"
    fake_device.push({"17": 0})
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.01"
    # A switch write (acknowledged state) does not count the last increment again.
    await hass.services.async_call(
        "tuya_lan",
        "set_dp",
        {
            "config_entry_id": hass.config_entries.async_entries(DOMAIN)[0].entry_id,
            "dp": 1,
            "value": False,
        },
        blocking=True,
    )
    assert hass.states.get(ENERGY).state == "0.01"


@pytest.mark.usefixtures("init_integration")
async def test_energy_not_counted_again_on_connection_loss(
    hass: HomeAssistant, fake_device: FakeDevice
) -> None:
    """Losing and regaining the connection does not add the last increment again."""
    fake_device.push({"17": 5})
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.005"
    fake_device.drop(None)
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "unavailable"
    fake_device.attempt()  # the library's reconnect
    await hass.async_block_till_done()
    assert fake_device.sessions == 2
    assert hass.states.get(ENERGY).state == "0.005"


async def test_energy_restored(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """The total survives a restart and keeps increasing."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(ENERGY, "12.5"),
                {"native_value": 12.5, "native_unit_of_measurement": "kWh"},
            )
        ],
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "12.5"
    fake_device.push({"17": 20})
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "12.52"


async def test_energy_restore_ignores_garbage(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """A stored state that is not a number starts from zero."""
    mock_restore_cache_with_extra_data(
        hass,
        [(State(ENERGY, "unknown"), {"native_value": None, "native_unit_of_measurement": None})],
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.0"


@pytest.mark.parametrize(
    ("device_status", "entry_options"),
    [
        (
            {
                "1": True,
                "18": 100,
                "19": 200,
                "20": 2300,
                "21": 215,
                "22": 7,
                "23": "x",
                "24": 1000,
                "25": 3,
                "26": 9,
            },
            {
                CONF_DPS: {
                    "17": {"kind": "energy", "scale": 0.01},
                    "21": {
                        "kind": "sensor",
                        "scale": 0.1,
                        "unit": "°C",
                        "device_class": "temperature",
                    },
                    "22": {"kind": "sensor"},
                    "23": {"kind": "sensor", "unit": "x"},
                    "24": {"kind": "sensor", "device_class": "energy", "unit": "Wh"},
                    "25": {"kind": "power"},
                    "26": {"kind": "ignore"},
                }
            },
        )
    ],
)
@pytest.mark.usefixtures("init_integration", "entity_registry_enabled_by_default")
async def test_overrides(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """The options change kinds, scales, units and device classes."""
    temperature = hass.states.get("sensor.tuya_efgh_dp_21")
    assert temperature.state == "21.5"
    assert temperature.attributes["unit_of_measurement"] == "°C"
    assert temperature.attributes["device_class"] == "temperature"
    assert temperature.attributes["state_class"] == "measurement"
    plain = hass.states.get("sensor.tuya_efgh_dp_22")
    assert plain.state == "7"
    assert "state_class" not in plain.attributes
    assert hass.states.get("sensor.tuya_efgh_dp_23").state == "unknown"  # not a number
    assert hass.states.get("sensor.tuya_efgh_dp_24").attributes["state_class"] == (
        "total_increasing"
    )
    # Two power DPs are numbered.
    assert hass.states.get("sensor.tuya_efgh_power_1").state == "20.0"
    assert hass.states.get("sensor.tuya_efgh_power_2").state == "0.3"
    assert hass.states.get("sensor.tuya_efgh_dp_26") is None
    fake_device.push({"17": 3})
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.03"


@pytest.mark.usefixtures("init_integration")
async def test_energy_increment_beyond_the_power_is_not_added(
    hass: HomeAssistant,
    fake_device: FakeDevice,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A wrongly scaled increment (x1000, the "度" model bug) cannot enter the total.

    The plug draws 55 W (DP 19 = 550): 0.005 kWh after a minute is plausible, 5 kWh a
    minute later is not (it is not added, and warned about once); a real increment
    after an hour at that power is added again.
    """
    fake_device.push({"17": 5})
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.005"
    freezer.tick(timedelta(minutes=1))
    fake_device.push({"17": 5000})
    await hass.async_block_till_done()
    fake_device.push({"17": 5000})
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.005"
    warned = [
        r for r in caplog.records if r.levelname == "WARNING" and "ignoring an energy" in r.message
    ]
    assert len(warned) == 1
    freezer.tick(timedelta(hours=1))
    fake_device.push({"17": 50})
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "0.055"


@pytest.mark.usefixtures("init_integration")
async def test_energy_burst_after_reconnect_counts_what_is_possible(
    hass: HomeAssistant, fake_device: FakeDevice, freezer: FrozenDateTimeFactory
) -> None:
    """After a reconnect a device may push the same increment again and again: what
    the device could have drawn while away counts (it does not know its power then),
    a replay seconds later does not."""
    fake_device.push({"17": 5})
    await hass.async_block_till_done()
    fake_device.drop(None)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=10))
    fake_device.attempt()  # the library's reconnect
    await hass.async_block_till_done()
    assert fake_device.sessions == 2
    assert hass.states.get(ENERGY).state == "0.005"  # the status read adds nothing
    for _ in range(3):
        fake_device.push({"17": 30})
        await hass.async_block_till_done()
    # 0.03 kWh in 10 minutes away is possible (the rated bound); the replays are not.
    assert hass.states.get(ENERGY).state == "0.035"


async def test_energy_after_device_restart_and_home_assistant_restart(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    fake_device: FakeDevice,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device that restarts reports its add_ele in the status read: not counted;
    Home Assistant restarting restores the total, and the first increment after it
    may cover some minutes before the start."""
    fake_device.dps["17"] = 40  # what the device shows after its own restart
    mock_restore_cache_with_extra_data(
        hass,
        [(State(ENERGY, "3.0"), {"native_value": 3.0, "native_unit_of_measurement": "kWh"})],
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "3.0"
    freezer.tick(timedelta(seconds=5))
    fake_device.push({"17": 10})  # 10 Wh: 55 W for the 10 minutes before the start
    await hass.async_block_till_done()
    assert hass.states.get(ENERGY).state == "3.01"


@pytest.mark.parametrize(
    "device_status", [{"1": True, "9": 0, "21": 0, "22": 0, "23": 2305, "38": "memory"}]
)
async def test_meter_proved_by_a_later_load_is_added_and_kept(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_device: FakeDevice,
    entity_registry: er.EntityRegistry,
) -> None:
    """A plug set up with no load gets its meter when a load runs, without a restart;
    the proof is stored, so the meter stays after a reload with no load again."""
    assert hass.states.get("sensor.tuya_efgh_power") is None
    fake_device.push({"21": 260, "22": 572})  # 260 mA, 57.2 W at 230.5 V
    await hass.async_block_till_done()
    assert hass.states.get("sensor.tuya_efgh_power").state == "57.2"
    assert hass.states.get("sensor.tuya_efgh_current").state == "0.26"
    assert hass.states.get("sensor.tuya_efgh_voltage").state == "230.5"
    learned = init_integration.data["learned"]
    assert learned["22"] == {"kind": "power", "scale": 0.1}
    fake_device.dps.update({"21": 0, "22": 0})
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.tuya_efgh_power").state == "0.0"


@pytest.mark.usefixtures("init_integration")
async def test_dp_ids_that_cannot_be_dps_get_no_sensor(
    hass: HomeAssistant,
    fake_device: FakeDevice,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device pushing thousands of made-up DP ids gets at most one raw sensor per
    real DP id (1-255), none for 0, 256, 10**30 or "²"; that it sends such ids is
    logged once for the device, not at every push."""
    before = len(er.async_entries_for_config_entry(entity_registry, _entry_id(hass)))
    fake_device.push({str(dp): 1 for dp in range(200, 10_200)} | {"0": 1, "²": 1})
    await hass.async_block_till_done()
    after = len(er.async_entries_for_config_entry(entity_registry, _entry_id(hass)))
    assert after - before == 56  # DPs 200-255
    for value in (2, 3):
        fake_device.push({"-5": value, str(10**30): value, "300": value})
        await hass.async_block_till_done()
    warned = [r for r in caplog.records if "cannot be DPs" in r.getMessage()]
    assert len(warned) == 1
    assert warned[0].levelname == "WARNING"


def _entry_id(hass: HomeAssistant) -> str:
    return hass.config_entries.async_entries(DOMAIN)[0].entry_id
