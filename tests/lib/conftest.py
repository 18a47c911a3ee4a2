"""Library tests reuse the simulator's device fixture, and a fake Tuya cloud."""

from collections.abc import AsyncIterator

import pytest

from tests.sim.conftest import start_device
from tuya_sim.cloud import FakeTuyaCloud

from .common import ACCESS_ID, ACCESS_SECRET, populate


@pytest.fixture
async def fake_cloud(socket_enabled: None) -> AsyncIterator[FakeTuyaCloud]:
    """A fake OpenAPI on 127.0.0.1 holding :func:`populate`'s devices, small pages."""
    async with FakeTuyaCloud(ACCESS_ID, ACCESS_SECRET, page_limit=2) as cloud:
        populate(cloud)
        yield cloud


__all__ = ["fake_cloud", "start_device"]
