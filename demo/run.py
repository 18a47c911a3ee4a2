"""Start the demo: simulated devices plus a real Home Assistant with Tuya LAN.

Run through ``scripts/demo`` (which provides the Python 3.14 environment). Prepares
``demo_config/`` (kept between runs: your devices and history survive a restart,
``--fresh`` starts over), starts the simulated devices described in
``demo/devices.json``, then Home Assistant on http://127.0.0.1:8123 (user demo,
password demo). Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "demo_config"
DEVICES = REPO / "demo" / "devices.json"
USER, PASSWORD = "demo", "demo"


def prepare_config(fresh: bool) -> None:
    """A config dir with the integration linked in, a user, and onboarding done."""
    if fresh and CONFIG.exists():
        shutil.rmtree(CONFIG)
    CONFIG.mkdir(exist_ok=True)
    shutil.copy(REPO / "demo" / "configuration.yaml", CONFIG / "configuration.yaml")
    components = CONFIG / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / "tuya_lan"
    if not link.exists():
        link.symlink_to(REPO / "custom_components" / "tuya_lan", target_is_directory=True)
    storage = CONFIG / ".storage"
    if not (storage / "auth_provider.homeassistant").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "homeassistant",
                "--script",
                "auth",
                "-c",
                str(CONFIG),
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


def start_devices() -> subprocess.Popen[str]:
    """The simulated devices, in their own process as real devices would be."""
    devices = subprocess.Popen(
        [sys.executable, "-m", "tuya_sim", "--config", str(DEVICES)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C reaches us only; we stop the children once
    )
    assert devices.stdout is not None
    for device in json.loads(DEVICES.read_text())["devices"]:
        line = devices.stdout.readline()
        if not line:
            raise SystemExit("the device simulator did not start")
        print(
            f"  protocol {device['version']} {device['profile']:6}  host 127.0.0.1  "
            f"port {line.split()[0]}  device id {device['id']}  local key {device['key']}"
        )
    return devices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="forget devices added before")
    args = parser.parse_args()
    prepare_config(args.fresh)
    print("Starting simulated Tuya devices on 127.0.0.1:")
    devices = start_devices()
    print(
        "Starting Home Assistant: open http://127.0.0.1:8123 and log in as "
        f"{USER} / {PASSWORD}.\nThe devices appear under Settings > Devices & services "
        "as discovered Tuya LAN devices; each asks for its local key (see README.md)."
    )
    hass = subprocess.Popen(
        [sys.executable, "-m", "homeassistant", "-c", str(CONFIG), "--skip-pip"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,
    )
    try:
        while hass.poll() is None and devices.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
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


if __name__ == "__main__":
    main()
