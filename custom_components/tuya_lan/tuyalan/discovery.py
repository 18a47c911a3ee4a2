"""Sans-IO UDP discovery: decode device broadcasts, build the 3.5 discovery request.

Devices announce themselves on UDP 6666 (3.1, plaintext), 6667 (3.3/3.4 55AA frames
and 3.5 6699 frames, all under the well-known UDP key) and answer a 0x25 request on
7000. Every format is recognised from the bytes themselves, whatever port they came on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .const import UDP_KEY, Command
from .crypto import ecb_for, gcm_for
from .errors import MalformedFrameError
from .frames import PREFIX_55AA, PREFIX_6699, FrameKeys, decode_frame, encode_6699
from .protocol import json_bytes, load_json

_UDP_KEYS = FrameKeys(gcm=gcm_for(UDP_KEY))


@dataclass(frozen=True, slots=True)
class DiscoveredDevice:
    """What a device says about itself in a broadcast."""

    device_id: str
    ip: str
    version: str
    product_key: str | None = None
    encrypted: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def mac(self) -> str | None:
        """Most 20-character ids end with the device's MAC address."""
        tail = self.device_id[-12:]
        if len(self.device_id) == 20 and all(c in "0123456789abcdef" for c in tail):
            return ":".join(tail[i : i + 2] for i in range(0, 12, 2))
        return None


def decode_broadcast(data: bytes) -> DiscoveredDevice:
    """Decode one discovery datagram.

    Total: for any bytes, a DiscoveredDevice or MalformedFrameError for anything that
    is not a Tuya announcement (including JSON nested too deep to parse), and
    WrongKeyError for an encrypted one that does not open with the UDP key.
    """
    if data[:4] == PREFIX_6699:
        frame = decode_frame(data, _UDP_KEYS, has_retcode=True)
        payload = frame.payload
    elif data[:4] == PREFIX_55AA:
        frame = decode_frame(data, FrameKeys(), has_retcode=True)
        payload = frame.payload
        if frame.cmd != Command.UDP or not payload.startswith(b"{"):
            payload = ecb_for(UDP_KEY).decrypt(payload)
    else:
        raise MalformedFrameError("not a Tuya discovery datagram")
    return _parse_announcement(payload)


def _parse_announcement(payload: bytes) -> DiscoveredDevice:
    try:
        info = load_json(payload)
    except MalformedFrameError as err:
        raise MalformedFrameError(f"discovery payload is {err}") from None
    if not isinstance(info, dict):
        raise MalformedFrameError("discovery payload is not a JSON object")
    device_id, ip, version = info.get("gwId"), info.get("ip"), info.get("version")
    if not (isinstance(device_id, str) and isinstance(ip, str) and isinstance(version, str)):
        raise MalformedFrameError("discovery payload lacks gwId, ip or version")
    product_key = info.get("productKey")
    return DiscoveredDevice(
        device_id=device_id,
        ip=ip,
        version=version,
        product_key=product_key if isinstance(product_key, str) else None,
        encrypted=bool(info.get("encrypt", True)),
        raw=info,
    )


def build_discovery_request(client_ip: str) -> bytes:
    """The 0x25 request that makes 3.5 devices answer on UDP 7000 (to ``client_ip``)."""
    return encode_6699(
        0, Command.REQ_DEVINFO, json_bytes({"from": "app", "ip": client_ip}), gcm_for(UDP_KEY)
    )


def decode_discovery_request(data: bytes) -> str:
    """The client IP a 0x25 discovery request asks devices to answer to."""
    frame = decode_frame(data, _UDP_KEYS, has_retcode=False)
    if frame.cmd != Command.REQ_DEVINFO:
        raise MalformedFrameError(f"not a discovery request (command {frame.cmd})")
    try:
        info = load_json(frame.payload)
        ip = info["ip"]
        if not isinstance(ip, str) or info.get("from") is None:
            raise TypeError
    except MalformedFrameError, KeyError, TypeError, AttributeError:
        raise MalformedFrameError("discovery request lacks ip or from") from None
    return ip
