"""Tuya LAN protocol library: talk to Tuya WiFi devices on the local network.

No Home Assistant imports here: this package is the protocol (framing, crypto,
session, asyncio client, discovery), a cloud client for local keys and DP models,
and could ship on PyPI on its own.
"""

from .client import TuyaClient, detect_version, probe
from .cloud import TuyaCloud
from .cloud_model import CloudDevice, DpModel, merge_model, model_from_sharing
from .cloud_sign import REGIONS
from .const import DETECT_ORDER, TCP_PORT, UDP_PORTS, VERSIONS, Command
from .device import DeviceUpdate, Fault, Health, TuyaDevice, backoff_delay, classify
from .discovery import DiscoveredDevice, build_discovery_request, decode_broadcast
from .errors import (
    CloudAuthError,
    CloudClockError,
    CloudConnectionError,
    CloudDeviceUnknownError,
    CloudError,
    CloudPermissionError,
    CloudQrExpiredError,
    CloudQrPendingError,
    CloudRegionError,
    CloudSessionError,
    CloudUserCodeError,
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
    "REGIONS",
    "TCP_PORT",
    "UDP_PORTS",
    "VERSIONS",
    "CloudAuthError",
    "CloudClockError",
    "CloudConnectionError",
    "CloudDevice",
    "CloudDeviceUnknownError",
    "CloudError",
    "CloudPermissionError",
    "CloudQrExpiredError",
    "CloudQrPendingError",
    "CloudRegionError",
    "CloudSessionError",
    "CloudUserCodeError",
    "Command",
    "ConnectionRefusedByDevice",
    "DeviceError",
    "DeviceUpdate",
    "DiscoveredDevice",
    "DpModel",
    "Fault",
    "HandshakeDroppedError",
    "Health",
    "InvalidKeyError",
    "MalformedFrameError",
    "NotConnectedError",
    "TuyaClient",
    "TuyaCloud",
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
    "merge_model",
    "model_from_sharing",
    "probe",
]
