"""The Smart Life link with the real tuya-device-sharing-sdk, end to end: the fake
Smart Life API (tuya_sim.sharing, which verifies every signed request and decrypts every
payload) and simulated devices on 127.0.0.1. The SDK runs unchanged; only its login
host and the CA it trusts are pointed at the fake (tuya_sim.sharing.sdk_pointed_at).

Blocking I/O in the event loop raises here, as in a real Home Assistant: the SDK must
run in the executor."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.account import async_find_device
from custom_components.tuya_lan.const import (
    CONF_CATEGORY,
    CONF_LOCAL_KEY,
    CONF_MODEL,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.tuyalan import CloudSessionError, DpModel
from tuya_sim import SimulatedDevice
from tuya_sim.cloud import FakeCloudDevice, cloud_device_for
from tuya_sim.sharing import FakeSmartLifeCloud, sdk_pointed_at

from . import test_cloud
from .test_cloud import IDS, KEYS, NEW_KEY, add_device, unload_all, wait_for

# test_cloud's fixtures: the simulated plugs, and (autouse) blocking calls in the event
# loop raise, reconnects are quick.
sims = test_cloud.sims
detect_blocking_calls = test_cloud.detect_blocking_calls
fast_backoff = test_cloud.fast_backoff

USER_CODE = "Ab12Cd"
HUB_ID = "bf00000000000000aa09"


@pytest.fixture
async def fake(sims: list[SimulatedDevice]) -> AsyncIterator[FakeSmartLifeCloud]:
    """The fake Smart Life account holding the simulated plugs and a keyless hub; the
    SDK pointed at it."""
    cloud = FakeSmartLifeCloud(USER_CODE, username="demo@example.com")
    for number, device in enumerate(sims, start=1):
        cloud.add_device(cloud_device_for(device, uid=cloud.uid, name=f"Plug {number}"))
    cloud.add_device(FakeCloudDevice(HUB_ID, "Hub", None, uid=cloud.uid, category="wg2"))
    async with cloud:
        with sdk_pointed_at(cloud):
            yield cloud


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def no_secrets(fake: FakeSmartLifeCloud, text: str, *keys: str) -> None:
    for secret in (*fake.issued, *KEYS, *keys):
        assert secret not in text


def account_entry(fake: FakeSmartLifeCloud, login: dict[str, Any]) -> MockConfigEntry:
    """A Smart Life account entry as the flow saves it, from a session of the fake."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Smart Life",
        unique_id=f"account_{fake.uid}",
        data={
            "entry_type": "account",
            "kind": "smart_life",
            "user_code": USER_CODE,
            "terminal_id": login["terminal_id"],
            "endpoint": login["endpoint"],
            "token_info": {
                key: login[key]
                for key in ("t", "uid", "expire_time", "access_token", "refresh_token")
            },
        },
    )


async def test_link_by_qr_and_add_a_device(
    hass: HomeAssistant,
    fake: FakeSmartLifeCloud,
    sims: list[SimulatedDevice],
    debug_log: pytest.LogCaptureFixture,
) -> None:
    """Wrong User Code; QR shown; not scanned yet; expired (a new QR); approved: the
    account's devices are offered with their keys and models, one is added (proven on
    the LAN) with no key typed, and the account is saved."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "smart_life"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"user_code": "wrong"}
    )
    assert result["errors"] == {"base": "cloud_user_code"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"user_code": USER_CODE}
    )
    assert result["step_id"] == "scan"
    qr = result["data_schema"].schema["qr"].config["data"]
    assert qr == f"tuyaSmart--qrLogin?token={fake.qr_codes[-1]}"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cloud_qr_pending"}

    fake.expire_qr()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cloud_qr_expired"}
    assert len(fake.qr_codes) == 2
    assert result["data_schema"].schema["qr"].config["data"].endswith(fake.qr_codes[-1])

    fake.approve()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "account_devices"
    options = result["data_schema"].schema["devices"].config["options"]
    assert [option["value"] for option in options] == list(IDS)
    assert "Hub: the cloud has no local key" in result["description_placeholders"]["missing_line"]

    sim = sims[1]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"devices": [sim.device_id]}
    )
    assert result["step_id"] == "account_address"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "advanced": {"port": sim.port}}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Smart Life: demo@example.com"
    account = result["result"]
    assert account.unique_id == f"account_{fake.uid}"
    assert account.data["endpoint"] == fake.url
    assert account.data["token_info"]["refresh_token"] in fake.issued
    await hass.async_block_till_done()
    assert account.state is ConfigEntryState.LOADED

    (device,) = [e for e in hass.config_entries.async_entries(DOMAIN) if e is not account]
    assert device.unique_id == sim.device_id
    assert device.state is ConfigEntryState.LOADED
    assert device.data[CONF_LOCAL_KEY] == KEYS[1]
    assert device.data[CONF_PROTOCOL_VERSION] == sim.version
    assert device.data[CONF_CATEGORY] == "cz"
    model = {dp.dp_id: dp for dp in map(DpModel.from_dict, device.data[CONF_MODEL])}
    assert (model[1].code, model[1].type, model[1].mode) == ("switch_1", "Boolean", "rw")
    assert (model[19].code, model[19].scale, model[19].unit) == ("cur_power", 1, "W")

    assert fake.rejected_signatures == 0
    no_secrets(fake, debug_log.text)
    await unload_all(hass)


async def test_token_refresh_is_saved(
    hass: HomeAssistant, fake: FakeSmartLifeCloud, debug_log: pytest.LogCaptureFixture
) -> None:
    """A session whose access token ran out (in the SDK's eyes and the cloud's): the SDK
    refreshes it first, and the entry keeps the new pair."""
    login = fake.login()
    login["t"] = int(time.time() * 1000) - (fake.token_lifetime + 10) * 1000
    fake.expire_tokens()
    entry = account_entry(fake, login)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    device = await async_find_device(hass, IDS[0], max_age=0)
    assert device.local_key == KEYS[0]
    await hass.async_block_till_done()
    assert fake.refreshes == 1
    token_info = entry.data["token_info"]
    assert token_info["refresh_token"] != login["refresh_token"]
    assert token_info["refresh_token"] == fake.issued[-1]
    assert token_info["t"] > login["t"]
    no_secrets(fake, debug_log.text)

    # Removing the account ends its session in the cloud.
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert (fake.logouts, fake.sessions) == (1, 0)


async def test_revoked_session_asks_to_link_again(
    hass: HomeAssistant, fake: FakeSmartLifeCloud
) -> None:
    """The app ended the session: the cloud cannot verify our requests (sign invalid),
    which reads as "link the account again"."""
    entry = account_entry(fake, fake.login())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    fake.revoke_sessions()
    with pytest.raises(CloudSessionError):
        await async_find_device(hass, IDS[0], max_age=0)
    await hass.async_block_till_done()
    assert fake.rejected_signatures == 1
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == "reauth"
    await unload_all(hass)


async def test_key_heals_from_the_smart_life_account(
    hass: HomeAssistant,
    fake: FakeSmartLifeCloud,
    sims: list[SimulatedDevice],
    debug_log: pytest.LogCaptureFixture,
) -> None:
    """Re-paired while running: the new key comes from the Smart Life account."""
    entry = account_entry(fake, fake.login())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    sim = sims[2]
    device = await add_device(hass, sim)
    switch = f"switch.tuya_{sim.device_id[-4:]}"
    await wait_for(lambda: hass.states.get(switch).state == "on")

    sim.change_key(NEW_KEY)
    await wait_for(lambda: device.data[CONF_LOCAL_KEY] == NEW_KEY)
    await wait_for(lambda: device.runtime_data.device.connected)
    await hass.async_block_till_done()
    assert hass.states.get(switch).state == "on"
    assert hass.config_entries.flow.async_progress() == []
    no_secrets(fake, debug_log.text, NEW_KEY)
    await unload_all(hass)
