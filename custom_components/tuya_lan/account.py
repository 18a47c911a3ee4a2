"""The linked Tuya account: where local keys and data models come from, never control.

An account is its own config entry of this domain (``entry.data["entry_type"] ==
"account"``): a Smart Life app account linked by QR code (Tuya's official
``tuya-device-sharing-sdk``, blocking, so every call runs in the executor) or a Tuya
IoT developer project (the library's asyncio :class:`TuyaCloud`). Device entries never
depend on it: they keep their key and a cached copy of their model in their own data,
so removing the account, or the cloud being down, leaves every device working locally.

The SDK logs whole decrypted answers (local keys, tokens) at debug level, and a failed
token refresh with its URL (the refresh token), which ``urllib3`` also logs at debug
level: :class:`SecretsFilter` keeps those out of Home Assistant's log. It goes onto those
loggers when the SDK is first used, not at import: an install without a Smart Life
account leaves global logging as it found it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import requests
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from tuya_sharing import LoginControl, Manager, SharingTokenListener
from tuya_sharing.exceptions import ApiRequestException

from .const import (
    ACCOUNT_DEVELOPER,
    ACCOUNT_SMART_LIFE,
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ACCOUNT_KIND,
    CONF_CATEGORY,
    CONF_ENDPOINT,
    CONF_ENTRY_TYPE,
    CONF_MODEL,
    CONF_PRODUCT_NAME,
    CONF_REGION,
    CONF_TERMINAL_ID,
    CONF_TOKEN_INFO,
    CONF_UID,
    CONF_USER_CODE,
    DOMAIN,
    ENTRY_TYPE_ACCOUNT,
    LOGGER,
    SIGNAL_ACCOUNT_DEVICES,
    TUYA_CLIENT_ID,
    TUYA_SCHEMA,
)
from .entries import loaded_accounts
from .errors import ACCOUNT_RELINK, account_issue
from .tuyalan import (
    MAX_DEVICES,
    CloudConnectionError,
    CloudDevice,
    CloudDeviceUnknownError,
    CloudError,
    CloudQrExpiredError,
    CloudQrPendingError,
    CloudSessionError,
    CloudUserCodeError,
    TuyaCloud,
    clean_text,
    cloud_error,
)

# A device list this young is reused (many devices healing at once share one fetch).
DEVICES_MAX_AGE: Final = 30.0
# The Smart Life answers that mean the session is over (expired, refused or revoked:
# the signing key derives from the refresh token, so a revoked one reads "sign invalid").
_SESSION_CODES: Final = frozenset({"1004", "1010", "1011", "1012"})
# Seen for a stale QR code (shared/CLOUD.md 2.1); the pending state is undocumented.
_QR_EXPIRED_CODES: Final = frozenset({"E0020002"})
_USER_CODE_CODES: Final = frozenset({"USERCODE_INCORRECT"})


def model_data(device: CloudDevice) -> dict[str, Any]:
    """What a device entry caches of its model (the keys shared with the entity side)."""
    return {
        CONF_CATEGORY: device.category,
        CONF_PRODUCT_NAME: device.product_name,
        CONF_MODEL: [dp.to_dict() for dp in device.model],
    }


# --- secrets out of the log ---------------------------------------------------------------

_TOKEN_IN_URL = re.compile(r"(/v1\.0/m/token/)[^\s'\"?&]+")


class SecretsFilter(logging.Filter):
    """Drops the SDK's debug dumps of whole answers and masks the tokens it knows."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG and str(record.msg).startswith("response"):
            return False  # "response ret = ...": keys and tokens, decrypted
        text = record.getMessage()
        scrubbed = _TOKEN_IN_URL.sub(r"\1***", text)
        for secret in self.secrets:  # never empty: _remember_secrets keeps 8+ characters
            scrubbed = scrubbed.replace(secret, "***")
        if scrubbed != text:
            record.msg, record.args = scrubbed, None
        return True


SECRETS_FILTER: Final = SecretsFilter()
# The SDK's package logger, and requests' transport, which logs each request line at
# debug level: the SDK's token refresh carries the refresh token in its path
# (GET /v1.0/m/token/<refresh token>).
_SDK_LOGGERS: Final = ("tuya_sharing", "urllib3.connectionpool")


def _filter_sdk_logs() -> None:
    """Put the filter on the SDK's loggers (once: a filter is added only once)."""
    for name in _SDK_LOGGERS:
        logging.getLogger(name).addFilter(SECRETS_FILTER)


# What a Smart Life login or token refresh may store: tokens are short printable ASCII,
# times are milliseconds and seconds a session can plausibly live.
_MAX_TOKEN_LENGTH: Final = 256
_MAX_LIFETIME: Final = 30 * 86400
_MAX_ENDPOINT_LENGTH: Final = 256


def _token_text(value: Any, what: str) -> str:
    if (
        isinstance(value, str)
        and 0 < len(value) <= _MAX_TOKEN_LENGTH
        and value.isascii()
        and value.isprintable()
        and " " not in value
    ):
        return value
    raise CloudError(f"a Smart Life answer with an unusable {what}")


def _number(value: Any, high: float) -> int:
    """A time from the cloud as a whole number within 0-``high``; 0 when it is not one
    (NaN, an infinity, negative, absurd): a session then refreshes at its next use."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= high:
        return int(value)
    return 0


def clean_token_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """The session a Smart Life login or refresh handed out, checked before it is
    stored; CloudError when a token or the uid cannot be used."""
    try:
        return {
            "t": _number(info["t"], 2**53),
            "uid": _token_text(info["uid"], "uid"),
            "expire_time": _number(info["expire_time"], _MAX_LIFETIME),
            "access_token": _token_text(info["access_token"], "access token"),
            "refresh_token": _token_text(info["refresh_token"], "refresh token"),
        }
    except KeyError as err:
        raise CloudError(f"a login answer without {err}") from None


def _endpoint(value: Any) -> str:
    """The Smart Life cloud's address the login hands out: every later request, with
    the session's tokens, goes there, so it must be an https URL and nothing else."""
    if isinstance(value, str) and len(value) <= _MAX_ENDPOINT_LENGTH and value.isprintable():
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname and not (parts.query or parts.fragment):
            return value
    raise CloudError("a Smart Life answer with an unusable endpoint")


def _remember_secrets(token_info: Mapping[str, Any]) -> None:
    for key in ("access_token", "refresh_token"):
        value = token_info.get(key)
        if isinstance(value, str) and len(value) >= 8:
            SECRETS_FILTER.secrets.add(value)


# --- errors of the SDK, as the library's typed cloud errors -------------------------------


def sharing_error(err: BaseException) -> CloudError:
    """A typed cloud error for what the sharing SDK raised (no URL, no token in it)."""
    if isinstance(err, ApiRequestException):
        # The cloud's words: bounded before anything is done with them (a code of a
        # million digits is no number int() should read).
        code, msg = clean_text(err.error_code, 40), clean_text(err.error_message)
        if code in _SESSION_CODES or "sign invalid" in msg.lower():
            return CloudSessionError(msg, code, "link the Smart Life account again")
        return cloud_error(code, msg)
    if isinstance(err, requests.RequestException | OSError):
        # Not str(err): a requests error names the URL, which may hold a token.
        return CloudConnectionError(
            f"the Smart Life cloud could not be reached ({type(err).__name__})"
        )
    # The SDK reads answers without checking them: an HTTP error gives None, and so on.
    return CloudError(f"an unexpected answer from the Smart Life cloud ({type(err).__name__})")


def _login_error(response: Mapping[str, Any]) -> CloudError:
    code = clean_text(response.get("code", ""), 40)
    msg = clean_text(response.get("msg") or "no message")
    if code in _USER_CODE_CODES or "user code" in msg.lower():
        return CloudUserCodeError(msg, code or None)
    if code in _QR_EXPIRED_CODES or "expire" in msg.lower():
        return CloudQrExpiredError(msg, code or None)
    return CloudError(msg, code or None)


# --- Smart Life QR login --------------------------------------------------------------------


class SmartLifeLogin:
    """The QR login of the Smart Life app, as Home Assistant's core tuya does it."""

    def __init__(self, hass: HomeAssistant) -> None:
        _filter_sdk_logs()  # before the SDK's first answer, which it dumps at debug level
        self.hass = hass
        self._control: LoginControl | None = None

    async def _run[T](self, func: Callable[..., T], *args: Any) -> T:
        try:
            return await self.hass.async_add_executor_job(func, *args)
        except Exception as err:
            raise sharing_error(err) from None

    async def async_qr_code(self, user_code: str) -> str:
        """Ask for a QR code for this User Code; returns its token."""
        control: LoginControl = self._control or await self._run(LoginControl)
        self._control = control
        response = await self._run(control.qr_code, TUYA_CLIENT_ID, TUYA_SCHEMA, user_code)
        if not isinstance(response, Mapping):
            raise CloudError("an unexpected answer from the Smart Life cloud")
        result = response.get("result")
        if response.get("success") and isinstance(result, Mapping):
            qr_code = result.get("qrcode")
            if isinstance(qr_code, str) and qr_code:
                return qr_code
        raise _login_error(response)

    async def async_result(self, qr_code: str, user_code: str) -> dict[str, Any]:
        """The account's data once the scan is approved; CloudQrPendingError before,
        CloudQrExpiredError when the code ran out."""
        assert self._control is not None
        ok, info = await self._run(self._control.login_result, qr_code, TUYA_CLIENT_ID, user_code)
        if not isinstance(info, Mapping):
            raise CloudError("an unexpected answer from the Smart Life cloud")
        if not ok:
            error = _login_error(info)
            if type(error) is CloudError:
                raise CloudQrPendingError(error.msg, error.code)
            raise error
        token_info = clean_token_info(info)
        try:
            data: dict[str, Any] = {
                CONF_ENTRY_TYPE: ENTRY_TYPE_ACCOUNT,
                CONF_ACCOUNT_KIND: ACCOUNT_SMART_LIFE,
                CONF_USER_CODE: user_code,
                CONF_TERMINAL_ID: _token_text(info["terminal_id"], "terminal id"),
                CONF_ENDPOINT: _endpoint(info["endpoint"]),
                CONF_TOKEN_INFO: token_info,
            }
        except KeyError as err:
            raise CloudError(f"a login answer without {err}") from None
        _remember_secrets(token_info)
        username = info.get("username")
        data["username"] = clean_text(username, 100) or None if isinstance(username, str) else None
        return data


# --- the accounts ---------------------------------------------------------------------------


class LinkedAccount:
    """What the integration asks a linked account: its devices, keys and models."""

    kind: str = ""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self._devices: dict[str, CloudDevice] | None = None
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    @property
    def unique_id(self) -> str:
        """The account entry's unique id."""
        raise NotImplementedError

    async def _fetch(self) -> tuple[CloudDevice, ...]:
        raise NotImplementedError

    def entry_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """``data`` to save for this account, with what changed since it was linked."""
        return dict(data)

    async def async_devices(self, *, max_age: float = DEVICES_MAX_AGE) -> dict[str, CloudDevice]:
        """The account's devices by id, fetched again when older than ``max_age`` s."""
        asked = time.monotonic()
        async with self._lock:
            # A fetch that finished while we waited is fresh enough for us too.
            if self._devices is not None and (
                self._fetched >= asked or time.monotonic() - self._fetched < max_age
            ):
                return self._devices
            devices = await self._fetch()
            self._devices = {device.id: device for device in devices}
            self._fetched = time.monotonic()
            async_dispatcher_send(self.hass, SIGNAL_ACCOUNT_DEVICES, tuple(devices))
            LOGGER.debug("The linked account holds %d devices", len(self._devices))
            return self._devices

    async def async_device(
        self, device_id: str, *, max_age: float = DEVICES_MAX_AGE
    ) -> CloudDevice:
        """One device, with its current key; CloudDeviceUnknownError if not held."""
        device = (await self.async_devices(max_age=max_age)).get(device_id)
        if device is None:
            raise CloudDeviceUnknownError(f"the linked account does not hold device {device_id}")
        return device

    def cached_devices(self) -> list[CloudDevice] | None:
        """The devices of the last fetch (None: never fetched)."""
        return None if self._devices is None else list(self._devices.values())

    def cached(self, device_id: str) -> CloudDevice | None:
        """The device from the last fetch, without asking the cloud."""
        return (self._devices or {}).get(device_id)

    async def async_close(self) -> None:
        """Release what the client holds."""

    async def async_unlink(self) -> None:
        """End the account's session in the cloud (on removal; best effort)."""


class DeveloperAccount(LinkedAccount):
    """A Tuya IoT developer project (Access ID, Access Secret, data center)."""

    kind = ACCOUNT_DEVELOPER

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        super().__init__(hass)
        self.access_id: str = data[CONF_ACCESS_ID]
        self.uid: str | None = data.get(CONF_UID) or None
        self.cloud = TuyaCloud(
            data[CONF_ACCESS_ID],
            data[CONF_ACCESS_SECRET],
            **(
                {"endpoint": data[CONF_ENDPOINT]}
                if data.get(CONF_ENDPOINT)
                else {"region": data[CONF_REGION]}
            ),
            session=async_get_clientsession(hass),
        )

    @property
    def unique_id(self) -> str:
        return f"account_{self.access_id}"

    async def _fetch(self) -> tuple[CloudDevice, ...]:
        return await self.cloud.devices(self.uid)

    async def async_close(self) -> None:
        await self.cloud.close()


class _TokenListener(SharingTokenListener):  # type: ignore[misc]  # untyped base
    """Hands the SDK's refreshed tokens (on an executor thread) to the event loop."""

    def __init__(self, hass: HomeAssistant, on_token: Callable[[dict[str, Any]], None]) -> None:
        self.hass = hass
        self.on_token = on_token

    def update_token(self, token_info: dict[str, Any]) -> None:
        _remember_secrets(token_info)
        self.hass.loop.call_soon_threadsafe(self.on_token, dict(token_info))


class SmartLifeAccount(LinkedAccount):
    """A Smart Life app account linked by QR code (tuya-device-sharing-sdk)."""

    kind = ACCOUNT_SMART_LIFE

    def __init__(
        self,
        hass: HomeAssistant,
        data: Mapping[str, Any],
        on_token: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__(hass)
        _filter_sdk_logs()
        self.data = dict(data)
        self.token_info: dict[str, Any] = dict(data[CONF_TOKEN_INFO])
        _remember_secrets(self.token_info)
        self._on_token = on_token
        self._manager: Manager | None = None

    @property
    def unique_id(self) -> str:
        return f"account_{self.token_info['uid']}"

    def entry_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The SDK may have refreshed the session while the link's flow was open: the
        entry saves the current tokens (the login's refresh token is spent by then)."""
        return {**data, CONF_TOKEN_INFO: dict(self.token_info)}

    @callback
    def _token_refreshed(self, token_info: dict[str, Any]) -> None:
        try:
            token_info = clean_token_info(token_info)
        except CloudError as err:
            # Not stored: the entry keeps the session it had (the SDK's next refresh,
            # or a relink, replaces it).
            LOGGER.debug("Not storing the refreshed Smart Life session: %s", err)
            return
        self.token_info = token_info
        LOGGER.debug("The Smart Life session was refreshed")
        if self._on_token is not None:
            self._on_token(token_info)

    def _manager_blocking(self) -> Manager:
        if self._manager is None:
            self._manager = Manager(
                TUYA_CLIENT_ID,
                self.data[CONF_USER_CODE],
                self.data[CONF_TERMINAL_ID],
                self.data[CONF_ENDPOINT],
                self.token_info,
                _TokenListener(self.hass, self._token_refreshed),
            )
        return self._manager

    def _fetch_blocking(self) -> tuple[CloudDevice, ...]:
        manager = self._manager_blocking()
        manager.update_device_cache()
        devices = []
        # As many as a developer project's listing may hold (the SDK's own work is
        # bounded by its answers, not by us).
        for item in list(manager.device_map.values())[:MAX_DEVICES]:
            try:
                devices.append(CloudDevice.from_sharing(item))
            except ValueError:
                continue  # an entry without an id is of no use
        return tuple(devices)

    async def _fetch(self) -> tuple[CloudDevice, ...]:
        try:
            return await self.hass.async_add_executor_job(self._fetch_blocking)
        except Exception as err:
            raise sharing_error(err) from None

    def _unlink_blocking(self) -> None:
        self._manager_blocking().unload()

    async def async_unlink(self) -> None:
        try:
            await self.hass.async_add_executor_job(self._unlink_blocking)
        except Exception as err:
            LOGGER.debug("Could not end the Smart Life session: %s", sharing_error(err))


def account_for(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    on_token: Callable[[dict[str, Any]], None] | None = None,
) -> LinkedAccount:
    """The client for an account entry's data (nothing is sent yet)."""
    if data.get(CONF_ACCOUNT_KIND) == ACCOUNT_SMART_LIFE:
        return SmartLifeAccount(hass, data, on_token)
    return DeveloperAccount(hass, data)


# --- the account entry --------------------------------------------------------------------


def account_issue_id(entry_id: str) -> str:
    """The repair issue of an account entry the cloud gave trouble with."""
    return f"account_{entry_id}"


@callback
def async_account_failed(hass: HomeAssistant, entry: ConfigEntry, err: CloudError) -> None:
    """Say, as a repair issue on the account, why it could not help; re-link if needed."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        account_issue_id(entry.entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=account_issue(err),
        translation_placeholders={"name": entry.title, "error": str(err)},
    )
    if account_issue(err) == ACCOUNT_RELINK:
        entry.async_start_reauth(hass)


@callback
def async_account_ok(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The account answered: withdraw its repair issue."""
    ir.async_delete_issue(hass, DOMAIN, account_issue_id(entry.entry_id))


async def async_find_device(
    hass: HomeAssistant, device_id: str, *, max_age: float = DEVICES_MAX_AGE
) -> CloudDevice:
    """The device from whichever linked account holds it.

    Raises CloudDeviceUnknownError when none does (or none is linked), else the first
    account's error when no account could answer; each failing account gets its repair
    issue.
    """
    accounts = loaded_accounts(hass)
    if not accounts:
        raise CloudDeviceUnknownError("no Tuya account is linked")
    first_error: CloudError | None = None
    for entry, account in accounts:
        try:
            device = await account.async_device(device_id, max_age=max_age)
        except CloudDeviceUnknownError:
            async_account_ok(hass, entry)
            continue
        except CloudError as err:
            async_account_failed(hass, entry, err)
            first_error = first_error or err
            continue
        async_account_ok(hass, entry)
        return device
    raise first_error or CloudDeviceUnknownError(f"no linked account holds device {device_id}")


def cached_device(hass: HomeAssistant, device_id: str) -> CloudDevice | None:
    """A device from the linked accounts' last fetch (no cloud request)."""
    for _, account in loaded_accounts(hass):
        if (device := account.cached(device_id)) is not None:
            return device
    return None
