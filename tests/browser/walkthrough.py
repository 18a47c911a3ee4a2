"""A newcomer's walk through the demo, in Debian's Chromium, driven by Playwright.

Run inside a private network namespace (see in_netns.py; test_browser.py does it):

    unshare --net python tests/browser/in_netns.py \\
        python -m tests.browser.walkthrough --out DIR

Starts the demo (``demo/run.py --fresh`` with its config under DIR), logs in, adds
devices, uses them, links the demo's fake cloud account and adds the rest with no key
typed, re-pairs one in the simulator and watches it heal, and checks each step against
Home Assistant's state and the simulated devices' own log. Saves a screenshot per
step in DIR/screenshots; prints one line per step. Exits non-zero at the first step
that fails, saying which, with the screenshot of the page at that moment.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, sync_playwright

from . import device_steps
from .common import TIMEOUT_MS, StepFailed

REPO = Path(__file__).resolve().parents[2]
SPEC = json.loads((REPO / "demo/devices.json").read_text())
DEVICES = {d["name"]: d for d in SPEC["devices"]}
PLUG33, PLUG35, STRIP34 = DEVICES["Desk lamp"], DEVICES["Kettle"], DEVICES["Office strip"]
LIGHT, CURTAIN = DEVICES["Ceiling light"], DEVICES["Bedroom curtain"]
THERMOSTAT, HUB = DEVICES["Thermostat"], DEVICES["Hub"]
OLD31 = DEVICES["Old lamp"]  # protocol 3.1
# The fake clouds know every device but the one re-keyed by tuya-cloudcutter.
IN_CLOUDS = [d for d in SPEC["devices"] if d.get("in_clouds", True)]
CUT_PLUG = next(d for d in SPEC["devices"] if not d.get("in_clouds", True))
# Added from the linked fake cloud account, with no key typed.
FROM_CLOUD = [d for d in IN_CLOUDS if d not in (PLUG33, PLUG35, STRIP34, OLD31)]
# The platform of a device's main entity, by its simulator profile (the hub's own:
# its Connection sensor).
MAIN_DOMAIN = {
    "plug": "switch",
    "plug_a": "switch",
    "strip": "switch",
    "bulb": "light",
    "curtain": "cover",
    "thermostat": "climate",
    "none": "sensor",
}
URL = "http://127.0.0.1:8123"
CHROMIUM = "/usr/bin/chromium"
# Headless Chromium as root, with nothing of Google's to reach (it would try even here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY_TIMEOUT = 240.0
# How long the Add integration dialog's list of integrations is held back (see
# Walk.add_integration): longer than typing the name takes, as on a busy machine.
SLOW_DESCRIPTIONS_MS = 3000
# What the forms say of a 3.1 key its plaintext status cannot prove (the error
# key_unproven; the words the older paragraph on every form used too). A form may
# name a device's protocol ("protocol 3.1") all the same.
PROTOCOL_31_PARAGRAPH = r"3\.1 sends its status unencrypted|cannot be checked|could not be proven"


class Demo:
    """The demo (demo/run.py) as a child process, its output in a file we can search."""

    def __init__(self, out: Path) -> None:
        self.log_path = out / "demo.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "demo/run.py", "--fresh", "--config", str(out / "config")],
            cwd=REPO,
            stdin=subprocess.PIPE,  # the demo's terminal: commands to the simulator
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 60.0, start: int = 0) -> re.Match[str]:
        """Wait until the demo's output (from offset `start`) matches `pattern`."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            if match := regex.search(self.text(), start):
                return match
            if self.process.poll() is not None:
                raise StepFailed(
                    f"the demo exited ({self.process.returncode}); see {self.log_path}"
                )
            if time.monotonic() > deadline:
                raise StepFailed(f"the demo never printed /{pattern}/; see {self.log_path}")
            time.sleep(0.1)  # polling a log file for an event, not a fixed wait

    def mark(self) -> int:
        return len(self.text())

    def command(self, line: str) -> None:
        """Type a line into the demo's terminal (the simulator reads it)."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        self.process.stdin.flush()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


class Walk:
    """The browser session and the steps of the walk-through."""

    def __init__(self, page: Page, demo: Demo, shots: Path) -> None:
        self.page = page
        self.demo = demo
        self.shots = shots
        self.count = 0
        self.titles: list[tuple[str, bool]] = []  # the Discovered cards' (title, cut off)

    # --- helpers ---------------------------------------------------------------------

    def shot(self, name: str) -> Path:
        self.count += 1
        path = self.shots / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=path, animations="disabled")  # opening dialogs: at rest
        return path

    def states(self) -> dict[str, Any]:
        return self.page.evaluate("() => document.querySelector('home-assistant').hass.states")

    def wait_state(self, condition: str, arg: Any = None) -> Any:
        """Wait until a JS predicate over hass (`(hass, arg) => ...`) holds; return it."""
        return self.page.wait_for_function(
            f"""(arg) => {{
                const ha = document.querySelector('home-assistant');
                const hass = ha && ha.hass;
                if (!hass || !hass.states) return false;
                return ({condition})(hass, arg);
            }}""",
            arg=arg,
            timeout=TIMEOUT_MS,
        ).json_value()

    def go(self, path: str) -> None:
        """Open a page of the app as its own links do (no reload, no launch screen)."""
        self.page.evaluate(
            """(path) => {
                history.pushState(null, '', path);
                window.dispatchEvent(
                    new CustomEvent('location-changed', {detail: {replace: false}}));
            }""",
            path,
        )

    def dialog(self) -> Locator:
        return self.page.locator("dialog-data-entry-flow")

    def entity_of(self, device_id: str, domain: str, name_part: str = "") -> str:
        """The entity id of a device's entity (by the Tuya device id in its unique id)."""
        return self.wait_state(
            """(hass, arg) => {
                const [id, domain, part] = arg;
                const found = Object.values(hass.entities).find(
                    (e) => e.entity_id.startsWith(domain + '.') && e.platform === 'tuya_lan'
                      && hass.devices[e.device_id]
                      && (hass.devices[e.device_id].identifiers || []).some((i) => i[1] === id)
                      && e.entity_id.includes(part));
                return found ? found.entity_id : false;
            }""",
            [device_id, domain, name_part],
        )

    def submit(self) -> None:
        self.dialog().get_by_role("button", name=re.compile("^(Submit|Next)$")).click()

    def error_shown(self, text: str) -> None:
        self.dialog().locator("ha-alert", has_text=re.compile(text)).wait_for(timeout=TIMEOUT_MS)

    def finish(self) -> None:
        """Close the flow's success dialog (Home Assistant offers to name the device)."""
        self.dialog().get_by_text("Name and assign").wait_for(timeout=TIMEOUT_MS)
        self.dialog().get_by_role("button", name=re.compile("finish", re.IGNORECASE)).click()
        self.dialog().wait_for(state="hidden", timeout=TIMEOUT_MS)

    def no_protocol_31_text(self, form: str) -> None:
        """Issue 19 item 4: what protocol 3.1 cannot prove is said on a 3.1 device's
        form only, never on a 3.3-3.5 device's."""
        text = self.dialog().evaluate(device_steps.DEEP_TEXT)
        if "key" not in text.lower():
            raise StepFailed(f"{form}: its text was not read ({text[:80]!r})")
        if found := re.search(PROTOCOL_31_PARAGRAPH, text):
            raise StepFailed(f"{form} speaks of protocol 3.1: ...{found[0]}...")

    def key_field(self) -> Locator:
        return self.dialog().locator("input[name=local_key]")

    def port_field(self) -> Locator:
        return self.dialog().locator("ha-form-integer input")

    def open_advanced(self) -> None:
        if not self.port_field().is_visible():
            self.dialog().get_by_text("Advanced", exact=True).click()
        self.port_field().wait_for(timeout=TIMEOUT_MS)

    # --- the steps -------------------------------------------------------------------

    def log_in(self) -> None:
        self.page.goto(URL)
        self.page.locator("input[name=username]").fill("demo")
        self.page.locator("input[name=password]").fill("demo")
        self.page.keyboard.press("Enter")
        self.wait_state("(hass) => hass.user && hass.user.name === 'demo'")
        self.page.locator("#ha-launch-screen").wait_for(state="detached", timeout=TIMEOUT_MS)
        self.shot("logged-in")

    def discovered_cards(self) -> None:
        self.wait_for_discovery_flows([device["id"] for device in SPEC["devices"]])
        self.go("/config/integrations/dashboard")
        for device in (PLUG33, PLUG35, STRIP34):
            # Issue 19 item 3: what tells devices apart first, and not cut at 1280 px.
            title = f".{device['host'].rsplit('.', 1)[1]} · {device['id'][-4:]} · Tuya"
            card = self.page.locator("ha-config-flow-card", has_text=title)
            card.wait_for(timeout=TIMEOUT_MS)
        self.measure_card_titles()
        # No modal (the demo's HTTP settings are confirmed) and no repair.
        if dialogs := self.page.get_by_role("dialog").filter(visible=True).all_inner_texts():
            raise StepFailed(f"{len(dialogs)} dialog(s) open after login: see the screenshot")
        issues = self.page.evaluate(
            """async () => (await document.querySelector('home-assistant').hass.callWS(
                {type: 'repairs/list_issues'})).issues.filter((i) => !i.ignored)"""
        )
        if issues:
            raise StepFailed(f"repairs shown: {[i['issue_id'] for i in issues]}")
        self.shot("discovered-cards")

    def wait_for_discovery_flows(self, device_ids: list[str]) -> None:
        """Wait until Home Assistant has a discovery flow for each device (an event: its
        flow subscription), before the integrations page is opened.

        Why: Home Assistant's frontend (2026.10) loses cards when flows are added while
        the page is loading the integration's translations: its subscription handler
        takes the list of flows before it awaits the translations and writes it back
        after, so of several "added" events in a burst only the last one's flow
        survives. The simulated devices all announce at the same moment, so their
        flows come as such a burst; opened after them, the page gets them in one list.
        """
        self.page.evaluate(
            """([ids, timeoutMs]) => new Promise((resolve, reject) => {
                const hass = document.querySelector('home-assistant').hass;
                const seen = new Set();
                let unsubscribe = null;
                let done = false;
                const finish = (error) => {
                    done = true;
                    if (unsubscribe) unsubscribe();
                    error ? reject(error) : resolve();
                };
                const timer = setTimeout(() => finish(new Error(
                    `no discovery flow for ${ids.filter((id) => !seen.has(id))}`)), timeoutMs);
                hass.connection.subscribeMessage((changes) => {
                    for (const change of changes) {
                        if (change.type !== 'removed') seen.add(change.flow.context.unique_id);
                    }
                    if (!done && ids.every((id) => seen.has(id))) {
                        clearTimeout(timer);
                        finish();
                    }
                }, {type: 'config_entries/flow/subscribe'}).then((unsub) => {
                    unsubscribe = unsub;
                    if (done) unsub();
                });
            })""",
            [device_ids, TIMEOUT_MS],
        )

    def measure_card_titles(self) -> None:
        """Issue 19 item 3: at 1280 px no Discovered card's title is cut off (its text
        fits its box: nothing overflows to an ellipsis or past a clamped line). Measured
        while the cards are all there; judged by the last step, card_titles_whole."""
        titles = self.page.locator("ha-config-flow-card ha-integration-action-card h2")
        titles.first.wait_for(timeout=TIMEOUT_MS)
        self.titles = [
            title.evaluate(
                """(el) => [el.textContent.trim(), el.scrollWidth > el.clientWidth
                            || el.scrollHeight > el.clientHeight + 1]"""
            )
            for title in titles.all()
        ]

    def card_titles_whole(self) -> None:
        cut = [text for text, overflowing in self.titles if overflowing]
        if not self.titles or cut:
            raise StepFailed(f"{len(cut)} of {len(self.titles)} card titles are cut off: {cut}")
        print(
            f"    {len(self.titles)} card titles, none cut off: {self.titles[0][0]!r}, ...",
            flush=True,
        )

    def card(self, device: dict[str, Any]) -> Locator:
        return self.page.locator("ha-config-flow-card", has_text=device["id"][-4:])

    def add_plug_from_card(self) -> None:
        self.card(PLUG33).get_by_role("button", name="Add").click()
        self.key_field().wait_for(timeout=TIMEOUT_MS)
        self.no_protocol_31_text("the 3.3 plug's add form")
        self.shot("add-dialog")
        self.key_field().fill("0123456789abcdef")  # a wrong key
        self.submit()
        self.error_shown("rejects the local key")
        self.no_protocol_31_text("the 3.3 plug's add form, a wrong key")
        if self.key_field().input_value() != "0123456789abcdef":
            raise StepFailed("the key typed was emptied after the error")
        self.shot("wrong-key")
        self.key_field().fill(PLUG33["key"])
        self.open_advanced()
        self.port_field().fill("6669")  # nothing listens there
        self.submit()
        self.error_shown("Check the port under Advanced")
        if not self.port_field().is_visible():
            raise StepFailed("Advanced collapsed after the error")
        self.shot("wrong-port")
        self.port_field().fill(str(PLUG33["port"]))
        self.submit()
        self.finish()

    def device_page(self, device: dict[str, Any]) -> None:
        entity = self.entity_of(device["id"], "switch")
        device_id = self.wait_state("(hass, e) => hass.entities[e].device_id", entity)
        self.go(f"/config/devices/device/{device_id}")
        self.page.locator("ha-config-device-page").wait_for(timeout=TIMEOUT_MS)

    def toggle_switch(self) -> None:
        self.device_page(PLUG33)
        switch = self.entity_of(PLUG33["id"], "switch")
        self.wait_state("(hass, e) => hass.states[e].state === 'on'", switch)
        toggle = self.page.locator("ha-config-device-page ha-switch").first
        mark = self.demo.mark()
        toggle.click()
        self.demo.wait_for(rf'{PLUG33["id"]}: a client set \{{"1": false\}}', start=mark)
        self.wait_state("(hass, e) => hass.states[e].state === 'off'", switch)
        self.shot("switched-off")
        mark = self.demo.mark()
        toggle.click()
        self.demo.wait_for(rf'{PLUG33["id"]}: a client set \{{"1": true\}}', start=mark)
        self.wait_state("(hass, e) => hass.states[e].state === 'on'", switch)

    def countdown(self) -> None:
        switch = self.entity_of(PLUG33["id"], "switch")
        number = self.entity_of(PLUG33["id"], "number", "countdown")
        box = self.page.locator("ha-config-device-page hui-number-entity-row input").first
        box.fill("10")
        mark = self.demo.mark()
        box.press("Enter")
        self.demo.wait_for(rf'{PLUG33["id"]}: a client set \{{"9": 10\}}', start=mark)
        self.wait_state(
            "(hass, e) => hass.states[e].attributes.switches_at", number
        )  # it says when
        # Beside it, on the device page, a timestamp the frontend counts down to.
        switches_at = self.entity_of(PLUG33["id"], "sensor", "switches_at")
        self.wait_state(
            "(hass, e) => !isNaN(Date.parse(hass.states[e].state))"
            " && hass.entities[e].entity_category == null",
            switches_at,
        )
        self.page.locator("ha-config-device-page", has_text="Switches at").wait_for(
            timeout=TIMEOUT_MS
        )
        self.shot("countdown-set")
        # Issue 19 item 7: the time left shows, and moves, while the countdown runs.
        left = self.page.locator("hui-sensor-entity-row", has_text="Switches at").locator(
            "hui-timestamp-display"
        )
        left.wait_for(timeout=TIMEOUT_MS)
        first = left.evaluate(device_steps.DEEP_TEXT)
        if not re.search(r"\d+ seconds?", first):
            raise StepFailed(f"the countdown's time left reads {first!r}")
        self.page.wait_for_function(
            f"([el, first]) => {{ const text = ({device_steps.DEEP_TEXT})(el);"
            " return text !== first && /\\d+ seconds?/.test(text); }",
            arg=[left.element_handle(), first],
            timeout=TIMEOUT_MS,
        )
        then = left.evaluate(device_steps.DEEP_TEXT)
        if re.search(rf"{PLUG33['id']}: switched by itself", self.demo.text()[mark:]):
            raise StepFailed("the time left moved only after the countdown ended")
        print(f"    time left: {first!r}, then {then!r}", flush=True)
        self.demo.wait_for(rf'{PLUG33["id"]}: switched by itself \{{"1": false\}}', start=mark)
        self.wait_state("(hass, e) => hass.states[e].state === 'off'", switch)
        self.wait_state("(hass, e) => hass.states[e].state === 'unknown'", switches_at)
        self.shot("countdown-done")

    def electrical(self) -> None:
        values = {}
        for kind in ("power", "current", "voltage"):
            entity = self.entity_of(PLUG33["id"], "sensor", kind)
            # The relay was just switched on again: wait for the load to show.
            values[kind] = float(
                self.wait_state(
                    "(hass, e) => parseFloat(hass.states[e].state) > 0 && hass.states[e].state",
                    entity,
                )
            )
        if not (200 <= values["voltage"] <= 260 and values["power"] > 0 and values["current"] > 0):
            raise StepFailed(f"implausible values for a 60 W load at 230 V: {values}")
        print(f"    power/current/voltage: {values}", flush=True)
        self.shot("device-page")

    def open_add_menu(self) -> None:
        """Add integration > Tuya LAN, past Home Assistant's list of discovered devices,
        to the integration's menu."""
        self.go("/config/integrations/dashboard")
        self.add_integration("tuya_lan", "Tuya LAN")
        # Home Assistant's own step first while discovered devices wait: it lists them.
        another = self.page.get_by_text(re.compile("Set up another instance of Tuya LAN"))
        menu = self.dialog().get_by_text("Link a Tuya IoT developer project")
        another.or_(menu).first.wait_for(timeout=TIMEOUT_MS)
        if another.is_visible():
            another.click()
        menu.wait_for(timeout=TIMEOUT_MS)

    def add_integration(self, domain: str, name: str) -> None:
        """Add integration, type `name` in the dialog's search box, and click the
        integration once the dialog's list is loaded and filtered down to it.

        Why: the dialog (dialog-add-integration, frontend 2026.10 chunk 93012.*.js,
        ``_renderAll`` and ``_load``) shows its search box at once but its list only
        once the ``integration/descriptions`` websocket call has answered, which takes
        seconds on a busy machine. A locator of the text alone then found the page
        behind the modal dialog (the dashboard's Tuya LAN card header), and Playwright
        retried the click on that element, covered by the dialog, until the step
        timed out ("<dialog-add-integration> intercepts pointer events"). So the wait
        is for the dialog's own list, scoped to the dialog, with `domain` first.

        The answer is held back SLOW_DESCRIPTIONS_MS here, so every run opens the
        dialog as a busy machine does (a locator of the text alone fails every time).
        """
        self.page.evaluate(
            """(delayMs) => {
                const connection = document.querySelector('home-assistant').hass.connection;
                if ('tuyaSlowed' in connection) return;  // once per page
                connection.tuyaSlowed = 0;
                const send = connection.sendMessagePromise.bind(connection);
                connection.sendMessagePromise = (message) => {
                    if (message.type !== 'integration/descriptions') return send(message);
                    connection.tuyaSlowed += 1;
                    return new Promise((later) => setTimeout(later, delayMs)).then(
                        () => send(message));
                };
            }""",
            SLOW_DESCRIPTIONS_MS,
        )
        slowed = self.page.evaluate(
            "() => document.querySelector('home-assistant').hass.connection.tuyaSlowed"
        )
        self.page.get_by_role("button", name="Add integration").click()
        dialog = self.page.locator("dialog-add-integration")
        dialog.locator("ha-input-search input").fill(name)
        self.page.wait_for_function(
            """([dialog, domain]) => {
                const list = dialog.shadowRoot.querySelector('ha-list-virtualized');
                return !!list && (list.rows || [])[0]?.domain === domain;
            }""",
            arg=[dialog.element_handle(), domain],
            timeout=TIMEOUT_MS,
        )
        if (
            self.page.evaluate(
                "() => document.querySelector('home-assistant').hass.connection.tuyaSlowed"
            )
            <= slowed
        ):
            raise StepFailed(
                "the Add integration dialog no longer asks integration/descriptions: "
                "see add_integration's comment and make it wait for what it loads now"
            )
        dialog.locator("ha-integration-list-item").filter(
            has=self.page.get_by_text(name, exact=True)
        ).first.click()

    def add_plug_through_add_integration(self) -> None:
        self.open_add_menu()
        # The integration's menu: a device on the network, or a linked account.
        menu = self.dialog().get_by_text("A device on my network (I know its local key)")
        self.shot("add-menu")
        menu.click()
        option = self.dialog().get_by_text(re.compile(rf"{PLUG35['id'][-4:]} \(protocol 3\.5"))
        option.wait_for(timeout=TIMEOUT_MS)
        self.shot("pick-list")
        option.click()
        self.submit()
        self.key_field().wait_for(timeout=TIMEOUT_MS)
        self.no_protocol_31_text("the 3.5 plug's add form")
        self.key_field().fill(PLUG35["key"])
        self.submit()
        self.finish()
        self.entity_of(PLUG35["id"], "switch")

    def add_31_from_card(self) -> None:
        """Issue 19 item 4, the other side: a 3.1 device's form, given a key its
        plaintext status cannot prove, is the one that explains protocol 3.1."""
        self.go("/config/integrations/dashboard")
        self.card(OLD31).get_by_role("button", name="Add").click()
        self.key_field().wait_for(timeout=TIMEOUT_MS)
        self.no_protocol_31_text("the 3.1 plug's add form before a key is given")
        self.key_field().fill("0123456789abcdef")  # a wrong key
        self.submit()
        self.error_shown(PROTOCOL_31_PARAGRAPH)
        self.shot("protocol-31")
        self.key_field().fill(OLD31["key"])
        self.submit()  # the right key: proven by a write that changes nothing
        self.finish()
        switch = self.entity_of(OLD31["id"], "switch")
        self.wait_state("(hass, e) => hass.states[e].state === 'on'", switch)

    def add_strip_from_card(self) -> None:
        self.go("/config/integrations/dashboard")
        self.card(STRIP34).get_by_role("button", name="Add").click()
        self.key_field().wait_for(timeout=TIMEOUT_MS)
        self.key_field().fill(STRIP34["key"])
        self.submit()
        self.finish()
        self.device_page(STRIP34)
        self.page.get_by_text("Switch 4 countdown").first.wait_for(timeout=TIMEOUT_MS)
        self.shot("strip")

    def already_added(self, name: str) -> None:
        """The account's list says the device is added: an item of the bulleted list
        under "Already added:"."""
        self.dialog().get_by_text("Already added:", exact=True).wait_for(timeout=TIMEOUT_MS)
        self.dialog().locator("li").get_by_text(name, exact=True).wait_for(timeout=TIMEOUT_MS)

    def configure(self) -> None:
        self.go("/config/integrations/integration/tuya_lan")
        row = self.page.locator("ha-config-entry-row", has_text=f"Tuya {PLUG33['id'][-4:]}").first
        row.get_by_role("button", name=re.compile("Configure|Options", re.IGNORECASE)).click()
        self.dialog().get_by_text("Edit a data point").wait_for(timeout=TIMEOUT_MS)
        self.shot("configure")
        self.page.keyboard.press("Escape")
        self.dialog().wait_for(state="hidden", timeout=TIMEOUT_MS)

    def diagnostics(self, out: Path) -> None:
        self.go("/config/integrations/integration/tuya_lan")
        row = self.page.locator("ha-config-entry-row", has_text=f"Tuya {PLUG33['id'][-4:]}").first
        row.get_by_role("button", name="Menu").first.click()  # the entry's, then the device's
        with self.page.expect_download(timeout=TIMEOUT_MS) as download:
            self.page.locator("ha-dropdown-item", has_text="Download diagnostics").filter(
                visible=True
            ).first.click()
        path = out / "diagnostics.json"
        download.value.save_as(path)
        text = path.read_text()
        if PLUG33["key"] in text or json.dumps(PLUG33["key"])[1:-1] in text:
            raise StepFailed("the local key is in the diagnostics")
        if "REDACTED" not in text:
            raise StepFailed("nothing is redacted in the diagnostics")
        print(f"    diagnostics: {len(text)} bytes, local key redacted", flush=True)

    def link_cloud_account(self) -> None:
        """Link the demo's fake developer project: every simulated device is listed,
        the ones not added yet are ticked, and one Submit adds them with their keys."""
        project = SPEC["cloud"]
        url = re.search(r"Endpoint (http://\S+)", self.demo.text())
        if url is None:
            raise StepFailed("the demo did not print the fake cloud's endpoint")
        self.open_add_menu()
        self.dialog().get_by_text("Link a Tuya IoT developer project").click()
        self.dialog().locator("input[name=access_id]").fill(project["access_id"])
        self.dialog().locator("input[name=access_secret]").fill(project["access_secret"])
        self.dialog().get_by_text("Advanced", exact=True).click()
        self.dialog().locator("input[name=endpoint]").fill(url[1])
        self.shot("link-developer-project")
        self.submit()
        # Every simulated device: the ones added by hand before, and the rest offered
        # as heard on the LAN (address and version). Locators see into shadow roots.
        for device in (PLUG33, PLUG35, STRIP34):
            self.already_added(device["name"])
        for device in FROM_CLOUD:
            offer = f"{device['name']} ({device['host']}, {device['version']})"
            self.dialog().get_by_text(offer, exact=True).wait_for(timeout=TIMEOUT_MS)
        # The hub's children are offered too (through the hub, with no address of
        # their own): ticked here when the form does not tick them already.
        for child in HUB["children"]:
            box = self.dialog().locator("ha-checkbox", has_text=child["name"])
            box.wait_for(timeout=TIMEOUT_MS)
            if not box.evaluate("(el) => el.checked"):
                print(f"    {child['name']}: not ticked by the form, ticked here", flush=True)
                box.click()
                self.page.wait_for_function("(el) => el.checked", arg=box.element_handle())
        self.shot("account-devices")
        self.submit()  # the heard devices are ticked already
        self.dialog().get_by_role("button", name=re.compile("finish", re.IGNORECASE)).click()
        self.dialog().wait_for(state="hidden", timeout=TIMEOUT_MS)
        for device in FROM_CLOUD:
            entity = self.entity_of(device["id"], MAIN_DOMAIN[device["profile"]])
            self.wait_state("(hass, e) => hass.states[e].state !== 'unavailable'", entity)
        self.go("/config/integrations/integration/tuya_lan")
        self.page.locator("ha-config-entry-row", has_text=FROM_CLOUD[0]["name"]).first.wait_for(
            timeout=TIMEOUT_MS
        )
        self.shot("added-from-account")

    def key_heals(self) -> None:
        """Re-pair a device in the simulator: its new key comes from the linked account
        by itself, and the switch works again."""
        device = FROM_CLOUD[0]
        switch = self.entity_of(device["id"], "switch")
        self.device_page(device)
        self.wait_state("(hass, e) => hass.states[e].state !== 'unavailable'", switch)
        # Every repair raised or changed while the key heals (there must be none).
        self.page.evaluate(
            """async () => {
                window.tuyaIssueEvents = [];
                await document.querySelector('home-assistant').hass.connection.subscribeEvents(
                    (event) => window.tuyaIssueEvents.push(event.data),
                    'repairs_issue_registry_updated');
            }"""
        )
        # And what a user sees: the Settings badge (repairs and updates) never counts
        # more than before while the key heals (issue 19 item 1).
        self.watch_badge()
        mark = self.demo.mark()
        self.demo.command(f"rekey {device['name']}")
        self.demo.wait_for(rf"rekeyed {device['id']}: its new local key", start=mark)
        self.demo.wait_for(rf"{device['name']} has a new local key", start=mark, timeout=120)
        self.wait_state("(hass, e) => hass.states[e].state !== 'unavailable'", switch)
        flows = self.page.evaluate(
            """async () => (await document.querySelector('home-assistant').hass.callWS(
                {type: 'config_entries/flow/progress'})).filter(
                    (f) => f.handler === 'tuya_lan' && f.context.source === 'reauth')"""
        )
        if flows:
            raise StepFailed("a reauthentication was started instead of healing")
        raised = self.page.evaluate(
            "() => window.tuyaIssueEvents.filter((d) => d.domain === 'tuya_lan'"
            " && d.action !== 'remove')"
        )
        if raised:
            raise StepFailed(f"a repair flashed while the key healed: {raised}")
        badge = self.badge_seen()
        if badge["seen"]:
            raise StepFailed(f"the Settings badge counted {badge} while the key healed")
        issues = self.page.evaluate(
            """async () => (await document.querySelector('home-assistant').hass.callWS(
                {type: 'repairs/list_issues'})).issues.filter((i) => i.domain === 'tuya_lan')"""
        )
        if issues:
            raise StepFailed(f"repairs listed after the key healed: {issues}")
        toggle = self.page.locator("ha-config-device-page ha-switch").first
        before = self.wait_state("(hass, e) => hass.states[e].state", switch)
        mark = self.demo.mark()
        toggle.click()
        value = "false" if before == "on" else "true"
        self.demo.wait_for(rf'{device["id"]}: a client set \{{"1": {value}\}}', start=mark)
        self.shot("healed")

    def watch_badge(self) -> None:
        """Count what the sidebar's Settings badge (repairs and updates) shows above
        its present count, every 50 ms, until badge_seen()."""
        self.page.evaluate(
            """() => {
                const find = (root) => {
                    for (const el of root.querySelectorAll('*')) {
                        if (el.localName === 'ha-sidebar') return el;
                        const inner = el.shadowRoot && find(el.shadowRoot);
                        if (inner) return inner;
                    }
                    return null;
                };
                const sidebar = find(document);
                const count = () => {
                    const badge = sidebar.shadowRoot.querySelector('#sidebar-config .badge');
                    return badge ? parseInt(badge.textContent.trim(), 10) : 0;
                };
                window.tuyaBadge = {before: count(), seen: []};
                window.tuyaBadgeTimer = setInterval(() => {
                    const now = count();
                    if (now > window.tuyaBadge.before) window.tuyaBadge.seen.push(now);
                }, 50);
            }"""
        )

    def badge_seen(self) -> dict[str, Any]:
        """Stop watching the badge: its count before, and every higher count seen."""
        seen: dict[str, Any] = self.page.evaluate(
            "() => { clearInterval(window.tuyaBadgeTimer); return window.tuyaBadge; }"
        )
        return seen

    def offline_repair(self) -> None:
        """A device that goes away raises its repair, which the Settings badge counts
        (the watch that finds no repair while a key heals sees this one), and the
        repair goes by itself when the device is back."""
        device = PLUG35
        switch = self.entity_of(device["id"], "switch")
        self.watch_badge()
        mark = self.demo.mark()
        self.demo.command(f"offline {device['name']}")
        self.demo.wait_for(rf"{device['id']} is offline", start=mark)
        self.wait_state("(hass, e) => hass.states[e].state === 'unavailable'", switch)
        self.page.wait_for_function("() => window.tuyaBadge.seen.length > 0", timeout=TIMEOUT_MS)
        badge = self.badge_seen()
        issues = self.page.evaluate(
            """async () => (await document.querySelector('home-assistant').hass.callWS(
                {type: 'repairs/list_issues'})).issues.filter((i) => i.domain === 'tuya_lan')"""
        )
        if not issues:
            raise StepFailed(f"the badge counted {badge}, but no Tuya LAN repair is listed")
        self.go("/config/repairs")
        # Named as its entry is (added by key: its product key and the id's end).
        self.page.locator(
            "ha-config-repairs", has_text=re.compile(rf"{device['id'][-4:]} cannot be reached")
        ).first.wait_for(timeout=TIMEOUT_MS)
        self.shot("offline-repair")
        mark = self.demo.mark()
        self.demo.command(f"online {device['name']}")
        self.demo.wait_for(rf"{device['id']} is online again", start=mark)
        self.wait_state("(hass, e) => hass.states[e].state !== 'unavailable'", switch)
        self.page.wait_for_function(
            """async () => (await document.querySelector('home-assistant').hass.callWS(
                {type: 'repairs/list_issues'})).issues.every((i) => i.domain !== 'tuya_lan')""",
            timeout=TIMEOUT_MS,
            polling=250,
        )
        print(f"    badge while offline: {badge}", flush=True)

    def link_smart_life(self) -> None:
        """Link the demo's fake Smart Life account: User Code, QR code (approved by
        itself a few seconds after it shows), and the same devices listed, all added."""
        user_code = SPEC["smart_life"]["user_code"]
        self.open_add_menu()
        self.dialog().get_by_text("Link my Smart Life app account (QR code)").click()
        self.dialog().locator("input[name=user_code]").fill(user_code)
        self.submit()
        self.dialog().get_by_text("Scan the QR code with the Smart Life app").wait_for(
            timeout=TIMEOUT_MS
        )
        self.shot("smart-life-qr")
        # As a person would: Submit until the app approved the scan (the demo's fake
        # approves it a few seconds after the QR code was made). Each answer of Home
        # Assistant's flow API says which: the QR step again, or the account's devices.
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            with self.page.expect_response(
                lambda r: "/api/config/config_entries/flow/" in r.url and r.request.method == "POST"
            ) as answer:
                self.submit()
            step = answer.value.json()
            if step.get("step_id") == "account_devices":
                break
            if step.get("errors") != {"base": "cloud_qr_pending"}:
                raise StepFailed(
                    f"the QR step answered {step.get('step_id')}: {step.get('errors')}"
                )
            if time.monotonic() > deadline:
                raise StepFailed("the QR code was never approved")
        for device in [*IN_CLOUDS, *HUB["children"]]:
            self.already_added(device["name"])
        self.shot("smart-life-devices")
        self.submit()
        self.dialog().get_by_role("button", name=re.compile("finish", re.IGNORECASE)).click()
        self.dialog().wait_for(state="hidden", timeout=TIMEOUT_MS)
        self.go("/config/integrations/integration/tuya_lan")
        self.page.locator("ha-config-entry-row", has_text="Smart Life:").first.wait_for(
            timeout=TIMEOUT_MS
        )


def run(out: Path) -> int:
    from .italian import in_italian  # here: it imports this module's helpers

    shots = out / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"screenshots: {shots}", flush=True)
    demo = Demo(out)
    browser: Browser | None = None
    walk: Walk | None = None
    try:
        demo.wait_for("Home Assistant is ready", timeout=READY_TIMEOUT)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            if (throttle := float(os.environ.get("TUYA_LAN_BROWSER_SLOWDOWN") or 1)) > 1:
                # A slower browser, to shake out the frontend's races (Chromium's CPU
                # emulation: N times slower), e.g. TUYA_LAN_BROWSER_SLOWDOWN=4.
                context.new_cdp_session(page).send(
                    "Emulation.setCPUThrottlingRate", {"rate": throttle}
                )
                print(f"the browser's CPU {throttle:g} times slower", flush=True)
            walk = Walk(page, demo, shots)
            steps: list[tuple[str, Callable[[], None]]] = [
                ("log in", walk.log_in),
                ("Discovered cards, no modal", walk.discovered_cards),
                ("add the 3.3 plug from its card (wrong key, wrong port)", walk.add_plug_from_card),
                ("toggle the switch", walk.toggle_switch),
                ("power, current, voltage", walk.electrical),
                ("countdown turns the relay off", walk.countdown),
                ("add the 3.5 plug through Add integration", walk.add_plug_through_add_integration),
                ("add the 3.4 strip from its card", walk.add_strip_from_card),
                ("protocol 3.1 explained on a 3.1 device's form only", walk.add_31_from_card),
                ("Configure", walk.configure),
                ("download diagnostics", lambda: walk.diagnostics(out) if walk else None),
                (
                    "add a device from its tuya-cloudcutter key file, no account",
                    lambda: device_steps.cloudcutter(walk, CUT_PLUG) if walk else None,
                ),
                ("link the fake cloud, add the rest, no key typed", walk.link_cloud_account),
                (
                    "light: brightness and colour",
                    lambda: device_steps.light(walk, LIGHT) if walk else None,
                ),
                ("cover: position", lambda: device_steps.cover(walk, CURTAIN) if walk else None),
                (
                    "thermostat: target temperature",
                    lambda: device_steps.thermostat(walk, THERMOSTAT) if walk else None,
                ),
                (
                    "the hub's children, devices of their own",
                    lambda: device_steps.gateway_children(walk, HUB) if walk else None,
                ),
                ("a re-paired device heals by itself", walk.key_heals),
                ("link the fake Smart Life account by QR code", walk.link_smart_life),
                ("a device that goes away: its repair, and back", walk.offline_repair),
                ("Discovered card titles whole at 1280 px", walk.card_titles_whole),
                ("in Italian: the add dialog and a repair", lambda: in_italian(walk)),
            ]
            for name, step in steps:
                began = time.monotonic()
                try:
                    step()
                except Exception as err:
                    failed = walk.shot("FAILED")
                    print(f"FAILED: {name}: {err}", flush=True)
                    traceback.print_exc()
                    print(f"screenshot of the failure: {failed}", flush=True)
                    return 1
                print(f"ok  {name} ({time.monotonic() - began:.1f} s)", flush=True)
            browser.close()
    finally:
        demo.stop()
    print(f"walk-through passed in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="where logs and screenshots go")
    args = parser.parse_args()
    sys.exit(run(args.out.resolve()))


if __name__ == "__main__":
    main()
