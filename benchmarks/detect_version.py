"""How long finding a device's protocol version takes, per version, against the simulator.

    scripts/env python benchmarks/detect_version.py [--timeout 2.0]

For each protocol version a simulated device (a plug, and a hub that refuses the status
query about itself) listens on 127.0.0.1; ``detect_version`` (the library's search,
with the flows' 2 s timeout per attempt) and ``async_prove`` (what the config flows run
for version "auto", including the hub fallback) are timed, the latter also for a
device that was heard (its announced version tried first). The hub's figures are what
adding a hub by key costs the user.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from custom_components.tuya_lan.flow_proof import Candidate, async_prove
from custom_components.tuya_lan.tuyalan import DETECT_ORDER, detect_version
from tuya_sim import SimulatedDevice, SimulatedGateway

DEVICE_ID = "bf0123456789abcdef01"
KEY = "0123456789abcdef"


async def _measure(version: str, timeout: float, *, hub: bool) -> tuple[float, float, float, str]:
    if hub:
        device: SimulatedDevice = SimulatedGateway(
            DEVICE_ID, KEY, version, port=0, tick_interval=None, seed=1
        )
    else:
        device = SimulatedDevice(DEVICE_ID, KEY, version, port=0, tick_interval=None, seed=1)
    await device.start()
    try:
        started = time.perf_counter()
        try:
            found, _ = await detect_version(
                "127.0.0.1", DEVICE_ID, KEY, port=device.port, timeout=timeout
            )
        except Exception as err:  # a hub's refusal is a figure too
            found = type(err).__name__
        detect = time.perf_counter() - started
        await device.wait_for_clients(0)
        started = time.perf_counter()
        proof = await async_prove(Candidate(DEVICE_ID, "127.0.0.1", device.port), KEY)
        prove = time.perf_counter() - started
        await device.wait_for_clients(0)
        started = time.perf_counter()
        heard = Candidate(DEVICE_ID, "127.0.0.1", device.port, heard_version=version)
        heard_proof = await async_prove(heard, KEY)
        prove_heard = time.perf_counter() - started
        assert heard_proof.error is None, heard_proof.error
        shown = f"{found} / {proof.version}{' gateway' if proof.gateway else ''}"
        return detect, prove, prove_heard, shown
    finally:
        await device.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    print(
        f"{'device':<10} {'detect_version':>15} {'async_prove':>12} {'... heard':>10}"
        "  found / proven"
    )
    for hub in (False, True):
        for version in DETECT_ORDER:
            if hub and version in ("3.1",):
                continue
            detect, prove, heard, shown = await _measure(version, args.timeout, hub=hub)
            name = f"{'hub' if hub else 'plug'} {version}"
            print(f"{name:<10} {detect:>14.2f}s {prove:>11.2f}s {heard:>9.2f}s  {shown}")


if __name__ == "__main__":
    asyncio.run(main())
