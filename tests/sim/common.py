"""What the simulator and library tests share besides fixtures: the simulated device's
identity and key, and the type of the ``start_device`` fixture (conftest.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tuya_sim import SimulatedDevice

DEVICE_ID = "bf0123456789abcdef01"
DEVICE22_ID = "eb0123456789abcdefghij"
KEY = "0123456789abcdef"
WRONG_KEY = "fedcba9876543210"

type StartDevice = Callable[..., Awaitable[SimulatedDevice]]
