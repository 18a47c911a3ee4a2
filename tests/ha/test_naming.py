"""What devices are called (issue 19 items 3, 5 and 9): short Discovered card titles
that tell devices apart, the card of a device the account knows named as its dialog
names it, model names that tell with the category in words, and devices added by key
renamed once the linked account's list arrives (unless the user named them)."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from custom_components.tuya_lan.catalog import CATEGORY_WORDS, category_word
from custom_components.tuya_lan.const import (
    CONF_CATEGORY,
    CONF_DEVICE_ID,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_NAME,
    DOMAIN,
)
from custom_components.tuya_lan.entity import device_model
from custom_components.tuya_lan.naming import (
    MAX_CARD_NAME,
    MAX_CARD_WORD,
    address_order,
    card_title,
    telling_product_name,
)
from custom_components.tuya_lan.overrides import resolve_specs
from tuya_sim import SimulatedDevice
from tuya_sim.cloud import FakeTuyaCloud

from .common import add_account, closed_port
from .test_cloud import IDS, add_device, cloud, sims, unload_all

__all__ = ["cloud", "sims"]  # fixtures

DEVICE_ID = "bf35000000000000ac35"
PRODUCT_KEY = "keyjup8mxrs3vcqd"
# A Discovered card at 1280 px showed "simplugkey000000 ac35 (protocol 3…" (33
# characters) before it cut: titles stay within 30.
CARD_FITS = 30

PLUG = {"1": True, "9": 0, "18": 100, "19": 200, "20": 2300}


def test_card_titles_put_what_tells_devices_apart_first() -> None:
    # Without an account: the address's last part, the id's last four, then "Tuya".
    assert card_title(DEVICE_ID, "127.0.0.20") == ".20 · ac35 · Tuya"
    # ... the category in a word when it is known.
    assert card_title(DEVICE_ID, "127.0.0.20", category="cz") == ".20 · ac35 · Plug"
    # The account's name for the device first, then where it is.
    assert card_title(DEVICE_ID, "127.0.0.20", "Kettle") == "Kettle · .20"
    # A name that is only the id (the cloud has none) is no name.
    assert card_title(DEVICE_ID, "127.0.0.20", DEVICE_ID) == ".20 · ac35 · Tuya"
    # Only an address listens (it never announced itself).
    assert card_title(None, "127.0.0.20") == "127.0.0.20 · Tuya"
    # A host name instead of an address: its first label.
    assert card_title(DEVICE_ID, "lamp.example") == "lamp · ac35 · Tuya"


# A long address from a documentation range (RFC 5737): never contacted.
LONGEST_ADDRESS = "198.51.100.255"


@pytest.mark.parametrize(
    "title",
    [
        card_title(DEVICE_ID, LONGEST_ADDRESS, category="ggq"),
        card_title(DEVICE_ID, LONGEST_ADDRESS, "The big lamp in the living room by the window"),
        card_title(None, LONGEST_ADDRESS),
        card_title(DEVICE_ID, "a-very-long-host-name-indeed.example"),
    ],
)
def test_card_titles_fit_a_card(title: str) -> None:
    """The longest titles fit; the product key (20 characters of noise) is never one."""
    assert len(title) <= CARD_FITS
    assert PRODUCT_KEY not in title
    assert "protocol" not in title


def test_addresses_sort_as_numbers() -> None:
    """The pick list's order: .2 before .10 (as the cards' titles read), names last."""
    hosts = ["127.0.0.10", "device.local", "127.0.0.2", "192.0.2.1"]
    assert sorted(hosts, key=address_order) == [
        "127.0.0.2",
        "127.0.0.10",
        "192.0.2.1",
        "device.local",
    ]


def test_long_names_are_cut_with_an_ellipsis() -> None:
    title = card_title(DEVICE_ID, "127.0.0.7", "The big lamp in the living room")
    assert title == f"{'The big lamp in the living room'[: MAX_CARD_NAME - 1].rstrip()}… · .7"


def test_product_names_that_say_nothing() -> None:
    for nothing in ("Product demopl", "product_abc123", "Tuya", "Tuya device 2", "Device", "123"):
        assert telling_product_name(nothing) is None, nothing
    assert telling_product_name("keyjup8mxrs3vcqd v2", PRODUCT_KEY) is None
    for telling in ("Mini Smart Plug", "Kettle", "Smart Plug EU 16A", "Product Kettle Pro"):
        assert telling_product_name(telling, PRODUCT_KEY) == telling


def test_device_model_tells_and_shows_the_category() -> None:
    plug = resolve_specs(PLUG, {})
    nothing = resolve_specs({"5": "x"}, {})
    # The demo's cloud name says nothing: what the DPs say, as for a key-added plug.
    assert device_model(plug, "Product demopl", "cz") == "Smart plug with power metering"
    assert device_model(plug, "Product demopl") == device_model(plug, None)
    # A telling name stays, the category beside it unless the name says it.
    assert device_model(plug, "Mini Smart Plug", "cz") == "Mini Smart Plug"
    assert device_model(plug, "RGBCW E27", "dj") == "RGBCW E27 (Light)"
    assert device_model(plug, "SP-16", "pc") == "SP-16 (Power strip)"
    # Nothing known from the DPs: the category is the model.
    assert device_model(nothing, "Product demopl", "kt") == "Air conditioner"
    assert device_model(nothing, None, "not-a-category") == "Tuya device"


def test_category_words() -> None:
    for code, word in [
        ("cz", "Plug"),
        ("pc", "Power strip"),
        ("kg", "Switch"),
        ("dj", "Light"),
        ("cl", "Curtain"),
        ("fs", "Fan"),
        ("wk", "Thermostat"),
        ("kt", "Air conditioner"),
        ("qn", "Heater"),
    ]:
        assert category_word(code) == word
    assert category_word(None) is None
    assert category_word(["cz"]) is None
    assert all(word and len(word) <= MAX_CARD_WORD for word in CATEGORY_WORDS.values())


async def test_discovered_card_of_an_account_device_is_named_as_its_dialog(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """The card's title and the dialog say the account's name ("Plug 2"), not the
    product key; the device added from it gets a model that tells, and its category."""
    await add_account(hass, cloud.url)
    sim = sims[1]
    with closed_port() as nothing_there:
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": "integration_discovery"},
            data={
                CONF_DEVICE_ID: sim.device_id,
                "ip": "127.0.0.1",
                "version": "3.4",
                "port": nothing_there,
                CONF_PRODUCT_KEY: PRODUCT_KEY,
            },
        )
    assert result["step_id"] == "discovery_cloud"
    assert result["description_placeholders"]["name"] == "Plug 2"
    card = hass.config_entries.flow.async_get(result["flow_id"])
    assert card["context"]["title_placeholders"] == {"name": "Plug 2 · .1"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"advanced": {"port": sim.port}}
    )
    entry = result["result"]
    await hass.async_block_till_done()
    # The fake cloud's product name is "Product fakepr": it says nothing.
    assert entry.data[CONF_PRODUCT_NAME].startswith("Product ")
    assert entry.data[CONF_CATEGORY] == "cz"
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, sim.device_id), entry.entry_id
    )
    assert device is not None
    assert "Product" not in (device.model or "")
    assert device.model == device_model(entry.runtime_data.specs, None, "cz")
    await unload_all(hass)


async def test_a_title_an_older_version_gave_takes_the_account_name(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """Older versions titled a device by key "<product key> <id tail>": still a default
    name (not the user's), so the account's list renames it."""
    entry = await add_device(hass, sims[0])
    hass.config_entries.async_update_entry(
        entry,
        title=f"{PRODUCT_KEY} {IDS[0][-4:]}",
        data={**entry.data, CONF_PRODUCT_KEY: PRODUCT_KEY},
    )
    account = await add_account(hass, cloud.url)
    await account.runtime_data.async_devices()
    assert entry.title == "Plug 1"
    await unload_all(hass)


async def test_devices_added_by_key_take_the_account_name(
    hass: HomeAssistant, cloud: FakeTuyaCloud, sims: list[SimulatedDevice]
) -> None:
    """Linked later, the account's list renames devices still named by their id; a name
    the user gave the device, or the entry, stays."""
    plain, renamed_device, renamed_entry = [await add_device(hass, sim) for sim in sims]
    registry = dr.async_get(hass)
    hall = registry.async_get_device_by_identifier((DOMAIN, IDS[1]), renamed_device.entry_id)
    assert hall is not None
    registry.async_update_device(hall.id, name_by_user="Hall")
    hass.config_entries.async_update_entry(renamed_entry, title="My heater")

    account = await add_account(hass, cloud.url)
    await account.runtime_data.async_devices()

    assert plain.title == "Plug 1"
    plain_device = registry.async_get_device_by_identifier((DOMAIN, IDS[0]), plain.entry_id)
    assert plain_device is not None
    assert plain_device.name == "Plug 1"
    assert plain_device.name_by_user is None
    hall = registry.async_get_device_by_identifier((DOMAIN, IDS[1]), renamed_device.entry_id)
    assert hall is not None
    assert hall.name_by_user == "Hall"
    assert renamed_device.title == "Plug 2"
    assert renamed_entry.title == "My heater"
    await unload_all(hass)
