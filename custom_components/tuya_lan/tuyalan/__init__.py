"""Tuya LAN protocol library: talk to Tuya WiFi devices on the local network.

No Home Assistant imports here: this package is the protocol (framing, crypto,
session, asyncio client, discovery) and could ship on PyPI on its own.
"""

from .client import TuyaClient, detect_version
from .const import DETECT_ORDER, TCP_PORT, UDP_PORTS, VERSIONS, Command
from .discovery import DiscoveredDevice, build_discovery_request, decode_broadcast
from .errors import (
    ConnectionRefusedByDevice,
    DeviceError,
    HandshakeDroppedError,
    MalformedFrameError,
    NotConnectedError,
    TuyaConnectionError,
    TuyaError,
    TuyaTimeoutError,
    WrongKeyError,
)

__all__ = [
    "DETECT_ORDER",
    "TCP_PORT",
    "UDP_PORTS",
    "VERSIONS",
    "Command",
    "ConnectionRefusedByDevice",
    "DeviceError",
    "DiscoveredDevice",
    "HandshakeDroppedError",
    "MalformedFrameError",
    "NotConnectedError",
    "TuyaClient",
    "TuyaConnectionError",
    "TuyaError",
    "TuyaTimeoutError",
    "WrongKeyError",
    "build_discovery_request",
    "decode_broadcast",
    "detect_version",
]
