"""The real tuya-device-sharing-sdk against the fake Smart Life API (tuya_sim.sharing),
which verifies every signed request and decrypts every payload: the QR login, devices
with keys and models, token refresh, and tampered requests refused.

The SDK is blocking (``requests``); here it runs in a worker thread while the fake
serves on the test's event loop."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from tuya_sharing import CustomerApi, LoginControl, Manager, SharingTokenListener, user as sdk_user
from tuya_sharing.customerapi import CustomerTokenInfo
from tuya_sharing.exceptions import ApiRequestException

from custom_components.tuya_lan.tuyalan import CloudDevice
from tuya_sim import SimulatedDevice
from tuya_sim.cloud import PROFILE_DPS, FakeCloudDevice, cloud_device_for
from tuya_sim.sharing import (
    CLIENT_ID,
    SCHEMA,
    FakeSmartLifeCloud,
    request_keys,
    request_sign,
    sdk_pointed_at,
    seal,
    unseal,
)

USER_CODE = "Ab12Cd"
KEY = "0123456789abcdef"
NEW_KEY = "Zq4v!8RtW2m#Lp6x"


@pytest.fixture
def sim() -> SimulatedDevice:
    """A simulated plug (not started: only its key and DPs are read here)."""
    return SimulatedDevice("bf00000000000000aa01", KEY, "3.4", tick_interval=None, seed=1)


@pytest.fixture
async def fake(socket_enabled: None, sim: SimulatedDevice) -> AsyncIterator[FakeSmartLifeCloud]:
    cloud = FakeSmartLifeCloud(USER_CODE)
    cloud.add_device(cloud_device_for(sim, uid=cloud.uid, name="Desk plug"))
    cloud.add_device(
        FakeCloudDevice(
            "bf00000000000000aa02",
            "Door sensor",
            KEY,
            uid=cloud.uid,
            category="mcs",
            node_id="a4c1",
            gateway_id="bf00000000000000aa03",
        )
    )
    cloud.add_device(
        FakeCloudDevice("bf00000000000000aa03", "Hub", None, uid=cloud.uid, category="wg2")
    )
    async with cloud:
        with sdk_pointed_at(cloud):
            yield cloud


class Listener(SharingTokenListener):  # type: ignore[misc]  # untyped base
    def __init__(self) -> None:
        self.tokens: list[dict[str, Any]] = []

    def update_token(self, token_info: dict[str, Any]) -> None:
        self.tokens.append(token_info)


def manager_for(login: dict[str, Any], listener: Listener | None = None) -> Manager:
    token_info = {
        key: login[key] for key in ("t", "uid", "expire_time", "access_token", "refresh_token")
    }
    return Manager(
        CLIENT_ID, USER_CODE, login["terminal_id"], login["endpoint"], token_info, listener
    )


# --- the crypto, against CLOUD.md 2.2's worked example ---------------------------------------


def test_request_crypto_matches_the_documented_vector() -> None:
    hash_key, key = request_keys(
        "5d8f2c3e-1111-4222-8333-944455556666", "d714e4d55c918bca5e199f10232cc5cd"
    )
    assert hash_key == "f459094873cf8080f29002744116bc4d"
    assert key == b"244458c10a30dd54"
    encdata = seal({"homeId": "12345678"}, key, nonce=b"ABCDEFGHJKMN")
    assert encdata == "QUJDREVGR0hKS01Og7ckd9nZospVLZy8z31rHmsJVgQ/5FJwYIrcbeO/Z7NEVZci6w=="
    assert unseal(encdata, key) == {"homeId": "12345678"}
    headers = {
        "X-appKey": CLIENT_ID,
        "X-requestId": "5d8f2c3e-1111-4222-8333-944455556666",
        "X-sid": "",
        "X-time": "1588925778000",
        "X-token": "3f4eda2bdec17232f67c0b188af3eec1",
    }
    assert (
        request_sign(hash_key, headers, encdata, "")
        == "cced35feb500e22cb9136dd0efb9fc554e77724660544929b2de9902c32dcc48"
    )


# --- the QR login ------------------------------------------------------------------------


async def test_qr_login_pending_then_approved(fake: FakeSmartLifeCloud) -> None:
    control = await asyncio.to_thread(LoginControl)
    answer = await asyncio.to_thread(control.qr_code, CLIENT_ID, SCHEMA, USER_CODE)
    assert answer["success"] is True
    token = answer["result"]["qrcode"]
    assert token == fake.qr_codes[-1]

    ok, info = await asyncio.to_thread(control.login_result, token, CLIENT_ID, USER_CODE)
    assert not ok
    assert info["success"] is False
    assert "expire" not in info["msg"]

    fake.approve()
    ok, info = await asyncio.to_thread(control.login_result, token, CLIENT_ID, USER_CODE)
    assert ok
    assert info["uid"] == fake.uid
    assert info["endpoint"] == fake.url
    assert info["username"] == fake.username
    assert {"access_token", "refresh_token", "expire_time", "terminal_id", "t"} <= set(info)
    assert info["access_token"] in fake.issued
    assert fake.sessions == 1

    # A QR code logs in once.
    ok, info = await asyncio.to_thread(control.login_result, token, CLIENT_ID, USER_CODE)
    assert (ok, info["code"]) == (False, "E0020002")


async def test_qr_login_expired_and_wrong_user_code(fake: FakeSmartLifeCloud) -> None:
    control = await asyncio.to_thread(LoginControl)
    answer = await asyncio.to_thread(control.qr_code, CLIENT_ID, SCHEMA, "nope")
    assert answer["success"] is False
    assert answer["code"] == "USERCODE_INCORRECT"

    answer = await asyncio.to_thread(control.qr_code, CLIENT_ID, SCHEMA, USER_CODE)
    token = answer["result"]["qrcode"]
    # Asking for the scan's result with another User Code.
    ok, info = await asyncio.to_thread(control.login_result, token, CLIENT_ID, "nope")
    assert (ok, info["code"]) == (False, "USERCODE_INCORRECT")

    fake.approve()
    fake.expire_qr()
    ok, info = await asyncio.to_thread(control.login_result, token, CLIENT_ID, USER_CODE)
    assert (ok, info["code"]) == (False, "E0020002")
    assert "expired" in info["msg"]
    assert fake.sessions == 0


async def test_qr_login_approves_itself(fake: FakeSmartLifeCloud) -> None:
    """The demo's mode: approved once the code is ``auto_approve_after`` seconds old."""
    fake.auto_approve_after = 0.0
    control = await asyncio.to_thread(LoginControl)
    answer = await asyncio.to_thread(control.qr_code, CLIENT_ID, SCHEMA, USER_CODE)
    ok, _ = await asyncio.to_thread(
        control.login_result, answer["result"]["qrcode"], CLIENT_ID, USER_CODE
    )
    assert ok


async def test_sdk_is_pointed_only_inside(socket_enabled: None) -> None:
    async with FakeSmartLifeCloud(USER_CODE) as cloud:
        with sdk_pointed_at(cloud):
            assert cloud.host == sdk_user.URL_PATH
            assert os.environ["REQUESTS_CA_BUNDLE"] == str(cloud.ca_file)
        assert sdk_user.URL_PATH == "apigw.iotbing.com"
        assert os.environ.get("REQUESTS_CA_BUNDLE") != str(cloud.ca_file)


# --- the customer API --------------------------------------------------------------------


async def test_manager_lists_devices_with_keys_and_models(
    fake: FakeSmartLifeCloud, sim: SimulatedDevice
) -> None:
    manager = manager_for(fake.login())
    await asyncio.to_thread(manager.update_device_cache)
    assert [home.id for home in manager.user_homes] == [fake.home_id]
    devices = manager.device_map
    assert sorted(devices) == [
        "bf00000000000000aa01",
        "bf00000000000000aa02",
        "bf00000000000000aa03",
    ]

    plug = devices["bf00000000000000aa01"]
    assert (plug.name, plug.local_key, plug.category) == ("Desk plug", KEY, "cz")
    assert plug.product_id == sim.product_key
    assert plug.support_local is True
    assert sorted(plug.local_strategy) == [dp.dp_id for dp in PROFILE_DPS["plug"]]
    assert plug.local_strategy[1]["status_code"] == "switch_1"
    assert plug.status["switch_1"] == sim.dps["1"]
    assert "switch_1" in plug.function
    assert "cur_power" in plug.status_range
    assert "cur_power" not in plug.function
    assert plug.status_range["add_ele"].report_type == "sum"
    assert not hasattr(devices["bf00000000000000aa03"], "local_key")
    assert devices["bf00000000000000aa02"].node_id == "a4c1"

    # What the integration makes of it.
    device = CloudDevice.from_sharing(plug)
    assert device.local_key == KEY
    model = {dp.dp_id: dp for dp in device.model}
    assert (model[1].code, model[1].type, model[1].mode) == ("switch_1", "Boolean", "rw")
    assert (model[19].code, model[19].scale, model[19].unit, model[19].mode) == (
        "cur_power",
        1,
        "W",
        "ro",
    )

    # The key follows the simulator.
    sim.change_key(NEW_KEY)
    await asyncio.to_thread(manager.update_device_cache)
    assert manager.device_map["bf00000000000000aa01"].local_key == NEW_KEY
    assert fake.rejected_signatures == 0


async def test_token_refresh(fake: FakeSmartLifeCloud) -> None:
    """An access token about to run out (here: run out) is refreshed first, signed with
    the old pair; the new pair is handed to the listener; the old one is dead."""
    login = fake.login()
    login["t"] -= (fake.token_lifetime + 10) * 1000  # the SDK thinks it expired
    fake.expire_tokens()  # and so does the cloud
    listener = Listener()
    manager = manager_for(login, listener)
    await asyncio.to_thread(manager.update_device_cache)
    assert len(manager.device_map) == 3
    assert fake.refreshes == 1
    (token,) = listener.tokens
    assert token["uid"] == fake.uid
    assert token["refresh_token"] != login["refresh_token"]
    assert token["access_token"] in fake.issued

    # The old pair no longer verifies (the session was replaced).
    stale = manager_for(login | {"t": int(time.time() * 1000)})
    with pytest.raises(ApiRequestException) as err:
        await asyncio.to_thread(stale.update_device_cache)
    assert (err.value.error_code, err.value.error_message) == (1004, "sign invalid")

    # An access token that ran out in the cloud, while the SDK thinks it has not.
    fake.expire_tokens()
    with pytest.raises(ApiRequestException) as err:
        await asyncio.to_thread(manager.update_device_cache)
    assert err.value.error_code == 1010


async def test_logout_ends_the_session(fake: FakeSmartLifeCloud) -> None:
    manager = manager_for(fake.login())
    await asyncio.to_thread(manager.unload)
    assert (fake.logouts, fake.sessions) == (1, 0)
    with pytest.raises(ApiRequestException, match="sign invalid"):
        await asyncio.to_thread(manager.update_device_cache)


async def test_injected_failure(fake: FakeSmartLifeCloud) -> None:
    fake.fail(1106, "permission deny", path="/v1.0/m/life/users/homes")
    manager = manager_for(fake.login())
    with pytest.raises(ApiRequestException) as err:
        await asyncio.to_thread(manager.update_device_cache)
    assert err.value.error_code == 1106
    await asyncio.to_thread(manager.update_device_cache)
    assert len(manager.device_map) == 3


# --- the fake checks what it is sent ------------------------------------------------------


async def test_wrong_refresh_token_is_sign_invalid(fake: FakeSmartLifeCloud) -> None:
    """The SDK keyed by another refresh token: its sign, and its key, are wrong."""
    login = fake.login()
    api = CustomerApi(
        CustomerTokenInfo({**login, "refresh_token": "0" * 32}), CLIENT_ID, USER_CODE,
        login["endpoint"], None,
    )  # fmt: skip
    with pytest.raises(ApiRequestException) as err:
        await asyncio.to_thread(api.get, "/v1.0/m/life/ha/home/devices", {"homeId": fake.home_id})
    assert (err.value.error_code, err.value.error_message) == (1004, "sign invalid")
    assert fake.rejected_signatures == 1


class RawClient:
    """Builds the app API's requests by hand, to send them right or tampered with."""

    def __init__(self, fake: FakeSmartLifeCloud, login: dict[str, Any]) -> None:
        self.fake = fake
        self.login = login

    async def get(
        self,
        path: str,
        params: dict[str, Any],
        *,
        flip_sign: bool = False,
        swap_encdata: str | None = None,
        key: bytes | None = None,
        time_ms: int | None = None,
    ) -> tuple[dict[str, Any], bytes]:
        """``swap_encdata`` is sent instead of the encrypted query that was signed;
        ``key`` seals the query under another key (and signs that)."""
        rid = str(uuid.uuid4())
        hash_key, request_key = request_keys(rid, self.login["refresh_token"])
        query = seal(params, key or request_key)
        headers = {
            "X-appKey": CLIENT_ID,
            "X-requestId": rid,
            "X-sid": "",
            "X-time": str(time_ms or int(time.time() * 1000)),
            "X-token": self.login["access_token"],
        }
        sign = request_sign(hash_key, headers, query, "")
        if flip_sign:
            sign = sign[:-1] + ("1" if sign[-1] == "0" else "0")
        headers["X-sign"] = sign
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                self.fake.url + path,
                params={"encdata": swap_encdata or query},
                headers=headers,
                ssl=self.fake.client_ssl_context(),
            ) as response,
        ):
            return await response.json(), request_key


async def test_tampered_requests_are_refused(fake: FakeSmartLifeCloud) -> None:
    client = RawClient(fake, fake.login())
    path, params = "/v1.0/m/life/ha/home/devices", {"homeId": fake.home_id}
    answer, key = await client.get(path, params)
    assert answer["success"] is True
    assert unseal(answer["result"], key)[0]["id"] == "bf00000000000000aa01"
    assert fake.rejected_signatures == 0

    # One hex digit of the sign changed.
    answer, _ = await client.get(path, params, flip_sign=True)
    assert (answer["success"], answer["code"], answer["msg"]) == (False, 1004, "sign invalid")
    # The signed query swapped for another one, sealed right.
    _, other_key = request_keys(str(uuid.uuid4()), fake.login()["refresh_token"])
    answer, _ = await client.get(path, params, swap_encdata=seal({"homeId": "1"}, other_key))
    assert (answer["code"], answer["msg"]) == (1004, "sign invalid")
    # Signed over what is sent, but sealed under another key: it does not decrypt.
    answer, _ = await client.get(path, params, key=b"fedcba9876543210")
    assert (answer["code"], answer["msg"]) == (1004, "sign invalid")
    assert fake.rejected_signatures == 3
    # Signed right, but an hour ago.
    answer, _ = await client.get(path, params, time_ms=int(time.time() * 1000) - 3_600_000)
    assert answer["code"] == 1013
