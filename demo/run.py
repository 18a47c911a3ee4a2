"""Start the demo: simulated devices plus a real Home Assistant with Tuya LAN.

Run through ``scripts/demo`` (which provides the Python 3.14 environment). Prepares
``demo_config/`` (kept between runs: your devices and history survive a restart,
``--fresh`` starts over), checks that every port it needs is free, starts the
simulated devices described in ``demo/devices.json`` with the fake Tuya clouds holding
them, then Home Assistant on http://127.0.0.1:8123 (user demo, password demo).
Everything listens on loopback only: Home Assistant's web server, the fake clouds and
Tuya LAN's discovery listener (``listen_address`` in ``demo/configuration.yaml``) on
127.0.0.1; each simulated device on port 6668 of a loopback address of its own
(127.0.0.2, 127.0.0.3, ...), as real devices on a LAN.

Lines typed into the demo's terminal go to the simulator: ``rekey DEVICE`` re-pairs a
device with a new key, ``offline DEVICE`` takes it off the network (power or WiFi
lost) and ``online DEVICE`` brings it back (see ``python -m tuya_sim --help``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "demo_config"
DEVICES = REPO / "demo" / "devices.json"
USER, PASSWORD = "demo", "demo"
HOST = "127.0.0.1"
HTTP_PORT = 8123
# Home Assistant's Tuya LAN listens here for announcements (6666, 6667) and answers to
# the 0x25 request (7000): the ports of real devices.
DISCOVERY_PORTS = (6666, 6667, 7000)
# The fake clouds of demo/devices.json, by their key there.
CLOUDS = {
    "cloud": "the fake Tuya IoT developer cloud",
    "smart_life": "the fake Smart Life app cloud",
}
# Home Assistant serves the UI this long after start on a busy 2-core machine at most.
READY_TIMEOUT = 300.0


@dataclass(frozen=True)
class NeededPort:
    """A port the demo binds on 127.0.0.1, and who binds it."""

    protocol: str  # "tcp" or "udp"
    port: int
    purpose: str
    host: str = HOST


def needed_ports(http_port: int) -> list[NeededPort]:
    """Every port the demo binds: Home Assistant's, the devices', the fake clouds' and
    discovery's."""
    spec = json.loads(DEVICES.read_text())
    ports = [NeededPort("tcp", http_port, "Home Assistant's web server")]
    ports += [
        NeededPort(
            "tcp",
            device["port"],
            f"the simulated device {device['id']}",
            device.get("host", HOST),
        )
        for device in spec["devices"]
    ]
    ports += [
        NeededPort("tcp", spec[kind]["port"], purpose)
        for kind, purpose in CLOUDS.items()
        if kind in spec
    ]
    ports += [NeededPort("udp", port, "Tuya LAN's discovery listener") for port in DISCOVERY_PORTS]
    if spec.get("request_port"):
        ports.append(
            NeededPort("udp", spec["request_port"], "the simulated devices' discovery requests")
        )
    return ports


def _free(needed: NeededPort) -> bool:
    kind = socket.SOCK_STREAM if needed.protocol == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as sock:
        if kind == socket.SOCK_STREAM:
            # A connection of a previous run in TIME_WAIT does not hold the port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # No SO_REUSEPORT: a program sharing the port would take some of the traffic.
        try:
            sock.bind((needed.host, needed.port))
        except OSError:
            return False
    return True


def ports_in_use(needed: list[NeededPort]) -> list[str]:
    """One line per port that another program holds, naming it when /proc tells."""
    from custom_components.tuya_lan.ports import (  # noqa: PLC0415 (slow import)
        tcp_port_holders,
        udp_port_holders,
    )

    problems = []
    for item in needed:
        if _free(item):
            continue
        holders = (tcp_port_holders if item.protocol == "tcp" else udp_port_holders)(item.port)
        named = (
            ", ".join(f"{holder.name} (pid {holder.pid})" for holder in holders)
            or "a process this user cannot see"
        )
        where = f"port {item.port}" if item.host == HOST else f"{item.host}:{item.port}"
        problems.append(f"  {item.protocol.upper()} {where} ({item.purpose}) is held by {named}")
    return problems


def http_storage(port: int) -> dict[str, object]:
    """Home Assistant's HTTP settings, confirmed: 127.0.0.1 only, the given port.

    Since Home Assistant 2026.10 these live in storage; an ``http:`` YAML block would be
    migrated as an unconfirmed trial (a modal asking to confirm it, a repair, and a
    restart to the previous settings after five minutes).
    """
    from homeassistant.components.http import config as http_config  # noqa: PLC0415

    stable = http_config.HTTP_STORAGE_SCHEMA({"server_host": [HOST], "server_port": port})
    return {
        "version": http_config.STORAGE_VERSION,
        "minor_version": http_config.STORAGE_MINOR_VERSION,
        "key": http_config.STORAGE_KEY,
        "data": {
            "stable": {
                **stable,
                "created_at": datetime.now(UTC).isoformat(),
                "error": None,
                "error_message": None,
            },
            "pending": None,
            "yaml_migration_done": True,
        },
    }


# Home Assistant's own repair about how it was installed: the demo runs it from a
# venv ("Core"), which Home Assistant deprecates. It says nothing about Tuya LAN, so
# the demo marks it ignored (as the Ignore button would); README.md says so.
IGNORED_ISSUES = (("homeassistant", "deprecated_method"),)


def ignore_issues(storage: Path) -> None:
    """Mark IGNORED_ISSUES as ignored for this Home Assistant version in the registry."""
    from homeassistant.const import __version__ as ha_version  # noqa: PLC0415

    path = storage / "repairs.issue_registry"
    registry = (
        json.loads(path.read_text())
        if path.exists()
        else {"version": 1, "minor_version": 2, "key": "repairs.issue_registry", "data": {}}
    )
    issues = registry["data"].setdefault("issues", [])
    for domain, issue_id in IGNORED_ISSUES:
        entry = next(
            (i for i in issues if (i["domain"], i["issue_id"]) == (domain, issue_id)), None
        )
        if entry is None:
            entry = {
                "created": datetime.now(UTC).isoformat(),
                "domain": domain,
                "is_persistent": False,
                "issue_id": issue_id,
            }
            issues.append(entry)
        entry["dismissed_version"] = ha_version
    path.write_text(json.dumps(registry, indent=2))


def prepare_config(config: Path, fresh: bool, port: int) -> None:
    """A config dir with the integration linked in, a user, onboarding done and the
    HTTP settings confirmed."""
    if fresh and config.exists():
        shutil.rmtree(config)
    config.mkdir(exist_ok=True, parents=True)
    shutil.copy(REPO / "demo" / "configuration.yaml", config / "configuration.yaml")
    components = config / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / "tuya_lan"
    if not link.exists():
        link.symlink_to(REPO / "custom_components" / "tuya_lan", target_is_directory=True)
    storage = config / ".storage"
    if not (storage / "auth_provider.homeassistant").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "homeassistant",
                "--script",
                "auth",
                "-c",
                str(config),
                "add",
                USER,
                PASSWORD,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    onboarding = storage / "onboarding"
    if not onboarding.exists():
        onboarding.write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["user", "core_config", "analytics", "integration"]},
                }
            )
        )
    # Written at every start: a config dir from an older demo (with the `http:` block)
    # may hold an unconfirmed trial, and --port may have changed.
    (storage / "http").write_text(json.dumps(http_storage(port), indent=2))
    ignore_issues(storage)


@dataclass(frozen=True)
class Clouds:
    """Where the simulator's fake clouds listen (None: not in demo/devices.json)."""

    developer_url: str | None = None
    smart_life_url: str | None = None
    smart_life_ca: str | None = None


def start_devices() -> tuple[subprocess.Popen[str], Clouds]:
    """The simulated devices and the fake clouds, in their own process as real devices
    would be. It reads the demo's terminal: ``rekey DEVICE`` there re-pairs a device,
    ``offline DEVICE`` / ``online DEVICE`` take it off the network and back."""
    spec = json.loads(DEVICES.read_text())
    devices = subprocess.Popen(
        [sys.executable, "-m", "tuya_sim", "--config", str(DEVICES), "--commands"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C reaches us only; we stop the children once
    )
    assert devices.stdout is not None
    for device in spec["devices"]:
        line = devices.stdout.readline()
        if not line:
            raise SystemExit("the device simulator did not start")
        print(
            f"  {device.get('name', ''):12} protocol {device['version']} {device['profile']:6}  "
            f"host {device.get('host', HOST)}  port {line.split()[0]}  "
            f"device id {device['id']}  local key {device['key']}",
            flush=True,
        )
    found: dict[str, list[str]] = {}
    for _ in (kind for kind in CLOUDS if kind in spec):
        words = devices.stdout.readline().split()
        if words[:1] != ["cloud"]:
            raise SystemExit("the fake clouds did not start")
        found[words[1]] = words[2:]
    clouds = Clouds(
        developer_url=found.get("developer", [None])[0],
        smart_life_url=found.get("smart_life", [None])[0],
        smart_life_ca=found.get("smart_life", [None, None])[1],
    )
    if clouds.developer_url:
        project = spec["cloud"]
        print(
            "Fake Tuya IoT developer project (Add integration > Tuya LAN > Link a Tuya IoT "
            f"developer project):\n  Access ID {project['access_id']}  Access Secret "
            f"{project['access_secret']}  data center: any\n  under Advanced, Endpoint "
            f"{clouds.developer_url}",
            flush=True,
        )
    if clouds.smart_life_url:
        app = spec["smart_life"]
        approve = app.get("auto_approve_after")
        print(
            "Fake Smart Life app (Add integration > Tuya LAN > Link my Smart Life app account):\n"
            f"  User Code {app['user_code']}"
            + (f"; the QR code counts as scanned {approve:g} s after it shows" if approve else ""),
            flush=True,
        )
    print(
        "Type here: rekey NAME to re-pair a device with a new key (e.g. rekey Fan); "
        "offline NAME / online NAME to take it off the network and back (the repair "
        "saying why it is unavailable comes a few seconds after it goes).",
        flush=True,
    )
    return devices, clouds


def hass_environment(clouds: Clouds) -> dict[str, str]:
    """Home Assistant's environment: the repository importable, and where demo/hass.py
    points the Smart Life SDK."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if clouds.smart_life_url and clouds.smart_life_ca:
        env["TUYA_LAN_DEMO_SMART_LIFE"] = clouds.smart_life_url.removeprefix("https://")
        env["REQUESTS_CA_BUNDLE"] = clouds.smart_life_ca
    return env


def serving(port: int) -> bool:
    """Whether Home Assistant answers HTTP on the port (the UI is up)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/manifest.json", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answers
    except OSError:
        return False


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="forget devices added before")
    parser.add_argument(
        "--config", type=Path, default=CONFIG, help="Home Assistant's config dir (demo_config/)"
    )
    parser.add_argument("--port", type=int, default=HTTP_PORT, help="Home Assistant's port (8123)")
    args = parser.parse_args()
    # SIGTERM (from a test, a service manager or `timeout`) stops everything as Ctrl-C
    # does, instead of leaving Home Assistant and the devices running on their own.
    signal.signal(signal.SIGTERM, _interrupt)
    if problems := ports_in_use(needed_ports(args.port)):
        print(
            "The demo cannot start: ports it needs on 127.0.0.1 are taken.\n"
            + "\n".join(problems)
            + "\nStop those programs (or give Home Assistant another port with --port) "
            "and try again.",
            file=sys.stderr,
        )
        raise SystemExit(1)
    prepare_config(args.config, args.fresh, args.port)
    print("Starting simulated Tuya devices (port 6668 at loopback addresses):", flush=True)
    devices, clouds = start_devices()
    print("Starting Home Assistant (about a minute)...", flush=True)
    hass = subprocess.Popen(
        # demo/hass.py: Home Assistant, with the Smart Life SDK pointed at the fake cloud.
        [sys.executable, str(REPO / "demo" / "hass.py"), "-c", str(args.config), "--skip-pip"],
        cwd=REPO,
        env=hass_environment(clouds),
        start_new_session=True,
    )
    ready = interrupted = False
    started = time.monotonic()
    try:
        while hass.poll() is None and devices.poll() is None:
            if not ready and serving(args.port):
                ready = True
                print(
                    f"Home Assistant is ready: open http://{HOST}:{args.port} and log in as "
                    f"{USER} / {PASSWORD}.\nThe devices appear under Settings > Devices & "
                    "services as discovered Tuya LAN devices; each asks for its local key, "
                    "or link the fake cloud above and add them with no key typed (see "
                    "README.md). Ctrl-C stops everything.",
                    flush=True,
                )
            elif not ready and time.monotonic() - started > READY_TIMEOUT:
                print("Home Assistant did not start serving; see its log above.", flush=True)
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        interrupted = True
        print("Stopping Home Assistant and the simulated devices...")
    finally:
        # Home Assistant first, so it does not see its devices vanish on the way out.
        for process in (hass, devices):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # both stop cleanly on SIGTERM
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    if not interrupted:  # something ended by itself: that is a failure
        raise SystemExit(1)


if __name__ == "__main__":
    main()
