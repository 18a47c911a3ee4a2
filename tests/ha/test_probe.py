"""Devices whose broadcasts do not reach Home Assistant: the probe action, probing for
missing devices, and the container repair issue.

Simulated devices listen on loopback addresses of their own (127.x.y.z; Linux routes
all of 127/8 to lo) and never broadcast; the probe is pointed at their ports. Nothing
outside 127.0.0.0/8 is ever probed: every range here is checked to be loopback.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components import network
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_socket import socket_allow_hosts

from custom_components.tuya_lan import discovery, listen_issues, probing
from custom_components.tuya_lan.const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    DOMAIN,
)
from custom_components.tuya_lan.container import (
    DOCKER_POOL,
    bridge_only,
    looks_like_bridge_container,
)
from tuya_sim import SimulatedDevice, build_datagram
from tuya_sim.cloud import FakeCloudDevice, FakeTuyaCloud

from .common import ACCESS_ID, ACCESS_SECRET, account_entry, entry_data, start_user_flow
from .test_discovery import (
    KEY,
    OTHER_KEY,
    UID,
    Ports,
    Sender,
    add_entry,
    card_form,
    cards,
    ports,
    send,
    wait_for,
)

ID35 = "bf35000000000000ac35"
ID33 = "bf33000000000000ac33"
# A /24 of loopback addresses of this test run's own.
NET = f"127.{18 + os.getpid() % 200}.{1 + os.getpid() // 200 % 250}"
RANGE = f"{NET}.0/27"

__all__ = ["ports", "send"]  # fixtures


def loopback(ranges: str) -> str:
    for text in ranges.replace(",", " ").split():
        assert ipaddress.IPv4Network(text, strict=False).subnet_of(
            ipaddress.IPv4Network("127.0.0.0/8")
        ), "tests probe 127/8 only"
    return ranges


@pytest.fixture
async def silent_devices(ports: Ports) -> AsyncIterator[list[SimulatedDevice]]:
    """A 3.5 device at NET.10 answering the 0x25 request to "7000", a 3.3 device at
    NET.20; neither broadcasts. The probe is pointed at their ports."""
    socket_allow_hosts(["127.0.0.0/8"], allow_unix_socket=True)
    first = SimulatedDevice(
        ID35,
        KEY,
        "3.5",
        host=f"{NET}.10",
        tick_interval=None,
        request_port=0,
        request_reply_port=ports.app,
    )
    await first.start()
    assert first.request_port is not None
    second = SimulatedDevice(
        ID33, KEY, "3.3", host=f"{NET}.20", port=first.port, tick_interval=None
    )
    await second.start()
    with (
        patch.object(probing, "PROBE_TCP_PORT", first.port),
        patch.object(probing, "PROBE_REQUEST_PORT", first.request_port),
    ):
        yield [first, second]
    await first.stop()
    await second.stop()


async def setup(hass: HomeAssistant, **options: Any) -> None:
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: options or None})
    await hass.async_block_till_done()


async def test_probe_action_finds_silent_devices_and_makes_cards(
    hass: HomeAssistant, silent_devices: list[SimulatedDevice]
) -> None:
    await setup(hass, probe_ranges=loopback(RANGE))
    assert cards(hass) == {}
    response = await hass.services.async_call(
        DOMAIN, "probe", {}, blocking=True, return_response=True
    )
    assert response == {
        "answered": [
            {"ip": f"{NET}.10", "device_id": ID35, "version": "3.5", "listens": True},
            {"ip": f"{NET}.20", "device_id": None, "version": None, "listens": True},
        ]
    }
    # The 3.5 device's answer came to the listener: a Discovered card, as a broadcast.
    await wait_for(lambda: ID35 in cards(hass))
    form = await card_form(hass, ID35)
    assert form["description_placeholders"]["host"] == f"{NET}.10"
    assert form["description_placeholders"]["version"] == "3.5"


async def test_probe_action_takes_ranges(
    hass: HomeAssistant, silent_devices: list[SimulatedDevice]
) -> None:
    await setup(hass)
    response = await hass.services.async_call(
        DOMAIN, "probe", {"ranges": loopback(f"{NET}.20")}, blocking=True, return_response=True
    )
    assert response == {
        "answered": [{"ip": f"{NET}.20", "device_id": None, "version": None, "listens": True}]
    }


@pytest.mark.parametrize("ranges", ["198.18.0.0/15", "printer", "2001:db8::1"])
async def test_probe_action_refuses_bad_ranges(
    hass: HomeAssistant, ports: Ports, ranges: str
) -> None:
    await setup(hass)
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, "probe", {"ranges": ranges}, blocking=True, return_response=True
        )
    assert caught.value.translation_key == "invalid_ranges"
    assert caught.value.translation_placeholders == {"range": ranges}


async def test_bad_probe_ranges_option_is_refused(hass: HomeAssistant) -> None:
    assert not await async_setup_component(
        hass, DOMAIN, {DOMAIN: {"probe_ranges": "198.18.0.0/15"}}
    )


async def test_missing_device_is_probed_for_and_followed(
    hass: HomeAssistant, silent_devices: list[SimulatedDevice]
) -> None:
    """A configured 3.5 device away from its address, silent: the periodic probe of the
    ranges finds it, and the entry follows it there."""
    device = silent_devices[0]
    # Discovery ticks in real time here, every 50 ms (moving HA's test clock instead
    # would fire the setup retry together with each tick, and the timeouts of a probe
    # in flight).
    with patch.object(discovery, "REQUEST_INTERVAL", timedelta(seconds=0.05)):
        await setup(hass, probe_ranges=loopback(RANGE))
        entry = add_entry(hass, ID35, host=f"{NET}.99", port=device.port, protocol_version="3.5")
        await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        await wait_for(lambda: entry.state is ConfigEntryState.LOADED)
    assert entry.data[CONF_HOST] == f"{NET}.10"
    await hass.config_entries.async_unload(entry.entry_id)


# --- what only listens, and the account's address hint (issue 18 item 2) --------------


async def test_a_device_that_only_listens_becomes_an_address_card(
    hass: HomeAssistant, silent_devices: list[SimulatedDevice]
) -> None:
    """The 3.3 device answers the probe's TCP connect but never announces itself: a
    Discovered card with its address, whose form asks for its id and key."""
    device = silent_devices[1]
    await setup(hass)
    await hass.services.async_call(
        DOMAIN, "probe", {"ranges": loopback(f"{NET}.20")}, blocking=True, return_response=True
    )
    address_card = probing.address_flow_id(f"{NET}.20")
    await wait_for(lambda: address_card in cards(hass))
    card = cards(hass)[address_card]
    assert card["context"]["title_placeholders"] == {"name": f"{NET}.20 · Tuya"}
    result = await hass.config_entries.flow.async_configure(card["flow_id"])
    assert result["step_id"] == "local"
    host_field = next(key for key in result["data_schema"].schema if key == CONF_HOST)
    assert host_field.description == {"suggested_value": f"{NET}.20"}
    result = await hass.config_entries.flow.async_configure(
        card["flow_id"],
        {
            CONF_HOST: f"{NET}.20",
            CONF_DEVICE_ID: ID33,
            CONF_LOCAL_KEY: KEY,
            CONF_PROTOCOL_VERSION: "auto",
            "advanced": {CONF_PORT: device.port},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == ID33
    assert result["data"][CONF_HOST] == f"{NET}.20"
    assert result["data"][CONF_PROTOCOL_VERSION] == "3.3"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)
    # Known now: probing it again makes no card.
    await hass.services.async_call(
        DOMAIN, "probe", {"ranges": loopback(f"{NET}.20")}, blocking=True, return_response=True
    )
    await hass.async_block_till_done()
    assert cards(hass) == {}


async def test_an_address_card_ends_when_its_device_is_added_another_way(
    hass: HomeAssistant, silent_devices: list[SimulatedDevice]
) -> None:
    """The address card waits at NET.20; the user adds the device there by hand
    instead: the card goes with it (not at the next restart)."""
    device = silent_devices[1]
    await setup(hass)
    await hass.services.async_call(
        DOMAIN, "probe", {"ranges": loopback(f"{NET}.20")}, blocking=True, return_response=True
    )
    address_card = probing.address_flow_id(f"{NET}.20")
    await wait_for(lambda: address_card in cards(hass))
    result = await start_user_flow(hass)
    assert result["step_id"] == "local"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: f"{NET}.20",
            CONF_DEVICE_ID: ID33,
            CONF_LOCAL_KEY: KEY,
            CONF_PROTOCOL_VERSION: "3_3",
            "advanced": {CONF_PORT: device.port},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert cards(hass) == {}
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_no_address_card_where_a_configured_device_is(
    hass: HomeAssistant, silent_devices: list[SimulatedDevice]
) -> None:
    await setup(hass)
    entry = add_entry(hass, ID33, host=f"{NET}.20", port=silent_devices[1].port)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await hass.services.async_call(
        DOMAIN, "probe", {"ranges": loopback(f"{NET}.20")}, blocking=True, return_response=True
    )
    await hass.async_block_till_done()
    assert cards(hass) == {}
    await hass.config_entries.async_unload(entry.entry_id)


def test_only_lan_addresses_are_hints() -> None:
    """The cloud usually lists the public address it saw: no use on the LAN (the fake
    cloud's stand-in for it is a documentation address)."""
    assert probing.lan_hint(f"{NET}.20") == f"{NET}.20"
    assert probing.lan_hint(FakeCloudDevice(ID33, "x", KEY, uid=UID).ip) is None
    assert probing.lan_hint("192.0.2.7") is None
    assert probing.lan_hint("198.18.0.7") is None
    assert probing.lan_hint("lamp.local") is None
    assert probing.lan_hint(None) is None
    assert probing.lan_hint("2001:db8::1") is None


@contextlib.asynccontextmanager
async def account_listing(hass: HomeAssistant, device: FakeCloudDevice) -> AsyncIterator[None]:
    """A linked account holding ``device``, its list fetched once."""
    async with FakeTuyaCloud(ACCESS_ID, ACCESS_SECRET) as cloud:
        cloud.add_device(device)
        account = account_entry(cloud.url)
        account.add_to_hass(hass)
        assert await hass.config_entries.async_setup(account.entry_id)
        await account.runtime_data.async_devices()
        yield


async def test_an_address_its_account_lists_is_offered_as_that_device(
    hass: HomeAssistant, silent_devices: list[SimulatedDevice]
) -> None:
    """Something listens at NET.20, where the linked account lists an unconfigured
    device: its card is that device's, named as the account names it, and the key from
    the account is proven there before the entry is saved."""
    device = silent_devices[1]
    await setup(hass)
    async with account_listing(
        hass, FakeCloudDevice(ID33, "Desk lamp", KEY, uid=UID, ip=f"{NET}.20")
    ):
        await hass.services.async_call(
            DOMAIN, "probe", {"ranges": loopback(f"{NET}.20")}, blocking=True, return_response=True
        )
        await wait_for(lambda: ID33 in cards(hass))
        assert probing.address_flow_id(f"{NET}.20") not in cards(hass)
        card = cards(hass)[ID33]
        assert card["context"]["title_placeholders"] == {"name": "Desk lamp · .20"}
        result = await hass.config_entries.flow.async_configure(
            card["flow_id"], {"advanced": {CONF_PORT: device.port}}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["title"] == "Desk lamp"
        assert result["data"][CONF_HOST] == f"{NET}.20"
        assert result["data"][CONF_PROTOCOL_VERSION] == "3.3"
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(result["result"].entry_id)


@pytest.mark.parametrize("key", [KEY, OTHER_KEY])
async def test_missing_device_is_looked_for_where_its_account_says(
    hass: HomeAssistant,
    silent_devices: list[SimulatedDevice],
    key: str,
) -> None:
    """No probe ranges; the account lists the missing 3.3 device at NET.20, where it
    listens but never announces itself: probed there, and followed only when it
    answers there as itself (a handshake with the entry's key), never on the hint."""
    device = silent_devices[1]
    follows: list[bool] = []

    async def spy(*args: Any) -> bool:
        follows.append(moved := await real_follow(*args))
        return moved

    real_follow = discovery.async_follow
    hint = FakeCloudDevice(ID33, "Desk lamp", KEY, uid=UID, ip=f"{NET}.20")
    with (
        patch.object(discovery, "REQUEST_INTERVAL", timedelta(seconds=0.05)),
        patch.object(discovery, "async_follow", spy),
    ):
        await setup(hass)
        async with account_listing(hass, hint):
            entry = MockConfigEntry(
                domain=DOMAIN,
                title=f"Tuya {ID33[-4:]}",
                unique_id=ID33,
                data=entry_data(device_id=ID33, local_key=key, host=f"{NET}.99", port=device.port),
            )
            entry.add_to_hass(hass)
            await hass.config_entries.async_setup(entry.entry_id)
            assert entry.state is ConfigEntryState.SETUP_RETRY
            await wait_for(lambda: bool(follows))
            if key == KEY:
                await wait_for(lambda: entry.state is ConfigEntryState.LOADED)
            assert follows == [key == KEY]
            assert entry.data[CONF_HOST] == (f"{NET}.20" if key == KEY else f"{NET}.99")
            assert cards(hass) == {}  # the hinted address is the device's, not a card
            await hass.config_entries.async_unload(entry.entry_id)


# --- containers --------------------------------------------------------------------------


def bridge_adapters(*addresses: str) -> list[dict[str, Any]]:
    return [
        {
            "name": f"eth{n}",
            "index": n,
            "enabled": True,
            "auto": True,
            "default": n == 0,
            "ipv4": [{"address": address, "network_prefix": 16}],
            "ipv6": [],
        }
        for n, address in enumerate(addresses)
    ]


# Addresses a mocked adapter reports (never contacted): inside the pool Docker takes its
# bridge networks from, as the container rule defines it.
BRIDGE_ADDRESS = str(DOCKER_POOL[0x10002])  # the first host of Docker's default bridge
POOL_EDGE_ADDRESS = str(DOCKER_POOL[-2])


@pytest.mark.parametrize(
    ("marker", "addresses", "issue"),
    [
        (True, [BRIDGE_ADDRESS], True),
        (False, [BRIDGE_ADDRESS], False),  # a LAN on 172.16/12, no container
        (True, [BRIDGE_ADDRESS, "192.0.2.10"], False),  # a LAN address too: macvlan/host
    ],
)
async def test_container_issue_when_nothing_is_heard(
    hass: HomeAssistant,
    ports: Ports,
    send: Sender,
    marker: bool,
    addresses: list[str],
    issue: bool,
) -> None:
    with (
        patch.object(listen_issues, "SILENCE_WINDOW", 0.0),
        patch.object(listen_issues, "container_marker", return_value=marker),
        patch.object(network, "async_get_adapters", return_value=bridge_adapters(*addresses)),
    ):
        await setup(hass)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
        await hass.async_block_till_done()
    found = ir.async_get(hass).async_get_issue(DOMAIN, listen_issues.ISSUE_CONTAINER)
    assert (found is not None) is issue
    if found is None:
        return
    assert found.translation_placeholders == {"addresses": BRIDGE_ADDRESS}
    # A device heard: the issue goes.
    send(build_datagram(ID33, "3.3"), ports.encrypted)
    await wait_for(
        lambda: ir.async_get(hass).async_get_issue(DOMAIN, listen_issues.ISSUE_CONTAINER) is None
    )


async def test_no_container_issue_once_something_was_heard(
    hass: HomeAssistant, ports: Ports, send: Sender
) -> None:
    with (
        patch.object(listen_issues, "SILENCE_WINDOW", 0.0),
        patch.object(listen_issues, "container_marker", return_value=True),
        patch.object(network, "async_get_adapters", return_value=bridge_adapters(BRIDGE_ADDRESS)),
    ):
        await setup(hass)
        send(build_datagram(ID33, "3.3"), ports.encrypted)
        await wait_for(lambda: ID33 in cards(hass))
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
        await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, listen_issues.ISSUE_CONTAINER) is None


def test_bridge_only() -> None:
    assert bridge_only([BRIDGE_ADDRESS, "127.0.0.1"])
    assert not bridge_only(["127.0.0.1"])
    assert not bridge_only([])
    assert not bridge_only([BRIDGE_ADDRESS, "192.0.2.4"])
    assert not looks_like_bridge_container([BRIDGE_ADDRESS], marker=False)
    assert looks_like_bridge_container([POOL_EDGE_ADDRESS], marker=True)
