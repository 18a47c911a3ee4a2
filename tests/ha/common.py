"""What the Home Assistant layer tests share besides fixtures: the test plug's
identity, its statuses, its entry data, the start of the user flow and the linked
developer project (a fake cloud's account entry).

Test modules import these from here; conftest.py holds only fixtures (and the fake
device behind them).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tuya_lan.const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.tuyalan import Timings

# The developer project tuya_sim's FakeTuyaCloud is started with in the HA tests.
ACCESS_ID = "1KAD46OrT9HafiKdsXeg"
ACCESS_SECRET = "4OHBOnWOqaEC1mWXOpVL3yV50s0qGSRC"

DEVICE_ID = "bf1234567890abcdefgh"
LOCAL_KEY = "0123456789abcdef"
HOST = "192.0.2.50"
TITLE = "Tuya efgh"

# The statuses the fake device starts with (tests/fixtures/status/*.json):
STATUS_FIXTURES = Path(__file__).parents[1] / "fixtures" / "status"


def load_status(name: str) -> dict[str, Any]:
    """Return a device status (DP id -> value) from tests/fixtures/status/NAME.json."""
    status: dict[str, Any] = json.loads((STATUS_FIXTURES / f"{name}.json").read_text())
    return status


# Layout B plug: switch, countdown, add_ele, current, power, voltage; plus two DPs the
# mapping does not know (they become raw diagnostic sensors).
STATUS_LAYOUT_B = load_status("plug_layout_b")
# Layout A plug: the older layout, metering on DPs 4-6.
STATUS_LAYOUT_A = load_status("plug_layout_a")
# A strip: three switches (DPs 1-3), DPs 7-9, and metering on DPs 18-20.
STATUS_STRIP = load_status("strip")


async def loopback_only(*_: Any) -> tuple[str, list[tuple[str, int]]]:
    """Discovery requests go nowhere unless a test says where (127.0.0.1 only)."""
    return "127.0.0.1", []


async def start_user_flow(hass: HomeAssistant) -> ConfigFlowResult:
    """Start adding a device on the LAN: the user step's menu, then its "local" choice."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "local"}
    )


def entry_data(**overrides: Any) -> dict[str, Any]:
    """Return config entry data."""
    return {
        CONF_HOST: HOST,
        CONF_PORT: 6668,
        CONF_DEVICE_ID: DEVICE_ID,
        CONF_LOCAL_KEY: LOCAL_KEY,
        CONF_PROTOCOL_VERSION: "3.3",
        **overrides,
    }


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback TCP port where a connection is refused, for as long as the block runs.

    The port is bound but never listened on: no other process can take it meanwhile (a
    guessed "free" port such as a simulator's port + 1000 may be someone else's
    listener on a busy machine, and then the device looks busy instead of absent).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def account_data(cloud_url: str, **overrides: Any) -> dict[str, Any]:
    """A developer project account entry's data, pointed at a fake cloud's address."""
    return {
        "entry_type": "account",
        "kind": "developer",
        "access_id": ACCESS_ID,
        "access_secret": ACCESS_SECRET,
        "region": "eu",
        "endpoint": cloud_url,
        **overrides,
    }


def account_entry(cloud_url: str, **overrides: Any) -> MockConfigEntry:
    """The developer project's account entry (not yet added to Home Assistant)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Tuya IoT: project",
        unique_id=f"account_{ACCESS_ID}",
        data=account_data(cloud_url, **overrides),
    )


async def add_account(hass: HomeAssistant, cloud_url: str) -> MockConfigEntry:
    """The developer project linked and set up: its entry."""
    entry = account_entry(cloud_url)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition()` holds (the loopback round trips take milliseconds)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the condition spans HA and the simulator
            await asyncio.sleep(0.01)


@contextmanager
def fast_gateway_timings() -> Iterator[None]:
    """Reconnect after 50 ms; merge split presence reports over 0.2 s, not 2 s."""
    timings = Timings(backoff_min=0.05, backoff_max=0.05, backoff_jitter=0.0)
    with (
        patch("custom_components.tuya_lan.coordinator.TIMINGS", timings),
        patch("custom_components.tuya_lan.gateway.PRESENCE_WINDOW", 0.2),
    ):
        yield
