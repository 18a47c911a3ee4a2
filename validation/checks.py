"""The checks of hassfest and of the HACS action that apply to a custom integration, offline.

CI cannot download Home Assistant's repository (hassfest is not in the homeassistant
wheel) nor call GitHub, so this module re-states their rules for the version we pin
(Home Assistant 2026.10): `script/hassfest/{manifest,translations,services,icons,
config_flow,config_schema,quality_scale}.py` and `quality_scale_validation/`, the
`hacs.json` schema of `custom_components/hacs/utils/validate.py` and the action's
checks (hacs.json, information, license, brands, images). It is our own code written
from those rules, plus the cross-checks hassfest cannot do for us: every translation
key the code uses exists in strings.json, and none there is unused.

Every check takes the repository root and returns a list of error strings ([] = pass),
so a test can run it on a broken copy and see it fail.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import string
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import homeassistant.const
import yaml  # type: ignore[import-untyped]
from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.const import Platform
from homeassistant.helpers import selector as ha_selector

from .translations import compare, languages

# --- shared helpers --------------------------------------------------------------------

# Translation keys: lowercase letters, digits, single "-" or "_" between them (so no
# dots, no leading/trailing/double separators), as hassfest's translation_key_validator.
_TRANSLATION_KEY = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# cv.slug: what slugify() leaves unchanged; only "_" as a separator.
_SLUG = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_HTML = re.compile(r"<[a-z/!][^>]*>", re.IGNORECASE)
_QUOTED_PLACEHOLDER = re.compile(r"'\{\w+\}'")
_COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
_URL = re.compile(
    r"((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5)://|www\.)"
    r"[a-z0-9]+([-.][a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(/.*)?",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def integration_dir(root: Path) -> Path:
    """The integration's folder: the one folder of custom_components with a manifest."""
    found = sorted(path.parent for path in (root / "custom_components").glob("*/manifest.json"))
    if len(found) != 1:
        raise ValueError(f"expected one integration under {root}/custom_components, got {found}")
    return found[0]


def _load_json(path: Path, errors: list[str]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.append(f"{path.name}: missing")
    except ValueError as err:
        errors.append(f"{path.name}: invalid JSON: {err}")
    return None


def _load_yaml(path: Path, errors: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.append(f"{path.name}: missing")
    except yaml.YAMLError as err:
        errors.append(f"{path.name}: invalid YAML: {err}")
    return None


def _is_translation_key(value: object) -> bool:
    return isinstance(value, str) and _TRANSLATION_KEY.match(value) is not None


def _is_slug(value: object) -> bool:
    return isinstance(value, str) and _SLUG.match(value) is not None


def placeholders(text: str) -> set[str]:
    """The {names} a translated string expects."""
    return {name for name in _PLACEHOLDER.findall(text) if name}


def _check_value(value: object, where: str, *, allow_placeholders: bool = True) -> list[str]:
    """The rules hassfest applies to every translated string."""
    if not isinstance(value, str):
        return [f"{where}: expected a string, got {type(value).__name__}"]
    errors: list[str] = []
    if _HTML.search(value):
        errors.append(f"{where}: contains HTML")
    if _QUOTED_PLACEHOLDER.search(value):
        errors.append(f"{where}: placeholder inside single quotes")
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(value) if name]
    except ValueError as err:
        errors.append(f"{where}: unbalanced braces ({err})")
        fields = []
    for name in fields:
        if not allow_placeholders:
            errors.append(f"{where}: placeholders are not allowed here")
        elif not name.isidentifier():
            errors.append(f"{where}: placeholder {{{name}}} is not an identifier")
    if _COMBINED_REFERENCE.search(value):
        errors.append(f"{where}: combines a reference with other text")
    if value != value.strip():
        errors.append(f"{where}: leading or trailing whitespace")
    if _URL.search(value):
        errors.append(f"{where}: contains a URL (use a description placeholder)")
    return errors


def _check_shape(
    value: object,
    where: str,
    *,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """A mapping with exactly these keys allowed; returns it ({} if not a mapping)."""
    if not isinstance(value, dict):
        return {}, [f"{where}: expected a mapping, got {type(value).__name__}"]
    required = list(required)
    allowed = {*required, *optional}
    errors = [f"{where}: missing '{key}'" for key in required if key not in value]
    errors += [f"{where}: unknown key '{key}'" for key in value if key not in allowed]
    return value, errors


def _check_keys(mapping: Mapping[str, Any], where: str, *, slug: bool = False) -> list[str]:
    """Key syntax: translation keys (or the stricter cv.slug)."""
    valid = _is_slug if slug else _is_translation_key
    rule = "[a-z0-9_]+ (a slug)" if slug else "[a-z0-9-_]+ without leading/trailing/double - or _"
    return [f"{where}: invalid key '{key}', need {rule}" for key in mapping if not valid(key)]


def _strings_of(mapping: Any, where: str, **kwargs: bool) -> list[str]:
    if not isinstance(mapping, dict):
        return [f"{where}: expected a mapping"]
    errors: list[str] = []
    for key, value in mapping.items():
        errors += _check_value(value, f"{where}.{key}", **kwargs)
    return errors


# --- manifest.json (hassfest manifest.py, HACS integration manifest) -------------------

INTEGRATION_TYPES = ("device", "entity", "hardware", "helper", "hub", "service", "system")
IOT_CLASSES = (
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
)
_LIST_OF_STR_KEYS = ("codeowners", "requirements", "dependencies", "after_dependencies", "loggers")
# What hassfest's custom-integration schema accepts (the discovery matchers are only
# checked for being present with the right container type; we use none of them).
MANIFEST_KEYS = frozenset(
    {
        "domain",
        "name",
        "after_dependencies",
        "bluetooth",
        "codeowners",
        "config_flow",
        "dependencies",
        "dhcp",
        "disabled",
        "documentation",
        "homekit",
        "import_executor",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "loggers",
        "mqtt",
        "quality_scale",
        "requirements",
        "single_config_entry",
        "ssdp",
        "usb",
        "version",
        "zeroconf",
    }
)
# Required by hassfest for a custom integration (domain, name, documentation,
# codeowners, version) and by HACS (issue_tracker too); iot_class by hassfest for
# every integration that is not a building block of Home Assistant itself.
MANIFEST_REQUIRED = ("domain", "name", "codeowners", "documentation", "iot_class", "version")
HACS_MANIFEST_REQUIRED = (
    "codeowners",
    "documentation",
    "domain",
    "issue_tracker",
    "name",
    "version",
)


def manifest_key_order(keys: Iterable[str]) -> list[str]:
    """hassfest's order: domain, name, then the rest alphabetically."""
    first = {"domain": 0, "name": 1}
    return sorted(keys, key=lambda key: (first.get(key, 2), key))


def _valid_version(value: str) -> bool:
    # hassfest accepts CalVer, SemVer, SimpleVer, BuildVer and PEP 440 versions.
    strategies = {
        AwesomeVersionStrategy.CALVER,
        AwesomeVersionStrategy.SEMVER,
        AwesomeVersionStrategy.SIMPLEVER,
        AwesomeVersionStrategy.BUILDVER,
        AwesomeVersionStrategy.PEP440,
    }
    return AwesomeVersion(value).strategy in strategies


def _https_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parsed = urlparse(value)
    return parsed.scheme == "https" and bool(parsed.netloc)


def check_manifest(root: Path) -> list[str]:
    """manifest.json: keys, types, values, the custom-integration extras and key order."""
    idir = integration_dir(root)
    errors: list[str] = []
    manifest = _load_json(idir / "manifest.json", errors)
    if not isinstance(manifest, dict):
        return errors or ["manifest.json: not a mapping"]
    errors += [
        f"manifest.json: missing '{key}'"
        for key in dict.fromkeys((*MANIFEST_REQUIRED, *HACS_MANIFEST_REQUIRED))
        if key not in manifest
    ]
    errors += [
        f"manifest.json: unknown key '{key}'" for key in manifest if key not in MANIFEST_KEYS
    ]
    if manifest.get("domain") != idir.name:
        errors.append(f"manifest.json: domain {manifest.get('domain')!r} is not the folder name")
    for key in ("domain", "name", "version", "disabled"):
        if key in manifest and not isinstance(manifest[key], str):
            errors.append(f"manifest.json: '{key}' must be a string")
    for key in _LIST_OF_STR_KEYS:
        value = manifest.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            errors.append(f"manifest.json: '{key}' must be a list of strings")
    for key in ("config_flow", "single_config_entry", "import_executor"):
        if key in manifest and not isinstance(manifest[key], bool):
            errors.append(f"manifest.json: '{key}' must be true or false")
    if "integration_type" in manifest and manifest["integration_type"] not in INTEGRATION_TYPES:
        errors.append(f"manifest.json: unknown integration_type {manifest['integration_type']!r}")
    if "iot_class" in manifest and manifest["iot_class"] not in IOT_CLASSES:
        errors.append(f"manifest.json: unknown iot_class {manifest['iot_class']!r}")
    for key in ("documentation", "issue_tracker"):
        if key in manifest and not _https_url(manifest[key]):
            errors.append(f"manifest.json: '{key}' must be an https URL")
    version = manifest.get("version")
    if isinstance(version, str) and not _valid_version(version):
        errors.append(f"manifest.json: '{version}' is not a valid version")
    for requirement in manifest.get("requirements", []):
        if isinstance(requirement, str) and "==" not in requirement:
            errors.append(f"manifest.json: requirement {requirement!r} is not pinned (==)")
    if list(manifest) != manifest_key_order(manifest):
        errors.append(
            "manifest.json: keys are not sorted: domain, name, then alphabetical order "
            f"(expected {manifest_key_order(manifest)})"
        )
    return errors


# --- config flow and config schema (hassfest config_flow.py, config_schema.py) ---------

_DISCOVERY_MANIFEST_KEYS = ("bluetooth", "dhcp", "homekit", "mqtt", "ssdp", "usb", "zeroconf")
_DISCOVERY_STEPS = frozenset(
    {
        "async_step_bluetooth",
        "async_step_dhcp",
        "async_step_discovery",
        "async_step_hassio",
        "async_step_homekit",
        "async_step_mqtt",
        "async_step_ssdp",
        "async_step_usb",
        "async_step_zeroconf",
        # Not in hassfest's list, but it is how an integration's own listener hands a
        # device it heard to the flow: the same discovery, found by us, not by HA.
        "async_step_integration_discovery",
    }
)


def _parse(path: Path) -> ast.Module:
    stat = path.stat()
    return _parse_version(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _parse_version(path: str, mtime_ns: int, size: int) -> ast.Module:
    # Keyed by modification time and size: a test that edits a copy gets a fresh parse.
    return ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)


def _top_functions(module: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {
        node.name: node
        for node in module.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _assigned_names(module: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in module.body:
        if isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _defined_functions(module: ast.AST) -> set[str]:
    return {
        node.name
        for node in ast.walk(module)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _method_calls(module: ast.AST) -> set[str]:
    return {
        node.func.attr
        for node in ast.walk(module)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


def check_config_flow(root: Path) -> list[str]:
    """A config flow lives in config_flow.py; a discoverable one sets a unique ID."""
    idir = integration_dir(root)
    errors: list[str] = []
    manifest = _load_json(idir / "manifest.json", errors) or {}
    flow_file = idir / "config_flow.py"
    if not manifest.get("config_flow"):
        if flow_file.is_file():
            errors.append("config_flow.py exists but manifest.json does not set config_flow")
        return errors
    if not flow_file.is_file():
        return [*errors, "manifest.json sets config_flow but config_flow.py is missing"]
    flow = _parse(flow_file)
    discoverable = any(key in manifest for key in _DISCOVERY_MANIFEST_KEYS) or bool(
        _defined_functions(flow) & _DISCOVERY_STEPS
    )
    if discoverable and "async_set_unique_id" not in _method_calls(flow):
        errors.append("config_flow.py: a discoverable config flow must set a unique ID")
    return errors


def check_config_schema(root: Path) -> list[str]:
    """An integration with async_setup/setup defines its YAML schema (CONFIG_SCHEMA...)."""
    init = _parse(integration_dir(root) / "__init__.py")
    if not {"async_setup", "setup"} & set(_top_functions(init)):
        return []
    if {"CONFIG_SCHEMA", "PLATFORM_SCHEMA", "PLATFORM_SCHEMA_BASE"} & _assigned_names(init):
        return []
    return [
        "__init__.py: implements async_setup but defines no CONFIG_SCHEMA "
        "(use cv.config_entry_only_config_schema if it takes no YAML)"
    ]


# --- strings.json / translations/en.json (hassfest translations.py) --------------------


def _check_data_entry(flow: Any, where: str) -> list[str]:
    flow, errors = _check_shape(
        flow,
        where,
        required=("step",),
        optional=(
            "flow_title",
            "error",
            "abort",
            "progress",
            "create_entry",
            "initiate_flow",
        ),
    )
    if "flow_title" in flow:
        errors += _check_value(flow["flow_title"], f"{where}.flow_title")
    for section in ("error", "abort", "progress", "create_entry"):
        if section in flow:
            errors += _check_keys(flow[section], f"{where}.{section}")
            errors += _strings_of(flow[section], f"{where}.{section}")
    steps = flow.get("step", {})
    if not isinstance(steps, dict):
        return [*errors, f"{where}.step: expected a mapping"]
    for step_id, raw_step in steps.items():
        at = f"{where}.step.{step_id}"
        step, step_errors = _check_shape(
            raw_step,
            at,
            optional=(
                "title",
                "description",
                "data",
                "data_description",
                "menu_options",
                "menu_option_descriptions",
                "submit",
                "sections",
            ),
        )
        errors += step_errors
        for key in ("title", "description", "submit"):
            if key in step:
                errors += _check_value(step[key], f"{at}.{key}")
        for key in ("data", "data_description", "menu_options", "menu_option_descriptions"):
            if key in step:
                errors += _strings_of(step[key], f"{at}.{key}")
        errors += [
            f"{at}.data_description: '{key}' is not in data"
            for key in step.get("data_description", {})
            if key not in step.get("data", {})
        ]
        for name, raw_section in (step.get("sections") or {}).items():
            sat = f"{at}.sections.{name}"
            part, section_errors = _check_shape(
                raw_section, sat, optional=("data", "data_description", "description", "name")
            )
            errors += section_errors
            for key in ("description", "name"):
                if key in part:
                    errors += _check_value(part[key], f"{sat}.{key}")
            for key in ("data", "data_description"):
                if key in part:
                    errors += _strings_of(part[key], f"{sat}.{key}")
            errors += [
                f"{sat}.data_description: '{key}' is not in data"
                for key in part.get("data_description", {})
                if key not in part.get("data", {})
            ]
    return errors


def _check_entity(entity: Any) -> list[str]:
    if not isinstance(entity, dict):
        return ["entity: expected a mapping"]
    errors = _check_keys(entity, "entity", slug=True)
    for platform, keys in entity.items():
        if not isinstance(keys, dict):
            errors.append(f"entity.{platform}: expected a mapping")
            continue
        errors += _check_keys(keys, f"entity.{platform}")
        for key, raw_info in keys.items():
            at = f"entity.{platform}.{key}"
            info, info_errors = _check_shape(
                raw_info, at, optional=("name", "state", "state_attributes", "unit_of_measurement")
            )
            errors += info_errors
            if "name" in info:
                errors += _check_value(info["name"], f"{at}.name")
            if "unit_of_measurement" in info:
                errors += _check_value(
                    info["unit_of_measurement"],
                    f"{at}.unit_of_measurement",
                    allow_placeholders=False,
                )
            if "state" in info:
                errors += _check_keys(info["state"], f"{at}.state")
                errors += _strings_of(info["state"], f"{at}.state", allow_placeholders=False)
            for attribute, raw_attr_info in (info.get("state_attributes") or {}).items():
                aat = f"{at}.state_attributes.{attribute}"
                if not _is_translation_key(attribute):
                    errors.append(f"{aat}: invalid key '{attribute}'")
                attr_info, attr_errors = _check_shape(
                    raw_attr_info, aat, optional=("name", "state")
                )
                errors += attr_errors
                if "name" in attr_info:
                    errors += _check_value(
                        attr_info["name"], f"{aat}.name", allow_placeholders=False
                    )
                if "state" in attr_info:
                    errors += _check_keys(attr_info["state"], f"{aat}.state")
                    errors += _strings_of(
                        attr_info["state"], f"{aat}.state", allow_placeholders=False
                    )
    return errors


def _check_selector(selectors: Any) -> list[str]:
    if not isinstance(selectors, dict):
        return ["selector: expected a mapping"]
    errors = [
        f"selector: invalid key '{key}'" for key in selectors if key != "_" and not _is_slug(key)
    ]
    for key, raw_selector in selectors.items():
        at = f"selector.{key}"
        selector, shape_errors = _check_shape(
            raw_selector, at, optional=("choices", "options", "unit_of_measurement", "fields")
        )
        errors += shape_errors
        for part in ("choices", "options", "unit_of_measurement"):
            if part in selector:
                errors += _check_keys(selector[part], f"{at}.{part}")
                errors += _strings_of(selector[part], f"{at}.{part}")
        for name, raw_field_info in (selector.get("fields") or {}).items():
            fat = f"{at}.fields.{name}"
            if isinstance(raw_field_info, str):
                continue
            if not _is_translation_key(name):
                errors.append(f"{fat}: invalid key '{name}'")
            field_info, field_errors = _check_shape(
                raw_field_info, fat, required=("name", "description")
            )
            errors += field_errors
            if "description" in field_info:
                errors += _check_value(field_info["description"], f"{fat}.description")
    return errors


def _check_services_strings(services: Any) -> list[str]:
    if not isinstance(services, dict):
        return ["services: expected a mapping"]
    errors = _check_keys(services, "services")
    for name, raw_service in services.items():
        at = f"services.{name}"
        service, shape_errors = _check_shape(
            raw_service, at, required=("name", "description"), optional=("fields", "sections")
        )
        errors += shape_errors
        for key in ("name", "description"):
            if key in service:
                errors += _check_value(service[key], f"{at}.{key}")
        for group, required, optional in (
            ("fields", ("name", "description"), ("example",)),
            ("sections", ("name",), ("description",)),
        ):
            members = service.get(group) or {}
            errors += _check_keys(members, f"{at}.{group}")
            for member, raw_info in members.items():
                mat = f"{at}.{group}.{member}"
                info, member_errors = _check_shape(
                    raw_info, mat, required=required, optional=optional
                )
                errors += member_errors
                for key in ("name", "description", "example"):
                    if key in info:
                        errors += _check_value(info[key], f"{mat}.{key}")
    return errors


def _check_issues(issues: Any) -> list[str]:
    if not isinstance(issues, dict):
        return ["issues: expected a mapping"]
    errors = _check_keys(issues, "issues")
    for key, raw_issue in issues.items():
        at = f"issues.{key}"
        issue, shape_errors = _check_shape(
            raw_issue, at, required=("title",), optional=("short_title", "description", "fix_flow")
        )
        errors += shape_errors
        if ("description" in issue) == ("fix_flow" in issue):
            errors.append(f"{at}: needs exactly one of 'description' or 'fix_flow'")
        for part in ("title", "short_title", "description"):
            if part in issue:
                errors += _check_value(issue[part], f"{at}.{part}")
        if "fix_flow" in issue:
            errors += _check_data_entry(issue["fix_flow"], f"{at}.fix_flow")
    return errors


def _check_exceptions(exceptions: Any) -> list[str]:
    if not isinstance(exceptions, dict):
        return ["exceptions: expected a mapping"]
    errors = _check_keys(exceptions, "exceptions", slug=True)
    for key, raw_info in exceptions.items():
        info, shape_errors = _check_shape(raw_info, f"exceptions.{key}", optional=("message",))
        errors += shape_errors
        if "message" in info:
            errors += _check_value(info["message"], f"exceptions.{key}.message")
    return errors


def _check_device(devices: Any) -> list[str]:
    if not isinstance(devices, dict):
        return ["device: expected a mapping"]
    errors = _check_keys(devices, "device")
    for key, raw_info in devices.items():
        info, shape_errors = _check_shape(raw_info, f"device.{key}", optional=("name",))
        errors += shape_errors
        if "name" in info:
            errors += _check_value(info["name"], f"device.{key}.name")
    return errors


# Top-level sections of strings.json hassfest knows; the ones a custom integration like
# ours can use are checked in depth, the rest only for being there.
_STRINGS_SECTIONS: dict[str, Callable[[Any], list[str]]] = {
    "title": lambda value: _check_value(value, "title"),
    "config": lambda value: _check_data_entry(value, "config"),
    "options": lambda value: _check_data_entry(value, "options"),
    "selector": _check_selector,
    "entity": _check_entity,
    "exceptions": _check_exceptions,
    "services": _check_services_strings,
    "issues": _check_issues,
    "device": _check_device,
    "config_subentries": lambda value: [],
    "preview_features": lambda value: [],
    "device_automation": lambda value: [],
    "system_health": lambda value: [],
    "config_panel": lambda value: [],
    "application_credentials": lambda value: [],
    "entity_component": lambda value: [],
    "conditions": lambda value: [],
    "triggers": lambda value: [],
    "conversation": lambda value: [],
    "common": lambda value: [],
}


def validate_strings(strings: Any, name: str = "strings.json") -> list[str]:
    """The hassfest schema of a strings file (strings.json or translations/<lang>.json)."""
    if not isinstance(strings, dict):
        return [f"{name}: expected a mapping"]
    errors: list[str] = []
    for section, value in strings.items():
        check = _STRINGS_SECTIONS.get(section)
        if check is None:
            errors.append(f"unknown section '{section}'")
        else:
            errors += check(value)
    return [f"{name}: {error}" for error in errors]


def check_translations(root: Path) -> list[str]:
    """strings.json and translations/en.json are valid and identical; every other
    language in translations/ is valid and matches en.json (see translations.py)."""
    idir = integration_dir(root)
    errors: list[str] = []
    if (idir / ".translations").is_dir():
        errors.append(".translations/ was renamed translations/")
    strings = _load_json(idir / "strings.json", errors)
    english = _load_json(idir / "translations" / "en.json", errors)
    if strings is not None:
        errors += validate_strings(strings, "strings.json")
    if english is not None:
        errors += validate_strings(english, "translations/en.json")
    if strings is not None and english is not None and strings != english:
        # A custom integration ships only translations/; strings.json is its source.
        errors.append("translations/en.json differs from strings.json")
    for path in languages(idir / "translations"):
        # Home Assistant loads these as they are: each must match en.json key for key.
        other = _load_json(path, errors)
        if other is not None and english is not None:
            name = f"translations/{path.name}"
            errors += validate_strings(other, name)
            errors += [f"{name}: {problem}" for problem in compare(english, other)]
    return errors


# --- the code <-> strings.json cross-check ---------------------------------------------


@dataclass
class CodeKeys:
    """The translation keys the Python code uses, by section of strings.json."""

    config_steps: set[str] = field(default_factory=set)
    options_steps: set[str] = field(default_factory=set)
    config_errors: set[str] = field(default_factory=set)
    options_errors: set[str] = field(default_factory=set)
    config_aborts: set[str] = field(default_factory=set)
    options_aborts: set[str] = field(default_factory=set)
    menu_options: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # The async_step_<id> methods of each kind of flow: what a menu option can open.
    step_methods: dict[str, set[str]] = field(default_factory=dict)
    exceptions: set[str] = field(default_factory=set)
    issues: set[str] = field(default_factory=set)
    selectors: set[str] = field(default_factory=set)
    entities: set[tuple[str, str]] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    # (section, key) -> placeholder names the code passes (None: not a literal dict).
    placeholders: dict[tuple[str, str], list[set[str] | None]] = field(default_factory=dict)


_PLATFORM_CLASS = re.compile(r"(Switch|Sensor|BinarySensor|Number|Select|Button|Light|Cover|Fan)")
_PLATFORMS = {
    "Switch": "switch",
    "Sensor": "sensor",
    "BinarySensor": "binary_sensor",
    "Number": "number",
    "Select": "select",
    "Button": "button",
    "Light": "light",
    "Cover": "cover",
    "Fan": "fan",
}
_EXCEPTION_SUFFIXES = ("Error", "Failed", "NotReady", "Exception")
# The abort reasons HA's config-flow helpers use when the code does not name one.
_IMPLICIT_ABORTS = {
    "_abort_if_unique_id_configured": "already_configured",
    "_abort_if_unique_id_mismatch": "unique_id_mismatch",
    "async_abort_entries_match": "already_configured",
    "_async_abort_entries_match": "already_configured",
}


class _Constants:
    """Module-level string constants of the package (NAME: Final = "value"), literal
    tables of strings (NAME = {...: "a", ...: ("b", "c")}) and top-level functions."""

    def __init__(self, modules: Mapping[Path, ast.Module]) -> None:
        self.by_name: dict[str, set[str]] = {}
        self.tables: dict[str, set[str]] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for module in modules.values():
            for node in module.body:
                target: ast.expr | None = None
                value: ast.expr | None = None
                if isinstance(node, ast.AnnAssign):
                    target, value = node.target, node.value
                elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions[node.name] = node
                if not isinstance(target, ast.Name):
                    continue
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    self.by_name.setdefault(target.id, set()).add(value.value)
                elif isinstance(value, ast.Dict | ast.Tuple) and (
                    strings := _literal_strings(value)
                ):
                    self.tables.setdefault(target.id, set()).update(strings)

    def resolve_all(self, node: ast.expr | None, depth: int = 0) -> set[str] | None:
        """Every string an expression may evaluate to, when that can be read from the
        code: a literal or constant, a lookup in a literal table, or a call of a package
        function whose returns can be read the same way (a table passed to it counts)."""
        if (single := self.resolve(node)) is not None:
            return {single}
        if depth > 4 or node is None:
            return None
        if isinstance(node, ast.Subscript):
            return self.resolve_all(node.value, depth + 1)
        if isinstance(node, ast.Name):
            return set(self.tables[node.id]) if node.id in self.tables else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            function = self.functions.get(node.func.id)
            if function is None:
                return None
            found: set[str] = set()
            for child in ast.walk(function):
                if isinstance(child, ast.Return) and child.value is not None:
                    values = self.resolve_all(child.value, depth + 1)
                    if values is None:
                        values = set()
                        for name in (n for n in ast.walk(child.value) if isinstance(n, ast.Name)):
                            values |= self.tables.get(name.id, set())
                            if name.id in self.functions and name.id != function.name:
                                values |= (
                                    self.resolve_all(
                                        ast.Call(func=name, args=[], keywords=[]), depth + 1
                                    )
                                    or set()
                                )
                    found |= values
            return found or None
        return None

    def resolve(self, node: ast.expr | None) -> str | None:
        """The string an expression names, if it is a literal or a package constant."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            values = self.by_name.get(node.id, set())
            if len(values) == 1:
                return next(iter(values))
            if not values:
                return _homeassistant_constant(node.id)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Platform"
        ):
            return node.attr.lower()
        return None


def _literal_strings(node: ast.expr) -> set[str]:
    """The strings in a literal table's values (dict values, tuple items, nested)."""
    items = node.values if isinstance(node, ast.Dict) else getattr(node, "elts", [])
    found: set[str] = set()
    for item in items:
        if isinstance(item, ast.Constant) and isinstance(item.value, str):
            found.add(item.value)
        elif isinstance(item, ast.Tuple):
            found |= _literal_strings(item)
    return found


def _homeassistant_constant(name: str) -> str | None:
    value = getattr(homeassistant.const, name, None)
    return value if isinstance(value, str) else None


def _package_modules(idir: Path) -> dict[Path, ast.Module]:
    # The protocol library has no Home Assistant code, hence no translation keys.
    return {
        path: _parse(path)
        for path in sorted(idir.rglob("*.py"))
        if "tuyalan" not in path.relative_to(idir).parts
    }


def _kwargs(call: ast.Call) -> dict[str, ast.expr]:
    return {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _literal_keys(node: ast.expr | None, constants: _Constants) -> set[str] | None:
    if not isinstance(node, ast.Dict):
        return None
    keys = {constants.resolve(key) if key is not None else None for key in node.keys}
    return None if None in keys else {key for key in keys if key is not None}


def _flow_kind(cls: ast.ClassDef) -> str | None:
    for base in cls.bases:
        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        if "OptionsFlow" in name:
            return "options"
        if "ConfigFlow" in name:
            return "config"
    return None


def _add_key(
    keys: CodeKeys, name: str, kwargs: dict[str, ast.expr], key: str, constants: _Constants
) -> None:
    provided = _literal_keys(kwargs.get("translation_placeholders"), constants)
    if name == "async_create_issue":
        keys.issues.add(key)
        keys.placeholders.setdefault(("issues", key), []).append(provided)
    elif name in ("SelectSelectorConfig", "async_selector_labels"):
        # async_selector_labels: a selector's option labels read for a form's text.
        keys.selectors.add(key)
    elif (platform := constants.resolve(kwargs.get("platform"))) is not None:
        # A table row naming its platform (mapping.py's KindInfo).
        keys.entities.add((platform, key))
    elif name.endswith("EntityDescription") and (match := _PLATFORM_CLASS.search(name)):
        keys.entities.add((_PLATFORMS[match.group(1)], key))
    elif name.endswith(_EXCEPTION_SUFFIXES):
        keys.exceptions.add(key)
        keys.placeholders.setdefault(("exceptions", key), []).append(provided)


def _error_values(function: ast.AST, constants: _Constants) -> set[str]:
    """Error keys a function puts in a form's errors: errors[...] = "x", {"base": "x"}."""
    found: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "errors"
                    and (value := constants.resolve(node.value)) is not None
                ):
                    found.add(value)
    return found


def _returned_dict_values(function: ast.AST, constants: _Constants) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            parts = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for part in parts:
                if isinstance(part, ast.Dict):
                    for item in part.values:
                        found |= constants.resolve_all(item) or set()
    return found


def _helpers_assigning_errors(function: ast.AST) -> set[str]:
    """Names of functions whose result lands in `errors` (errors = f(), _, errors = f())."""
    names: set[str] = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Assign):
            continue
        targets = [
            element
            for target in node.targets
            for element in (target.elts if isinstance(target, ast.Tuple) else [target])
        ]
        if not any(isinstance(t, ast.Name) and t.id == "errors" for t in targets):
            continue
        call = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(call, ast.Call):
            names.add(_call_name(call))
    return names


def collect_code_keys(root: Path) -> CodeKeys:
    """Scan the integration's Python code for every translation key it uses."""
    idir = integration_dir(root)
    modules = _package_modules(idir)
    constants = _Constants(modules)
    keys = CodeKeys()
    functions = {
        name: function
        for module in modules.values()
        for name, function in _top_functions(module).items()
    }

    for module in modules.values():
        for cls in (node for node in ast.walk(module) if isinstance(node, ast.ClassDef)):
            kind = _flow_kind(cls)
            if kind is None:
                continue
            steps = keys.config_steps if kind == "config" else keys.options_steps
            errors = keys.config_errors if kind == "config" else keys.options_errors
            aborts = keys.config_aborts if kind == "config" else keys.options_aborts
            errors |= _error_values(cls, constants)
            for helper in _helpers_assigning_errors(cls):
                if helper in functions:
                    errors |= _returned_dict_values(functions[helper], constants)
                    errors |= _error_values(functions[helper], constants)
            for method in cls.body:
                if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if method.name.startswith("async_step_"):
                    keys.step_methods.setdefault(kind, set()).add(method.name[len("async_step_") :])
                for call in (n for n in ast.walk(method) if isinstance(n, ast.Call)):
                    name, kwargs = _call_name(call), _kwargs(call)
                    if name in ("async_show_form", "async_show_menu", "async_show_progress"):
                        step_id = constants.resolve(kwargs.get("step_id"))
                        if step_id is not None:
                            steps.add(step_id)
                            menu = kwargs.get("menu_options")
                            if name == "async_show_menu" and isinstance(menu, ast.List):
                                keys.menu_options[(kind, step_id)] = {
                                    option
                                    for element in menu.elts
                                    if (option := constants.resolve(element)) is not None
                                }
                    elif name == "async_abort":
                        reason = constants.resolve(kwargs.get("reason"))
                        if reason is not None:
                            aborts.add(reason)
                    elif name in _IMPLICIT_ABORTS:
                        aborts.add(
                            constants.resolve(kwargs.get("reason")) or _IMPLICIT_ABORTS[name]
                        )
                    elif name == "async_set_unique_id":
                        raise_on_progress = kwargs.get("raise_on_progress")
                        if not (
                            isinstance(raise_on_progress, ast.Constant)
                            and raise_on_progress.value is False
                        ):
                            aborts.add("already_in_progress")
                    elif name == "async_update_reload_and_abort":
                        reason = constants.resolve(kwargs.get("reason"))
                        if reason is None and "reauth" in method.name:
                            reason = "reauth_successful"
                        elif reason is None and "reconfigure" in method.name:
                            reason = "reconfigure_successful"
                        if reason is not None:
                            aborts.add(reason)

        for call in (node for node in ast.walk(module) if isinstance(node, ast.Call)):
            name, kwargs = _call_name(call), _kwargs(call)
            if name == "async_register" and len(call.args) >= 2:
                service = constants.resolve(call.args[1])
                if service is not None:
                    keys.services.add(service)
            for arg, node in kwargs.items():
                if not arg.endswith("translation_key"):
                    continue
                # A variable: its values come from a table found below, or the line
                # reads from a literal table or a helper that does.
                for key in sorted(constants.resolve_all(node) or ()):
                    _add_key(keys, name, kwargs, key, constants)
        for cls in (node for node in ast.walk(module) if isinstance(node, ast.ClassDef)):
            for statement in cls.body:
                if (
                    isinstance(statement, ast.Assign | ast.AnnAssign)
                    and isinstance(
                        target := (
                            statement.targets[0]
                            if isinstance(statement, ast.Assign)
                            else statement.target
                        ),
                        ast.Name,
                    )
                    and target.id == "_attr_translation_key"
                    and (entity_key := constants.resolve(statement.value)) is not None
                ):
                    bases = " ".join(ast.unparse(base) for base in cls.bases)
                    if match := _PLATFORM_CLASS.search(bases):
                        keys.entities.add((_PLATFORMS[match.group(1)], entity_key))

    services_yaml = idir / "services.yaml"
    if services_yaml.is_file():
        data = yaml.safe_load(services_yaml.read_text(encoding="utf-8")) or {}
        for service in data.values():
            for field_info in ((service or {}).get("fields") or {}).values():
                select = ((field_info or {}).get("selector") or {}).get("select") or {}
                if "translation_key" in select:
                    keys.selectors.add(select["translation_key"])
    return keys


def _compare(used: set[str], defined: Iterable[str], where: str) -> list[str]:
    defined = set(defined)
    return [
        f"code uses {where}.{key}, missing from strings.json" for key in sorted(used - defined)
    ] + [f"strings.json {where}.{key} is not used by the code" for key in sorted(defined - used)]


def check_code_translations(root: Path) -> list[str]:
    """Every key the code uses is in strings.json; every key there is used."""
    idir = integration_dir(root)
    errors: list[str] = []
    strings = _load_json(idir / "strings.json", errors)
    if not isinstance(strings, dict):
        return errors
    keys = collect_code_keys(root)

    for kind, steps, flow_errors, aborts in (
        ("config", keys.config_steps, keys.config_errors, keys.config_aborts),
        ("options", keys.options_steps, keys.options_errors, keys.options_aborts),
    ):
        flow = strings.get(kind, {})
        errors += _compare(steps, flow.get("step", {}), f"{kind}.step")
        errors += _compare(flow_errors, flow.get("error", {}), f"{kind}.error")
        errors += _compare(aborts, flow.get("abort", {}), f"{kind}.abort")
    for (kind, step_id), options in keys.menu_options.items():
        step = strings.get(kind, {}).get("step", {}).get(step_id, {})
        errors += _compare(
            options, step.get("menu_options", {}), f"{kind}.step.{step_id}.menu_options"
        )
        steps = keys.step_methods.get(kind, set())
        errors += [
            f"{kind}.step.{step_id}: menu option '{option}' is not a step of the flow"
            for option in sorted(options - steps)
        ]

    errors += _compare(keys.exceptions, strings.get("exceptions", {}), "exceptions")
    errors += _compare(keys.issues, strings.get("issues", {}), "issues")
    errors += _compare(keys.selectors, strings.get("selector", {}), "selector")
    errors += _compare(keys.services, strings.get("services", {}), "services")
    defined_entities = {
        f"{platform}.{key}"
        for platform, platform_keys in strings.get("entity", {}).items()
        for key in platform_keys
    }
    errors += _compare(
        {f"{platform}.{key}" for platform, key in keys.entities}, defined_entities, "entity"
    )

    # A placeholder the string expects but the code does not pass shows up raw.
    for (section, key), calls in sorted(keys.placeholders.items()):
        info = strings.get(section, {}).get(key)
        if not isinstance(info, dict):
            continue
        texts = (
            [info.get("message", "")]
            if section == "exceptions"
            else [
                info.get("title", ""),
                info.get("description", ""),
            ]
        )
        expected = set().union(*(placeholders(text) for text in texts if isinstance(text, str)))
        for provided in calls:
            if provided is not None and expected - provided:
                errors.append(
                    f"{section}.{key}: the code does not pass placeholder(s) "
                    f"{sorted(expected - provided)}"
                )
    return errors


def check_selector_options(
    strings: Mapping[str, Any], offered: Mapping[str, Iterable[str]]
) -> list[str]:
    """The options a selector offers (by translation key) and their translations agree."""
    errors: list[str] = []
    for key, raw_options in offered.items():
        options = set(raw_options)
        defined = set(strings.get("selector", {}).get(key, {}).get("options", {}))
        errors += [
            f"selector.{key}: option '{o}' has no translation" for o in sorted(options - defined)
        ]
        errors += [
            f"selector.{key}: option '{o}' is never offered" for o in sorted(defined - options)
        ]
        errors += [
            f"selector.{key}: option '{o}' is not a valid translation key"
            for o in sorted(options)
            if not _is_translation_key(o)
        ]
    return errors


# --- services.yaml (hassfest services.py) ----------------------------------------------

_FIELD_KEYS = (
    "example",
    "default",
    "required",
    "advanced",
    "selector",
    "filter",
    "name",
    "description",
)


def check_services(root: Path) -> list[str]:
    """services.yaml: schema, registered services, and its strings and icons."""
    idir = integration_dir(root)
    errors: list[str] = []
    registered = collect_code_keys(root).services
    path = idir / "services.yaml"
    if not path.is_file():
        return ["registers services but has no services.yaml"] if registered else []
    data = _load_yaml(path, errors)
    if errors:
        return errors
    if not isinstance(data, dict):
        return ["services.yaml: expected a mapping"]
    strings = _load_json(idir / "translations" / "en.json", errors) or {}
    icons = _load_json(idir / "icons.json", []) or {}

    errors += [
        f"code registers service '{s}', missing from services.yaml"
        for s in sorted(registered - set(data))
    ]
    errors += [
        f"services.yaml: '{s}' is not registered by the code"
        for s in sorted(set(data) - registered)
    ]
    for service, raw_schema in data.items():
        at = f"services.yaml: {service}"
        if not _is_slug(service):
            errors.append(f"{at}: invalid service name")
        schema, shape_errors = _check_shape(
            raw_schema or {}, at, optional=("fields", "target", "name", "description")
        )
        errors += shape_errors
        fields: dict[str, Any] = {}
        for name, info in (schema.get("fields") or {}).items():
            if isinstance(info, dict) and "fields" in info:  # a section
                fields |= info["fields"] or {}
            else:
                fields[name] = info
        for name, raw_info in fields.items():
            info, field_errors = _check_shape(
                raw_info or {}, f"{at}.fields.{name}", optional=_FIELD_KEYS
            )
            errors += field_errors
            for key in ("example", "default"):
                if key in info and info[key] is None:
                    errors.append(f"{at}.fields.{name}.{key}: cannot be empty")
            if "required" in info and not isinstance(info["required"], bool):
                errors.append(f"{at}.fields.{name}.required: must be true or false")
            if "selector" in info:
                try:
                    ha_selector.validate_selector(info["selector"])
                except Exception as err:  # probatio/voluptuous both raise Invalid subclasses
                    errors.append(f"{at}.fields.{name}.selector: {err}")
        translated = strings.get("services", {}).get(service)
        if ("name" not in schema or "description" not in schema) and not translated:
            errors.append(f"{at}: has no name/description and is not in the translations")
        if isinstance(translated, dict):
            errors += _compare(
                set(fields), translated.get("fields", {}), f"services.{service}.fields"
            )
        if service not in icons.get("services", {}):
            errors.append(f"{at}: has no icon in icons.json")
    for service in strings.get("services", {}):
        if service not in data:
            errors.append(f"translations: service '{service}' is not in services.yaml")
    for service in icons.get("services", {}):
        if service not in data:
            errors.append(f"icons.json: service '{service}' is not in services.yaml")
    return errors


# --- icons.json (hassfest icons.py) ----------------------------------------------------


def _icon_errors(value: object, where: str) -> list[str]:
    if not isinstance(value, str) or not value.startswith("mdi:") or _HTML.search(value):
        return [f"{where}: {value!r} is not a Material Design Icon (mdi:...)"]
    return []


def _check_icon_states(states: Any, where: str) -> list[str]:
    if not isinstance(states, dict):
        return [f"{where}: expected a mapping"]
    errors = _check_keys(states, where)
    for key, icon in states.items():
        errors += _icon_errors(icon, f"{where}.{key}")
    return errors


def _same_as_default(info: Mapping[str, Any], where: str) -> list[str]:
    states = info.get("state")
    return [
        f"{where}.state.{state}: same icon as the default, remove it"
        for state, icon in (states.items() if isinstance(states, dict) else ())
        if icon == info.get("default")
    ]


def _check_icon_entry(info: Any, where: str, *, component: bool = False) -> list[str]:
    info, errors = _check_shape(
        info, where, optional=("default", "state", "state_attributes", "range")
    )
    if "default" in info:
        errors += _icon_errors(info["default"], f"{where}.default")
    if "state" in info:
        errors += _check_icon_states(info["state"], f"{where}.state")
    # hassfest rejects redundant state icons of entity components and of attributes
    # (its check does not reach an integration's entity keys, where core has many).
    if component:
        errors += _same_as_default(info, where)
    if "range" in info:
        errors += (
            _check_icon_states(
                {f"r{i}": icon for i, icon in enumerate(info["range"].values())}, f"{where}.range"
            )
            if isinstance(info["range"], dict)
            else [f"{where}.range: expected a mapping"]
        )
    for attribute, raw_attr_info in (info.get("state_attributes") or {}).items():
        aat = f"{where}.state_attributes.{attribute}"
        if not _is_translation_key(attribute):
            errors.append(f"{aat}: invalid key")
        attr_info, attr_errors = _check_shape(raw_attr_info, aat, optional=("default", "state"))
        errors += attr_errors
        if "default" in attr_info:
            errors += _icon_errors(attr_info["default"], f"{aat}.default")
        if "state" in attr_info:
            errors += _check_icon_states(attr_info["state"], f"{aat}.state")
        errors += _same_as_default(attr_info, aat)
    return errors


def validate_icons(icons: Any, integration_type: str = "hub") -> list[str]:
    """The hassfest schema of icons.json."""
    allowed = ["config", "issues", "options", "services", "triggers", "conditions"]
    if integration_type in ("entity", "helper", "system"):
        allowed.append("entity_component")
    if integration_type not in ("entity", "system"):
        allowed.append("entity")
    icons, errors = _check_shape(icons, "icons.json", optional=allowed)
    for flow in ("config", "options"):
        for step_id, step in ((icons.get(flow) or {}).get("step") or {}).items():
            for name, icon in (step.get("section") or {}).items():
                errors += _icon_errors(icon, f"icons.json: {flow}.step.{step_id}.section.{name}")
    entity = icons.get("entity", {})
    if not isinstance(entity, dict):
        errors.append("icons.json: entity: expected a mapping")
        entity = {}
    errors += [f"icons.json: {e}" for e in _check_keys(entity, "entity", slug=True)]
    for platform, keys in entity.items():
        if not isinstance(keys, dict):
            errors.append(f"icons.json: entity.{platform}: expected a mapping")
            continue
        errors += [f"icons.json: {e}" for e in _check_keys(keys, f"entity.{platform}")]
        for key, info in keys.items():
            errors += [
                f"icons.json: {e}" for e in _check_icon_entry(info, f"entity.{platform}.{key}")
            ]
    for component, info in (icons.get("entity_component") or {}).items():
        errors += [
            f"icons.json: {e}"
            for e in _check_icon_entry(info, f"entity_component.{component}", component=True)
        ]
    for section in ("services", "triggers", "conditions"):
        members = icons.get(section, {})
        if not isinstance(members, dict):
            errors.append(f"icons.json: {section}: expected a mapping")
            continue
        marker = {"services": "service", "triggers": "trigger", "conditions": "condition"}[section]
        for name, raw_info in members.items():
            at = f"icons.json: {section}.{name}"
            info, shape_errors = _check_shape(
                raw_info, at, required=(marker,), optional=("sections",)
            )
            errors += shape_errors
            if marker in info:
                errors += _icon_errors(info[marker], f"{at}.{marker}")
            for part, icon in (info.get("sections") or {}).items():
                errors += _icon_errors(icon, f"{at}.sections.{part}")
    return errors


def check_icons(root: Path) -> list[str]:
    """icons.json: the hassfest schema, and every entity icon belongs to a translated key."""
    idir = integration_dir(root)
    errors: list[str] = []
    if not (idir / "icons.json").is_file():
        return []
    icons = _load_json(idir / "icons.json", errors)
    manifest = _load_json(idir / "manifest.json", errors) or {}
    strings = _load_json(idir / "strings.json", errors) or {}
    if icons is None:
        return errors
    errors += validate_icons(icons, manifest.get("integration_type", "hub"))
    entity_strings = strings.get("entity", {})
    for platform, keys in (icons.get("entity") or {}).items():
        for key in keys if isinstance(keys, dict) else {}:
            if key not in entity_strings.get(platform, {}):
                errors.append(f"icons.json: entity.{platform}.{key} has no entity translation key")
    return errors


# --- hacs.json and the HACS action's repository checks ---------------------------------

HACS_JSON_KEYS: dict[str, type | tuple[type, ...]] = {
    "content_in_root": bool,
    "country": (str, list),
    "filename": str,
    "hacs": str,
    "hide_default_branch": bool,
    "homeassistant": str,
    "persistent_directory": str,
    "render_readme": bool,
    "zip_release": bool,
    "name": str,
}
_HA_VERSION = re.compile(r"^20\d\d\.(?:[1-9]|1[0-2])\.\d+(?:b\d+)?$")


def check_hacs_json(root: Path) -> list[str]:
    """hacs.json: only the keys HACS knows, a name, a Home Assistant version it can read."""
    errors: list[str] = []
    data = _load_json(root / "hacs.json", errors)
    if errors:
        return errors
    if not isinstance(data, dict):
        return ["hacs.json: expected a mapping"]
    if "name" not in data:
        errors.append("hacs.json: missing 'name'")
    for key, value in data.items():
        if key not in HACS_JSON_KEYS:
            errors.append(f"hacs.json: unknown key '{key}'")
        elif not isinstance(value, HACS_JSON_KEYS[key]):
            errors.append(f"hacs.json: '{key}' has the wrong type")
    if isinstance(data.get("homeassistant"), str) and not _HA_VERSION.match(data["homeassistant"]):
        errors.append(
            f"hacs.json: homeassistant {data['homeassistant']!r} is not a release (YYYY.M.P)"
        )
    if data.get("zip_release") and not data.get("filename"):
        errors.append("hacs.json: zip_release is true, but filename is not set")
    return errors


# SPDX ids of the OSI-approved licences we could plausibly pick, and how to spot them.
_LICENSE_MARKERS = {
    "MIT": "Permission is hereby granted, free of charge",
    "Apache-2.0": "Apache License",
    "GPL-3.0": "GNU GENERAL PUBLIC LICENSE",
    "BSD-3-Clause": "Redistribution and use in source and binary forms",
}


def detect_license(root: Path) -> str | None:
    """The SPDX id of the repository's licence file (as GitHub would detect it)."""
    for name in ("LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING"):
        path = root / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for spdx, marker in _LICENSE_MARKERS.items():
                if marker in text:
                    return spdx
            return "NOASSERTION"
    return None


def check_repository(root: Path) -> list[str]:
    """The HACS action's information, license and manifest checks, and the README."""
    errors: list[str] = []
    names = {path.name.lower() for path in root.iterdir()}
    if not names & {"readme", "readme.md", "info", "info.md"}:
        errors.append("the repository has no information file (README.md)")
    spdx = detect_license(root)
    if spdx is None:
        errors.append("the repository has no licence file")
    elif spdx == "NOASSERTION":
        errors.append("the licence file is not a licence HACS recognises (OSI-approved)")
    readme = root / "README.md"
    if spdx not in (None, "NOASSERTION") and readme.is_file():
        text = readme.read_text(encoding="utf-8")
        if "LICENSE" not in text or spdx not in text:
            errors.append(f"README.md does not name the licence ({spdx}, LICENSE)")
    if readme.is_file():
        # A relative image that is not in the repository shows as a broken image.
        text = readme.read_text(encoding="utf-8")
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text) + re.findall(
            r"<img[^>]+src=\"([^\"]+)\"", text
        ):
            if "://" not in target and not (root / target).is_file():
                errors.append(f"README.md: image {target} does not exist")
    return errors


# --- brand images (HA 2026 serves custom_components/<domain>/brand/) -------------------


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a PNG file (from its IHDR chunk), None if not a PNG."""
    head = path.read_bytes()[:24]
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


BRAND_IMAGES = (
    "icon.png",
    "icon@2x.png",
    "logo.png",
    "logo@2x.png",
    "dark_icon.png",
    "dark_icon@2x.png",
    "dark_logo.png",
    "dark_logo@2x.png",
)


def check_brand(root: Path) -> list[str]:
    """brand/: icon.png present; the sizes of home-assistant/brands for every image."""
    brand = integration_dir(root) / "brand"
    if not (brand / "icon.png").is_file():
        return ["brand/icon.png is missing"]
    errors: list[str] = []
    for path in sorted(brand.iterdir()):
        if path.name not in BRAND_IMAGES:
            errors.append(f"brand/{path.name}: not an image Home Assistant serves")
            continue
        size = png_size(path)
        if size is None:
            errors.append(f"brand/{path.name}: not a PNG file")
            continue
        width, height = size
        hidpi = "@2x" in path.name
        if "icon" in path.name:
            side = 512 if hidpi else 256
            if size != (side, side):
                errors.append(f"brand/{path.name}: {width}x{height}, must be {side}x{side}")
        else:
            low, high = (256, 512) if hidpi else (128, 256)
            if not low <= min(width, height) <= high:
                errors.append(
                    f"brand/{path.name}: shortest side {min(width, height)} px, "
                    f"must be {low} to {high}"
                )
    return errors


# --- quality_scale.yaml (hassfest quality_scale.py and quality_scale_validation/) ------

# The rules of Home Assistant 2026.10, by tier.
QUALITY_RULES: dict[str, tuple[str, ...]] = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}
ALL_QUALITY_RULES = frozenset(rule for rules in QUALITY_RULES.values() for rule in rules)


def _platform_modules(idir: Path) -> Iterator[Path]:
    for platform in Platform:
        path = idir / f"{platform.value}.py"
        if path.is_file():
            yield path


def _setup_entry(module: ast.Module) -> ast.AsyncFunctionDef | None:
    function = _top_functions(module).get("async_setup_entry")
    return function if isinstance(function, ast.AsyncFunctionDef) else None


def _rule_errors(rule: str, root: Path, done: set[str]) -> list[str]:
    """What hassfest verifies in the code for a rule marked done."""
    idir = integration_dir(root)
    init = _parse(idir / "__init__.py")
    flow_file = idir / "config_flow.py"
    flow = _parse(flow_file) if flow_file.is_file() else ast.Module(body=[], type_ignores=[])
    manifest = json.loads((idir / "manifest.json").read_text(encoding="utf-8"))
    setup_entry = _setup_entry(init)
    match rule:
        case "config-flow":
            if not manifest.get("config_flow") or not flow_file.is_file():
                return ["no config flow (manifest config_flow and config_flow.py)"]
        case "runtime-data":
            if setup_entry is None or not any(
                isinstance(node, ast.Attribute)
                and node.attr == "runtime_data"
                and isinstance(node.ctx, ast.Store)
                for node in ast.walk(setup_entry)
            ):
                return ["async_setup_entry does not set entry.runtime_data"]
        case "test-before-setup":
            raises = any(
                isinstance(node, ast.Raise)
                and node.exc is not None
                and re.search(r"ConfigEntry(NotReady|AuthFailed|Error)", ast.unparse(node.exc))
                for module in _package_modules(idir).values()
                for node in ast.walk(module)
            )
            first_refresh = setup_entry is not None and (
                "async_config_entry_first_refresh" in _method_calls(setup_entry)
            )
            if not (raises or first_refresh):
                return ["setup neither refreshes first nor raises ConfigEntryNotReady & co"]
        case "unique-config-entry":
            calls = _method_calls(flow)
            if not manifest.get("single_config_entry") and not (
                "_async_abort_entries_match" in calls
                or {"async_set_unique_id", "_abort_if_unique_id_configured"} <= calls
            ):
                return ["the config flow does not prevent setting up a device twice"]
        case "config-entry-unloading":
            if "async_unload_entry" not in _top_functions(init):
                return ["__init__.py has no async_unload_entry"]
        case "parallel-updates":
            return [
                f"{path.name} does not set PARALLEL_UPDATES"
                for path in _platform_modules(idir)
                if "PARALLEL_UPDATES" not in _assigned_names(_parse(path))
            ]
        case "reauthentication-flow":
            if "async_step_reauth" not in _defined_functions(flow):
                return ["config_flow.py has no async_step_reauth"]
        case "reconfiguration-flow":
            if "async_step_reconfigure" not in _defined_functions(flow):
                return ["config_flow.py has no async_step_reconfigure"]
        case "diagnostics":
            path = idir / "diagnostics.py"
            if not path.is_file() or not _defined_functions(_parse(path)) & {
                "async_get_config_entry_diagnostics",
                "async_get_device_diagnostics",
            }:
                return ["no diagnostics platform"]
        case "discovery":
            if not any(key in manifest for key in _DISCOVERY_MANIFEST_KEYS) and not (
                _defined_functions(flow) & _DISCOVERY_STEPS
            ):
                return ["no discovery (manifest matcher or async_step_<discovery>)"]
        case "action-setup":
            errors = []
            for path in [idir / "__init__.py", *_platform_modules(idir)]:
                entry_setup = _setup_entry(_parse(path))
                if entry_setup is not None and _method_calls(entry_setup) & {
                    "async_register",
                    "async_register_entity_service",
                }:
                    errors.append(f"{path.name} registers actions in async_setup_entry")
            return errors
        case "has-entity-name":
            modules = _package_modules(idir).values()
            classes = {
                node.name: node
                for module in modules
                for node in ast.walk(module)
                if isinstance(node, ast.ClassDef)
            }

            def named(name: str) -> bool:
                cls = classes.get(name)
                if cls is None:
                    return False
                for statement in cls.body:
                    if (
                        isinstance(statement, ast.Assign | ast.AnnAssign)
                        and "_attr_has_entity_name" in ast.unparse(statement).split("=")[0]
                    ):
                        value = statement.value
                        return isinstance(value, ast.Constant) and value.value is True
                return any(named(ast.unparse(base).split("[")[0]) for base in cls.bases)

            return [
                f"{name} does not set _attr_has_entity_name = True"
                for name, cls in sorted(classes.items())
                if name.endswith("Entity") and cls.bases and not named(name)
            ]
        case "exception-translations":
            return [
                f"{path.name}:{node.lineno}: {_call_name(node)} without translation_key"
                for path, module in _package_modules(idir).items()
                for node in ast.walk(module)
                if isinstance(node, ast.Call)
                and _call_name(node)
                in {
                    "HomeAssistantError",
                    "ServiceValidationError",
                    "ConfigEntryNotReady",
                    "ConfigEntryAuthFailed",
                    "ConfigEntryError",
                    "UpdateFailed",
                }
                and "translation_key" not in _kwargs(node)
            ]
        case "icon-translations":
            if not (idir / "icons.json").is_file():
                return ["no icons.json"]
        case "entity-translations":
            if not (json.loads((idir / "strings.json").read_text(encoding="utf-8"))).get("entity"):
                return ["strings.json has no entity translations"]
        case "brands":
            if not (idir / "brand" / "icon.png").is_file():
                return ["no brand/icon.png"]
        case "strict-typing":
            setup_cfg = root / "setup.cfg"
            text = setup_cfg.read_text(encoding="utf-8") if setup_cfg.is_file() else ""
            if not re.search(r"^\[mypy\][^\[]*^strict\s*=\s*true", text, re.MULTILINE):
                return ["mypy is not configured with strict = true"]
            if "runtime-data" in done:
                # hassfest: with strict typing, the entry is annotated with a typed alias.
                function = setup_entry
                if function is not None and len(function.args.args) >= 2:
                    annotation = function.args.args[1].annotation
                    if not (
                        isinstance(annotation, ast.Name)
                        and re.fullmatch(r"[A-Za-z]+ConfigEntry", annotation.id)
                        and annotation.id != "ConfigEntry"
                    ):
                        return ["async_setup_entry does not take a typed ConfigEntry alias"]
        case "docs-actions":
            readme = (root / "README.md").read_text(encoding="utf-8")
            services = collect_code_keys(root).services
            missing = sorted(service for service in services if service not in readme)
            if missing:
                return [f"README.md does not document the action(s) {missing}"]
    return []


def check_quality_scale(root: Path) -> list[str]:
    """quality_scale.yaml: known rules only, valid statuses, and what hassfest can verify."""
    idir = integration_dir(root)
    errors: list[str] = []
    data = _load_yaml(idir / "quality_scale.yaml", errors)
    if errors:
        return errors
    if not isinstance(data, dict) or not isinstance(data.get("rules"), dict):
        return ["quality_scale.yaml: needs a 'rules' mapping"]
    errors += [f"quality_scale.yaml: unknown key '{key}'" for key in data if key != "rules"]
    done: set[str] = set()
    for rule, value in data["rules"].items():
        at = f"quality_scale.yaml: {rule}"
        if rule not in ALL_QUALITY_RULES:
            errors.append(f"{at}: not a rule of the quality scale")
            continue
        status = value.get("status") if isinstance(value, dict) else value
        if isinstance(value, dict):
            extra = set(value) - {"status", "comment"}
            errors += [f"{at}: unknown key '{key}'" for key in sorted(extra)]
            if "comment" in value and not isinstance(value["comment"], str):
                errors.append(f"{at}: comment must be a string")
        if status not in ("done", "todo", "exempt"):
            errors.append(f"{at}: status must be done, todo or exempt, got {status!r}")
        elif status == "exempt" and not (isinstance(value, dict) and value.get("comment")):
            errors.append(f"{at}: exempt needs a comment saying why")
        elif status == "done":
            done.add(rule)
    # Our file lists every rule so that a new one is a decision, not an omission.
    errors += [
        f"quality_scale.yaml: rule '{rule}' is missing"
        for rule in sorted(ALL_QUALITY_RULES - set(data["rules"]))
    ]
    for rule in sorted(done):
        errors += [
            f"quality_scale.yaml: {rule} is done, but {e}" for e in _rule_errors(rule, root, done)
        ]
    return errors


ALL_CHECKS = (
    check_manifest,
    check_config_flow,
    check_config_schema,
    check_translations,
    check_code_translations,
    check_services,
    check_icons,
    check_hacs_json,
    check_repository,
    check_brand,
    check_quality_scale,
)
