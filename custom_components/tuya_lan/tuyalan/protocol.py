"""Sans-IO client session: what to send and how to read what comes back, per version.

A :class:`ClientSession` owns one connection's protocol state (keys, handshake,
sequence numbers) but does no I/O: it turns requests into bytes and received bytes
into :class:`Message` objects. :mod:`client` drives it over asyncio; tests drive it
directly.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any

from .const import LOCAL_KEY_LENGTH, NO_VERSION_HEADER, VERSIONS, Command
from .crypto import BLOCK, HMAC_SIZE, AesEcb, ecb_for, gcm_for, hmac_sha256, md5_hex
from .errors import DeviceError, MalformedFrameError, TuyaError, WrongKeyError
from .frames import Frame, FrameKeys, encode_55aa, encode_6699
from .stream import FrameParser

VERSION_HEADER_SIZE = 15
NONCE_SIZE = 16
# Error texts by which a 3.3/3.4 device says it does not take the normal status query.
DEVICE22_MARKERS = ("data unvalid",)
# DPs asked for when a device22-type device must be queried DP by DP and we do not
# yet know its DPs: the ranges plugs, switches, strips and sensors use.
DEFAULT_DEVICE22_DPS: tuple[int, ...] = (*range(1, 31), *range(101, 111))


def json_bytes(data: Any) -> bytes:
    """Compact JSON, as every client library and the phone app send it."""
    return json.dumps(data, separators=(",", ":")).encode()


def validate_local_key(local_key: str | bytes) -> bytes:
    """The key as the 16 raw bytes the ciphers use; ValueError for anything else."""
    key = local_key.encode("latin1") if isinstance(local_key, str) else bytes(local_key)
    if len(key) != LOCAL_KEY_LENGTH:
        raise ValueError(f"a local key has {LOCAL_KEY_LENGTH} characters, not {len(key)}")
    return key


@dataclass(frozen=True, slots=True)
class Message:
    """A decoded application message from a device."""

    cmd: int
    seqno: int
    retcode: int | None
    payload: bytes  # decrypted, version header removed
    data: dict[str, Any] | None = field(default=None)  # the JSON object, when it is one

    @property
    def text(self) -> str:
        """The payload as text (error replies are bare ASCII)."""
        return self.payload.decode("utf-8", "replace")

    @property
    def is_empty(self) -> bool:
        """An empty payload: the usual acknowledgement."""
        return not self.payload

    @property
    def dps(self) -> dict[str, Any] | None:
        """The DP values carried, whether flat (3.1-3.3) or wrapped in ``data`` (3.4+)."""
        if self.data is None:
            return None
        dps = self.data.get("dps")
        if dps is None and isinstance(self.data.get("data"), dict):
            dps = self.data["data"].get("dps")
        return dps if isinstance(dps, dict) else None

    @property
    def error(self) -> DeviceError | None:
        """The device's error, if this reply is one."""
        if self.retcode:
            return DeviceError(self.text, self.retcode)
        if self.data is None and self.payload and any(m in self.text for m in DEVICE22_MARKERS):
            return DeviceError(self.text, 0)
        return None


class HandshakeState(Enum):
    """Where a 3.4/3.5 session-key negotiation stands."""

    NOT_NEEDED = auto()
    IDLE = auto()
    AWAITING_RESPONSE = auto()
    DONE = auto()


class ClientSession:
    """Protocol state of one client connection to one device."""

    def __init__(
        self,
        device_id: str,
        local_key: str | bytes,
        version: str,
        *,
        nonce_factory: Callable[[int], bytes] = os.urandom,
    ) -> None:
        if version not in VERSIONS:
            raise ValueError(f"unknown protocol version {version!r}; expected one of {VERSIONS}")
        self.device_id = device_id
        self.version = version
        self._real_key = validate_local_key(local_key)
        self._version_bytes = version.encode()
        self._nonce_factory = nonce_factory
        self._seqno = 0
        self._session_key: bytes | None = None
        self._client_nonce = b""
        self.keys = FrameKeys()
        if version == "3.4":
            self.keys.hmac_key = self._real_key
        elif version == "3.5":
            self.keys.gcm = gcm_for(self._real_key)
        self.handshake = (
            HandshakeState.IDLE if version in ("3.4", "3.5") else HandshakeState.NOT_NEEDED
        )
        self._parser = FrameParser(self.keys, has_retcode=True)

    # -- sending ---------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once requests may be sent (after the handshake, if the version has one)."""
        return self.handshake in (HandshakeState.NOT_NEEDED, HandshakeState.DONE)

    def next_seqno(self) -> int:
        """Client sequence numbers start at 1 and strictly increase per connection."""
        self._seqno += 1
        return self._seqno

    def encode(self, cmd: int, data: dict[str, Any] | bytes) -> tuple[int, bytes]:
        """Seal ``data`` (a JSON object or raw bytes) as a ``cmd`` frame; (seqno, frame)."""
        if not self.ready:
            raise TuyaError("the session key handshake has not completed")
        plaintext = json_bytes(data) if isinstance(data, dict) else data
        seqno = self.next_seqno()
        with_header = cmd not in NO_VERSION_HEADER
        header = self._version_bytes + bytes(12) if with_header else b""
        if self.version == "3.5":
            assert self.keys.gcm is not None
            return seqno, encode_6699(seqno, cmd, header + plaintext, self.keys.gcm)
        if self.version == "3.4":
            assert self._session_key is not None
            payload = ecb_for(self._session_key).encrypt(header + plaintext)
            return seqno, encode_55aa(seqno, cmd, payload, hmac_key=self._session_key)
        if self.version == "3.1":
            payload = self._sign_31(plaintext) if cmd == Command.CONTROL else plaintext
            return seqno, encode_55aa(seqno, cmd, payload)
        payload = header + ecb_for(self._real_key).encrypt(plaintext)
        return seqno, encode_55aa(seqno, cmd, payload)

    def _sign_31(self, plaintext: bytes) -> bytes:
        b64 = base64.b64encode(ecb_for(self._real_key).encrypt(plaintext))
        signature = md5_hex(b"data=" + b64 + b"||lpv=3.1||" + self._real_key)[8:24]
        return b"3.1" + signature.encode() + b64

    # -- the payloads each command carries, per version ------------------------------

    def query_request(self, dp_ids: Iterable[int] | None = None) -> tuple[int, int, bytes]:
        """The status query: (expected reply cmd, seqno, frame).

        ``dp_ids`` selects the device22 form: CONTROL_NEW with a null-valued DP map.
        """
        now = str(int(time.time()))
        if dp_ids is not None:
            cmd = Command.CONTROL_NEW
            data: dict[str, Any] = {
                "devId": self.device_id,
                "uid": self.device_id,
                "t": now,
                "dps": {str(dp): None for dp in dp_ids},
            }
        elif self.version in ("3.4", "3.5"):
            cmd, data = Command.DP_QUERY_NEW, {}
        else:
            cmd = Command.DP_QUERY
            data = {
                "gwId": self.device_id,
                "devId": self.device_id,
                "uid": self.device_id,
                "t": now,
            }
        seqno, frame = self.encode(cmd, data)
        return cmd, seqno, frame

    def control_request(self, dps: dict[str, Any]) -> tuple[int, int, bytes]:
        """Set DPs: (expected reply cmd, seqno, frame)."""
        dps = {str(k): v for k, v in dps.items()}
        if self.version in ("3.4", "3.5"):
            cmd = Command.CONTROL_NEW
            data: dict[str, Any] = {"protocol": 5, "t": int(time.time()), "data": {"dps": dps}}
        else:
            cmd = Command.CONTROL
            data = {
                "devId": self.device_id,
                "uid": self.device_id,
                "t": str(int(time.time())),
                "dps": dps,
            }
        seqno, frame = self.encode(cmd, data)
        return cmd, seqno, frame

    def heartbeat_request(self) -> tuple[int, int, bytes]:
        """Keep-alive: (expected reply cmd, seqno, frame)."""
        seqno, frame = self.encode(
            Command.HEART_BEAT, {"gwId": self.device_id, "devId": self.device_id}
        )
        return Command.HEART_BEAT, seqno, frame

    def update_dps_request(self, dp_ids: Iterable[int]) -> tuple[int, int, bytes]:
        """Ask the device to re-report DPs (it acks, then pushes them as STATUS)."""
        seqno, frame = self.encode(Command.UPDATEDPS, {"dpId": [int(dp) for dp in dp_ids]})
        return Command.UPDATEDPS, seqno, frame

    # -- the 3.4 / 3.5 session key handshake -----------------------------------------

    def start_handshake(self) -> bytes:
        """The SESS_KEY_NEG_START frame, with a fresh random client nonce."""
        if self.handshake is not HandshakeState.IDLE:
            raise TuyaError("no handshake to start in this state")
        self._client_nonce = self._nonce_factory(NONCE_SIZE)
        seqno = self.next_seqno()
        frame = self._seal_handshake(seqno, Command.SESS_KEY_NEG_START, self._client_nonce)
        self.handshake = HandshakeState.AWAITING_RESPONSE
        return frame

    def finish_handshake(self, message: Message) -> bytes:
        """Check the device's SESS_KEY_NEG_RESP and return the FINISH frame.

        From here on every frame in both directions uses the session key. Raises
        WrongKeyError when the device did not prove it holds our key.
        """
        if self.handshake is not HandshakeState.AWAITING_RESPONSE:
            raise TuyaError("no handshake response expected")
        if message.cmd != Command.SESS_KEY_NEG_RESP:
            raise WrongKeyError(f"expected the session key response, got command {message.cmd}")
        body = message.payload
        if len(body) < NONCE_SIZE + HMAC_SIZE:
            raise WrongKeyError("session key response too short")
        device_nonce = body[:NONCE_SIZE]
        proof = body[NONCE_SIZE : NONCE_SIZE + HMAC_SIZE]
        if not hmac.compare_digest(proof, hmac_sha256(self._real_key, self._client_nonce)):
            raise WrongKeyError("the device's handshake proof does not match our local key")
        finish = self._seal_handshake(
            self.next_seqno(),
            Command.SESS_KEY_NEG_FINISH,
            hmac_sha256(self._real_key, device_nonce),
        )
        self._session_key = derive_session_key(
            self.version, self._real_key, self._client_nonce, device_nonce
        )
        if self.version == "3.4":
            self.keys.hmac_key = self._session_key
        else:
            self.keys.gcm = gcm_for(self._session_key)
        self.handshake = HandshakeState.DONE
        return finish

    def _seal_handshake(self, seqno: int, cmd: int, body: bytes) -> bytes:
        if self.version == "3.5":
            return encode_6699(seqno, cmd, body, gcm_for(self._real_key))
        payload = ecb_for(self._real_key).encrypt(body)
        return encode_55aa(seqno, cmd, payload, hmac_key=self._real_key)

    # -- receiving -------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Add bytes read from the connection."""
        self._parser.feed(data)

    def messages(self) -> Iterator[Message]:
        """Decoded messages from what was fed; raises typed errors for bad frames.

        After an error the iteration can be resumed: the bad frame has been dropped.
        """
        for frame in self._parser:
            yield self.decode(frame)

    def decode(self, frame: Frame) -> Message:
        """Decrypt a frame's payload and read its JSON."""
        payload = self._decrypt(frame)
        if payload[:3] == self._version_bytes:
            payload = payload[VERSION_HEADER_SIZE:]
        return Message(frame.cmd, frame.seqno, frame.retcode, payload, _parse_json(payload))

    def _decrypt(self, frame: Frame) -> bytes:
        payload = frame.payload
        if not payload:
            return payload
        if self.version == "3.5":
            return payload  # already opened by the frame layer
        if self.version == "3.4":
            key = self._real_key if self._session_key is None else self._session_key
            return ecb_for(key).decrypt(payload)
        if self.version == "3.1":
            return _decrypt_31(payload, self._real_key)
        # 3.2 / 3.3: an optional clear 15-byte header, then ECB ciphertext.
        if payload[:3] == self._version_bytes or len(payload) % BLOCK == VERSION_HEADER_SIZE:
            payload = payload[VERSION_HEADER_SIZE:]
        return ecb_for(self._real_key).decrypt(payload)


def derive_session_key(
    version: str, real_key: bytes, client_nonce: bytes, device_nonce: bytes
) -> bytes:
    """The per-connection key both sides derive from the two handshake nonces."""
    mixed = bytes(a ^ b for a, b in zip(client_nonce, device_nonce, strict=True))
    if version == "3.4":
        return AesEcb(real_key).encrypt(mixed, pad=False)
    # 3.5: the GCM ciphertext of the XOR, nonce = the client nonce's first 12 bytes.
    return gcm_for(real_key).encrypt(client_nonce[:12], mixed, None)[:NONCE_SIZE]


def decrypt_31_payload(payload: bytes, real_key: bytes) -> bytes:
    """Open a 3.1 ``3.1<md5 slice><base64>`` payload; plaintext payloads pass through."""
    return _decrypt_31(payload, real_key)


def _decrypt_31(payload: bytes, real_key: bytes) -> bytes:
    if payload[:3] != b"3.1":
        return payload  # 3.1 replies to queries travel as plaintext JSON
    try:
        ciphertext = base64.b64decode(payload[19:], validate=True)
    except binascii.Error:
        raise MalformedFrameError("3.1 payload is not valid base64") from None
    return ecb_for(real_key).decrypt(ciphertext)


def _parse_json(payload: bytes) -> dict[str, Any] | None:
    if not payload.startswith(b"{"):
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
