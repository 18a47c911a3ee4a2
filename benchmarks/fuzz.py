"""Fuzz the protocol library's decoders with hostile input (not run in CI).

    scripts/env python benchmarks/fuzz.py [--count 1000000] [--seed N] [--no-cost]

Three targets, each fed a mix of random bytes, streams of fake frame headers, valid
frames mutated (bit flips, truncation, splices, length-field edits) and valid frames
carrying hostile JSON (deep nesting, non-objects, odd "dps"):

* the stream parser (``FrameParser``) with no key, a 3.4 HMAC key and a 3.5 GCM key;
* the session decoder (``ClientSession.feed``/``next_message``) for 3.1, 3.3, 3.4 and
  3.5, past the 3.4/3.5 handshake, with realistic keys;
* the broadcast decoder (``decode_broadcast``) for 3.1, 3.3 and 3.5 announcements.

Every input must end in a decoded result or one of the library's typed errors
(``TuyaError`` subclasses). The script prints inputs tried, typed errors, untyped
errors (the first few as hex), the slowest input and its time, and first the cost of
the stream parser per KiB of random bytes, fake-header streams and valid frames.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import struct
import time
from collections.abc import Callable
from typing import Any

from custom_components.tuya_lan.tuyalan import decode_broadcast
from custom_components.tuya_lan.tuyalan.const import MAX_FRAME_SIZE, UDP_KEY, Command
from custom_components.tuya_lan.tuyalan.crypto import ecb_for, gcm_for, hmac_sha256
from custom_components.tuya_lan.tuyalan.errors import TuyaError
from custom_components.tuya_lan.tuyalan.frames import (
    PREFIX_55AA,
    PREFIX_6699,
    SUFFIX_55AA,
    SUFFIX_6699,
    FrameKeys,
    encode_55aa,
    encode_6699,
)
from custom_components.tuya_lan.tuyalan.protocol import (
    ClientSession,
    Message,
    derive_session_key,
    sign_31,
)
from custom_components.tuya_lan.tuyalan.stream import FrameParser

DEVICE_ID = "bf0123456789abcdef01"
KEY = b"0123456789abcdef"
CLIENT_NONCE = b"\x11" * 16
DEVICE_NONCE = b"0123456789abcdef"
VERSIONS = ("3.1", "3.3", "3.4", "3.5")

type Target = Callable[[bytes, random.Random], None]


# -- valid material ------------------------------------------------------------------


def session_key(version: str) -> bytes:
    if version not in ("3.4", "3.5"):
        return KEY
    return derive_session_key(version, KEY, CLIENT_NONCE, DEVICE_NONCE)


def new_session(version: str) -> ClientSession:
    """A session ready for requests (past the handshake for 3.4/3.5)."""
    session = ClientSession(DEVICE_ID, KEY, version, nonce_factory=lambda _: CLIENT_NONCE)
    if version in ("3.4", "3.5"):
        session.start_handshake()
        body = DEVICE_NONCE + hmac_sha256(KEY, CLIENT_NONCE)
        session.finish_handshake(Message(Command.SESS_KEY_NEG_RESP, 1, 0, body))
    return session


def device_frame(version: str, cmd: int, plaintext: bytes, retcode: int = 0) -> bytes:
    """A frame as a device of ``version`` sends it, sealed with the session's key."""
    key = session_key(version)
    header = version.encode() + bytes(12)
    if version == "3.5":
        return encode_6699(7, cmd, header + plaintext, gcm_for(key), retcode=retcode)
    if version == "3.4":
        payload = ecb_for(key).encrypt(header + plaintext)
        return encode_55aa(7, cmd, payload, retcode=retcode, hmac_key=key)
    if version == "3.3":
        return encode_55aa(7, cmd, header + ecb_for(key).encrypt(plaintext), retcode=retcode)
    if cmd == Command.CONTROL and plaintext:
        import base64

        plaintext = sign_31(base64.b64encode(ecb_for(key).encrypt(plaintext)), key)
    return encode_55aa(7, cmd, plaintext, retcode=retcode)


def hostile_json(rng: random.Random, deepest: int = 6000) -> bytes:
    """JSON a device might send to hurt: deep nesting (a frame holds 16 KiB, a datagram
    64 KiB, so ``deepest`` differs), non-objects, "dps" of every wrong shape."""
    depth = rng.choice((10, 600, 1100, deepest))
    choices = [
        b"[" * depth + b"]" * depth,
        b'{"dps":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}",
        b'{"dps":' + b"[" * depth + b"]" * depth + b"}",
        b'{"data":{"dps":' + b"[" * depth + b"}",
        b"[1,2,3]",
        b'"text"',
        b"null",
        b'{"dps":[1,2]}',
        b'{"dps":"on"}',
        b'{"dps":null}',
        b'{"data":[1]}',
        b'{"data":{"dps":7}}',
        b'{"dps":{"1":' + b"9" * rng.choice((20, 400, 5000)) + b"}}",
        b'{"dps":{"\\u00b2":true,"1.5":1,"":null}}',
        b'{"dps":{"1":1e999}}',
        b'{"dps":{"1":"\\ud800"}}',
        b"{\xff\xfe}",
        json.dumps({"dps": {"1": True, "2": 5}}).encode(),
    ]
    return rng.choice(choices)


def broadcast_json(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return hostile_json(rng, deepest=30_000)
    info: dict[str, Any] = {"ip": "192.0.2.7", "gwId": DEVICE_ID, "version": "3.3"}
    for field in rng.sample(["ip", "gwId", "version", "productKey", "encrypt"], 2):
        info[field] = rng.choice([None, 5, [], {}, "x" * rng.choice((0, 3, 300)), True])
    return json.dumps(info).encode()


def valid_broadcast(rng: random.Random) -> bytes:
    payload = broadcast_json(rng)
    kind = rng.randrange(3)
    if kind == 0:
        return encode_55aa(0, Command.UDP, payload, retcode=0)
    if kind == 1:
        return encode_55aa(0, Command.UDP_NEW, ecb_for(UDP_KEY).encrypt(payload), retcode=0)
    return encode_6699(0, Command.UDP_NEW, payload, gcm_for(UDP_KEY), retcode=0)


# -- mutations -------------------------------------------------------------------------


def fake_header(rng: random.Random, prefix: bytes | None = None) -> bytes:
    prefix = prefix or rng.choice((PREFIX_55AA, PREFIX_6699))
    length = rng.choice((rng.randrange(0, MAX_FRAME_SIZE), rng.randrange(2**32), 8, 40))
    if prefix == PREFIX_55AA:
        return prefix + os.urandom(8) + struct.pack(">I", length)
    return prefix + bytes(2) + os.urandom(8) + struct.pack(">I", length)


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        if op == 0 and buf:  # bit flip
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:  # truncate
            del buf[rng.randrange(len(buf)) :]
        elif op == 2:  # insert random bytes
            i = rng.randrange(len(buf) + 1)
            buf[i:i] = os.urandom(rng.randint(1, 16))
        elif op == 3 and len(buf) >= 16:  # rewrite a length field
            pos = 12 if buf[:4] == PREFIX_55AA else 14
            buf[pos : pos + 4] = struct.pack(">I", rng.randrange(2 ** rng.choice((8, 16, 32))))
        elif op == 4:  # a fake header in front or inside
            i = rng.choice((0, rng.randrange(len(buf) + 1)))
            buf[i:i] = fake_header(rng)
        elif op == 5 and buf:  # duplicate a slice
            i = rng.randrange(len(buf))
            buf += buf[i : i + rng.randint(1, 64)]
        elif op == 6:  # append a suffix where it may fool a length check
            buf += rng.choice((SUFFIX_55AA, SUFFIX_6699))
        elif op == 7 and buf:  # overwrite a byte with an interesting value
            buf[rng.randrange(len(buf))] = rng.choice((0, 0xFF, 0x55, 0xAA, 0x66, 0x99))
    return bytes(buf)


# -- targets ---------------------------------------------------------------------------


def read_size(data: bytes, rng: random.Random) -> int:
    """How the input is split into reads: mostly whole, sometimes byte by byte."""
    return rng.choices((len(data) or 1, 1, 7, 64), weights=(10, 1, 3, 3))[0]


# Inside a stream, each bad frame raises and reading goes on: (messages, typed errors).
STREAM_COUNTS = [0, 0]


def drain_session(session: ClientSession) -> None:
    while True:
        try:
            if session.next_message() is None:
                return
            STREAM_COUNTS[0] += 1
        except TuyaError:
            STREAM_COUNTS[1] += 1


def session_target(version: str) -> tuple[Target, Callable[[random.Random], bytes]]:
    frames = [
        device_frame(version, Command.STATUS, json.dumps({"dps": {"1": True}}).encode()),
        device_frame(version, Command.CONTROL_NEW, b""),
        device_frame(version, Command.HEART_BEAT, b""),
        device_frame(version, Command.CONTROL, b"data format error", retcode=1),
    ]

    def make(rng: random.Random) -> bytes:
        kind = rng.randrange(6)
        if kind == 0:
            return os.urandom(rng.randint(0, 512))
        if kind == 1:
            return b"".join(fake_header(rng) + os.urandom(rng.randint(0, 40)) for _ in range(8))
        if kind == 2:
            cmd = rng.choice((Command.STATUS, Command.DP_QUERY, Command.CONTROL_NEW))
            return device_frame(version, cmd, hostile_json(rng))
        if kind == 3:
            return mutate(rng.choice(frames), rng)
        if kind == 4:
            return mutate(b"".join(rng.choices(frames, k=3)), rng)
        return fake_header(rng) + rng.choice(frames)

    def run(data: bytes, rng: random.Random) -> None:
        session = new_session(version)
        step = read_size(data, rng)
        for i in range(0, len(data), step):
            session.feed(data[i : i + step])
            drain_session(session)
        if rng.random() < 0.25:  # and the stream still delivers a frame after it all
            for message in _messages_left(session):
                _ = message.dps, message.error, message.text

    return run, make


def _messages_left(session: ClientSession) -> list[Message]:
    out: list[Message] = []
    session.feed(device_frame(session.version, Command.STATUS, b'{"dps":{"1":true}}'))
    while True:
        try:
            message = session.next_message()
        except TuyaError:
            continue
        if message is None:
            return out
        out.append(message)


def parser_target() -> tuple[Target, Callable[[random.Random], bytes]]:
    key34 = session_key("3.4")
    key35 = session_key("3.5")
    frames = [
        encode_55aa(1, Command.STATUS, b"{}", retcode=0),
        encode_55aa(2, Command.STATUS, b"x" * 100, retcode=0, hmac_key=key34),
        encode_6699(3, Command.STATUS, b"{}", gcm_for(key35), retcode=0),
    ]

    def make(rng: random.Random) -> bytes:
        kind = rng.randrange(4)
        if kind == 0:
            return os.urandom(rng.randint(0, 512))
        if kind == 1:
            return b"".join(fake_header(rng) + os.urandom(rng.randint(0, 40)) for _ in range(8))
        return mutate(b"".join(rng.choices(frames, k=rng.randint(1, 3))), rng)

    def run(data: bytes, rng: random.Random) -> None:
        keys = rng.choice((FrameKeys(), FrameKeys(hmac_key=key34), FrameKeys(gcm=gcm_for(key35))))
        parser = FrameParser(keys)
        step = read_size(data, rng)
        for i in range(0, len(data), step):
            parser.feed(data[i : i + step])
            while True:
                try:
                    if parser.next_frame() is None:
                        break
                    STREAM_COUNTS[0] += 1
                except TuyaError:
                    STREAM_COUNTS[1] += 1
        assert parser.buffered <= MAX_FRAME_SIZE + step

    return run, make


def broadcast_target() -> tuple[Target, Callable[[random.Random], bytes]]:
    def make(rng: random.Random) -> bytes:
        kind = rng.randrange(4)
        if kind == 0:
            return os.urandom(rng.randint(0, 256))
        if kind == 1:
            return fake_header(rng) + os.urandom(rng.randint(0, 64))
        if kind == 2:
            return valid_broadcast(rng)
        return mutate(valid_broadcast(rng), rng)

    def run(data: bytes, rng: random.Random) -> None:
        device = decode_broadcast(data)
        _ = device.mac

    return run, make


# -- cost per KiB ------------------------------------------------------------------------


def parser_cost_per_kib(data: bytes, keys: FrameKeys, read: int = 1024) -> float:
    """Microseconds the parser spends per KiB of ``data`` fed in ``read``-byte reads."""
    parser = FrameParser(keys)
    start = time.perf_counter()
    for i in range(0, len(data), read):
        parser.feed(data[i : i + read])
        while True:
            try:
                if parser.next_frame() is None:
                    break
            except TuyaError:
                continue
    return (time.perf_counter() - start) * 1e6 / (len(data) / 1024)


def cost_report(rng: random.Random) -> None:
    size = 256 * 1024
    key35 = session_key("3.5")
    key34 = session_key("3.4")

    def fakes(prefix: bytes, least: int = 24) -> bytes:
        out = bytearray()
        while len(out) < size:
            length = rng.randrange(least, MAX_FRAME_SIZE - 64)
            head = prefix + bytes(8) + struct.pack(">I", length)
            if prefix == PREFIX_6699:
                head = prefix + bytes(10) + struct.pack(">I", length)
            out += head + os.urandom(rng.randint(0, 16))
        return bytes(out)

    def crafted(prefix: bytes, suffix: bytes, block_size: int = 8192, step: int = 32) -> bytes:
        """Fake headers whose claimed ends all carry the right suffix: the worst case."""
        out = bytearray()
        while len(out) < size:
            block = bytearray(os.urandom(block_size))
            for pos in range(0, len(block) - 64, step):
                claim = rng.randrange(len(block) - pos - 40, len(block) - pos - 4)
                if step < 32:
                    claim = len(block) - pos  # back to back, one suffix for all
                if prefix == PREFIX_6699:
                    head = prefix + bytes(10) + struct.pack(">I", claim - 22)
                else:
                    head = prefix + bytes(8) + struct.pack(">I", claim - 16)
                block[pos : pos + len(head)] = head
                block[pos + claim - 4 : pos + claim] = suffix
            out += block
        return bytes(out)

    valid = b"".join(
        encode_55aa(i, Command.STATUS, os.urandom(200), retcode=0) for i in range(size // 228)
    )
    cases = [
        ("random bytes", os.urandom(size), FrameKeys()),
        ("valid 55AA frames (CRC)", valid, FrameKeys()),
        ("fake 55AA headers", fakes(PREFIX_55AA), FrameKeys()),
        ("fake 55AA headers claiming ~16 KiB", fakes(PREFIX_55AA, 16_000), FrameKeys()),
        ("fake 55AA headers, 3.4 HMAC key", fakes(PREFIX_55AA), FrameKeys(hmac_key=key34)),
        ("fake 6699 headers, 3.5 GCM key", fakes(PREFIX_6699), FrameKeys(gcm=gcm_for(key35))),
        ("crafted suffix-valid 55AA fakes", crafted(PREFIX_55AA, SUFFIX_55AA), FrameKeys()),
        (
            "crafted suffix-valid 55AA fakes, HMAC",
            crafted(PREFIX_55AA, SUFFIX_55AA),
            FrameKeys(hmac_key=key34),
        ),
        (
            "crafted, back to back, 16 KiB claims, HMAC",
            crafted(PREFIX_55AA, SUFFIX_55AA, MAX_FRAME_SIZE - 64, 16),
            FrameKeys(hmac_key=key34),
        ),
        (
            "crafted suffix-valid 6699 fakes, GCM",
            crafted(PREFIX_6699, SUFFIX_6699),
            FrameKeys(gcm=gcm_for(key35)),
        ),
    ]
    print("stream parser cost, 256 KiB fed in 1 KiB reads (µs per KiB):")
    baseline = None
    for name, data, keys in cases:
        cost = min(parser_cost_per_kib(data, keys) for _ in range(3))
        baseline = baseline or cost
        print(f"  {name:40s} {cost:10.1f}  {cost / baseline:7.1f} x random")
    print()


# -- main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="inputs to try")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--no-cost", action="store_true", help="skip the cost-per-KiB table")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4))
    rng = random.Random(seed)
    if not args.no_cost:
        cost_report(rng)

    targets: list[tuple[str, Target, Callable[[random.Random], bytes]]] = [
        ("parser", *parser_target()),
        *((f"session {v}", *session_target(v)) for v in VERSIONS),
        ("broadcast", *broadcast_target()),
    ]
    tried = typed = 0
    untyped: list[tuple[str, bytes, BaseException]] = []
    untyped_count = 0
    slowest = (0.0, "", b"")
    per_target = {name: [0, 0.0] for name, _, _ in targets}
    started = time.perf_counter()
    report_every = max(1, args.count // 10)
    for i in range(args.count):
        name, run, make = targets[i % len(targets)]
        data = make(rng)
        t0 = time.perf_counter()
        try:
            run(data, rng)
        except TuyaError:
            typed += 1
        except Exception as err:  # what we are hunting for
            untyped_count += 1
            if len(untyped) < 5:
                untyped.append((name, data, err))
        elapsed = time.perf_counter() - t0
        per_target[name][0] += 1
        per_target[name][1] += elapsed
        if elapsed > slowest[0]:
            slowest = (elapsed, name, data)
        tried += 1
        if (i + 1) % report_every == 0:
            rate = tried / (time.perf_counter() - started)
            print(f"  {tried:>9,} inputs, {rate:,.0f}/s, {untyped_count} untyped", flush=True)
    total = time.perf_counter() - started
    if not tried:
        return
    print(f"\nseed {seed}")
    print(f"inputs tried:   {tried:,} in {total:.1f} s ({tried / total:,.0f}/s)")
    print(f"typed errors:   {typed + STREAM_COUNTS[1]:,} ({typed:,} ended an input, mostly")
    print(f"                broadcasts; {STREAM_COUNTS[1]:,} bad frames skipped inside streams)")
    print(f"frames/messages decoded inside streams: {STREAM_COUNTS[0]:,}")
    print(f"untyped errors: {untyped_count}")
    for name, data, error in untyped:
        print(f"  {name}: {type(error).__name__}: {error}\n    {data[:200].hex()}")
    for name, (count, spent) in per_target.items():
        print(f"  {name:12s} {count:>9,} inputs, mean {spent / max(count, 1) * 1e6:8.1f} µs")
    print(f"slowest input:  {slowest[0] * 1e3:.2f} ms ({slowest[1]}, {len(slowest[2])} bytes)")
    print(f"                {slowest[2][:64].hex()}{'…' if len(slowest[2]) > 64 else ''}")
    # On a shared machine the slowest single run is often a pause, not the input.
    run = next(run for name, run, _ in targets if name == slowest[1])
    again = []
    for _ in range(5):
        t0 = time.perf_counter()
        with contextlib.suppress(TuyaError):
            run(slowest[2], rng)
        again.append(time.perf_counter() - t0)
    print(f"                the same input again: best of 5 {min(again) * 1e3:.2f} ms")
    if untyped_count:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
