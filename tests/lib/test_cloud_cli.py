"""``python -m custom_components.tuya_lan.tuyalan cloud`` against the fake Tuya cloud."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from aiohttp import web

from tuya_sim.cloud import FakeTuyaCloud

from .common import ACCESS_ID, ACCESS_SECRET, UID_B
from .test_cli import REPO, run_tool


def cloud_args(cloud: FakeTuyaCloud, secret: str = ACCESS_SECRET) -> list[str]:
    return ["cloud", "--access-id", ACCESS_ID, "--access-secret", secret, "--endpoint", cloud.url]


async def test_prints_every_linked_device_with_key_and_model(fake_cloud: FakeTuyaCloud):
    code, result, stderr = await run_tool(*cloud_args(fake_cloud))
    assert code == 0, stderr
    devices = {d["id"]: d for d in result["devices"]}
    assert sorted(devices) == sorted(fake_cloud.devices)
    plug = devices["bf00000000000000aa01"]
    assert plug["local_key"] == "0123456789abcdef"
    assert (plug["name"], plug["product_id"], plug["category"]) == (
        "Desk plug",
        "plugproduct00001",
        "cz",
    )
    assert plug["model"][0] == {
        "dp_id": 1,
        "code": "switch_1",
        "type": "Boolean",
        "mode": "rw",
        "name": "switch 1",
        "values": {},
    }
    assert plug["model"][4]["values"] == {
        "unit": "W",
        "min": 0,
        "max": 50000,
        "scale": 1,
        "step": 1,
    }
    assert devices["bf00000000000000bb03"]["local_key"] is None


async def test_one_account_without_models(fake_cloud: FakeTuyaCloud):
    code, result, _ = await run_tool(*cloud_args(fake_cloud), "--uid", UID_B, "--no-model")
    assert code == 0
    assert [d["id"] for d in result["devices"]] == [
        "bf00000000000000bb01",
        "bf00000000000000bb02",
        "bf00000000000000bb03",
    ]
    assert all(d["model"] == [] for d in result["devices"])


async def test_id_and_secret_from_the_environment(fake_cloud: FakeTuyaCloud):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-W",
        "ignore",
        "-m",
        "custom_components.tuya_lan.tuyalan",
        "cloud",
        "--endpoint",
        fake_cloud.url,
        "--no-model",
        cwd=REPO,
        env={**os.environ, "TUYA_ACCESS_ID": ACCESS_ID, "TUYA_ACCESS_SECRET": ACCESS_SECRET},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert len(json.loads(stdout)["devices"]) == len(fake_cloud.devices)


async def test_wrong_secret_is_one_line(fake_cloud: FakeTuyaCloud):
    code, result, stderr = await run_tool(*cloud_args(fake_cloud, "wrong" * 6))
    assert code == 1
    assert result is None
    assert stderr.startswith("error: CloudAuthError: cloud error 1004: sign invalid (check")
    assert stderr.count("\n") == 1
    assert "wrong" * 6 not in stderr


async def test_wrong_data_centre_is_one_line(fake_cloud: FakeTuyaCloud):
    fake_cloud.fail(2007, "your ip(203.0.113.9) cross-region access is not allowed")
    code, _, stderr = await run_tool(*cloud_args(fake_cloud))
    assert code == 1
    assert stderr.startswith("error: CloudRegionError: cloud error 2007")
    assert "choose its region" in stderr
    assert stderr.count("\n") == 1


async def test_unreachable_cloud_is_one_line(socket_enabled: None, unused_tcp_port: int):
    code, _, stderr = await run_tool(
        "cloud",
        "--access-id",
        ACCESS_ID,
        "--access-secret",
        ACCESS_SECRET,
        "--endpoint",
        f"http://127.0.0.1:{unused_tcp_port}",
    )
    assert code == 1
    assert stderr.startswith("error: CloudConnectionError: GET /v1.0/token")
    assert stderr.count("\n") == 1


async def test_missing_secret_is_one_line(fake_cloud: FakeTuyaCloud):
    code, _, stderr = await run_tool("cloud", "--access-id", ACCESS_ID, "--region", "eu")
    assert code == 1
    assert stderr == "error: TuyaError: give --access-id and --access-secret" + (
        " (or TUYA_ACCESS_ID/_SECRET)\n"
    )


async def test_a_cloud_answering_nonsense_is_one_clean_line(fake_cloud: FakeTuyaCloud):
    """JSON nested past the parser, then a code that is a list with terminal escapes
    and forged lines in its message: one line each, no traceback, no escape code."""

    async def deep(_: web.Request) -> web.StreamResponse:
        return web.Response(text="[" * 200_000 + "]" * 200_000, content_type="application/json")

    async def escapes(_: web.Request) -> web.StreamResponse:
        msg = "\x1b[2J\x1b]0;owned\x07refused\nTraceback (most recent call last):" + "x" * 10**5
        return web.json_response({"success": False, "code": [1], "msg": msg})

    for answer in (deep, escapes):
        fake_cloud.answer_with("/v1.0/iot-01/", answer)
        code, result, stderr = await run_tool(*cloud_args(fake_cloud))
        assert code == 1
        assert result is None
        assert stderr.startswith("error: Cloud")
        assert stderr.count("\n") == 1
        assert "\x1b" not in stderr
        assert len(stderr) < 400
