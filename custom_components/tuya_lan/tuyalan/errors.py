"""Typed errors: each one tells the caller what to do next."""

from __future__ import annotations

import unicodedata

# What a cloud may put in an error text that reaches a form, a repair or a log: this
# many characters, no control characters (a terminal escape, a line break that forges a
# log line), no invisible formatting (right-to-left overrides).
MAX_CLOUD_TEXT = 200


def clean_text(value: object, max_length: int = MAX_CLOUD_TEXT) -> str:
    """``value`` as text fit to show: control and format characters removed (line breaks
    and tabs become spaces), blanks trimmed, and cut to ``max_length`` with an ellipsis."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = str(value)
        except ValueError:  # an integer of more digits than str() will write
            text = type(value).__name__
    # Looking at a bounded prefix keeps a 5 MB message from costing 5 MB of work.
    text = text[: max_length * 4]
    cleaned = "".join(
        " " if char in "\t\n\r" else char
        for char in text
        if char in "\t\n\r" or unicodedata.category(char)[0] != "C"
    ).strip()
    if len(cleaned) > max_length:
        cleaned = cleaned[: max_length - 1].rstrip() + "\u2026"
    return cleaned


class TuyaError(Exception):
    """Base of every error the library raises."""


class UnknownVersionError(TuyaError, ValueError):
    """A protocol version this library does not speak."""


class MalformedFrameError(TuyaError):
    """Bytes that are not a valid Tuya frame (bad prefix, length, suffix or CRC)."""


class FrameTooLargeError(MalformedFrameError):
    """A frame header whose length is over the cap (``size``: the length it claims)."""

    def __init__(self, text: str, size: int) -> None:
        super().__init__(text)
        self.size = size


class WrongKeyError(TuyaError):
    """The local key does not fit: decryption, HMAC or GCM tag failed, or the handshake did."""


class InvalidKeyError(TuyaError, ValueError):
    """A local key that cannot be one: not 16 characters of 8-bit text."""


class DeviceError(TuyaError):
    """The device answered, with an error."""

    def __init__(self, text: str, retcode: int = 1) -> None:
        super().__init__(
            f"device error (retcode {retcode}): {text}" if text else f"retcode {retcode}"
        )
        self.text = text
        self.retcode = retcode


class TuyaTimeoutError(TuyaError, TimeoutError):
    """The device did not answer in time."""


class TuyaConnectionError(TuyaError, ConnectionError):
    """The device could not be reached, or the connection was lost."""


class NoStatusError(TuyaError):
    """The device acknowledged the status query, and the refresh request, but reported
    no DP: some firmware (several 3.5 devices) reports its DPs only when they change.

    The session itself works (the acknowledgement came with our key); the values come
    with the device's next report. ``version`` is the protocol version it answered.
    """

    def __init__(self, text: str, version: str | None = None) -> None:
        super().__init__(text)
        self.version = version


class ReplyTooLargeError(TuyaError):
    """The device sent a frame larger than this library accepts (``MAX_FRAME_SIZE``)."""

    def __init__(self, text: str, size: int) -> None:
        super().__init__(text)
        self.size = size


class ConnectionRefusedByDevice(TuyaConnectionError):
    """The device accepted the connection and closed it at once.

    Devices allow very few clients; this usually means another client (the phone app,
    another integration) holds the connection.
    """


class HandshakeDroppedError(TuyaConnectionError):
    """A 3.4/3.5 device closed the connection during the session key handshake.

    This is how those devices answer a wrong local key (or protocol version): they
    send no error, they hang up. It is a symptom, not proof: a device busy with another
    client can hang up the same way, so it is a connection error, and only several in
    a row make a wrong key likely. Decryption, HMAC and GCM failures are proof and
    raise :class:`WrongKeyError`.
    """


class KeyUnprovenError(TuyaError):
    """The device answered, but nothing it sent involved the local key (protocol 3.1:
    status travels in plaintext, and the device did not report the same-value write
    that would have proven the key). Not proof of a wrong key either."""


class InvalidValueError(TuyaError, ValueError):
    """A DP value that cannot be sent: not a boolean, an integer in 64 bits, a finite
    number or text (NaN, infinity, lists, objects, ...), or a DP id that is not one."""


class NotConnectedError(TuyaConnectionError):
    """A request was made while no connection is open."""


class CloudError(TuyaError):
    """The Tuya cloud refused a request; ``code`` and ``msg`` are Tuya's own.

    The message adds what to do about it where the code says. It never holds a
    secret, a token or a local key.
    """

    def __init__(self, msg: str, code: int | str | None = None, hint: str | None = None) -> None:
        # Tuya's code and message are the cloud's words: bounded and cleaned before
        # they reach a form, a repair issue, a log or a terminal.
        if isinstance(code, str):
            code = clean_text(code, 40) or None
        elif not isinstance(code, int) or isinstance(code, bool) or not -(2**63) <= code < 2**63:
            code = None
        msg = clean_text(msg) or "no message"
        text = f"cloud error {code}: {msg}" if code is not None else msg
        super().__init__(f"{text} ({hint})" if hint else text)
        self.code = code
        self.msg = msg


class CloudAuthError(CloudError):
    """Wrong Access ID or Access Secret (``sign invalid``), or no token could be had."""


class CloudRegionError(CloudError):
    """The project's data centre is another one: ask with the right ``region``."""


class CloudPermissionError(CloudError):
    """The project may not do this: app account not linked, wrong UID or data centre,
    API not subscribed, or the IoT Core trial has expired."""


class CloudConnectionError(CloudError, ConnectionError):
    """The cloud could not be reached, timed out, or did not answer with Tuya's JSON."""


class CloudDeviceUnknownError(CloudError):
    """The linked account does not hold this device (removed, or shared from another)."""


class CloudClockError(CloudAuthError):
    """The cloud refused the request's time (1013): this computer's clock is off."""


class CloudSessionError(CloudAuthError):
    """The app account's session ended (token expired and not refreshed, or revoked):
    link the account again."""


class CloudUserCodeError(CloudAuthError):
    """The Smart Life app's User Code was not accepted."""


class CloudQrExpiredError(CloudAuthError):
    """The QR code expired before its scan was approved: a new one is needed."""


class CloudQrPendingError(CloudError):
    """The QR code has not been scanned and approved in the app (yet)."""
