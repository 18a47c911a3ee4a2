"""Outage timings with the shipped settings, against the simulator (not run in CI).

    scripts/env python benchmarks/outage.py [--version 3.3] [--outages 5 20 60]

A supervised session (``TuyaDevice`` with the integration's timings) to a simulated
plug on 127.0.0.1, real time. For two ways of going away it prints when the session
was found lost, when Home Assistant shows the device unavailable (the lost session
plus the coordinator's ``AVAILABILITY_GRACE``), and when the "why unavailable" repair
comes (the coordinator raises it at the ``ATTEMPTS_BEFORE_ISSUE``-th failed attempt,
or ``ISSUE_AFTER_UNAVAILABLE`` after the device went unavailable, whichever is first):

* offline: the device leaves the network on an open session (power or WiFi lost; its
  address refuses connections at once: here, and on a LAN while ARP still answers);
* silent: the device stops answering but keeps its connections (hung firmware): the
  heartbeat finds it, and each attempt waits for the timeout.

Then, per ``--outages`` length, how long the device back on the network waits for
the next attempt (the backoff since the outage began), and the bound for any outage.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass, field

from custom_components.tuya_lan.coordinator import AVAILABILITY_GRACE, TIMINGS
from custom_components.tuya_lan.repairs import ATTEMPTS_BEFORE_ISSUE, ISSUE_AFTER_UNAVAILABLE
from custom_components.tuya_lan.tuyalan import Health, TuyaDevice
from tuya_sim import SimulatedDevice

DEVICE_ID = "bf0123456789abcdef01"
LOCAL_KEY = "0123456789abcdef"


@dataclass
class Watch:
    """When the session's health changed, from a start time."""

    start: float = field(default_factory=time.monotonic)
    lost: float | None = None
    issue: float | None = None
    back: float | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_health(self, health: Health) -> None:
        now = time.monotonic() - self.start
        if not health.connected and self.lost is None:
            self.lost = now
        if health.failures >= ATTEMPTS_BEFORE_ISSUE and self.issue is None:
            self.issue = now
        if health.connected and self.lost is not None and self.back is None:
            self.back = now
        self.changed.set()

    async def until(self, what: str) -> float:
        while (value := getattr(self, what)) is None:
            self.changed.clear()
            await self.changed.wait()
        return float(value)


async def connected_plug(version: str) -> tuple[SimulatedDevice, TuyaDevice, Watch]:
    sim = SimulatedDevice(DEVICE_ID, LOCAL_KEY, version, tick_interval=None, seed=1)
    await sim.start()
    watch = Watch()
    device = TuyaDevice(
        "127.0.0.1", DEVICE_ID, LOCAL_KEY, version, port=sim.port, timings=TIMINGS,
        on_health=watch.on_health,
    )  # fmt: skip
    await device.connect()
    device.start()
    return sim, device, watch


async def going_away(version: str, how: str) -> None:
    sim, device, watch = await connected_plug(version)
    try:
        await asyncio.sleep(1.0)
        watch.start = time.monotonic()
        if how == "offline":
            await sim.go_offline()
        else:
            sim.stall = True
        lost = await watch.until("lost")
        unavailable = lost + AVAILABILITY_GRACE
        by_attempts = await watch.until("issue")
        issue = min(by_attempts, unavailable + ISSUE_AFTER_UNAVAILABLE)
        print(
            f"{how:8} session lost {lost:5.1f} s, unavailable {unavailable:5.1f} s, "
            f"repair {issue:5.1f} s ({issue - unavailable:4.1f} s after unavailable; "
            f"{ATTEMPTS_BEFORE_ISSUE} failed attempts at {by_attempts:4.1f} s)"
        )
    finally:
        await device.close()
        await sim.stop()


async def coming_back(version: str, outage: float) -> None:
    sim, device, watch = await connected_plug(version)
    try:
        await sim.go_offline()
        await watch.until("lost")
        await asyncio.sleep(outage)
        online = time.monotonic() - watch.start
        await sim.go_online()
        back = await watch.until("back")
        print(f"outage {outage:4.0f} s: connected again {back - online:5.1f} s after it was back")
    finally:
        await device.close()
        await sim.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default="3.3")
    parser.add_argument("--outages", type=float, nargs="*", default=[5.0, 20.0, 60.0])
    args = parser.parse_args()
    print(
        f"protocol {args.version}; heartbeat {TIMINGS.heartbeat:g} s, timeout "
        f"{TIMINGS.timeout:g} s, backoff {TIMINGS.backoff_min:g}-{TIMINGS.backoff_max:g} s "
        f"+-{TIMINGS.backoff_jitter:.0%}, grace {AVAILABILITY_GRACE:g} s, repair at "
        f"{ATTEMPTS_BEFORE_ISSUE} failed attempts or {ISSUE_AFTER_UNAVAILABLE:g} s unavailable; "
        "times from when the device went away"
    )
    for how in ("offline", "silent"):
        await going_away(args.version, how)
    for outage in args.outages:
        await coming_back(args.version, outage)
    bound = TIMINGS.backoff_max * (1 + TIMINGS.backoff_jitter) + TIMINGS.timeout
    print(f"bound for any outage: the longest wait plus an attempt, {bound:g} s")


if __name__ == "__main__":
    asyncio.run(main())
