"""Fixtures for the simulator tests: devices started on free 127.0.0.1 ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tuya_sim import SimulatedDevice

from .common import DEVICE22_ID, DEVICE_ID, KEY, StartDevice


@pytest.fixture
async def start_device(socket_enabled: None) -> AsyncIterator[StartDevice]:
    """Start devices on free ports; every one is stopped after the test.

    Defaults: no background ticking (tests call ``tick()``), a fixed seed.
    """
    devices: list[SimulatedDevice] = []

    async def start(version: str = "3.3", **options: Any) -> SimulatedDevice:
        options.setdefault("tick_interval", None)
        options.setdefault("seed", 1)
        device_id = options.pop("device_id", DEVICE22_ID if options.get("device22") else DEVICE_ID)
        device = SimulatedDevice(device_id, options.pop("local_key", KEY), version, **options)
        devices.append(device)
        await device.start()
        return device

    yield start
    for device in devices:
        await device.stop()
