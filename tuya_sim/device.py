"""One simulated Tuya device: its DPs, its TCP server on 127.0.0.1, its faults.

The device owns the state every connection shares (DP values, the report serial, the
client limit) and drives one :class:`~.session.DeviceSession` per connection. It runs
in the caller's event loop; every method is meant to be called from that loop.

Time: :meth:`SimulatedDevice.tick` advances the simulation (countdowns, energy,
electrical reports) and closes connections silent for ``idle_timeout`` seconds of
``clock``. With ``tick_interval`` set, a task ticks once per interval; tests pass
``tick_interval=None`` and call ``tick()`` themselves, and inject ``clock``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import random
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from custom_components.tuya_lan.tuyalan import VERSIONS, validate_local_key

from .discovery import DEFAULT_INTERVAL, LOOPBACK, Broadcaster, RequestResponder, build_datagram
from .profiles import Profile, make_profile
from .quirks import FirmwareQuirks
from .session import Action, Answer, Close, Control, DeviceSession, Refresh

_LOGGER = logging.getLogger(__name__)

# Real devices drop a connection after 30 s without a frame (TuyaOpen HEART_BEAT_TIMEOUT).
IDLE_TIMEOUT = 30.0
# Most plugs in the field serve a single client (tinytuya README: "Tuya devices only
# allow one TCP connection at a time"); Tuya's open firmware allows 3. One is the
# realistic default, and what makes "the phone app holds the connection" testable.
DEFAULT_MAX_CLIENTS = 1
# Junk for the garbage fault: it contains no frame prefix, so a client must skip it.
GARBAGE = b"\x13\x37garbage\xde\xad\xbe\xef\x00\x00\x55"
_LINGER_ZERO = struct.pack("ii", 1, 0)


class _Connection(asyncio.Protocol):
    """One accepted TCP connection; hands everything to its device."""

    def __init__(self, device: SimulatedDevice) -> None:
        self.device = device
        self.transport: asyncio.Transport | None = None
        self.session: DeviceSession | None = None
        self.last_seen = 0.0
        # Actions held back by the slow-device fault: (due time, actions), in order.
        self._held: deque[tuple[float, list[Action]]] = deque()
        self._release: asyncio.TimerHandle | None = None
        self._recycle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.device._accept(self)

    def data_received(self, data: bytes) -> None:
        self.device._data_received(self, data)

    def eof_received(self) -> bool:
        return False  # the client hung up: close our side too

    def recycle_after(self, seconds: float) -> None:
        """Close (FIN) this connection ``seconds`` from now (socket_lifetime)."""
        self._recycle = asyncio.get_running_loop().call_later(seconds, self._recycle_now)

    def _recycle_now(self) -> None:
        if self.live:
            self.device.recycled += 1
            _LOGGER.info("%r: recycled a connection (socket lifetime)", self.device)
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._recycle is not None:
            self._recycle.cancel()
        if self._release is not None:
            self._release.cancel()
            self._release = None
        self._held.clear()
        self.device._lost(self)

    def hold(self, delay: float, actions: Iterable[Action]) -> None:
        """Act on a frame ``delay`` seconds from now, after what was held before it."""
        loop = asyncio.get_running_loop()
        self._held.append((loop.time() + delay, list(actions)))
        if self._release is None:
            self._release = loop.call_at(self._held[0][0], self._release_due)

    def _release_due(self) -> None:
        loop = asyncio.get_running_loop()
        self._release = None
        while self._held and self._held[0][0] <= loop.time():
            _, actions = self._held.popleft()
            if self.transport is not None and not self.transport.is_closing():
                self.device._act(self, actions)
        if self._held:
            self._release = loop.call_at(self._held[0][0], self._release_due)

    def write(self, frame: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            if self.device.garbage:
                frame = GARBAGE + frame
            self.transport.write(frame)

    @property
    def live(self) -> bool:
        """Open and not being closed: it holds one of the device's client slots."""
        return self.transport is not None and not self.transport.is_closing()

    def close(self, *, reset: bool = False) -> None:
        if self.transport is not None:
            if reset:
                # A zero linger makes the kernel send a reset, not a FIN.
                sock = self.transport.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
                self.transport.abort()
            else:
                self.transport.close()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False


class SimulatedDevice:
    """A Tuya WiFi device on ``host:port`` (port 0 = any free port).

    ``host`` is 127.0.0.1 unless given; any other loopback address (127.0.0.2, ...)
    lets several devices listen on the real devices' port 6668 side by side, each at
    an address of its own, as on a LAN (the demo does). It announces ``host`` unless
    ``discovery_ip`` says otherwise.

    ``dps`` overrides or adds to the profile's initial DPs. ``profile`` is a name
    from :data:`~.profiles.PROFILES` or a :class:`~.profiles.Profile`. ``device22``
    makes the device refuse the plain status query (see :mod:`.session`).

    Fault switches: :meth:`drop`, :attr:`stall`, :attr:`garbage`, :attr:`reply_delay`,
    :meth:`send_garbage`, :attr:`max_clients`, :meth:`change_key`,
    :meth:`go_offline` / :meth:`go_online`, :meth:`reboot`, :meth:`occupy` /
    :meth:`release`, :meth:`push_flood`, :meth:`move`.
    """

    def __init__(
        self,
        device_id: str,
        local_key: str,
        version: str = "3.3",
        *,
        dps: Mapping[str, Any] | None = None,
        profile: str | Profile = "plug",
        port: int = 0,
        host: str = LOOPBACK,
        device22: bool = False,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        idle_timeout: float = IDLE_TIMEOUT,
        tick_interval: float | None = 1.0,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        strict_seqno: bool = True,
        ack_retcode: int = 0,
        query_ack_then_push: bool = False,
        product_key: str = "simplugkey000000",
        discovery_port: int | None = None,
        discovery_interval: float = DEFAULT_INTERVAL,
        discovery_ip: str | None = None,
        request_port: int | None = None,
        request_reply_port: int = 7000,
    ) -> None:
        if version not in VERSIONS:
            raise ValueError(f"unknown protocol version {version!r}; expected one of {VERSIONS}")
        if not _loopback(host):
            raise ValueError(f"a simulated device listens on a loopback address, not {host!r}")
        if request_port is not None and version != "3.5":
            raise ValueError("only 3.5 devices answer discovery requests")
        self.device_id = device_id
        self.local_key = local_key
        self._key = validate_local_key(local_key)
        self.version = version
        # 3.2 devices are always device22 (tinytuya set_version: "3.2 behaves like 3.3
        # with device22").
        self.device22 = device22 or version == "3.2"
        self.ack_retcode = ack_retcode
        self.query_ack_then_push = query_ack_then_push
        self.port = port
        self.host = host
        self.max_clients = max_clients
        self.idle_timeout = idle_timeout
        self.tick_interval = tick_interval
        self.strict_seqno = strict_seqno
        self.product_key = product_key
        self.discovery_ip = discovery_ip or host
        self._clock = clock
        self._rng = random.Random(seed)
        self.profile = make_profile(profile, rng=self._rng) if isinstance(profile, str) else profile
        self.dps: dict[str, Any] = self.profile.initial_dps()
        if dps:
            self.dps.update({str(k): v for k, v in dps.items()})
        # The report serial in the source header of pushes: random start (TuyaOpen).
        self._serial = self._rng.randrange(1, 0x10000)
        self._connections: list[_Connection] = []
        self._server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._broadcaster = (
            Broadcaster(self.discovery_datagram, discovery_port, discovery_interval)
            if discovery_port is not None
            else None
        )
        self._responder = (
            RequestResponder(
                lambda: [self.discovery_datagram()], request_port, request_reply_port, host=host
            )
            if request_port is not None
            else None
        )
        self._pending_seconds = 0.0
        self._clients_changed = asyncio.Event()
        # Rebooting: simulated seconds until the device listens again, and the task
        # bringing it back once they have passed.
        self._offline_left: float | None = None
        self._booting: asyncio.Task[None] | None = None
        self._booted = asyncio.Event()
        # Fault switches.
        self.stall = False
        self.garbage = False
        # A slow device: every answer to a client's frame, and the change it makes,
        # comes this many seconds after the frame (pushes of its own are not held).
        self.reply_delay = 0.0
        # A device that acknowledges a set and does not carry it out (a relay that
        # failed, a value out of its range): the ack comes, no change, no push.
        self.ignore_sets = False
        self.occupied = 0  # client slots held by another client (the phone app)
        self._firmware_quirks()
        # Counters for tests.
        self.accepted = 0  # TCP connections accepted, the refused ones included
        self.refused = 0
        self.reboots = 0
        self.pushes = 0
        self.stalled_bytes = 0

    def _firmware_quirks(self) -> None:
        """Behaviours of shipping firmware (off by default); see also FirmwareQuirks."""
        self.quirks = FirmwareQuirks(drops_session_key_exchange=self._drop_this_exchange)
        self.reset_on_first_frame = False
        """Held by another client (the phone app): connections are accepted, and reset
        (RST) when the client's first frame arrives. "I see 'Connection reset by peer'
        after controlling the device with the Smart Life app"
        (https://github.com/clach04/python-tuya/issues/2); "most tuya devices support a
        single tcp network connection only" (rospogrigio/localtuya#725)."""
        self.drop_session_key_exchanges = 0
        """3.4/3.5 firmware that drops this many session key exchanges in a row, with
        the right key, before it answers one (then again): flaky firmware that clients
        retry ("Session key negotiation fails (null payload) on v3.4",
        https://github.com/jasonacox/tinytuya/issues/731)."""
        self._exchanges_dropped = 0
        self.socket_lifetime: float | None = None
        """Seconds after which the device closes each connection with a FIN, heartbeats
        or not: many devices recycle their LAN socket every few minutes ("the devices
        seem to close the TCP connection after a few tens of seconds",
        https://github.com/jasonacox/tinytuya/issues/559; "re-discovered within 0.056
        seconds ... have one go at reconnecting before taking the device OFFLINE",
        https://github.com/smarthomej/addons/issues/369)."""
        self.recycled = 0  # connections closed by socket_lifetime

    def _drop_this_exchange(self) -> bool:
        if self.drop_session_key_exchanges <= 0:
            return False
        if self._exchanges_dropped >= self.drop_session_key_exchanges:
            self._exchanges_dropped = 0
            return False
        self._exchanges_dropped += 1
        return True

    def __repr__(self) -> str:
        return (
            f"SimulatedDevice({self.device_id!r}, version={self.version!r}, "
            f"host={self.host!r}, port={self.port})"
        )

    # -- lifecycle -------------------------------------------------------------------

    @property
    def online(self) -> bool:
        """True while the device listens for connections."""
        return self._server is not None

    @property
    def clients(self) -> int:
        """Connections currently open."""
        return len(self._connections)

    @property
    def request_port(self) -> int | None:
        """The UDP port answering 0x25 discovery requests (3.5), once started."""
        return self._responder.port if self._responder is not None else None

    async def start(self) -> None:
        """Listen on 127.0.0.1, start ticking and announcing."""
        self.quirks.power_up()
        await self.go_online()
        if self.tick_interval is not None and self._ticker is None:
            self._ticker = asyncio.create_task(self._tick_forever(), name=f"tick {self!r}")

    async def stop(self) -> None:
        """Close everything: connections, server, timers, UDP sockets."""
        for task in (self._ticker, self._booting):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._ticker = self._booting = None
        self._offline_left = None
        await self.go_offline()

    async def _listen(self) -> None:
        if self._server is not None:
            return
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self), self.host, self.port, backlog=5
        )
        # Keep the bound port: going back online listens on the same one.
        self.port = self._server.sockets[0].getsockname()[1]
        _LOGGER.info("%r listening", self)

    async def _unlisten(self) -> None:
        server, self._server = self._server, None
        self.drop()
        if server is not None:
            server.close()
            await server.wait_closed()

    async def go_offline(self) -> None:
        """Drop every connection, stop listening and announcing (power or WiFi lost)."""
        if self._broadcaster is not None:
            await self._broadcaster.stop()
        if self._responder is not None:
            await self._responder.stop()
        await self._unlisten()

    async def go_online(self) -> None:
        """Listen and announce again, on the same ports."""
        await self._listen()
        if self._broadcaster is not None:
            await self._broadcaster.start()
        if self._responder is not None:
            await self._responder.start()

    @property
    def rebooting(self) -> bool:
        """True from :meth:`reboot` until the device listens again."""
        return self._offline_left is not None or self._booting is not None

    async def wait_online(self, timeout: float = 2.0) -> None:
        """Wait until a rebooting device listens again (after the ticks it needs)."""
        async with asyncio.timeout(timeout):
            while self.rebooting or not self.online:
                if not self.rebooting:
                    raise RuntimeError(f"{self!r} is offline and not rebooting")
                await self._booted.wait()

    async def wait_for_clients(self, count: int, timeout: float = 2.0) -> None:
        """Wait until exactly ``count`` connections are open (tests)."""
        async with asyncio.timeout(timeout):
            while self.clients != count:
                await self._clients_changed.wait()

    def _notify_clients_changed(self) -> None:
        self._clients_changed.set()
        self._clients_changed = asyncio.Event()

    # -- connections -----------------------------------------------------------------

    def _accept(self, connection: _Connection) -> None:
        self.accepted += 1
        live = sum(1 for c in self._connections if c.live) + self.occupied
        if self._server is None or live >= self.max_clients:
            # Accept, then close at once: what a device busy with another client does
            # (TuyaOpen "out of session limit"). Connections being closed no longer
            # count: their slot is free once the device has sent its FIN or RST.
            _LOGGER.info("%r: refused a client (limit %d)", self, self.max_clients)
            self.refused += 1
            connection.close()
            return
        connection.session = self._new_session()
        connection.last_seen = self._clock()
        if self.socket_lifetime is not None:
            connection.recycle_after(self.socket_lifetime)
        self._connections.append(connection)
        self._notify_clients_changed()
        _LOGGER.debug("%r: client connected (%d open)", self, self.clients)

    def _new_session(self) -> DeviceSession:
        """The device side of a new connection (a gateway's also serves its children)."""
        return DeviceSession(
            self.device_id,
            self._key,
            self.version,
            dps=lambda: self.dps,
            device22=self.device22,
            strict_seqno=self.strict_seqno,
            ack_retcode=self.ack_retcode,
            query_ack_then_push=self.query_ack_then_push,
            rng=self._rng,
            quirks=self.quirks,
        )

    def _lost(self, connection: _Connection) -> None:
        if connection in self._connections:
            self._connections.remove(connection)
            self._notify_clients_changed()
            _LOGGER.debug("%r: client gone (%d open)", self, self.clients)

    def _data_received(self, connection: _Connection, data: bytes) -> None:
        session = connection.session
        if session is None:
            return
        if self.reset_on_first_frame and session.frames_received == 0:
            _LOGGER.info("%r: reset a client at its first frame (held by another)", self)
            self.refused += 1
            connection.close(reset=True)
            return
        connection.last_seen = self._clock()
        if self.stall:
            self.stalled_bytes += len(data)
            return  # read, never answer: a hung device
        actions = session.receive(data)
        if self.reply_delay > 0:
            connection.hold(self.reply_delay, actions)
            return
        self._act(connection, actions)

    def _act(self, connection: _Connection, actions: Iterable[Action]) -> None:
        for action in actions:
            if isinstance(action, bytes):
                connection.write(action)
            elif isinstance(action, Answer):
                connection.write(action.make())
            elif isinstance(action, Control):
                self._apply(action.dps)
            elif isinstance(action, Refresh):
                self.push({dp: self.dps[dp] for dp in action.dp_ids if dp in self.dps})
            elif isinstance(action, Close):
                _LOGGER.info("%r: closing a connection: %s", self, action.reason)
                connection.close()

    def _apply(self, requested: dict[str, Any]) -> None:
        """A client set DPs: unknown DPs are ignored, the rest set and pushed."""
        changed = {dp: value for dp, value in requested.items() if dp in self.dps}
        if not changed or self.ignore_sets:
            return
        self.dps.update(changed)
        self.profile.on_set(self.dps, changed)
        # Shown in the demo's terminal (and read by the browser test): what the
        # device was told to do, in JSON spelling.
        _LOGGER.info("%s: a client set %s", self.device_id, json.dumps(changed, default=str))
        # Set DPs are reported even when the value did not change, as devices do.
        self.push(changed)

    # -- state changes from the device side --------------------------------------------

    def set_dps(self, dps: Mapping[str, Any], *, push: bool = True) -> None:
        """Change DPs locally (a button press, a sensor) and push them to clients."""
        changed = {str(dp): value for dp, value in dps.items()}
        self.dps.update(changed)
        self.profile.on_set(self.dps, changed)
        if push:
            self.push(changed)

    def push(self, dps: Mapping[str, Any]) -> None:
        """Report ``dps`` (cmd 8) on every connection that has finished its handshake."""
        if not dps or self.stall:
            return
        self._serial = (self._serial + 1) & 0xFFFFFFFF
        timestamp = int(time.time())
        for connection in list(self._connections):
            assert connection.session is not None
            frame = connection.session.encode_push(dps, self._serial, timestamp)
            if frame is not None:
                connection.write(frame)
                self.pushes += 1

    def tick(self, seconds: float = 1.0) -> None:
        """Advance simulated time by ``seconds`` (whole seconds are simulated)."""
        if self._offline_left is not None:
            # Powered off: nothing moves; back once the reboot's time has passed.
            self._offline_left -= seconds
            if self._offline_left <= 0:
                self._offline_left = None
                self._booting = asyncio.create_task(self._boot(), name=f"boot {self!r}")
            return
        self._pending_seconds += seconds
        while self._pending_seconds >= 1.0:
            self._pending_seconds -= 1.0
            pushed = self.profile.step(self.dps)
            if switched := {dp: v for dp, v in pushed.items() if isinstance(v, bool)}:
                shown = json.dumps(switched, default=str)
                _LOGGER.info("%s: switched by itself %s", self.device_id, shown)
            self.push(pushed)
        self.close_idle()

    def close_idle(self) -> None:
        """Close connections that sent nothing for ``idle_timeout`` seconds of ``clock``."""
        now = self._clock()
        for connection in list(self._connections):
            if now - connection.last_seen >= self.idle_timeout:
                _LOGGER.info("%r: closing a connection silent for %.0f s", self, self.idle_timeout)
                connection.close()

    async def _tick_forever(self) -> None:
        assert self.tick_interval is not None
        while True:
            await asyncio.sleep(self.tick_interval)
            self.tick(1.0)

    # -- faults ----------------------------------------------------------------------

    def drop(self, *, reset: bool = False) -> None:
        """Close every connection now (FIN; ``reset=True`` for a TCP reset)."""
        for connection in list(self._connections):
            connection.close(reset=reset)

    def send_garbage(self, data: bytes = GARBAGE) -> None:
        """Write junk bytes on every connection now."""
        for connection in self._connections:
            if connection.transport is not None and not connection.transport.is_closing():
                connection.transport.write(data)

    def change_key(self, local_key: str) -> None:
        """Re-pair with a new local key: open connections drop, new ones need it."""
        self._key = validate_local_key(local_key)
        self.local_key = local_key
        self.drop()

    async def reboot(self, offline_for: float = 0.0, *, reset: bool = False) -> None:
        """Power-cycle: connections close (FIN, or RST with ``reset``), the device stops
        listening and announcing, and is back after ``offline_for`` simulated seconds
        (counted by :meth:`tick`; 0 = back before this returns; :meth:`wait_online`).

        While off, new connections are refused (loopback has no "no answer": a real
        device that is off lets a connect time out) and nothing moves with time. DPs
        keep their values: the relay's power-on behaviour (``relay_status``) is not
        modelled, and "memory" is the common setting. The report serial starts anew.
        """
        if self.rebooting:
            raise RuntimeError(f"{self!r} is already rebooting")
        self.drop(reset=reset)
        await self.go_offline()
        self.reboots += 1
        self.quirks.power_up()
        self._serial = self._rng.randrange(1, 0x10000)
        self._pending_seconds = 0.0
        if offline_for <= 0:
            await self.go_online()
        else:
            self._offline_left = offline_for

    async def _boot(self) -> None:
        try:
            await self.go_online()
        finally:
            self._booting = None
            self._booted.set()
            self._booted = asyncio.Event()

    def occupy(self, *, reset: bool = False) -> None:
        """Another client (usually the phone app) takes one of the device's connections.

        If the device is full, its oldest connections close (FIN, or RST with ``reset``)
        to make room, as if ours had broken and the app got in first. Until
        :meth:`release`, connections beyond :attr:`max_clients` are accepted and closed
        at once, which is how a real device refuses them (``refused`` counts them).
        """
        self.occupied += 1
        live = [c for c in self._connections if c.live]
        for connection in live[: max(0, len(live) + self.occupied - self.max_clients)]:
            connection.close(reset=reset)

    def release(self) -> None:
        """The other client hung up: its slot is free again."""
        if self.occupied == 0:
            raise RuntimeError(f"{self!r}: no slot is occupied")
        self.occupied -= 1

    def push_flood(self, count: int, dp: str = "1") -> Any:
        """Change ``dp`` ``count`` times, pushing each change at once, back to back.

        A boolean DP toggles, an integer one counts up. Every push is written before
        this returns (the client reads them as one burst). Returns the last value.
        """
        value = self.dps.get(dp)
        if not isinstance(value, int):  # bool is an int
            raise TypeError(f"DP {dp} holds {value!r}: a flood needs a boolean or an integer")
        for _ in range(count):
            value = not value if isinstance(value, bool) else value + 1
            self.set_dps({dp: value})
        return value

    async def move(self, port: int | None = None, *, ip: str | None = None) -> None:
        """The device gets a new address (a new DHCP lease) and announces it at once.

        Connections close, the device stops listening where it was and listens on its
        loopback ``host`` at ``port`` (None: the same port; 0: any free one), announcing
        ``ip`` (default: ``host``; on ``discovery_port``, and in its 0x25 answers). Only
        loopback is ever bound or sent to: a test stands for the old address with a host
        name that stops resolving (see ``tests/ha/test_discovery.py``). Home Assistant
        follows a new IP, not a new port: the entry keeps its port.
        """
        await self.go_offline()
        if port is not None:
            self.port = port
        self.discovery_ip = ip or self.host
        await self.go_online()

    # -- discovery -------------------------------------------------------------------

    def discovery_datagram(self) -> bytes:
        """This device's UDP announcement."""
        return build_datagram(
            self.device_id, self.version, ip=self.discovery_ip, product_key=self.product_key
        )

    def announce(self) -> None:
        """Send one announcement now (needs ``discovery_port`` and a started device)."""
        if self._broadcaster is None:
            raise RuntimeError("this device has no discovery_port")
        self._broadcaster.send_now()
