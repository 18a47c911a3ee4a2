"""The devices heard recently: deduplicate and rate-limit what a caller acts on.

A device announces itself every few seconds (TuyaOpen: every 5 s) on up to two ports,
and a 3.5 device answers every 0x25 request. :class:`HeardDevices` keeps the newest
announcement of each device and tells the caller whether acting on it is due: the
first time, when its address or protocol version changed since the caller last acted,
and otherwise at most once per ``act_interval``. The caller says when it acted
(:meth:`HeardDevices.acted`): an announcement it had no use for does not count.
Sans-IO: the clock is injected.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from .discovery import DiscoveredDevice

# Real ids are 20 or 22 lowercase letters and digits; be a little lenient, but refuse
# anything that could not be an id (the UDP key is public: anyone can forge a datagram).
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def valid_device_id(device_id: str) -> bool:
    """Whether ``device_id`` could be a Tuya device id (1-64 ASCII letters, digits, _ or -)."""
    return _DEVICE_ID.fullmatch(device_id) is not None


def plausible(device: DiscoveredDevice) -> bool:
    """Whether an announcement names a usable device: a sane id and an IPv4 address."""
    if not valid_device_id(device.device_id):
        return False
    try:
        ipaddress.IPv4Address(device.ip)
    except ValueError:
        return False
    return True


@dataclass(slots=True)
class HeardDevice:
    """The newest announcement of one device and when it was heard."""

    device: DiscoveredDevice
    source: tuple[str, int]  # the datagram's sender (address, port)
    first_heard: float
    last_heard: float
    last_acted: float | None = None
    acted_on: tuple[str, str] | None = None  # (ip, version) when last acted on

    @property
    def device_id(self) -> str:
        """The device's id."""
        return self.device.device_id


class HeardDevices:
    """Recently heard devices, by id, at most ``max_devices`` of them."""

    def __init__(
        self,
        act_interval: float,
        *,
        max_devices: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.act_interval = act_interval
        self.max_devices = max_devices
        self._clock = clock
        self._devices: dict[str, HeardDevice] = {}

    def observe(self, device: DiscoveredDevice, source: tuple[str, int]) -> HeardDevice | None:
        """Record an announcement and return the device's record.

        Implausible announcements (see :func:`plausible`) are not recorded: None.
        """
        if not plausible(device):
            return None
        now = self._clock()
        heard = self._devices.get(device.device_id)
        if heard is None:
            if len(self._devices) >= self.max_devices:
                oldest = min(self._devices.values(), key=lambda h: h.last_heard)
                del self._devices[oldest.device_id]
            heard = self._devices[device.device_id] = HeardDevice(device, source, now, now)
        else:
            heard.device, heard.source, heard.last_heard = device, source, now
        return heard

    def due(self, heard: HeardDevice) -> bool:
        """Whether to act on a device: new, moved or changed version, or not for a while."""
        if heard.last_acted is None or heard.acted_on != (heard.device.ip, heard.device.version):
            return True
        return self._clock() - heard.last_acted >= self.act_interval

    def acted(self, heard: HeardDevice) -> None:
        """Note that the caller acted on the device as it is now."""
        heard.last_acted = self._clock()
        heard.acted_on = (heard.device.ip, heard.device.version)

    def get(self, device_id: str) -> HeardDevice | None:
        """The record of a device, if it was heard."""
        return self._devices.get(device_id)

    def recent(self, max_age: float) -> list[HeardDevice]:
        """The devices heard within ``max_age`` seconds, by id."""
        now = self._clock()
        return sorted(
            (h for h in self._devices.values() if now - h.last_heard <= max_age),
            key=lambda h: h.device_id,
        )

    def forget(self, device_id: str) -> None:
        """Drop a device (the next announcement counts as new)."""
        self._devices.pop(device_id, None)

    def __len__(self) -> int:
        return len(self._devices)

    def __contains__(self, device_id: object) -> bool:
        return device_id in self._devices
