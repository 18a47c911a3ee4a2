"""Command line: run simulated devices until interrupted.

    python -m tuya_sim --version 3.4 --id ID --key KEY --port 0 [--dps JSON]
        [--profile plug|plug_a|strip|none] [--discovery-port P] [--device22] ...
    python -m tuya_sim --config devices.json

The first line on stdout is the listening TCP port (with ``--config``: one line per
device, ``PORT ID``), so a script can start it with ``--port 0`` and read where it
listens. Logs go to stderr. SIGINT or SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from custom_components.tuya_lan.tuyalan.const import VERSIONS

from .config import DeviceSpec, SimulatorSpec, parse_config
from .profiles import PROFILES
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


async def _run(spec: SimulatorSpec, *, single: bool) -> None:
    simulator = DeviceSimulator(request_port=spec.request_port)
    for device_spec in spec.devices:
        simulator.add(device_spec.build())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with simulator:
        for device in simulator:
            print(device.port if single else f"{device.port} {device.device_id}", flush=True)
        if simulator.request_port is not None:
            _LOGGER.info("answering discovery requests on UDP %d", simulator.request_port)
        await stop.wait()
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
        asyncio.run(_run(spec, single=args.config is None))
    except OSError as err:
        print(f"tuya_sim: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
