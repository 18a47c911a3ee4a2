"""``python -m custom_components.tuya_lan.tuyalan``: JSON on stdout, or a non-zero exit
with a one-line reason."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.sim.common import KEY, WRONG_KEY, StartDevice

REPO = Path(__file__).resolve().parents[2]


async def run_tool(*args: str) -> tuple[int, Any, str]:
    """(exit status, parsed stdout or None, stderr without interpreter warnings)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-W",
        "ignore",  # Home Assistant's import-time warnings are not the tool's output
        "-m",
        "custom_components.tuya_lan.tuyalan",
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, json.loads(stdout) if stdout.strip() else None, stderr.decode()


def device_args(device: Any, key: str = KEY) -> list[str]:
    return [
        "--host",
        "127.0.0.1",
        "--port",
        str(device.port),
        "--id",
        device.device_id,
        "--key",
        key,
    ]


@pytest.mark.parametrize("version", ["3.1", "3.5"])
async def test_status_detects_the_version(start_device: StartDevice, version: str):
    device = await start_device(version, tick_interval=None)
    code, result, _ = await run_tool("status", *device_args(device))
    assert code == 0
    assert result == {"version": version, "dps": device.dps}


async def test_set_writes_and_reports_the_new_state(start_device: StartDevice):
    device = await start_device("3.4", profile="strip")
    code, result, _ = await run_tool(
        "set", *device_args(device), "--version", "3.4", "--dps", '{"2": true}'
    )
    assert code == 0
    assert result["set"] == {"2": True}
    assert result["dps"]["2"] is True
    assert device.dps["2"] is True


async def test_wrong_key_fails_with_one_line(start_device: StartDevice):
    device = await start_device("3.3")
    code, result, stderr = await run_tool(
        "status", *device_args(device, WRONG_KEY), "--version", "3.3"
    )
    assert code == 1
    assert result is None
    assert stderr.startswith("error: WrongKeyError")
    assert stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (["--dps", "{not json"], "--dps is not JSON"),
        (["--dps", "[1]"], "non-empty JSON object"),
    ],
)
async def test_set_refuses_bad_dps(start_device: StartDevice, extra: list[str], reason: str):
    device = await start_device("3.3")
    code, _, stderr = await run_tool("set", *device_args(device), "--version", "3.3", *extra)
    assert code == 1
    assert reason in stderr


async def test_scan_lists_devices_announcing_on_loopback(
    start_device: StartDevice, unused_udp_port_factory: Any
):
    port = unused_udp_port_factory()
    device = await start_device("3.4", discovery_port=port, discovery_interval=0.2)
    code, result, _ = await run_tool(
        "scan", "--listen", "127.0.0.1", "--ports", str(port), "--seconds", "2"
    )
    assert code == 0
    assert result["devices"] == [
        {
            "id": device.device_id,
            "ip": "127.0.0.1",
            "version": "3.4",
            "product_key": device.product_key,
            "mac": "67:89:ab:cd:ef:01",  # the last 12 characters of a 20-character id
        }
    ]


async def test_a_device_that_reports_only_changes_is_named_so(start_device: StartDevice):
    """It acks the status query, ignores the refresh and pushes only changes (issue 21
    item 2): `status` says so in one line, no traceback; `set` writes and shows what the
    device reported after the write."""
    device = await start_device("3.5", profile="strip")
    device.quirks.reports_only_changes = device.quirks.ignores_refresh = True
    code, result, stderr = await run_tool("status", *device_args(device), "--timeout", "0.5")
    assert (code, result) == (1, None)
    assert stderr.startswith("error: NoStatusError: ")
    assert "only when they change" in stderr
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1
    code, result, stderr = await run_tool(
        "set", *device_args(device), "--timeout", "0.5", "--dps", '{"2": true}'
    )
    assert code == 0, stderr
    assert result == {"version": "3.5", "set": {"2": True}, "dps": {"2": True}}
    assert device.dps["2"] is True
