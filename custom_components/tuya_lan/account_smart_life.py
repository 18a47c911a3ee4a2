"""The Smart Life app account: its QR login and its device list (Tuya's official
``tuya-device-sharing-sdk``, blocking, so every call runs in the executor).

Home Assistant's core ``tuya`` links the same way; what the SDK logs is filtered
(account_secrets.py) and what it hands out is checked before it is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import requests
from homeassistant.core import HomeAssistant, callback
from tuya_sharing import LoginControl, Manager, SharingTokenListener
from tuya_sharing.exceptions import ApiRequestException

from .account_base import LinkedAccount
from .account_secrets import (
    clean_token_info,
    endpoint_url,
    filter_sdk_logs,
    remember_secrets,
    token_text,
)
from .const import (
    ACCOUNT_SMART_LIFE,
    CONF_ACCOUNT_KIND,
    CONF_ENDPOINT,
    CONF_ENTRY_TYPE,
    CONF_TERMINAL_ID,
    CONF_TOKEN_INFO,
    CONF_USER_CODE,
    ENTRY_TYPE_ACCOUNT,
    LOGGER,
    TUYA_CLIENT_ID,
    TUYA_SCHEMA,
)
from .tuyalan import (
    MAX_DEVICES,
    CloudConnectionError,
    CloudDevice,
    CloudError,
    CloudQrExpiredError,
    CloudQrPendingError,
    CloudSessionError,
    CloudUserCodeError,
    clean_text,
    cloud_error,
)

# The Smart Life answers that mean the session is over (expired, refused or revoked:
# the signing key derives from the refresh token, so a revoked one reads "sign invalid").
_SESSION_CODES: Final = frozenset({"1004", "1010", "1011", "1012"})
# Seen for a stale QR code (shared/CLOUD.md 2.1); the pending state is undocumented.
_QR_EXPIRED_CODES: Final = frozenset({"E0020002"})
_USER_CODE_CODES: Final = frozenset({"USERCODE_INCORRECT"})

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
        filter_sdk_logs()  # before the SDK's first answer, which it dumps at debug level
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
                CONF_TERMINAL_ID: token_text(info["terminal_id"], "terminal id"),
                CONF_ENDPOINT: endpoint_url(info["endpoint"]),
                CONF_TOKEN_INFO: token_info,
            }
        except KeyError as err:
            raise CloudError(f"a login answer without {err}") from None
        remember_secrets(token_info)
        username = info.get("username")
        data["username"] = clean_text(username, 100) or None if isinstance(username, str) else None
        return data


class _TokenListener(SharingTokenListener):  # type: ignore[misc]  # untyped base
    """Hands the SDK's refreshed tokens (on an executor thread) to the event loop."""

    def __init__(self, hass: HomeAssistant, on_token: Callable[[dict[str, Any]], None]) -> None:
        self.hass = hass
        self.on_token = on_token

    def update_token(self, token_info: dict[str, Any]) -> None:
        remember_secrets(token_info)
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
        filter_sdk_logs()
        self.data = dict(data)
        self.token_info: dict[str, Any] = dict(data[CONF_TOKEN_INFO])
        remember_secrets(self.token_info)
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
