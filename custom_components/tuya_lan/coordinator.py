"""The Home Assistant side of one device's session.

The library's :class:`TuyaDevice` keeps the device connected (heartbeats, reconnects
with backoff, paced commands) and reports every change; this coordinator turns those
reports into Home Assistant's terms: entity data and availability, a slow safety
re-query, and what follows from the connection's health. The work behind that lives
elsewhere: the repair issue in ``repairs.py``, key healing in ``healing.py``, following a
device that moved in ``follow.py``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util.hass_dict import HassKey

from .catalog import DpCatalog, model_dp_ids
from .const import (
    CONF_DEVICE_ID,
    CONF_LOCAL_KEY,
    CONF_MODEL,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
    SAFETY_REFRESH_INTERVAL,
)
from .entries import TuyaLanDeviceConfigEntry, loaded_accounts
from .errors import SETUP_FAILED, exception_key, translated_error
from .follow import SIGNAL_CONNECTION, Follower, changed_version, signal_heard
from .healing import KeyHealer
from .mapping import Descriptions
from .repairs import (
    ATTEMPTS_BEFORE_ISSUE,
    ISSUE_AFTER_UNAVAILABLE,
    UnavailableIssue,
    unavailable_reason,
)
from .tuyalan import (
    ConnectLimiter,
    DeviceUpdate,
    Fault,
    HandshakeDroppedError,
    Health,
    Timings,
    TuyaDevice,
    TuyaError,
    WrongKeyError,
)
from .tuyalan.dpmap import DpSpec

# The library's timings (heartbeat, timeout, backoff, pacing), given to every device.
TIMINGS: Final = Timings()
# One cap per Home Assistant on the sessions opening at the same moment: hundreds of
# devices connecting together (start-up, the network back) would stall the event loop.
CONNECT_LIMITER: HassKey[ConnectLimiter] = HassKey(f"{DOMAIN}_connect_limiter")

# How long entities stay available after the session ends: many devices close their
# socket every few minutes and take a new connection at once (the library reconnects
# at once after such a close). Only a device not back within this is unavailable.
AVAILABILITY_GRACE: Final = 3.0  # seconds
# A device away that announces itself at its address is tried at once, at most this
# often (it announces every few seconds, and may announce while it cannot answer yet).
RETRY_WHEN_HEARD: Final = 10.0  # seconds


class TuyaLanCoordinator(DataUpdateCoordinator[DeviceUpdate]):
    """Holds one device's DPs and connection health, fed by its supervised session."""

    config_entry: TuyaLanDeviceConfigEntry

    def __init__(self, hass: HomeAssistant, entry: TuyaLanDeviceConfigEntry) -> None:
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
        self.device = self._make_device(data[CONF_LOCAL_KEY])
        # The DPs' specs and entity descriptions, built once (and added to as later
        # readings prove DPs): every platform takes its own from here.
        self.catalog = DpCatalog(hass, entry, self.name)
        self._health_listeners: list[Callable[[], None]] = []
        self._was_connected = False
        self._published = False  # whether the first refresh handed out data
        self._reauth_started = False
        self._key_rejected = False  # the health's key_rejected, as last seen
        self._issue = UnavailableIssue(hass, entry.entry_id, self.name)
        self._healer = KeyHealer(hass, entry, self.name)
        self._healing = False  # a key is being fetched from the linked account
        self._heard_at: str | None = None  # where discovery heard it last, if elsewhere
        self._tried_when_heard = -RETRY_WHEN_HEARD  # monotonic: an announcement's attempt
        self._follower = Follower(hass, entry)
        self.availability_grace = AVAILABILITY_GRACE
        self._grace: CALLBACK_TYPE | None = None  # cancels the pending "unavailable"
        self._issue_timer: CALLBACK_TYPE | None = None  # cancels the pending repair issue
        self._lost_error: str | None = None
        # Sessions that ended and came back within the grace: not outages (diagnostics).
        self.quick_reconnects = 0

    def _make_device(self, local_key: str) -> TuyaDevice:
        return TuyaDevice(
            self.host,
            self.device_id,
            local_key,
            self.version,
            port=self.port,
            timings=TIMINGS,
            on_update=self._on_update,
            on_health=self._on_health,
            # A device22 is asked DP by DP: the model's DPs are asked from the start.
            dp_ids=model_dp_ids(self.config_entry.data.get(CONF_MODEL)),
            connect_limiter=self.hass.data.setdefault(CONNECT_LIMITER, ConnectLimiter()),
        )

    @property
    def health(self) -> Health:
        """The connection's latest snapshot."""
        return self.device.health

    @property
    def connection_state(self) -> str:
        """What the Connection sensor says (a state of CONNECTION_STATES): the health in
        the user's terms, with what only this side knows (the grace, a heal running)."""
        health = self.health
        if health.connected:
            return "connected"
        if self._healing or (health.fault is Fault.BUSY and health.drops):
            # A dropped handshake is the first sign of a changed key (or a busy device):
            # not "Busy" yet, and not while the linked account's key is being tried.
            return "checking_key"
        if health.fault is None or (self._grace is not None and not health.failures):
            return "connecting"  # a recycled socket being replaced: not away yet
        return health.fault.value

    @property
    def specs(self) -> dict[str, DpSpec]:
        """The device's DPs as resolved (readings, overrides, model)."""
        return self.catalog.specs

    @property
    def descriptions(self) -> Descriptions:
        """The entity descriptions of the DPs."""
        return self.catalog.descriptions

    @property
    def model_notes(self) -> dict[str, str]:
        """The model scales the readings contradicted, by DP."""
        return self.catalog.notes

    @callback
    def async_add_descriptions_listener(
        self, listener: Callable[[Descriptions], None]
    ) -> Callable[[], None]:
        """Call ``listener`` with the descriptions of DPs that later readings proved."""
        return self.catalog.add_listener(listener)

    # --- setup and the safety re-query ------------------------------------------------

    async def _async_setup(self) -> None:
        """Open the first session (during the first refresh)."""
        try:
            update = await self.device.connect()
        except Exception as err:
            update = await self._async_setup_failed(err)
        self.catalog.setup(update.dps)
        self._was_connected = True

    async def _async_setup_failed(self, err: Exception) -> DeviceUpdate:
        """Heal the key at setup (the state then), or raise why setup failed."""
        if isinstance(err, WrongKeyError | HandshakeDroppedError) and (
            self.device.health.key_at_fault
        ):
            # Re-paired while Home Assistant was off: the linked account may know.
            if loaded_accounts(self.hass) and await self._healer.async_heal(self.device):
                return self.device.snapshot()
            await self.device.close()
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"name": self.name},
            ) from err
        await self.device.close()
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=SETUP_FAILED[self.device.health.fault],
            translation_placeholders={"name": self.name, "error": str(err)},
        ) from err

    async def _async_update_data(self) -> DeviceUpdate:
        """The state read at setup, then a status read now and then."""
        if not self._published:
            self._published = True
            return self.device.snapshot()
        try:
            return await self.device.refresh()
        except TuyaError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=exception_key(err),
                translation_placeholders={"name": self.name, "error": str(err)},
            ) from err

    @callback
    def async_start(self) -> None:
        """Supervise the session, once the first refresh succeeded; listen for where
        discovery hears the device."""
        self.device.start()
        self.config_entry.async_on_unload(
            async_dispatcher_connect(self.hass, signal_heard(self.device_id), self._on_heard)
        )

    async def async_shutdown(self) -> None:
        """Close the session on unload; no task, timer or socket is left behind."""
        await super().async_shutdown()
        if self._grace is not None:
            self._grace()
            self._grace = None
        self._cancel_issue_timer()
        await self.device.close()
        self._set_issue(None)
        # Unloaded: not a device that discovery should look for any more.
        async_dispatcher_send(self.hass, SIGNAL_CONNECTION, self.device_id, True)

    @contextlib.asynccontextmanager
    async def async_paused(self) -> AsyncIterator[None]:
        """Let go of the device while a form proves a key with it (many devices take
        one client: the form's connection would be refused as busy)."""
        async with self.device.paused():
            yield

    # --- the device's reports -----------------------------------------------------------

    @callback
    def _on_update(self, update: DeviceUpdate) -> None:
        if not self._published:
            return  # the first refresh has not published yet; it takes the latest state
        if not update.changed and not (update.pushed.keys() & self.catalog.energy_dps):
            return  # nothing any entity shows
        self.catalog.take(update)
        self.async_set_updated_data(update)

    @callback
    def _on_health(self, health: Health) -> None:
        if not self._published:
            return  # setup reports its own errors
        # What was known before this report decides how it is told (the library sets
        # key_rejected in the same report as the fault that proves it).
        was_rejected, self._key_rejected = self._key_rejected, health.key_rejected
        if health.connected != self._was_connected:
            async_dispatcher_send(self.hass, SIGNAL_CONNECTION, self.device_id, health.connected)
            self._was_connected = health.connected
            if health.connected and self._grace is not None:
                # Back within the grace (a recycled socket): never was unavailable.
                self._grace()
                self._grace = None
                self.quick_reconnects += 1
                LOGGER.debug("%s closed its connection and took a new one at once", self.name)
                self._recovered()
            elif health.connected:
                LOGGER.log(
                    logging.DEBUG if was_rejected else logging.INFO,
                    "Reconnected to %s (%s:%s)",
                    self.name,
                    self.host,
                    self.port,
                )
                self._recovered()
            elif (
                self.availability_grace > 0
                and not was_rejected
                and health.fault is not Fault.WRONG_KEY
            ):
                self._lost_error = health.error
                self._grace = async_call_later(self.hass, self.availability_grace, self._grace_over)
            else:
                self._lost_error = health.error
                self._unavailable(quiet=was_rejected)
            if health.fault is Fault.WRONG_KEY:
                self._attempt_failed(health)  # a 3.1 push we cannot decrypt: proof
        elif not health.connected and health.failures:
            self._attempt_failed(health)
        elif was_rejected and not health.key_rejected and health.connected:
            # A report decrypted with the key: on 3.1 (whose status reads in plaintext
            # with any key) the first sign that the key is right again.
            self._recovered()
        self._tell_health_listeners()

    @callback
    def _tell_health_listeners(self) -> None:
        for listener in list(self._health_listeners):
            listener()

    @callback
    def _grace_over(self, _now: Any) -> None:
        self._grace = None
        if not self.device.connected:
            self._unavailable()
        self._tell_health_listeners()

    @callback
    def _unavailable(self, *, quiet: bool = False) -> None:
        """The device is away (past the grace, or with proof of a wrong key)."""
        # After proof of a wrong 3.1 key every push ends the session: warned once.
        LOGGER.log(
            logging.DEBUG if quiet else logging.WARNING,
            "Lost the connection to %s (%s:%s): %s; reconnecting",
            self.name,
            self.host,
            self.port,
            self._lost_error,
        )
        self.last_exception = UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="connection_lost",
            translation_placeholders={"name": self.name, "error": str(self._lost_error)},
        )
        if self._issue_timer is None:
            self._issue_timer = async_call_later(
                self.hass, ISSUE_AFTER_UNAVAILABLE, self._unavailable_long
            )
        if self.last_update_success:
            self.last_update_success = False
            self.async_update_listeners()

    @callback
    def _unavailable_long(self, _now: Any) -> None:
        """Unavailable for ISSUE_AFTER_UNAVAILABLE: the repair says why, whatever the
        number of attempts (unless the key is in question: healing or dropped
        handshakes decide then)."""
        self._issue_timer = None
        health = self.health
        if health.connected or self._healing or health.fault is None or health.drops:
            # Dropped handshakes: the attempts decide (the third is a suspect key, which
            # is healed first, or raises the repair): a "busy" one would flash before.
            return
        self._set_issue(unavailable_reason(health.fault, heard_elsewhere=self._moved))

    @callback
    def _cancel_issue_timer(self) -> None:
        if self._issue_timer is not None:
            self._issue_timer()
            self._issue_timer = None

    @property
    def _moved(self) -> bool:
        """Whether discovery heard the device at another address than its session's."""
        return self._heard_at is not None and self._heard_at != self.device.host

    @callback
    def async_add_health_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` on every change of the connection's health."""
        self._health_listeners.append(listener)
        return lambda: self._health_listeners.remove(listener)

    @callback
    def _recovered(self) -> None:
        self._cancel_issue_timer()
        if not self._key_rejected:
            # On 3.1 a wrong key still reads the plaintext status, and loses the session
            # at each encrypted push: the issue stays until the key changes.
            self._set_issue(None)
        if self._reauth_started and not self._key_rejected:
            self._reauth_started = False
            # It was busy after all, or the device has its old key again. Not after
            # proof on 3.1: its status reads in plaintext with any key.
            for flow in self.config_entry.async_get_active_flows(self.hass, {SOURCE_REAUTH}):
                self.hass.config_entries.flow.async_abort(flow["flow_id"])
        if not self.last_update_success:  # nothing changed while away: same data
            self.last_update_success = True
            self.async_update_listeners()

    @callback
    def _attempt_failed(self, health: Health) -> None:
        fault = health.fault
        if fault is Fault.WRONG_KEY and self._grace is not None:
            # Proof: no point waiting out the grace.
            self._grace()
            self._grace = None
            self._unavailable()
        if health.key_at_fault and not self._reauth_started and not self._healing:
            if loaded_accounts(self.hass):
                self._healing = True
                self.config_entry.async_create_background_task(
                    self.hass, self._async_heal(), f"{DOMAIN} heal {self.device_id}"
                )
            else:
                self._start_reauth()
        if self._healing:
            # The heal's outcome decides: a key that heals raises no repair (it would
            # flash for as long as the linked account takes to answer).
            return
        if fault is Fault.WRONG_KEY or health.failures >= ATTEMPTS_BEFORE_ISSUE:
            self._set_issue(unavailable_reason(fault, heard_elsewhere=self._moved))

    @callback
    def _start_reauth(self) -> None:
        self._reauth_started = True
        LOGGER.warning(
            "%s rejects its local key (was the device re-paired?); re-authentication is required",
            self.name,
        )
        self.config_entry.async_start_reauth(self.hass)

    # --- keys that heal, devices that move, the repair issue -----------------------------

    async def _async_heal(self) -> None:
        """Prove the linked account's key with the device, or ask the user (reauth)."""
        try:
            healed = await self._healer.async_heal(self.device)
        finally:
            self._healing = False
            self._tell_health_listeners()
        if healed or self.device.connected:
            return
        # Not healed (no key, the cloud asked too often, the key disproven): the
        # repair says why the device is away, and the user is asked.
        self._set_issue("key")
        if not self._reauth_started:
            self._start_reauth()

    @callback
    def _on_heard(self, host: str, version: str | None = None) -> None:
        """Discovery heard the device at ``host`` (announcing protocol ``version``):
        follow it there (or to that version) if it is away, or try it now if it
        announces itself where nothing answered (back on the network: the backoff
        could otherwise wait up to a minute)."""
        self._heard_at = host
        if self.device.connected:
            return
        version = changed_version(self.version, version)
        if host != self.device.host or version is not None:
            self._follower.heard(host, lambda: not self.device.connected, version)
            return
        now = time.monotonic()
        if (
            self.health.fault in (Fault.UNREACHABLE, Fault.STALLED)
            and now - self._tried_when_heard >= RETRY_WHEN_HEARD
        ):
            self._tried_when_heard = now
            LOGGER.debug("%s announces itself again: reconnecting now", self.name)
            self.device.reconnect()

    @callback
    def _set_issue(self, reason: str | None) -> None:
        self._issue.set(reason, self.device.health, f"{self.device.host}:{self.device.port}")

    # --- commands -----------------------------------------------------------------------

    async def async_set_dps(self, dps: dict[str, Any]) -> None:
        """Write DPs; returns once the device acknowledged them.

        Fails at once with a translated error when the device is not connected. The
        entities change when the device reports the new values, not on the ack.
        """
        try:
            await self.device.set_dps(dps)
        except TuyaError as err:
            raise translated_error(err, self.name) from err
