"""Command line: run simulated devices until interrupted.

    python -m tuya_sim --version 3.4 --id ID --key KEY --port 0 [--dps JSON]
        [--profile NAME] [--discovery-port P] [--device22] ...
    python -m tuya_sim --config devices.json [--commands]

The first line on stdout is the listening TCP port (with ``--config``: one line per
device, ``PORT ID``, then one per fake cloud of the config: ``cloud developer URL`` or
``cloud smart_life URL CA_FILE``), so a script can start it with ``--port 0`` and read
where it listens. Logs go to stderr. SIGINT or SIGTERM stops it cleanly.

``--commands`` reads commands from stdin, one a line, answering on stderr:
``rekey DEVICE [KEY]`` re-pairs a device (DEVICE: its id, the id's last characters,
or its name) with a new local key (random when not given), as a re-pairing in the app
would; the fake clouds hand out the new key from then on. ``offline DEVICE`` takes a
device off the network (it drops its connections, stops listening and announcing, as
when its power or WiFi is lost); ``online DEVICE`` brings it back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import stat
import string
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from custom_components.tuya_lan.tuyalan import VERSIONS

from .cloud import FakeTuyaCloud, cloud_child_for, cloud_device_for
from .config import CloudSpec, DeviceSpec, SimulatorSpec, parse_config
from .device import SimulatedDevice
from .gateway import SimulatedGateway
from .profiles import PROFILES
from .sharing import FakeSmartLifeCloud
from .simulator import DeviceSimulator

_LOGGER = logging.getLogger("tuya_sim")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tuya_sim",
        description="Simulated Tuya WiFi devices on 127.0.0.1, for tests and demos.",
    )
    parser.add_argument("--config", type=Path, help="JSON file describing several devices")
    parser.add_argument("--version", choices=VERSIONS, help="protocol version")
    parser.add_argument("--id", dest="device_id", help="device id (gwId)")
    parser.add_argument("--key", help="16-character local key")
    parser.add_argument("--port", type=int, default=6668, help="TCP port; 0 = any free port")
    parser.add_argument("--dps", help="initial DP values as JSON, e.g. '{\"1\": true}'")
    parser.add_argument("--profile", choices=PROFILES, default="plug")
    parser.add_argument("--device22", action="store_true", help="refuse the plain query")
    parser.add_argument("--max-clients", type=int, default=1, help="connections served at once")
    parser.add_argument("--discovery-port", type=int, help="announce to 127.0.0.1:PORT")
    parser.add_argument("--discovery-ip", default="127.0.0.1", help='the "ip" announced')
    parser.add_argument("--discovery-interval", type=float, default=5.0)
    parser.add_argument("--request-port", type=int, help="3.5: answer 0x25 requests on this port")
    parser.add_argument("--request-reply-port", type=int, default=7000)
    parser.add_argument(
        "--tick-interval", type=float, default=1.0, help="real seconds per simulated second"
    )
    parser.add_argument("--seed", type=int, help="random seed, for reproducible runs")
    parser.add_argument(
        "--commands",
        action="store_true",
        help="read commands from stdin (rekey DEVICE [KEY], offline DEVICE, online DEVICE)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def _spec_from_args(args: argparse.Namespace) -> SimulatorSpec:
    if args.config is not None:
        return parse_config(json.loads(args.config.read_text()))
    if not (args.version and args.device_id and args.key):
        raise ValueError("give --config FILE, or --version, --id and --key")
    options: dict[str, Any] = {
        "port": args.port,
        "profile": args.profile,
        "device22": args.device22,
        "max_clients": args.max_clients,
        "discovery_port": args.discovery_port,
        "discovery_ip": args.discovery_ip,
        "discovery_interval": args.discovery_interval,
        "tick_interval": args.tick_interval,
        "seed": args.seed,
    }
    if args.dps:
        dps = json.loads(args.dps)
        if not isinstance(dps, dict):
            raise ValueError("--dps must be a JSON object")
        options["dps"] = dps
    if args.request_port is not None:
        options["request_port"] = args.request_port
        options["request_reply_port"] = args.request_reply_port
    return SimulatorSpec([DeviceSpec(args.device_id, args.key, args.version, options)])


# The account the fake clouds' devices belong to, unless the config names one.
DEFAULT_UID = "eu1700000000000demo"
_KEY_ALPHABET = string.ascii_letters + string.digits


def _cloud(spec: CloudSpec) -> FakeTuyaCloud | FakeSmartLifeCloud:
    options = spec.options
    if spec.kind == "developer":
        return FakeTuyaCloud(options["access_id"], options["access_secret"], port=spec.port)
    return FakeSmartLifeCloud(
        options["user_code"],
        uid=options.get("uid", DEFAULT_UID),
        port=spec.port,
        auto_approve_after=options.get("auto_approve_after"),
    )


def find_device(simulator: DeviceSimulator, names: dict[str, str], wanted: str) -> SimulatedDevice:
    """The device ``wanted`` names: its id, the id's last characters, or its name."""
    wanted = wanted.strip().lower()
    found = [
        device
        for device in simulator
        if device.device_id.lower().endswith(wanted)
        or names.get(device.device_id, "").lower() == wanted
    ]
    if len(found) != 1:
        known = ", ".join(f"{d.device_id[-4:]} ({names.get(d.device_id, '-')})" for d in simulator)
        raise ValueError(
            f"{'no' if not found else 'more than one'} device matches {wanted!r}; "
            f"the devices: {known}"
        )
    return found[0]


COMMANDS_HELP = (
    "commands: rekey DEVICE [KEY] | offline DEVICE | online DEVICE  "
    "(DEVICE: id, last characters of the id, or name)"
)


async def run_command(simulator: DeviceSimulator, names: dict[str, str], line: str) -> str:
    """Carry out one console command; the answer to show."""
    words = line.split()
    if not words:
        return ""
    if words[0] in ("offline", "online") and len(words) >= 2:
        try:
            device = find_device(simulator, names, " ".join(words[1:]))
        except ValueError as err:
            return f"{words[0]}: {err}"
        if words[0] == "offline":
            await device.go_offline()
            return f"{device.device_id} is offline: no connection, no announcement"
        if not device.online:
            await device.go_online()
        return f"{device.device_id} is online again at {device.host}:{device.port}"
    if words[0] == "rekey" and len(words) >= 2:
        try:
            try:  # a name may have spaces: all of it, with a random key
                device, key = find_device(simulator, names, " ".join(words[1:])), None
            except ValueError:
                if len(words) == 2:
                    raise
                device, key = find_device(simulator, names, " ".join(words[1:-1])), words[-1]
            key = key or "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
            device.change_key(key)
        except ValueError as err:
            return f"rekey: {err}"
        # A simulated device's key, shown on purpose: without a linked account the
        # person trying the demo types it in the reauthentication dialog.
        return f"rekeyed {device.device_id}: its new local key is {key}"
    return COMMANDS_HELP


async def _commands(simulator: DeviceSimulator, names: dict[str, str]) -> None:
    """Read and run commands from stdin until it ends."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    mode = os.fstat(sys.stdin.fileno()).st_mode
    # Only a terminal, a pipe or a socket can be waited on (/dev/null or a file cannot:
    # epoll refuses them, and asyncio would report it from a callback).
    if not (sys.stdin.isatty() or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        _LOGGER.info("stdin is not a terminal or a pipe: no commands")
        return
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        if answer := await run_command(simulator, names, line.decode(errors="replace")):
            print(answer, file=sys.stderr, flush=True)


def _describe(
    cloud: FakeTuyaCloud | FakeSmartLifeCloud,
    uid: str,
    spec: SimulatorSpec,
    simulator: DeviceSimulator,
) -> None:
    """Put every device the config lets the clouds know into ``cloud``, with a
    gateway's children (listed with their gateway's id and their cid)."""
    for device_spec in spec.devices:
        if not device_spec.in_clouds:
            continue
        device = simulator[device_spec.device_id]
        cloud.add_device(cloud_device_for(device, uid=uid, name=device_spec.name))
        for child in device_spec.children:
            assert isinstance(device, SimulatedGateway)
            cloud.add_device(
                cloud_child_for(
                    device, child.cid, device_id=child.cloud_id, name=child.name, uid=uid
                )
            )


async def _run(spec: SimulatorSpec, *, single: bool, commands: bool = False) -> None:
    simulator = DeviceSimulator(request_port=spec.request_port)
    names: dict[str, str] = {}
    for device_spec in spec.devices:
        simulator.add(device_spec.build())
        if device_spec.name:
            names[device_spec.device_id] = device_spec.name
    clouds = [(_cloud(cloud), cloud.options.get("uid", DEFAULT_UID)) for cloud in spec.clouds]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with simulator:
        for device in simulator:
            print(device.port if single else f"{device.port} {device.device_id}", flush=True)
        if simulator.request_port is not None:
            _LOGGER.info("answering discovery requests on UDP %d", simulator.request_port)
        for cloud, uid in clouds:
            _describe(cloud, uid, spec, simulator)
            await cloud.start()
            if isinstance(cloud, FakeSmartLifeCloud):
                print(f"cloud smart_life {cloud.url} {cloud.ca_file}", flush=True)
            else:
                print(f"cloud developer {cloud.url}", flush=True)
        reading = asyncio.create_task(_commands(simulator, names)) if commands else None
        try:
            await stop.wait()
        finally:
            if reading is not None:
                reading.cancel()
            for cloud, _ in clouds:
                await cloud.stop()
    _LOGGER.info("stopped")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        spec = _spec_from_args(args)
        for device_spec in spec.devices:
            device_spec.build()  # validate keys, versions and options before binding
    except (OSError, ValueError, TypeError) as err:
        print(f"tuya_sim: {err}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(spec, single=args.config is None, commands=args.commands))
    except OSError as err:
        print(f"tuya_sim: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
