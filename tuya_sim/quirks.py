"""Firmware quirks: how shipping devices behave on the LAN, as others saw them.

Each switch is a behaviour of real firmware, named after it, with the public source it
was taken from (another client's special case, or users' logs in a public tracker).
A :class:`~.device.SimulatedDevice` holds one :class:`FirmwareQuirks` (``device.quirks``)
shared by all its connections; every switch is off by default except the device22
payload limit, which every device22 has. The counters let tests see what a client sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# localtuya PR #17 ("the request payload cannot be longer than 255"), tinytuya's
# detect_available_dps ("request payload limitation (max. length = 255)").
DEVICE22_PAYLOAD_LIMIT = 255


def _never() -> bool:
    return False


@dataclass(slots=True)
class FirmwareQuirks:
    """How a device answers the status query, the device22 query and UPDATEDPS, and how
    it behaves in the session: handshake, heartbeats and writes."""

    refuses_queries_after_power_up: int = 0
    """The first this many plain status queries after power-up (start, reboot) are
    answered "json obj data unvalid", as a device22 would; later ones normally.
    Source: aiotuya's README (github.com/frawau/aiotuya, "How does it work"): an
    open/close switch "after powering up, will return a 'json struct data unvalid'
    error to any status request" for a while."""

    null_control_writes: bool = False
    """A CONTROL frame whose DPs are all null (the device22 query) is carried out as a
    write, null taken as off / 0 / "". Source: python-tuya issue #29 (github.com/
    clach04/python-tuya/issues/29, "Repeated use of status() turns off light"), and
    reports of breakers and dimmers switched off by a read (tuya-local, localtuya)."""

    reports_only_changes: bool = False
    """The status query is acknowledged with an empty frame and answered by nothing:
    DPs come only in pushes when they change (and, unless ``ignores_refresh``, in
    answer to UPDATEDPS). Source: tinytuya issue #729 (github.com/jasonacox/tinytuya/
    issues/729): "Some v3.5 devices: These don't respond to status() queries at all —
    they only broadcast async DP updates"; tinytuya issue #461: "{'dps': {}}" from
    status while the device pushes its DPs one by one."""

    ignores_refresh: bool = False
    """UPDATEDPS is acknowledged and nothing is pushed (tuyapower issue #7, github.com/
    jasonacox/tuyapower/issues/7: UPDATEDPS with a DP list "just return None" on a
    Denver SHP-100 unless the phone app shows the device)."""

    device22_payload_limit: int | None = DEVICE22_PAYLOAD_LIMIT
    """A device22 refuses a request whose frame payload is longer than this (None: no
    limit). Source: see DEVICE22_PAYLOAD_LIMIT."""

    strict_version_header: bool = False
    """A 3.2/3.3 device refuses a CONTROL whose clear version header names another
    version (a 3.2 device sent "3.3"): tinytuya always writes the device's own version
    in it, and sets 3.2 apart ("3.2 behaves like 3.3 with device22", set_version)."""

    # Counters for tests: what clients sent.
    answers_every_other_heartbeat: bool = False
    """Busy firmware that leaves every second heartbeat unanswered. Other clients do not
    drop a session on one missed heartbeat (localtuya's heartbeat loop counts failures;
    users report sessions dropped on single misses as flapping devices,
    https://github.com/rospogrigio/localtuya/issues/1102)."""

    empty_frame_before_session_key: bool = False
    """3.4/3.5: an empty frame comes before the real session key answer. tinytuya reads
    the answer with ``_send_receive_quick(..., 2)``, which reads on past a null payload
    ("received null payload ... fetch new one"), so the handshake still succeeds there
    (jasonacox/tinytuya ``XenonDevice._negotiate_session_key``;
    https://github.com/jasonacox/tinytuya/issues/731 shows such null payloads)."""

    refuses_multi_dp_writes: bool = False
    """A CONTROL that sets more than one DP is refused with "json obj data unvalid";
    one DP per CONTROL works ("some devices will not accept all commands at once. You
    have to give it one by one",
    https://github.com/vinodsr/node-red-contrib-tuya-smart-device/issues/30)."""

    drops_session_key_exchange: Callable[[], bool] = _never
    """Asked at each session key start: True drops that handshake (a close, no answer)
    although the key is right (see SimulatedDevice.drop_session_key_exchanges)."""

    plain_queries: int = 0
    """Plain status queries received (DP_QUERY / DP_QUERY_NEW)."""
    null_queries: int = 0
    """CONTROL frames whose DPs were all null (device22 queries) received."""
    refreshes: int = 0
    """UPDATEDPS requests received."""
    _refusals_left: int = 0

    def power_up(self) -> None:
        """The device (re)started: it refuses its first queries again."""
        self._refusals_left = self.refuses_queries_after_power_up

    def refuse_query(self) -> bool:
        """Whether this plain query is one refused after power-up (and count it)."""
        if self._refusals_left > 0:
            self._refusals_left -= 1
            return True
        return False


def null_value(value: object) -> object:
    """What a firmware that takes null for a value writes instead of the DP's value."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0
    return ""
