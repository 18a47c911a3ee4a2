"""One persistent local session per Tuya device.

State comes from the device's pushes; a slow safety re-query (every 5 minutes without
any push) and a heartbeat every 10 s keep the session honest. When the connection is
lost the entities go unavailable (logged once), a background task reconnects with
exponential backoff and jitter, and recovery is logged once. Commands are serialized
and paced: an isolated command goes out at once, a burst is spaced out.
"""

from __future__ import annotations

import asyncio
import random
from contextlib import suppress
from time import monotonic
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    BACKOFF_INITIAL,
    BACKOFF_JITTER,
    BACKOFF_MAX,
    CONF_DEVICE_ID,
    CONF_DPS,
    CONF_LOCAL_KEY,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
    DOMAIN,
    HEARTBEAT_INTERVAL,
    LOGGER,
    MIN_COMMAND_GAP,
    SAFETY_REFRESH_INTERVAL,
)
from .mapping import DpKind, DpSpec, resolve_specs
from .tuyalan import (
    DeviceError,
    HandshakeDroppedError,
    TuyaClient,
    TuyaError,
    TuyaTimeoutError,
    WrongKeyError,
)

type TuyaLanConfigEntry = ConfigEntry[TuyaLanCoordinator]


# Consecutive handshakes a device drops while reconnecting before we ask for a new key.
DROPPED_HANDSHAKES_BEFORE_REAUTH = 3


def backoff_delay(attempt: int) -> float:
    """Return the wait before attempt `attempt` (from 0): 1 s doubling to 60 s, +-20 %."""
    base = min(BACKOFF_INITIAL * 2.0**attempt, BACKOFF_MAX)
    return base * random.uniform(1 - BACKOFF_JITTER, 1 + BACKOFF_JITTER)


async def _sleep(delay: float) -> None:
    """Wait between two paced commands (kept apart so tests can drive a fake clock)."""
    await asyncio.sleep(delay)


class TuyaLanCoordinator(DataUpdateCoordinator[dict[str, Any]]):
    """Holds the DPS dict of one device and its live session."""

    config_entry: TuyaLanConfigEntry

    def __init__(self, hass: HomeAssistant, entry: TuyaLanConfigEntry) -> None:
        """Initialize the coordinator."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=SAFETY_REFRESH_INTERVAL,
        )
        data = entry.data
        self.host: str = data[CONF_HOST]
        self.port: int = data.get(CONF_PORT, DEFAULT_PORT)
        self.device_id: str = data[CONF_DEVICE_ID]
        self.version: str = data[CONF_PROTOCOL_VERSION]
        self._local_key: str = data[CONF_LOCAL_KEY]
        self.client: TuyaClient | None = None
        self.specs: dict[str, DpSpec] = {}
        # The DPs of the latest update when it was a device push, else empty: the
        # energy sensor adds up add_ele increments only from pushes.
        self.last_pushed: dict[str, Any] = {}
        # The DPs the latest update changed; None when any entity may have changed
        # (a re-query, a reconnect, availability). Entities of other DPs skip writing
        # their state: a push of one DP then costs one state write, not one per entity.
        self.changed_dps: frozenset[str] | None = None
        self._connected = False
        self._closing = False
        self._generation = 0
        self._initial_status: dict[str, Any] | None = None
        # Pushes held back while a connection is being opened (see _async_open).
        self._opening: dict[str, Any] | None = None
        self._command_lock = asyncio.Lock()
        self._last_write: float | None = None
        self._reconnect_task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        """Return True while the session is up."""
        return self._connected

    # --- session ------------------------------------------------------------------

    def _new_client(self) -> TuyaClient:
        self._generation += 1
        generation = self._generation
        return TuyaClient(
            self.host,
            self.device_id,
            self._local_key,
            self.version,
            port=self.port,
            on_status=lambda dps: self._on_status(generation, dps),
            on_disconnect=lambda exc: self._on_disconnect(generation, exc),
        )

    async def _async_open(self) -> dict[str, Any]:
        """Connect a new client and read the status; the client is kept on success.

        Pushes that arrive before the status is in are held back and merged into it:
        published earlier, they would mark the entities available while the session
        may still fail.
        """
        client = self._new_client()
        self._opening = {}
        try:
            await client.connect()
            status = await client.status()
        except BaseException:
            await client.close()
            raise
        finally:
            pushed, self._opening = self._opening, None
        self.client = client
        self._connected = True
        return {**status, **pushed}

    async def _async_setup(self) -> None:
        """Connect once, during the first refresh."""
        try:
            status = await self._async_open()
        except (WrongKeyError, ValueError) as err:  # ValueError: a malformed key
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"name": self.name},
            ) from err
        except (TuyaError, OSError) as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"name": self.name, "error": str(err)},
            ) from err
        self._initial_status = status
        self.specs = resolve_specs(status, self.config_entry.options.get(CONF_DPS, {}))

    async def _async_update_data(self) -> dict[str, Any]:
        """Return the status read at setup, then re-query it now and then."""
        self.changed_dps = None
        if self._initial_status is not None:
            status, self._initial_status = self._initial_status, None
            return status
        client = self.client
        if client is None or not self._connected:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="not_connected",
                translation_placeholders={"name": self.name},
            )
        try:
            status = await client.status()
        except (TuyaError, OSError) as err:
            self._connection_lost(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="connection_lost",
                translation_placeholders={"name": self.name, "error": str(err)},
            ) from err
        self.last_pushed = {}
        return {**self.data, **status}

    @callback
    def async_start(self) -> None:
        """Start the heartbeat, once the first refresh succeeded."""
        self.config_entry.async_create_background_task(
            self.hass,
            self._async_heartbeat_loop(),
            f"{DOMAIN} heartbeat {self.config_entry.entry_id}",
        )

    async def _async_heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_INTERVAL)
            client = self.client
            if client is None or not self._connected:
                continue
            try:
                await client.heartbeat()
            except (TuyaError, OSError) as err:
                if client is self.client:
                    self._connection_lost(err)

    @callback
    def _on_status(self, generation: int, dps: dict[str, Any]) -> None:
        """Handle a push from the device."""
        if generation != self._generation or not dps:
            return
        if self._opening is not None:  # the status is not in yet
            self._opening.update(dps)
            return
        if self._initial_status is not None:  # the first refresh has not published yet
            self._initial_status.update(dps)
            return
        data = self.data
        changed = {
            dp
            for dp, value in dps.items()
            if data.get(dp) != value
            # an energy increment always counts, even when it equals the last one
            or ((spec := self.specs.get(dp)) is not None and spec.kind is DpKind.ENERGY)
        }
        if not changed:
            return
        self.last_pushed = dps
        self._publish({**data, **dps}, changed)

    @callback
    def _publish(self, data: dict[str, Any], changed: set[str] | None) -> None:
        """Hand new data to the entities; only those of ``changed`` DPs write state."""
        available = self.last_update_success
        self.changed_dps = frozenset(changed) if changed is not None and available else None
        self.async_set_updated_data(data)

    @callback
    def _on_disconnect(self, generation: int, exc: Exception | None) -> None:
        if generation == self._generation:
            self._connection_lost(exc)

    @callback
    def _connection_lost(self, err: BaseException | None) -> None:
        """Mark the device unavailable (logged once) and start reconnecting."""
        if not self._connected or self._closing:
            return
        self._connected = False
        self._generation += 1  # ignore late callbacks of the old client
        self.last_pushed = {}  # the listeners run again below: not a new increment
        client, self.client = self.client, None
        reason = str(err) if err else "closed by the device"
        LOGGER.warning(
            "Lost the connection to %s (%s:%s): %s; reconnecting",
            self.name,
            self.host,
            self.port,
            reason,
        )
        self.last_exception = UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="connection_lost",
            translation_placeholders={"name": self.name, "error": reason},
        )
        if self.last_update_success:
            self.last_update_success = False
            self.changed_dps = None
            self.async_update_listeners()
        if self._reconnect_task is None or self._reconnect_task.done():
            self._reconnect_task = self.config_entry.async_create_background_task(
                self.hass,
                self._async_reconnect(client),
                f"{DOMAIN} reconnect {self.config_entry.entry_id}",
            )

    async def _async_reconnect(self, old_client: TuyaClient | None) -> None:
        """Reconnect with exponential backoff and jitter."""
        if old_client is not None:
            with suppress(TuyaError, OSError):
                await old_client.close()
        attempt = dropped = 0
        while True:
            await asyncio.sleep(backoff_delay(attempt))
            attempt += 1
            try:
                status = await self._async_open()
            except HandshakeDroppedError as err:
                # How a 3.4/3.5 device answers a wrong key, but also what one busy with
                # another client may do: ask for the key only when it keeps happening,
                # and keep trying meanwhile.
                dropped += 1
                LOGGER.debug("Reconnect attempt %s to %s failed: %s", attempt, self.name, err)
                if dropped == DROPPED_HANDSHAKES_BEFORE_REAUTH:
                    self._start_reauth()
                continue
            except WrongKeyError:
                self._start_reauth()
                return  # proof: the device cannot read our key; reauth reloads the entry
            except (TuyaError, OSError) as err:
                dropped = 0
                LOGGER.debug("Reconnect attempt %s to %s failed: %s", attempt, self.name, err)
                continue
            if dropped >= DROPPED_HANDSHAKES_BEFORE_REAUTH:
                self._abort_reauth()  # it was busy after all: the key still works
            LOGGER.info("Reconnected to %s (%s:%s)", self.name, self.host, self.port)
            self.last_pushed = {}
            self._publish({**self.data, **status}, None)
            return

    @callback
    def _start_reauth(self) -> None:
        LOGGER.warning(
            "%s rejects its local key (was the device re-paired?); re-authentication is required",
            self.name,
        )
        self.config_entry.async_start_reauth(self.hass)

    @callback
    def _abort_reauth(self) -> None:
        for flow in self.config_entry.async_get_active_flows(self.hass, {SOURCE_REAUTH}):
            self.hass.config_entries.flow.async_abort(flow["flow_id"])

    async def async_shutdown(self) -> None:
        """Close the session on unload; no task, timer or socket is left behind."""
        await super().async_shutdown()
        self._closing = True
        self._connected = False
        self._generation += 1
        client, self.client = self.client, None
        if client is not None:
            await client.close()

    # --- commands -----------------------------------------------------------------

    def _not_connected(self) -> HomeAssistantError:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="not_connected",
            translation_placeholders={"name": self.name},
        )

    async def async_set_dps(self, dps: dict[str, Any]) -> None:
        """Write DPs; returns once the device acknowledged them.

        Fails at once when the device is not connected. Writes are serialized; a write
        that follows another within MIN_COMMAND_GAP waits only for the remainder.
        """
        if not self._connected:
            raise self._not_connected()
        async with self._command_lock:
            client = self.client
            if client is None or not self._connected:
                raise self._not_connected()
            if self._last_write is not None:
                wait = self._last_write + MIN_COMMAND_GAP - monotonic()
                if wait > 0:
                    await _sleep(wait)
            self._last_write = monotonic()
            try:
                await client.set_dps(dps)
            except DeviceError as err:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="device_error",
                    translation_placeholders={"name": self.name, "error": str(err)},
                ) from err
            except TuyaTimeoutError as err:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="timeout",
                    translation_placeholders={"name": self.name},
                ) from err
            except (TuyaError, OSError) as err:
                self._connection_lost(err)
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="command_failed",
                    translation_placeholders={"name": self.name, "error": str(err)},
                ) from err
        # The device acknowledged: show the new values now; its push confirms them.
        data = self.data
        changed = {dp for key, value in dps.items() if data.get(dp := str(key)) != value}
        if changed:
            self.last_pushed = {}
            self._publish({**data, **{str(k): v for k, v in dps.items()}}, changed)
