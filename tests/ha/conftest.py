"""Fixtures for the Home Assistant layer tests.

The protocol library is mocked at the place the integration imports it: a FakeDevice
stands behind an autospec'd TuyaClient, keeps the DPS, and can push, drop the
connection or refuse the key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import Any
from unittest.mock import AsyncMock, MagicMock, PropertyMock, patch

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.tuya_lan.const import DOMAIN
from custom_components.tuya_lan.tuyalan import TuyaClient

from .common import DEVICE_ID, STATUS_LAYOUT_B, TITLE, entry_data, loopback_only

CLIENT_PATH = "custom_components.tuya_lan.tuyalan.device.TuyaClient"


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
    """What stands behind the mocked TuyaClient."""

    def __init__(self, dps: dict[str, Any]) -> None:
        self.dps = dict(dps)
        self.clients: list[MagicMock] = []
        self.on_status: Callable[[dict[str, Any]], None] | None = None
        self.on_disconnect: Callable[[Exception | None], None] | None = None
        self.connect_error: BaseException | None = None
        # Errors the next connects raise, one each, before connect_error applies.
        self.connect_errors: list[BaseException] = []
        # Runs when a status is read, before it is answered (or status_error raised).
        self.before_status: Callable[[], None] | None = None
        self.status_error: BaseException | None = None
        self.set_calls: list[dict[str, Any]] = []
        # As real firmware does: an empty ack, then the new values as a STATUS push.
        self.push_after_set = True

    @property
    def client(self) -> MagicMock:
        """Return the newest client."""
        return self.clients[-1]

    def make_client(self, *args: Any, **kwargs: Any) -> MagicMock:
        """Stand in for TuyaClient(...)."""
        client = MagicMock(spec=TuyaClient)
        self.on_status = kwargs.get("on_status")
        self.on_disconnect = kwargs.get("on_disconnect")

        async def connect() -> None:
            if self.connect_errors:
                raise self.connect_errors.pop(0)
            if self.connect_error is not None:
                raise self.connect_error

        async def status(**_: Any) -> dict[str, Any]:
            if self.before_status is not None:
                self.before_status()
            if self.status_error is not None:
                raise self.status_error
            return dict(self.dps)

        async def set_dps(dps: dict[str, Any]) -> dict[str, Any]:
            self.set_calls.append(dict(dps))
            self.dps.update(dps)
            on_status = kwargs.get("on_status")
            if self.push_after_set and on_status is not None:
                asyncio.get_running_loop().call_soon(on_status, dict(dps))
            return {}

        client.connect = AsyncMock(side_effect=connect)
        client.status = AsyncMock(side_effect=status)
        client.set_dps = AsyncMock(side_effect=set_dps)
        client.heartbeat = AsyncMock(return_value=None)
        client.close = AsyncMock(return_value=None)
        client.abort = MagicMock(return_value=None)
        client.last_seen = None
        client.device22 = False
        client.known_dps = ()
        client.init_args = args
        client.init_kwargs = kwargs
        self.clients.append(client)
        return client

    def push(self, dps: dict[str, Any]) -> None:
        """Push DPs from the device."""
        self.dps.update(dps)
        assert self.on_status is not None
        self.on_status(dict(dps))

    def drop(self, exc: Exception | None = None) -> None:
        """The device closes the connection."""
        assert self.on_disconnect is not None
        self.on_disconnect(exc)


@pytest.fixture
def device_status() -> dict[str, Any]:
    """Return the DPS the fake device starts with."""
    return dict(STATUS_LAYOUT_B)


@pytest.fixture
def fake_device(device_status: dict[str, Any]) -> Generator[FakeDevice]:
    """Patch TuyaClient where the library's supervisor (TuyaDevice) imports it."""
    device = FakeDevice(device_status)
    with patch(
        CLIENT_PATH,
        autospec=True,
        side_effect=device.make_client,
    ):
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
