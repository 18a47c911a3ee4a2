"""Setup, unload, setup errors, the set_dp action and registry clean-up."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import CONF_DPS, DOMAIN
from custom_components.tuya_lan.tuyalan import (
    DeviceError,
    Fault,
    HandshakeDroppedError,
    TuyaConnectionError,
    WrongKeyError,
)

from .common import DEVICE_ID
from .conftest import FakeDevice


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """The entry loads, creates its entities, and unload closes the session."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("switch.tuya_efgh").state == "on"
    device = fake_device.device
    assert (device.host, device.device_id, device.local_key, device.version) == (
        "192.0.2.50",
        DEVICE_ID,
        "0123456789abcdef",
        "3.3",
    )
    assert device.port == 6668
    assert device.started  # supervised once the first refresh succeeded

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert device.closed
    assert hass.states.get("switch.tuya_efgh").state == "unavailable"


@pytest.mark.parametrize("device_status", [{"1": True, "9": 300}])
async def test_platforms_set_up_are_those_with_entities(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """A plug sets up the platforms it has entities on, not all nine (Home Assistant
    keeps a platform per entry and platform, entities or not); a reading that proves a
    DP for another (an idle countdown: a number) sets that one up then, and unload
    unloads what was set up."""
    loaded = {
        platform.domain
        for platform in hass.data["entity_platform"][DOMAIN]
        if platform.config_entry is init_integration
    }
    assert loaded == {Platform.SENSOR, Platform.SWITCH}
    assert hass.states.get("number.tuya_efgh_countdown") is None
    fake_device.push({"9": 0})
    await hass.async_block_till_done()
    assert hass.states.get("number.tuya_efgh_countdown").state == "0"
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("number.tuya_efgh_countdown").state == "unavailable"
    assert not [
        platform
        for platform in hass.data["entity_platform"][DOMAIN]
        if platform.config_entry is init_integration
    ]


async def test_device_registry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """One device per entry, named after the entry."""
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, DEVICE_ID), init_integration.entry_id
    )
    assert device is not None
    assert device.manufacturer == "Tuya"
    assert device.name == "Tuya efgh"


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (TuyaConnectionError("refused"), ConfigEntryState.SETUP_RETRY),
        (TimeoutError(), ConfigEntryState.SETUP_RETRY),
        (DeviceError("json obj data unvalid"), ConfigEntryState.SETUP_RETRY),
        (WrongKeyError("bad key"), ConfigEntryState.SETUP_ERROR),
    ],
)
async def test_setup_errors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    fake_device: FakeDevice,
    error: Exception,
    state: ConfigEntryState,
) -> None:
    """A device that cannot be reached retries; a wrong key starts reauth."""
    fake_device.connect_error = error
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is state
    assert fake_device.device.closed  # the failed session is not kept
    flows = hass.config_entries.flow.async_progress()
    if isinstance(error, WrongKeyError):
        assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    else:
        assert flows == []


async def test_one_dropped_handshake_at_setup_is_retried(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """A 3.4/3.5 device busy with the phone app may hang up during the handshake: that
    is not a wrong key (the library retries the first connection, tests/lib's
    test_dropped_handshakes_are_a_suspicion_after_three, and calls it busy). Setup is
    retried later, with no reauth."""
    fake_device.connect_error = HandshakeDroppedError("dropped")
    fake_device.connect_fault = Fault.BUSY
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert hass.config_entries.flow.async_progress() == []


async def test_dropped_handshakes_at_setup_ask_for_the_key_after_three(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """Three hang-ups in a row: the key most likely changed; reauth starts."""
    fake_device.connect_error = HandshakeDroppedError("dropped")
    fake_device.connect_fault = Fault.KEY_SUSPECT  # the library's verdict after three
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_set_dp_by_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_device: FakeDevice,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The action writes any DP of the targeted device."""
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, DEVICE_ID), init_integration.entry_id
    )
    assert device is not None
    await hass.services.async_call(
        DOMAIN, "set_dp", {"device_id": device.id, "dp": 38, "value": "on"}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN,
        "set_dp",
        {"config_entry_id": init_integration.entry_id, "dp": "1", "value": 0.0},
        blocking=True,
    )
    assert fake_device.set_calls == [{"38": "on"}, {"1": 0}]
    await hass.async_block_till_done()  # the device's report of the new value
    assert hass.states.get("switch.tuya_efgh").state == "off"


@pytest.mark.parametrize(
    "data",
    [
        {"dp": 1, "value": True},  # no target
        {"config_entry_id": "x", "device_id": "y", "dp": 1, "value": True},
    ],
)
async def test_set_dp_invalid_target(
    hass: HomeAssistant, init_integration: MockConfigEntry, data: dict[str, Any]
) -> None:
    """Action data without exactly one target is refused by the schema."""
    with pytest.raises(Exception, match=r"(?i)invalid|must|exclusion|at least"):
        await hass.services.async_call(DOMAIN, "set_dp", data, blocking=True)


@pytest.mark.parametrize(
    ("dp", "value", "key"),
    [
        (1.5, True, "invalid_dp"),  # was written to DP 1
        (0, True, "invalid_dp"),
        (256, True, "invalid_dp"),
        ("²", True, "invalid_dp"),
        pytest.param("1" * 5000, True, "invalid_dp", id="5000-digits"),
        (True, True, "invalid_dp"),
        (None, True, "invalid_dp"),
        (1, 10**30, "invalid_value"),  # was a raw TypeError from the JSON encoder
        (1, 2**32, "invalid_value"),
        (1, -(2**31) - 1, "invalid_value"),
        (1, 1.5, "invalid_value"),
        (1, float("nan"), "invalid_value"),
        (1, float("inf"), "invalid_value"),
        (1, [1], "invalid_value"),
        (1, {"a": 1}, "invalid_value"),
        (1, None, "invalid_value"),
        pytest.param(1, "x" * 4097, "invalid_value", id="4097-chars"),
        (1, "\ud800", "invalid_value"),
    ],
)
async def test_set_dp_refuses_bad_dp_or_value(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_device: FakeDevice,
    dp: Any,
    value: Any,
    key: str,
) -> None:
    """A DP or value the device cannot take is a translated error; nothing is written."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_dp",
            {"config_entry_id": init_integration.entry_id, "dp": dp, "value": value},
            blocking=True,
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    assert str(err.value).startswith(("Data point", "The value"))
    assert fake_device.set_calls == []


async def test_set_dp_limits_accepted(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """The bounds themselves are accepted."""
    for dp, value in [(255, 2**32 - 1), (1.0, -(2**31)), ("7", "x" * 4096), (2, 5.0)]:
        await hass.services.async_call(
            DOMAIN,
            "set_dp",
            {"config_entry_id": init_integration.entry_id, "dp": dp, "value": value},
            blocking=True,
        )
    assert fake_device.set_calls == [
        {"255": 2**32 - 1},
        {"1": -(2**31)},
        {"7": "x" * 4096},
        {"2": 5},
    ]


async def test_set_dp_unknown_targets(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Unknown devices and entries, and unloaded entries, are validation errors."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "set_dp", {"device_id": "nope", "dp": 1, "value": True}, blocking=True
        )
    assert err.value.translation_key == "device_not_found"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "set_dp", {"config_entry_id": "nope", "dp": 1, "value": True}, blocking=True
        )
    assert err.value.translation_key == "entry_not_found"
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "set_dp",
            {"config_entry_id": other.entry_id, "dp": 1, "value": True},
            blocking=True,
        )
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_dp",
            {"config_entry_id": init_integration.entry_id, "dp": 1, "value": True},
            blocking=True,
        )
    assert err.value.translation_key == "entry_not_loaded"


async def test_set_dp_device_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """A device that refuses the write gives a translated HomeAssistantError."""
    fake_device.set_error = DeviceError("data format error")
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_dp",
            {"config_entry_id": init_integration.entry_id, "dp": 1, "value": True},
            blocking=True,
        )
    assert err.value.translation_key == "device_error"


@pytest.mark.parametrize(
    "entry_options", [{CONF_DPS: {"38": {"kind": "switch"}, "1": {"kind": "raw"}}}]
)
async def test_remapped_dps_replace_old_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    fake_device: FakeDevice,
    entity_registry: er.EntityRegistry,
) -> None:
    """Registry entries the mapping no longer provides are dropped at setup."""
    mock_config_entry.add_to_hass(hass)

    def add(platform: str, unique_id: str) -> str:
        return entity_registry.async_get_or_create(
            platform, DOMAIN, unique_id, config_entry=mock_config_entry
        ).entity_id

    raw_38 = add(Platform.SENSOR, f"{DEVICE_ID}_38_raw")  # now a switch
    switch_1 = add(Platform.SWITCH, f"{DEVICE_ID}_1")  # now raw
    raw_99 = add(Platform.SENSOR, f"{DEVICE_ID}_99_raw")  # not reported (yet)
    gone_50 = add(Platform.SENSOR, f"{DEVICE_ID}_50")  # mapped once, override removed
    foreign = add(Platform.SENSOR, "something_else")
    kept_power = add(Platform.SENSOR, f"{DEVICE_ID}_19")
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    for entity_id in (raw_38, switch_1, gone_50):
        assert entity_registry.async_get(entity_id) is None, entity_id
    for entity_id in (raw_99, foreign, kept_power):
        assert entity_registry.async_get(entity_id) is not None, entity_id
    entity_id = entity_registry.async_get_entity_id(Platform.SWITCH, DOMAIN, f"{DEVICE_ID}_38")
    assert entity_id is not None
    assert hass.states.get(entity_id).state == "on"
    raw_1 = entity_registry.async_get_entity_id(Platform.SENSOR, DOMAIN, f"{DEVICE_ID}_1_raw")
    assert raw_1 is not None


@pytest.mark.parametrize(
    "entry_options",
    [
        {
            CONF_DPS: {
                "38": {"kind": "switch"},  # valid: applied
                "41": {"kind": "bogus"},
                "19": {"kind": "power", "scale": float("nan")},
                "18": {"kind": "current", "scale": "0.001"},
                "20": {"kind": "voltage", "scale": 1e-300},
                "9": {"kind": "sensor", "device_class": "no_such_class"},
                "17": {"kind": "sensor", "unit": ["kWh"]},
                "1": "switch",
                "²": {"kind": "raw"},
                "1" * 5000: {"kind": "raw"},  # repr() in a log line would raise
                "300": {"kind": "raw"},
            }
        }
    ],
)
async def test_garbage_stored_mappings_are_skipped(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    fake_device: FakeDevice,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Hand-edited options never keep the device from loading; each bad DP is logged once."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("switch.tuya_efgh_switch_2") is not None  # DP 38, mapped
    assert hass.states.get("switch.tuya_efgh_switch_1").state == "on"  # DP 1: its default
    assert hass.states.get("sensor.tuya_efgh_power").state == "55.0"  # default scale
    warnings = [r.getMessage() for r in caplog.records if "Ignoring the stored" in r.message]
    for dp in ("'41'", "'19'", "'18'", "'20'", "'9'", "'17'", "'1'", "'²'", "'300'", "'1111"):
        assert sum(dp in line for line in warnings) == 1, (dp, warnings)
    assert len(warnings) == 10


@pytest.mark.parametrize("entry_options", [{CONF_DPS: ["38", "switch"]}])
async def test_stored_mappings_not_a_mapping(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    fake_device: FakeDevice,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Options whose "dps" is not a mapping at all are ignored with one warning."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert "Ignoring the stored DP mappings" in caplog.text
