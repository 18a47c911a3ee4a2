"""Config flow: user, integration discovery, reauth, reconfigure and options."""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.config_flow import entry_title
from custom_components.tuya_lan.const import (
    CONF_DEVICE_ID,
    CONF_DPS,
    CONF_LOCAL_KEY,
    CONF_PRODUCT_KEY,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.tuyalan import (
    ConnectionRefusedByDevice,
    DeviceError,
    MalformedFrameError,
    TuyaClient,
    TuyaConnectionError,
    TuyaTimeoutError,
    WrongKeyError,
)

from .common import DEVICE_ID, HOST, LOCAL_KEY, TITLE, entry_data, start_user_flow
from .conftest import FakeDevice

NEW_KEY = "fedcba9876543210"
USER_INPUT = {
    CONF_HOST: HOST,
    CONF_DEVICE_ID: DEVICE_ID,
    CONF_LOCAL_KEY: LOCAL_KEY,
    CONF_PROTOCOL_VERSION: "auto",
    "advanced": {CONF_PORT: 6668},
}
DISCOVERY = {
    CONF_DEVICE_ID: DEVICE_ID,
    "ip": "192.0.2.77",
    "version": "3.5",
    CONF_PRODUCT_KEY: "keyjup78v54myhan",
}
ERRORS = [
    (WrongKeyError("hmac"), "invalid_auth"),
    (ConnectionRefusedByDevice("busy"), "device_busy"),
    (MalformedFrameError("junk"), "not_tuya"),
    (DeviceError("data unvalid"), "device_error"),
    (TuyaConnectionError("refused"), "cannot_connect"),
    (TuyaTimeoutError("silent"), "cannot_connect"),
    (OSError("no route"), "cannot_connect"),
    (RuntimeError("boom"), "unknown"),
]


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Do not set the entry up for real."""
    with patch("custom_components.tuya_lan.async_setup_entry", return_value=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def no_hub_there() -> Generator[MagicMock]:
    """The gateway prover (tried when a device refuses its own status) finds no hub at
    the mocked devices' addresses (tests/ha/test_gateway.py proves real ones)."""
    with patch("custom_components.tuya_lan.flow_proof.TuyaClient", autospec=True) as cls:
        cls.return_value.connect.side_effect = TuyaConnectionError("nothing there")
        yield cls


@pytest.fixture
def mock_detect() -> Generator[AsyncMock]:
    """Patch detect_version where the flows' prover imports it."""
    with patch(
        "custom_components.tuya_lan.flow_proof.detect_version",
        autospec=True,
        return_value=("3.4", {"1": True}),
    ) as mock:
        yield mock


@pytest.fixture
def mock_flow_client() -> Generator[MagicMock]:
    """Patch TuyaClient where the library's probe() creates it."""
    with patch("custom_components.tuya_lan.tuyalan.client.TuyaClient", autospec=True) as cls:
        client = cls.return_value
        client.status.return_value = {"1": True}
        yield cls


def _client(cls: MagicMock) -> MagicMock:
    client: MagicMock = cls.return_value
    return client


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_auto_detect(hass: HomeAssistant, mock_detect: AsyncMock) -> None:
    """Auto detection picks the version; the entry is created."""
    result = await start_user_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "local"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**USER_INPUT, CONF_HOST: f" {HOST} ", CONF_DEVICE_ID: DEVICE_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["result"].unique_id == DEVICE_ID
    assert result["data"] == {
        CONF_HOST: HOST,
        CONF_PORT: 6668,
        CONF_DEVICE_ID: DEVICE_ID,
        CONF_LOCAL_KEY: LOCAL_KEY,
        CONF_PROTOCOL_VERSION: "3.4",
    }
    mock_detect.assert_awaited_once_with(
        HOST, DEVICE_ID, LOCAL_KEY, port=6668, require_proof=True, first=None
    )


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_auto_detect_tries_the_announced_version_first(
    hass: HomeAssistant, mock_detect: AsyncMock
) -> None:
    """A device typed by hand that was heard on the LAN: its announced version is asked
    first (each wrong guess may cost the device's timeout)."""
    heard = MagicMock()
    heard.device.version = "3.5"
    with patch("custom_components.tuya_lan.config_flow.heard_device", return_value=heard):
        result = await start_user_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    mock_detect.assert_awaited_once_with(
        HOST, DEVICE_ID, LOCAL_KEY, port=6668, require_proof=True, first="3.5"
    )


@pytest.mark.parametrize(
    ("option", "version"),
    [("3_1", "3.1"), ("3_2", "3.2"), ("3_3", "3.3"), ("3_4", "3.4"), ("3_5", "3.5")],
)
@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_explicit_version_and_port(
    hass: HomeAssistant,
    mock_detect: AsyncMock,
    mock_flow_client: MagicMock,
    option: str,
    version: str,
) -> None:
    """A picked version (option 3_4: translation keys have no dots) is validated with
    one real connect and status read, and stored as the protocol version."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**USER_INPUT, CONF_PROTOCOL_VERSION: option, "advanced": {CONF_PORT: 40001}},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PROTOCOL_VERSION] == version
    assert result["data"][CONF_PORT] == 40001
    mock_detect.assert_not_awaited()
    mock_flow_client.assert_called_once_with(
        HOST, DEVICE_ID, LOCAL_KEY, version, port=40001, timeout=5.0, device22=False
    )
    client = _client(mock_flow_client)
    client.connect.assert_awaited_once()
    client.status.assert_awaited_once()
    client.close.assert_awaited_once()


@pytest.mark.parametrize(("error", "reason"), ERRORS)
@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_errors_and_recovery(
    hass: HomeAssistant, mock_detect: AsyncMock, error: Exception, reason: str
) -> None:
    """Each failure shows an error a person understands; fixing it completes the flow."""
    mock_detect.side_effect = error
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": reason}

    mock_detect.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_explicit_version_error_closes(
    hass: HomeAssistant, mock_flow_client: MagicMock
) -> None:
    """The validating client is closed even when the status read fails."""
    client = _client(mock_flow_client)
    client.status.side_effect = WrongKeyError("decrypt")
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**USER_INPUT, CONF_PROTOCOL_VERSION: "3_3"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    client.close.assert_awaited_once()


@pytest.mark.parametrize("key", ["short", "0123456789abcdefX", "ключ456789abcdef"])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_key_format(hass: HomeAssistant, mock_detect: AsyncMock, key: str) -> None:
    """A local key is 16 single-byte characters: checked before any connection."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**USER_INPUT, CONF_LOCAL_KEY: key}
    )
    assert result["errors"] == {CONF_LOCAL_KEY: "invalid_key_format"}
    mock_detect.assert_not_awaited()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        (CONF_DEVICE_ID, "", "invalid_device_id"),
        (CONF_DEVICE_ID, "   ", "invalid_device_id"),
        (CONF_DEVICE_ID, "bf12 3456", "invalid_device_id"),
        (CONF_DEVICE_ID, "bf123456\x07", "invalid_device_id"),
        pytest.param(CONF_DEVICE_ID, "x" * 65, "invalid_device_id", id="device_id-65-chars"),
        (CONF_HOST, "", "invalid_host"),
        (CONF_HOST, "192.0.2.50:6668", "invalid_host"),
        (CONF_HOST, "my plug", "invalid_host"),
    ],
)
@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_field_format(
    hass: HomeAssistant, mock_detect: AsyncMock, field: str, value: str, error: str
) -> None:
    """A device id or host that cannot be one is refused before any connection."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**USER_INPUT, field: value}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    mock_detect.assert_not_awaited()
    assert hass.config_entries.async_entries(DOMAIN) == []

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**USER_INPUT, CONF_DEVICE_ID: f" {DEVICE_ID} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == DEVICE_ID
    assert result["data"][CONF_DEVICE_ID] == DEVICE_ID


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_duplicate(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_detect: AsyncMock
) -> None:
    """The same device cannot be added twice."""
    mock_config_entry.add_to_hass(hass)
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    mock_detect.assert_not_awaited()


# --- integration discovery ----------------------------------------------------------


@pytest.mark.usefixtures("mock_setup_entry")
async def test_discovery(hass: HomeAssistant, mock_flow_client: MagicMock) -> None:
    """A heard device asks only for its key; id, address, version and product are known."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=DISCOVERY
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    # One name in the form and for the entry: "Tuya" (no account names it; never the
    # product key it broadcasts, which names nothing) and the end of the device id.
    assert result["description_placeholders"] == {
        "name": "Tuya efgh",
        "device_id": DEVICE_ID,
        "host": "192.0.2.77",
        "version": "3.5",
        "product_key": "keyjup78v54myhan",
    }
    flows = hass.config_entries.flow.async_progress()
    # The card: the address's last part and the id's, short (issue 19 item 3).
    assert flows[0]["context"]["title_placeholders"] == {"name": ".77 · efgh · Tuya"}
    assert result["data_schema"].schema["advanced"].options == {"collapsed": True}

    client = _client(mock_flow_client)
    client.connect.side_effect = WrongKeyError("gcm tag")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCAL_KEY: LOCAL_KEY, "advanced": {CONF_PORT: 6668}}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    # What was typed stays, and Advanced stays open after an error.
    assert _suggested(result) == {CONF_LOCAL_KEY: LOCAL_KEY, "advanced": {CONF_PORT: 6668}}
    assert result["data_schema"].schema["advanced"].options == {"collapsed": False}

    # Nothing answers: the form has no host field, so the text points at the port.
    client.connect.side_effect = TuyaConnectionError("refused")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCAL_KEY: LOCAL_KEY, "advanced": {CONF_PORT: 6669}}
    )
    assert result["errors"] == {"base": "cannot_connect_port"}

    client.connect.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCAL_KEY: LOCAL_KEY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Tuya efgh"
    assert result["result"].unique_id == DEVICE_ID
    assert result["data"] == {
        CONF_HOST: "192.0.2.77",
        CONF_PORT: 6669,
        CONF_DEVICE_ID: DEVICE_ID,
        CONF_LOCAL_KEY: LOCAL_KEY,
        CONF_PROTOCOL_VERSION: "3.5",
        CONF_PRODUCT_KEY: "keyjup78v54myhan",
    }
    mock_flow_client.assert_called_with(
        "192.0.2.77", DEVICE_ID, LOCAL_KEY, "3.5", port=6669, timeout=5.0, device22=False
    )


def _suggested(result: Any) -> dict[str, Any]:
    """The values a form shows prefilled (suggested), sections included."""
    found: dict[str, Any] = {}
    for key, value in result["data_schema"].schema.items():
        if key.description and "suggested_value" in key.description:
            found[str(key)] = key.description["suggested_value"]
        elif hasattr(value, "schema"):
            inner = _suggested({"data_schema": value.schema})
            if inner:
                found[str(key)] = inner
    return found


def test_names() -> None:
    """The product's name when known (a key file's profile), else "Tuya"; then the end
    of the device id."""
    assert entry_title(DEVICE_ID) == "Tuya efgh"
    assert entry_title(DEVICE_ID, "Smart Plug") == "Smart Plug efgh"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_discovery_minimal(hass: HomeAssistant, mock_detect: AsyncMock) -> None:
    """Without a version or product key: detect the version, store no product key."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={CONF_DEVICE_ID: DEVICE_ID, "ip": "127.0.0.1", CONF_PORT: 40002},
    )
    assert result["description_placeholders"]["product_key"] == "-"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCAL_KEY: LOCAL_KEY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_PRODUCT_KEY not in result["data"]
    assert result["data"][CONF_PROTOCOL_VERSION] == "3.4"
    assert result["data"][CONF_PORT] == 40002


async def test_discovery_known_device(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A configured device is not offered again."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=DISCOVERY
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # Following a new address needs a handshake there first: left to the listener.
    assert mock_config_entry.data[CONF_HOST] == HOST


async def test_discovery_twice(hass: HomeAssistant) -> None:
    """One discovery card per device."""
    await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=DISCOVERY
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=DISCOVERY
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_in_progress"


# --- reauth and reconfigure ---------------------------------------------------------


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reauth(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_flow_client: MagicMock
) -> None:
    """A new key is validated with the stored address and version, then stored."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {"name": TITLE, "error": ""}

    client = _client(mock_flow_client)
    client.connect.side_effect = WrongKeyError("still wrong")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCAL_KEY: NEW_KEY}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    client.connect.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCAL_KEY: NEW_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_LOCAL_KEY] == NEW_KEY
    mock_flow_client.assert_called_with(
        HOST, DEVICE_ID, NEW_KEY, "3.3", port=6668, timeout=5.0, device22=False
    )


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_detect: AsyncMock
) -> None:
    """Address, key and version can change; the device stays the same."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    schema = result["data_schema"].schema
    suggested = {
        str(key): key.description["suggested_value"]
        for key in schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested[CONF_HOST] == HOST
    assert suggested[CONF_PROTOCOL_VERSION] == "3_3"  # the selector option of 3.3

    new_input = {
        CONF_HOST: "192.0.2.9",
        CONF_LOCAL_KEY: NEW_KEY,
        CONF_PROTOCOL_VERSION: "auto",
        "advanced": {CONF_PORT: 6669},
    }
    mock_detect.side_effect = TuyaConnectionError("refused")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], new_input)
    assert result["errors"] == {"base": "cannot_connect"}

    mock_detect.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], new_input)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data == entry_data(
        host="192.0.2.9", port=6669, local_key=NEW_KEY, protocol_version="3.4"
    )
    # "auto" asks the version it spoke (3.3, not heard since) first.
    assert mock_detect.await_args is not None
    assert mock_detect.await_args.kwargs["first"] == "3.3"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_explicit_version(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_flow_client: MagicMock
) -> None:
    """The version option 3_5 reaches the device and the entry as protocol 3.5."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: HOST,
            CONF_LOCAL_KEY: NEW_KEY,
            CONF_PROTOCOL_VERSION: "3_5",
            "advanced": {CONF_PORT: 6668},
        },
    )
    assert result["reason"] == "reconfigure_successful"
    mock_flow_client.assert_called_once_with(
        HOST, DEVICE_ID, NEW_KEY, "3.5", port=6668, timeout=5.0, device22=False
    )
    assert mock_config_entry.data[CONF_PROTOCOL_VERSION] == "3.5"


@pytest.mark.parametrize("host", ["", "  ", "192.0.2.9 6668", "999.0.2.9"])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_host_format(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_detect: AsyncMock, host: str
) -> None:
    """A host that cannot be one is refused, and nothing is saved."""
    mock_config_entry.add_to_hass(hass)
    before = dict(mock_config_entry.data)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: host,
            CONF_LOCAL_KEY: NEW_KEY,
            CONF_PROTOCOL_VERSION: "auto",
            "advanced": {CONF_PORT: 6668},
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    mock_detect.assert_not_awaited()
    assert dict(mock_config_entry.data) == before


# --- options ------------------------------------------------------------------------


async def _menu(hass: HomeAssistant, flow_id: str, step: str) -> dict[str, Any]:
    result: dict[str, Any] = await hass.config_entries.options.async_configure(
        flow_id, {"next_step_id": step}
    )
    return result


async def _configure(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await hass.config_entries.options.async_configure(flow_id, data)
    return result


async def test_options_edit_sensor(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """Pick a DP, make it a temperature sensor, save: the entry reloads with it."""
    entry = init_integration
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "pick_dp",
        "add_entity",
        "pick_child",
        "add_child",
        "remove_child",
        "save",
    ]
    assert result["step_id"] == "init"  # no "Your changes" text without changes
    assert result["description_placeholders"] is None
    flow_id = result["flow_id"]

    result = await _menu(hass, flow_id, "pick_dp")
    assert result["step_id"] == "pick_dp"
    options = result["data_schema"].schema["dp"].config["options"]
    labels = {option["value"]: option["label"] for option in options}
    # The DP, its entity's name (or its kind in words; none unmapped) and its value.
    assert labels["1"] == "1 · Switch (on)"  # the only relay takes the device's name
    assert labels["17"] == "17 · Energy"  # not reported yet: no value
    assert labels["38"] == "38 · Power-on behavior (memory)"
    assert labels["41"] == '41 ({"a": 1})'

    result = await _configure(hass, flow_id, {"dp": "abc"})
    assert result["errors"] == {"dp": "invalid_dp"}
    result = await _configure(hass, flow_id, {"dp": "300"})
    assert result["errors"] == {"dp": "invalid_dp"}

    result = await _configure(hass, flow_id, {"dp": "38"})
    assert result["step_id"] == "edit_dp"
    assert result["description_placeholders"] == {
        "dp": "38",
        "current": "Select (a setting with options) power_off/power_on/memory",
        "value": "memory",
    }
    result = await _configure(hass, flow_id, {"kind": "sensor"})
    assert result["step_id"] == "dp_options"
    assert set(map(str, result["data_schema"].schema)) == {"name", "scale", "unit", "device_class"}

    result = await _configure(hass, flow_id, {"scale": 0})
    assert result["errors"] == {"scale": "invalid_scale"}
    result = await _configure(hass, flow_id, {"device_class": "temperature", "unit": "W"})
    assert result["errors"] == {"unit": "invalid_unit"}
    result = await _configure(
        hass, flow_id, {"scale": 0.1, "device_class": "temperature", "unit": " °C "}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init_changed"
    assert result["description_placeholders"] == {
        "overrides": "\n- DP 38: Sensor x0.1 °C temperature"
    }

    result = await _menu(hass, flow_id, "save")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_DPS: {
            "38": {"kind": "sensor", "scale": 0.1, "unit": "°C", "device_class": "temperature"}
        }
    }
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    # The raw sensor was disabled; the new one is enabled and shows a temperature.
    fake_device.push({"38": 215})
    await hass.async_block_till_done()
    state = hass.states.get("sensor.tuya_efgh_dp_38")
    assert state is not None
    assert state.state == "21.5"


async def test_options_kinds_without_details_and_reset(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Ignore and countdown need no details; default removes an override."""
    entry = init_integration
    hass.config_entries.async_update_entry(entry, options={CONF_DPS: {"41": {"kind": "ignore"}}})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    flow_id = result["flow_id"]
    assert result["description_placeholders"] == {"overrides": "\n- DP 41: Ignore"}

    await _menu(hass, flow_id, "pick_dp")
    result = await _configure(hass, flow_id, {"dp": "41"})
    schema = result["data_schema"].schema
    assert next(iter(schema)).description == {"suggested_value": "ignore"}
    result = await _configure(hass, flow_id, {"kind": "default"})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init"
    assert result["description_placeholders"] is None

    await _menu(hass, flow_id, "pick_dp")
    result = await _configure(hass, flow_id, {"dp": "077"})  # typed, not reported yet
    assert result["description_placeholders"]["value"] == "null"  # not reported yet
    result = await _configure(hass, flow_id, {"kind": "countdown"})
    assert set(map(str, result["data_schema"].schema)) == {"name", "scale"}  # minutes: 60
    result = await _configure(hass, flow_id, {})
    assert result["type"] is FlowResultType.MENU

    await _menu(hass, flow_id, "pick_dp")
    await _configure(hass, flow_id, {"dp": "38"})
    result = await _configure(hass, flow_id, {"kind": "switch"})
    assert set(map(str, result["data_schema"].schema)) == {"name", "device_class"}
    result = await _configure(hass, flow_id, {"device_class": "switch"})
    assert result["type"] is FlowResultType.MENU

    result = await _menu(hass, flow_id, "save")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_DPS: {"77": {"kind": "countdown"}, "38": {"kind": "switch", "device_class": "switch"}}
    }
    await hass.async_block_till_done()


async def test_options_edit_existing_override(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """An entry that is not loaded can still be edited; details are prefilled."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={CONF_DPS: {"17": {"kind": "energy", "scale": 0.01}}}
    )
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    flow_id = result["flow_id"]
    result = await _menu(hass, flow_id, "pick_dp")
    labels = [option["label"] for option in result["data_schema"].schema["dp"].config["options"]]
    assert labels == ["17 · Energy increments (add_ele, 0.001 kWh)"]
    await _configure(hass, flow_id, {"dp": "17"})
    result = await _configure(hass, flow_id, {"kind": "energy"})
    assert result["step_id"] == "dp_options"
    assert result["description_placeholders"] == {
        "dp": "17",
        "kind": "Energy increments (add_ele, 0.001 kWh)",
        "default_scale": "0.001",
    }
    scale_key = list(result["data_schema"].schema)[1]
    assert scale_key.description == {"suggested_value": 0.01}
    result = await _configure(hass, flow_id, {})
    assert result["type"] is FlowResultType.MENU
    result = await _menu(hass, flow_id, "save")
    assert mock_config_entry.options == {CONF_DPS: {"17": {"kind": "energy"}}}
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    "dp", ["²", pytest.param("1" * 5000, id="5000-digits"), "1.5", "0", "-1", " "]
)
async def test_options_pick_dp_refuses_non_numbers(
    hass: HomeAssistant, init_integration: MockConfigEntry, dp: str
) -> None:
    """A typed DP that is not a plain number from 1 to 255 is a form error, not a crash."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    flow_id = result["flow_id"]
    await _menu(hass, flow_id, "pick_dp")
    result = await _configure(hass, flow_id, {"dp": dp})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"dp": "invalid_dp"}


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"scale": float("nan")}, {"scale": "invalid_scale"}),
        ({"scale": float("inf")}, {"scale": "invalid_scale"}),
        ({"scale": 1e-300}, {"scale": "invalid_scale"}),
        ({"scale": 1e7}, {"scale": "invalid_scale"}),
        ({"scale": -0.1}, {"scale": "invalid_scale"}),
        ({"unit": "W" * 33}, {"unit": "invalid_unit_text"}),
        ({"unit": "k\x00W"}, {"unit": "invalid_unit_text"}),
        ({"scale": 0, "unit": "x" * 40}, {"scale": "invalid_scale", "unit": "invalid_unit_text"}),
    ],
)
async def test_options_dp_details_bounded(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    data: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """A scale must be finite and within 1e-6..1e6; a unit is short printable text."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    flow_id = result["flow_id"]
    await _menu(hass, flow_id, "pick_dp")
    await _configure(hass, flow_id, {"dp": "38"})
    result = await _configure(hass, flow_id, {"kind": "sensor"})
    assert result["step_id"] == "dp_options"
    result = await _configure(hass, flow_id, data)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors

    result = await _configure(hass, flow_id, {"scale": 1e-6, "unit": "W"})
    assert result["type"] is FlowResultType.MENU
    result = await _menu(hass, flow_id, "save")
    assert init_integration.options == {
        CONF_DPS: {"38": {"kind": "sensor", "scale": 1e-6, "unit": "W"}}
    }
    await hass.async_block_till_done()


async def test_options_drop_garbage_stored_mappings(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """The options flow opens on hand-edited garbage, shows the valid part, saves it."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        options={
            CONF_DPS: {
                "17": {"kind": "energy", "scale": 0.01},
                "18": {"kind": "nonsense"},
                "²": {"kind": "raw"},
                "19": None,
            }
        },
    )
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["description_placeholders"] == {
        "overrides": "\n- DP 17: Energy increments (add_ele, 0.001 kWh) x0.01"
    }
    result = await _menu(hass, result["flow_id"], "save")
    assert mock_config_entry.options == {CONF_DPS: {"17": {"kind": "energy", "scale": 0.01}}}
    await hass.async_block_till_done()


def test_3_1_key_check_is_explained() -> None:
    """The forms where a key is entered no longer claim a 3.1 key cannot be checked (the
    flow proves it with a same-value write); only a 3.1 key the device did not prove is
    explained, in its own error, so the paragraph never shows for 3.3-3.5 devices."""
    strings = json.loads(
        (Path(__file__).parents[2] / "custom_components/tuya_lan/strings.json").read_text("utf-8")
    )
    for step in ("local", "discovery_confirm", "reauth_confirm", "reconfigure"):
        text = strings["config"]["step"][step]["description"]
        assert "cannot be checked" not in text, step
        assert "3.1" not in text, step
    unproven = strings["config"]["error"]["key_unproven"]
    assert "3.1" in unproven
    assert "first encrypted update" in unproven


def test_fake_client_matches_library() -> None:
    """The fakes stand in for the real client class."""
    assert callable(TuyaClient)


async def test_options_new_kinds(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_device: FakeDevice
) -> None:
    """A select with its options, a problem sensor and a configuration switch."""
    entry = init_integration
    flow_id = (await hass.config_entries.options.async_init(entry.entry_id))["flow_id"]

    await _menu(hass, flow_id, "pick_dp")
    await _configure(hass, flow_id, {"dp": "41"})
    result = await _configure(hass, flow_id, {"kind": "select"})
    assert set(map(str, result["data_schema"].schema)) == {"name", "options"}
    result = await _configure(hass, flow_id, {})  # a new select needs its options
    assert result["errors"] == {"options": "invalid_options"}
    result = await _configure(hass, flow_id, {"options": ["x" * 65]})
    assert result["errors"] == {"options": "invalid_options"}
    result = await _configure(hass, flow_id, {"options": [" low", "high ", "low"]})
    assert result["type"] is FlowResultType.MENU

    await _menu(hass, flow_id, "pick_dp")
    await _configure(hass, flow_id, {"dp": "42"})
    result = await _configure(hass, flow_id, {"kind": "problem"})
    assert result["type"] is FlowResultType.MENU
    await _menu(hass, flow_id, "pick_dp")
    await _configure(hass, flow_id, {"dp": "43"})
    result = await _configure(hass, flow_id, {"kind": "config_switch"})
    assert result["type"] is FlowResultType.MENU

    # The power-on select keeps the options the rule found when none are typed.
    await _menu(hass, flow_id, "pick_dp")
    await _configure(hass, flow_id, {"dp": "38"})
    await _configure(hass, flow_id, {"kind": "select"})
    result = await _configure(hass, flow_id, {})
    assert result["type"] is FlowResultType.MENU

    await _menu(hass, flow_id, "pick_dp")
    await _configure(hass, flow_id, {"dp": "44"})
    result = await _configure(hass, flow_id, {"kind": "energy_total"})
    assert set(map(str, result["data_schema"].schema)) == {"name", "scale"}
    await _configure(hass, flow_id, {"scale": 0.001})

    result = await _menu(hass, flow_id, "save")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_DPS: {
            "41": {"kind": "select", "options": ["low", "high"]},
            "42": {"kind": "problem"},
            "43": {"kind": "config_switch"},
            "38": {"kind": "select"},
            "44": {"kind": "energy_total", "scale": 0.001},
        }
    }
    await hass.async_block_till_done()
    fake_device.push({"41": "high", "42": True, "43": False, "44": 1500})
    await hass.async_block_till_done()
    assert hass.states.get("select.tuya_efgh_dp_41").state == "high"
    assert hass.states.get("binary_sensor.tuya_efgh_dp_42").state == "on"
    assert hass.states.get("switch.tuya_efgh_dp_43").state == "off"
    assert hass.states.get("sensor.tuya_efgh_total_energy").state == "1.5"
    select = hass.states.get("select.tuya_efgh_power_on_behavior")
    assert select.attributes["options"] == ["power_off", "power_on", "memory"]
