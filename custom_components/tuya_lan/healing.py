"""Keys that heal: a device that rejects its key gets the new one from the linked account.

The key is proven through the device's own session (:meth:`TuyaDevice.try_key`), never
with a second connection beside it: a device that takes one client would refuse the
second as busy, and the proof would fail on a device that has the key.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback

from .account import async_find_device, model_data
from .const import CONF_DEVICE_ID, CONF_LOCAL_KEY, CONF_NO_CLOUD, DOMAIN, LOGGER
from .entries import loaded_accounts
from .tuyalan import CloudError, TuyaDevice, TuyaError

# Key healing asks the linked account at most this often: a device that keeps
# rejecting its key while the cloud cannot help must not ask the cloud at every
# reconnect. Past the limit the user is asked (reauth), as when healing fails.
HEAL_MAX_ASKS: Final = 3
HEAL_WINDOW: Final = 600.0


@contextlib.asynccontextmanager
async def paused_session(entry: ConfigEntry) -> AsyncIterator[None]:
    """While a form proves a key for ``entry``'s device, the entry's own session (if
    it is loaded) lets go of the device: many devices take one client, and the form's
    connection would otherwise be refused as busy. It reconnects at once after."""
    if entry.state is not ConfigEntryState.LOADED:
        yield
        return
    async with entry.runtime_data.async_paused():
        yield


class KeyHealer:
    """Fetches one device's new key from the linked account, proves it with the
    device, and stores it in the entry (with the device's model)."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, name: str) -> None:
        self._hass = hass
        self._entry = entry
        self._name = name
        self._asks: list[float] = []  # when the linked account was asked (monotonic)

    def _may_ask_the_cloud(self) -> bool:
        """Whether the linked account may be asked now (and count it)."""
        now = time.monotonic()
        self._asks = [t for t in self._asks if now - t < HEAL_WINDOW]
        if len(self._asks) >= HEAL_MAX_ASKS:
            return False
        self._asks.append(now)
        return True

    async def async_heal(self, device: TuyaDevice) -> bool:
        """Whether ``device`` now has a proven new key (stored in the entry)."""
        if self._entry.data.get(CONF_NO_CLOUD):
            return False  # cut free of the cloud: no account knows this device's key
        if (fetched := await self._async_fetch_key(device.device_id)) is None:
            return False
        new_key, model = fetched
        try:
            await device.try_key(new_key)
        except (TuyaError, OSError) as err:
            LOGGER.info(
                "%s: the key from the linked account does not open the device either (%s)",
                self._name,
                err or type(err).__name__,
            )
            return False
        entry = self._entry
        data = {**entry.data, CONF_LOCAL_KEY: new_key}
        data.update(model)
        self._hass.config_entries.async_update_entry(entry, data=data)
        LOGGER.info(
            "%s has a new local key (re-paired?): fetched it from the linked account, "
            "proved it with the device, and reconnected",
            self._name,
        )
        return True

    async def _async_fetch_key(self, device_id: str) -> tuple[str, dict[str, Any]] | None:
        """A new key from the linked account and the entry data of the device's model,
        or None (the reason logged)."""
        if not self._may_ask_the_cloud():
            LOGGER.info(
                "%s: the linked account was asked for a new key %d times in %d minutes; "
                "not again for now",
                self._name,
                HEAL_MAX_ASKS,
                HEAL_WINDOW // 60,
            )
            return None
        try:
            found = await async_find_device(self._hass, device_id, max_age=0)
            if found.id != device_id:
                # Not this device's key, whatever the cloud says.
                raise CloudError("the linked account answered for another device")
            if not found.local_key:
                raise CloudError("the linked account has no local key for this device")
            if found.local_key == self._entry.data[CONF_LOCAL_KEY]:
                raise CloudError("the linked account has the same key")
        except CloudError as err:
            LOGGER.info("%s: the linked account cannot give a new key: %s", self._name, err)
            return None
        except Exception:
            # Healing is a convenience: whatever went wrong, the user is asked instead.
            LOGGER.exception("%s: unexpected error while asking the linked account", self._name)
            return None
        return found.local_key, model_data(found) if found.model else {}


class KeyCare:
    """What follows when one device's key is in question: the linked account's key,
    proven with the device (a heal), else the user asked (reauth); a reauth that the
    device then proves needless is aborted."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        device: TuyaDevice,
        *,
        on_change: Callable[[], None],
        on_heal_failed: Callable[[], None],
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._device = device
        self._healer = KeyHealer(hass, entry, entry.title)
        self._on_change = on_change  # a heal ended (the health's listeners are told)
        self._on_heal_failed = on_heal_failed  # not healed, the device still away
        self.healing = False  # a key is being fetched from the linked account
        self.reauth_started = False

    async def async_heal_at_setup(self) -> bool:
        """Whether the linked account's key opened the device (re-paired while Home
        Assistant was off)."""
        return bool(loaded_accounts(self._hass)) and await self._healer.async_heal(self._device)

    @callback
    def key_at_fault(self) -> None:
        """The key is suspect: heal it with a linked account, else ask the user."""
        if self.reauth_started or self.healing:
            return
        if loaded_accounts(self._hass):
            self.healing = True
            self._entry.async_create_background_task(
                self._hass, self._async_heal(), f"{DOMAIN} heal {self._entry.data[CONF_DEVICE_ID]}"
            )
        else:
            self._start_reauth()

    @callback
    def recovered(self) -> None:
        """The device took the key after all (it was busy, or has its old key again):
        a reauth started is aborted."""
        if not self.reauth_started:
            return
        self.reauth_started = False
        for flow in self._entry.async_get_active_flows(self._hass, {SOURCE_REAUTH}):
            self._hass.config_entries.flow.async_abort(flow["flow_id"])

    @callback
    def _start_reauth(self) -> None:
        self.reauth_started = True
        LOGGER.warning(
            "%s rejects its local key (was the device re-paired?); re-authentication is required",
            self._entry.title,
        )
        self._entry.async_start_reauth(self._hass)

    async def _async_heal(self) -> None:
        """Prove the linked account's key with the device, or ask the user (reauth)."""
        try:
            healed = await self._healer.async_heal(self._device)
        finally:
            self.healing = False
            self._on_change()
        if healed or self._device.connected:
            return
        # Not healed (no key, the cloud asked too often, the key disproven): the
        # repair says why the device is away, and the user is asked.
        self._on_heal_failed()
        if not self.reauth_started:
            self._start_reauth()
