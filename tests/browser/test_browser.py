"""End to end in a real browser: the demo, driven in Debian's Chromium by Playwright.

The walk-through (walkthrough.py) runs in a private network namespace (in_netns.py):
Home Assistant, the simulated devices and the browser get a loopback of their own, so
nothing else on the machine can hold their ports or see them. It needs root (for
``unshare --net``) and /usr/bin/chromium, which scripts/env installs into the test
environment; without either the test fails, saying so, rather than skipping. A
developer without root deselects it by its marker: ``scripts/test -m "not browser"``.

Screenshots of every step go to ``$TUYA_LAN_SCREENSHOTS`` when set (the README's
pictures come from ``docs/screenshots``), else under the test's tmp dir; the path is
printed, and kept when the test fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_walkthrough_in_browser(tmp_path: Path) -> None:
    """Log in, see the cards, add three devices (with wrong key and port), toggle,
    countdown, read power, Configure, download diagnostics: all in the browser."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is not installed: scripts/env installs it into the test "
            "environment (see ~/.cache/tuya_lan/chromium.log)"
        )
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        pytest.fail("the browser test runs as root with unshare and ip (a private network)")
    out = Path(os.environ.get("TUYA_LAN_SCREENSHOTS") or tmp_path / "walkthrough").resolve()
    if out.exists():
        shutil.rmtree(out / "config", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            "unshare",
            "--net",
            sys.executable,
            str(REPO / "tests/browser/in_netns.py"),
            sys.executable,
            "-m",
            "tests.browser.walkthrough",
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    print(result.stdout)
    print(f"screenshots and the demo's log: {out}")
    log = out / "demo.log"
    assert result.returncode == 0, (
        f"the walk-through failed (screenshots in {out}):\n{result.stdout[-4000:]}"
        f"\n{result.stderr[-4000:]}\n--- end of the demo's log ---\n"
        + (log.read_text(errors="replace")[-4000:] if log.exists() else "(none)")
    )
    assert "walk-through passed" in result.stdout
    assert len(list((out / "screenshots").glob("*.png"))) >= 13
