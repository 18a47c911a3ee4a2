"""``python -m tuya_sim``: the first stdout line is the port; it runs until interrupted."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest

from custom_components.tuya_lan.tuyalan import TuyaClient, TuyaCloud
from tuya_sim import SimulatedGateway
from tuya_sim.config import parse_config

from .common import DEVICE22_ID, DEVICE_ID, KEY

REPO = Path(__file__).resolve().parents[2]
ACCESS_ID = "demo0access0id000001"


async def run_cli(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tuya_sim",
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def interrupt(process: asyncio.subprocess.Process) -> bytes:
    """Ctrl-C the simulator; its stderr. It must exit cleanly."""
    process.send_signal(signal.SIGINT)
    _, stderr = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0, stderr.decode()
    return stderr


async def status(port: int, device_id: str, version: str) -> dict[str, object]:
    client = TuyaClient("127.0.0.1", device_id, KEY, version, port=port, timeout=3)
    try:
        await client.connect()
        return await client.status()
    finally:
        await client.close()


async def test_single_device_prints_its_port_first(socket_enabled: None):
    process = await run_cli(
        "--version", "3.4", "--id", DEVICE_ID, "--key", KEY, "--port", "0",
        "--profile", "strip", "--dps", '{"1": true}',
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 15)
        port = int(line)
        assert 0 < port < 65536
        assert await status(port, DEVICE_ID, "3.4") == {
            "1": True, "2": False, "3": False, "4": False, "7": 0, "8": 0, "9": 0, "10": 0,
        }  # fmt: skip
    finally:
        if process.returncode is None:
            stderr = await interrupt(process)
    assert b"listening" in stderr  # logs go to stderr, not stdout


async def test_config_file_runs_several_devices(socket_enabled: None, tmp_path: Path):
    config = tmp_path / "devices.json"
    config.write_text(
        json.dumps(
            {
                "devices": [
                    {"id": DEVICE_ID, "key": KEY, "version": "3.5", "port": 0},
                    {"id": DEVICE22_ID, "key": KEY, "version": "3.3", "device22": True, "port": 0},
                ]
            }
        )
    )
    process = await run_cli("--config", str(config))
    try:
        assert process.stdout is not None
        lines = [await asyncio.wait_for(process.stdout.readline(), 15) for _ in range(2)]
        ports = {}
        for line in lines:
            port, device_id = line.decode().split()
            ports[device_id] = int(port)
        assert await status(ports[DEVICE_ID], DEVICE_ID, "3.5")
        assert (await status(ports[DEVICE22_ID], DEVICE22_ID, "3.3"))["1"] is True
    finally:
        if process.returncode is None:
            await interrupt(process)


async def test_bad_arguments_exit_with_a_one_line_reason():
    process = await run_cli("--version", "3.3", "--id", DEVICE_ID, "--key", "short")
    stdout, stderr = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 2
    assert stdout == b""
    assert stderr.decode().strip().splitlines() == [
        "tuya_sim: a local key has 16 characters, not 5"
    ]


def test_config_validation():
    with pytest.raises(ValueError, match="non-empty list"):
        parse_config({"devices": []})
    with pytest.raises(ValueError, match="lacks key"):
        parse_config([{"id": DEVICE_ID, "version": "3.3"}])
    with pytest.raises(ValueError, match="unknown option"):
        parse_config([{"id": DEVICE_ID, "key": KEY, "version": "3.3", "colour": "red"}])
    spec = parse_config(
        {"request_port": 7000, "devices": [{"id": DEVICE_ID, "key": KEY, "version": "3.5"}]}
    )
    assert spec.request_port == 7000
    assert spec.devices[0].build().version == "3.5"


async def test_demo_config_clouds_and_rekey_command(socket_enabled: None, tmp_path: Path):
    """A device with a name and a host, the fake developer cloud holding it,
    and ``rekey`` on stdin: the device takes the new key, and the cloud hands it out."""
    new_key = "Nw7#Kp2!Vx9@Lm4q"
    config = tmp_path / "devices.json"
    config.write_text(
        json.dumps(
            {
                "cloud": {"access_id": ACCESS_ID, "access_secret": "s" * 32, "port": 0},
                "devices": [
                    {"id": DEVICE_ID, "key": KEY, "version": "3.4", "name": "Desk lamp",
                     "host": "127.0.0.1", "port": 0},
                ],
            }
        )
    )  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tuya_sim", "--config", str(config), "--commands",
        cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        port = int((await asyncio.wait_for(process.stdout.readline(), 15)).split()[0])
        words = (await asyncio.wait_for(process.stdout.readline(), 15)).decode().split()
        assert words[:2] == ["cloud", "developer"]
        client = TuyaClient("127.0.0.1", DEVICE_ID, KEY, "3.4", port=port, timeout=3)
        try:
            await client.connect()
            assert await client.status()
        finally:
            await client.close()
        process.stdin.write(f"rekey desk lamp {new_key}\n".encode())
        await process.stdin.drain()
        while b"rekeyed" not in (line := await asyncio.wait_for(process.stderr.readline(), 15)):
            assert line, "the simulator ended"
        assert line.decode().strip() == f"rekeyed {DEVICE_ID}: its new local key is {new_key}"
        cloud = TuyaCloud(ACCESS_ID, "s" * 32, endpoint=words[2])
        try:
            (device,) = await cloud.devices()
        finally:
            await cloud.close()
        assert device.name == "Desk lamp"
        assert device.local_key == new_key
        client = TuyaClient("127.0.0.1", DEVICE_ID, new_key, "3.4", port=port, timeout=3)
        try:
            await client.connect()
            assert await client.status()
        finally:
            await client.close()
    finally:
        if process.returncode is None:
            await interrupt(process)


def test_cloud_config_validation():
    device = {"id": DEVICE_ID, "key": KEY, "version": "3.3"}
    with pytest.raises(ValueError, match="smart_life lacks user_code"):
        parse_config({"smart_life": {"port": 0}, "devices": [device]})
    with pytest.raises(ValueError, match="unknown option"):
        parse_config({"cloud": {"access_id": "a", "access_secret": "b", "port": 0, "x": 1},
                      "devices": [device]})  # fmt: skip
    with pytest.raises(ValueError, match="loopback"):
        parse_config([{**device, "host": "192.0.2.7"}]).devices[0].build()


async def test_offline_and_online_commands(socket_enabled: None, tmp_path: Path) -> None:
    """Issue 19 item 10: ``offline NAME`` on stdin takes the device off the network (a
    connection is refused, an open one is dropped), ``online NAME`` brings it back on
    the same port; a name that fits no device is answered with the devices."""
    config = tmp_path / "devices.json"
    config.write_text(
        json.dumps(
            {"devices": [{"id": DEVICE_ID, "key": KEY, "version": "3.3", "name": "Kettle",
                          "host": "127.0.0.1", "port": 0}]}
        )
    )  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tuya_sim", "--config", str(config), "--commands",
        cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    stdin, stderr = process.stdin, process.stderr

    async def command(line: str, answer: str) -> str:
        stdin.write(f"{line}\n".encode())
        await stdin.drain()
        while answer not in (said := (await asyncio.wait_for(stderr.readline(), 15)).decode()):
            assert said, "the simulator ended"
        return said.strip()

    try:
        port = int((await asyncio.wait_for(process.stdout.readline(), 15)).split()[0])
        client = TuyaClient("127.0.0.1", DEVICE_ID, KEY, "3.3", port=port, timeout=3)
        lost = asyncio.get_running_loop().create_future()
        client.on_disconnect = lambda exc: lost.done() or lost.set_result(exc)
        await client.connect()
        assert await client.status()
        said = await command("offline kettle", "offline")
        assert said == f"{DEVICE_ID} is offline: no connection, no announcement"
        await asyncio.wait_for(lost, 10)  # the open connection was dropped
        await client.close()
        with pytest.raises(ConnectionError):
            await status(port, DEVICE_ID, "3.3")
        said = await command("online kettle", "online")
        assert said == f"{DEVICE_ID} is online again at 127.0.0.1:{port}"
        assert await status(port, DEVICE_ID, "3.3")
        said = await command("offline lamp", "offline:")
        assert said.startswith("offline: no device matches 'lamp'; the devices: ")
        assert "(Kettle)" in said
    finally:
        if process.returncode is None:
            await interrupt(process)


GATEWAY_ID = "bf0123456789abcdgw01"
CHILDREN = [
    {"cid": "a4c1380000000001", "profile": "plug", "name": "Hall plug",
     "id": "bf0123456789abcdch01"},
    {"cid": "a4c1380000000002", "profile": "temperature", "name": "Garden sensor",
     "id": "bf0123456789abcdch02"},
]  # fmt: skip


def test_gateway_and_cloudless_device_in_a_config():
    """A device with children is a gateway; a child names its profile, its name and
    its own id in the clouds; bad children are refused, saying why."""
    gateway = {"id": GATEWAY_ID, "key": KEY, "version": "3.4", "children": CHILDREN}
    spec = parse_config([gateway, {"id": DEVICE_ID, "key": KEY, "version": "3.3",
                                   "in_clouds": False}])  # fmt: skip
    built = spec.devices[0].build()
    assert isinstance(built, SimulatedGateway)
    assert set(built.children) == {"a4c1380000000001", "a4c1380000000002"}
    assert built.children["a4c1380000000002"].dps["1"] == 215
    assert [spec.devices[0].in_clouds, spec.devices[1].in_clouds] == [True, False]
    with pytest.raises(ValueError, match="each child is an object with cid, id, name, profile"):
        parse_config([{**gateway, "children": [{"cid": "a4c1380000000001"}]}])
    with pytest.raises(ValueError, match="child profile 'bulb'"):
        parse_config([{**gateway, "children": [{**CHILDREN[0], "profile": "bulb"}]}])
    with pytest.raises(ValueError, match="same cid"):
        parse_config([{**gateway, "children": [CHILDREN[0], CHILDREN[0]]}])
    with pytest.raises(ValueError, match="in_clouds must be true or false"):
        parse_config([{**gateway, "in_clouds": "no"}])
    with pytest.raises(ValueError, match="unknown option"):  # a gateway's keyword, no gateway
        parse_config([{"id": DEVICE_ID, "key": KEY, "version": "3.3", "presence_split": 2}])


async def test_clouds_list_children_with_their_gateway_and_not_cloudless_devices(
    socket_enabled: None, tmp_path: Path
) -> None:
    """The fake developer cloud of a config lists a gateway (category wg2) and its
    children (their own ids, the gateway's id, their cid as node id, the gateway's
    key and their own data models), and not a device marked ``in_clouds: false``."""
    config = tmp_path / "devices.json"
    config.write_text(
        json.dumps(
            {
                "cloud": {"access_id": ACCESS_ID, "access_secret": "s" * 32, "port": 0},
                "devices": [
                    {"id": GATEWAY_ID, "key": KEY, "version": "3.4", "name": "Hub",
                     "host": "127.0.0.1", "port": 0, "children": CHILDREN},
                    {"id": DEVICE_ID, "key": KEY, "version": "3.3", "name": "Cut plug",
                     "host": "127.0.0.1", "port": 0, "in_clouds": False},
                ],
            }
        )
    )  # fmt: skip
    process = await run_cli("--config", str(config))
    assert process.stdout is not None
    try:
        for _ in range(2):
            await asyncio.wait_for(process.stdout.readline(), 15)
        words = (await asyncio.wait_for(process.stdout.readline(), 15)).decode().split()
        assert words[:2] == ["cloud", "developer"]
        cloud = TuyaCloud(ACCESS_ID, "s" * 32, endpoint=words[2])
        try:
            devices = {device.id: device for device in await cloud.devices()}
            sensor_model = await cloud.model("bf0123456789abcdch02")
        finally:
            await cloud.close()
        assert set(devices) == {GATEWAY_ID, "bf0123456789abcdch01", "bf0123456789abcdch02"}
        assert devices[GATEWAY_ID].category == "wg2"
        for child in CHILDREN:
            listed = devices[child["id"]]
            assert (listed.name, listed.gateway_id, listed.node_id, listed.local_key) == (
                child["name"], GATEWAY_ID, child["cid"], KEY
            )  # fmt: skip
        assert devices["bf0123456789abcdch02"].category == "wsdcg"
        assert [dp.code for dp in sensor_model] == [
            "va_temperature", "va_humidity", "battery_percentage"
        ]  # fmt: skip
    finally:
        await interrupt(process)
