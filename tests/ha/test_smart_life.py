"""The Smart Life QR login, with tuya-device-sharing-sdk faked at its Python API
(LoginControl, Manager): its real endpoints cannot be reached offline."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Generator
from types import SimpleNamespace
from typing import Any
from unittest.mock import MagicMock, patch

import pytest
import requests
from homeassistant.config_entries import SOURCE_USER, ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from tuya_sharing.exceptions import ApiRequestException

from custom_components.tuya_lan.account import async_find_device
from custom_components.tuya_lan.account_secrets import SECRETS_FILTER
from custom_components.tuya_lan.account_smart_life import SmartLifeLogin
from custom_components.tuya_lan.const import DOMAIN, TUYA_CLIENT_ID, TUYA_SCHEMA
from custom_components.tuya_lan.diagnostics import async_get_config_entry_diagnostics
from custom_components.tuya_lan.tuyalan import CloudSessionError

from .common import DEVICE_ID, entry_data

USER_CODE = "Ab12Cd"
ACCESS_TOKEN = "3f4eda2bdec17232f67c0b188af3eec1"
REFRESH_TOKEN = "d714e4d55c918bca5e199f10232cc5cd"
LOCAL_KEY = "0123456789abcdef"
LOGIN = {
    "access_token": ACCESS_TOKEN,
    "refresh_token": REFRESH_TOKEN,
    "expire_time": 7200,
    "uid": "eu1700000000000aaaaa",
    "username": "someone@example.com",
    "terminal_id": "terminal-1",
    "endpoint": "https://apigw.tuyaeu.com",
    "t": 1700000000000,
}


def sdk_device(device_id: str, name: str, local_key: str | None, **extra: Any) -> SimpleNamespace:
    """A CustomerDevice as tuya-device-sharing-sdk 0.2.15 builds it."""
    fields: dict[str, Any] = {
        "id": device_id,
        "name": name,
        "category": "cz",
        "product_id": "plugproduct00001",
        "product_name": "Smart plug",
        "online": True,
        "support_local": True,
        "local_strategy": {
            1: {
                "value_convert": "default",
                "status_code": "switch_1",
                "config_item": {
                    "statusFormat": "{}",
                    "valueDesc": json.dumps({}),
                    "valueType": "Boolean",
                    "enumMappingMap": {},
                    "pid": "plugproduct00001",
                },
            }
        },
        "function": {"switch_1": SimpleNamespace(code="switch_1", name="Switch")},
        "status_range": {"switch_1": SimpleNamespace(code="switch_1")},
        **extra,
    }
    if local_key is not None:
        fields["local_key"] = local_key
    return SimpleNamespace(**fields)


class FakeSdk:
    """Stands in for LoginControl and Manager; each call checks it runs off the loop."""

    def __init__(self) -> None:
        self.qr_answers: list[dict[str, Any]] = []
        self.results: list[tuple[bool, dict[str, Any]]] = []
        self.devices = [
            sdk_device("bf00000000000000aa01", "Desk plug", LOCAL_KEY),
            sdk_device("bf00000000000000aa02", "Door sensor", LOCAL_KEY, node_id="a4c1", sub=True),
            sdk_device("bf00000000000000aa03", "Hub", None),
            sdk_device(DEVICE_ID, "Already here", LOCAL_KEY),
        ]
        self.cache_error: BaseException | None = None
        self.qr_error: BaseException | None = None
        self.unload_error: BaseException | None = None
        self.managers: list[dict[str, Any]] = []
        self.unloaded = 0
        self.issued = 0  # QR codes handed out: qr-token-1, qr-token-2, ...

    def login_control(self) -> MagicMock:
        control = MagicMock()
        control.qr_code.side_effect = self.qr_code
        control.login_result.side_effect = self.login_result
        return control

    def qr_code(self, client_id: str, schema: str, user_code: str) -> dict[str, Any]:
        assert (client_id, schema) == (TUYA_CLIENT_ID, TUYA_SCHEMA)
        if self.qr_error is not None:
            error, self.qr_error = self.qr_error, None
            raise error
        if self.qr_answers:
            return self.qr_answers.pop(0)
        self.issued += 1
        return {"success": True, "result": {"qrcode": f"qr-token-{self.issued}"}, "t": 1}

    def login_result(
        self, token: str, client_id: str, user_code: str
    ) -> tuple[bool, dict[str, Any]]:
        assert client_id == TUYA_CLIENT_ID
        assert user_code == USER_CODE
        return self.results.pop(0)

    def manager(self, *args: Any) -> MagicMock:
        *_, token_info, listener = args  # client id, user code, terminal id, endpoint
        self.managers.append({"token_info": token_info, "listener": listener})
        manager = MagicMock()
        manager.device_map = {}

        def update_device_cache() -> None:
            if self.cache_error is not None:
                raise self.cache_error
            manager.device_map = {device.id: device for device in self.devices}

        def unload() -> None:
            if self.unload_error is not None:
                raise self.unload_error
            self.unloaded += 1

        manager.update_device_cache.side_effect = update_device_cache
        manager.unload.side_effect = unload
        return manager


@pytest.fixture
def sdk() -> Generator[FakeSdk]:
    fake = FakeSdk()
    with (
        patch(
            "custom_components.tuya_lan.account_smart_life.LoginControl",
            side_effect=fake.login_control,
        ),
        patch("custom_components.tuya_lan.account_smart_life.Manager", side_effect=fake.manager),
    ):
        yield fake


async def start_smart_life(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "smart_life"}
    )


async def test_qr_login(
    hass: HomeAssistant, sdk: FakeSdk, caplog: pytest.LogCaptureFixture
) -> None:
    """User Code, QR shown; not approved yet; expired (a new QR); approved: the devices
    are listed (the sub-device and the keyless hub with their reasons) and the account
    is saved once."""
    caplog.set_level(logging.DEBUG)
    # A device already added (disabled: its setup is not what this test is about).
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEVICE_ID,
        data=entry_data(),
        disabled_by=ConfigEntryDisabler.USER,
    ).add_to_hass(hass)
    result = await start_smart_life(hass)
    assert result["step_id"] == "smart_life"
    sdk.qr_answers.append(
        {"success": False, "code": "USERCODE_INCORRECT", "msg": "User Code Incorrect"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"user_code": "nope"}
    )
    assert result["errors"] == {"base": "cloud_user_code"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"user_code": f" {USER_CODE} "}
    )
    assert result["step_id"] == "scan"
    qr = result["data_schema"].schema["qr"].config
    assert qr["data"] == "tuyaSmart--qrLogin?token=qr-token-1"

    sdk.results.append((False, {"success": False, "code": "UNKNOWN", "msg": "not scanned"}))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cloud_qr_pending"}
    assert result["data_schema"].schema["qr"].config["data"].endswith("qr-token-1")

    sdk.results.append((False, {"success": False, "code": "E0020002", "msg": "QR code expired"}))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cloud_qr_expired"}
    assert result["data_schema"].schema["qr"].config["data"].endswith("qr-token-2")

    sdk.results.append((True, dict(LOGIN)))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "account_devices"
    placeholders = result["description_placeholders"]
    assert placeholders["added_line"] == "\n\nAlready added:\n- Already here"
    assert "\n- Door sensor: a sub-device" in placeholders["missing_line"]
    assert "\n- Hub: the cloud has no local key" in placeholders["missing_line"]
    options = result["data_schema"].schema["devices"].config["options"]
    assert [o["value"] for o in options] == ["bf00000000000000aa01"]

    # The SDK refreshes the session while the list is open (on a worker thread): the
    # entry must save the new tokens, the login's refresh token being spent by then.
    refreshed = {**sdk.managers[-1]["token_info"], "refresh_token": "r" * 32}
    await hass.async_add_executor_job(sdk.managers[-1]["listener"].update_token, refreshed)
    await hass.async_block_till_done()

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"devices": []})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Smart Life: someone@example.com"
    entry = result["result"]
    assert entry.unique_id == "account_eu1700000000000aaaaa"
    assert entry.data["token_info"]["refresh_token"] == "r" * 32
    assert entry.data["user_code"] == USER_CODE
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # Its diagnostics redact every credential.
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(diagnostics)
    for secret in (ACCESS_TOKEN, REFRESH_TOKEN, USER_CODE, "someone@example.com", "terminal-1"):
        assert secret not in text
    assert diagnostics["kind"] == "smart_life"
    for secret in (ACCESS_TOKEN, REFRESH_TOKEN, LOCAL_KEY):
        assert secret not in caplog.text

    # The same account again: already linked.
    result = await start_smart_life(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"user_code": USER_CODE}
    )
    sdk.results.append((True, dict(LOGIN)))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_qr_login_failures(hass: HomeAssistant, sdk: FakeSdk) -> None:
    """Network failures and an expired code that cannot be renewed say so; no entry."""
    result = await start_smart_life(hass)
    sdk.qr_error = requests.ConnectionError("https://x/token/secret")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"user_code": USER_CODE}
    )
    assert result["errors"] == {"base": "cloud_unreachable"}
    assert "secret" not in result["description_placeholders"]["error"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"user_code": USER_CODE}
    )
    assert result["step_id"] == "scan"
    sdk.results.append((False, {"code": "E0020002", "msg": "expired"}))
    sdk.qr_answers.append(
        {"success": False, "code": "USERCODE_INCORRECT", "msg": "User Code Incorrect"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "smart_life"
    assert result["errors"] == {"base": "cloud_user_code"}
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_account_session_refresh_relink_and_removal(
    hass: HomeAssistant, sdk: FakeSdk
) -> None:
    """Refreshed tokens are stored; an ended session asks to link again (reauth by QR);
    removal ends the session in the cloud."""
    data = {
        "entry_type": "account",
        "kind": "smart_life",
        "user_code": USER_CODE,
        "terminal_id": "terminal-1",
        "endpoint": "https://apigw.tuyaeu.com",
        "token_info": {
            k: LOGIN[k] for k in ("t", "uid", "expire_time", "access_token", "refresh_token")
        },
    }
    entry = MockConfigEntry(
        domain=DOMAIN, title="Smart Life", unique_id="account_eu1700000000000aaaaa", data=data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    account = entry.runtime_data
    assert set(await account.async_devices()) == {device.id for device in sdk.devices}
    # The SDK refreshes on a worker thread; the entry follows.
    listener = sdk.managers[0]["listener"]
    new = {**data["token_info"], "access_token": "a" * 32, "refresh_token": "b" * 32}
    await hass.async_add_executor_job(listener.update_token, new)
    await hass.async_block_till_done()
    assert entry.data["token_info"]["refresh_token"] == "b" * 32
    assert "b" * 32 in SECRETS_FILTER.secrets

    # A revoked session: "sign invalid" means link again.
    sdk.cache_error = ApiRequestException(error_code="1004", error_message="sign invalid")
    with pytest.raises(CloudSessionError):
        await async_find_device(hass, "bf00000000000000aa01", max_age=0)
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == "reauth"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["step_id"] == "smart_life"
    sdk.cache_error = None
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"user_code": USER_CODE}
    )
    sdk.results.append((True, dict(LOGIN)))
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["reason"] == "account_relinked"

    assert await hass.config_entries.async_remove(entry.entry_id)
    assert sdk.unloaded == 1


async def test_sdk_debug_dumps_are_kept_out_of_the_log(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """The SDK's own debug lines carry decrypted answers and token URLs."""
    SmartLifeLogin(hass)  # the filter comes with the first use of the SDK
    caplog.set_level(logging.DEBUG, logger="tuya_sharing")
    logger = logging.getLogger("tuya_sharing")  # the SDK logs on its package logger
    logger.debug("response ret = %s", {"local_key": LOCAL_KEY})
    logger.error(
        "net work error = %s", f"Max retries exceeded with url: /v1.0/m/token/{REFRESH_TOKEN}"
    )
    assert LOCAL_KEY not in caplog.text
    assert REFRESH_TOKEN not in caplog.text
    assert "/v1.0/m/token/***" in caplog.text


def test_importing_the_integration_leaves_the_sdk_loggers_alone() -> None:
    """The filter is installed by the first login or account, not at import: an install
    without a Smart Life account keeps global logging as it was."""
    script = """if True:
        import json, logging
        from custom_components.tuya_lan import account_secrets, account_smart_life
        loggers = [logging.getLogger(name) for name in ("tuya_sharing", "urllib3.connectionpool")]
        at_import = [len(logger.filters) for logger in loggers]
        account_smart_life.SmartLifeLogin(None)
        account_smart_life.SmartLifeLogin(None)
        in_use = [logger.filters.count(account_secrets.SECRETS_FILTER) for logger in loggers]
        print(json.dumps([at_import, in_use]))
    """
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(run.stdout) == [[0, 0], [1, 1]]


async def test_qr_login_odd_answers(hass: HomeAssistant, sdk: FakeSdk) -> None:
    """Answers the SDK passes on unchecked (not an object, no QR code, a login without
    its session) read as a cloud error on the form; nothing is saved until a good one."""
    result = await start_smart_life(hass)
    for answer in (None, {"success": True, "result": {"qrcode": ""}}):
        sdk.qr_answers.append(answer)  # type: ignore[arg-type]  # what an HTTP error gives
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"user_code": USER_CODE}
        )
        assert result["step_id"] == "smart_life"
        assert result["errors"] == {"base": "cloud_error"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"user_code": USER_CODE}
    )
    assert result["step_id"] == "scan"

    sdk.results.append((True, None))  # type: ignore[arg-type]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cloud_error"}
    assert "unexpected answer" in result["description_placeholders"]["error"]
    sdk.results.append((True, {k: v for k, v in LOGIN.items() if k != "uid"}))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cloud_error"}
    assert "without 'uid'" in result["description_placeholders"]["error"]
    assert hass.config_entries.async_entries(DOMAIN) == []

    sdk.results.append((True, dict(LOGIN)))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "account_devices"


async def add_smart_life_account(hass: HomeAssistant) -> MockConfigEntry:
    data = {
        "entry_type": "account",
        "kind": "smart_life",
        "user_code": USER_CODE,
        "terminal_id": "terminal-1",
        "endpoint": "https://apigw.tuyaeu.com",
        "token_info": {
            k: LOGIN[k] for k in ("t", "uid", "expire_time", "access_token", "refresh_token")
        },
    }
    entry = MockConfigEntry(
        domain=DOMAIN, title="Smart Life", unique_id="account_eu1700000000000aaaaa", data=data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


async def account_devices(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "account_devices"}
    )


@pytest.mark.parametrize(
    ("error", "form_error", "text"),
    [
        (
            ApiRequestException(error_code="28841002", error_message="subscription expired"),
            "cloud_permission",
            "subscription expired",
        ),
        (TypeError("'NoneType' object is not subscriptable"), "cloud_error", "unexpected answer"),
    ],
)
async def test_account_devices_sdk_errors(
    hass: HomeAssistant, sdk: FakeSdk, error: BaseException, form_error: str, text: str
) -> None:
    """A refusal of the Smart Life cloud, or an answer the SDK choked on, is shown on
    the list of the account's devices."""
    await add_smart_life_account(hass)
    sdk.cache_error = error
    result = await account_devices(hass)
    assert result["errors"] == {"base": form_error}
    assert text in result["description_placeholders"]["error"]


async def test_account_device_without_an_id_is_left_out(hass: HomeAssistant, sdk: FakeSdk) -> None:
    sdk.devices.append(sdk_device("", "Ghost", LOCAL_KEY))
    await add_smart_life_account(hass)
    result = await account_devices(hass)
    assert result["errors"] == {}
    labels = [o["label"] for o in result["data_schema"].schema["devices"].config["options"]]
    assert labels
    assert not any("Ghost" in label for label in labels)


async def test_removal_when_the_session_cannot_be_ended(
    hass: HomeAssistant, sdk: FakeSdk, caplog: pytest.LogCaptureFixture
) -> None:
    """The cloud cannot be reached to end the session: the account is removed anyway."""
    caplog.set_level(logging.DEBUG)
    entry = await add_smart_life_account(hass)
    sdk.unload_error = requests.ConnectionError(f"https://x/v1.0/m/token/{REFRESH_TOKEN}")
    assert await hass.config_entries.async_remove(entry.entry_id)
    assert hass.config_entries.async_entries(DOMAIN) == []
    assert "Could not end the Smart Life session" in caplog.text
    assert REFRESH_TOKEN not in caplog.text


async def test_a_login_or_refresh_out_of_bounds_is_not_stored(
    hass: HomeAssistant, sdk: FakeSdk
) -> None:
    """A login that would send the session's tokens over plain http, or carries a
    token that cannot be one, is a cloud error; a lifetime that is no number (NaN)
    is stored as 0 (refresh at the next use); a refreshed session out of bounds is not
    stored."""
    result = await start_smart_life(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"user_code": USER_CODE}
    )
    for odd in (
        {"endpoint": "http://192.0.2.1"},
        {"endpoint": "https://apigw.tuyaeu.com/?x=1"},
        {"access_token": "x" * 100_000},
        {"refresh_token": "with\x1b[2Jescape"},
        {"uid": ["eu1"]},
    ):
        sdk.results.append((True, {**LOGIN, **odd}))
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["errors"] == {"base": "cloud_error"}
        assert "unusable" in result["description_placeholders"]["error"]
    assert hass.config_entries.async_entries(DOMAIN) == []

    sdk.results.append((True, {**LOGIN, "expire_time": float("nan"), "t": float("inf")}))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "account_devices"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"devices": []})
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    token_info = entry.data["token_info"]
    assert (token_info["expire_time"], token_info["t"]) == (0, 0)

    listener = sdk.managers[-1]["listener"]
    bad = {**token_info, "access_token": "a" * 32, "refresh_token": "b" * 10_000}
    await hass.async_add_executor_job(listener.update_token, bad)
    await hass.async_block_till_done()
    assert entry.data["token_info"] == token_info
    await hass.config_entries.async_unload(entry.entry_id)
