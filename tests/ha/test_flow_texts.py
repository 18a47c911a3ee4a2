"""What the account flow says (issue 19 items 8 and 9): lists without empty lines, a
summary of what was added and what was not (and why), a QR message without the cloud's
code, the account entry's note that deleting it keeps the devices, and diagnostics
that count the devices its flow just listed."""

# The Chinese texts' full-width colons and brackets are what these tests check.
# ruff: noqa: RUF001

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
from custom_components.tuya_lan.flow_texts import FlowTexts
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
    # A list under its heading, one device a line (markdown bullets: no comma or
    # semicolon of one language); the heading's colon and the line's are translated.
    assert placeholders["added_line"] == "\n\nAlready added:\n- Plug 1"
    assert placeholders["failed_line"] == (
        "\n\nDid not answer as themselves:\n- Plug gone (127.0.0.1): "
        + STRINGS["config"]["error"]["cannot_connect"]
    )
    assert placeholders["missing_line"] == ""

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"devices": []})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "account_linked"
    placeholders = result["description_placeholders"]
    assert placeholders["count"] == "1"
    assert placeholders["not_added_line"].startswith("\n\nNot added:\n- Plug gone (127.0.0.1): ")
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


async def test_the_lists_are_worded_and_punctuated_in_the_users_language(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sim: SimulatedDevice
) -> None:
    """Chinese: the headings and "name: why" take the full-width colon and brackets of
    zh-Hans, and why a device did not answer is the form's own translated text; no
    ASCII ": " is joined in by the flow."""
    hass.config.language = "zh-Hans"
    chinese = json.loads(
        (
            Path(__file__).parents[2] / "custom_components/tuya_lan/translations/zh-Hans.json"
        ).read_text(encoding="utf-8")
    )
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
    options = result["data_schema"].schema["devices"].config["options"]
    assert {option["label"] for option in options} == {
        "Plug 1：未在局域网中发现（接下来请填写其地址）",
        "Plug gone：未在局域网中发现（接下来请填写其地址）",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"devices": [sim.device_id, "bf00000000000000aa09"]}
    )
    with closed_port() as nothing_there:
        for port in (sim.port, nothing_there):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "127.0.0.1", "advanced": {CONF_PORT: port}}
            )
    placeholders = result["description_placeholders"]
    assert placeholders["added_line"] == "\n\n已添加：\n- Plug 1"
    assert placeholders["failed_line"] == (
        "\n\n应答的不是设备本身：\n- Plug gone（127.0.0.1）："
        + chinese["config"]["error"]["cannot_connect"]
    )
    assert ": " not in placeholders["added_line"] + placeholders["failed_line"]
    for entry in hass.config_entries.async_entries():
        await hass.config_entries.async_unload(entry.entry_id)


def test_a_template_fills_its_placeholders_by_name_only() -> None:
    """A device's name is never read as a template, whatever braces it holds; an empty
    list says nothing."""
    texts = FlowTexts({"item": "{name}：{detail}", "added": "已添加："}, {}, {})
    assert texts.item("{detail} lamp", "{name}") == "{detail} lamp：{name}"
    assert texts.list_line("added", []) == ""
    assert texts.list_line("added", ["a", "b"]) == "\n\n已添加：\n- a\n- b"


def test_the_qr_pending_message_has_no_cloud_code() -> None:
    """'Not approved yet' is the whole message: no "(cloud error QR_PENDING: ...)"."""
    pending = STRINGS["config"]["error"]["cloud_qr_pending"]
    assert "{error}" not in pending
    assert "not been approved yet" in pending
