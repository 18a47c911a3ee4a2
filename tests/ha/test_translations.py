"""strings.json and translations/en.json agree, and cover every key the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "custom_components" / "tuya_lan"


def _load(name: str) -> dict:
    return json.loads((PACKAGE / name).read_text(encoding="utf-8"))


def test_en_matches_strings() -> None:
    """translations/en.json is a copy of strings.json."""
    assert _load("strings.json") == _load("translations/en.json")


def test_exception_keys_translated() -> None:
    """Every translation_key raised in the code has a message."""
    strings = _load("strings.json")
    used: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        used |= set(re.findall(r'translation_key="([a-z_]+)"', path.read_text(encoding="utf-8")))
    exceptions = set(strings["exceptions"])
    entity_keys = {key for platform in strings["entity"].values() for key in platform}
    selectors = set(strings["selector"])
    assert used - exceptions - entity_keys - selectors == set()


def test_entity_translation_keys_have_icons_or_names() -> None:
    """Every entity translation key used by the mapping table has a name."""
    from custom_components.tuya_lan.mapping import PHASE_SENSORS, TEMPLATES

    strings = _load("strings.json")
    names = {key for platform in strings["entity"].values() for key in platform}
    templates = [t for table in TEMPLATES.values() for t in table.values()]
    for template in (*templates, *PHASE_SENSORS):
        for key in (template.translation_key, template.indexed_translation_key):
            assert key is None or key in names, key


def test_discovery_strings() -> None:
    """The repair issue, the pick list's "by hand" option and the card's port section."""
    from custom_components.tuya_lan.config_flow import PICK_MANUAL
    from custom_components.tuya_lan.listen_issues import ISSUE_PORTS_IN_USE

    strings = _load("strings.json")
    issue = strings["issues"][ISSUE_PORTS_IN_USE]
    for text in (issue["title"], issue["description"]):
        assert "{ports}" in text
    assert "{holders}" in issue["description"]
    assert PICK_MANUAL in strings["selector"]["device"]["options"]
    steps = strings["config"]["step"]
    assert "device" in steps["pick_device"]["data"]
    assert "advanced" in steps["discovery_confirm"]["sections"]
