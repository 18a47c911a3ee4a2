"""Firmware quirks of the status path: how shipping devices answer reads, as others saw them.

Each switch is a behaviour of real firmware, named after it, with the public source it
was taken from (another client's special case, or users' logs in a public tracker).
A :class:`~.device.SimulatedDevice` holds one :class:`QueryQuirks` (``device.quirks``)
shared by all its connections; every switch is off by default except the device22
payload limit, which every device22 has. The counters let tests see what a client sent.
"""

from __future__ import annotations

from dataclasses import dataclass

# localtuya PR #17 ("the request payload cannot be longer than 255"), tinytuya's
# detect_available_dps ("request payload limitation (max. length = 255)").
DEVICE22_PAYLOAD_LIMIT = 255


@dataclass(slots=True)
class QueryQuirks:
    """How a device answers the status query, the device22 query and UPDATEDPS."""

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
