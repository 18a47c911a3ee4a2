"""The Home Assistant side of one device's session.

The library's :class:`TuyaDevice` keeps the device connected (heartbeats, reconnects
with backoff, paced commands) and reports every change; this coordinator turns those
reports into Home Assistant's terms: entity data and availability, a slow safety
re-query, a repair issue that says why the device is unavailable, and reauthentication
when the device's key changed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util.hass_dict import HassKey

from .account import async_find_device, loaded_accounts, model_data
from .const import (
    CONF_CATEGORY,
    CONF_DEVICE_ID,
    CONF_DPS,
    CONF_LEARNED,
    CONF_LOCAL_KEY,
    CONF_MODEL,
    CONF_PROTOCOL_VERSION,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
    SAFETY_REFRESH_INTERVAL,
)
from .errors import AUTH_FAULTS, exception_key, translated_error
from .mapping import Descriptions, build_descriptions
from .overrides import parse_learned, parse_model, resolve, store_learned
from .tuyalan import (
    CloudError,
    ConnectLimiter,
    DeviceUpdate,
    Fault,
    HandshakeDroppedError,
    Health,
    TuyaDevice,
    TuyaError,
    WrongKeyError,
    probe,
)
from .tuyalan.dpmap import DpKind, DpSpec, finish, from_numbers, is_dp_id

type TuyaLanConfigEntry = ConfigEntry[TuyaLanCoordinator]

# One cap per Home Assistant on the sessions opening at the same moment: hundreds of
# devices connecting together (start-up, the network back) would stall the event loop.
CONNECT_LIMITER: HassKey[ConnectLimiter] = HassKey(f"{DOMAIN}_connect_limiter")

# Failed attempts in a row before an unavailable device gets a repair issue (with the
# backoff of 1, 2, 4 s that is about 7 s down): a device that comes straight back, as
# after a WiFi hiccup, does not raise one. Proof of a wrong key raises it at once.
ATTEMPTS_BEFORE_ISSUE = 3
# How long entities stay available after the session ends: many devices close their
# socket every few minutes and take a new connection at once (the library reconnects
# at once after such a close). Only a device not back within this is unavailable.
AVAILABILITY_GRACE: Final = 3.0  # seconds

# Why setup failed (a retry follows), by the fault the attempt showed.
SETUP_FAILED: Final[dict[Fault | None, str]] = {
    Fault.BUSY: "setup_busy",
    Fault.UNREACHABLE: "setup_unreachable",
    Fault.STALLED: "setup_stalled",
    Fault.PROTOCOL: "setup_protocol",
    None: "setup_protocol",
}
# The repair issue that says why a device is unavailable, by the reason found.
UNAVAILABLE_ISSUES: Final = {
    "busy": "unavailable_busy",
    "key": "unavailable_key",
    "moved": "unavailable_moved",
    "unreachable": "unavailable_unreachable",
    "protocol": "unavailable_protocol",
}


# A device that still hangs up on the old key's retries may be busy for a moment when
# the new key is tried: a few attempts.
PROVE_ATTEMPTS: Final = 3
PROVE_RETRY_DELAY: Final = 0.5
# Key healing asks the linked account at most this often: a device that keeps
# rejecting its key while the cloud cannot help must not ask the cloud at every
# reconnect. Past the limit the user is asked (reauth), as when healing fails.
HEAL_MAX_ASKS: Final = 3
HEAL_WINDOW: Final = 600.0


async def prove_key(host: str, port: int, device_id: str, local_key: str, version: str) -> None:
    """A handshake and a status read with ``local_key``; raises the library's error.

    On 3.1 (plaintext status) the key must also be proven by the device's report of a
    same-value write: KeyUnprovenError otherwise, and nothing is healed on it.
    """
    await probe(
        host,
        device_id,
        local_key,
        version,
        port=port,
        busy_retries=PROVE_ATTEMPTS - 1,
        retry_delay=PROVE_RETRY_DELAY,
        require_proof=True,
    )


def _model_dp_ids(stored: Any) -> list[int]:
    """The DP ids of the cached data model (what parse_model would read; no warning)."""
    if not isinstance(stored, list):
        return []
    found = (item.get("dp_id") for item in stored if isinstance(item, Mapping))
    return [dp for dp in found if isinstance(dp, int) and not isinstance(dp, bool)]


def unavailable_issue_id(entry_id: str) -> str:
    """The repair issue of an entry's unavailable device."""
    return f"unavailable_{entry_id}"


class TuyaLanCoordinator(DataUpdateCoordinator[DeviceUpdate]):
    """Holds one device's DPs and connection health, fed by its supervised session."""

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
        self.device = self._make_device(data[CONF_LOCAL_KEY])
        self.specs: dict[str, DpSpec] = {}
        # The entity descriptions of the specs, built once (and added to as later
        # readings prove DPs): every platform takes its own from here.
        self.descriptions = Descriptions()
        self.model_notes: dict[str, str] = {}  # model scales the readings contradicted
        self._has_model = False
        self._descriptions_listeners: list[Callable[[Descriptions], None]] = []
        self._energy_dps: frozenset[str] = frozenset()
        self._health_listeners: list[Callable[[], None]] = []
        self._was_connected = False
        self._published = False  # whether the first refresh handed out data
        self._reauth_started = False
        self._key_proven_wrong = False
        self._issue: str | None = None  # the reason of the open repair issue
        self._healing = False  # a key is being fetched from the linked account
        self.availability_grace = AVAILABILITY_GRACE
        self._grace: CALLBACK_TYPE | None = None  # cancels the pending "unavailable"
        self._lost_error: str | None = None
        # Sessions that ended and came back within the grace: not outages (diagnostics).
        self.quick_reconnects = 0
        self._heal_asks: list[float] = []  # when the linked account was asked (monotonic)
        self._warned_not_dps = False  # ids that cannot be DPs were reported (logged once)

    def _make_device(self, local_key: str) -> TuyaDevice:
        return TuyaDevice(
            self.host,
            self.device_id,
            local_key,
            self.version,
            port=self.port,
            on_update=self._on_update,
            on_health=self._on_health,
            # A device22 is asked DP by DP: the model's DPs are asked from the start.
            dp_ids=_model_dp_ids(self.config_entry.data.get(CONF_MODEL)),
            connect_limiter=self.hass.data.setdefault(CONNECT_LIMITER, ConnectLimiter()),
        )

    @property
    def health(self) -> Health:
        """The connection's latest snapshot."""
        return self.device.health

    # --- setup and the safety re-query ------------------------------------------------

    async def _async_setup(self, *, healed: bool = False) -> None:
        """Open the first session (during the first refresh)."""
        try:
            update = await self.device.connect()
        except Exception as err:
            await self.device.close()
            if isinstance(err, WrongKeyError | HandshakeDroppedError) and (
                self.device.health.fault in AUTH_FAULTS
            ):
                # Re-paired while Home Assistant was off: the linked account may know.
                if not healed and (new_key := await self._async_fetch_key()) is not None:
                    self.device = self._make_device(new_key)
                    await self._async_setup(healed=True)
                    return
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN,
                    translation_key="invalid_auth",
                    translation_placeholders={"name": self.name},
                ) from err
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=SETUP_FAILED[self.device.health.fault],
                translation_placeholders={"name": self.name, "error": str(err)},
            ) from err
        self._note_not_dps(update.dps)
        data = self.config_entry.data
        category = data.get(CONF_CATEGORY)
        model = parse_model(data.get(CONF_MODEL))
        self._has_model = bool(model)
        resolved = resolve(
            dict(update.dps),
            self.config_entry.options.get(CONF_DPS, {}),
            category=category if isinstance(category, str) else None,
            model=model,
            learned=parse_learned(data.get(CONF_LEARNED)),
        )
        self.specs = resolved.specs
        self.descriptions = build_descriptions(self.specs)
        self.model_notes = resolved.notes
        for dp, note in resolved.notes.items():
            LOGGER.warning("%s: DP %s: %s", self.name, dp, note)
        self._keep_proved(resolved.proved)
        self._energy_dps = frozenset(
            dp for dp, spec in self.specs.items() if spec.kind is DpKind.ENERGY
        )
        self._was_connected = True

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
        """Supervise the session, once the first refresh succeeded."""
        self.device.start()

    async def async_shutdown(self) -> None:
        """Close the session on unload; no task, timer or socket is left behind."""
        await super().async_shutdown()
        if self._grace is not None:
            self._grace()
            self._grace = None
        await self.device.close()
        self._set_issue(None)

    # --- the device's reports -----------------------------------------------------------

    @callback
    def _on_update(self, update: DeviceUpdate) -> None:
        if not self._published:
            return  # the first refresh has not published yet; it takes the latest state
        if update.pushed and self._key_proven_wrong:
            # A push decrypted with the key: on 3.1 (whose status reads in plaintext
            # with any key) the first sign that the key is right again.
            self._key_proven_wrong = False
            self._recovered()
        if not update.changed and not (update.pushed.keys() & self._energy_dps):
            return  # nothing any entity shows
        self._note_not_dps(update.changed)
        self._promote(update)
        self.async_set_updated_data(update)

    @callback
    def _note_not_dps(self, dp_ids: Iterable[str]) -> None:
        """Say once per device that it reports ids that cannot be DPs (Tuya's are
        1-255): they get no entity, and a device that keeps sending them is not worth
        a log line per push."""
        if self._warned_not_dps:
            return
        if bad := [dp for dp in dp_ids if not is_dp_id(dp)]:
            self._warned_not_dps = True
            LOGGER.warning(
                "%s reports %d ids that cannot be DPs (Tuya's are 1-255), such as %s; "
                "they get no entity",
                self.name,
                len(bad),
                repr(bad[0][:20]),
            )

    # --- what later readings prove (no model) ------------------------------------------

    @callback
    def _keep_proved(self, proved: dict[str, DpSpec]) -> None:
        """Store what the numbering rule proved: it keeps that kind from now on."""
        if not proved:
            return
        entry = self.config_entry
        learned = {**parse_learned(entry.data.get(CONF_LEARNED)), **proved}
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_LEARNED: store_learned(learned)}
        )

    @callback
    def _promote(self, update: DeviceUpdate) -> None:
        """A reading that proves a raw DP (a load on a meter, an idle countdown) gives
        it its entity now; a DP with a kind keeps it."""
        if self._has_model or not any(
            (spec := self.specs.get(dp)) is None or spec.kind is DpKind.RAW for dp in update.changed
        ):
            return
        proved = {
            dp: found
            for dp, found in from_numbers(update.dps).items()
            if (spec := self.specs.get(dp)) is None
            or (spec.kind is DpKind.RAW and not spec.overridden)
        }
        if not proved:
            return
        new = {dp: finish(dp, found) for dp, found in proved.items()}
        LOGGER.info("%s: readings now prove DPs %s", self.name, ", ".join(sorted(new)))
        self.specs.update(new)
        self._energy_dps |= {dp for dp, spec in new.items() if spec.kind is DpKind.ENERGY}
        self._keep_proved(proved)
        added = build_descriptions(new)
        self.descriptions.extend(added)
        for listener in list(self._descriptions_listeners):
            listener(added)

    @callback
    def async_add_descriptions_listener(
        self, listener: Callable[[Descriptions], None]
    ) -> Callable[[], None]:
        """Call ``listener`` with the descriptions of DPs that later readings proved."""
        self._descriptions_listeners.append(listener)
        return lambda: self._descriptions_listeners.remove(listener)

    @callback
    def _on_health(self, health: Health) -> None:
        if not self._published:
            return  # setup reports its own errors
        if health.connected != self._was_connected:
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
                    logging.DEBUG if self._key_proven_wrong else logging.INFO,
                    "Reconnected to %s (%s:%s)",
                    self.name,
                    self.host,
                    self.port,
                )
                self._recovered()
            elif (
                self.availability_grace > 0
                and not self._key_proven_wrong
                and health.fault is not Fault.WRONG_KEY
            ):
                self._lost_error = health.error
                self._grace = async_call_later(self.hass, self.availability_grace, self._grace_over)
            else:
                self._lost_error = health.error
                self._unavailable()
            if health.fault is Fault.WRONG_KEY:
                self._attempt_failed(health)  # a 3.1 push we cannot decrypt: proof
        elif not health.connected and health.failures:
            self._attempt_failed(health)
        for listener in list(self._health_listeners):
            listener()

    @callback
    def _grace_over(self, _now: Any) -> None:
        self._grace = None
        if not self.device.connected:
            self._unavailable()

    @callback
    def _unavailable(self) -> None:
        """The device is away (past the grace, or with proof of a wrong key)."""
        # After proof of a wrong 3.1 key every push ends the session: warned once.
        LOGGER.log(
            logging.DEBUG if self._key_proven_wrong else logging.WARNING,
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
        if self.last_update_success:
            self.last_update_success = False
            self.async_update_listeners()

    @callback
    def async_add_health_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` on every change of the connection's health."""
        self._health_listeners.append(listener)
        return lambda: self._health_listeners.remove(listener)

    @callback
    def _recovered(self) -> None:
        if self.version != "3.1":
            # A 3.3+ session opens only with the right key: any proof is out of date.
            self._key_proven_wrong = False
        if not self._key_proven_wrong:
            # On 3.1 a wrong key still reads the plaintext status, and loses the session
            # at each encrypted push: the issue stays until the key changes.
            self._set_issue(None)
        if self._reauth_started and not self._key_proven_wrong:
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
        if fault is Fault.WRONG_KEY:
            self._key_proven_wrong = True
            if self._grace is not None:  # proof: no point waiting out the grace
                self._grace()
                self._grace = None
                self._unavailable()
        if fault in AUTH_FAULTS and not self._reauth_started and not self._healing:
            if loaded_accounts(self.hass):
                self._healing = True
                self.config_entry.async_create_background_task(
                    self.hass, self._async_heal(), f"{DOMAIN} heal {self.device_id}"
                )
            else:
                self._start_reauth()
        if fault is Fault.WRONG_KEY or health.failures >= ATTEMPTS_BEFORE_ISSUE:
            self._set_issue(self._reason(fault))

    @callback
    def _start_reauth(self) -> None:
        self._reauth_started = True
        LOGGER.warning(
            "%s rejects its local key (was the device re-paired?); re-authentication is required",
            self.name,
        )
        self.config_entry.async_start_reauth(self.hass)

    # --- keys that heal -------------------------------------------------------------------

    async def _async_heal(self) -> None:
        """Fetch the device's key from the linked account and reconnect with it, or ask
        the user (reauth) when the account cannot help."""
        try:
            new_key = await self._async_fetch_key()
        finally:
            self._healing = False
        if new_key is None:
            if not self.device.connected and not self._reauth_started:
                self._start_reauth()
            return
        self._key_proven_wrong = False
        self.device.reconnect(local_key=new_key)

    def _may_ask_the_cloud(self) -> bool:
        """Whether key healing may ask the linked account now (and count it)."""
        now = time.monotonic()
        self._heal_asks = [t for t in self._heal_asks if now - t < HEAL_WINDOW]
        if len(self._heal_asks) >= HEAL_MAX_ASKS:
            return False
        self._heal_asks.append(now)
        return True

    async def _async_fetch_key(self) -> str | None:
        """A key from the linked account, proven by a handshake and a status read, and
        stored in the entry (with the device's model); None when there is none such."""
        entry = self.config_entry
        current = entry.data[CONF_LOCAL_KEY]
        if not self._may_ask_the_cloud():
            LOGGER.info(
                "%s: the linked account was asked for a new key %d times in %d minutes; "
                "not again for now",
                self.name,
                HEAL_MAX_ASKS,
                HEAL_WINDOW // 60,
            )
            return None
        try:
            found = await async_find_device(self.hass, self.device_id, max_age=0)
            new_key = found.local_key
            if found.id != self.device_id:
                # Not this device's key, whatever the cloud says.
                raise CloudError("the linked account answered for another device")
            if not new_key:
                raise CloudError("the linked account has no local key for this device")
            if new_key == current:
                raise CloudError("the linked account has the same key")
        except CloudError as err:
            LOGGER.info("%s: the linked account cannot give a new key: %s", self.name, err)
            return None
        except Exception:
            # Healing is a convenience: whatever went wrong, the user is asked instead.
            LOGGER.exception("%s: unexpected error while asking the linked account", self.name)
            return None
        try:
            await prove_key(self.device.host, self.port, self.device_id, new_key, self.version)
        except (TuyaError, OSError) as err:
            LOGGER.info(
                "%s: the key from the linked account does not open the device either (%s)",
                self.name,
                err or type(err).__name__,
            )
            return None
        data = {**entry.data, CONF_LOCAL_KEY: new_key}
        if found.model:
            data.update(model_data(found))
        self.hass.config_entries.async_update_entry(entry, data=data)
        LOGGER.info(
            "%s has a new local key (re-paired?): fetched it from the linked account, "
            "proved it with the device, and reconnected",
            self.name,
        )
        return new_key

    def _reason(self, fault: Fault | None) -> str:
        """Why the device is unavailable, from the evidence (a key of UNAVAILABLE_ISSUES)."""
        if fault is Fault.UNREACHABLE or fault is Fault.STALLED:
            from .discovery import heard_ip  # noqa: PLC0415 - discovery imports us

            heard = heard_ip(self.hass, self.device_id)
            return "moved" if heard is not None and heard != self.device.host else "unreachable"
        if fault in AUTH_FAULTS:
            return "key"
        if fault is Fault.BUSY:
            return "busy"
        return "protocol"

    @callback
    def _set_issue(self, reason: str | None) -> None:
        """Raise, change or withdraw the entry's "why unavailable" repair issue."""
        if reason == self._issue:
            return
        issue_id = unavailable_issue_id(self.config_entry.entry_id)
        self._issue = reason
        if reason is None:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        health = self.device.health
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=UNAVAILABLE_ISSUES[reason],
            translation_placeholders={
                "name": self.name,
                "host": f"{self.device.host}:{self.device.port}",
                "error": health.error or "",
            },
        )

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
