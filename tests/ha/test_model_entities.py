"""Entities from a cached data model, and the select and problem-sensor platforms."""

from __future__ import annotations

import time
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.tuya_lan.const import (
    CONF_CATEGORY,
    CONF_MODEL,
    CONF_PRODUCT_NAME,
    DOMAIN,
)
from custom_components.tuya_lan.entity import device_model
from custom_components.tuya_lan.tuyalan.cloud_model import DpModel
from tests.corpus.devices import BREAKER, PLUG_CALIBRATION, CorpusDevice

from .common import DEVICE_ID, TITLE, entry_data
from .conftest import DEVICE_PATH, FakeDevice


def _entry(device: CorpusDevice, **extra: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=DEVICE_ID,
        data=entry_data(
            **{
                CONF_CATEGORY: device.category,
                CONF_PRODUCT_NAME: device.name,
                CONF_MODEL: [dp.to_dict() for dp in device.model],
                **extra,
            }
        ),
    )


@pytest.mark.parametrize("device", [BREAKER, PLUG_CALIBRATION], ids=["breaker", "plug"])
async def test_snapshot_with_model(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    device: CorpusDevice,
) -> None:
    """Every entity a model gives: names, units, scales, categories."""
    entry = _entry(device)
    fake = FakeDevice(device.dps)
    with _patched(fake):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    entities = {}
    for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
        if "_health_" in entity.unique_id:
            continue
        state = hass.states.get(entity.entity_id)
        entities[entity.entity_id] = {
            "unique_id": entity.unique_id,
            "translation_key": entity.translation_key,
            "original_name": entity.original_name,
            "device_class": entity.original_device_class,
            "entity_category": entity.entity_category,
            "disabled": entity.disabled_by is not None,
            "unit": entity.unit_of_measurement,
            "state": state.state if state else None,
            "options": state.attributes.get("options") if state else None,
        }
    assert dict(sorted(entities.items())) == snapshot


def _patched(fake: FakeDevice) -> Any:
    return patch(DEVICE_PATH, side_effect=fake.make_device)


async def test_breaker_values_and_faults(hass: HomeAssistant) -> None:
    """Phase data is decoded; the fault bitmap names its bits from the model's labels."""
    entry = _entry(BREAKER)
    fake = FakeDevice(BREAKER.dps)
    with _patched(fake):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert hass.states.get("sensor.tuya_efgh_phase_a_voltage").state == "231.2"
        assert hass.states.get("sensor.tuya_efgh_phase_a_current").state == "1.234"
        assert hass.states.get("sensor.tuya_efgh_phase_a_power").state == "0.28"
        assert hass.states.get("sensor.tuya_efgh_total_energy").state == "123.45"
        fault = hass.states.get("binary_sensor.tuya_efgh_fault")
        assert fault.state == "off"
        assert fault.attributes["faults"] == []
        fake.push({"9": 0b101, "6": "not base64!"})
        await hass.async_block_till_done()
        fault = hass.states.get("binary_sensor.tuya_efgh_fault")
        assert fault.state == "on"
        assert fault.attributes["faults"] == ["short_circuit_alarm", "overload_alarm"]
        assert hass.states.get("sensor.tuya_efgh_phase_a_voltage").state == "unknown"
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": "switch.tuya_efgh"}, blocking=True
        )
        assert fake.set_calls == [{"16": False}]


@pytest.mark.usefixtures("init_integration")
async def test_power_on_behaviour_select(hass: HomeAssistant, fake_device: FakeDevice) -> None:
    """Without a model, DP 38 = "memory" is the standard power-on behaviour select."""
    state = hass.states.get("select.tuya_efgh_power_on_behavior")
    assert state.state == "memory"
    assert state.attributes["options"] == ["power_off", "power_on", "memory"]
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.tuya_efgh_power_on_behavior", "option": "power_on"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert fake_device.set_calls == [{"38": "power_on"}]
    assert hass.states.get("select.tuya_efgh_power_on_behavior").state == "power_on"
    fake_device.push({"38": "surprise"})  # a value outside the options: unknown
    await hass.async_block_till_done()
    assert hass.states.get("select.tuya_efgh_power_on_behavior").state == "unknown"


async def test_model_countdown_in_minutes_and_unknown_enum(hass: HomeAssistant) -> None:
    """A model's unit and range drive the number; enum values the model adds still work."""
    device = CorpusDevice(
        name="minutes",
        source="test",
        category="cz",
        dps={"1": True, "2": 5, "38": "2"},
        model=tuple(
            DpModel.from_values(dp, code, type_, values)
            for dp, code, type_, values in (
                (1, "switch_1", "Boolean", {}),
                (2, "countdown_1", "Integer", {"unit": "min", "min": 0, "max": 1440}),
                (38, "relay_status", "Enum", {"range": ["0", "1", "2"]}),
            )
        ),
        with_model={},
        without_model={},
    )
    entry = _entry(device)
    fake = FakeDevice(device.dps)
    with _patched(fake):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        countdown = hass.states.get("number.tuya_efgh_countdown")
        assert countdown.state == "300"
        assert countdown.attributes["max"] == 86400
        assert countdown.attributes["step"] == 60
        await hass.services.async_call(
            "number",
            "set_value",
            {"entity_id": "number.tuya_efgh_countdown", "value": 600},
            blocking=True,
        )
        select = hass.states.get("select.tuya_efgh_power_on_behavior")
        assert select.state == "2"
        assert select.attributes["options"] == ["0", "1", "2"]
        assert fake.set_calls == [{"2": 10}]


async def test_malformed_model_is_skipped(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A cached model item that makes no sense is skipped with a warning, and the entry
    stores its model without it."""
    entry = _entry(PLUG_CALIBRATION)
    data = dict(entry.data)
    data[CONF_MODEL] = [*data[CONF_MODEL], "junk", {"dp_id": "x"}]
    entry = MockConfigEntry(domain=DOMAIN, title=TITLE, unique_id=DEVICE_ID, data=data)
    fake = FakeDevice(PLUG_CALIBRATION.dps)
    with _patched(fake):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert hass.states.get("switch.tuya_efgh_overcharge_protection") is not None
    assert caplog.text.count("the stored data model held values no Tuya device has") == 1
    assert entry.data[CONF_MODEL] == _entry(PLUG_CALIBRATION).data[CONF_MODEL]


def _switch_model_device(count: int) -> CorpusDevice:
    """A model of ``count`` relays (switch_1 .. switch_count on DPs 1 .. count)."""
    return CorpusDevice(
        name=f"{count} relays",
        source="test",
        category="kg",
        dps={str(dp): False for dp in range(1, count + 1)},
        # Built directly: the cloud's parser would refuse ids past 255 (and lists past
        # 255 items); this is what the entity side does with whatever reaches it.
        model=tuple(DpModel(dp, f"switch_{dp}", "Boolean") for dp in range(1, count + 1)),
        with_model={},
        without_model={},
    )


async def _timed_setup(
    hass: HomeAssistant, device: CorpusDevice, calls: list[str]
) -> tuple[float, MockConfigEntry, FakeDevice]:
    entry = _entry(device)
    fake = FakeDevice(device.dps)
    real = device_model

    def counted(*args: Any, **kwargs: Any) -> str:
        calls.append(device.name)
        return real(*args, **kwargs)

    with _patched(fake), patch("custom_components.tuya_lan.entity.device_model", counted):
        entry.add_to_hass(hass)
        started = time.perf_counter()
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        elapsed = time.perf_counter() - started
    return elapsed, entry, fake


async def test_setup_is_linear_in_the_number_of_dps(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """A model (and a status) of 10,000 DPs sets up about as fast as one of 100: only
    DPs 1-255 get entities, and no step walks every DP for every entity (it took 10 s
    and created 10,002 entities). Work is counted (what the device is, worked out once
    per device, not per entity); time only against the 100-DP device, generously."""
    calls: list[str] = []
    small, small_entry, _ = await _timed_setup(hass, _switch_model_device(100), calls)
    await hass.config_entries.async_unload(small_entry.entry_id)
    await hass.config_entries.async_remove(small_entry.entry_id)
    await hass.async_block_till_done()
    large, entry, fake = await _timed_setup(hass, _switch_model_device(10_000), calls)
    switches = [
        e
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.domain == "switch"
    ]
    assert len(switches) == 255
    assert calls == ["100 relays", "10000 relays"]  # once per device
    # Quadratic setup made the ratio ~100 (10,000 entities); linear stays near 3.
    assert large < 15 * small + 0.5
    before = len(er.async_entries_for_config_entry(entity_registry, entry.entry_id))
    started = time.perf_counter()
    fake.push({str(dp): True for dp in range(256, 10_256)})  # 10,000 ids, none a DP
    await hass.async_block_till_done()
    assert time.perf_counter() - started < 15 * small + 0.5
    assert len(er.async_entries_for_config_entry(entity_registry, entry.entry_id)) == before


async def test_cumulative_total_that_resets_is_a_new_cycle(hass: HomeAssistant) -> None:
    """A breaker's lifetime total falls to about 0 (a device reset, a counter wrap)
    and grows again: it is shown as the device says, as total_increasing kWh, so the
    recorder takes the drop for a new cycle and the Energy dashboard adds only what
    grows after it (never the old total again)."""
    entry = _entry(BREAKER)
    fake = FakeDevice(BREAKER.dps)
    with _patched(fake):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        seen = []
        for total in (12350, 2, 40, 41):
            fake.push({"1": total})
            await hass.async_block_till_done()
            state = hass.states.get("sensor.tuya_efgh_total_energy")
            assert state.attributes["state_class"] == "total_increasing"
            assert state.attributes["unit_of_measurement"] == "kWh"
            assert "last_reset" not in state.attributes
            seen.append(state.state)
    assert seen == ["123.5", "0.02", "0.4", "0.41"]
