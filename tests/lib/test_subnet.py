"""The subnet probe, against simulated devices on loopback addresses of their own.

Only 127.0.0.0/8 is ever probed here (Linux routes all of it to lo): every test checks
its addresses are loopback before probing anything.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable

import pytest
from pytest_socket import socket_allow_hosts

from custom_components.tuya_lan.tuyalan.subnet import (
    MAX_ADDRESSES,
    ProbeRangeError,
    SubnetProbe,
    parse_ranges,
)
from tuya_sim.device import SimulatedDevice
from tuya_sim.discovery import build_datagram

LOCAL_KEY = "0123456789abcdef"
# A /24 of loopback addresses of this test run's own (another run may probe in parallel).
NET = f"127.{18 + os.getpid() % 200}.{1 + os.getpid() // 200 % 250}"


def _loopback_only(addresses: Iterable[ipaddress.IPv4Address | str]) -> list[str]:
    out = [str(address) for address in addresses]
    assert all(ipaddress.IPv4Address(a).is_loopback for a in out), "tests probe 127/8 only"
    return out


type Devices = Callable[..., SimulatedDevice]


@pytest.fixture
async def probe(socket_enabled: None) -> AsyncIterator[SubnetProbe]:
    # Home Assistant's test plugin allows 127.0.0.1 only; the devices here have
    # loopback addresses of their own (still loopback only: nothing else is reached).
    socket_allow_hosts(["127.0.0.0/8"], allow_unix_socket=True)
    async with SubnetProbe(
        "127.0.0.1", bind_host="127.0.0.1", concurrency=16, timeout=2.0, answer_grace=2.0
    ) as prober:
        yield prober


@pytest.fixture
async def devices(probe: SubnetProbe) -> AsyncIterator[list[SimulatedDevice]]:
    """Three devices in NET: two 3.5 (they answer the request), one 3.3 (TCP only); all
    on one TCP port and one request port, as on a LAN."""
    started: list[SimulatedDevice] = []
    tcp_port = request_port = 0
    for last, version in ((10, "3.5"), (20, "3.3"), (30, "3.5")):
        device = SimulatedDevice(
            f"bf{last:02d}3456789abcdef012"[:20],
            LOCAL_KEY,
            version,
            host=f"{NET}.{last}",
            port=tcp_port,
            tick_interval=None,
            request_port=request_port if version == "3.5" else None,
            request_reply_port=probe.answer_port,
        )
        await device.start()
        started.append(device)
        tcp_port = device.port
        if device.request_port is not None:
            request_port = device.request_port
    probe.tcp_port, probe.request_port = tcp_port, request_port
    yield started
    for device in started:
        await device.stop()


async def test_probe_finds_devices_by_id_and_by_port(
    probe: SubnetProbe, devices: list[SimulatedDevice]
) -> None:
    answers = await probe.run(_loopback_only(parse_ranges([f"{NET}.0/24"])))
    assert [(a.ip, a.device_id, a.tcp_open) for a in answers] == [
        (f"{NET}.10", devices[0].device_id, True),
        (f"{NET}.20", None, True),  # 3.3 devices do not answer the request
        (f"{NET}.30", devices[2].device_id, True),
    ]
    assert answers[0].device is not None
    assert answers[0].device.version == "3.5"


async def test_probe_paces_a_full_24(probe: SubnetProbe, devices: list[SimulatedDevice]) -> None:
    targets = _loopback_only(parse_ranges([f"{NET}.0/24"]))
    assert len(targets) == 254
    started = time.monotonic()
    answers = await probe.run(targets)
    assert len(answers) == 3
    # Never more than the limit at once, and the limit is used (the probe is paced,
    # not serial).
    assert probe.peak_in_flight == 16
    assert probe.in_flight == 0
    assert time.monotonic() - started < 10


async def test_probe_ignores_answers_from_elsewhere(
    probe: SubnetProbe, devices: list[SimulatedDevice]
) -> None:
    stray = build_datagram("bf99999999999999zz99", "3.5", ip=f"{NET}.99")
    probe.heard(stray, f"{NET}.99")  # not being probed: not an answer
    probe.heard(b"garbage", f"{NET}.10")
    answers = await probe.run(_loopback_only([f"{NET}.20", f"{NET}.99"]))
    assert [(a.ip, a.device_id) for a in answers] == [(f"{NET}.20", None)]


async def test_probe_of_an_empty_range_returns_nothing(probe: SubnetProbe) -> None:
    probe.tcp_port = probe.answer_port  # a UDP port: nothing listens on TCP there
    assert await probe.run(_loopback_only(parse_ranges([f"{NET}.200/30"]))) == []


def test_parse_ranges() -> None:
    assert parse_ranges(["192.0.2.0/30, 192.0.2.9", "192.0.2.1 198.51.100.7/32"]) == [
        ipaddress.IPv4Address(a) for a in ("192.0.2.1", "192.0.2.2", "192.0.2.9", "198.51.100.7")
    ]
    assert len(parse_ranges(["192.0.2.0/22"])) == MAX_ADDRESSES - 2


@pytest.mark.parametrize(
    ("ranges", "reason", "text"),
    [
        (["192.0.2.0/21"], "too_large", "192.0.2.0/21"),
        (["198.18.0.0/15"], "too_large", "198.18.0.0/15"),
        (["192.0.2.0/22", "198.51.100.0/24"], "too_large", "198.51.100.0/24"),
        (["192.0.2.300"], "invalid", "192.0.2.300"),
        (["printer"], "invalid", "printer"),
        (["2001:db8::/120"], "not_ipv4", "2001:db8::/120"),
    ],
)
def test_parse_ranges_refuses(ranges: list[str], reason: str, text: str) -> None:
    with pytest.raises(ProbeRangeError) as caught:
        parse_ranges(ranges)
    assert (caught.value.reason, caught.value.text) == (reason, text)


def test_probe_refuses_unbounded_concurrency() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        SubnetProbe("127.0.0.1", concurrency=500)
