"""Tuya LAN protocol library: talk to Tuya WiFi devices on the local network.

No Home Assistant imports here: this package is the protocol (framing, crypto,
session, asyncio client, discovery) and could ship on PyPI on its own.
"""

from .client import TuyaClient, detect_version, probe
from .const import DETECT_ORDER, TCP_PORT, UDP_PORTS, VERSIONS, Command
from .device import DeviceUpdate, Fault, Health, TuyaDevice, backoff_delay, classify
from .discovery import DiscoveredDevice, build_discovery_request, decode_broadcast
from .errors import (
    ConnectionRefusedByDevice,
    DeviceError,
    HandshakeDroppedError,
    InvalidKeyError,
    MalformedFrameError,
    NotConnectedError,
    TuyaConnectionError,
    TuyaError,
    TuyaTimeoutError,
    UnknownVersionError,
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
    "DeviceUpdate",
    "DiscoveredDevice",
    "Fault",
    "HandshakeDroppedError",
    "Health",
    "InvalidKeyError",
    "MalformedFrameError",
    "NotConnectedError",
    "TuyaClient",
    "TuyaConnectionError",
    "TuyaDevice",
    "TuyaError",
    "TuyaTimeoutError",
    "UnknownVersionError",
    "WrongKeyError",
    "backoff_delay",
    "build_discovery_request",
    "classify",
    "decode_broadcast",
    "detect_version",
    "probe",
]
