"""Discovery datagrams that are not what they claim: typed errors, never a crash."""

from __future__ import annotations

import pytest

from custom_components.tuya_lan.tuyalan import MalformedFrameError, decode_broadcast
from custom_components.tuya_lan.tuyalan.const import UDP_KEY, Command
from custom_components.tuya_lan.tuyalan.crypto import ecb_for, gcm_for
from custom_components.tuya_lan.tuyalan.discovery import (
    build_discovery_request,
    decode_discovery_request,
)
from custom_components.tuya_lan.tuyalan.frames import encode_55aa, encode_6699


def broadcast_33(payload: bytes) -> bytes:
    return encode_55aa(0, Command.UDP_NEW, ecb_for(UDP_KEY).encrypt(payload), retcode=0)


def test_plaintext_31_broadcast() -> None:
    payload = b'{"ip":"127.0.0.1","gwId":"0120015260091453a970","version":"3.1"}'
    device = decode_broadcast(encode_55aa(0, Command.UDP, payload, retcode=0))
    assert device.device_id == "0120015260091453a970"
    assert (device.ip, device.version) == ("127.0.0.1", "3.1")
    assert device.mac == "60:09:14:53:a9:70"


def test_a_22_character_id_has_no_mac() -> None:
    payload = b'{"ip":"127.0.0.1","gwId":"eb0123456789abcdefghij","version":"3.3"}'
    assert decode_broadcast(broadcast_33(payload)).mac is None


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b"{not json", "not JSON"),
        (b'{"ip":"127.0.0.1","version":"3.3"}', "lacks gwId"),
        (b'{"ip":1,"gwId":"x","version":"3.3"}', "lacks gwId"),
    ],
)
def test_bad_announcements(payload: bytes, reason: str) -> None:
    with pytest.raises(MalformedFrameError, match=reason):
        decode_broadcast(broadcast_33(payload))


def test_request_round_trip() -> None:
    assert decode_discovery_request(build_discovery_request("127.0.0.1")) == "127.0.0.1"


@pytest.mark.parametrize(
    ("cmd", "payload", "reason"),
    [
        (Command.UDP_NEW, b'{"from":"app","ip":"127.0.0.1"}', "command 19"),
        (Command.REQ_DEVINFO, b'{"ip":"127.0.0.1"}', "lacks ip or from"),
        (Command.REQ_DEVINFO, b'{"from":"app","ip":7}', "lacks ip or from"),
        (Command.REQ_DEVINFO, b"nonsense", "lacks ip or from"),
    ],
)
def test_bad_requests(cmd: int, payload: bytes, reason: str) -> None:
    request = encode_6699(0, cmd, payload, gcm_for(UDP_KEY))
    with pytest.raises(MalformedFrameError, match=reason):
        decode_discovery_request(request)
