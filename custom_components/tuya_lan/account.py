"""The linked Tuya account: where local keys and data models come from, never control.

An account is its own config entry of this domain (``entry.data["entry_type"] ==
"account"``): a Smart Life app account linked by QR code (Tuya's official
``tuya-device-sharing-sdk``, blocking, so every call runs in the executor) or a Tuya
IoT developer project (the library's asyncio :class:`TuyaCloud`). Device entries never
depend on it: they keep their key and a cached copy of their model in their own data,
so removing the account, or the cloud being down, leaves every device working locally.

The accounts' common part is in account_base.py, the Smart Life one in
account_smart_life.py, what goes into the log in account_secrets.py, the account
entry's repair issue in account_repairs.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.hass_dict import HassKey

from .account_base import DEVICES_MAX_AGE, LinkedAccount
from .account_repairs import async_account_failed, async_account_ok
from .account_smart_life import SmartLifeAccount
from .const import (
    ACCOUNT_DEVELOPER,
    ACCOUNT_SMART_LIFE,
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ACCOUNT_KIND,
    CONF_CATEGORY,
    CONF_ENDPOINT,
    CONF_MODEL,
    CONF_PRODUCT_NAME,
    CONF_REGION,
    CONF_UID,
    DOMAIN,
)
from .entries import loaded_accounts
from .tuyalan import CloudDevice, CloudDeviceUnknownError, CloudError, TuyaCloud


def model_data(device: CloudDevice) -> dict[str, Any]:
    """What a device entry caches of its model (the keys shared with the entity side)."""
    return {
        CONF_CATEGORY: device.category,
        CONF_PRODUCT_NAME: device.product_name,
        CONF_MODEL: [dp.to_dict() for dp in device.model],
    }


class DeveloperAccount(LinkedAccount):
    """A Tuya IoT developer project (Access ID, Access Secret, data center)."""

    kind = ACCOUNT_DEVELOPER

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        super().__init__(hass)
        self.access_id: str = data[CONF_ACCESS_ID]
        self.uid: str | None = data.get(CONF_UID) or None
        self.cloud = TuyaCloud(
            data[CONF_ACCESS_ID],
            data[CONF_ACCESS_SECRET],
            **(
                {"endpoint": data[CONF_ENDPOINT]}
                if data.get(CONF_ENDPOINT)
                else {"region": data[CONF_REGION]}
            ),
            session=async_get_clientsession(hass),
        )

    @property
    def unique_id(self) -> str:
        return f"account_{self.access_id}"

    async def _fetch(self) -> tuple[CloudDevice, ...]:
        return await self.cloud.devices(self.uid)

    async def async_close(self) -> None:
        await self.cloud.close()


# The accounts whose flow listed the devices, by unique id, until their entry's client
# is made (one at most per account; taken by the next account_for).
_LISTED: HassKey[dict[str, LinkedAccount]] = HassKey(f"{DOMAIN}_listed")


def hand_over_listing(account: LinkedAccount) -> None:
    """Let the account entry's client start with the device list its flow fetched, so
    that its diagnostics count them at once."""
    account.hass.data.setdefault(_LISTED, {})[account.unique_id] = account


def account_for(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    on_token: Callable[[dict[str, Any]], None] | None = None,
) -> LinkedAccount:
    """The client for an account entry's data (nothing is sent yet)."""
    account: LinkedAccount = (
        SmartLifeAccount(hass, data, on_token)
        if data.get(CONF_ACCOUNT_KIND) == ACCOUNT_SMART_LIFE
        else DeveloperAccount(hass, data)
    )
    if (listed := hass.data.get(_LISTED, {}).pop(account.unique_id, None)) is not None:
        account.adopt_listing(listed)
    return account


async def async_find_device(
    hass: HomeAssistant, device_id: str, *, max_age: float = DEVICES_MAX_AGE
) -> CloudDevice:
    """The device from whichever linked account holds it.

    Raises CloudDeviceUnknownError when none does (or none is linked), else the first
    account's error when no account could answer; each failing account gets its repair
    issue.
    """
    accounts = loaded_accounts(hass)
    if not accounts:
        raise CloudDeviceUnknownError("no Tuya account is linked")
    first_error: CloudError | None = None
    for entry, account in accounts:
        try:
            device = await account.async_device(device_id, max_age=max_age)
        except CloudDeviceUnknownError:
            async_account_ok(hass, entry)
            continue
        except CloudError as err:
            async_account_failed(hass, entry, err)
            first_error = first_error or err
            continue
        async_account_ok(hass, entry)
        return device
    raise first_error or CloudDeviceUnknownError(f"no linked account holds device {device_id}")


def cached_device(hass: HomeAssistant, device_id: str) -> CloudDevice | None:
    """A device from the linked accounts' last fetch (no cloud request)."""
    for _, account in loaded_accounts(hass):
        if (device := account.cached(device_id)) is not None:
            return device
    return None
