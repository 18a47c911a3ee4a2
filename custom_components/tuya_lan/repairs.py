"""The repair issue that says why a device is unavailable.

The coordinator decides when a device has been away long enough to raise it (see
``ATTEMPTS_BEFORE_ISSUE``); this module turns the evidence (the library's
:class:`Fault`, and whether discovery heard the device at another address) into the
issue's reason, and raises, changes or withdraws it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later

from .const import DOMAIN
from .tuyalan import KEY_FAULTS, Fault, TuyaDevice

# Failed attempts in a row before an unavailable device gets a repair issue (with the
# library's backoff that is a few seconds down): a device that comes straight back, as
# after a WiFi hiccup, does not raise one. Proof of a wrong key raises it at once.
ATTEMPTS_BEFORE_ISSUE: Final = 3
# ... or once it has been unavailable this long, whichever comes first: a device that
# went silent (each attempt waits out the timeout) would otherwise wait about 20 s more.
ISSUE_AFTER_UNAVAILABLE: Final = 5.0  # seconds

# The issue's translation key, by the reason found.
UNAVAILABLE_ISSUES: Final = {
    "busy": "unavailable_busy",
    "key": "unavailable_key",
    "moved": "unavailable_moved",
    "unreachable": "unavailable_unreachable",
    "protocol": "unavailable_protocol",
}


def unavailable_issue_id(entry_id: str) -> str:
    """The repair issue of an entry's unavailable device."""
    return f"unavailable_{entry_id}"


def unavailable_reason(fault: Fault | None, *, heard_elsewhere: bool) -> str:
    """Why the device is unavailable, from the evidence (a key of UNAVAILABLE_ISSUES)."""
    if fault is Fault.UNREACHABLE or fault is Fault.STALLED:
        return "moved" if heard_elsewhere else "unreachable"
    if fault in KEY_FAULTS:
        return "key"
    if fault is Fault.BUSY:
        return "busy"
    return "protocol"


class UnavailableIssue:
    """One entry's "why unavailable" repair issue (at most one, by reason), raised at
    once or after ISSUE_AFTER_UNAVAILABLE."""

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str, device: TuyaDevice) -> None:
        self._hass = hass
        self._device = device
        self._issue_id = unavailable_issue_id(entry_id)
        self._name = name
        self.reason: str | None = None  # of the open issue
        self._later: CALLBACK_TYPE | None = None  # cancels the pending raise_later
        self._reason_then: Callable[[], str | None] = lambda: None

    @callback
    def raise_later(self, reason_then: Callable[[], str | None]) -> None:
        """Raise the issue ISSUE_AFTER_UNAVAILABLE from now (unless one is pending),
        with the reason found then (None: none raised)."""
        if self._later is None:
            self._later = async_call_later(self._hass, ISSUE_AFTER_UNAVAILABLE, self._at_last)
            self._reason_then = reason_then

    @callback
    def _at_last(self, _now: Any) -> None:
        self._later = None
        if (reason := self._reason_then()) is not None:
            self.set(reason)

    @callback
    def cancel_later(self) -> None:
        """Back: no issue raised for this time away."""
        if self._later is not None:
            self._later()
            self._later = None

    @callback
    def set(self, reason: str | None) -> None:
        """Raise, change (a new reason) or withdraw (None) the issue."""
        if reason == self.reason:
            return
        self.reason = reason
        if reason is None:
            ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)
            return
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=UNAVAILABLE_ISSUES[reason],
            translation_placeholders={
                "name": self._name,
                "host": f"{self._device.host}:{self._device.port}",
                "error": self._device.health.error or "",
            },
        )
