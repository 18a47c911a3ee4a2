"""Command line: poke a device, or listen for devices.

    python -m tuyalan status --host H --id ID --key KEY [--version V]
    python -m tuyalan set --host H --id ID --key KEY --dps '{"1":true}'
    python -m tuyalan scan [--seconds 10] [--listen 0.0.0.0]
    python -m tuyalan cloud --access-id ID --access-secret SECRET \
        (--region eu|us|us-e|eu-w|in|cn|sg | --endpoint URL) [--uid APP_UID]

(``tuyalan`` as the installed wheel names it; in this repository's checkout it is
``custom_components.tuya_lan.tuyalan``.) JSON on stdout; on failure a non-zero exit and
a one-line reason on stderr. Without ``--version`` the version is detected (3.5, 3.4,
3.3, 3.2, 3.1 in turn). The ``cloud`` command needs the ``cloud`` extra (aiohttp).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .client import TuyaClient, detect_version, probe
from .cloud_sign import REGIONS
from .const import TCP_PORT, UDP_PORTS, VERSIONS
from .discovery import DiscoveredDevice
from .errors import NoStatusError, TuyaError
from .listener import DiscoveryListener


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}",
        description="Talk to Tuya WiFi devices on the local network.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("status", "read every DP"), ("set", "write DPs")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--host", required=True, help="device IP address or name")
        sub.add_argument("--port", type=int, default=TCP_PORT, help="TCP port (default 6668)")
        sub.add_argument("--id", required=True, dest="device_id", help="device id (gwId)")
        sub.add_argument("--key", required=True, help="16-character local key")
        sub.add_argument("--version", choices=VERSIONS, help="protocol version (default: detect)")
        sub.add_argument("--device22", action="store_true", help="query DP by DP (device22)")
        sub.add_argument("--timeout", type=float, default=5.0, help="seconds per request")
        if name == "set":
            sub.add_argument("--dps", required=True, help='JSON object, e.g. {"1": true}')
    scan = commands.add_parser("scan", help="listen for device broadcasts")
    scan.add_argument("--seconds", type=float, default=10.0, help="how long to listen")
    scan.add_argument("--listen", default="0.0.0.0", help="address to listen on")  # noqa: S104
    scan.add_argument(
        "--ports",
        default=",".join(map(str, UDP_PORTS)),
        help="comma-separated UDP ports (default 6666,6667,7000)",
    )
    scan.add_argument(
        "--request",
        metavar="ADDR:PORT",
        help="also send the 3.5 discovery request there (e.g. your broadcast address:7000)",
    )
    scan.add_argument("--reply-ip", help="the IP 3.5 devices should answer to")
    _add_cloud_parser(commands)
    return parser


def _add_cloud_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cloud = commands.add_parser(
        "cloud",
        help="local keys and DP models from a Tuya IoT developer project",
        description=(
            "List the devices of the app accounts linked to a Tuya IoT developer project, "
            "with local keys and DP models. The id and secret may also come from "
            "TUYA_ACCESS_ID and TUYA_ACCESS_SECRET."
        ),
    )
    cloud.add_argument("--access-id", default=os.environ.get("TUYA_ACCESS_ID"), help="Access ID")
    cloud.add_argument(
        "--access-secret", default=os.environ.get("TUYA_ACCESS_SECRET"), help="Access Secret"
    )
    where = cloud.add_mutually_exclusive_group(required=True)
    where.add_argument("--region", choices=tuple(REGIONS), help="the project's data centre")
    where.add_argument("--endpoint", help="OpenAPI base URL instead of a region")
    cloud.add_argument(
        "--uid", help="one app account's UID (default: every account linked to the project)"
    )
    cloud.add_argument("--no-model", action="store_true", help="skip the DP models")
    cloud.add_argument("--timeout", type=float, default=15.0, help="seconds per request")


async def _connect(args: argparse.Namespace) -> tuple[TuyaClient, dict[str, Any] | None]:
    version, status = args.version, None
    if version is None:
        try:
            version, status = await detect_version(
                args.host, args.device_id, args.key, port=args.port, timeout=min(args.timeout, 3)
            )
        except NoStatusError as err:
            if err.version is None:
                raise
            version = err.version  # it answers in this version, only not with its state
    client = TuyaClient(
        args.host,
        args.device_id,
        args.key,
        version,
        port=args.port,
        device22=args.device22,
        timeout=args.timeout,
    )
    await client.connect()
    return client, status


async def _status(args: argparse.Namespace) -> dict[str, Any]:
    if args.version is None:  # detecting the version reads the status too
        version, status = await detect_version(
            args.host, args.device_id, args.key, port=args.port, timeout=min(args.timeout, 3)
        )
        return {"version": version, "dps": status}
    status = await probe(
        args.host,
        args.device_id,
        args.key,
        args.version,
        port=args.port,
        timeout=args.timeout,
        device22=args.device22,
    )
    return {"version": args.version, "dps": status}


async def _set(args: argparse.Namespace) -> dict[str, Any]:
    try:
        dps = json.loads(args.dps)
    except ValueError as err:
        raise TuyaError(f"--dps is not JSON: {err}") from None
    if not isinstance(dps, dict) or not dps:
        raise TuyaError('--dps must be a non-empty JSON object such as {"1": true}')
    client, _ = await _connect(args)
    pushed: dict[str, Any] = {}
    client.on_status = pushed.update
    try:
        await client.set_dps(dps)
        try:
            status = await client.status()
        except NoStatusError:
            status = pushed  # it reports only changes: what it reported after the write
        return {"version": client.version, "set": dps, "dps": status}
    finally:
        await client.close()


async def _scan(args: argparse.Namespace) -> dict[str, Any]:
    found: dict[str, DiscoveredDevice] = {}
    ports = [int(p) for p in args.ports.split(",") if p]

    def remember(device: DiscoveredDevice, _: tuple[str, int]) -> None:
        found.setdefault(device.device_id, device)

    listener = DiscoveryListener(remember, args.listen, ports)
    await listener.start()
    if not listener.listening_ports:
        raise TuyaError(f"cannot listen on any of UDP {ports}: {listener.unavailable_ports}")
    try:
        if args.request:
            host, _, port = args.request.rpartition(":")
            listener.send_request(args.reply_ip or args.listen, (host, int(port)))
        await asyncio.sleep(args.seconds)
    finally:
        listener.close()
    return {
        "devices": [
            {
                "id": d.device_id,
                "ip": d.ip,
                "version": d.version,
                "product_key": d.product_key,
                "mac": d.mac,
            }
            for d in found.values()
        ],
        "unavailable_ports": listener.unavailable_ports,
    }


async def _cloud(args: argparse.Namespace) -> dict[str, Any]:
    if not args.access_id or not args.access_secret:
        raise TuyaError("give --access-id and --access-secret (or TUYA_ACCESS_ID/_SECRET)")
    try:
        from .cloud import TuyaCloud  # noqa: PLC0415 (aiohttp: only this command needs it)
    except ImportError as err:
        raise TuyaError(f"the cloud command needs the cloud extra (aiohttp): {err}") from None
    async with TuyaCloud(
        args.access_id,
        args.access_secret,
        region=args.region,
        endpoint=args.endpoint,
        timeout=args.timeout,
    ) as cloud:
        devices = await cloud.devices(args.uid, with_model=not args.no_model)
    return {"devices": [device.to_dict() for device in devices]}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status says whether it worked."""
    args = _parser().parse_args(argv)
    command = {"status": _status, "set": _set, "scan": _scan, "cloud": _cloud}[args.command]
    try:
        result = asyncio.run(command(args))
    except (TuyaError, ValueError, OSError) as err:
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
