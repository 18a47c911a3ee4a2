"""Secrets out of Home Assistant's log, and the Smart Life session checked before it is
stored.

The Smart Life SDK logs whole decrypted answers (local keys, tokens) at debug level, and
a failed token refresh with its URL (the refresh token), which ``urllib3`` also logs at
debug level: :class:`SecretsFilter` keeps those out of Home Assistant's log. It goes
onto those loggers when the SDK is first used (:func:`filter_sdk_logs`), not at import:
an install without a Smart Life account leaves global logging as it found it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from .tuyalan import CloudError

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
        for secret in self.secrets:  # never empty: remember_secrets keeps 8+ characters
            scrubbed = scrubbed.replace(secret, "***")
        if scrubbed != text:
            record.msg, record.args = scrubbed, None
        return True


SECRETS_FILTER: Final = SecretsFilter()
# The SDK's package logger, and requests' transport, which logs each request line at
# debug level: the SDK's token refresh carries the refresh token in its path
# (GET /v1.0/m/token/<refresh token>).
_SDK_LOGGERS: Final = ("tuya_sharing", "urllib3.connectionpool")


def filter_sdk_logs() -> None:
    """Put the filter on the SDK's loggers (once: a filter is added only once)."""
    for name in _SDK_LOGGERS:
        logging.getLogger(name).addFilter(SECRETS_FILTER)


# What a Smart Life login or token refresh may store: tokens are short printable ASCII,
# times are milliseconds and seconds a session can plausibly live.
_MAX_TOKEN_LENGTH: Final = 256
_MAX_LIFETIME: Final = 30 * 86400
_MAX_ENDPOINT_LENGTH: Final = 256


def token_text(value: Any, what: str) -> str:
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
            "uid": token_text(info["uid"], "uid"),
            "expire_time": _number(info["expire_time"], _MAX_LIFETIME),
            "access_token": token_text(info["access_token"], "access token"),
            "refresh_token": token_text(info["refresh_token"], "refresh token"),
        }
    except KeyError as err:
        raise CloudError(f"a login answer without {err}") from None


def endpoint_url(value: Any) -> str:
    """The Smart Life cloud's address the login hands out: every later request, with
    the session's tokens, goes there, so it must be an https URL and nothing else."""
    if isinstance(value, str) and len(value) <= _MAX_ENDPOINT_LENGTH and value.isprintable():
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname and not (parts.query or parts.fragment):
            return value
    raise CloudError("a Smart Life answer with an unusable endpoint")


def remember_secrets(token_info: Mapping[str, Any]) -> None:
    for key in ("access_token", "refresh_token"):
        value = token_info.get(key)
        if isinstance(value, str) and len(value) >= 8:
            SECRETS_FILTER.secrets.add(value)
