"""Codec throughput: our sans-IO codec against tinytuya 1.20.0, measured in the same run.

    scripts/env python benchmarks/codec_throughput.py [--seconds 1.0]

One round trip is what a client does per exchange: build and seal a CONTROL frame,
then parse, verify and decrypt a device STATUS frame back to its JSON. For tinytuya
that is its own path: ``XenonDevice._encode_message`` (payload encryption, version
header, ``pack_message``) and ``unpack_message`` + ``_decode_payload``. Both sides use
the same keys, payloads and (for 3.5) the same session key.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import tinytuya
from tinytuya.core import message_helper as tt

from custom_components.tuya_lan.tuyalan.const import Command
from custom_components.tuya_lan.tuyalan.crypto import ecb_for, gcm_for, hmac_sha256
from custom_components.tuya_lan.tuyalan.frames import encode_55aa, encode_6699
from custom_components.tuya_lan.tuyalan.protocol import ClientSession, Message, derive_session_key

DEVICE_ID = "bf0123456789abcdef01"
KEY = "0123456789abcdef"
DPS = {"1": True, "9": 0, "17": 3, "18": 242, "19": 531, "20": 2301}
CONTROL = {"1": False}


def _handshaken_session(version: str) -> tuple[ClientSession, bytes]:
    """A session past its 3.4/3.5 handshake (answered here as a device would), and its key."""
    client_nonce = os.urandom(16)
    session = ClientSession(DEVICE_ID, KEY, version, nonce_factory=lambda _: client_nonce)
    real = KEY.encode()
    if version not in ("3.4", "3.5"):
        return session, real
    session.start_handshake()
    device_nonce = os.urandom(8).hex().encode()
    body = device_nonce + hmac_sha256(real, client_nonce)
    session.finish_handshake(Message(Command.SESS_KEY_NEG_RESP, 1, 0, body))
    return session, derive_session_key(version, real, client_nonce, device_nonce)


def _device_status_frame(version: str, session_key: bytes) -> bytes:
    """The STATUS push a device sends, built with the protocol primitives."""
    inner = {"protocol": 4, "t": 1700000000, "data": {"dps": DPS}}
    data = json.dumps(inner if version == "3.5" else {"devId": DEVICE_ID, "dps": DPS}).encode()
    if version == "3.5":
        header = b"3.5" + bytes(12)
        return encode_6699(1, Command.STATUS, header + data, gcm_for(session_key), retcode=0)
    payload = b"3.3" + bytes(12) + ecb_for(session_key).encrypt(data)
    return encode_55aa(0, Command.STATUS, payload, retcode=0)


def ours(version: str) -> Callable[[], Any]:
    session, key = _handshaken_session(version)
    status = _device_status_frame(version, key)

    def round_trip() -> Any:
        session.control_request(CONTROL)
        session.feed(status)
        message = session.next_message()
        return message.dps if message else None

    return round_trip


def theirs(version: str) -> Callable[[], Any]:
    _, key = _handshaken_session(version)
    status = _device_status_frame(version, key)
    device = tinytuya.OutletDevice(DEVICE_ID, "127.0.0.1", KEY, version=float(version))
    if version == "3.5":
        device.local_key = key  # what tinytuya holds after its own handshake
    hmac_key = key if version == "3.5" else None

    def round_trip() -> Any:
        device._encode_message(device.generate_payload(tinytuya.CONTROL, CONTROL))
        header = tt.parse_header(status)
        message = tt.unpack_message(status, hmac_key=hmac_key, header=header)
        return device._decode_payload(message.payload)

    return round_trip


def _batch_rate(fn: Callable[[], Any], batch: int) -> float:
    start = time.perf_counter()
    for _ in range(batch):
        fn()
    return batch / (time.perf_counter() - start)


def rates(a: Callable[[], Any], b: Callable[[], Any], seconds: float) -> tuple[float, float]:
    """Round trips per second of ``a`` and ``b``: the best of interleaved batches.

    Interleaving and keeping the best batch of each makes the ratio robust to other
    load on the machine, which slows whichever batch it happens to hit.
    """
    batch = 100
    while _batch_rate(a, batch) > batch * 40 / seconds:  # aim at ~seconds/40 a batch
        batch *= 2
    best_a = best_b = 0.0
    for _ in range(10):
        best_a = max(best_a, _batch_rate(a, batch))
        best_b = max(best_b, _batch_rate(b, batch))
    return best_a, best_b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="rough time per measurement")
    args = parser.parse_args()
    print(f"tinytuya {tinytuya.__version__} ({tinytuya.CRYPTOLIB}) vs tuyalan, same process")
    print(f"{'version':8} {'tuyalan/s':>12} {'tinytuya/s':>12} {'ratio':>7}")
    ratios = []
    for version in ("3.3", "3.5"):
        assert ours(version)() == theirs(version)()["dps"], "both must decode the same DPs"
        mine, peer = rates(ours(version), theirs(version), args.seconds)
        ratios.append(mine / peer)
        print(f"{version:8} {mine:12,.0f} {peer:12,.0f} {mine / peer:6.1f}x")
    print(f"geometric mean ratio: {statistics.geometric_mean(ratios):.1f}x (target >= 3x)")


if __name__ == "__main__":
    main()
