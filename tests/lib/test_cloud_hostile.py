"""The OpenAPI client against a cloud that answers what it likes (issue 14, section 1):
redirects, answers that unpack to hundreds of megabytes, JSON nested past the parser,
codes that are lists, odd device ids, endless paging, huge and hostile error texts,
local keys that cannot be keys, a token lifetime that is not a number. Every one ends
as a typed CloudError (or a device left out), bounded in requests and time."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from custom_components.tuya_lan.tuyalan.cloud import (
    MAX_ANSWER_BYTES,
    MAX_LISTING_REQUESTS,
    MAX_PAGES,
    TuyaCloud,
)
from custom_components.tuya_lan.tuyalan.errors import CloudConnectionError, CloudError
from tuya_sim.cloud import FakeTuyaCloud
from tuya_sim.http import LoopbackServer

from .common import ACCESS_ID, ACCESS_SECRET, UID_A

LISTING = "/v1.0/iot-01/associated-users/devices"
USER_LIST = "/v1.3/iot-03/devices"


def ok(result: Any) -> web.Response:
    return web.json_response({"success": True, "result": result, "t": 0})


def count(cloud: FakeTuyaCloud, prefix: str) -> int:
    return sum(1 for _, path in cloud.requests if path.startswith(prefix))


@pytest.fixture
async def client(fake_cloud: FakeTuyaCloud) -> AsyncIterator[TuyaCloud]:
    async with TuyaCloud(ACCESS_ID, ACCESS_SECRET, endpoint=fake_cloud.url, timeout=5) as cloud:
        yield cloud


class Elsewhere(LoopbackServer):
    """Another origin: records what reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[dict[str, str]] = []

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.headers.append(dict(request.headers))
        return ok({"devices": [], "has_more": False})


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_not_followed(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud, status: int
) -> None:
    """The token never goes to another origin (nor over plain http), and nothing that
    comes from there is believed."""
    async with Elsewhere() as elsewhere:

        async def redirect(_: web.Request) -> web.StreamResponse:
            return web.Response(
                status=status, headers={"Location": f"http://127.0.0.1:{elsewhere.port}/x"}
            )

        fake_cloud.answer_with(LISTING, redirect)
        with pytest.raises(CloudConnectionError, match=f"HTTP {status}, a redirect"):
            await client.devices()
        assert elsewhere.headers == []


async def test_an_answer_that_unpacks_too_big_is_refused(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud
) -> None:
    """A small gzip answer that unpacks past the cap is refused as it is read."""
    body = json.dumps(
        {"success": True, "result": {"devices": [], "pad": "0" * (MAX_ANSWER_BYTES + 1)}}
    ).encode()
    packed = gzip.compress(body)
    assert len(packed) < 64 * 1024

    async def bomb(_: web.Request) -> web.StreamResponse:
        return web.Response(
            body=packed, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
        )

    fake_cloud.answer_with(LISTING, bomb)
    with pytest.raises(CloudConnectionError, match="an answer over"):
        await client.devices()


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"success": true, "result": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001,
    ],
    ids=["array", "object"],
)
async def test_json_nested_past_the_parser_is_a_typed_error(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud, body: str
) -> None:
    async def nested(_: web.Request) -> web.StreamResponse:
        return web.Response(text=body, content_type="application/json")

    fake_cloud.answer_with(LISTING, nested)
    with pytest.raises(CloudError):  # not RecursionError
        await client.devices()


@pytest.mark.parametrize(
    "code",
    [[1010], {"a": 1}, 10**100, True, "x" * 1000],
    ids=["list", "object", "huge", "bool", "long"],
)
async def test_an_error_code_of_another_shape(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud, code: Any
) -> None:
    async def odd(_: web.Request) -> web.StreamResponse:
        return web.json_response({"success": False, "code": code, "msg": "odd"})

    fake_cloud.answer_with(LISTING, odd)
    with pytest.raises(CloudError, match="odd") as caught:
        await client.devices()
    assert caught.value.code is None or isinstance(caught.value.code, int | str)
    assert len(str(caught.value)) < 300


async def test_odd_device_ids_cost_only_their_device(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud
) -> None:
    """A 202-character id, a path, a number, an id with a blank: those entries are
    left out; the listing, with models, survives."""
    good = fake_cloud.devices["bf00000000000000aa01"].listing()
    odd_ids: list[Any] = ["b" * 202, "../../etc/passwd", 12345, "bf 01", "..", ""]

    async def listing(_: web.Request) -> web.StreamResponse:
        entries = [good] + [{**good, "id": odd} for odd in odd_ids]
        return ok({"list": entries, "devices": entries, "has_more": False})

    fake_cloud.answer_with(USER_LIST, listing)
    devices = await client.devices(UID_A)
    assert [d.id for d in devices] == ["bf00000000000000aa01"]
    assert devices[0].model  # the model of the good one was fetched
    assert not any("etc" in path for _, path in fake_cloud.requests)


async def test_endless_pages_stop_at_the_page_limit(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud
) -> None:
    pages = 0

    async def endless(_: web.Request) -> web.StreamResponse:
        nonlocal pages
        pages += 1
        return ok({"list": [], "has_more": True, "last_row_key": f"row{pages}"})

    fake_cloud.answer_with(USER_LIST, endless)
    with pytest.raises(CloudError, match=f"more than {MAX_PAGES} pages"):
        await client.devices(UID_A)
    assert pages == MAX_PAGES


async def test_thousands_of_accounts_stop_at_the_request_limit(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud
) -> None:
    """Many app accounts, each paging forever: one listing makes at most
    MAX_LISTING_REQUESTS requests (the cloud once drove 123,535 in 60 s)."""
    served = 0

    async def accounts(_: web.Request) -> web.StreamResponse:
        entries = [{"id": f"bf{i:018d}", "uid": f"eu{i:018d}"} for i in range(1000)]
        return ok({"devices": entries, "has_more": False})

    async def long(request: web.Request) -> web.StreamResponse:
        """Each account's list takes MAX_PAGES - 1 pages, within the page limit."""
        nonlocal served
        served += 1
        if served > 2 * MAX_LISTING_REQUESTS:  # a client without a limit: end the test
            return web.json_response({"success": False, "code": 1106, "msg": "enough"})
        page = int(request.query.get("last_row_key", "0")) + 1
        return ok({"list": [], "has_more": page < MAX_PAGES - 1, "last_row_key": str(page)})

    fake_cloud.answer_with(LISTING, accounts)
    fake_cloud.answer_with(USER_LIST, long)
    with pytest.raises(CloudError, match=f"more than {MAX_LISTING_REQUESTS} requests"):
        await client.devices()
    assert len(fake_cloud.requests) == MAX_LISTING_REQUESTS


async def test_a_listing_that_takes_too_long(fake_cloud: FakeTuyaCloud) -> None:
    """A page that never comes, under a request timeout longer than the listing's own."""
    release = asyncio.Event()

    async def stuck(_: web.Request) -> web.StreamResponse:
        await release.wait()
        return ok({"list": [], "has_more": False})

    fake_cloud.answer_with(USER_LIST, stuck)
    try:
        async with TuyaCloud(
            ACCESS_ID, ACCESS_SECRET, endpoint=fake_cloud.url, timeout=60, listing_timeout=0.3
        ) as cloud:
            started = time.monotonic()
            with pytest.raises(CloudConnectionError, match=r"took more than 0\.3 s"):
                await cloud.devices(UID_A)
            assert time.monotonic() - started < 30
    finally:
        release.set()


@pytest.mark.parametrize(
    "key",
    ["x" * 1_000_000, "short", "0123456789abcde\x00", "0123456789abcdé€", 1234567890123456],
    ids=["1 MB", "short", "control", "not ascii", "number"],
)
async def test_a_key_that_cannot_be_one_is_no_key(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud, key: Any
) -> None:
    good = fake_cloud.devices["bf00000000000000aa01"].listing()

    async def listing(_: web.Request) -> web.StreamResponse:
        return ok({"list": [{**good, "local_key": key}], "has_more": False})

    fake_cloud.answer_with(USER_LIST, listing)
    (device,) = await client.devices(UID_A, with_model=False)
    assert device.local_key is None


async def test_a_huge_hostile_error_text_is_cut_and_cleaned(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud
) -> None:
    """3 MB of message with terminal escapes and forged log lines: a short, clean text."""
    msg = "\x1b[2J\x1b]0;pwned\x07permission deny\r\nERROR forged line\u202e" + "A" * 3_000_000

    async def refuse(_: web.Request) -> web.StreamResponse:
        return web.json_response({"success": False, "code": 1106, "msg": msg})

    fake_cloud.answer_with(LISTING, refuse)
    with pytest.raises(CloudError) as caught:
        await client.devices()
    text = str(caught.value)
    assert len(text) < 400
    assert text.startswith("cloud error 1106: [2J]0;pwnedpermission deny  ERROR forged line")
    assert all(char.isprintable() for char in text)


async def test_a_thing_model_not_supported_keeps_the_specifications(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud
) -> None:
    fake_cloud.devices["bf00000000000000aa01"].model_error = 2009
    device = await client.device("bf00000000000000aa01")
    assert [dp.dp_id for dp in device.model] == [1, 9, 17, 18, 19, 20]
    assert device.model_error is None


async def test_a_device_answer_for_another_device_is_refused(
    fake_cloud: FakeTuyaCloud, client: TuyaCloud
) -> None:
    other = fake_cloud.devices["bf00000000000000aa02"].listing()

    async def impostor(_: web.Request) -> web.StreamResponse:
        return ok(other)

    fake_cloud.answer_with("/v1.0/devices/bf00000000000000aa01", impostor)
    with pytest.raises(CloudError, match="answered another"):
        await client.device("bf00000000000000aa01", with_model=False)


@pytest.mark.parametrize("lifetime", ["NaN", "Infinity", "-Infinity", "-5", "1e300"])
async def test_a_token_lifetime_that_is_not_one(
    fake_cloud: FakeTuyaCloud,
    client: TuyaCloud,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    lifetime: str,
) -> None:
    """Taken as expired (asked again at the next use); no logging traceback at DEBUG."""
    caplog.set_level(logging.DEBUG)

    async def token(_: web.Request) -> web.StreamResponse:
        # The literal is spelt out: json.dumps would not write NaN as Tuya's cloud might.
        text = (
            '{"success": true, "t": 0, "result": {"access_token": "a1b2c3d4e5f6",'
            f' "refresh_token": "r1b2c3d4e5f6", "expire_time": {lifetime}}}}}'
        )
        return web.Response(text=text, content_type="application/json")

    fake_cloud.answer_with("/v1.0/token", token)
    with pytest.raises(CloudError):  # the fake does not know the token: 1010, twice
        await client.device("bf00000000000000aa01", with_model=False)
    assert count(fake_cloud, "/v1.0/token") == 2
    assert "Logging error" not in capsys.readouterr().err
    assert "token granted for 0 s" in caplog.text
