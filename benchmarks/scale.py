"""Many devices on one Home Assistant: connect time, idle CPU, memory, event-loop lag.

    scripts/env python benchmarks/scale.py [--devices 50 --devices 100 ...]
        [--idle-seconds 60] [--sim process|inline] [--setup concurrent|sequential|restart]
        [--connect-limit N] [--memory-report TOP] [--profile FILE] [--profile-idle FILE]

For each device count (default 50, 100, 250, 500) a fresh Python process runs:

* the simulator (``tuya_sim``) serving that many devices on 127.0.0.1, one port each,
  protocol versions 3.1/3.3/3.4/3.5 and profiles plug/plug_a/strip in turn, each ticking
  once a second (metering plugs report current/power/voltage every 10 s). By default it
  runs in its own process (``python -m tuya_sim --config FILE``) so that its CPU does not
  count as Home Assistant's; ``--sim inline`` runs it in Home Assistant's event loop.
* a real Home Assistant core (built as ``benchmarks/ha_latency.py`` builds it: the core,
  its registries, our integration loaded from ``custom_components/``), with the
  integration's discovery listener on free loopback ports and its 0x25 requests sent to
  127.0.0.1 only: nothing leaves the machine.

The config entries are created directly (``hass.config_entries.async_add`` with the data
the config flow stores), not through the flow: the flow's probe would connect to every
device once more. ``--setup concurrent`` (default) adds them all at once, as Home
Assistant sets up the entries it loaded at startup (one gather over all entries);
``--setup sequential`` adds them one after another, each waiting for its setup, as a
script adding devices at runtime would; ``--setup restart`` lets a first Home Assistant
add them and stop, then measures a second one started on the same storage, which sets
up the integration with every entry at once, as at boot (its devices and entities are
already registered; its RSS figure is understated, the first instance's freed memory
being reused).

Figures, from public behaviour only (entry states and entity states):

* connect-all: from adding the entries until every enabled entity of every entry has a
  state other than ``unavailable``; also when each entry got there (p50/p90/max).
* idle CPU: ``time.process_time()`` (all threads of the Home Assistant process) over
  ``--idle-seconds`` of wall time after everything connected, as a share of one core;
  the simulator process's own CPU over the same window (from /proc) is shown beside it.
* RSS growth: resident memory (``/proc/self/statm``) after the integration and its
  platforms were set up with no entry, and after the idle minute (both after
  ``gc.collect()``), and per device.
* event-loop lag: a task sleeping 50 ms records how late it wakes, during connect and
  during idle (p50/p99/max).
* state writes per second during idle (device reports reaching entities).

The parent process prints one table over all counts, and a least-squares line through
RSS and CPU against the device count (per-device cost, and how far from linear).
* full garbage collections while connecting (and while idle), and the longest: a pause
  over all the process's objects (Home Assistant's most of all) that the loop lag shows
  too.

``--memory-report TOP`` adds what each device costs (objects by type, allocations by
file and line, with tracemalloc: that run's other figures are slowed and do not count).

Targets at 500 devices (issue 15): all connected <= 5 s, idle CPU < 1.5 % of one core,
loop lag <= 250 ms while connecting, RSS growth <= 150 KiB per device; cost linear in
devices.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import logging
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import patch

# Home Assistant started as the latency benchmark starts it (this script's folder is on
# sys.path when it runs).
from ha_latency import start_hass
from homeassistant import config_entries, loader, runner
from homeassistant.const import (
    CONF_HOST,
    CONF_PORT,
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
    __version__ as HA_VERSION,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from custom_components.tuya_lan import discovery
from custom_components.tuya_lan.const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.coordinator import CONNECT_LIMITER
from custom_components.tuya_lan.tuyalan import ConnectLimiter

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("3.1", "3.3", "3.4", "3.5")
PROFILES = ("plug", "plug_a", "strip")
DEFAULT_COUNTS = (50, 100, 250, 500)
LAG_PERIOD = 0.05  # seconds the lag probe sleeps
POLL = 0.05  # seconds between checks for entities that are not available yet
RESULT = "RESULT "  # prefix of the one JSON line a child prints for its parent

# Targets from issue 15 (at the largest count).
TARGET_CONNECT_S = 5.0
TARGET_CPU_PCT = 1.5
TARGET_LAG_MS = 250.0
TARGET_PER_DEVICE_KB = 150.0


@dataclass
class Result:
    """One device count's figures."""

    devices: int
    sim: str
    setup: str
    connect_s: float = math.nan
    entry_connect_p50: float = math.nan
    entry_connect_p90: float = math.nan
    not_connected: int = 0
    not_loaded: dict[str, int] = field(default_factory=dict)
    idle_s: float = 0.0
    idle_cpu_pct: float = math.nan
    sim_cpu_pct: float = math.nan
    writes_per_s: float = math.nan
    rss_before_mb: float = math.nan
    rss_after_mb: float = math.nan
    lag_connect: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    lag_idle: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    worst_lags: list[tuple[float, float]] = field(default_factory=list)
    gc_connect: tuple[int, float] = (0, math.nan)  # full collections, the longest (ms)
    gc_idle: tuple[int, float] = (0, math.nan)  # the same in the idle window
    lag_connect_besides_gc: float = math.nan  # the longest stall less the collector's share
    entities: int = 0
    fds: int = 0

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_after_mb - self.rss_before_mb

    @property
    def per_device_kb(self) -> float:
        return self.rss_growth_mb * 1024 / self.devices


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (nan for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def rss_mb() -> float:
    """Resident memory of this process now (not the peak), in MiB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of another process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def object_census() -> Counter[str]:
    """How many objects the garbage collector tracks, by type (module.qualname)."""
    return Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())


def census_by_caller(before: set[int]) -> Counter[str]:
    """The tracked objects made since ``before`` (their ids), by the integration's line
    that made them, directly or through Home Assistant (the innermost frame of ours in
    the traceback tracemalloc kept), else by the innermost frame."""
    found: Counter[str] = Counter()
    for obj in gc.get_objects():
        if id(obj) in before:
            continue
        traceback = tracemalloc.get_object_traceback(obj)
        if traceback is None:
            continue
        frames = list(reversed(traceback))  # innermost first
        ours = next((f for f in frames if "custom_components" in f.filename), None)
        frame = ours or frames[0]
        where = frame.filename.split("site-packages/")[-1].replace(f"{ROOT}/", "")
        found[f"{where}:{frame.lineno}"] += 1
    return found


def print_memory_report(
    count: int, census: Counter[str], before: set[int], snapshot: tracemalloc.Snapshot, top: int
) -> None:
    """What each device costs: tracked objects by type, allocations by file and line
    (all, then the integration's own)."""
    grown = object_census() - census  # before the snapshot below adds its own objects
    by_caller = census_by_caller(before)
    after = tracemalloc.take_snapshot()
    print(
        f"\n  objects the GC tracks, per device ({grown.total() / count:.0f} in all; "
        f"{census.total()} in the process before the devices):"
    )
    for name, number in grown.most_common(top):
        print(f"    {number / count:7.1f}  {name}")
    print("\n  ... by the line that made them (the integration's, else the innermost):")
    for where, number in by_caller.most_common(top):
        print(f"    {number / count:7.1f}  {where}")
    for group, ours in (("filename", False), ("lineno", False), ("lineno", True)):
        stats = [
            stat
            for stat in after.compare_to(snapshot, group)
            if not ours or "custom_components" in stat.traceback[0].filename
        ]
        total = sum(stat.size_diff for stat in stats) / count
        label = "the integration's lines" if ours else group
        print(f"\n  bytes allocated per device, by {label} ({total:.0f} in all), blocks:")
        for stat in stats[:top]:
            frame = stat.traceback[0]
            where = frame.filename.split("site-packages/")[-1].replace(f"{ROOT}/", "")
            where += f":{frame.lineno}" if group == "lineno" else ""
            print(f"    {stat.size_diff / count:9.0f} {stat.count_diff / count:7.1f}  {where}")


def raise_fd_limit(wanted: int) -> int:
    """Raise the open-file limit (soft, up to the hard limit); return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def device_specs(count: int) -> list[dict[str, Any]]:
    """The simulated devices: versions and profiles in turn, all on free ports."""
    return [
        {
            "id": f"bfscale{index:013d}",
            "key": f"key{index:013d}",
            "version": VERSIONS[index % len(VERSIONS)],
            "profile": PROFILES[(index // len(VERSIONS)) % len(PROFILES)],
            "port": 0,
            "seed": index,
        }
        for index in range(count)
    ]


class LagProbe:
    """Sleeps LAG_PERIOD over and over, recording how late each wake-up is (ms)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.worst: list[tuple[float, float]] = []  # (lag ms, when it began, s from start)
        self.late: list[tuple[float, float]] = []  # when each wake-up was due, and came
        self._task: asyncio.Task[None] | None = None
        self._origin = 0.0

    def start(self) -> None:
        self._origin = time.perf_counter()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(LAG_PERIOD)
            woke = time.perf_counter()
            lag = (woke - start - LAG_PERIOD) * 1000
            self.samples.append(lag)
            self.late.append((start + LAG_PERIOD, woke))
            self.worst = sorted([*self.worst, (lag, start + LAG_PERIOD - self._origin)])[-3:]

    def take(self) -> tuple[float, float, float]:
        """p50, p99 and max since the last take (ms); starts a new window."""
        samples, self.samples = self.samples, []
        return (percentile(samples, 50), percentile(samples, 99), max(samples, default=math.nan))

    def take_outside(self, pauses: list[tuple[float, float]]) -> float:
        """The longest lag (ms) since the last call, less the share of ``pauses`` (start,
        end) within it: what stalled the loop besides them."""
        late, self.late = self.late, []
        besides = [
            woke - due - sum(max(0.0, min(woke, end) - max(due, start)) for start, end in pauses)
            for due, woke in late
        ]
        return max(besides, default=math.nan) * 1000

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task


class GcWatch:
    """Times the garbage collector's full collections (generation 2): a pause the
    loop lag shows too, caused by every object of the process, not one part of it."""

    def __init__(self) -> None:
        self.pauses: list[float] = []  # ms
        self.intervals: list[tuple[float, float]] = []  # perf_counter start, end
        self._started = 0.0

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            ended = time.perf_counter()
            self.pauses.append((ended - self._started) * 1000)
            self.intervals.append((self._started, ended))

    def start(self) -> None:
        gc.callbacks.append(self._on_gc)

    def take(self) -> tuple[int, float]:
        """How many full collections since the last take, and the longest (ms)."""
        pauses, self.pauses = self.pauses, []
        return len(pauses), max(pauses, default=math.nan)

    def stop(self) -> None:
        with suppress(ValueError):
            gc.callbacks.remove(self._on_gc)


class Simulator:
    """The simulated devices, in another process or in this event loop."""

    def __init__(self, specs: list[dict[str, Any]], mode: str, workdir: Path) -> None:
        self.specs = specs
        self.mode = mode
        self.workdir = workdir
        self.ports: dict[str, int] = {}
        self.process: asyncio.subprocess.Process | None = None
        self._inline: Any = None

    async def start(self) -> None:
        if self.mode == "inline":
            from tuya_sim import DeviceSimulator
            from tuya_sim.config import parse_config

            self._inline = DeviceSimulator()
            for spec in parse_config(self.specs).devices:
                self._inline.add(spec.build())
            await self._inline.start()
            self.ports = {d.device_id: d.port for d in self._inline}
            return
        config = self.workdir / "devices.json"
        config.write_text(json.dumps(self.specs))
        with (self.workdir / "sim.log").open("w") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tuya_sim",
                "--config",
                str(config),
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        assert self.process.stdout is not None
        while len(self.ports) < len(self.specs):
            line = (await self.process.stdout.readline()).decode()
            if not line:
                tail = (self.workdir / "sim.log").read_text()[-2000:]
                raise RuntimeError(f"the simulator exited early:\n{tail}")
            port, device_id = line.split()
            self.ports[device_id] = int(port)

    def cpu_seconds(self) -> float:
        """The simulator process's CPU seconds (nan when it runs in this process)."""
        return cpu_seconds(self.process.pid) if self.process is not None else math.nan

    async def stop(self) -> None:
        if self._inline is not None:
            await self._inline.stop()
        if self.process is not None:
            self.process.terminate()
            await self.process.wait()


async def prepare_platforms(hass: HomeAssistant) -> None:
    """Our integration's code and the platforms its entries use, loaded and set up.

    Done before the baseline RSS so that the growth measured is the devices' cost, not
    the code's.
    """
    integration = await loader.async_get_integration(hass, DOMAIN)
    component = await integration.async_get_component()
    platforms = [str(p) for p in getattr(component, "PLATFORMS", ())]
    for domain in platforms:
        if not await async_setup_component(hass, domain, {}):
            raise RuntimeError(f"{domain} did not set up")
    await integration.async_get_platforms(platforms)


async def setup_domain(hass: HomeAssistant) -> None:
    """Set our integration up (with every entry Home Assistant holds, as at startup).

    Discovery's 0x25 requests go to 127.0.0.1 only (request_address), to a port where
    nothing listens.
    """
    config = {DOMAIN: {"request_address": "127.0.0.1", "request_port": 9}}
    if not await async_setup_component(hass, DOMAIN, config):
        raise RuntimeError(f"{DOMAIN} did not set up")


def make_entry(spec: dict[str, Any], port: int) -> config_entries.ConfigEntry:
    """A config entry with the data the config flow stores for a device."""
    return config_entries.ConfigEntry(
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: port,
            CONF_DEVICE_ID: spec["id"],
            CONF_LOCAL_KEY: spec["key"],
            CONF_PROTOCOL_VERSION: spec["version"],
        },
        discovery_keys={},  # type: ignore[arg-type]
        domain=DOMAIN,
        minor_version=1,
        options={},
        source=config_entries.SOURCE_USER,
        subentries_data=None,
        title=f"Scale {spec['id'][-4:]} ({spec['version']} {spec['profile']})",
        unique_id=spec["id"],
        version=1,
    )


class Availability:
    """Tracks which entries have every enabled entity available, and since when."""

    def __init__(self, hass: HomeAssistant, entries: list[config_entries.ConfigEntry]) -> None:
        self.hass = hass
        self.pending = {entry.entry_id: entry for entry in entries}
        self.connected_at: dict[str, float] = {}
        self.entities = 0

    def check(self, now: float) -> None:
        registry = er.async_get(self.hass)
        for entry_id, entry in list(self.pending.items()):
            if entry.state is not config_entries.ConfigEntryState.LOADED:
                continue
            entity_ids = [
                e.entity_id
                for e in er.async_entries_for_config_entry(registry, entry_id)
                if e.disabled_by is None
            ]
            if not entity_ids:
                continue
            states = [self.hass.states.get(entity_id) for entity_id in entity_ids]
            if all(s is not None and s.state != STATE_UNAVAILABLE for s in states):
                self.connected_at[entry_id] = now
                self.entities += len(entity_ids)
                del self.pending[entry_id]


async def wait_connected(
    hass: HomeAssistant,
    entries: list[config_entries.ConfigEntry],
    adding: asyncio.Future[Any],
    timeout: float,
) -> Availability:
    """Poll until every entry's entities are available (or the timeout); await `adding`."""
    availability = Availability(hass, entries)
    start = time.perf_counter()
    while availability.pending and time.perf_counter() < start + timeout:
        await asyncio.sleep(POLL)
        availability.check(time.perf_counter() - start)
    await adding
    return availability


async def add_entries(
    hass: HomeAssistant, entries: list[config_entries.ConfigEntry], setup: str
) -> None:
    """Add the entries at once (as Home Assistant sets up its entries), or one by one."""
    if setup == "sequential":
        for entry in entries:
            await hass.config_entries.async_add(entry)
    else:
        await asyncio.gather(*(hass.config_entries.async_add(e) for e in entries))


async def run_one(args: argparse.Namespace, count: int) -> Result:
    """One device count, in this process: simulator, Home Assistant, the figures."""
    result = Result(count, args.sim, args.setup)
    raise_fd_limit(4 * count + 1024)
    specs = device_specs(count)
    with tempfile.TemporaryDirectory(prefix="tuya_lan_scale_") as workdir:
        config_dir = str(Path(workdir) / "config")
        sim = Simulator(specs, args.sim, Path(workdir))
        await sim.start()
        entries = [make_entry(spec, sim.ports[spec["id"]]) for spec in specs]
        if args.setup == "restart":
            # A first Home Assistant adds the devices and stops: the entries, devices and
            # entities are then in its storage, as for a restart. Not measured.
            hass = await start_hass(config_dir)
            await prepare_platforms(hass)
            await setup_domain(hass)
            first = asyncio.ensure_future(add_entries(hass, entries, "concurrent"))
            await wait_connected(hass, entries, first, args.connect_timeout)
            # Unload first: a restarted process no longer holds the devices' only slot.
            await asyncio.gather(*(hass.config_entries.async_unload(e.entry_id) for e in entries))
            await hass.async_stop()
        hass = await start_hass(config_dir)
        probe = LagProbe()
        gc_watch = GcWatch()
        try:
            await prepare_platforms(hass)
            if args.setup != "restart":
                await setup_domain(hass)
            await hass.async_block_till_done()
            if args.connect_limit is not None:  # 0: no cap, to compare with and without
                hass.data[CONNECT_LIMITER] = ConnectLimiter(args.connect_limit or 1_000_000)
            gc.collect()
            result.rss_before_mb = rss_mb()
            if args.memory_report:
                census = object_census()
                before = {id(o) for o in gc.get_objects()}
                tracemalloc.start(30)
                snapshot = tracemalloc.take_snapshot()
            probe.start()
            gc_watch.start()
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            if args.setup == "restart":  # the entries loaded from storage, all at once
                entries = hass.config_entries.async_entries(DOMAIN)
                adding = asyncio.ensure_future(setup_domain(hass))
            else:
                adding = asyncio.ensure_future(add_entries(hass, entries, args.setup))
            availability = await wait_connected(hass, entries, adding, args.connect_timeout)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
            if not availability.pending:
                result.connect_s = max(availability.connected_at.values())
            times = list(availability.connected_at.values())
            result.entry_connect_p50 = percentile(times, 50)
            result.entry_connect_p90 = percentile(times, 90)
            result.not_connected = len(availability.pending)
            for entry in availability.pending.values():
                state = str(entry.state)
                result.not_loaded[state] = result.not_loaded.get(state, 0) + 1
            result.entities = availability.entities
            result.lag_connect = probe.take()
            result.worst_lags = probe.worst
            result.lag_connect_besides_gc = probe.take_outside(gc_watch.intervals)
            result.gc_connect = gc_watch.take()

            writes = 0

            @callback
            def count_write(_: Event[Any]) -> None:
                nonlocal writes
                writes += 1

            unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, count_write)
            cpu_start, sim_start, wall_start = (
                time.process_time(),
                sim.cpu_seconds(),
                time.perf_counter(),
            )
            idle_profiler = cProfile.Profile() if args.profile_idle else None
            if idle_profiler is not None:
                idle_profiler.enable()
            await asyncio.sleep(args.idle_seconds)
            if idle_profiler is not None:
                idle_profiler.disable()
                idle_profiler.dump_stats(args.profile_idle)
            wall = time.perf_counter() - wall_start
            result.idle_cpu_pct = (time.process_time() - cpu_start) / wall * 100
            result.sim_cpu_pct = (sim.cpu_seconds() - sim_start) / wall * 100
            result.idle_s = wall
            result.writes_per_s = writes / wall
            unsub()
            result.lag_idle = probe.take()
            result.gc_idle = gc_watch.take()
            gc.collect()
            result.rss_after_mb = rss_mb()
            if args.memory_report:
                print_memory_report(count, census, before, snapshot, args.memory_report)
                tracemalloc.stop()
            result.fds = len(os.listdir("/proc/self/fd"))
            # Stopping the simulator after Home Assistant would log every lost connection.
            logging.getLogger("custom_components.tuya_lan").setLevel(logging.ERROR)
        finally:
            gc_watch.stop()
            await probe.stop()
            await hass.async_stop()
            await sim.stop()
    return result


def print_one(result: Result) -> None:
    """The detailed figures of one count (the child prints them as it finishes)."""
    print(
        f"\n{result.devices} devices (simulator {result.sim}, setup {result.setup}), "
        f"{result.entities} entities"
    )
    if result.not_connected:
        print(f"  NOT CONNECTED at the deadline: {result.not_connected} {result.not_loaded}")
    print(
        f"  connect-all {result.connect_s:.2f} s; per entry p50 {result.entry_connect_p50:.2f} s,"
        f" p90 {result.entry_connect_p90:.2f} s"
    )
    print(
        f"  idle over {result.idle_s:.0f} s: Home Assistant CPU {result.idle_cpu_pct:.2f} % of "
        f"one core (simulator {result.sim_cpu_pct:.2f} %), {result.writes_per_s:.1f} state "
        f"writes/s"
    )
    print(
        f"  RSS {result.rss_before_mb:.1f} -> {result.rss_after_mb:.1f} MiB "
        f"(+{result.rss_growth_mb:.1f}, {result.per_device_kb:.0f} KiB/device); "
        f"{result.fds} open files"
    )
    if result.setup == "restart":
        print("  (RSS understated: the first Home Assistant's freed memory is reused)")
    for name, lag in (("connect", result.lag_connect), ("idle", result.lag_idle)):
        print(f"  loop lag {name:7} ms: p50 {lag[0]:.2f}  p99 {lag[1]:.2f}  max {lag[2]:.2f}")
    worst = ", ".join(f"{lag:.0f} ms at {at:.2f} s" for lag, at in reversed(result.worst_lags))
    print(f"  longest connect-phase stalls (from adding the entries): {worst}")
    collections, longest = result.gc_connect
    print(
        f"  while connecting: {collections} full garbage collections, the longest "
        f"{longest:.0f} ms (a pause over the whole process's objects); the longest stall "
        f"besides them {result.lag_connect_besides_gc:.0f} ms"
    )
    # One that did not come while connecting comes soon after: in the idle window,
    # where its pause (and CPU) counts in the idle figures instead.
    collections, longest = result.gc_idle
    print(f"  while idle: {collections} full garbage collections, the longest {longest:.0f} ms")


def fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = a + b x: (a, b, r squared)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    syy = sum((y - my) ** 2 for y in ys)
    slope = sxy / sxx
    r2 = sxy * sxy / (sxx * syy) if syy else 1.0
    return my - slope * mx, slope, r2


def print_table(results: list[Result]) -> None:
    """The table over all counts, the targets, and how linear the costs are."""
    print(
        f"\nHome Assistant {HA_VERSION}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; simulator {results[0].sim}, setup {results[0].setup}"
    )
    header = (
        f"{'devices':>7} {'connect-all s':>13} {'idle CPU %':>10} {'sim CPU %':>9} "
        f"{'RSS MB':>7} {'per-device KB':>13} {'lag p99 ms':>10} {'lag max ms':>10} "
        f"{'GC max ms':>9} {'lag w/o GC':>10} {'idle lag p99':>12}"
    )
    print(header)
    for r in results:
        connect = f"{r.connect_s:.2f}" if r.not_connected == 0 else f"{r.not_connected} missing"
        print(
            f"{r.devices:>7} {connect:>13} {r.idle_cpu_pct:>10.2f} {r.sim_cpu_pct:>9.2f} "
            f"{r.rss_growth_mb:>7.1f} {r.per_device_kb:>13.0f} {r.lag_connect[1]:>10.2f} "
            f"{r.lag_connect[2]:>10.2f} {r.gc_connect[1]:>9.0f} {r.lag_connect_besides_gc:>10.0f} "
            f"{r.lag_idle[1]:>12.2f}"
        )
    top = max(results, key=lambda r: r.devices)
    verdicts = [
        ("all connected", f"{top.connect_s:.2f} s", top.connect_s <= TARGET_CONNECT_S, "<= 5 s"),
        ("idle CPU", f"{top.idle_cpu_pct:.2f} %", top.idle_cpu_pct < TARGET_CPU_PCT, "< 1.5 %"),
        (
            "loop lag (max)",
            f"{top.lag_connect[2]:.0f} ms",
            top.lag_connect[2] <= TARGET_LAG_MS,
            "<= 250 ms",
        ),
        (
            "per device",
            f"{top.per_device_kb:.0f} KiB",
            top.per_device_kb <= TARGET_PER_DEVICE_KB,
            "<= 150 KiB",
        ),
    ]
    print(f"\ntargets at {top.devices} devices:")
    for name, value, met, target in verdicts:
        print(f"  {name:14} {value:>10}  target {target:8}  {'met' if met else 'MISSED'}")
    if len(results) >= 3:
        xs = [float(r.devices) for r in results]
        for name, ys, unit in (
            ("RSS", [r.rss_growth_mb * 1024 for r in results], "KiB"),
            ("idle CPU", [r.idle_cpu_pct for r in results], "% of a core"),
            ("connect-all", [r.connect_s for r in results], "s"),
        ):
            if any(math.isnan(y) for y in ys):
                continue
            a, b, r2 = fit(xs, ys)
            print(
                f"  {name:12} ~ {a:.3g} + {b:.4g} {unit} per device  (r^2 {r2:.3f}; 1.0 = linear)"
            )


def quiet_logging(verbose: bool) -> None:
    """Warnings and errors only (the loader's custom-integration note excepted)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)


def child(args: argparse.Namespace) -> None:
    """Run one device count in this process and print its result for the parent."""
    quiet_logging(args.verbose)
    factory: Callable[[], asyncio.AbstractEventLoop] = runner.create_event_loop
    # Discovery listens on a free loopback port, not 0.0.0.0:6666/6667/7000, which other
    # programs on this machine may hold.
    with (
        patch.object(discovery, "LISTEN_HOST", "127.0.0.1"),
        patch.object(discovery, "LISTEN_PORTS", (0,)),
        asyncio.Runner(loop_factory=factory) as loop_runner,
    ):
        result = loop_runner.run(run_one(args, args.run))
    print_one(result)
    print(RESULT + json.dumps(asdict(result)), flush=True)


def parent(args: argparse.Namespace) -> None:
    """Run every device count in a fresh process; print the table."""
    counts = args.devices or list(DEFAULT_COUNTS)
    results = []
    for count in counts:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--run",
            str(count),
            "--idle-seconds",
            str(args.idle_seconds),
            "--sim",
            args.sim,
            "--setup",
            args.setup,
            "--connect-timeout",
            str(args.connect_timeout),
        ]
        command += ["--verbose"] if args.verbose else []
        command += ["--profile", str(args.profile.resolve())] if args.profile else []
        if args.profile_idle:
            command += ["--profile-idle", str(args.profile_idle.resolve())]
        command += ["--memory-report", str(args.memory_report)] if args.memory_report else []
        if args.connect_limit is not None:
            command += ["--connect-limit", str(args.connect_limit)]
        print(f"running {count} devices ...", flush=True)
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
        lines = done.stdout.splitlines()
        for line in lines:
            if not line.startswith(RESULT):
                print(line)
        found = [line for line in lines if line.startswith(RESULT)]
        if done.returncode != 0 or not found:
            print(f"{count} devices: the run failed (exit {done.returncode})")
            continue
        data = json.loads(found[-1].removeprefix(RESULT))
        for key in ("lag_connect", "lag_idle", "gc_connect", "gc_idle"):
            data[key] = tuple(data[key])
        results.append(Result(**data))
    if results:
        print_table(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--devices", type=int, action="append", help="device count; repeat (default 50-500)"
    )
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--sim", choices=("process", "inline"), default="process")
    parser.add_argument(
        "--setup", choices=("concurrent", "sequential", "restart"), default="concurrent"
    )
    parser.add_argument(
        "--connect-timeout", type=float, default=120.0, help="give up waiting after this"
    )
    parser.add_argument("--verbose", action="store_true", help="info logging")
    parser.add_argument(
        "--profile", type=Path, help="cProfile the connect phase into this file (one count)"
    )
    parser.add_argument(
        "--memory-report",
        type=int,
        metavar="TOP",
        default=0,
        help="print the TOP per-device costs (tracemalloc by file and line, objects by "
        "type); slows the run, so its other figures do not count",
    )
    parser.add_argument(
        "--profile-idle", type=Path, help="cProfile the idle window into this file (one count)"
    )
    parser.add_argument(
        "--connect-limit",
        type=int,
        help="sessions opening at once (default: the integration's; 0: no cap)",
    )
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)  # a child: one count
    args = parser.parse_args()
    if args.run is not None:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
