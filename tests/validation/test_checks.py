"""The repository passes the hassfest/HACS checks, and each check fails on a broken copy."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from validation import checks
from validation.__main__ import main as validate

ROOT = Path(__file__).parents[2]
PACKAGE = "custom_components/tuya_lan"
# What the checks read: the integration, the HACS files and the typing configuration.
COPIED = ("custom_components", "docs", "hacs.json", "README.md", "LICENSE", "setup.cfg")


@pytest.mark.parametrize("check", checks.ALL_CHECKS, ids=lambda check: check.__name__)
def test_repository_passes(check: Callable[[Path], list[str]]) -> None:
    """The real repository has no error in any check."""
    assert check(ROOT) == []


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the repository, to break."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tmp_path / name)
    return tmp_path


def _edit_json(path: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _edit_strings(root: Path, change: Callable[[Any], None]) -> None:
    """Change strings.json and translations/en.json alike (they must stay identical)."""
    for name in ("strings.json", "translations/en.json"):
        _edit_json(root / PACKAGE / name, change)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _png(path: Path, width: int, height: int) -> None:
    """Write a valid (blank, grey) PNG image of that size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _manifest(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return lambda root: _edit_json(root / PACKAGE / "manifest.json", change)


def _strings(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return lambda root: _edit_strings(root, change)


def _code(name: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: _replace(root / PACKAGE / name, old, new)


def _text(name: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: _replace(root / name, old, new)


def _file(name: str, text: str) -> Callable[[Path], None]:
    def write(root: Path) -> None:
        (root / name).write_text(text, encoding="utf-8")

    return write


def _delete(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).unlink()


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set a dotted path of a JSON document (None deletes it)."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        for part in parents:
            data = data[part]
        if value is None:
            del data[last]
        else:
            data[last] = value

    return change


def _reorder_manifest(manifest: dict[str, Any]) -> None:
    version = manifest.pop("version")
    items = list(manifest.items())
    manifest.clear()
    manifest.update([items[0], ("version", version), *items[1:]])


def _dotted_option(strings: dict[str, Any]) -> None:
    strings["selector"]["protocol_version"]["options"]["3.1"] = "3.1"


BROKEN: list[tuple[str, Callable[[Path], list[str]], Callable[[Path], None], str]] = [
    # manifest.json
    ("manifest out of order", checks.check_manifest, _manifest(_reorder_manifest), "not sorted"),
    ("no version", checks.check_manifest, _manifest(_set("version", None)), "missing 'version'"),
    (
        "bad version",
        checks.check_manifest,
        _manifest(_set("version", "one")),
        "not a valid version",
    ),
    (
        "no issue tracker (HACS)",
        checks.check_manifest,
        _manifest(_set("issue_tracker", None)),
        "missing 'issue_tracker'",
    ),
    (
        "unknown key",
        checks.check_manifest,
        _manifest(_set("homepage", "x")),
        "unknown key 'homepage'",
    ),
    ("domain", checks.check_manifest, _manifest(_set("domain", "tuya")), "not the folder name"),
    ("iot class", checks.check_manifest, _manifest(_set("iot_class", "push")), "unknown iot_class"),
    (
        "http documentation",
        checks.check_manifest,
        _manifest(_set("documentation", "http://example.com")),
        "must be an https URL",
    ),
    (
        "unpinned requirement",
        checks.check_manifest,
        _manifest(_set("requirements", ["tinytuya"])),
        "is not pinned",
    ),
    # config flow and config schema
    (
        "config flow file missing",
        checks.check_config_flow,
        _delete(f"{PACKAGE}/config_flow.py"),
        "config_flow.py is missing",
    ),
    (
        "discoverable flow without unique id",
        checks.check_config_flow,
        _code("config_flow.py", "async_set_unique_id(", "async_set_unique_idx("),
        "must set a unique ID",
    ),
    (
        "async_setup without CONFIG_SCHEMA",
        checks.check_config_schema,
        _code("__init__.py", "CONFIG_SCHEMA = ", "YAML_SCHEMA = "),
        "defines no CONFIG_SCHEMA",
    ),
    # strings.json / translations/en.json
    (
        "dotted selector option",
        checks.check_translations,
        _strings(_dotted_option),
        "invalid key '3.1'",
    ),
    (
        "en.json differs",
        checks.check_translations,
        lambda root: _edit_json(
            root / PACKAGE / "translations/en.json", _set("config/abort/already_configured", "x")
        ),
        "differs from strings.json",
    ),
    (
        "invalid JSON",
        checks.check_translations,
        _file(f"{PACKAGE}/strings.json", "{"),
        "invalid JSON",
    ),
    (
        "data_description without data",
        checks.check_translations,
        _strings(_set("config/step/local/data_description/name", "The name.")),
        "'name' is not in data",
    ),
    (
        "HTML",
        checks.check_translations,
        _strings(_set("config/error/unknown", "Unexpected <b>error</b>.")),
        "contains HTML",
    ),
    (
        "URL",
        checks.check_translations,
        _strings(_set("config/error/unknown", "See https://example.com/help.")),
        "contains a URL",
    ),
    (
        "quoted placeholder",
        checks.check_translations,
        _strings(_set("exceptions/timeout/message", "'{name}' did not answer.")),
        "placeholder inside single quotes",
    ),
    (
        "trailing space",
        checks.check_translations,
        _strings(_set("config/error/unknown", "Unexpected error. ")),
        "leading or trailing whitespace",
    ),
    (
        "placeholder in an entity state",
        checks.check_translations,
        _strings(_set("entity/sensor/dp/state", {"on": "On {dp}"})),
        "placeholders are not allowed",
    ),
    (
        "issue without description",
        checks.check_translations,
        _strings(_set("issues/ports_in_use/description", None)),
        "needs exactly one of 'description' or 'fix_flow'",
    ),
    (
        "service without description",
        checks.check_translations,
        _strings(_set("services/set_dp/description", None)),
        "missing 'description'",
    ),
    (
        "exception key not a slug",
        checks.check_translations,
        _strings(_set("exceptions/Timed-Out", {"message": "Timed out."})),
        "invalid key 'Timed-Out'",
    ),
    (
        "unknown section",
        checks.check_translations,
        _strings(_set("errors", {"x": "y"})),
        "unknown section 'errors'",
    ),
    (
        "a language lacks a key",
        checks.check_translations,
        lambda root: _edit_json(
            root / PACKAGE / "translations/it.json", _set("config/abort/already_configured", None)
        ),
        "translations/it.json: config.abort.already_configured: missing",
    ),
    (
        "a language renames a placeholder",
        checks.check_translations,
        lambda root: _edit_json(
            root / PACKAGE / "translations/de.json",
            _set("exceptions/timeout/message", "{nome} hat nicht rechtzeitig geantwortet."),
        ),
        "placeholders lost ['name'], added ['nome']",
    ),
    # the code <-> strings.json cross-check
    (
        "unused form error",
        checks.check_code_translations,
        _strings(_set("config/error/never_shown", "Never shown.")),
        "config.error.never_shown is not used",
    ),
    (
        "form error the code uses is missing",
        checks.check_code_translations,
        _strings(_set("config/error/not_tuya", None)),
        "code uses config.error.not_tuya, missing",
    ),
    (
        "error key renamed in the code",
        checks.check_code_translations,
        _code(
            "options_dps.py", "errors[OPT_SCALE] = ERROR_SCALE", 'errors[OPT_SCALE] = "bad_scale"'
        ),
        "code uses options.error.bad_scale, missing",
    ),
    (
        "abort reason missing",
        checks.check_code_translations,
        _strings(_set("config/abort/reauth_successful", None)),
        "code uses config.abort.reauth_successful, missing",
    ),
    (
        "unused abort reason",
        checks.check_code_translations,
        _strings(_set("config/abort/no_devices_found", "None found.")),
        "config.abort.no_devices_found is not used",
    ),
    (
        "step missing",
        checks.check_code_translations,
        _strings(_set("options/step/pick_dp", None)),
        "code uses options.step.pick_dp, missing",
    ),
    (
        "unused step",
        checks.check_code_translations,
        _strings(_set("config/step/zeroconf_confirm", {"title": "Found"})),
        "config.step.zeroconf_confirm is not used",
    ),
    (
        "menu option missing",
        checks.check_code_translations,
        _strings(_set("options/step/init/menu_options/save", None)),
        "code uses options.step.init.menu_options.save, missing",
    ),
    (
        "menu option without a step",
        checks.check_code_translations,
        _code("options_flow.py", '"add_entity", "init", "save"]', '"add_entity", "init", "reset"]'),
        "menu option 'reset' is not a step",
    ),
    (
        "exception key missing",
        checks.check_code_translations,
        _strings(_set("exceptions/timeout", None)),
        "code uses exceptions.timeout, missing",
    ),
    (
        "unused exception",
        checks.check_code_translations,
        _strings(_set("exceptions/cloud_error", {"message": "Cloud failed."})),
        "exceptions.cloud_error is not used",
    ),
    (
        "placeholder the code does not pass",
        checks.check_code_translations,
        _strings(_set("exceptions/timeout/message", "{name} did not answer at {host}")),
        "does not pass placeholder(s) ['host']",
    ),
    (
        "a key in a table of exception keys is missing",
        checks.check_code_translations,
        _code("errors.py", 'TuyaTimeoutError: "timeout",', 'TuyaTimeoutError: "too_slow",'),
        "code uses exceptions.too_slow, missing",
    ),
    (
        "a key in a table of form errors is missing",
        checks.check_code_translations,
        _code("errors.py", 'MalformedFrameError: "not_tuya",', 'MalformedFrameError: "garbled",'),
        "code uses config.error.garbled, missing",
    ),
    (
        "a repair issue of a table is missing",
        checks.check_code_translations,
        _strings(_set("issues/unavailable_moved", None)),
        "code uses issues.unavailable_moved, missing",
    ),
    (
        "a setup-failure key of a table is missing",
        checks.check_code_translations,
        _strings(_set("exceptions/setup_stalled", None)),
        "code uses exceptions.setup_stalled, missing",
    ),
    (
        "issue key missing",
        checks.check_code_translations,
        _strings(_set("issues/ports_in_use", None)),
        "code uses issues.ports_in_use, missing",
    ),
    (
        "entity key missing",
        checks.check_code_translations,
        _strings(_set("entity/switch/switch_index", None)),
        "code uses entity.switch.switch_index, missing",
    ),
    (
        "unused entity key",
        checks.check_code_translations,
        _strings(_set("entity/sensor/temperature", {"name": "Temperature"})),
        "entity.sensor.temperature is not used",
    ),
    (
        "selector missing",
        checks.check_code_translations,
        _strings(_set("selector/kind", None)),
        "code uses selector.kind, missing",
    ),
    (
        "service translation missing",
        checks.check_code_translations,
        _strings(_set("services/set_dp", None)),
        "code uses services.set_dp, missing",
    ),
    # services.yaml
    (
        "no services.yaml",
        checks.check_services,
        _delete(f"{PACKAGE}/services.yaml"),
        "has no services.yaml",
    ),
    (
        "service not registered",
        checks.check_services,
        _code("services.yaml", "set_dp:", "reset:\nset_dp:"),
        "'reset' is not registered",
    ),
    (
        "field without translation",
        checks.check_services,
        _code("services.yaml", "    value:\n", "    timeout:\n      example: 5\n    value:\n"),
        "code uses services.set_dp.fields.timeout, missing",
    ),
    (
        "invalid selector",
        checks.check_services,
        _code("services.yaml", "        object:", "        telepathy:"),
        "fields.value.selector",
    ),
    (
        "service without icon",
        checks.check_services,
        lambda root: _edit_json(root / PACKAGE / "icons.json", _set("services", {})),
        "has no icon in icons.json",
    ),
    # icons.json
    (
        "not an mdi icon",
        checks.check_icons,
        lambda root: _edit_json(
            root / PACKAGE / "icons.json", _set("services/set_dp/service", "fa:code")
        ),
        "is not a Material Design Icon",
    ),
    (
        "icon for an unknown entity key",
        checks.check_icons,
        lambda root: _edit_json(
            root / PACKAGE / "icons.json", _set("entity/sensor/ghost", {"default": "mdi:ghost"})
        ),
        "entity.sensor.ghost has no entity translation key",
    ),
    (
        "service icon in the old format",
        checks.check_icons,
        lambda root: _edit_json(root / PACKAGE / "icons.json", _set("services/set_dp", "mdi:x")),
        "services.set_dp: expected a mapping",
    ),
    (
        "unknown icons section",
        checks.check_icons,
        lambda root: _edit_json(root / PACKAGE / "icons.json", _set("entity_component", {})),
        "unknown key 'entity_component'",
    ),
    # hacs.json
    ("hacs.json missing", checks.check_hacs_json, _delete("hacs.json"), "hacs.json: missing"),
    (
        "hacs.json unknown key",
        checks.check_hacs_json,
        lambda root: _edit_json(root / "hacs.json", _set("domains", ["switch"])),
        "unknown key 'domains'",
    ),
    (
        "hacs.json without name",
        checks.check_hacs_json,
        lambda root: _edit_json(root / "hacs.json", _set("name", None)),
        "missing 'name'",
    ),
    (
        "hacs.json bad Home Assistant version",
        checks.check_hacs_json,
        lambda root: _edit_json(root / "hacs.json", _set("homeassistant", "2026.10")),
        "is not a release",
    ),
    (
        "zip_release without filename",
        checks.check_hacs_json,
        lambda root: _edit_json(root / "hacs.json", _set("zip_release", True)),
        "filename is not set",
    ),
    # the repository: information file, licence, README
    ("no licence", checks.check_repository, _delete("LICENSE"), "has no licence file"),
    (
        "unrecognised licence",
        checks.check_repository,
        _file("LICENSE", "All rights reserved.\n"),
        "not a licence HACS recognises",
    ),
    (
        "README without the licence",
        checks.check_repository,
        _text("README.md", "MIT, see [LICENSE](LICENSE)", "See the licence file"),
        "does not name the licence",
    ),
    ("no README", checks.check_repository, _delete("README.md"), "no information file"),
    (
        "README image missing",
        checks.check_repository,
        _text("README.md", "## Licence", "![Card](docs/card.png)\n\n## Licence"),
        "image docs/card.png does not exist",
    ),
    # brand images
    (
        "no brand icon",
        checks.check_brand,
        _delete(f"{PACKAGE}/brand/icon.png"),
        "icon.png is missing",
    ),
    (
        "icon of the wrong size",
        checks.check_brand,
        lambda root: _png(root / PACKAGE / "brand/icon.png", 200, 200),
        "200x200, must be 256x256",
    ),
    (
        "hDPI icon of the wrong size",
        checks.check_brand,
        lambda root: _png(root / PACKAGE / "brand/icon@2x.png", 256, 256),
        "must be 512x512",
    ),
    (
        "logo too small",
        checks.check_brand,
        lambda root: _png(root / PACKAGE / "brand/logo.png", 400, 100),
        "shortest side 100 px, must be 128 to 256",
    ),
    (
        "not a PNG",
        checks.check_brand,
        _file(f"{PACKAGE}/brand/icon.png", "GIF89a"),
        "not a PNG file",
    ),
    (
        "unknown brand file",
        checks.check_brand,
        lambda root: _png(root / PACKAGE / "brand/banner.png", 256, 256),
        "not an image Home Assistant serves",
    ),
    # quality_scale.yaml
    (
        "unknown rule",
        checks.check_quality_scale,
        _code("quality_scale.yaml", "rules:\n", "rules:\n  fast-setup: done\n"),
        "fast-setup: not a rule",
    ),
    (
        "bad status",
        checks.check_quality_scale,
        _code("quality_scale.yaml", "common-modules: done", "common-modules: yes"),
        "status must be done, todo or exempt",
    ),
    (
        "exempt without comment",
        checks.check_quality_scale,
        _code("quality_scale.yaml", "  unique-config-entry: done", "  unique-config-entry: exempt"),
        "exempt needs a comment",
    ),
    (
        "missing rule",
        checks.check_quality_scale,
        _code("quality_scale.yaml", "  devices: done\n", ""),
        "rule 'devices' is missing",
    ),
    (
        "done but no PARALLEL_UPDATES",
        checks.check_quality_scale,
        _code("sensor.py", "PARALLEL_UPDATES = 0", "UPDATES = 0"),
        "parallel-updates is done, but sensor.py does not set PARALLEL_UPDATES",
    ),
    (
        "done but no reauth step",
        checks.check_quality_scale,
        _code("config_flow.py", "async def async_step_reauth(", "async def async_step_re_auth("),
        "reauthentication-flow is done, but",
    ),
    (
        "done but an exception is not translated",
        checks.check_quality_scale,
        _code("services.py", 'translation_key="entry_not_loaded",', ""),
        "exception-translations is done, but services.py",
    ),
    (
        "done but actions registered per entry",
        checks.check_quality_scale,
        _code(
            "__init__.py",
            "    entry.runtime_data = coordinator\n",
            "    entry.runtime_data = coordinator\n"
            "    hass.services.async_register(DOMAIN, SERVICE_SET_DP, print)\n",
        ),
        "action-setup is done, but __init__.py registers actions in async_setup_entry",
    ),
]


@pytest.mark.parametrize(
    ("check", "breaks", "expected"),
    [pytest.param(check, breaks, expected, id=name) for name, check, breaks, expected in BROKEN],
)
def test_check_reports_broken_copy(
    repo: Path,
    check: Callable[[Path], list[str]],
    breaks: Callable[[Path], None],
    expected: str,
) -> None:
    """Each check fails, with a message naming the problem, on a copy that breaks its rule."""
    assert check(repo) == [], "the untouched copy must pass"
    breaks(repo)
    errors = check(repo)
    assert any(expected in error for error in errors), errors


def test_selector_options_are_translated() -> None:
    """Every option the flows offer has a translation, and none is translated in vain."""
    from custom_components.tuya_lan import config_flow, options_dps, options_entities
    from custom_components.tuya_lan.overrides import (
        SENSOR_DEVICE_CLASSES,
        SWITCH_DEVICE_CLASSES,
    )
    from custom_components.tuya_lan.tuyalan.dpmap import USER_KINDS

    strings = json.loads((ROOT / PACKAGE / "strings.json").read_text(encoding="utf-8"))
    version_options = config_flow.USER_SCHEMA.schema
    offered = {
        "protocol_version": next(
            selector.config["options"]
            for key, selector in version_options.items()
            if str(key) == "protocol_version"
        ),
        "device": [config_flow.PICK_MANUAL],
        "kind": [options_dps.KIND_DEFAULT, *USER_KINDS],
        "encoding": [options_entities.V2, options_entities.V1],
        "device_class": [str(c) for c in (*SWITCH_DEVICE_CLASSES, *SENSOR_DEVICE_CLASSES)],
    }
    assert checks.check_selector_options(strings, offered) == []


def test_selector_options_check_fails() -> None:
    """A dotted option, an untranslated one and an unused one are each reported."""
    strings = {"selector": {"protocol_version": {"options": {"3.1": "3.1", "old": "Old"}}}}
    errors = checks.check_selector_options(strings, {"protocol_version": ["3.1", "3_2"]})
    assert errors == [
        "selector.protocol_version: option '3_2' has no translation",
        "selector.protocol_version: option 'old' is never offered",
        "selector.protocol_version: option '3.1' is not a valid translation key",
    ]


def test_command_reports_a_broken_copy(repo: Path) -> None:
    """`python -m validation ROOT` (the script scripts/test runs) prints each check's
    result and the errors of the failing one, and exits 1."""
    (repo / "hacs.json").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "validation", str(repo)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "check_hacs_json: 1 error(s)\n  hacs.json: missing\n" in result.stdout
    assert "check_manifest: ok\n" in result.stdout


def test_command_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    """With no argument it checks this repository, which passes every check."""
    assert validate(argv=[]) == 0
    assert capsys.readouterr().out.count(": ok\n") == len(checks.ALL_CHECKS)
