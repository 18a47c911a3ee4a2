"""The walk-through's last step: the demo user switches to Italian and reads Tuya LAN in it.

Kept apart from walkthrough.py's steps (which read the English texts); it runs last,
so the language it leaves set changes nothing else. What it expects on screen comes
from translations/it.json, so a translation reworded there needs no change here.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .walkthrough import Walk

from .walkthrough import PLUG35, REPO, TIMEOUT_MS, StepFailed

ITALIAN = json.loads(
    (REPO / "custom_components/tuya_lan/translations/it.json").read_text(encoding="utf-8")
)
ENGLISH = json.loads(
    (REPO / "custom_components/tuya_lan/translations/en.json").read_text(encoding="utf-8")
)
# A repair takes a few failed attempts (or ISSUE_AFTER_UNAVAILABLE) after the device
# drops; on a busy machine the reconnect backoff stretches that.
REPAIR_TIMEOUT = 2 * TIMEOUT_MS / 1000


def _unavailable_issue(walk: Walk) -> dict[str, Any] | None:
    """Tuya LAN's open "why unavailable" repair, if any."""
    issue: dict[str, Any] | None = walk.page.evaluate(
        """async () => {
            const hass = document.querySelector('home-assistant').hass;
            const {issues} = await hass.callWS({type: 'repairs/list_issues'});
            return issues.find((i) => i.domain === 'tuya_lan' && !i.ignored
                && i.translation_key.startsWith('unavailable_')) || null;
        }"""
    )
    return issue


def in_italian(walk: Walk) -> None:
    """Switch the user's language to Italian as the profile's picker does, open Tuya
    LAN's add dialog and read its menu in Italian, then take a device off the network
    and read its repair in Italian."""
    # The profile page's language picker fires this event; the frontend then loads the
    # language and saves it in the user's data on the server.
    walk.page.evaluate(
        """() => document.querySelector('home-assistant').dispatchEvent(
            new CustomEvent('hass-language-select',
                {detail: 'it', bubbles: true, composed: true}))"""
    )
    walk.wait_state("(hass) => hass.language === 'it' && hass.locale.language === 'it'")

    # A Tuya LAN dialog: the add menu, as My Home Assistant's "start a config flow" opens it.
    # Home Assistant first asks "Vuoi configurare Tuya LAN?" (its own text, in Italian too).
    walk.go("/config/integrations/dashboard/add?domain=tuya_lan")
    menu = ITALIAN["config"]["step"]["user"]["menu_options"]
    confirm = walk.page.locator("dialog-box").get_by_role("button", name="OK")
    first = walk.dialog().get_by_text(menu["local"], exact=True)
    confirm.or_(first).first.wait_for(timeout=TIMEOUT_MS)
    if confirm.is_visible():
        confirm.click()
    for text in (menu["local"], menu["developer"]):
        walk.dialog().get_by_text(text, exact=True).wait_for(timeout=TIMEOUT_MS)
    english = ENGLISH["config"]["step"]["user"]["menu_options"]["local"]
    if walk.dialog().get_by_text(english, exact=True).count():
        raise StepFailed("the add menu still shows English")
    walk.shot("italian-dialog")
    walk.page.keyboard.press("Escape")
    walk.dialog().wait_for(state="hidden", timeout=TIMEOUT_MS)

    # A repair: the Kettle goes off the network; its "why unavailable" issue, in Italian.
    mark = walk.demo.mark()
    walk.demo.command(f"offline {PLUG35['name']}")
    walk.demo.wait_for(rf"{PLUG35['id']} is offline", start=mark)
    deadline = time.monotonic() + REPAIR_TIMEOUT
    while not (issue := _unavailable_issue(walk)):
        if time.monotonic() > deadline:
            raise StepFailed(f"no repair {REPAIR_TIMEOUT:.0f} s after the Kettle went offline")
        time.sleep(0.5)  # polling Home Assistant's list for an event, not a fixed wait
    title = ITALIAN["issues"][issue["translation_key"]]["title"].format(
        **issue["translation_placeholders"]
    )
    walk.go("/config/repairs")
    walk.page.get_by_text(title, exact=True).first.wait_for(timeout=TIMEOUT_MS)
    walk.shot("italian-repair")
    # Opened, it explains itself in Italian too (its first paragraph; the last one is
    # the library's error, in English by design: it goes into bug reports).
    walk.page.get_by_text(title, exact=True).first.click()
    description = ITALIAN["issues"][issue["translation_key"]]["description"]
    first_paragraph = description.split("\n\n")[0].format(**issue["translation_placeholders"])
    walk.page.get_by_text(first_paragraph).first.wait_for(timeout=TIMEOUT_MS)
    walk.shot("italian-repair-opened")
    walk.page.keyboard.press("Escape")
    walk.demo.command(f"online {PLUG35['name']}")
