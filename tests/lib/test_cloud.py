"""The OpenAPI client against the fake Tuya cloud on 127.0.0.1 (tuya_sim.cloud), which
checks every request's signature, expires tokens, pages lists and answers with errors."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from custom_components.tuya_lan.tuyalan.cloud import TuyaCloud
from custom_components.tuya_lan.tuyalan.cloud_model import CloudDevice, DpModel, merge_model
from custom_components.tuya_lan.tuyalan.errors import (
    CloudAuthError,
    CloudConnectionError,
    CloudError,
    CloudPermissionError,
    CloudRegionError,
    TuyaError,
)
from tests.sim.common import StartDevice
from tuya_sim.cloud import FakeTuyaCloud, cloud_device_for

from .common import ACCESS_ID, ACCESS_SECRET, UID_A, UID_B

type MakeCloud = Callable[..., TuyaCloud]


@pytest.fixture
async def make_cloud(fake_cloud: FakeTuyaCloud) -> AsyncIterator[MakeCloud]:
    clients: list[TuyaCloud] = []

    def make(**options: Any) -> TuyaCloud:
        options.setdefault("endpoint", fake_cloud.url)
        client = TuyaCloud(
            options.pop("access_id", ACCESS_ID),
            options.pop("access_secret", ACCESS_SECRET),
            **options,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def business(cloud: FakeTuyaCloud) -> list[str]:
    return [path for _, path in cloud.requests if not path.startswith("/v1.0/token")]


async def test_every_linked_account_with_keys_and_models(
    fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud
):
    devices = {d.id: d for d in await make_cloud().devices()}

    assert sorted(devices) == sorted(fake_cloud.devices)
    for device_id, fake in fake_cloud.devices.items():
        assert devices[device_id].local_key == fake.local_key
        assert devices[device_id].name == fake.name
        assert devices[device_id].product_id == fake.product_id
        assert devices[device_id].category == fake.category
    # The associated-users list has no keys here: they came from the per-account list.
    assert fake_cloud.keys_in_associated_list is False
    assert devices["bf00000000000000aa01"].uid == UID_A
    assert devices["bf00000000000000bb03"].local_key is None
    sensor = devices["bf00000000000000bb02"]
    assert (sensor.gateway_id, sensor.node_id) == ("bf00000000000000bb01", "a4c1380000000001")
    # Two entries per page: 7 devices take 4 pages, account A's 4 two, B's 3 two;
    # the row keys ("row+2/=") only work if signed raw and sent encoded.
    paths = business(fake_cloud)
    assert paths.count("/v1.0/iot-01/associated-users/devices") == 4
    assert paths.count("/v1.3/iot-03/devices") == 4
    assert fake_cloud.rejected_signatures == 0
    # One token for all of it.
    assert fake_cloud.grants == 1


async def test_one_account(fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud):
    devices = await make_cloud().devices(UID_B, with_model=False)
    assert [d.id for d in devices] == [
        "bf00000000000000bb01",
        "bf00000000000000bb02",
        "bf00000000000000bb03",
    ]
    assert {d.uid for d in devices} == {UID_B}
    assert all(d.model == () and d.model_error is None for d in devices)
    assert business(fake_cloud) == ["/v1.3/iot-03/devices"] * 2


async def test_the_model_by_dp_id(fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud):
    devices = {d.id: d for d in await make_cloud().devices(UID_A)}
    assert len(devices) == 4
    plug = devices["bf00000000000000aa01"].model
    assert [dp.dp_id for dp in plug] == [1, 9, 17, 18, 19, 20]
    assert plug[0] == DpModel(1, "switch_1", "Boolean", "rw", name="switch 1")
    assert plug[4] == DpModel(19, "cur_power", "Integer", "ro", "cur power", "W", 0, 50000, 1, 1)
    lamp = {dp.dp_id: dp for dp in devices["bf00000000000000aa04"].model}
    assert lamp[21].range == ("white", "colour", "scene")
    assert (lamp[22].min, lamp[22].max, lamp[22].scale, lamp[22].step) == (10, 1000, 0, 1)
    assert lamp[24].type == "Json"
    assert (lamp[26].type, lamp[26].mode, lamp[26].label) == ("Bitmap", "ro", ("overheat", "short"))
    assert (lamp[27].type, lamp[27].mode, lamp[27].maxlen) == ("String", "wr", 255)
    # Two strips of one product: their model was asked for once.
    paths = business(fake_cloud)
    assert paths.count("/v1.1/devices/bf00000000000000aa02/specifications") == 1
    assert not any("aa03" in path for path in paths)
    assert devices["bf00000000000000aa03"].model == devices["bf00000000000000aa02"].model


async def test_dp_ids_named_dpId_and_either_source_alone(
    fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud
):
    cloud = make_cloud()
    full = await cloud.model("bf00000000000000aa04")
    fake_cloud.spec_dp_key = "dpId"
    assert await cloud.model("bf00000000000000aa04") == full
    lamp = fake_cloud.devices["bf00000000000000aa04"]
    lamp.model_error = 28841105
    specs_only = await cloud.model("bf00000000000000aa04")
    # The names come from the thing model only.
    assert specs_only == tuple(DpModel.from_dict({**dp.to_dict(), "name": None}) for dp in full)
    lamp.model_error, lamp.specs_error = None, 28841105
    assert await cloud.model("bf00000000000000aa04") == full
    lamp.model_error = 28841105
    with pytest.raises(CloudPermissionError, match="28841105"):
        await cloud.model("bf00000000000000aa04")
    # In a device list the others still come, this one says why it has no model.
    listed = {d.id: d for d in await cloud.devices(UID_A)}
    assert listed["bf00000000000000aa04"].model == ()
    assert "28841105" in (listed["bf00000000000000aa04"].model_error or "")
    assert listed["bf00000000000000aa01"].model


async def test_a_device_without_dps_has_an_empty_model(make_cloud: MakeCloud):
    hub = await make_cloud().device("bf00000000000000bb01")
    assert hub.model == ()
    assert hub.model_error is None
    assert hub.local_key == "gw4v!8RtW2m#Lp6x"


async def test_one_device_follows_a_new_key(fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud):
    cloud = make_cloud()
    assert (await cloud.device("bf00000000000000aa01")).local_key == "0123456789abcdef"
    fake_cloud.devices["bf00000000000000aa01"].local_key = "fedcba9876543210"
    device = await cloud.device("bf00000000000000aa01", with_model=False)
    assert device.local_key == "fedcba9876543210"
    assert device.model == ()
    with pytest.raises(CloudPermissionError, match="permission deny"):
        await cloud.device("bf0000000000000zzz99")


async def test_a_refused_token_is_granted_again_once(
    fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud
):
    cloud = make_cloud()
    await cloud.device("bf00000000000000aa01", with_model=False)
    fake_cloud.expire_tokens()
    await cloud.device("bf00000000000000aa01", with_model=False)
    assert fake_cloud.grants == 2
    assert business(fake_cloud).count("/v1.0/devices/bf00000000000000aa01") == 3
    # Refused again after the new grant: that is an error, not a loop.
    fake_cloud.fail(1010, "token invalid", path="/v1.0/devices/", times=2)
    with pytest.raises(CloudAuthError, match="1010"):
        await cloud.device("bf00000000000000aa01", with_model=False)
    assert fake_cloud.grants == 3


async def test_token_refreshed_before_it_runs_out(fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud):
    now = [1000.0]
    cloud = make_cloud(monotonic=lambda: now[0])
    await cloud.device("bf00000000000000aa01", with_model=False)
    now[0] += fake_cloud.token_lifetime - 120
    await cloud.device("bf00000000000000aa01", with_model=False)
    assert (fake_cloud.grants, fake_cloud.refreshes) == (1, 0)
    now[0] += 61  # within the last minute: refresh first
    await cloud.device("bf00000000000000aa01", with_model=False)
    assert (fake_cloud.grants, fake_cloud.refreshes) == (1, 1)
    assert fake_cloud.valid_tokens == 1  # the refreshed-away token no longer works
    # A refused refresh falls back to a new grant.
    now[0] += fake_cloud.token_lifetime
    fake_cloud.fail(1010, "token invalid", path="/v1.0/token/")
    await cloud.device("bf00000000000000aa01", with_model=False)
    assert (fake_cloud.grants, fake_cloud.refreshes) == (2, 1)


async def test_concurrent_requests_share_one_grant(
    fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud
):
    cloud = make_cloud()
    await asyncio.gather(*(cloud.model(device_id) for device_id in fake_cloud.devices))
    assert fake_cloud.grants == 1


async def test_clock_skew_is_corrected_from_the_cloud_clock(
    fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud
):
    cloud = make_cloud(wall_clock=lambda: time.time() + 3600)
    assert (await cloud.device("bf00000000000000aa01", with_model=False)).name == "Desk plug"
    # The first grant was refused (1013); every later request uses the cloud's clock.
    assert fake_cloud.requests.count(("GET", "/v1.0/token")) == 2
    assert fake_cloud.grants == 1
    assert len(fake_cloud.requests) == 3


@pytest.mark.parametrize(
    ("options", "error", "text"),
    [
        ({"access_secret": "x" * 32}, CloudAuthError, r"cloud error 1004: sign invalid \(check"),
        ({"access_id": "wrongid0000000000000"}, CloudAuthError, "cloud error 1005"),
    ],
)
async def test_wrong_credentials(
    fake_cloud: FakeTuyaCloud,
    make_cloud: MakeCloud,
    options: dict[str, str],
    error: type[CloudError],
    text: str,
):
    with pytest.raises(error, match=text) as caught:
        await make_cloud(**options).devices()
    assert ACCESS_SECRET not in str(caught.value)
    assert "x" * 32 not in str(caught.value)
    assert caught.value.code in (1004, 1005)


@pytest.mark.parametrize(
    ("code", "msg", "path", "error", "hint"),
    [
        (
            2007,
            "your ip(203.0.113.9) cross-region access is not allowed",
            "/v1.0/token",
            CloudRegionError,
            "another data centre",
        ),
        (1106, "permission deny", "/v1.0/iot-01/", CloudPermissionError, "Link App Account"),
        (
            28841002,
            "No permissions. Your subscription to cloud development plan has expired.",
            "/v1.3/",
            CloudPermissionError,
            "subscription has expired",
        ),
        (
            28841101,
            "No permissions. This API is not subscribed.",
            "/v1.3/",
            CloudPermissionError,
            "subscribe",
        ),
        (1100, "param is empty", "/", CloudError, None),
    ],
)
async def test_cloud_errors_are_typed_with_a_hint(
    fake_cloud: FakeTuyaCloud,
    make_cloud: MakeCloud,
    code: int,
    msg: str,
    path: str,
    error: type[CloudError],
    hint: str | None,
):
    fake_cloud.fail(code, msg, path=path)
    with pytest.raises(error) as caught:
        await make_cloud().devices(with_model=False)
    assert type(caught.value) is error
    assert caught.value.code == code
    assert caught.value.msg == msg
    assert isinstance(caught.value, TuyaError)
    if hint:
        assert hint in str(caught.value)


async def test_nothing_listening(socket_enabled: None, unused_tcp_port: int):
    async with TuyaCloud(
        ACCESS_ID, ACCESS_SECRET, endpoint=f"http://127.0.0.1:{unused_tcp_port}"
    ) as cloud:
        with pytest.raises(CloudConnectionError, match=r"GET /v1\.0/token: ClientConnectorError"):
            await cloud.devices()


@pytest.fixture
async def odd_server(socket_enabled: None) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """A server with tokens but odd answers: ``behaviour["list"]`` says which."""
    behaviour: dict[str, Any] = {}
    release = asyncio.Event()

    async def token(_: web.Request) -> web.Response:
        result = {"access_token": "a" * 32, "refresh_token": "r" * 32, "expire_time": 7200}
        return web.json_response({"success": True, "result": result, "t": 0})

    async def listing(_: web.Request) -> web.StreamResponse:
        kind = behaviour["list"]
        if kind == "stuck":
            page = {"devices": [], "has_more": True, "last_row_key": "same"}
            return web.json_response({"success": True, "result": page})
        if kind == "html":
            return web.Response(status=502, text="<html>Bad gateway</html>")
        if kind == "hang":
            await release.wait()
        if kind == "array":
            return web.json_response([1, 2])
        return web.json_response({"success": True, "result": {"devices": "none"}})

    app = web.Application()
    app.router.add_get("/v1.0/token", token)
    app.router.add_get("/v1.0/iot-01/associated-users/devices", listing)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", behaviour
    release.set()
    await runner.cleanup()


@pytest.mark.parametrize(
    ("kind", "error", "text"),
    [
        ("stuck", CloudError, "no new last_row_key"),
        ("html", CloudConnectionError, "HTTP 502, not a Tuya answer"),
        ("hang", CloudConnectionError, "no answer within 1 s"),
        ("list", CloudError, "a page without a device list"),
        ("array", CloudConnectionError, "HTTP 200, not a Tuya answer"),
    ],
)
async def test_odd_answers(
    odd_server: tuple[str, dict[str, Any]], kind: str, error: type[CloudError], text: str
):
    url, behaviour = odd_server
    behaviour["list"] = kind
    # Only the hanging answer waits out the timeout: the others are not made to race
    # a short one on a busy machine.
    timeout = 1.0 if kind == "hang" else 30.0
    async with TuyaCloud(ACCESS_ID, ACCESS_SECRET, endpoint=url, timeout=timeout) as cloud:
        with pytest.raises(error, match=text):
            await cloud.devices()


async def test_a_callers_session_stays_open(fake_cloud: FakeTuyaCloud):
    async with aiohttp.ClientSession() as session:
        async with TuyaCloud(
            ACCESS_ID, ACCESS_SECRET, endpoint=fake_cloud.url, session=session
        ) as cloud:
            await cloud.device("bf00000000000000aa01")
        assert not session.closed
    own = TuyaCloud(ACCESS_ID, ACCESS_SECRET, endpoint=fake_cloud.url)
    await own.device("bf00000000000000aa01")
    await own.close()
    await own.close()


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"region": "mars"}, "unknown data centre 'mars'"),
        ({"region": "eu", "endpoint": "https://x"}, "either a region or an endpoint"),
        ({}, "either a region or an endpoint"),
        ({"endpoint": "ftp://openapi.tuyaeu.com"}, "not an http"),
        ({"endpoint": "https://openapi.tuyaeu.com?x=1"}, "not an http"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, str], text: str):
    with pytest.raises(ValueError, match=text):
        TuyaCloud(ACCESS_ID, ACCESS_SECRET, **options)
    with pytest.raises(ValueError, match="Access Secret"):
        TuyaCloud(ACCESS_ID, " ", region="eu")


@pytest.mark.parametrize("region", ["eu", "us", "us-e", "eu-w", "in", "cn", "sg"])
def test_every_region(region: str):
    assert TuyaCloud(ACCESS_ID, ACCESS_SECRET, region=region).endpoint.startswith("https://")


async def test_ids_cannot_leave_their_path_segment(make_cloud: MakeCloud):
    cloud = make_cloud()
    with pytest.raises(ValueError, match="not a Tuya id"):
        await cloud.device("../token")
    with pytest.raises(ValueError, match="not a Tuya id"):
        await cloud.devices("a/b")


async def test_no_secret_token_or_key_in_debug_logs(
    fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    now = [0.0]
    cloud = make_cloud(monotonic=lambda: now[0])
    await cloud.devices()
    now[0] += fake_cloud.token_lifetime  # refresh: the refresh token is in the URL path
    fake_cloud.expire_tokens()
    await cloud.device("bf00000000000000aa01")
    fake_cloud.fail(1004, "sign invalid")
    with pytest.raises(CloudAuthError):
        await cloud.devices()
    assert fake_cloud.refreshes == 1
    assert "/v1.0/token/***" in caplog.text
    secrets = [ACCESS_SECRET, *fake_cloud.issued]
    secrets += [d.local_key for d in fake_cloud.devices.values() if d.local_key]
    for secret in secrets:
        assert secret not in caplog.text


def test_model_and_device_round_trip_through_json():
    model = merge_model(
        {
            "functions": [
                {"dp_id": 1, "code": "switch_1", "type": "Boolean", "values": "{}"},
                {"dpId": 2, "code": "mode", "type": "Enum", "values": '{"range":["a","b"]}'},
            ],
            "status": [
                {"dp_id": 1, "code": "switch_1", "type": "Boolean", "values": "{}"},
                {
                    "dp_id": 19,
                    "code": "cur_power",
                    "type": "Integer",
                    "values": '{"unit":"W","min":0,"max":50000,"scale":1,"step":1}',
                },
                {"code": "no_id_anywhere", "type": "Boolean", "values": "not json"},
            ],
        },
        None,
    )
    assert [(dp.dp_id, dp.mode) for dp in model] == [(1, "rw"), (2, "wr"), (19, "ro")]
    device = CloudDevice(
        "bf00000000000000aa01",
        "Desk plug",
        "0123456789abcdef",
        "plugproduct00001",
        "cz",
        online=True,
        model=model,
    )
    data = json.loads(json.dumps(device.to_dict()))
    assert data["model"][2] == {
        "dp_id": 19,
        "code": "cur_power",
        "type": "Integer",
        "mode": "ro",
        "values": {"unit": "W", "min": 0, "max": 50000, "scale": 1, "step": 1},
    }
    assert CloudDevice.from_dict(data) == device
    failed = CloudDevice("x", "x", None, model_error="cloud error 1106: permission deny")
    assert CloudDevice.from_dict(json.loads(json.dumps(failed.to_dict()))) == failed
    with pytest.raises(ValueError, match="not a DP model"):
        DpModel.from_dict({"dp_id": "one", "code": "x", "type": "Boolean"})
    with pytest.raises(ValueError, match="not a cloud device"):
        CloudDevice.from_dict({"name": "no id"})


def test_thing_model_alone():
    thing = {
        "model": json.dumps(
            {
                "services": [
                    {
                        "properties": [
                            {
                                "abilityId": 3,
                                "code": "temp_current",
                                "name": "Temperature",
                                "accessMode": "ro",
                                "typeSpec": {
                                    "type": "value",
                                    "min": -200,
                                    "max": 600,
                                    "scale": 1,
                                    "step": 1,
                                    "unit": "℃",
                                },
                            },
                            {"abilityId": 4, "code": "broken"},
                        ]
                    }
                ]
            }
        )
    }
    assert merge_model(None, thing) == (
        DpModel(3, "temp_current", "Integer", "ro", "Temperature", "℃", -200, 600, 1, 1),
    )
    assert merge_model(None, {"model": "not json"}) == ()


async def test_a_simulated_device_in_the_cloud_follows_its_key(
    fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud, start_device: StartDevice
):
    simulated = await start_device("3.4", profile="strip", device_id="bf00000000000000cc01")
    fake_cloud.add_device(cloud_device_for(simulated, uid=UID_A, name="Sim strip"))
    cloud = make_cloud()
    device = await cloud.device("bf00000000000000cc01")
    assert (device.name, device.local_key, device.category) == (
        "Sim strip",
        simulated.local_key,
        "pc",
    )
    assert [(dp.dp_id, dp.code) for dp in device.model][:2] == [(1, "switch_1"), (2, "switch_2")]
    simulated.change_key("fedcba9876543210")
    assert (await cloud.device("bf00000000000000cc01")).local_key == "fedcba9876543210"


async def test_a_body_is_signed_as_sent(fake_cloud: FakeTuyaCloud, make_cloud: MakeCloud):
    # The fake serves no POST: getting past the signature check to "uri path invalid"
    # proves the body hash matched the bytes on the wire.
    with pytest.raises(CloudError, match="1108") as caught:
        await make_cloud().request(
            "POST",
            "/v1.0/iot-03/devices/bf00000000000000aa01/commands",
            body={"commands": [{"code": "switch_1", "value": True}]},
        )
    assert type(caught.value) is CloudError
    assert fake_cloud.rejected_signatures == 0
    with pytest.raises(ValueError, match="carry no query"):
        await make_cloud().request("GET", "/v1.0/devices?x=1")
