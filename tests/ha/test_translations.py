"""strings.json and translations/en.json agree, and cover every key the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from validation.checks import validate_strings
from validation.translations import changed, compare, languages, main as translations_main

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


# --- the other languages: complete, same placeholders, same markup ------------------------

LANGUAGE_FILES = list(languages(PACKAGE / "translations"))
# What the README promises; a language added to translations/ is checked without a change here.
PROMISED = {"de", "fr", "it", "es", "nl", "pl", "pt-BR", "sv", "cs", "zh-Hans"}


def test_promised_languages_exist() -> None:
    """The languages the README lists are shipped."""
    assert {path.stem for path in LANGUAGE_FILES} >= PROMISED


@pytest.mark.parametrize("path", LANGUAGE_FILES, ids=lambda path: path.stem)
def test_language_complete_and_markup_kept(path: Path) -> None:
    """Every key of en.json, no other, each {placeholder}, link, code span and line break kept."""
    english = _load("translations/en.json")
    other = json.loads(path.read_text(encoding="utf-8"))
    assert compare(english, other) == []
    assert validate_strings(other, path.name) == []


def test_compare_catches_each_breakage() -> None:
    """The check fails on a missing/extra key, a lost/renamed/added placeholder, broken markup."""
    english = {
        "a": {
            "b": "Open [the docs](https://example.com/x) for {name}.\n\n"
            "Run `probe_ranges`, **now**."
        },
        "c": "Device",
    }
    good = {
        "a": {
            "b": "Öffne [die Doku](https://example.com/x) für {name}.\n\n"
            "Führe `probe_ranges` aus, **jetzt**."
        },
        "c": "Gerät",
    }
    assert compare(english, good) == []

    def broken(text: str) -> dict[str, object]:
        return {"a": {"b": text}, "c": "Gerät"}

    text = good["a"]["b"]
    cases = {
        "missing": {"a": good["a"]},
        "not in en.json": {**good, "d": "Extra"},
        "placeholders lost": broken(text.replace("{name}", "name")),
        "placeholders lost ['name'], added ['Name']": broken(text.replace("{name}", "{Name}")),
        "added ['host']": broken(text + " {host}"),
        "unbalanced brace": broken(text.replace("{name}", "{name")),
        "not {a_name}": broken(text.replace("{name}", "{the name}")),
        "link targets differ": broken(
            text.replace("https://example.com/x", "https://example.com/y")
        ),
        "links differ": broken(text.replace("[die Doku](https://example.com/x)", "die Doku")),
        "code spans differ": broken(text.replace("`probe_ranges`", "`Bereiche`")),
        "bold markers differ": broken(text.replace("**jetzt**", "jetzt")),
        "line breaks differ": broken(text.replace("\n\n", " ")),
        "still the English text": broken(english["a"]["b"]),
        "not a text": broken(""),
    }
    for expected, other in cases.items():
        problems = compare(english, other)
        assert any(expected in problem for problem in problems), (expected, problems)


def test_changed_lists_new_and_edited_english() -> None:
    """scripts/translations_missing REV: the keys whose English is new or edited since REV."""
    old = {"a": {"b": "Old text"}, "c": "Same"}
    new = {"a": {"b": "New text", "d": "Added"}, "c": "Same"}
    assert changed(old, new) == ["a.b", "a.d"]


def test_translations_missing_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """python -m validation.translations lists each language's missing and stale keys, exit 1."""
    (tmp_path / "en.json").write_text(
        json.dumps({"t": {"x": "New {n}", "y": "Kept"}}), encoding="utf-8"
    )
    (tmp_path / "de.json").write_text(json.dumps({"t": {"x": "Alt {n}"}}), encoding="utf-8")
    old = tmp_path.parent / f"{tmp_path.name}-old-en.json"
    old.write_text(json.dumps({"t": {"x": "Old {n}", "y": "Kept"}}), encoding="utf-8")
    assert translations_main(["--dir", str(tmp_path), "--old", str(old)]) == 1
    out = capsys.readouterr().out
    assert "de: 2 to do" in out
    assert "t.y: missing" in out
    assert "t.x: the English changed" in out
    (tmp_path / "de.json").write_text(
        json.dumps({"t": {"x": "Neu {n}", "y": "Bleibt"}}), encoding="utf-8"
    )
    assert translations_main(["--dir", str(tmp_path)]) == 0
    assert "1 language(s) complete." in capsys.readouterr().out
