"""Fixtures for the Home Assistant layer tests.

The protocol library is faked at the place the integration imports it: a fake
TuyaDevice (the coordinator's seam) that a test drives through FakeDevice: it pushes,
drops the session, and says how the next attempt ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Mapping
from types import MappingProxyType
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.tuya_lan.const import (
    DOMAIN,
)
from custom_components.tuya_lan.tuyalan import (
    ConnectLimiter,
    DeviceError,
    DeviceUpdate,
    Fault,
    Health,
    NotConnectedError,
    Timings,
    TuyaTimeoutError,
    classify,
    session_proves_key,
)

from .common import DEVICE_ID, STATUS_LAYOUT_B, TITLE, entry_data, loopback_only

DEVICE_PATH = "custom_components.tuya_lan.coordinator.TuyaDevice"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom integrations in every test."""


@pytest.fixture(autouse=True)
def no_availability_grace() -> Generator[None]:
    """Entities go unavailable as soon as the session ends, unless a test sets a grace
    (tests/ha/test_faults.py and test_firmware_quirks.py measure it)."""
    with patch("custom_components.tuya_lan.coordinator.AVAILABILITY_GRACE", 0):
        yield


@pytest.fixture(autouse=True)
def discovery_sandbox() -> Generator[None]:
    """The discovery listener binds no port, and sends nothing, unless a test asks.

    Tests that exercise discovery (tests/ha/test_discovery.py) bind free loopback
    ports instead, and point the 0x25 request at the simulator on 127.0.0.1.
    """
    with (
        patch("custom_components.tuya_lan.discovery.LISTEN_PORTS", ()),
        patch("custom_components.tuya_lan.discovery.async_request_targets", loopback_only),
    ):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Use Home Assistant's snapshot extension."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Return the entry's options (override in a test module)."""
    return {}


@pytest.fixture
def mock_config_entry(entry_options: dict[str, Any]) -> MockConfigEntry:
    """Return a config entry for one plug."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=DEVICE_ID,
        data=entry_data(),
        options=entry_options,
    )


class FakeDevice:
    """A scripted device, seen through a fake of the library's TuyaDevice.

    The fake (:class:`FakeTuyaDevice`) stands where the coordinator imports TuyaDevice
    and has its public surface: ``on_update``/``on_health`` callbacks, ``connect``,
    ``start``, ``close``, ``reconnect``, ``try_key``, ``paused``, ``refresh``,
    ``set_dps``, ``snapshot``, ``health``, ``connected``. What the library does by
    itself (heartbeats, backoff, pacing) is not played: a test says what happens next
    (a push, a lost session, how the next attempt ends), and tests/lib covers how the
    library gets there.
    """

    def __init__(self, dps: dict[str, Any]) -> None:
        self.dps = dict(dps)  # what the device holds; a status read returns it
        # How the next session attempts end: connect_errors one each, then
        # connect_error (None: the session opens); connect_fault overrides the fault
        # the library would classify the error as.
        self.connect_error: BaseException | None = None
        self.connect_errors: list[BaseException] = []
        self.connect_fault: Fault | None = None
        self.status_error: BaseException | None = None  # what refresh() raises
        self.set_error: BaseException | None = None  # what set_dps() raises
        self.set_calls: list[dict[str, Any]] = []
        # As real firmware does: the new values are reported after the ack.
        self.push_after_set = True
        self.sessions = 0  # sessions opened
        self.devices: list[FakeTuyaDevice] = []

    @property
    def device(self) -> FakeTuyaDevice:
        """The newest device the coordinator made."""
        return self.devices[-1]

    def make_device(self, *args: Any, **kwargs: Any) -> FakeTuyaDevice:
        """Stand in for TuyaDevice(...)."""
        device = FakeTuyaDevice(self, *args, **kwargs)
        self.devices.append(device)
        return device

    def next_error(self) -> BaseException | None:
        if self.connect_errors:
            return self.connect_errors.pop(0)
        return self.connect_error

    def push(self, dps: dict[str, Any]) -> None:
        """The device pushes DPs."""
        self.dps.update(dps)
        self.device.report(dps, pushed=True)

    def drop(self, error: Exception | None = None) -> None:
        """The session ends (None: the device closed it)."""
        self.device.lose(error)

    def attempt(self) -> None:
        """The library's next reconnect attempt, ending as connect_error(s) say."""
        self.device.attempt()


class FakeTuyaDevice:
    """The fake TuyaDevice (see FakeDevice)."""

    def __init__(
        self,
        fake: FakeDevice,
        host: str,
        device_id: str,
        local_key: str,
        version: str,
        *,
        port: int = 6668,
        timings: Timings | None = None,
        on_update: Callable[[DeviceUpdate], None] | None = None,
        on_health: Callable[[Health], None] | None = None,
        dp_ids: Iterable[int] = (),
        connect_limiter: ConnectLimiter | None = None,
    ) -> None:
        self.fake = fake
        self.connect_limiter = connect_limiter
        self.host, self.device_id, self.local_key, self.version = (
            host,
            device_id,
            local_key,
            version,
        )
        self.port = port
        self.timings = timings
        self.on_update = on_update
        self.on_health = on_health
        self.dp_ids = tuple(dp_ids)
        self.health = Health(connected=False, version=version)
        self.started = self.closed = False
        self.pauses = 0
        self._dps: dict[str, Any] = {}
        self._live = False  # a session is open

    # -- the public surface ----------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._live

    @property
    def dps(self) -> Mapping[str, Any]:
        return MappingProxyType(dict(self._dps))

    def snapshot(self) -> DeviceUpdate:
        return DeviceUpdate(
            MappingProxyType(dict(self._dps)), frozenset(self._dps), MappingProxyType({})
        )

    async def connect(self) -> DeviceUpdate:
        if (error := self.fake.next_error()) is not None:
            self._failed(error)
            raise error
        self._open(notify=False)
        return self.snapshot()

    def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.closed = True
        self.on_update = self.on_health = None

    def reconnect(self, *, host: str | None = None, local_key: str | None = None) -> None:
        self.host = host or self.host
        self.local_key = local_key or self.local_key
        if self.connected:
            self.lose(None)

    async def try_key(self, local_key: str) -> None:
        if (error := self.fake.next_error()) is not None:
            self._failed(error)
            raise error
        self.local_key = local_key
        self._open(notify=self.started)

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        self.pauses += 1
        yield

    async def refresh(self) -> DeviceUpdate:
        if not self.connected:
            raise NotConnectedError(f"not connected to {self.host}")
        if (error := self.fake.status_error) is not None:
            if not isinstance(error, DeviceError | TuyaTimeoutError):
                self.lose(error)
            raise error
        update = self.report(self.fake.dps, pushed=False, notify=False)
        return update or DeviceUpdate(
            MappingProxyType(dict(self._dps)), frozenset(), MappingProxyType({})
        )

    async def set_dps(self, dps: Mapping[str, Any]) -> None:
        if not self.connected:
            raise NotConnectedError(f"not connected to {self.host}")
        self.fake.set_calls.append(dict(dps))
        if (error := self.fake.set_error) is not None:
            if not isinstance(error, DeviceError | TuyaTimeoutError):
                self.lose(error)  # the library ends the session on such an error
            raise error
        self.fake.dps.update(dps)
        if self.fake.push_after_set:
            asyncio.get_running_loop().call_soon(self.report, dict(dps), True)

    # -- what the test plays -------------------------------------------------------

    def report(
        self, dps: Mapping[str, Any], pushed: bool, notify: bool = True
    ) -> DeviceUpdate | None:
        """What the library reports for a push (``pushed``) or a status read."""
        if not self.connected or self.closed:
            return None
        changed = frozenset(dp for dp, value in dps.items() if self._dps.get(dp, ...) != value)
        if not changed and not pushed:
            return None
        self._dps.update(dps)
        if pushed and self.health.key_rejected:
            self._set_health(key_rejected=False)
        update = DeviceUpdate(
            MappingProxyType(dict(self._dps)),
            changed,
            MappingProxyType(dict(dps)) if pushed else {},
        )
        if notify and self.on_update is not None:
            self.on_update(update)
        return update

    def lose(self, error: BaseException | None) -> None:
        if not self.connected:
            return
        self._live = False
        fault = classify(error)
        self._set_health(
            connected=False,
            connected_since=None,
            fault=fault,
            error="closed by the device" if error is None else str(error),
            failures=0,
            key_rejected=self.health.key_rejected or fault is Fault.WRONG_KEY,
        )

    def attempt(self) -> None:
        if (error := self.fake.next_error()) is not None:
            self._failed(error)
        else:
            self._open(notify=True)

    def _failed(self, error: BaseException) -> None:
        fault = self.fake.connect_fault or classify(error)
        self._set_health(
            connected=False,
            fault=fault,
            error=str(error),
            failures=self.health.failures + 1,
            key_rejected=self.health.key_rejected or fault is Fault.WRONG_KEY,
        )

    def _open(self, *, notify: bool) -> None:
        self.fake.sessions += 1
        self._live = True  # the status is reported first, then the health says so
        self.report(self.fake.dps, pushed=False, notify=notify)
        self._set_health(
            connected=True,
            connected_since=time.time(),
            reconnects=self.fake.sessions - 1,
            fault=None,
            error=None,
            failures=0,
            key_rejected=self.health.key_rejected and not session_proves_key(self.version),
        )

    def _set_health(self, **changes: Any) -> None:
        health, self.health = self.health, dataclasses.replace(self.health, **changes)
        if self.health != health and self.on_health is not None and not self.closed:
            self.on_health(self.health)


@pytest.fixture
def device_status() -> dict[str, Any]:
    """Return the DPS the fake device starts with."""
    return dict(STATUS_LAYOUT_B)


@pytest.fixture
def fake_device(device_status: dict[str, Any]) -> Generator[FakeDevice]:
    """Patch TuyaDevice where the coordinator imports it (as wled's conftest does)."""
    device = FakeDevice(device_status)
    with patch(DEVICE_PATH, side_effect=device.make_device):
        yield device


@pytest.fixture
def platforms() -> list[str] | None:
    """Limit the platforms set up (None: all)."""
    return None


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    fake_device: FakeDevice,
    platforms: list[str] | None,
) -> MockConfigEntry:
    """Set up the integration with the fake device."""
    mock_config_entry.add_to_hass(hass)
    if platforms is None:
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    else:
        with patch("custom_components.tuya_lan.PLATFORMS", platforms):
            assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry
