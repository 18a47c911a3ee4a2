"""What the account flow says (issue 19 items 8 and 9): lists without empty lines, a
summary of what was added and what was not (and why), a QR message without the cloud's
code, the account entry's note that deleting it keeps the devices, and diagnostics
that count the devices its flow just listed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.tuya_lan.const import DOMAIN
from custom_components.tuya_lan.diagnostics import async_get_config_entry_diagnostics
from tuya_sim import SimulatedDevice
from tuya_sim.cloud import FakeTuyaCloud, cloud_device_for

from .common import ACCESS_ID, ACCESS_SECRET, closed_port

UID = "eu1700000000000aaaaa"
STRINGS = json.loads(
    (Path(__file__).parents[2] / "custom_components/tuya_lan/strings.json").read_text()
)


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[SimulatedDevice]:
    device = SimulatedDevice("bf00000000000000aa01", "0123456789abcdef", "3.3", tick_interval=None)
    await device.start()
    yield device
    await device.stop()


@pytest.fixture
async def cloud(sim: SimulatedDevice) -> AsyncIterator[FakeTuyaCloud]:
    """The account: the simulated plug, and one whose simulator is not running."""
    fake = FakeTuyaCloud(ACCESS_ID, ACCESS_SECRET)
    fake.add_device(cloud_device_for(sim, uid=UID, name="Plug 1"))
    gone = SimulatedDevice("bf00000000000000aa09", "0123456789abcdef", "3.3")
    fake.add_device(cloud_device_for(gone, uid=UID, name="Plug gone"))
    await fake.start()
    yield fake
    await fake.stop()


async def test_linking_ends_with_what_was_added_and_what_was_not(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sim: SimulatedDevice
) -> None:
    """Empty lists leave no "-" line; the link ends saying how many were added and which
    not and why; the new account entry's diagnostics count the devices just listed."""
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
    placeholders = result["description_placeholders"]
    assert (placeholders["added_line"], placeholders["missing_line"]) == ("", "")
    assert placeholders["failed_line"] == ""
    description = STRINGS["config"]["step"]["account_devices"]["description"]
    assert "{added_line}{missing_line}{failed_line}" in description
    assert ": -" not in description

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"devices": [sim.device_id, "bf00000000000000aa09"]}
    )
    with closed_port() as nothing_there:
        for port in (sim.port, nothing_there):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "127.0.0.1", "advanced": {CONF_PORT: port}}
            )
    assert result["step_id"] == "account_devices"
    placeholders = result["description_placeholders"]
    assert placeholders["added_line"] == "\n\nAlready added: Plug 1"
    assert placeholders["failed_line"].startswith("\n\nDid not answer as themselves: Plug gone")
    assert placeholders["missing_line"] == ""

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"devices": []})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "account_linked"
    placeholders = result["description_placeholders"]
    assert placeholders["count"] == "1"
    assert placeholders["not_added_line"].startswith("\n\nNot added: Plug gone (127.0.0.1)")
    text = STRINGS["config"]["create_entry"]["account_linked"]
    assert "{count}" in text
    assert "{not_added_line}" in text
    assert "deleting it later keeps every device" in text

    await hass.async_block_till_done()
    diagnostics = await async_get_config_entry_diagnostics(hass, result["result"])
    assert diagnostics["devices_listed"] == 2
    assert diagnostics["devices_with_key"] == 2
    for entry in hass.config_entries.async_entries():
        await hass.config_entries.async_unload(entry.entry_id)


def test_the_qr_pending_message_has_no_cloud_code() -> None:
    """'Not approved yet' is the whole message: no "(cloud error QR_PENDING: ...)"."""
    pending = STRINGS["config"]["error"]["cloud_qr_pending"]
    assert "{error}" not in pending
    assert "not been approved yet" in pending
