"""The linked account, end to end: the fake Tuya cloud (tuya_sim.cloud, which checks
every signature) and simulated devices on 127.0.0.1, a developer project linked in the
flow, several devices added in one step, and keys that heal by themselves."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from unittest.mock import patch

import pytest
from aiohttp import web
from homeassistant import block_async_io
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.json import json_bytes
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan import flow_proof
from custom_components.tuya_lan.const import (
    CONF_CATEGORY,
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_MODEL,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_NAME,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.coordinator import AVAILABILITY_GRACE
from custom_components.tuya_lan.entries import device_entries, is_account_entry, loaded_accounts
from custom_components.tuya_lan.healing import HEAL_MAX_ASKS
from custom_components.tuya_lan.tuyalan import (
    DeviceState,
    DpModel,
    Timings,
)
from tuya_sim import SimulatedDevice
from tuya_sim.cloud import FakeTuyaCloud, cloud_device_for

from .common import ACCESS_ID, ACCESS_SECRET, add_account, closed_port

UID = "eu1700000000000aaaaa"
KEYS = ("0123456789abcdef", "Tg5$Lm8pXr2!Nc7v", "h7Kd2#Vn9Qs4@Wb1")
IDS = ("bf00000000000000aa01", "bf00000000000000aa02", "bf00000000000000aa03")
NEW_KEY = "Zq4v!8RtW2m#Lp6x"
# Reconnect after 50 ms instead of 1 s doubling.
REAL_PROBE = flow_proof.probe
FAST = Timings(backoff_min=0.05, backoff_max=0.05, backoff_jitter=0.0)
SWITCH = "switch.tuya_aa01"


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `condition()` holds."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the condition spans HA, cloud and simulator
            await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def detect_blocking_calls(disable_block_async_io: None) -> None:
    """Blocking I/O in the event loop raises, as in a real Home Assistant."""
    block_async_io.enable()


@pytest.fixture(autouse=True)
def fast_backoff() -> Iterator[None]:
    """Reconnect after 50 ms instead of 1 s doubling."""
    with patch("custom_components.tuya_lan.coordinator.TIMINGS", FAST):
        yield


@pytest.fixture
async def sims(socket_enabled: None) -> AsyncIterator[list[SimulatedDevice]]:
    """Three simulated plugs on free loopback ports: 3.3, 3.4 and 3.5."""
    devices = [
        SimulatedDevice(device_id, key, version, tick_interval=None, seed=1)
        for device_id, key, version in zip(IDS, KEYS, ("3.3", "3.4", "3.5"), strict=True)
    ]
    for device in devices:
        await device.start()
    yield devices
    for device in devices:
        await device.stop()


@pytest.fixture
async def cloud(sims: list[SimulatedDevice]) -> AsyncIterator[FakeTuyaCloud]:
    """The fake cloud holding the simulated plugs; their keys follow the simulator."""
    fake = FakeTuyaCloud(ACCESS_ID, ACCESS_SECRET, page_limit=2)
    for number, device in enumerate(sims, start=1):
        fake.add_device(cloud_device_for(device, uid=UID, name=f"Plug {number}"))
    await fake.start()
    yield fake
    await fake.stop()


async def add_device(hass: HomeAssistant, sim: SimulatedDevice) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Tuya {sim.device_id[-4:]}",
        unique_id=sim.device_id,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: sim.port,
            CONF_DEVICE_ID: sim.device_id,
            CONF_LOCAL_KEY: sim.local_key,
            CONF_PROTOCOL_VERSION: sim.version,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def unload_all(hass: HomeAssistant) -> None:
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def secrets(cloud: FakeTuyaCloud, *keys: str) -> list[str]:
    return [ACCESS_SECRET, *cloud.issued, *KEYS, *keys]


# --- linking a developer project, adding several devices in one step ----------------------


async def test_link_developer_project_and_add_several(
    hass: HomeAssistant,
    cloud: FakeTuyaCloud,
    sims: list[SimulatedDevice],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Link the project; its devices are listed (none heard here, so each asks for its
    address); ticked ones are proven on the LAN and saved together, each with its key
    and model; one that does not answer is reported and can be unticked."""
    caplog.set_level(logging.DEBUG)
    # A fourth device the cloud knows, whose simulator is not running: it cannot answer.
    gone = SimulatedDevice("bf00000000000000aa09", "0123456789abcdef", "3.3")
    cloud.add_device(cloud_device_for(gone, uid=UID, name="Plug gone"))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["local", "cloudcutter", "smart_life", "developer"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "developer"}
    )
    assert result["step_id"] == "developer"
    form = {
        "access_id": ACCESS_ID,
        "access_secret": "not the secret",
        "region": "eu",
        "advanced": {"endpoint": cloud.url},
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"base": "cloud_auth"}
    assert "not the secret" not in str(result["description_placeholders"])

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, "access_secret": ACCESS_SECRET}
    )
    assert result["step_id"] == "account_devices"
    options = result["data_schema"].schema["devices"].config["options"]
    assert [option["value"] for option in options] == [*IDS, gone.device_id]
    assert "not heard on the LAN" in options[0]["label"]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"devices": [*IDS[:2], gone.device_id]}
    )
    with closed_port() as nothing_there:
        for sim in (*sims[:2], None):
            assert result["step_id"] == "account_address"
            port = sim.port if sim is not None else nothing_there
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "127.0.0.1", "advanced": {CONF_PORT: port}}
            )
    # Two proven and added; the third is reported, preselected, for another try.
    assert result["step_id"] == "account_devices"
    assert result["errors"] == {"base": "cloud_devices_failed"}
    assert "Plug gone" in result["description_placeholders"]["failed_line"]
    assert "Plug 1" in result["description_placeholders"]["added_line"]
    assert result["data_schema"]({})["devices"] == [gone.device_id]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"devices": []})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Tuya IoT: {ACCESS_ID}"
    assert result["result"].unique_id == f"account_{ACCESS_ID}"
    await hass.async_block_till_done()

    devices = {
        entry.unique_id: entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get("entry_type") != "account"
    }
    assert sorted(devices) == sorted(IDS[:2])
    for sim, key in zip(sims[:2], KEYS, strict=False):
        entry = devices[sim.device_id]
        assert entry.state is ConfigEntryState.LOADED
        assert entry.data[CONF_LOCAL_KEY] == key
        assert entry.data[CONF_PROTOCOL_VERSION] == sim.version
        assert entry.data[CONF_CATEGORY] == "cz"
        assert entry.data[CONF_PRODUCT_NAME]
        model = [DpModel.from_dict(dp) for dp in entry.data[CONF_MODEL]]
        assert [dp.code for dp in model][:2] == ["switch_1", "countdown_1"]
    assert cloud.rejected_signatures == 1  # the wrong secret, only
    for secret in secrets(cloud):
        assert secret not in caplog.text
    await unload_all(hass)


async def test_adding_from_the_account_takes_over_a_discovered_card(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """A device with a Discovered card waiting (the usual case: the card came first) is
    added from the account all the same, and its card goes away."""
    sim = sims[1]
    card = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "integration_discovery"},
        data={CONF_DEVICE_ID: sim.device_id, "ip": "127.0.0.1", "version": "3.4", "port": sim.port},
    )
    assert card["step_id"] == "discovery_confirm"  # no account yet: it asks for the key
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "developer"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "access_id": ACCESS_ID,
            "access_secret": ACCESS_SECRET,
            "region": "eu",
            "advanced": {"endpoint": cloud.url},
        },
    )
    assert result["step_id"] == "account_devices"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"devices": [sim.device_id]}
    )
    assert result["step_id"] == "account_address"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", "advanced": {CONF_PORT: sim.port}}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, sim.device_id)
    assert entry is not None
    assert entry.data[CONF_LOCAL_KEY] == KEYS[1]
    assert card["flow_id"] not in {
        flow["flow_id"] for flow in hass.config_entries.flow.async_progress()
    }
    await unload_all(hass)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (2007, "cloud_region"),
        (28841002, "cloud_permission"),
        (1106, "cloud_permission"),
        (1013, "cloud_clock"),
        (500, "cloud_error"),
    ],
)
async def test_developer_link_errors(
    hass: HomeAssistant, cloud: FakeTuyaCloud, code: int, error: str
) -> None:
    """Each refusal reads as what to do; nothing is saved."""
    cloud.fail(code, "refused", path="/v1.0/iot-01/", times=2)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "developer"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "access_id": ACCESS_ID,
            "access_secret": ACCESS_SECRET,
            "region": "eu",
            "advanced": {"endpoint": cloud.url},
        },
    )
    assert result["errors"] == {"base": error}
    assert "refused" in result["description_placeholders"]["error"]
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_developer_link_unreachable_and_bad_endpoint(
    hass: HomeAssistant, cloud: FakeTuyaCloud
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "developer"}
    )
    form = {"access_id": ACCESS_ID, "access_secret": ACCESS_SECRET, "region": "eu"}
    await cloud.stop()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, "advanced": {"endpoint": cloud.url}}
    )
    assert result["errors"] == {"base": "cloud_unreachable"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, "advanced": {"endpoint": "ftp://example"}}
    )
    assert result["errors"] == {"advanced": "invalid_endpoint"}


# --- keys that heal -------------------------------------------------------------------------


@pytest.mark.parametrize("index", [1, 2])  # 3.4 and 3.5: a handshake to fail
async def test_key_heals_from_the_linked_account(
    hass: HomeAssistant,
    cloud: FakeTuyaCloud,
    sims: list[SimulatedDevice],
    caplog: pytest.LogCaptureFixture,
    index: int,
) -> None:
    """The device is re-paired (new key) while running: the integration fetches the new
    key from the account, proves it, saves it and reconnects; no user action, one info
    line, no secret in the log."""
    caplog.set_level(logging.DEBUG)
    sim = sims[index]
    await add_account(hass, cloud.url)
    entry = await add_device(hass, sim)
    switch = f"switch.tuya_{sim.device_id[-4:]}"
    await wait_for(lambda: hass.states.get(switch).state == "on")

    sim.change_key(NEW_KEY)
    await wait_for(lambda: entry.data[CONF_LOCAL_KEY] == NEW_KEY)
    await wait_for(lambda: entry.runtime_data.device.connected)
    await hass.async_block_till_done()
    assert hass.states.get(switch).state == "on"
    assert [flow for flow in hass.config_entries.flow.async_progress()] == []
    assert caplog.text.count("has a new local key") == 1
    assert entry.data[CONF_MODEL]  # the model came with it
    for secret in secrets(cloud, NEW_KEY):
        assert secret not in caplog.text
    await unload_all(hass)


async def test_key_heals_at_setup(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """Re-paired while Home Assistant was off: setup fetches the key and goes on."""
    sim = sims[1]
    await add_account(hass, cloud.url)
    sim.change_key(NEW_KEY)
    entry = await add_device(hass, SimulatedDeviceView(sim, KEYS[1]))
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_LOCAL_KEY] == NEW_KEY
    await unload_all(hass)


class SimulatedDeviceView:
    """A simulator as an entry remembers it: the key it had."""

    def __init__(self, sim: SimulatedDevice, local_key: str) -> None:
        self.device_id, self.port, self.version = sim.device_id, sim.port, sim.version
        self.local_key = local_key


async def test_cloud_that_cannot_help_starts_reauth(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """The account refuses (trial expired): the account gets a repair issue, the device
    the usual reauth flow, which offers to fetch the key from the account."""
    sim = sims[1]
    account = await add_account(hass, cloud.url)
    entry = await add_device(hass, sim)
    cloud.fail(28841002, "No permissions. Your subscription has expired.", path="/v1.0/iot-01/")
    sim.change_key(NEW_KEY)
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()))
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"account_{account.entry_id}")
    assert issue is not None
    assert issue.translation_key == "account_permission"
    assert entry.data[CONF_LOCAL_KEY] == KEYS[1]
    # Healing failed: the device's repair says its key is rejected.
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"unavailable_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "unavailable_key"

    # The reauth flow: "fetch the key from my linked account" (the cloud answers now).
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["reauth_cloud", "reauth_confirm"]
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "reauth_cloud"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_LOCAL_KEY] == NEW_KEY
    await hass.async_block_till_done()
    await wait_for(lambda: entry.runtime_data.device.connected)
    await unload_all(hass)


async def test_reauth_from_account_that_does_not_hold_the_device(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """A device the account does not hold: reauth at once, and the cloud step says so."""
    sim = sims[1]
    del cloud.devices[sim.device_id]
    await add_account(hass, cloud.url)
    entry = await add_device(hass, sim)
    sim.change_key(NEW_KEY)
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()))
    (flow,) = hass.config_entries.flow.async_progress()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "reauth_cloud"}
    )
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "cloud_device_unknown"}
    # The entry's session lets go of the device while the form proves the key: the
    # device takes one client, and the proof once came out "busy" now and then.
    states_during_proof: list[DeviceState] = []

    async def probe(*args: Any, **kwargs: Any) -> dict[str, Any]:
        states_during_proof.append(entry.runtime_data.device.state)
        return await REAL_PROBE(*args, **kwargs)

    with patch.object(flow_proof, "probe", probe):
        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {CONF_LOCAL_KEY: NEW_KEY}
        )
    assert states_during_proof == [DeviceState.PAUSED]
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_LOCAL_KEY] == NEW_KEY
    await unload_all(hass)


# --- the account entry ----------------------------------------------------------------------


async def test_account_entry_is_not_a_device(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """The account sets up without a device or entities, offers no DP options, is
    refused by set_dp, and removing it leaves every device working."""
    account = await add_account(hass, cloud.url)
    entry = await add_device(hass, sims[0])
    assert account.state is ConfigEntryState.LOADED
    assert not account.supports_options
    assert entry.supports_options
    with pytest.raises(Exception, match="entry"):
        await hass.services.async_call(
            DOMAIN,
            "set_dp",
            {"config_entry_id": account.entry_id, "dp": 1, "value": True},
            blocking=True,
        )
    # The menu now offers the account's devices.
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["menu_options"] == [
        "local",
        "account_devices",
        "cloudcutter",
        "smart_life",
        "developer",
    ]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "account_devices"}
    )
    assert "Plug 1" in result["description_placeholders"]["added_line"]
    assert [o["value"] for o in result["data_schema"].schema["devices"].config["options"]] == [
        IDS[1],
        IDS[2],
    ]
    hass.config_entries.flow.async_abort(result["flow_id"])

    assert await hass.config_entries.async_remove(account.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": f"switch.tuya_{IDS[0][-4:]}"}, blocking=True
    )
    assert sims[0].dps["1"] is False
    await unload_all(hass)


@pytest.mark.parametrize("announces_product", [False, True])
async def test_discovered_card_of_a_known_device_needs_no_key(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice], announces_product: bool
) -> None:
    """The card of a device the account holds asks nothing but the port (in case the
    device does not answer at the one announced); the product key is kept when heard."""
    await add_account(hass, cloud.url)
    sim = sims[1]
    heard = {CONF_PRODUCT_KEY: sim.product_key} if announces_product else {}
    with closed_port() as nothing_there:
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": "integration_discovery"},
            data={
                CONF_DEVICE_ID: sim.device_id,
                "ip": "127.0.0.1",
                "version": "3.4",
                "port": nothing_there,
                **heard,
            },
        )
        assert result["step_id"] == "discovery_cloud"
        assert result["description_placeholders"]["name"] == "Plug 2"
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "discovery_cloud"
    assert result["errors"] == {"base": "cannot_connect"}
    assert hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, sim.device_id) is None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"advanced": {CONF_PORT: sim.port}}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Plug 2"
    assert result["data"][CONF_LOCAL_KEY] == KEYS[1]
    assert result["data"][CONF_PORT] == sim.port
    assert result["data"][CONF_MODEL]
    assert result["data"].get(CONF_PRODUCT_KEY) == heard.get(CONF_PRODUCT_KEY)
    await hass.async_block_till_done()
    await unload_all(hass)


async def test_discovered_card_whose_account_key_is_stale_asks_for_the_key(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """The account still has the old key (re-paired since): the card says so by asking
    for the key by hand, and saves the one typed."""
    await add_account(hass, cloud.url)
    sim = sims[1]
    cloud.devices[sim.device_id].local_key = KEYS[1]  # the cloud no longer follows it
    sim.change_key(NEW_KEY)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "integration_discovery"},
        data={CONF_DEVICE_ID: sim.device_id, "ip": "127.0.0.1", "version": "3.4", "port": sim.port},
    )
    assert result["step_id"] == "discovery_cloud"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["errors"] == {}
    assert hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, sim.device_id) is None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCAL_KEY: NEW_KEY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_LOCAL_KEY] == NEW_KEY
    await hass.async_block_till_done()
    await unload_all(hass)


# --- reauth and reconfigure through the account -----------------------------------------------


async def test_reauth_from_account_unexpected_error_then_model_kept(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """An unexpected error while proving the account's key shows "unknown" and changes
    nothing; an account that has the key but no model saves the key and keeps the model
    the entry has."""
    sim = sims[1]
    await add_account(hass, cloud.url)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Plug",
        unique_id=sim.device_id,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: sim.port,
            CONF_DEVICE_ID: sim.device_id,
            CONF_LOCAL_KEY: "a" * 16,
            CONF_PROTOCOL_VERSION: sim.version,
            CONF_CATEGORY: "kept",
        },
    )
    entry.add_to_hass(hass)

    result = await entry.start_reauth_flow(hass)
    assert result["menu_options"] == ["reauth_cloud", "reauth_confirm"]
    with patch("custom_components.tuya_lan.flow_proof.probe", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "reauth_cloud"}
        )
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "unknown"}
    assert entry.data[CONF_LOCAL_KEY] == "a" * 16
    hass.config_entries.flow.async_abort(result["flow_id"])

    # The account's key does not open the device either: the user types one.
    cloud.devices[sim.device_id].local_key = "b" * 16
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reauth_cloud"}
    )
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "handshake_dropped"}  # 3.4: hung up on every attempt
    assert entry.data[CONF_LOCAL_KEY] == "a" * 16
    hass.config_entries.flow.async_abort(result["flow_id"])
    cloud.devices[sim.device_id].local_key = KEYS[1]

    for known in cloud.devices.values():  # models are asked once per product
        # "Not supported" from both sources: no DPs, no model.
        known.specs_error = known.model_error = 2009
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reauth_cloud"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_LOCAL_KEY] == KEYS[1]
    assert entry.data[CONF_CATEGORY] == "kept"
    assert CONF_MODEL not in entry.data
    await hass.async_block_till_done()
    await unload_all(hass)


def suggested(schema: dict[Any, Any]) -> dict[str, Any]:
    """The values a form shows filled in."""
    return {
        str(key): key.description["suggested_value"]
        for key in schema
        if key.description and "suggested_value" in key.description
    }


async def test_reconfigure_account_links_it_again(
    hass: HomeAssistant, cloud: FakeTuyaCloud
) -> None:
    """Reconfiguring the account entry asks for the project again (the secret is not
    shown back) and saves what was typed."""
    account = await add_account(hass, cloud.url)
    result = await account.start_reconfigure_flow(hass)
    assert result["step_id"] == "developer"
    schema = result["data_schema"].schema
    assert suggested(schema) == {"access_id": ACCESS_ID, "region": "eu"}  # not the secret
    (advanced,) = (value for key, value in schema.items() if key == "advanced")
    assert suggested(advanced.schema.schema) == {"endpoint": cloud.url}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "access_id": ACCESS_ID,
            "access_secret": ACCESS_SECRET,
            "region": "us",
            "advanced": {"endpoint": cloud.url},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "account_relinked"
    assert account.data["region"] == "us"
    await hass.async_block_till_done()
    assert account.state is ConfigEntryState.LOADED
    await unload_all(hass)


async def test_developer_link_by_data_center_and_uid(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """With a UID under Advanced and no endpoint: the data center's address is used, and
    only that app account's devices are listed."""
    cloud.add_device(
        cloud_device_for(
            SimulatedDevice("bf00000000000000aa09", KEYS[0], "3.3"), uid="eu17other", name="Other"
        )
    )
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "developer"}
    )
    with patch("custom_components.tuya_lan.tuyalan.cloud.region_endpoint", return_value=cloud.url):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "access_id": ACCESS_ID,
                "access_secret": ACCESS_SECRET,
                "region": "eu",
                "advanced": {"uid": f" {UID} ", "endpoint": " "},
            },
        )
        assert result["step_id"] == "account_devices"
        options = result["data_schema"].schema["devices"].config["options"]
        assert [option["value"] for option in options] == list(IDS)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"devices": []})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"]["uid"] == UID
        assert "endpoint" not in result["data"]
        await hass.async_block_till_done()
        await unload_all(hass)


# --- adding devices of a linked account ------------------------------------------------------


async def _pick_account_devices(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "account_devices" in result["menu_options"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "account_devices"}
    )


async def test_add_from_linked_account(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """From the menu: a cloud error is shown; a bad address is refused; a device added
    meanwhile by other means is not added twice; the count says what was added."""
    await add_account(hass, cloud.url)
    cloud.fail(500, "the cloud is down", path="/v1.0/", times=1)
    result = await _pick_account_devices(hass)
    assert result["errors"] == {"base": "cloud_error"}
    assert "the cloud is down" in result["description_placeholders"]["error"]
    assert result["data_schema"].schema["devices"].config["options"] == []
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"devices": []})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "devices_added"
    assert result["description_placeholders"] == {"count": "0"}

    result = await _pick_account_devices(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"devices": list(IDS[1:])}
    )
    assert result["step_id"] == "account_address"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "not a host!", "advanced": {CONF_PORT: sims[1].port}}
    )
    assert result["step_id"] == "account_address"
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    assert result["description_placeholders"]["device_id"] == IDS[1]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", "advanced": {CONF_PORT: sims[1].port}}
    )
    assert result["description_placeholders"]["device_id"] == IDS[2]
    # Added by hand while this flow waited.
    by_hand = MockConfigEntry(
        domain=DOMAIN,
        unique_id=IDS[2],
        data={CONF_HOST: "127.0.0.1", CONF_DEVICE_ID: IDS[2], CONF_LOCAL_KEY: "b" * 16},
    )
    by_hand.add_to_hass(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", "advanced": {CONF_PORT: sims[2].port}}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "devices_added"
    assert result["description_placeholders"] == {"count": "1"}
    await hass.async_block_till_done()
    added = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, IDS[1])
    assert added is not None
    assert added.data[CONF_LOCAL_KEY] == KEYS[1]
    assert [e for e in hass.config_entries.async_entries(DOMAIN) if e.unique_id == IDS[2]] == [
        by_hand
    ]
    await unload_all(hass)


async def test_account_gone_before_its_devices_are_listed(
    hass: HomeAssistant, cloud: FakeTuyaCloud
) -> None:
    """The menu offered the account's devices, then the account was unloaded: the flow
    ends saying no account is linked."""
    account = await add_account(hass, cloud.url)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "account_devices" in result["menu_options"]
    assert await hass.config_entries.async_unload(account.entry_id)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "account_devices"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_account"


async def test_discovered_card_when_the_account_cannot_answer(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """The account's cloud fails: the card asks for the key, as without an account."""
    await add_account(hass, cloud.url)
    cloud.fail(500, "the cloud is down", path="/v1.0/", times=1)
    sim = sims[1]
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "integration_discovery"},
        data={CONF_DEVICE_ID: sim.device_id, "ip": "127.0.0.1", "version": "3.4", "port": sim.port},
    )
    assert result["step_id"] == "discovery_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCAL_KEY: KEYS[1]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    await unload_all(hass)


async def test_discovered_card_after_a_listing_asks_the_cloud_nothing(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """Just after the account's devices were listed, a card uses that list."""
    await add_account(hass, cloud.url)
    result = await _pick_account_devices(hass)
    hass.config_entries.flow.async_abort(result["flow_id"])
    asked = len(cloud.requests)
    sim = sims[2]
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "integration_discovery"},
        data={CONF_DEVICE_ID: sim.device_id, "ip": "127.0.0.1", "version": "3.5", "port": sim.port},
    )
    assert result["step_id"] == "discovery_cloud"
    assert result["description_placeholders"]["name"] == "Plug 3"
    assert len(cloud.requests) == asked


@pytest.mark.parametrize(
    ("cloud_key", "logged"),
    [
        (None, "has no local key for this device"),
        (KEYS[1], "has the same key"),  # not updated yet after the re-pairing
        ("b" * 16, "does not open the device either"),
    ],
)
async def test_account_that_has_no_better_key_starts_reauth(
    hass: HomeAssistant,
    cloud: FakeTuyaCloud,
    sims: list[SimulatedDevice],
    caplog: pytest.LogCaptureFixture,
    cloud_key: str | None,
    logged: str,
) -> None:
    """The device rejects its key and the account has none that opens it: the user is
    asked (reauth), the log says why, and the entry keeps its key."""
    sim = sims[1]
    await add_account(hass, cloud.url)
    entry = await add_device(hass, sim)
    await wait_for(lambda: entry.runtime_data.device.connected)
    cloud.devices[sim.device_id].local_key = cloud_key
    sim.change_key(NEW_KEY)
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()))
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert logged in caplog.text
    assert entry.data[CONF_LOCAL_KEY] == KEYS[1]
    await unload_all(hass)


async def test_key_heals_without_a_model(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """An account that knows the key but no model: the key heals, the entry's model and
    category stay as they were."""
    sim = sims[1]
    for known in cloud.devices.values():  # models are asked once per product
        known.specs_error = known.model_error = 2009
    await add_account(hass, cloud.url)
    entry = await add_device(hass, sim)
    await wait_for(lambda: entry.runtime_data.device.connected)
    sim.change_key(NEW_KEY)
    await wait_for(lambda: entry.data[CONF_LOCAL_KEY] == NEW_KEY)
    assert CONF_MODEL not in entry.data
    assert CONF_CATEGORY not in entry.data
    await wait_for(lambda: entry.runtime_data.device.connected)
    await unload_all(hass)


async def test_reauth_from_account_tries_a_busy_device_again(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """Right after a re-pairing the device may still be busy with the old key's
    retries: the account's key is tried again before the user is told."""
    sim = sims[1]
    await add_account(hass, cloud.url)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=sim.device_id,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: sim.port,
            CONF_DEVICE_ID: sim.device_id,
            CONF_LOCAL_KEY: "a" * 16,
            CONF_PROTOCOL_VERSION: sim.version,
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    sim.occupy()  # the phone app holds the only connection, for now
    configure = hass.async_create_task(
        hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "reauth_cloud"}
        )
    )
    await wait_for(lambda: sim.refused >= 1)  # refused once, then waits to try again
    sim.release()  # the app lets go
    result = await configure
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert sim.refused == 1
    assert entry.data[CONF_LOCAL_KEY] == KEYS[1]
    await hass.async_block_till_done()
    await unload_all(hass)


# --- a cloud that answers what it likes (issue 14, section 1) ----------------------------------


async def test_a_stored_model_past_64_bits_is_stored_again_checked(
    hass: HomeAssistant, sims: list[SimulatedDevice], caplog: pytest.LogCaptureFixture
) -> None:
    """An entry an older version saved with the cloud's 1e20 in it: Home Assistant could
    not write core.config_entries any more. Setup stores the model checked."""
    sim = sims[0]
    huge = [
        {"dp_id": 1, "code": "switch_1", "type": "Boolean", "mode": "rw", "values": {}},
        {"dp_id": 18, "code": "cur_current", "type": "Integer", "values": {"max": 10**20}},
        {"dp_id": 20, "code": "cur_voltage", "type": "Integer", "values": {"scale": -(10**7)}},
        {"dp_id": 10**30, "code": "switch_2", "type": "Boolean", "values": {}},
    ]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Plug",
        unique_id=sim.device_id,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: sim.port,
            CONF_DEVICE_ID: sim.device_id,
            CONF_LOCAL_KEY: sim.local_key,
            CONF_PROTOCOL_VERSION: sim.version,
            CONF_CATEGORY: "cz",
            CONF_MODEL: huge,
        },
    )
    entry.add_to_hass(hass)
    with pytest.raises(TypeError, match="64-bit"):
        json_bytes(dict(entry.data))
    started = time.monotonic()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert time.monotonic() - started < 5
    assert entry.state is ConfigEntryState.LOADED
    json_bytes(entry.as_storage_fragment)  # what core.config_entries writes
    assert [dp["dp_id"] for dp in entry.data[CONF_MODEL]] == [1, 18, 20]
    assert "held values no Tuya device has" in caplog.text
    await unload_all(hass)


async def test_healing_against_a_cloud_that_answers_nonsense(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """A listing whose error code is a list once killed key healing with a TypeError:
    no reauth, and the cloud asked again at every reconnect (40 requests in 10 s). Now
    the user is asked, and the cloud is left alone."""
    sim = sims[1]
    await add_account(hass, cloud.url)
    entry = await add_device(hass, sim)

    async def nonsense(_: web.Request) -> web.StreamResponse:
        return web.json_response({"success": False, "code": [1010], "msg": {"a": [1]}})

    cloud.answer_with("/v1.0/iot-01/", nonsense)
    sim.change_key(NEW_KEY)
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()))
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH
    asked = [path for _, path in cloud.requests if path.startswith("/v1.0/iot-01/")]
    # The device keeps reconnecting (and failing) meanwhile: no more cloud requests.
    failures = entry.runtime_data.health.failures
    await wait_for(lambda: entry.runtime_data.health.failures >= failures + 3)
    assert [path for _, path in cloud.requests if path.startswith("/v1.0/iot-01/")] == asked
    assert len(asked) == 1
    assert entry.data[CONF_LOCAL_KEY] == KEYS[1]
    await unload_all(hass)


async def test_healing_asks_the_cloud_a_few_times_at_most(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """A device that keeps losing and finding its key while the account cannot help:
    the account is asked HEAL_MAX_ASKS times, then the user (reauth) straight away."""
    sim = sims[1]
    await add_account(hass, cloud.url)
    entry = await add_device(hass, sim)
    cloud.fail(
        28841002, "No permissions. Your subscription has expired.", path="/v1.0/iot-01/", times=100
    )

    def listings() -> int:
        return sum(1 for _, path in cloud.requests if path.startswith("/v1.0/iot-01/"))

    for attempt in range(HEAL_MAX_ASKS + 2):
        sim.change_key(NEW_KEY)
        await wait_for(lambda: bool(hass.config_entries.flow.async_progress()))
        assert listings() == min(attempt + 1, HEAL_MAX_ASKS)
        sim.change_key(KEYS[1])  # it had the old key after all: back, the reauth withdrawn
        await wait_for(
            lambda: (
                entry.runtime_data.device.connected
                and not hass.config_entries.flow.async_progress()
            )
        )
    assert listings() == HEAL_MAX_ASKS
    await unload_all(hass)


async def test_linking_a_cloud_that_answers_nonsense(
    hass: HomeAssistant, cloud: FakeTuyaCloud
) -> None:
    """JSON nested past the parser, a redirect elsewhere: a form error, never a crash."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "developer"}
    )
    form = {
        "access_id": ACCESS_ID,
        "access_secret": ACCESS_SECRET,
        "region": "eu",
        "advanced": {"endpoint": cloud.url},
    }

    async def deep(_: web.Request) -> web.StreamResponse:
        return web.Response(text="[" * 200_000 + "]" * 200_000, content_type="application/json")

    async def redirect(_: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": "http://192.0.2.1/steal"})

    for answer in (deep, redirect):
        cloud.answer_with("/v1.0/iot-01/", answer)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "cloud_unreachable"}
    cloud.answer_with("/v1.0/iot-01/", None)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["step_id"] == "account_devices"
    hass.config_entries.flow.async_abort(result["flow_id"])


@pytest.mark.parametrize("index", [0, 1, 2])  # 3.3, 3.4 and 3.5
async def test_a_key_that_heals_raises_no_repair_and_says_what_it_does(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice], index: int
) -> None:
    """Issue 19 items 1 and 2: while the linked account heals the key, no "rejects its
    local key" repair flashes, and the Connection sensor says the key is being checked,
    never "Unreachable" or "Busy with another client" (with the shipped availability
    grace: the re-keyed device closes its connection first)."""
    sim = sims[index]
    await add_account(hass, cloud.url)
    with patch("custom_components.tuya_lan.coordinator.AVAILABILITY_GRACE", AVAILABILITY_GRACE):
        entry = await add_device(hass, sim)
    connection = f"sensor.tuya_{sim.device_id[-4:]}_connection"
    await wait_for(lambda: hass.states.get(connection).state == "connected")
    issues: list[dict[str, Any]] = []
    states: list[str] = []
    hass.bus.async_listen(ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED, lambda e: issues.append(e.data))

    @callback
    def _on_state(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            states.append(state.state)

    async_track_state_change_event(hass, connection, _on_state)

    sim.change_key(NEW_KEY)
    await wait_for(lambda: entry.data[CONF_LOCAL_KEY] == NEW_KEY)
    await wait_for(lambda: hass.states.get(connection).state == "connected")
    await hass.async_block_till_done()
    assert issues == []
    assert "checking_key" in states
    assert set(states) <= {"connecting", "checking_key", "connected"}, states
    assert states[-1] == "connected"
    await unload_all(hass)


# --- one prover for every path of the flow (flow_proof.async_prove) ----------------------


def _reports_only_changes(sim: SimulatedDevice) -> SimulatedDevice:
    """A 3.4/3.5 device that acks the status query with nothing: its handshake proved
    the key, and it reports its state only when something changes."""
    sim.quirks.reports_only_changes = sim.quirks.ignores_refresh = True
    return sim


async def test_reauth_from_the_account_saves_a_device_without_status(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """The key fetched from the account is proven as a typed key is: a 3.5 device that
    sends no status proved it with its handshake, so it is saved (not "no_status")."""
    sim = _reports_only_changes(sims[2])
    await add_account(hass, cloud.url)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Plug",
        unique_id=sim.device_id,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: sim.port,
            CONF_DEVICE_ID: sim.device_id,
            CONF_LOCAL_KEY: "a" * 16,
            CONF_PROTOCOL_VERSION: sim.version,
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reauth_cloud"}
    )
    assert result["type"] is FlowResultType.ABORT, result.get("errors")
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_LOCAL_KEY] == KEYS[2]
    assert entry.data[CONF_MODEL]  # the account's model came with the key
    await hass.async_block_till_done()
    await unload_all(hass)


async def test_account_devices_adds_a_device_without_status(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """Adding from the account proves by the same rules: the 3.5 device that sends no
    status is added with its detected version, not reported as failed."""
    sim = _reports_only_changes(sims[2])
    await add_account(hass, cloud.url)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "account_devices"}
    )
    assert result["step_id"] == "account_devices"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"devices": [sim.device_id]}
    )
    assert result["step_id"] == "account_address"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", "advanced": {CONF_PORT: sim.port}}
    )
    assert result["type"] is FlowResultType.ABORT, result.get("description_placeholders")
    assert result["reason"] == "devices_added"
    assert result["description_placeholders"] == {"count": "1"}
    await hass.async_block_till_done()
    (entry,) = device_entries(hass)
    assert entry.unique_id == sim.device_id
    assert entry.data[CONF_PROTOCOL_VERSION] == "3.5"
    assert entry.data[CONF_LOCAL_KEY] == KEYS[2]
    assert entry.state is ConfigEntryState.LOADED
    await unload_all(hass)


async def test_entry_kinds_are_told_apart_once(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """An account entry is an account (with its client), a device entry is not."""
    account = await add_account(hass, cloud.url)
    device = MockConfigEntry(
        domain=DOMAIN, unique_id=sims[0].device_id, data={CONF_DEVICE_ID: sims[0].device_id}
    )
    device.add_to_hass(hass)
    assert is_account_entry(account)
    assert not is_account_entry(device)
    assert device_entries(hass) == [device]
    assert loaded_accounts(hass) == [(account, account.runtime_data)]
    await unload_all(hass)
    assert loaded_accounts(hass) == []


@pytest.mark.parametrize(
    ("cloud_key", "healed"),
    [(NEW_KEY, True), ("b" * 16, False)],  # the device's new key; a stale one
    ids=["right", "stale"],
)
async def test_3_1_key_from_the_account_is_proven_before_it_is_saved(
    hass: HomeAssistant,
    cloud: FakeTuyaCloud,
    caplog: pytest.LogCaptureFixture,
    cloud_key: str,
    healed: bool,
) -> None:
    """A 3.1 device reads its status in plaintext with any key (issue 14 §2): a key from
    the account is saved only once the device proved it (its report of a same-value
    write); a key it cannot prove is never saved as healed, and the user is asked."""
    sim = SimulatedDevice("bf00000000000000aa31", KEYS[0], "3.1", tick_interval=None, seed=1)
    await sim.start()
    try:
        cloud.add_device(cloud_device_for(sim, uid=UID, name="Plug 31"))
        cloud.devices[sim.device_id].local_key = cloud_key
        await add_account(hass, cloud.url)
        entry = await add_device(hass, sim)
        coordinator = entry.runtime_data
        await wait_for(lambda: coordinator.device.connected)
        sim.change_key(NEW_KEY)  # re-paired; drops the session
        # It reconnects at once (plaintext status); its next push, encrypted with the
        # new key, proves the entry's key wrong and sends the integration to the account.
        await wait_for(lambda: coordinator.health.reconnects >= 1 and coordinator.device.connected)
        sim.set_dps({"1": False})
        if healed:
            await wait_for(lambda: entry.data[CONF_LOCAL_KEY] == NEW_KEY)
            assert sim.dps["1"] is False  # the proof wrote the value the relay held
        else:
            await wait_for(
                lambda: (
                    bool(hass.config_entries.flow.async_progress())
                    or entry.data[CONF_LOCAL_KEY] != KEYS[0]
                )
            )
            assert entry.data[CONF_LOCAL_KEY] == KEYS[0]
            assert "has a new local key" not in caplog.text
            (flow,) = hass.config_entries.flow.async_progress()
            assert flow["context"]["source"] == SOURCE_REAUTH
        await unload_all(hass)
    finally:
        await sim.stop()
