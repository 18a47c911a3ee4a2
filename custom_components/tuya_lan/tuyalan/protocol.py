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
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from enum import Enum, auto
from typing import Any, NamedTuple

from .const import LOCAL_KEY_LENGTH, NO_VERSION_HEADER, VERSIONS, Command
from .crypto import BLOCK, HMAC_SIZE, AesEcb, ecb_for, gcm_for, hmac_sha256, md5_hex
from .errors import (
    DeviceError,
    InvalidKeyError,
    InvalidValueError,
    MalformedFrameError,
    TuyaError,
    UnknownVersionError,
    WrongKeyError,
)
from .frames import ForeignFrameError, Frame, FrameKeys, encode_55aa, encode_6699
from .stream import FrameParser

VERSION_HEADER_SIZE = 15
# Frames in a row that fail to verify on a connection whose key was proven before it
# counts as a key problem again (see ClientSession.next_message).
KEY_FAILURES_IN_A_ROW = 3
NONCE_SIZE = 16
# Error texts by which a 3.3/3.4 device says it does not take the normal status query.
DEVICE22_MARKERS = ("data unvalid",)
# DPs asked for when a device22-type device must be queried DP by DP and we do not
# yet know its DPs: the ranges plugs, switches, strips and sensors use.
DEFAULT_DEVICE22_DPS: tuple[int, ...] = (*range(1, 31), *range(101, 111))
# device22 firmware refuses a request payload over 255 bytes (localtuya PR #17: "the
# request payload cannot be longer than 255"; tinytuya detect_available_dps splits its
# DP ranges for the same reason): the DP-by-DP query goes in chunks that fit.
DEVICE22_MAX_PAYLOAD = 255


try:  # orjson ships with Home Assistant; the standard library is the fallback
    import orjson

    def json_bytes(data: Any) -> bytes:
        """Compact JSON, as every client library and the phone app send it."""
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)  # DP ids may be ints

    def _json_loads(payload: bytes) -> Any:
        return orjson.loads(payload)

except ImportError:  # pragma: no cover - exercised only without orjson
    _COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))

    def json_bytes(data: Any) -> bytes:
        """Compact JSON, as every client library and the phone app send it."""
        return _COMPACT_JSON.encode(data).encode()

    def _json_loads(payload: bytes) -> Any:
        return json.loads(payload)


def load_json(payload: bytes) -> Any:
    """Parse JSON from a device; MalformedFrameError for anything that is not JSON.

    Device input is hostile until proven otherwise: nesting too deep for the parser
    (orjson stops at 1024 levels, the standard library at the C stack's end, which in
    a small thread stack comes early) is one more kind of bad input, not a crash.
    """
    try:
        return _json_loads(payload)
    except (ValueError, RecursionError) as err:  # JSONDecodeError and UnicodeError too
        raise MalformedFrameError(f"not JSON: {str(err)[:80]}") from None


# What a DP value can be on the wire: Tuya DPs are booleans, integers (64-bit at most on
# any firmware), enum/string/raw (base64) text; a finite number passes for odd firmware.
_INT_LIMIT = 2**63


def validate_dps(dps: dict[Any, Any]) -> None:
    """InvalidValueError unless every id is a DP id and every value can be sent.

    JSON cannot carry NaN or infinity (the encoder would send null, which a device may
    take as false or 0), nor an integer past 64 bits, a list, an object or bytes.
    """
    if not dps:
        raise InvalidValueError("no DP to write")
    for dp, value in dps.items():
        dp_id = str(dp)
        if isinstance(dp, bool) or not (dp_id.isascii() and dp_id.isdigit() and len(dp_id) <= 3):
            raise InvalidValueError(f"{str(dp)[:20]!r} is not a DP id")
        if isinstance(value, bool | str):
            continue
        if isinstance(value, int) and -_INT_LIMIT <= value < _INT_LIMIT:
            continue
        if isinstance(value, float) and math.isfinite(value):
            continue
        raise InvalidValueError(f"DP {dp_id} cannot take {type(value).__name__} {str(value)[:40]}")


def lenient_json(payload: bytes) -> Any:
    """JSON whose strings carry bytes that are not UTF-8, or None if it is not that.

    Some devices put binary data in string DPs as raw bytes (localtuya issue #424; tinytuya
    decodes such payloads with errors="replace" and keeps the raw bytes aside). Here
    every byte that is not UTF-8, and every raw control character, becomes the four
    characters ``\\xNN`` (its value in hex) in the string that held it, and everything
    else in the frame, the other DPs included, is read as sent. The text is safe to
    store and show, and says which bytes the device sent.
    """
    try:
        payload.decode()
    except UnicodeDecodeError:
        pass
    else:
        return None  # valid UTF-8 and still not JSON: nothing to be lenient about
    try:
        # strict=False: raw control bytes inside strings too, as binary data holds them.
        text = payload.decode("utf-8", "surrogateescape")
        return _escape_raw_bytes(json.loads(text, strict=False))
    except ValueError, RecursionError:
        return None


_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f]")


def _escape_raw_bytes(value: Any) -> Any:
    """``value`` with the surrogate-escaped raw bytes of its strings spelled ``\\xNN``."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            value = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return _CONTROL_CHARACTER.sub(lambda found: f"\\x{ord(found[0]):02x}", value)
    if isinstance(value, dict):
        return {_escape_raw_bytes(k): _escape_raw_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape_raw_bytes(item) for item in value]
    return value


def validate_local_key(local_key: str | bytes) -> bytes:
    """The key as the 16 raw bytes the ciphers use; InvalidKeyError for anything else."""
    try:
        key = local_key.encode("latin1") if isinstance(local_key, str) else bytes(local_key)
    except UnicodeEncodeError:
        raise InvalidKeyError("a local key is 8-bit text (letters, digits, symbols)") from None
    if len(key) != LOCAL_KEY_LENGTH:
        raise InvalidKeyError(f"a local key has {LOCAL_KEY_LENGTH} characters, not {len(key)}")
    return key


# A sub-device id as gateways use it: the cloud's node_id (16 hex digits on Zigbee
# children) or, for some Bluetooth children, their uuid. Bounded, printable, no spaces:
# it comes from the device and from the cloud, and ends up in logs and unique ids.
_CID = re.compile(r"[0-9A-Za-z_.:\-]{1,64}")
SUBDEV_QUERY = "subdev_online_stat_query"
SUBDEV_REPORT = "subdev_online_stat_report"


def validate_cid(cid: str) -> str:
    """``cid`` if it can be a sub-device id; InvalidValueError otherwise."""
    if not isinstance(cid, str) or not _CID.fullmatch(cid):
        raise InvalidValueError(f"{str(cid)[:70]!r} is not a sub-device id (cid)")
    return cid


def child_payload(
    version: str, cid: str, *, dps: dict[str, Any] | None = None, now: str | None = None
) -> dict[str, Any]:
    """The JSON of a status query (``dps`` None) or a write to a gateway's sub-device.

    3.1-3.3: ``cid`` at the top level, no gwId/devId/uid (the gateway would take the
    request for itself; hass-localtuya drops them when a node id is given, tinytuya's
    "zigbee" payloads have none). 3.4/3.5: the query is ``{"cid": ...}`` (tinytuya),
    the write wraps the DPs in ``data`` with ``cid`` and ``ctype`` 0 beside them, as the
    app's cloud commands do; tinytuya also repeats ``cid`` at the top level, and so do
    we: gateways that read either place find it.
    """
    validate_cid(cid)
    if version in ("3.4", "3.5"):
        if dps is None:
            return {"cid": cid}
        return {
            "protocol": 5,
            "t": int(time.time()),
            "cid": cid,
            "data": {"cid": cid, "ctype": 0, "dps": dps},
        }
    payload: dict[str, Any] = {"cid": cid, "t": now or str(int(time.time()))}
    if dps is not None:
        payload["dps"] = dps
    return payload


class Message(NamedTuple):
    """A decoded application message from a device."""

    cmd: int
    seqno: int
    retcode: int | None
    payload: bytes  # decrypted, version header removed
    data: dict[str, Any] | None = None  # the JSON object, when it is one

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
    def cid(self) -> str | None:
        """The gateway sub-device this message is about: ``cid`` at the top level
        (3.1-3.3) or inside ``data`` (3.4/3.5); None when absent or not a cid."""
        if self.data is None:
            return None
        cid = self.data.get("cid")
        if cid is None and isinstance(self.data.get("data"), dict):
            cid = self.data["data"].get("cid")
        return cid if isinstance(cid, str) and _CID.fullmatch(cid) else None

    @property
    def error(self) -> DeviceError | None:
        """The device's error, if this reply is one.

        An error carries its text. An empty reply is an acknowledgement whatever its
        retcode: Tuya's own firmware acks a successful CONTROL with retcode 1.
        """
        if not self.payload:
            return None
        if self.retcode:
            return DeviceError(self.text, self.retcode)
        if self.data is None and any(m in self.text for m in DEVICE22_MARKERS):
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
            raise UnknownVersionError(
                f"unknown protocol version {version!r}; expected one of {VERSIONS}"
            )
        self.device_id = device_id
        self.version = version
        self._real_key = validate_local_key(local_key)
        self._version_bytes = version.encode()
        self._version_header = self._version_bytes + bytes(12)
        # 3.4 and 3.5 use the newer commands and wrap DPs in {"protocol": 5, "data": ...}.
        self._wrapped_data = version in ("3.4", "3.5")
        # The ECB cipher for payloads: the real key, or the session key after a 3.4
        # handshake. Held here because it is used on every frame.
        self._ecb = ecb_for(self._real_key)
        family = {"3.1": "31", "3.2": "33", "3.3": "33", "3.4": "34", "3.5": "35"}[version]
        self._seal: Callable[[int, int, bytes, bytes], bytes] = getattr(self, f"_seal_{family}")
        self._open: Callable[[bytes], bytes] = getattr(self, f"_open_{family}")
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
        self._ready = self.handshake is HandshakeState.NOT_NEEDED
        self._parser = FrameParser(self.keys, has_retcode=True)
        # See next_message: whether a frame proved the key, and failures since.
        self._key_proven = False
        self._key_failures = 0

    # -- sending ---------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once requests may be sent (after the handshake, if the version has one)."""
        return self._ready

    @property
    def key_proven(self) -> bool:
        """Whether a frame of this connection proved the device holds our key."""
        return self._key_proven

    def next_seqno(self) -> int:
        """Client sequence numbers start at 1 and strictly increase per connection."""
        self._seqno += 1
        return self._seqno

    def encode(self, cmd: int, data: dict[str, Any] | bytes) -> tuple[int, bytes]:
        """Seal ``data`` (a JSON object or raw bytes) as a ``cmd`` frame; (seqno, frame)."""
        if not self._ready:
            raise TuyaError("the session key handshake has not completed")
        plaintext = data if isinstance(data, bytes) else json_bytes(data)
        self._seqno += 1
        seqno = self._seqno
        header = b"" if cmd in NO_VERSION_HEADER else self._version_header
        return seqno, self._seal(seqno, cmd, header, plaintext)

    # One sealing and one opening function per version, chosen once per session.

    def _seal_31(self, seqno: int, cmd: int, header: bytes, plaintext: bytes) -> bytes:
        payload = self._sign_31(plaintext) if cmd == Command.CONTROL else plaintext
        return encode_55aa(seqno, cmd, payload)

    def _seal_33(self, seqno: int, cmd: int, header: bytes, plaintext: bytes) -> bytes:
        return encode_55aa(seqno, cmd, header + self._ecb.encrypt(plaintext))

    def _seal_34(self, seqno: int, cmd: int, header: bytes, plaintext: bytes) -> bytes:
        payload = self._ecb.encrypt(header + plaintext)
        return encode_55aa(seqno, cmd, payload, hmac_key=self.keys.hmac_key)

    def _seal_35(self, seqno: int, cmd: int, header: bytes, plaintext: bytes) -> bytes:
        assert self.keys.gcm is not None
        return encode_6699(seqno, cmd, header + plaintext, self.keys.gcm)

    def _sign_31(self, plaintext: bytes) -> bytes:
        return sign_31(base64.b64encode(self._ecb.encrypt(plaintext)), self._real_key)

    # -- the payloads each command carries, per version ------------------------------

    def query_request(
        self, dp_ids: Iterable[int] | None = None, *, cid: str | None = None
    ) -> tuple[int, int, bytes]:
        """The status query: (expected reply cmd, seqno, frame).

        ``dp_ids`` selects the device22 form: CONTROL_NEW with a null-valued DP map.
        ``cid`` asks a gateway about one of its sub-devices (see child_payload).
        """
        now = str(int(time.time()))
        if cid is not None:
            cmd = Command.DP_QUERY_NEW if self._wrapped_data else Command.DP_QUERY
            data: dict[str, Any] = child_payload(self.version, cid, now=now)
        elif dp_ids is not None:
            cmd = Command.CONTROL_NEW
            data = self._device22_query(dp_ids, now)
        elif self._wrapped_data:
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

    def device22_chunks(self, dp_ids: Iterable[int]) -> list[list[int]]:
        """``dp_ids`` split into device22 queries whose payload fits DEVICE22_MAX_PAYLOAD.

        The first DP goes into every chunk, as tinytuya puts DP 1 into each of its
        range queries: a chunk naming none of the device's DPs may go unanswered.
        """
        ids = list(dict.fromkeys(int(dp) for dp in dp_ids))
        if not ids:
            return []
        anchor, rest = ids[0], ids[1:]
        chunks: list[list[int]] = []
        chunk = [anchor]
        for dp in rest:
            if self._device22_payload_size([*chunk, dp]) > DEVICE22_MAX_PAYLOAD and len(chunk) > 1:
                chunks.append(chunk)
                chunk = [anchor]
            chunk.append(dp)
        chunks.append(chunk)
        return chunks

    def _device22_payload_size(self, dp_ids: list[int]) -> int:
        """Bytes of a device22 query's frame payload: header, then AES blocks (padded)."""
        plaintext = len(json_bytes(self._device22_query(dp_ids, "0" * 10)))
        return VERSION_HEADER_SIZE + (plaintext // BLOCK + 1) * BLOCK

    def _device22_query(self, dp_ids: Iterable[int], now: str) -> dict[str, Any]:
        return {
            "devId": self.device_id,
            "uid": self.device_id,
            "t": now,
            "dps": {str(dp): None for dp in dp_ids},
        }

    def control_request(
        self, dps: dict[str, Any], *, cid: str | None = None
    ) -> tuple[int, int, bytes]:
        """Set DPs (ids as str or int): (expected reply cmd, seqno, frame).

        InvalidValueError, before anything is sent, for a value no device can take.
        ``cid`` writes to a gateway's sub-device (see child_payload).
        """
        validate_dps(dps)
        if cid is not None:
            cmd = Command.CONTROL_NEW if self._wrapped_data else Command.CONTROL
            data: dict[str, Any] = child_payload(self.version, cid, dps=dps)
        elif self._wrapped_data:
            cmd = Command.CONTROL_NEW
            data = {"protocol": 5, "t": int(time.time()), "data": {"dps": dps}}
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

    def update_dps_request(
        self, dp_ids: Iterable[int], *, cid: str | None = None
    ) -> tuple[int, int, bytes]:
        """Ask the device (or its sub-device ``cid``) to re-report DPs (it acks, then
        pushes them as STATUS). The refresh has no ``data`` wrapper in any version: the
        ``cid`` goes beside ``dpId`` (tinytuya, hass-localtuya)."""
        data: dict[str, Any] = {"dpId": [int(dp) for dp in dp_ids]}
        if cid is not None:
            data["cid"] = validate_cid(cid)
        seqno, frame = self.encode(Command.UPDATEDPS, data)
        return Command.UPDATEDPS, seqno, frame

    def subdev_query_request(self) -> tuple[int, int, bytes]:
        """A gateway's sub-device presence query (LAN_EXT_STREAM, 0x40), for every child.

        The answer, and the gateway's own reports when a child comes or goes, are 0x40
        frames ``{"reqType": "subdev_online_stat_report", "data": {"online": [...],
        "offline": [...]}}``, possibly split over several frames (PROTOCOL.md 3.2).
        """
        seqno, frame = self.encode(
            Command.LAN_EXT_STREAM,
            {"reqType": SUBDEV_QUERY, "data": {"cids": []}},
        )
        return Command.LAN_EXT_STREAM, seqno, frame

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
            self._ecb = ecb_for(self._session_key)
        else:
            self.keys.gcm = gcm_for(self._session_key)
        self.handshake = HandshakeState.DONE
        self._ready = True
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

    def next_message(self) -> Message | None:
        """The next decoded message, None when more bytes are needed.

        Raises MalformedFrameError or WrongKeyError for a bad frame; the frame has
        been dropped by then, so calling again continues with what follows it.

        A frame that fails its HMAC, GCM tag or decryption is evidence of a wrong key
        only until this connection has proven the key: once a frame verified and
        decrypted with it (for 3.4/3.5 from the handshake on), the key cannot have
        changed under an open connection, so a single failure is a corrupt or foreign
        frame (junk that happened to look framed) and raises MalformedFrameError.
        KEY_FAILURES_IN_A_ROW failures with no good frame between them raise
        WrongKeyError again: whatever the cause, nothing readable comes any more.
        """
        try:
            frame = self._parser.next_frame()
            if frame is None:
                return None
            message = self.decode(frame)
        except ForeignFrameError as err:
            raise MalformedFrameError(f"skipped a frame of another protocol: {err}") from None
        except WrongKeyError as err:
            if not self._key_proven:
                raise
            self._key_failures += 1
            if self._key_failures >= KEY_FAILURES_IN_A_ROW:
                raise
            raise MalformedFrameError(
                f"skipped a frame that does not verify on a connection whose key is proven: {err}"
            ) from None
        self._key_failures = 0
        if not self._key_proven:
            self._key_proven = self._proves_key(frame, message)
        return message

    def _proves_key(self, frame: Frame, message: Message) -> bool:
        """Whether a frame that decoded shows our key is the device's."""
        if self.keys.hmac_key is not None or self.keys.gcm is not None:
            return True  # 3.4 / 3.5: it passed its HMAC or GCM tag
        if self.version == "3.1" and frame.payload[:3] != b"3.1":
            return False  # plaintext: no key involved
        # 3.1 / 3.3: decrypted with valid padding and read as a JSON object.
        return bool(frame.payload) and message.data is not None

    def messages(self) -> Iterator[Message]:
        """Every message decodable from what was fed (raises like next_message)."""
        while (message := self.next_message()) is not None:
            yield message

    def decode(self, frame: Frame) -> Message:
        """Decrypt a frame's payload and read its JSON."""
        payload = frame.payload
        if payload:
            payload = self._open(payload)
            if payload[:3] == self._version_bytes:
                payload = payload[VERSION_HEADER_SIZE:]
        data = None
        if payload[:1] == b"{":
            try:
                data = _json_loads(payload)
            except ValueError, RecursionError:
                # Kept as text (error replies and odd firmware are not JSON), unless
                # it is JSON with raw bytes inside its strings.
                data = lenient_json(payload)
            if not isinstance(data, dict):
                data = None
        return Message(frame.cmd, frame.seqno, frame.retcode, payload, data)

    def _open_31(self, payload: bytes) -> bytes:
        return _decrypt_31(payload, self._real_key)

    def _open_33(self, payload: bytes) -> bytes:
        # An optional clear 15-byte header, then ECB ciphertext.
        if payload[:3] == self._version_bytes or len(payload) % BLOCK == VERSION_HEADER_SIZE:
            payload = payload[VERSION_HEADER_SIZE:]
        return self._ecb.decrypt(payload)

    def _open_34(self, payload: bytes) -> bytes:
        return self._ecb.decrypt(payload)

    def _open_35(self, payload: bytes) -> bytes:
        return payload  # already opened (and authenticated) by the frame layer


def derive_session_key(
    version: str, real_key: bytes, client_nonce: bytes, device_nonce: bytes
) -> bytes:
    """The per-connection key both sides derive from the two handshake nonces."""
    mixed = bytes(a ^ b for a, b in zip(client_nonce, device_nonce, strict=True))
    if version == "3.4":
        return AesEcb(real_key).encrypt(mixed, pad=False)
    # 3.5: the GCM ciphertext of the XOR, nonce = the client nonce's first 12 bytes.
    return gcm_for(real_key).encrypt(client_nonce[:12], mixed, None)[:NONCE_SIZE]


def sign_31(b64: bytes, real_key: bytes) -> bytes:
    """A 3.1 signed payload: ``3.1`` + an MD5 slice + the base64 ciphertext ``b64``."""
    signature = md5_hex(b"data=" + b64 + b"||lpv=3.1||" + real_key)[8:24]
    return b"3.1" + signature.encode() + b64


def _decrypt_31(payload: bytes, real_key: bytes) -> bytes:
    if payload[:3] != b"3.1":
        return payload  # 3.1 replies to queries travel as plaintext JSON
    try:
        ciphertext = base64.b64decode(payload[19:], validate=True)
    except binascii.Error:
        raise MalformedFrameError("3.1 payload is not valid base64") from None
    return ecb_for(real_key).decrypt(ciphertext)
