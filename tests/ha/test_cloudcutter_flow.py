"""Adding a device from its tuya-cloudcutter key file: no account, nothing typed.

Simulated devices "re-keyed as cloudcutter would" (the key file's id and key) listen on
port 6668 of loopback addresses of their own; nothing outside 127.0.0.0/8 is reached.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from pytest_socket import socket_allow_hosts

from custom_components.tuya_lan import probing
from custom_components.tuya_lan.const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_NO_CLOUD,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from tuya_sim import SimulatedDevice
from tuya_sim.cloud import FakeTuyaCloud

from .common import add_account
from .test_cloud import KEYS, NEW_KEY, cloud, sims, unload_all
from .test_discovery import Ports, ports

__all__ = ["cloud", "ports", "sims"]  # fixtures

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cloudcutter"
KEY_FILE = (FIXTURES / "a1b2c3d4-0000-4000-8000-000000000001.deviceconfig").read_text()
PROFILE = (FIXTURES / "avatto-ds1-smart-plug-v1.0.2.json").read_text()
DEVICE_ID = json.loads(KEY_FILE)["device_id"]
LOCAL_KEY = json.loads(KEY_FILE)["local_key"]
SECRETS = [json.loads(KEY_FILE)[name] for name in ("auth_key", "sec_key", "psk")]
NET = f"127.{18 + os.getpid() % 200}.{1 + os.getpid() // 200 % 250}"
HOST = f"{NET}.40"


@pytest.fixture
async def loopback_net(ports: Ports) -> None:
    socket_allow_hosts(["127.0.0.0/8"], allow_unix_socket=True)


async def start_device(version: str, **options: Any) -> SimulatedDevice:
    """The re-keyed device on HOST:6668, a plug with a meter."""
    device = SimulatedDevice(
        DEVICE_ID,
        LOCAL_KEY,
        version,
        host=HOST,
        port=6668,
        tick_interval=None,
        dps={"17": 12, "18": 250, "19": 550, "20": 2301},
        **options,
    )
    await device.start()
    return device


async def cloudcutter_form(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert "cloudcutter" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cloudcutter"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cloudcutter"
    return result


@pytest.fixture
async def heard_device(
    hass: HomeAssistant, ports: Ports, loopback_net: None
) -> AsyncIterator[SimulatedDevice]:
    """A 3.3 device announcing itself (its broadcasts reach Home Assistant)."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: None})
    device = await start_device("3.3", discovery_port=ports.encrypted, discovery_interval=0.2)
    yield device
    await device.stop()


async def test_key_file_adds_a_heard_device_with_nothing_else_typed(
    hass: HomeAssistant, heard_device: SimulatedDevice
) -> None:
    result = await cloudcutter_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"key_file": KEY_FILE}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
    entry = result["result"]
    assert entry.unique_id == DEVICE_ID
    assert entry.title == f"avatto-ds1-smart-plug-v1.0.2 {DEVICE_ID[-4:]}"
    data = dict(entry.data)
    assert (data["host"], data["port"], data["protocol_version"]) == (HOST, 6668, "3.3")
    assert (data["device_id"], data["local_key"], data["no_cloud"]) == (DEVICE_ID, LOCAL_KEY, True)
    stored = json.dumps(data)
    for secret in SECRETS:
        assert secret not in stored
    assert not {"auth_key", "sec_key", "psk", "uuid"} & set(data)


async def test_key_file_takes_over_the_devices_discovered_card(
    hass: HomeAssistant, heard_device: SimulatedDevice
) -> None:
    """The device's Discovered card is waiting (it announces itself, so the card comes
    first): the key file adds it all the same, and the card goes away (found by the
    browser walk-through: the flow aborted "already in progress")."""
    card = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "integration_discovery"},
        data={CONF_DEVICE_ID: DEVICE_ID, "ip": HOST, "version": "3.3", "port": 6668},
    )
    assert card["step_id"] == "discovery_confirm"
    result = await cloudcutter_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"key_file": KEY_FILE}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    assert not [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["flow_id"] == card["flow_id"]
    ]


async def test_profile_gives_scales_stored_as_the_numbering_rule_kinds(
    hass: HomeAssistant, heard_device: SimulatedDevice
) -> None:
    result = await cloudcutter_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"key_file": KEY_FILE, "profile": PROFILE}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
    data = result["result"].data
    assert result["title"] == f"DS1 Smart Plug {DEVICE_ID[-4:]}"
    assert (data["product_key"], data["product_name"]) == ("keyjup78v54myhan", "DS1 Smart Plug")
    # The profile's 3 decimals for energy, with the numbering rule's kind.
    assert data["learned"]["17"] == {"kind": "energy", "scale": 0.001, "unit": "kWh"}
    assert data["learned"]["19"] == {"kind": "power", "scale": 0.1, "unit": "W"}


async def test_silent_device_is_found_by_the_range_probe(
    hass: HomeAssistant, ports: Ports, loopback_net: None
) -> None:
    """A 3.5 device that never broadcasts, in the probe ranges: found by its id."""
    device = await start_device("3.5", request_port=0, request_reply_port=ports.app)
    try:
        assert await async_setup_component(hass, DOMAIN, {DOMAIN: {"probe_ranges": f"{NET}.32/28"}})
        with patch.object(probing, "PROBE_REQUEST_PORT", device.request_port):
            result = await cloudcutter_form(hass)
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {"key_file": KEY_FILE}
            )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
        assert (result["result"].data["host"], result["result"].data["protocol_version"]) == (
            HOST,
            "3.5",
        )
    finally:
        await device.stop()


async def test_device_not_found(hass: HomeAssistant, ports: Ports, loopback_net: None) -> None:
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: None})
    result = await cloudcutter_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"key_file": KEY_FILE}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cloudcutter_not_found"}


def _edited(**changes: Any) -> str:
    data = json.loads(KEY_FILE)
    for name, value in changes.items():
        if value is None:
            del data[name]
        else:
            data[name] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("key_file", "profile", "errors", "field"),
    [
        (_edited(local_key=None), None, {"key_file": "cloudcutter_missing"}, "local_key"),
        (_edited(local_key="short"), None, {"key_file": "cloudcutter_wrong"}, "local_key"),
        (_edited(device_id="bf01"), None, {"key_file": "cloudcutter_wrong"}, "device_id"),
        ("not json", None, {"key_file": "cloudcutter_not_json"}, ""),
        ("[]", None, {"key_file": "cloudcutter_not_object"}, ""),
        (KEY_FILE, '{"key": "x"}', {"profile": "cloudcutter_missing"}, "schemas"),
    ],
)
async def test_bad_files_name_the_field(
    hass: HomeAssistant,
    key_file: str,
    profile: str | None,
    errors: dict[str, str],
    field: str,
) -> None:
    result = await cloudcutter_form(hass)
    user_input = {"key_file": key_file} | ({"profile": profile} if profile else {})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert result["description_placeholders"] == {"field": field}


async def test_no_cloud_device_is_never_healed_from_an_account(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """A linked account that knows the device's (re-paired) key: an entry imported from a
    key file does not take it (its owner holds its keys); the user is asked instead."""
    sim = sims[1]
    await add_account(hass, cloud.url)
    sim.change_key(NEW_KEY)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=sim.device_id,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: sim.port,
            CONF_DEVICE_ID: sim.device_id,
            CONF_LOCAL_KEY: KEYS[1],
            CONF_PROTOCOL_VERSION: sim.version,
            CONF_NO_CLOUD: True,
        },
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is not ConfigEntryState.LOADED
    assert entry.data[CONF_LOCAL_KEY] == KEYS[1]
    await unload_all(hass)


async def upload(hass_client: ClientSessionGenerator, name: str, content: bytes) -> str:
    """Upload a file as the frontend's file selector does; its id."""
    client = await hass_client()
    form = aiohttp.FormData()
    form.add_field("file", content, filename=name, content_type="application/octet-stream")
    response = await client.post("/api/file_upload", data=form)
    assert response.status == 200
    file_id: str = (await response.json())["file_id"]
    return file_id


async def test_key_file_uploaded_through_the_file_selector(
    hass: HomeAssistant, heard_device: SimulatedDevice, hass_client: ClientSessionGenerator
) -> None:
    """The key file given through Home Assistant's file upload is read (once: the
    upload is gone after it) and the device added as from pasted text; a non-UTF-8
    upload is said to be no JSON, an empty form asks for the file."""
    result = await cloudcutter_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cloudcutter_no_file"}
    bad = await upload(hass_client, "x.deviceconfig", b"\xff\xfe{")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"key_file_upload": bad}
    )
    assert result["errors"] == {"key_file_upload": "cloudcutter_not_json"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"key_file_upload": bad}
    )
    assert result["errors"] == {"key_file_upload": "cloudcutter_upload_gone"}
    file_id = await upload(hass_client, "a.deviceconfig", KEY_FILE.encode())
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"key_file_upload": file_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, (
        result.get("errors"),
        result.get("reason"),
    )
    data = result["result"].data
    assert (data["device_id"], data["local_key"], data["no_cloud"]) == (DEVICE_ID, LOCAL_KEY, True)
    for secret in SECRETS:
        assert secret not in json.dumps(dict(data))


async def test_no_cloud_reauth_offers_no_account(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """With an account linked, a no-cloud entry's reauth offers typing the key or a new
    key file, never the account; the new file must be the device's own."""
    await add_account(hass, cloud.url)
    device = SimulatedDevice(DEVICE_ID, LOCAL_KEY, "3.3", tick_interval=None)
    await device.start()
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=DEVICE_ID,
            data={
                CONF_HOST: "127.0.0.1",
                CONF_PORT: device.port,
                CONF_DEVICE_ID: DEVICE_ID,
                CONF_LOCAL_KEY: KEYS[1],  # the key before it was re-keyed
                CONF_PROTOCOL_VERSION: "3.3",
                CONF_NO_CLOUD: True,
            },
        )
        entry.add_to_hass(hass)
        result = await entry.start_reauth_flow(hass)
        assert result["type"] is FlowResultType.MENU
        assert result["menu_options"] == ["reauth_confirm", "reauth_key_file"]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "reauth_key_file"}
        )
        assert result["step_id"] == "reauth_key_file"
        other = _edited(device_id="4f5e6d7c8b9a0f1e2d3c")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"key_file": other}
        )
        assert result["errors"] == {"base": "cloudcutter_other_device"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"key_file": KEY_FILE}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reauth_successful"
        assert entry.data[CONF_LOCAL_KEY] == LOCAL_KEY
        assert entry.data[CONF_NO_CLOUD] is True
    finally:
        await unload_all(hass)
        await device.stop()
