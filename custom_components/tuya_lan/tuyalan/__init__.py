"""Tuya LAN protocol library: talk to Tuya WiFi devices on the local network.

A package of its own, with no Home Assistant import (a ruff rule keeps it so): the
protocol (framing, crypto, session, asyncio client), supervision of one device,
discovery, the DP model, and a cloud client for local keys and DP models. Home
Assistant's integration holds it as ``custom_components.tuya_lan.tuyalan``; the wheel
built from the repository's ``pyproject.toml`` installs it as ``tuyalan``. Its modules
import each other relatively, so both names work.

The public surface is what ``__all__`` lists (``tests/lib/test_package.py`` pins it),
with two public modules: :mod:`.dpmap` (what each DP is) and :mod:`.codec` (the wire
format, for peers such as a device simulator). Every other module is private.

The cloud client needs ``aiohttp`` (the ``cloud`` extra): :class:`TuyaCloud` and
:func:`cloud_error` are imported on first use, so the LAN side loads without it.
"""

from typing import TYPE_CHECKING

from . import codec, dpmap
from .client import TuyaClient, detect_version, probe
from .cloud_model import (
    CloudDevice,
    DpModel,
    merge_model,
    model_from_sharing,
    parse_stored_model,
)
from .cloud_sign import REGIONS
from .cloudcutter import (
    CloudcutterDevice,
    CloudcutterFileError,
    CloudcutterProfile,
    parse_key_file,
    parse_profile,
    profile_specs,
)
from .const import (
    DETECT_ORDER,
    TCP_PORT,
    UDP_PORT_APP,
    UDP_PORT_ENCRYPTED,
    UDP_PORT_PLAIN,
    UDP_PORTS,
    VERSIONS,
    Command,
)
from .device import (
    KEY_FAULTS,
    DeviceState,
    DeviceUpdate,
    Fault,
    Health,
    Timings,
    TuyaDevice,
    backoff_delay,
    classify,
    session_proves_key,
)
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
    InvalidValueError,
    KeyUnprovenError,
    MalformedFrameError,
    NoStatusError,
    NotConnectedError,
    ReplyTooLargeError,
    TuyaConnectionError,
    TuyaError,
    TuyaTimeoutError,
    UnknownVersionError,
    WrongKeyError,
    clean_text,
)
from .gateway import (
    ChildHealth,
    ChildOfflineError,
    Presence,
    TuyaChild,
    TuyaGateway,
    parse_presence_report,
    probe_gateway,
)
from .heard import HeardDevice, HeardDevices, valid_device_id
from .limiter import ConnectLimiter
from .listener import DiscoveryListener
from .protocol import validate_local_key
from .subnet import ProbeAnswer, ProbeRangeError, SubnetProbe, parse_ranges

if TYPE_CHECKING:
    from .cloud import MAX_DEVICES, TuyaCloud, cloud_error

# Names served by the cloud module, which imports aiohttp: loaded when first asked for.
_CLOUD_NAMES = frozenset({"MAX_DEVICES", "TuyaCloud", "cloud_error"})


def __getattr__(name: str) -> object:
    if name in _CLOUD_NAMES:
        from . import cloud  # noqa: PLC0415 (aiohttp only for those who use the cloud)

        return getattr(cloud, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_CLOUD_NAMES})


__all__ = [
    "DETECT_ORDER",
    "KEY_FAULTS",
    "MAX_DEVICES",
    "REGIONS",
    "TCP_PORT",
    "UDP_PORTS",
    "UDP_PORT_APP",
    "UDP_PORT_ENCRYPTED",
    "UDP_PORT_PLAIN",
    "VERSIONS",
    "ChildHealth",
    "ChildOfflineError",
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
    "CloudcutterDevice",
    "CloudcutterFileError",
    "CloudcutterProfile",
    "Command",
    "ConnectLimiter",
    "ConnectionRefusedByDevice",
    "DeviceError",
    "DeviceState",
    "DeviceUpdate",
    "DiscoveredDevice",
    "DiscoveryListener",
    "DpModel",
    "Fault",
    "HandshakeDroppedError",
    "Health",
    "HeardDevice",
    "HeardDevices",
    "InvalidKeyError",
    "InvalidValueError",
    "KeyUnprovenError",
    "MalformedFrameError",
    "NoStatusError",
    "NotConnectedError",
    "Presence",
    "ProbeAnswer",
    "ProbeRangeError",
    "ReplyTooLargeError",
    "SubnetProbe",
    "Timings",
    "TuyaChild",
    "TuyaClient",
    "TuyaCloud",
    "TuyaConnectionError",
    "TuyaDevice",
    "TuyaError",
    "TuyaGateway",
    "TuyaTimeoutError",
    "UnknownVersionError",
    "WrongKeyError",
    "backoff_delay",
    "build_discovery_request",
    "classify",
    "clean_text",
    "cloud_error",
    "codec",
    "decode_broadcast",
    "detect_version",
    "dpmap",
    "merge_model",
    "model_from_sharing",
    "parse_key_file",
    "parse_presence_report",
    "parse_profile",
    "parse_ranges",
    "parse_stored_model",
    "probe",
    "probe_gateway",
    "profile_specs",
    "session_proves_key",
    "valid_device_id",
    "validate_local_key",
]
