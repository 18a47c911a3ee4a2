"""The integration does not depend on tuya-device-handlers (README, *Why our own DP
table*): nothing imports it or core's tuya integration, the manifest neither requires
it nor loads core tuya, and every module of the integration imports with the package
absent or present in any version, so a change of Home Assistant's pin cannot break us.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "custom_components" / "tuya_lan"
FORBIDDEN = ("tuya_device_handlers", "homeassistant.components.tuya")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_no_module_imports_the_handlers_or_core_tuya() -> None:
    """No module of the integration (library included) imports either."""
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in PACKAGE.rglob("*.py")
        for name in _imports(path)
        if any(name == bad or name.startswith(f"{bad}.") for bad in FORBIDDEN)
    }
    assert offending == set()


def test_manifest_does_not_require_them() -> None:
    """No requirement on the handlers, and core tuya neither set up nor waited for."""
    manifest = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
    assert not any("tuya-device-handlers" in req for req in manifest.get("requirements", []))
    assert "tuya" not in manifest.get("dependencies", [])
    assert "tuya" not in manifest.get("after_dependencies", [])


_IMPORT_ALL = """
import importlib, pkgutil, sys, types
mode = sys.argv[1]
if mode == "absent":
    sys.modules["tuya_device_handlers"] = None  # import raises ImportError
else:
    stand_in = types.ModuleType("tuya_device_handlers")
    stand_in.__version__ = "999.0.0"  # a pin Home Assistant has not made yet
    sys.modules["tuya_device_handlers"] = stand_in
import custom_components.tuya_lan as package
for module in pkgutil.walk_packages(package.__path__, "custom_components.tuya_lan."):
    importlib.import_module(module.name)
print("imported")
"""


@pytest.mark.parametrize("mode", ["absent", "other_version"])
def test_every_module_imports_whatever_the_handlers(mode: str) -> None:
    """Every module imports with the package missing, or present in another version."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported"
