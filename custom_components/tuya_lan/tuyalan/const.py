"""Protocol constants: command numbers, ports, keys and limits."""

from __future__ import annotations

import hashlib
from enum import IntEnum
from typing import Final


class Command(IntEnum):
    """Tuya LAN command numbers (the frame's ``cmd`` field)."""

    UDP = 0x00
    SESS_KEY_NEG_START = 0x03
    SESS_KEY_NEG_RESP = 0x04
    SESS_KEY_NEG_FINISH = 0x05
    CONTROL = 0x07
    STATUS = 0x08
    HEART_BEAT = 0x09
    DP_QUERY = 0x0A
    CONTROL_NEW = 0x0D
    DP_QUERY_NEW = 0x10
    UPDATEDPS = 0x12
    UDP_NEW = 0x13
    BOARDCAST_LPV34 = 0x23
    REQ_DEVINFO = 0x25
    LAN_EXT_STREAM = 0x40


VERSIONS: Final = ("3.1", "3.2", "3.3", "3.4", "3.5")
# Order in which an unknown device is probed: newest first, because a 3.4/3.5 device
# drops a connection that does not start with the handshake (a quick, clear "no").
# 3.2 comes after 3.3: a 3.2 device is always read with the device22 query, a frame
# shaped like a write, which must never reach a device that has not proven it needs it.
DETECT_ORDER: Final = ("3.5", "3.4", "3.3", "3.2", "3.1")

TCP_PORT: Final = 6668
UDP_PORT_PLAIN: Final = 6666
UDP_PORT_ENCRYPTED: Final = 6667
UDP_PORT_APP: Final = 7000
UDP_PORTS: Final = (UDP_PORT_PLAIN, UDP_PORT_ENCRYPTED, UDP_PORT_APP)

# The key every device uses for its discovery broadcasts.
UDP_KEY: Final = hashlib.md5(b"yGAdlopoPVldABfn").digest()  # noqa: S324 (protocol-defined)

# Commands whose payload carries no 15-byte version header (tinytuya's list; devices
# accept it and it is what the phone app does).
NO_VERSION_HEADER: Final = frozenset(
    {
        Command.DP_QUERY,
        Command.DP_QUERY_NEW,
        Command.UPDATEDPS,
        Command.HEART_BEAT,
        Command.SESS_KEY_NEG_START,
        Command.SESS_KEY_NEG_RESP,
        Command.SESS_KEY_NEG_FINISH,
        Command.LAN_EXT_STREAM,
    }
)

# Largest frame we accept, header to suffix: the stated cap on a device's reply. Tuya's
# own device firmware caps frames at 4 KiB, but string and raw DPs of other firmware
# (IR learn reports, schedules, gateways' lists) go past 16 KiB. A frame over the cap
# is dropped (bounding the receive buffer), and the request it answered fails with
# ReplyTooLargeError, which says so, instead of a timeout.
MAX_FRAME_SIZE: Final = 64 * 1024

LOCAL_KEY_LENGTH: Final = 16
