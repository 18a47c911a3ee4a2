"""A fake Smart Life app API (the cloud ``tuya-device-sharing-sdk`` talks to), on 127.0.0.1.

It speaks what ``shared/CLOUD.md`` section 2 describes, written from that description
and from reading what the SDK sends (none of the SDK's code is used here):

* the QR login (unsigned): ``POST /v1.0/m/life/home-assistant/qrcode/tokens`` gives a
  QR token for a User Code; ``GET .../qrcode/tokens/{token}`` answers "not yet" until
  the scan is approved (:meth:`FakeSmartLifeCloud.approve`, or by itself after
  ``auto_approve_after`` seconds), then the session: tokens, uid, terminal id and the
  endpoint (this server). A wrong User Code gets ``USERCODE_INCORRECT``, a stale QR
  ``E0020002``.
* the signed, encrypted customer API: for each request the server finds the session
  by ``X-token``, derives the request's key from ``X-requestId`` and the session's
  *refresh* token, checks ``X-sign`` over the headers and the encrypted query and body,
  decrypts ``encdata`` (AES-GCM) and answers with the ``result`` encrypted the same way.
  A wrong sign, an unknown token (a revoked session: the key cannot be derived) or a
  payload that does not decrypt gets ``1004 sign invalid``, as CLOUD.md says the real
  service does; an expired access token gets ``1010``; the time is checked (``1013``).
* tokens: ``GET /v1.0/m/token/{refresh_token}`` (signed with the old pair, whose access
  token may have run out) hands out a new pair, once; ``POST /v1.0/m/token/terminal/expire``
  ends the session.
* homes, devices (with ``local_key``), specifications, the DP status relations that
  become the SDK's ``local_strategy``, custom types and report types.

The server is HTTPS, as the real one: the SDK's login builds ``https://{URL_PATH}/...``
itself. :func:`sdk_pointed_at` points the SDK there (tests and the demo only): the login
host constant, and ``REQUESTS_CA_BUNDLE`` naming this server's own throwaway CA.

    async with FakeSmartLifeCloud("Ab12Cd") as cloud, sdk_pointed_at(cloud):
        cloud.add_device(cloud_device_for(sim, uid=cloud.uid))
        ...   # LoginControl / Manager, unchanged, now talk to 127.0.0.1

Answers the real service's documentation leaves open are this fake's own choice and
say so: the "not scanned yet" answer (``success: false``, code ``QR_PENDING``) and
what a wrong ``clientid`` gets at login (``1005 clientId invalid``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import ssl
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from unittest.mock import patch

from aiohttp import web
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .cloud import FakeCloudDevice, FakeDp
from .http import LOOPBACK, LoopbackServer

# What Home Assistant's core tuya integration (and ours) log in as.
CLIENT_ID: Final = "HA_3y9q4ak7g4ephrvke"
SCHEMA: Final = "haauthorize"
TOKEN_LIFETIME: Final = 7200
QR_LIFETIME: Final = 300.0
MAX_SKEW_MS: Final = 300_000
QR_PATH: Final = "/v1.0/m/life/home-assistant/qrcode/tokens"
# The headers that are signed, in this order; empty ones are left out.
SIGNED_HEADERS: Final = ("X-appKey", "X-requestId", "X-sid", "X-time", "X-token")


# --- the request crypto, as the server sees it ----------------------------------------------


def request_keys(request_id: str, refresh_token: str) -> tuple[str, bytes]:
    """The request's signing key (hex text) and its AES-128 key (16 ASCII bytes).

    CLOUD.md 2.2: ``hash_key = md5(rid + refresh_token)``, and the AES key is the first
    16 hex digits of ``HMAC-SHA256(key=rid, msg=hash_key)`` (no session id here).
    """
    hash_key = hashlib.md5((request_id + refresh_token).encode()).hexdigest()  # noqa: S324 - Tuya's scheme
    digest = hmac.new(request_id.encode(), hash_key.encode(), hashlib.sha256).hexdigest()
    return hash_key, digest[:16].encode()


def request_sign(
    hash_key: str, headers: Mapping[str, str], query_encdata: str, body_encdata: str
) -> str:
    """``X-sign``: HMAC-SHA256 (lower-case hex) keyed by the hash key, over
    ``name=value`` of the non-empty signed headers joined by ``||``, then the
    encrypted query and body exactly as sent."""
    signed = "||".join(
        f"{name}={headers.get(name, '')}" for name in SIGNED_HEADERS if headers.get(name, "")
    )
    message = signed + query_encdata + body_encdata
    return hmac.new(hash_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def seal(data: Any, key: bytes, nonce: bytes | None = None) -> str:
    """JSON, AES-GCM encrypted: base64 of nonce (12 bytes), ciphertext and tag."""
    nonce = nonce if nonce is not None else os.urandom(12)
    plain = json.dumps(data, separators=(",", ":")).encode()
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plain, None)).decode()


class UnsealError(ValueError):
    """An ``encdata`` that is not base64 of nonce, ciphertext and tag under this key."""


def unseal(encdata: str, key: bytes) -> Any:
    """The JSON inside an ``encdata`` (the inverse of :func:`seal`)."""
    try:
        raw = base64.b64decode(encdata, validate=True)
        if len(raw) < 12 + 16:
            raise UnsealError("too short")
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], None)
        return json.loads(plain)
    except (binascii.Error, InvalidTag, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UnsealError(type(err).__name__) from None


# --- TLS: a throwaway CA and a certificate for 127.0.0.1 -------------------------------------


def _write_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """``ca.pem`` (to trust), ``cert.pem`` and ``key.pem`` (the server's), valid 2 days."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tuya_sim throwaway CA")])

    def usage(*, cert_sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=not cert_sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=cert_sign,
            crl_sign=cert_sign,
            encipher_only=False,
            decipher_only=False,
        )

    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]), False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


# --- the service's state ---------------------------------------------------------------------


@dataclass(slots=True)
class _Qr:
    token: str
    user_code: str
    issued_at: float
    approved: bool = False
    used: bool = False


@dataclass(slots=True)
class _Session:
    access_token: str
    refresh_token: str
    expires_at: float  # on the fake's clock
    terminal_id: str


@dataclass(slots=True)
class _Failure:
    code: int | str
    msg: str
    path: str
    times: int


class _Refused(Exception):
    def __init__(self, code: int | str, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


def _refusal(code: int | str, msg: str) -> dict[str, Any]:
    return {"success": False, "code": code, "msg": msg}


class FakeSmartLifeCloud(LoopbackServer):
    """One Smart Life app account (``uid``) behind its User Code(s), holding devices.

    ``token_lifetime`` is the ``expire_time`` handed out (the SDK refreshes when less
    than 60 s are left); ``clock`` (monotonic) is when tokens and QR codes run out.
    """

    def __init__(
        self,
        user_code: str,
        *,
        uid: str = "eu1700000000000smart",
        username: str = "someone@example.com",
        client_id: str = CLIENT_ID,
        schema: str = SCHEMA,
        port: int = 0,
        token_lifetime: int = TOKEN_LIFETIME,
        qr_lifetime: float = QR_LIFETIME,
        auto_approve_after: float | None = None,
        home_name: str = "Home",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.user_codes = {user_code}
        self.uid = uid
        self.username = username
        self.client_id = client_id
        self.schema = schema
        super().__init__(port)
        self.token_lifetime = token_lifetime
        self.qr_lifetime = qr_lifetime
        self.auto_approve_after = auto_approve_after
        self.home_id = "50000001"
        self.home_name = home_name
        self.devices: dict[str, FakeCloudDevice] = {}
        # For tests: ("GET", path) of every request, and counters.
        self.requests: list[tuple[str, str]] = []
        self.rejected_signatures = 0
        self.refreshes = 0
        self.logouts = 0
        self.issued: list[str] = []  # every access and refresh token handed out
        self.qr_codes: list[str] = []  # every QR token handed out, oldest first
        self._clock = clock
        self._qrs: dict[str, _Qr] = {}
        self._sessions: dict[str, _Session] = {}  # by access token
        self._failures: list[_Failure] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.ca_file: Path | None = None

    # -- test controls ---------------------------------------------------------------

    @property
    def host(self) -> str:
        """``host:port``, what the SDK's login host constant becomes."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        """The endpoint handed out at login (the SDK prefixes every API path with it)."""
        return f"https://{self.host}"

    def add_device(self, device: FakeCloudDevice) -> FakeCloudDevice:
        self.devices[device.id] = device
        return device

    def approve(self, qr_token: str | None = None) -> None:
        """The user scans the QR code (the latest one by default) and approves."""
        token = qr_token or self.qr_codes[-1]
        self._qrs[token].approved = True

    def expire_qr(self, qr_token: str | None = None) -> None:
        """The QR code (the latest one by default) runs out."""
        token = qr_token or self.qr_codes[-1]
        self._qrs[token].issued_at = self._clock() - self.qr_lifetime - 1

    def login(self) -> dict[str, Any]:
        """A session as a completed QR login hands it out (``login_result``'s dict,
        with ``t``), for tests that start from an already linked account."""
        return {**self._new_session(), "t": int(time.time() * 1000)}

    def expire_tokens(self) -> None:
        """Every access token issued so far runs out (refresh tokens still work)."""
        for session in self._sessions.values():
            session.expires_at = self._clock() - 1

    def revoke_sessions(self) -> None:
        """Every session ends (as logging out in the app would): requests signed with
        them can no longer be verified."""
        self._sessions.clear()

    def fail(self, code: int | str, msg: str, *, path: str = "/", times: int = 1) -> None:
        """The next ``times`` verified requests whose path starts with ``path`` get
        this error (after the signature was checked: the session is fine)."""
        self._failures.append(_Failure(code, msg, path, times))

    @property
    def sessions(self) -> int:
        """Sessions alive (whatever their access token's expiry)."""
        return len(self._sessions)

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 (and nowhere else), over TLS with a fresh CA."""
        if self._runner is not None:
            return
        self._tmp = tempfile.TemporaryDirectory(prefix="tuya_sim_sharing_")
        # Key generation and file writes off the event loop.
        ca, cert, key = await asyncio.to_thread(_write_certificates, Path(self._tmp.name))
        context = await asyncio.to_thread(_server_context, cert, key)
        self.ca_file = ca
        await self._serve(context)

    async def stop(self) -> None:
        """Stop listening and remove the certificates; idempotent."""
        await super().stop()
        if self._tmp is not None:
            await asyncio.to_thread(self._tmp.cleanup)
            self._tmp = None

    def client_ssl_context(self) -> ssl.SSLContext:
        """An SSL context trusting this server (for clients other than the SDK)."""
        assert self.ca_file is not None, "start the server first"
        return ssl.create_default_context(cafile=self.ca_file)

    # -- HTTP ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((request.method, request.path))
        if request.path == QR_PATH or request.path.startswith(QR_PATH + "/"):
            answer = self._login(request)
        else:
            answer = self._signed(request, body)
        answer.setdefault("t", int(time.time() * 1000))
        response = web.json_response(answer)
        # One request per connection: the SDK's idle keep-alive TLS connections would
        # otherwise hold the server's TLS shutdown open (30 s) after a test ends.
        response.force_close()
        return response

    # -- the QR login (unsigned) -----------------------------------------------------

    def _login(self, request: web.Request) -> dict[str, Any]:
        query = request.query
        if query.get("clientid") != self.client_id:
            return _refusal(1005, "clientId invalid")
        user_code = query.get("usercode", "")
        if request.path == QR_PATH:
            if request.method != "POST" or query.get("schema") != self.schema:
                return _refusal(1109, "param is illegal")
            if user_code not in self.user_codes:
                return _refusal("USERCODE_INCORRECT", "User Code Incorrect")
            token = secrets.token_urlsafe(12)
            self._qrs[token] = _Qr(token, user_code, self._clock())
            self.qr_codes.append(token)
            return {"success": True, "result": {"qrcode": token}}
        if request.method != "GET":
            return _refusal(1108, "uri path invalid")
        qr = self._qrs.get(request.path.removeprefix(QR_PATH + "/"))
        if qr is not None and user_code != qr.user_code:
            return _refusal("USERCODE_INCORRECT", "User Code Incorrect")
        age = self._clock() - qr.issued_at if qr is not None else 0.0
        if qr is None or qr.used or age > self.qr_lifetime:
            return _refusal(
                "E0020002", "The QR code has expired, please refresh the QR code and try again"
            )
        if self.auto_approve_after is not None and age >= self.auto_approve_after:
            qr.approved = True
        if not qr.approved:
            return _refusal("QR_PENDING", "waiting for the QR code to be scanned")
        qr.used = True
        return {"success": True, "result": self._new_session()}

    def _new_session(self) -> dict[str, Any]:
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        terminal_id = f"{int(time.time() * 1000)}{secrets.token_hex(4)}"
        self._sessions[access] = _Session(
            access, refresh, self._clock() + self.token_lifetime, terminal_id
        )
        self.issued += [access, refresh]
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expire_time": self.token_lifetime,
            "uid": self.uid,
            "username": self.username,
            "terminal_id": terminal_id,
            "endpoint": self.url,
        }

    # -- the signed, encrypted customer API ------------------------------------------

    def _signed(self, request: web.Request, body: bytes) -> dict[str, Any]:
        headers = request.headers
        if headers.get("X-appKey") != self.client_id:
            return _refusal(1005, "clientId invalid")
        session = self._sessions.get(headers.get("X-token", ""))
        request_id = headers.get("X-requestId", "")
        # No session, no refresh token, no key: what a revoked session looks like.
        if session is None or not request_id or headers.get("X-sid"):
            self.rejected_signatures += 1
            return _refusal(1004, "sign invalid")
        hash_key, key = request_keys(request_id, session.refresh_token)
        query_encdata = request.query.get("encdata", "")
        try:
            body_json = json.loads(body) if body else {}
            body_encdata = body_json.get("encdata", "") if isinstance(body_json, dict) else ""
        except ValueError:
            body_encdata = None
        expected = request_sign(hash_key, headers, query_encdata, body_encdata or "")
        if body_encdata is None or not hmac.compare_digest(headers.get("X-sign", ""), expected):
            self.rejected_signatures += 1
            return _refusal(1004, "sign invalid")
        t = headers.get("X-time", "")
        if not t.isdigit() or abs(int(t) - time.time() * 1000) > MAX_SKEW_MS:
            return _refusal(1013, "request time is invalid")
        try:
            params = unseal(query_encdata, key) if query_encdata else {}
            payload = unseal(body_encdata, key) if body_encdata else {}
        except UnsealError:
            # Signed right but not sealed with the request's key: the same secret is
            # wrong, and CLOUD.md documents no other answer than this one.
            self.rejected_signatures += 1
            return _refusal(1004, "sign invalid")
        if not isinstance(params, dict) or not isinstance(payload, dict):
            return _refusal(1109, "param is illegal")
        for failure in self._failures:
            if request.path.startswith(failure.path):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return _refusal(failure.code, failure.msg)
        try:
            result = self._answer(request.method, request.path, session, params, payload)
        except _Refused as refused:
            return _refusal(refused.code, refused.msg)
        # Sealed with the request's key, which only the caller can derive.
        return {"success": True, "result": seal(result, key)}

    def _answer(
        self,
        method: str,
        path: str,
        session: _Session,
        params: dict[str, Any],
        payload: dict[str, Any],
    ) -> Any:
        if match := re.fullmatch(r"/v1\.0/m/token/([^/]+)", path):
            if method != "GET" or match[1] == "terminal":
                raise _Refused(1108, "uri path invalid")
            return self._refresh(session, match[1])
        if path == "/v1.0/m/token/terminal/expire":
            if method != "POST" or payload.get("accessToken") != session.access_token:
                raise _Refused(1109, "param is illegal")
            del self._sessions[session.access_token]
            self.logouts += 1
            return True
        if session.expires_at <= self._clock():
            raise _Refused(1010, "token invalid")
        if method == "POST" and path == "/v1.0/m/life/home-assistant/qrcode/versions":
            return True
        if method != "GET":
            raise _Refused(1108, "uri path invalid")
        return self._read(path, params)

    def _refresh(self, session: _Session, refresh_token: str) -> dict[str, Any]:
        if not hmac.compare_digest(refresh_token, session.refresh_token):
            raise _Refused(1010, "token invalid")
        # Single use: the old pair stops working, the terminal stays.
        del self._sessions[session.access_token]
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        self._sessions[access] = _Session(
            access, refresh, self._clock() + self.token_lifetime, session.terminal_id
        )
        self.issued += [access, refresh]
        self.refreshes += 1
        return {
            "accessToken": access,
            "refreshToken": refresh,
            "expireTime": self.token_lifetime,
            "uid": self.uid,
        }

    def _read(self, path: str, params: dict[str, Any]) -> Any:
        if path == "/v1.0/m/life/users/homes":
            return [
                {
                    "ownerId": self.home_id,
                    "name": self.home_name,
                    "uid": self.uid,
                    "role": 2,
                    "admin": True,
                }
            ]
        if path == "/v1.0/m/life/ha/home/devices":
            if str(params.get("homeId", "")) != self.home_id:
                raise _Refused(1106, "permission deny")
            return [_listing(d, self.home_id) for d in sorted(self.devices.values(), key=_id)]
        if path == "/v1.0/m/life/ha/devices/detail":
            ids = str(params.get("devIds", "")).split(",")
            return [_listing(self.devices[i], self.home_id) for i in ids if i in self.devices]
        if match := re.fullmatch(r"/v1\.1/m/life/([^/]+)/specifications", path):
            device = self._device(match[1])
            if device.specs_error is not None:
                raise _Refused(device.specs_error, "not support this device")
            return device.specifications()
        if match := re.fullmatch(r"/v1\.0/m/life/devices/([^/]+)/status", path):
            return _status_relations(self._device(match[1]))
        if match := re.fullmatch(r"/v1\.0/m/life/ha/([^/]+)/code/custom-type", path):
            self._device(match[1])
            return False  # reports by DP id: the local strategy applies
        if match := re.fullmatch(r"/v1\.0/m/life/ha/([^/]+)/dp-report-types", path):
            return [
                {"dp_code": dp.code, "report_type": "sum"}
                for dp in self._device(match[1]).dps
                if dp.code == "add_ele"
            ]
        if match := re.fullmatch(r"/v1\.0/m/thing/ha/([^/]+)/room", path):
            self._device(match[1])
            return {"id": 60000001, "name": "Living room", "displayOrder": 1}
        raise _Refused(1108, "uri path invalid")

    def _device(self, device_id: str) -> FakeCloudDevice:
        device = self.devices.get(device_id)
        if device is None:
            raise _Refused(1106, "permission deny")
        return device


def _id(device: FakeCloudDevice) -> str:
    return device.id


def _listing(device: FakeCloudDevice, home_id: str) -> dict[str, Any]:
    """One device of ``/v1.0/m/life/ha/home/devices``: the fields ``CustomerDevice``
    documents, ``status`` as ``[{code, value}]``; no ``local_key`` when it has none."""
    item = device.listing()
    entry: dict[str, Any] = {
        key: item[key]
        for key in (
            "id",
            "name",
            "category",
            "product_id",
            "product_name",
            "sub",
            "uuid",
            "online",
            "icon",
            "ip",
            "time_zone",
            "active_time",
            "create_time",
            "update_time",
        )
    }
    entry["asset_id"] = home_id
    entry["uid"] = device.uid
    if device.local_key:
        entry["local_key"] = device.local_key
    if device.node_id is not None:
        entry["node_id"] = device.node_id
    dps = device.simulated.dps if device.simulated is not None else {}
    entry["status"] = [
        {"code": dp.code, "value": dps.get(str(dp.dp_id), _default(dp))}
        for dp in device.dps
        if dp.mode in ("rw", "ro")
    ]
    return entry


def _default(dp: FakeDp) -> Any:
    return {"Boolean": False, "Integer": 0}.get(dp.type, "")


def _status_relations(device: FakeCloudDevice) -> dict[str, Any]:
    """``/v1.0/m/life/devices/{id}/status``: each DP's id, code and value description,
    what the SDK turns into ``local_strategy``."""
    return {
        "productKey": device.product_id,
        "dpStatusRelationDTOS": [
            {
                "dpId": dp.dp_id,
                "dpCode": dp.code,
                "statusCode": dp.code,
                "supportLocal": True,
                "valueConvert": "default",
                "statusFormat": json.dumps({dp.code: "$"}),
                "valueDesc": json.dumps(dict(dp.values)),
                "valueType": dp.type,
                "enumMappingMap": {},
            }
            for dp in device.dps
        ],
    }


@contextmanager
def sdk_pointed_at(cloud: FakeSmartLifeCloud) -> Iterator[None]:
    """While inside, ``tuya_sharing``'s QR login talks to ``cloud`` (the customer API
    follows the endpoint the login hands out), trusting the fake's own CA.

    Tests and the demo only: it sets the login host constant the SDK builds its
    ``https://`` URLs from, and ``REQUESTS_CA_BUNDLE`` for this process's ``requests``.
    """
    assert cloud.ca_file is not None, "start the fake first"
    with (
        patch("tuya_sharing.user.URL_PATH", cloud.host),
        patch.dict(os.environ, {"REQUESTS_CA_BUNDLE": str(cloud.ca_file)}),
    ):
        yield
