"""tinytuya 1.20.0 (an independent client that implements gateway children by ``cid``)
against the simulated gateway: it reads and controls the children, asks for their
presence, and receives a child's push routed to that child.

tinytuya is blocking: it runs in a worker thread while the simulator runs on the event
loop, and every tinytuya device is closed in the thread that used it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import tinytuya

from tuya_sim import SimulatedGateway

GATEWAY_ID = "bf0123456789abcdgw01"
KEY = "0123456789abcdef"
PLUG = "a4c13800000000p1"
SENSOR = "a4c13800000000s1"


async def in_thread[T](work: Callable[[], T]) -> T:
    return await asyncio.to_thread(work)


@pytest.fixture
async def start_gateway(socket_enabled: None) -> AsyncIterator[Callable[..., Any]]:
    sims: list[SimulatedGateway] = []

    async def start(version: str) -> SimulatedGateway:
        sim = SimulatedGateway(
            GATEWAY_ID,
            KEY,
            version,
            children={PLUG: "plug", SENSOR: "temperature"},
            tick_interval=None,
            seed=1,
        )
        sims.append(sim)
        await sim.start()
        return sim

    yield start
    for sim in sims:
        await sim.stop()


def _tinytuya(sim: SimulatedGateway) -> tuple[tinytuya.Device, tinytuya.OutletDevice, Any]:
    """The gateway and its two children as tinytuya builds them (call in a thread)."""
    parent = tinytuya.Device(
        GATEWAY_ID,
        "127.0.0.1",
        KEY,
        version=float(sim.version),
        port=sim.port,
        persist=True,
        connection_timeout=2,
        connection_retry_limit=1,
        connection_retry_delay=0,
    )
    plug = tinytuya.OutletDevice(PLUG, cid=PLUG, parent=parent)
    sensor = tinytuya.Device(SENSOR, cid=SENSOR, parent=parent)
    return parent, plug, sensor


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
async def test_tinytuya_controls_the_simulated_gateways_children(
    start_gateway: Callable[..., Any], version: str
) -> None:
    sim = await start_gateway(version)
    parent, plug, sensor = await in_thread(lambda: _tinytuya(sim))
    try:
        status = await in_thread(plug.status)
        assert status["dps"] == sim.children[PLUG].dps, status
        sensor_status = await in_thread(sensor.status)
        assert sensor_status["dps"] == {"1": 215, "2": 48, "4": 100}, sensor_status

        result = await in_thread(lambda: plug.set_value(1, False))
        assert result is not None
        assert result["dps"] == {"1": False}, result
        assert sim.children[PLUG].dps["1"] is False
        assert sim.children[SENSOR].dps["1"] == 215  # addressed to the plug only

        # A child's change reaches tinytuya as that child's push.
        sim.set_child_dps(SENSOR, {"1": 222})
        pushed = await in_thread(sensor.receive)
        assert pushed is not None
        assert pushed["dps"] == {"1": 222}, pushed
        assert sim.clients == 1  # parent and children share one connection

        if version in ("3.4", "3.5"):
            sim.child_offline(SENSOR)
            # tinytuya reads one frame per call: the split answer comes as two reports.
            reports = [await in_thread(parent.subdev_query) for _ in range(2)]
            reports += [await in_thread(parent.receive) for _ in range(2)]
            online = {cid for r in reports if r for cid in r["data"]["online"]}
            offline = {cid for r in reports if r for cid in r["data"]["offline"]}
            assert online == {PLUG}
            assert offline == {SENSOR}
    finally:
        await in_thread(parent.close)
    await sim.wait_for_clients(0)
