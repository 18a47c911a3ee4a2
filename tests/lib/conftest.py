"""Library tests reuse the simulator's device fixture."""

from tests.sim.conftest import start_device

__all__ = ["start_device"]
