"""What devices are called where a person reads it: the titles of Discovered cards,
whether the cloud's product name tells anything, and names kept in step with a
linked account once its device list arrives.

A Discovered card shows its title in about 30 characters at 1280 px before it is cut:
what tells devices apart comes first (the account's name for the device, else the
last part of its address and of its id), then what it is, in one word.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .catalog import category_word
from .const import CONF_PRODUCT_KEY, DOMAIN, LOGGER, SIGNAL_ACCOUNT_DEVICES
from .entries import is_account_entry
from .flow_proof import entry_title, legacy_entry_title
from .tuyalan import CloudDevice

# The longest name a card title starts with, and the longest word of what a device
# is; longer ones are cut with an ellipsis (a title stays within about 30 characters).
MAX_CARD_NAME: Final = 20
MAX_CARD_WORD: Final = 16
# Product names the cloud gives that say nothing about the product: "Product demopl",
# "Tuya device", "Device 1", "Unknown", "Default".
_SAYS_NOTHING: Final = re.compile(
    r"(?:product|device|tuya(?: device)?|smart device|unknown|default)(?:[\s_\-]+\w{1,16})?",
    re.IGNORECASE,
)


def address_tail(host: str) -> str:
    """What tells an address apart on a LAN: an IPv4 address's last part (".20"), else
    a host name's first label."""
    try:
        return "." + str(ipaddress.IPv4Address(host)).rsplit(".", 1)[1]
    except ValueError:
        return shorten(host.split(".", 1)[0], MAX_CARD_WORD)


def shorten(text: str, limit: int = MAX_CARD_NAME) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def address_order(host: str) -> tuple[int, int, str]:
    """Sort key: IPv4 addresses in numeric order (.2 before .10), anything else after."""
    try:
        return (0, int(ipaddress.IPv4Address(host)), host)
    except ValueError:
        return (1, 0, host)


def card_title(
    device_id: str | None, host: str, name: str | None = None, category: str | None = None
) -> str:
    """A Discovered card's title: "Kettle · .20" when a linked account names the device,
    else ".20 · ac35 · Plug" (the category in a word, "Tuya" when unknown); a device
    known only by its address (it listens, but never announced itself): the address."""
    if device_id is None:
        return f"{host} · Tuya"
    where = address_tail(host)
    if name and name != device_id:
        return f"{shorten(name)} · {where}"
    word = shorten(category_word(category) or "Tuya", MAX_CARD_WORD)
    return f"{where} · {device_id[-4:]} · {word}"


def telling_product_name(name: str | None, *codes: str | None) -> str | None:
    """The cloud's product name when it tells what the product is; None when it says
    nothing ("Product demopl", a product id or key given as a name, no letters)."""
    if not name or not any(char.isalpha() for char in name) or _SAYS_NOTHING.fullmatch(name):
        return None
    if any(code and code.lower() in name.lower() for code in codes):
        return None
    return name


@callback
def async_names_from_account(hass: HomeAssistant, devices: Iterable[CloudDevice]) -> None:
    """A linked account listed its devices: a device still named as it was without an
    account ("Tuya" or, saved by an older version, its product key; then its id tail)
    takes the account's name, for its entry and its device; a name the user gave
    (entry title or device name) is kept."""
    registry = dr.async_get(hass)
    for cloud in devices:
        entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, cloud.id)
        if entry is None or is_account_entry(entry) or cloud.name in (cloud.id, entry.title):
            continue
        defaults = {entry_title(cloud.id)}
        if product_key := entry.data.get(CONF_PRODUCT_KEY):
            defaults.add(legacy_entry_title(cloud.id, product_key))
        if entry.title not in defaults:
            continue  # the user named it
        LOGGER.info("%s is %s in the linked account: renamed", entry.title, cloud.name)
        device = registry.async_get_device_by_identifier((DOMAIN, cloud.id), entry.entry_id)
        if device is not None and device.name_by_user is None:
            registry.async_update_device(device.id, name=cloud.name)
        hass.config_entries.async_update_entry(entry, title=cloud.name)


@callback
def async_setup_names(hass: HomeAssistant) -> CALLBACK_TYPE:
    """Rename devices whenever a linked account's device list arrives."""

    @callback
    def listed(devices: tuple[CloudDevice, ...]) -> None:
        async_names_from_account(hass, devices)

    return async_dispatcher_connect(hass, SIGNAL_ACCOUNT_DEVICES, listed)
