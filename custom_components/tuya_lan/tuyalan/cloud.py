"""asyncio client for a Tuya IoT developer project (Access ID + Access Secret).

Used only to learn local keys and data models, never to control a device::

    async with TuyaCloud(access_id, access_secret, region="eu") as cloud:
        for device in await cloud.devices():        # every linked app account's devices
            device.local_key, device.model

Tokens: granted on first use (``GET /v1.0/token?grant_type=1``), refreshed with the
refresh token a minute before ``expire_time`` runs out (a new grant if the refresh is
refused), and granted again, with the request retried once, when the cloud answers
1010/1011/1012 (token expired or invalid). A 1013 (request time invalid: clock skew)
is retried once with the cloud's own clock. Reference: ``shared/CLOUD.md``.

Nothing here logs the Access Secret, a token or a local key; error messages are
scrubbed of them too.

The cloud's answers are input, not truth. Redirects are not followed (the token would
go with them). An answer is at most MAX_ANSWER_BYTES once decompressed, and JSON
nested past the parser is an error, not a crash. One listing (:meth:`TuyaCloud.devices`)
makes at most MAX_LISTING_REQUESTS requests, reads at most MAX_PAGES pages of a list,
MAX_ACCOUNTS app accounts and MAX_DEVICES devices, and takes at most
``listing_timeout`` seconds. Whatever goes wrong is a :class:`CloudError`; a device
whose entry cannot be used is left out of the listing, not the listing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from .cloud_model import CloudDevice, DpModel, merge_model
from .cloud_sign import is_token_path, region_endpoint, request_url, signed_headers
from .errors import (
    CloudAuthError,
    CloudClockError,
    CloudConnectionError,
    CloudError,
    CloudPermissionError,
    CloudRegionError,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0
# Refresh this long before the token runs out (Tuya's SDKs use 60 s).
TOKEN_MARGIN = 60.0
TOKEN_INVALID = frozenset({1010, 1011, 1012})
TIME_INVALID = 1013
NOT_SUPPORTED = 2009  # specifications of a device without DPs
# v1.3 iot-03 allows up to 200 per page, the associated-users list 50 (tinytuya's sizes).
USER_PAGE_SIZE = 100
ASSOCIATED_PAGE_SIZE = 50
# What one listing may cost, whatever the cloud says: a cloud that keeps saying
# "has_more", or names thousands of accounts, must not hold us (or Tuya) forever. Real
# projects: a few accounts, a few hundred devices, a page or two each.
MAX_PAGES = 50
MAX_ACCOUNTS = 20
MAX_DEVICES = 1000
MAX_LISTING_REQUESTS = 600
LISTING_TIMEOUT = 300.0
# An answer, decompressed: a page of 200 devices is about 200 KB, a big thing model
# about as much.
MAX_ANSWER_BYTES = 4 << 20
# A token lives 2 hours (the cloud says how long is left); a lifetime outside this is
# taken as "already expired".
MAX_TOKEN_LIFETIME = 30 * 86400
# The cloud's clock may differ from ours by this much at most (a 1013 correction).
MAX_CLOCK_OFFSET_MS = 86400 * 1000
MAX_ROW_KEY_LENGTH = 256

_HINTS: Mapping[int, str] = {
    1001: "check the Access Secret",
    1004: "check the Access ID and Access Secret, and this computer's clock",
    1005: "check the Access ID",
    1013: "this computer's clock is wrong",
    1106: (
        "link the app account to the cloud project (Devices > Link App Account), "
        "and check the data centre and the UID"
    ),
    2007: "the project is in another data centre: choose its region",
    2406: "re-link the app account to the project, in the project's data centre",
    28841002: "the project's IoT Core subscription has expired: extend it on iot.tuya.com",
    28841101: "subscribe the project to the IoT Core service on iot.tuya.com",
    28841105: "authorise the project to call this API on iot.tuya.com",
    28841106: "subscribe the project to the IoT Core service on iot.tuya.com",
    28841107: "the data centre is suspended in the project: enable it on iot.tuya.com",
}
_AUTH = frozenset({1001, 1004, 1005, *TOKEN_INVALID})
_REGION = frozenset({2007})
_PERMISSION = frozenset({1106, 2406, 28841001, 28841002, 28841101, 28841105, 28841106, 28841107})
# Ids and tokens go into URL paths: only the characters Tuya uses, nothing that moves
# the request elsewhere.
_SEGMENT = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


def tuya_code(code: Any) -> int | str | None:
    """An error code as Tuya sends it (a number, sometimes as text), or None for any
    other shape (a list, an object): never something unhashable or unbounded."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code if -(2**63) <= code < 2**63 else None
    if isinstance(code, str) and 0 < len(code) <= 40:
        return int(code) if code.isdecimal() and code.isascii() else code
    return None


def cloud_error(code: Any, msg: Any) -> CloudError:
    """The typed error for a Tuya error code (the message is cleaned and bounded)."""
    code = tuya_code(code)
    number = code if isinstance(code, int) else None
    text = msg if isinstance(msg, str) and msg else "no message"
    hint = _HINTS.get(number) if number is not None else None
    if number == TIME_INVALID:
        return CloudClockError(text, number, hint)
    if number in _AUTH:
        return CloudAuthError(text, number, hint)
    if number in _REGION:
        return CloudRegionError(text, number, hint)
    if number in _PERMISSION or (number is not None and 28841000 <= number < 28842000):
        return CloudPermissionError(text, number, hint)
    return CloudError(text, code, hint)


def _segment(value: str, what: str) -> str:
    if not isinstance(value, str) or not _SEGMENT.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not a Tuya id")
    return value


def _endpoint(region: str | None, endpoint: str | None) -> str:
    if (region is None) == (endpoint is None):
        raise ValueError("give either a region or an endpoint")
    if region is not None:
        return region_endpoint(region)
    assert endpoint is not None
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValueError(
            f"endpoint {endpoint!r} is not an http(s) URL such as {region_endpoint('eu')}"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@dataclass(slots=True)
class _Budget:
    """What one listing may still cost."""

    requests: int


# The budget of the listing the current task runs, if any (a context variable: two
# listings at once on one client each count their own).
_BUDGET: ContextVar[_Budget | None] = ContextVar("tuya_cloud_budget", default=None)


@dataclass(frozen=True, slots=True)
class _Token:
    access_token: str
    refresh_token: str
    expires_at: float  # on the monotonic clock


class TuyaCloud:
    """A Tuya IoT developer project's OpenAPI: devices, local keys and DP models.

    Give ``region`` (``eu``, ``us``, ``us-e``, ``eu-w``, ``in``, ``cn``, ``sg``) or
    ``endpoint`` (a base URL). With ``session`` the caller's aiohttp session is used
    and left open; otherwise the client makes its own and :meth:`close` closes it.
    ``monotonic`` (token expiry) and ``wall_clock`` (the signed ``t``) are for tests.
    """

    def __init__(
        self,
        access_id: str,
        access_secret: str,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        listing_timeout: float = LISTING_TIMEOUT,
        lang: str = "en",
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        for what, value in (("Access ID", access_id), ("Access Secret", access_secret)):
            if not isinstance(value, str) or not value.strip() or not value.isprintable():
                raise ValueError(f"the {what} is empty or not text")
        self._access_id = access_id.strip()
        self._secret = access_secret.strip()
        self._endpoint = _endpoint(region, endpoint)
        self._session = session
        self._own_session = session is None
        self._timeout = timeout
        self._listing_timeout = listing_timeout
        self._lang = lang
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._offset_ms = 0  # the cloud's clock minus ours, learnt from a 1013
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"TuyaCloud({self._endpoint!r})"

    @property
    def endpoint(self) -> str:
        """The base URL requests go to."""
        return self._endpoint

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if it is ours; idempotent."""
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    # -- devices and models ----------------------------------------------------------

    async def devices(
        self, uid: str | None = None, *, with_model: bool = True
    ) -> tuple[CloudDevice, ...]:
        """Every device of the app account ``uid``, or of every account linked to the
        project when ``uid`` is None, with local keys and (``with_model``) DP models.

        Bounded in requests, pages, accounts, devices and time (see the module's
        docstring); a device whose entry cannot be used is left out.
        """
        if uid is not None:
            uid = _segment(uid, "UID")
        budget = _BUDGET.set(_Budget(MAX_LISTING_REQUESTS))
        try:
            async with asyncio.timeout(self._listing_timeout):
                return await self._devices(uid, with_model)
        except TimeoutError:
            raise CloudConnectionError(
                f"listing the devices took more than {self._listing_timeout:g} s"
            ) from None
        finally:
            _BUDGET.reset(budget)

    async def _devices(self, uid: str | None, with_model: bool) -> tuple[CloudDevice, ...]:
        found: dict[str, dict[str, Any]] = {}
        if uid is None:
            uids: list[str] = []
            for item in await self._pages(
                "/v1.0/iot-01/associated-users/devices", {"size": str(ASSOCIATED_PAGE_SIZE)}
            ):
                _merge(found, item)
                owner = item.get("uid")
                if (
                    isinstance(owner, str)
                    and _SEGMENT.fullmatch(owner)
                    and owner not in uids
                    and len(uids) < MAX_ACCOUNTS
                ):
                    uids.append(owner)
        else:
            uids = [uid]
        for owner in uids:
            # This list has the local keys the associated-users list sometimes lacks,
            # and gateway_id/node_id for sub-devices.
            for item in await self._pages(
                "/v1.3/iot-03/devices",
                {
                    "source_type": "tuyaUser",
                    "source_id": owner,
                    "page_size": str(USER_PAGE_SIZE),
                },
            ):
                _merge(found, item, uid=owner)
        devices = []
        for device_id, item in found.items():
            try:
                devices.append(CloudDevice.from_api(item))
            except ValueError:
                _LOGGER.debug("Leaving out a device entry the cloud sent (%.40r)", device_id)
        if with_model:
            devices = await self._with_models(devices)
        return tuple(devices)

    async def device(self, device_id: str, *, with_model: bool = True) -> CloudDevice:
        """One device by id, with its current local key (and DP model)."""
        result = await self.request("GET", f"/v1.0/devices/{_segment(device_id, 'device id')}")
        if not isinstance(result, Mapping):
            raise CloudError("a device answer that is not an object")
        try:
            device = CloudDevice.from_api(result)
        except ValueError:
            raise CloudError("a device answer without a usable device id") from None
        # Whatever the cloud says, a key for another device is not this device's key.
        if device.id != device_id:
            raise CloudError(f"asked for device {device_id}, the cloud answered another")
        if with_model:
            (device,) = await self._with_models([device])
        return device

    async def model(self, device_id: str) -> tuple[DpModel, ...]:
        """The DP model by DP id: v1.1 specifications and the thing model, merged.

        Either source alone will do; the error of the first is raised when both fail.
        A device without DPs (2009) has an empty model.
        """
        device_id = _segment(device_id, "device id")
        sources: list[Mapping[str, Any] | None] = []
        errors: list[CloudError] = []
        for path in (
            f"/v1.1/devices/{device_id}/specifications",
            f"/v2.0/cloud/thing/{device_id}/model",
        ):
            try:
                result = await self.request("GET", path)
            except CloudAuthError, CloudConnectionError, CloudRegionError:
                raise
            except CloudError as err:
                # "Not supported" from one source is that source having nothing: the
                # other one's description still counts.
                sources.append({} if err.code == NOT_SUPPORTED else None)
                if err.code != NOT_SUPPORTED:
                    errors.append(err)
            else:
                sources.append(result if isinstance(result, Mapping) else {})
        if len(errors) == len(sources):
            raise errors[0]
        return merge_model(sources[0], sources[1])

    async def _with_models(self, devices: list[CloudDevice]) -> list[CloudDevice]:
        # Devices of one product share their DPs: ask once per product.
        by_product: dict[str, tuple[DpModel, ...] | CloudError] = {}
        out = []
        for device in devices:
            key = device.product_id or f"device:{device.id}"
            if key not in by_product:
                try:
                    by_product[key] = await self.model(device.id)
                except CloudAuthError, CloudConnectionError, CloudRegionError:
                    raise
                except CloudError as err:
                    by_product[key] = err
            model = by_product[key]
            if isinstance(model, CloudError):
                out.append(replace(device, model_error=str(model)))
            else:
                out.append(replace(device, model=model))
        return out

    async def _pages(self, path: str, query: dict[str, str]) -> list[Mapping[str, Any]]:
        """Every item of a list paged by ``has_more`` / ``last_row_key``."""
        items: list[Mapping[str, Any]] = []
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            result = await self.request("GET", path, query)
            page = result.get("list", result.get("devices")) if isinstance(result, dict) else None
            if not isinstance(page, list):
                raise CloudError(f"{path}: a page without a device list")
            items.extend(item for item in page if isinstance(item, Mapping))
            if len(items) > MAX_DEVICES:
                raise CloudError(f"{path}: more than {MAX_DEVICES} devices")
            if result.get("has_more") is not True:
                return items
            row_key = result.get("last_row_key")
            if (
                not isinstance(row_key, str)
                or not 0 < len(row_key) <= MAX_ROW_KEY_LENGTH
                or not row_key.isprintable()
                or row_key in seen
            ):
                raise CloudError(f"{path}: more pages announced, but no new last_row_key")
            seen.add(row_key)
            query = {**query, "last_row_key": row_key}
        raise CloudError(f"{path}: more than {MAX_PAGES} pages")

    # -- requests --------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        """One signed OpenAPI call; returns its ``result`` or raises a CloudError."""
        if not path.startswith("/") or "?" in path or "#" in path:
            raise ValueError(f"path {path!r} must start with / and carry no query")
        token_path = is_token_path(path)
        retried_token = retried_clock = False
        while True:
            token = "" if token_path else await self._access_token()
            answer = await self._send(method, path, query, body, token)
            if answer.get("success") is True:
                return answer.get("result")
            code = tuya_code(answer.get("code"))
            if code in TOKEN_INVALID and not token_path and not retried_token:
                retried_token = True
                _LOGGER.debug("%s %s: token refused (%s), granting a new one", method, path, code)
                self._forget_token(token)
                continue
            server_t = answer.get("t")
            if (
                code == TIME_INVALID
                and not retried_clock
                and isinstance(server_t, int)
                and not isinstance(server_t, bool)
                and abs(server_t - int(self._wall_clock() * 1000)) <= MAX_CLOCK_OFFSET_MS
            ):
                retried_clock = True
                self._offset_ms = server_t - int(self._wall_clock() * 1000)
                _LOGGER.debug("%s: request time refused, clock offset %d ms", path, self._offset_ms)
                continue
            raise self._scrubbed(cloud_error(code, answer.get("msg")))

    async def _send(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None,
        body: Any,
        token: str,
    ) -> dict[str, Any]:
        shown = _shown(path)
        data = b"" if body is None else json.dumps(body).encode()
        headers = signed_headers(
            self._access_id,
            self._secret,
            int(self._wall_clock() * 1000) + self._offset_ms,
            method,
            path,
            query=query,
            body=data,
            access_token=token,
        )
        headers["lang"] = self._lang
        if data:
            headers["Content-Type"] = "application/json"
        url = URL(self._endpoint + request_url(path, query), encoded=True)
        session = self._get_session()
        budget = _BUDGET.get()
        if budget is not None:
            if budget.requests <= 0:
                raise CloudError(f"more than {MAX_LISTING_REQUESTS} requests for one listing")
            budget.requests -= 1
        _LOGGER.debug("%s %s", method, shown)
        try:
            async with (
                asyncio.timeout(self._timeout),
                # Never followed: the token would go along, maybe to another origin,
                # maybe over plain http, and what came back would be believed.
                session.request(
                    method, url, headers=headers, data=data or None, allow_redirects=False
                ) as response,
            ):
                status = response.status
                if 300 <= status < 400:
                    raise CloudConnectionError(
                        f"{method} {shown}: HTTP {status}, a redirect (not followed)"
                    )
                raw = await _read_bounded(response, f"{method} {shown}")
        except TimeoutError:
            raise CloudConnectionError(
                f"{method} {shown}: no answer within {self._timeout:g} s"
            ) from None
        except aiohttp.ClientError as err:
            raise self._scrubbed(
                CloudConnectionError(f"{method} {shown}: {type(err).__name__}: {err}")
            ) from None
        try:
            answer = json.loads(raw)
        except ValueError, RecursionError:
            answer = None
        if not isinstance(answer, dict) or (status != 200 and "code" not in answer):
            raise CloudConnectionError(f"{method} {shown}: HTTP {status}, not a Tuya answer")
        _LOGGER.debug(
            "%s %s: %s", method, shown, "ok" if answer.get("success") else answer.get("code")
        )
        return answer

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    # -- tokens ----------------------------------------------------------------------

    async def _access_token(self) -> str:
        async with self._token_lock:
            token = self._token
            if token is not None and self._monotonic() < token.expires_at - TOKEN_MARGIN:
                return token.access_token
            # A refresh token that could not sit in a URL path is not used (nor shown).
            if token is not None and _SEGMENT.fullmatch(token.refresh_token):
                try:
                    self._token = await self._grant(f"/v1.0/token/{token.refresh_token}", None)
                except CloudConnectionError, CloudRegionError:
                    raise
                except CloudError as err:
                    _LOGGER.debug("token refresh refused (%s), granting a new one", err)
                else:
                    return self._token.access_token
            self._token = None
            self._token = await self._grant("/v1.0/token", {"grant_type": "1"})
            return self._token.access_token

    async def _grant(self, path: str, query: Mapping[str, str] | None) -> _Token:
        result = await self.request("GET", path, query)
        if not isinstance(result, Mapping):
            raise CloudAuthError("a token answer without a token")
        access, refresh = result.get("access_token"), result.get("refresh_token")
        # Older documentation calls it "expire"; both SDKs accept either.
        lifetime = result.get("expire_time", result.get("expire"))
        if not isinstance(access, str) or not access:
            raise CloudAuthError("a token answer without a token")
        if (
            not isinstance(lifetime, int | float)
            or isinstance(lifetime, bool)
            # NaN, the infinities and the absurd: a token to replace at its next use.
            or not 0 <= lifetime <= MAX_TOKEN_LIFETIME
        ):
            lifetime = 0
        lifetime = float(lifetime)
        _LOGGER.debug("token granted for %d s", math.floor(lifetime))
        return _Token(
            access, refresh if isinstance(refresh, str) else "", self._monotonic() + lifetime
        )

    def _forget_token(self, access_token: str) -> None:
        # Another request may have replaced it meanwhile: keep the newer one.
        if self._token is not None and self._token.access_token == access_token:
            self._token = None

    def _scrubbed(self, err: CloudError) -> CloudError:
        """The error with every secret the client holds replaced by ***."""
        secrets = [self._secret]
        if self._token is not None:
            secrets += [self._token.access_token, self._token.refresh_token]
        text = str(err)
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        if text != str(err):
            err.args = (text,)
        return err


async def _read_bounded(response: aiohttp.ClientResponse, what: str) -> bytes:
    """The body, decompressed, read as it comes: refused past MAX_ANSWER_BYTES (a small
    gzip answer can unpack to hundreds of megabytes)."""
    if (response.content_length or 0) > MAX_ANSWER_BYTES:
        raise CloudConnectionError(f"{what}: an answer over {MAX_ANSWER_BYTES} bytes")
    body = bytearray()
    while chunk := await response.content.read(1 << 16):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise CloudConnectionError(f"{what}: an answer over {MAX_ANSWER_BYTES} bytes")
    return bytes(body)


def _shown(path: str) -> str:
    """The path as logs and errors may show it: no refresh token."""
    return "/v1.0/token/***" if path.startswith("/v1.0/token/") else path


def _merge(found: dict[str, dict[str, Any]], item: Mapping[str, Any], **extra: str) -> None:
    """Add a device entry, filling the fields an earlier entry left empty."""
    device_id = item.get("id")
    if not isinstance(device_id, str) or not device_id or len(device_id) > 256:
        return
    known = found.setdefault(device_id, {})
    for key, value in {**extra, **item}.items():
        if known.get(key) in (None, "") and value not in (None, ""):
            known[key] = value
