"""The wire format, for the other end: what a peer needs to speak Tuya LAN.

A client uses :class:`~.client.TuyaClient` and never needs this module. A device
simulator, a fuzzer or a capture reader does: frames (55AA and 6699), the stream
parser, the ciphers, the 3.4/3.5 session-key derivation, the 3.1 signature, the
discovery request and the JSON the devices expect. Public like the package's
``__all__`` (``tests/lib/test_package.py`` pins both); the modules it gathers
from are not.
"""

from .const import UDP_KEY
from .crypto import ecb_for, gcm_for, hmac_sha256
from .discovery import decode_discovery_request
from .frames import Frame, FrameKeys, decode_frame, encode_55aa, encode_6699
from .protocol import derive_session_key, json_bytes, sign_31
from .stream import FrameParser

__all__ = [
    "UDP_KEY",
    "Frame",
    "FrameKeys",
    "FrameParser",
    "decode_discovery_request",
    "decode_frame",
    "derive_session_key",
    "ecb_for",
    "encode_55aa",
    "encode_6699",
    "gcm_for",
    "hmac_sha256",
    "json_bytes",
    "sign_31",
]
