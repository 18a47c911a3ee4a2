"""The heard-devices table: deduplicate, rate-limit, refuse implausible announcements."""

from __future__ import annotations

import pytest

from custom_components.tuya_lan.tuyalan import DiscoveredDevice
from custom_components.tuya_lan.tuyalan.heard import HeardDevices, plausible

ID = "bf0123456789abcdef01"
SOURCE = ("127.0.0.1", 50000)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def device(device_id: str = ID, ip: str = "192.0.2.20", version: str = "3.3"):
    return DiscoveredDevice(device_id=device_id, ip=ip, version=version)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def table(clock: Clock) -> HeardDevices:
    return HeardDevices(60.0, clock=clock)


def test_first_announcement_is_due_then_duplicates_are_not(table: HeardDevices, clock: Clock):
    heard = table.observe(device(), SOURCE)
    assert heard is not None
    assert table.due(heard)
    table.acted(heard)
    for _ in range(10):
        clock.now += 5  # announced every 5 s
        again = table.observe(device(), ("127.0.0.1", 50001))
        assert again is heard
        if clock.now - 1000.0 < 60:
            assert not table.due(heard)
    assert heard.source == ("127.0.0.1", 50001)
    assert heard.first_heard == 1000.0
    assert heard.last_heard == 1050.0


def test_due_again_after_the_interval(table: HeardDevices, clock: Clock):
    heard = table.observe(device(), SOURCE)
    assert heard is not None
    table.acted(heard)
    clock.now += 59.9
    assert not table.due(heard)
    clock.now += 0.1
    assert table.due(heard)


@pytest.mark.parametrize("change", [{"ip": "192.0.2.21"}, {"version": "3.4"}])
def test_a_new_address_or_version_is_due_at_once(
    table: HeardDevices, clock: Clock, change: dict[str, str]
):
    heard = table.observe(device(), SOURCE)
    assert heard is not None
    table.acted(heard)
    clock.now += 1
    heard = table.observe(device(**change), SOURCE)
    assert heard is not None
    assert table.due(heard)
    table.acted(heard)
    assert not table.due(heard)


def test_not_acting_leaves_it_due(table: HeardDevices, clock: Clock):
    """An announcement the caller had no use for does not start the interval."""
    heard = table.observe(device(), SOURCE)
    assert heard is not None
    clock.now += 1
    assert table.due(heard)


@pytest.mark.parametrize(
    "bad",
    [
        device(ip="not an address"),
        device(ip="::1"),
        device(ip=""),
        device(device_id=""),
        device(device_id="id with spaces"),
        device(device_id="x" * 65),
        device(device_id="../../etc"),
    ],
)
def test_implausible_announcements_are_not_recorded(table: HeardDevices, bad: DiscoveredDevice):
    assert not plausible(bad)
    assert table.observe(bad, SOURCE) is None
    assert len(table) == 0


def test_recent_forget_and_size_bound(clock: Clock):
    table = HeardDevices(60.0, max_devices=3, clock=clock)
    for index in range(3):
        table.observe(device(f"bf000000000000000000{index}"), SOURCE)
        clock.now += 100
    assert [h.device_id for h in table.recent(250)] == [
        "bf0000000000000000001",
        "bf0000000000000000002",
    ]
    table.observe(device("bf0000000000000000009"), SOURCE)  # evicts the oldest
    assert len(table) == 3
    assert "bf0000000000000000000" not in table
    assert "bf0000000000000000009" in table
    table.forget("bf0000000000000000009")
    table.forget("never heard")
    assert table.get("bf0000000000000000009") is None
    assert table.get("bf0000000000000000001") is not None
