"""A developer without root deselects the browser test by its marker:
``scripts/test -m "not browser"`` (setup.cfg registers the marker, strictly)."""

from __future__ import annotations

import pytest

from . import test_browser


def test_the_walkthrough_carries_the_registered_browser_marker(
    pytestconfig: pytest.Config,
) -> None:
    registered = [line.split(":")[0] for line in pytestconfig.getini("markers")]
    assert "browser" in registered
    assert pytestconfig.getoption("strict_markers")
    marks = [mark.name for mark in test_browser.test_walkthrough_in_browser.pytestmark]
    assert "browser" in marks
