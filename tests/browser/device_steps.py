"""Steps of the walk-through beyond plugs: a light, a cover, a thermostat and a
gateway's children set in Home Assistant's own controls, each checked against what
the simulated device was told (the demo's log) and what it reports back; and a
device added from its tuya-cloudcutter key file with no account.

Every wait ends when its event happens (a log line, a state, an element), within the
walk-through's generous timeout: the machine may be busy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import TIMEOUT_MS, StepFailed

if TYPE_CHECKING:
    from .walkthrough import Walk

# The text of an element and everything in its shadow roots (inner_text() stops at a
# shadow host).
DEEP_TEXT = """(el) => {
    const walk = (node) => {
        let text = '';
        for (const child of (node.shadowRoot ? [node.shadowRoot, ...node.childNodes]
                                             : node.childNodes)) {
            text += child.nodeType === Node.TEXT_NODE ? child.textContent : walk(child);
        }
        return text;
    };
    return walk(el).replace(/\\s+/g, ' ').trim();
}"""


def deep_text(walk: Walk, selector: str) -> str:
    """The text of the first element `selector` finds, shadow roots included."""
    locator = walk.page.locator(selector).first
    locator.wait_for(timeout=TIMEOUT_MS)
    text: str = locator.evaluate(DEEP_TEXT)
    return text


def client_set(walk: Walk, device_id: str, dp: str, start: int) -> Any:
    """Wait for the simulated device to log a write of `dp`; its value (JSON)."""
    match = walk.demo.wait_for(
        rf'{device_id}: a client set (\{{[^\n]*"{dp}": [^\n]*\}})', start=start
    )
    return json.loads(match[1])[dp]


def open_more_info(walk: Walk, entity: str) -> None:
    """Open an entity's dialog, as a click on it anywhere in the UI does."""
    walk.page.evaluate(
        """(entityId) => document.querySelector('home-assistant').dispatchEvent(
            new CustomEvent('hass-more-info', {detail: {entityId}, bubbles: true,
                                               composed: true}))""",
        entity,
    )
    # Its host element has no box of its own: the controls inside show it is open.
    walk.page.locator("ha-more-info-dialog").wait_for(state="attached", timeout=TIMEOUT_MS)


def close_more_info(walk: Walk, control: str) -> None:
    """Close the dialog (Escape, as a user may); `control`: a control it showed."""
    walk.page.keyboard.press("Escape")
    walk.page.locator(f"ha-more-info-dialog {control}").first.wait_for(
        state="hidden", timeout=TIMEOUT_MS
    )


def slider(walk: Walk, control: str) -> Any:
    """The keyboard-driven slider of a more-info control (Home Assistant's own)."""
    found = walk.page.locator(f"ha-more-info-dialog {control} [role=slider]").first
    found.wait_for(timeout=TIMEOUT_MS)
    return found


def light(walk: Walk, device: dict[str, Any]) -> None:
    """Brightness up one step and a favourite colour, from the light's dialog: the
    bulb gets the brightness DP and the colour (HHHHSSSSVVVV) in colour mode, and
    Home Assistant shows what the bulb reports back."""
    entity = walk.entity_of(device["id"], "light")
    walk.wait_state("(hass, e) => hass.states[e].state === 'on'", entity)
    before = walk.wait_state("(hass, e) => hass.states[e].attributes.brightness", entity)
    open_more_info(walk, entity)
    brightness = slider(walk, "ha-state-control-light-brightness")
    brightness.focus()
    mark = walk.demo.mark()
    brightness.press("PageUp")  # +10 % of the range, sent when the key is let go
    raw = client_set(walk, device["id"], "22", mark)
    if not isinstance(raw, int) or not 500 < raw <= 1000:
        raise StepFailed(f"brightness up from 500 (of 10-1000) was sent as {raw!r}")
    walk.wait_state(
        "(hass, arg) => hass.states[arg[0]].attributes.brightness > arg[1]", [entity, before]
    )
    walk.shot("light-brightness")
    # Home Assistant's favourite colours: colour temperatures first, then colours; the
    # last is rgb (255, 110, 84), hue about 9 degrees.
    colours = walk.page.locator(
        "ha-more-info-dialog ha-more-info-light-favorite-colors ha-favorite-color-button"
    )
    colours.last.wait_for(timeout=TIMEOUT_MS)
    mark = walk.demo.mark()
    colours.last.click()
    colour = client_set(walk, device["id"], "24", mark)
    hue, saturation = int(colour[0:4], 16), int(colour[4:8], 16)
    if not (3 <= hue <= 16 and 550 <= saturation <= 800):
        raise StepFailed(f"rgb (255, 110, 84) was sent as {colour} (hue {hue}, sat {saturation})")
    walk.wait_state(
        "(hass, e) => hass.states[e].attributes.color_mode === 'hs'"
        " && Math.abs(hass.states[e].attributes.hs_color[0] - 9.4) < 6",
        entity,
    )
    walk.demo.wait_for(rf'{device["id"]}: a client set [^\n]*"21": "colour"', start=mark)
    walk.shot("light-colour")
    close_more_info(walk, "ha-more-info-light-favorite-colors")


def cover(walk: Walk, device: dict[str, Any]) -> None:
    """Open the curtain fully with its position slider: the motor is told 0 (Tuya's
    0 is open), moves, and Home Assistant follows it to 100."""
    entity = walk.entity_of(device["id"], "cover")
    walk.wait_state(
        "(hass, e) => hass.states[e].attributes.current_position === 0", entity
    )  # the demo's curtain starts closed
    open_more_info(walk, entity)
    position = slider(walk, "ha-state-control-cover-position")
    position.focus()
    mark = walk.demo.mark()
    position.press("End")
    raw = client_set(walk, device["id"], "2", mark)
    if raw != 0:
        raise StepFailed(f"position 100 (open) was sent as percent_control {raw!r}, not 0")
    walk.shot("cover-moving")
    # 10 % a second: it reports its way there, and Home Assistant follows.
    walk.wait_state("(hass, e) => hass.states[e].attributes.current_position === 100", entity)
    walk.wait_state("(hass, e) => hass.states[e].state === 'open'", entity)
    walk.shot("cover-open")
    close_more_info(walk, "ha-state-control-cover-position")


def thermostat(walk: Walk, device: dict[str, Any]) -> None:
    """Target temperature +1 °C with the dialog's + button (two steps of 0.5): the
    thermostat gets temp_set 220 (x10) and Home Assistant shows 22 as the target."""
    entity = walk.entity_of(device["id"], "climate")
    walk.wait_state("(hass, e) => hass.states[e].attributes.temperature === 21", entity)
    open_more_info(walk, entity)
    plus = walk.page.locator(
        "ha-more-info-dialog ha-state-control-climate-temperature ha-outlined-icon-button"
    ).nth(1)
    plus.wait_for(timeout=TIMEOUT_MS)
    mark = walk.demo.mark()
    plus.click()
    plus.click()  # the dialog sends the target once the clicks stop
    walk.demo.wait_for(rf'{device["id"]}: a client set [^\n]*"2": 220\b', start=mark)
    walk.wait_state("(hass, e) => hass.states[e].attributes.temperature === 22", entity)
    walk.shot("thermostat")
    close_more_info(walk, "ha-state-control-climate-temperature")


def gateway_children(walk: Walk, hub: dict[str, Any]) -> None:
    """The hub's children are devices of their own, through the hub: on the hub's
    page, and each with its own page; the plug switches through the hub's session,
    and the sensor shows its temperature."""
    connection = walk.entity_of(hub["id"], "sensor")
    hub_device = walk.wait_state("(hass, e) => hass.entities[e].device_id", connection)
    names = sorted(child["name"] for child in hub["children"])
    found = walk.wait_state(
        """(hass, arg) => {
            const [hub, names] = arg;
            const through = Object.values(hass.devices)
                .filter((d) => d.via_device_id === hub).map((d) => d.name).sort();
            return JSON.stringify(through) === JSON.stringify(names) && through;
        }""",
        [hub_device, names],
    )
    print(f"    through the hub: {found}", flush=True)
    walk.go(f"/config/devices/device/{hub_device}")
    for name in names:
        walk.page.locator("ha-config-device-page", has_text=name).wait_for(timeout=TIMEOUT_MS)
    walk.shot("hub-page")
    plug, sensor = hub["children"]
    temperature = walk.entity_of(sensor["cid"], "sensor", "temperature")
    value = float(
        walk.wait_state(
            "(hass, e) => !isNaN(parseFloat(hass.states[e].state)) && hass.states[e].state",
            temperature,
        )
    )
    if not 15.0 <= value <= 30.0:
        raise StepFailed(f"the garden sensor says {value} °C (the simulator: 20-23 °C)")
    switch = walk.entity_of(plug["cid"], "switch")
    walk.wait_state("(hass, e) => hass.states[e].state === 'on'", switch)
    plug_device = walk.wait_state("(hass, e) => hass.entities[e].device_id", switch)
    walk.go(f"/config/devices/device/{plug_device}")
    walk.page.locator("ha-config-device-page", has_text=hub["name"]).wait_for(
        timeout=TIMEOUT_MS
    )  # "Connected via Hub"
    mark = walk.demo.mark()
    walk.page.locator("ha-config-device-page ha-switch").first.click()
    walk.demo.wait_for(
        rf'{hub["id"]}: a client set \{{"1": false\}} of sub-device {plug["cid"]}', start=mark
    )
    walk.wait_state("(hass, e) => hass.states[e].state === 'off'", switch)
    walk.shot("hub-child")


# What tuya-cloudcutter wrote for the demo's "Cut plug" (configured-devices/<uuid>
# .deviceconfig): the README tells the user to paste it.
KEY_FILE = Path(__file__).resolve().parents[2] / "demo" / "cut-plug.deviceconfig"


def cloudcutter(walk: Walk, device: dict[str, Any]) -> None:
    """The demo's device re-keyed by tuya-cloudcutter (a key the user owns, which no
    cloud knows): its key file pasted into the flow, and it works: no account,
    nothing else typed."""
    text = KEY_FILE.read_text()
    if json.loads(text)["local_key"] != device["key"] or device["id"] not in text:
        raise StepFailed(f"{KEY_FILE.name} is not the key file of {device['name']}")
    walk.open_add_menu()
    walk.dialog().get_by_text(re.compile("tuya-cloudcutter key file")).first.click()
    field = walk.dialog().locator("textarea").first
    field.wait_for(timeout=TIMEOUT_MS)
    field.fill(text)
    walk.shot("cloudcutter-key-file")
    walk.submit()
    walk.finish()
    switch = walk.entity_of(device["id"], "switch")
    walk.wait_state("(hass, e) => hass.states[e].state === 'on'", switch)
    walk.device_page(device)
    mark = walk.demo.mark()
    walk.page.locator("ha-config-device-page ha-switch").first.click()
    walk.demo.wait_for(rf'{device["id"]}: a client set \{{"1": false\}}', start=mark)
    walk.wait_state("(hass, e) => hass.states[e].state === 'off'", switch)
    walk.shot("cloudcutter-device")
