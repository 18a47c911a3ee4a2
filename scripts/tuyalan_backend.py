"""A PEP 517 build backend for the ``tuyalan`` wheel, with nothing to download.

Why our own: the library's source has to stay where HACS installs it,
``custom_components/tuya_lan/tuyalan/``, inside the integration's package. The wheel
must hold it as a top-level ``tuyalan`` instead. Backends that can move a directory
like that (hatchling's ``sources``, setuptools' ``package-dir``) are not in the test
environment, and ``uv_build`` refuses a module root that is itself a package. The
job is small (zip one directory with its metadata), so it is done here with the
standard library only, and any front end builds offline: ``python -m build
--no-isolation``, ``pip wheel --no-build-isolation .`` or ``uv build``.

What it reads from ``pyproject.toml``: ``[project]`` (the keys in ``_PROJECT_KEYS``;
anything else stops the build rather than being dropped) and
``[tool.tuyalan-backend] package``, the directory whose last part is the import name.
No editable installs: a path entry for the integration's directory would make its
modules (``select``, ``const``…) top-level.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_PROJECT_KEYS = frozenset(
    {
        "name",
        "version",
        "description",
        "license",
        "license-files",
        "requires-python",
        "dependencies",
        "optional-dependencies",
        "classifiers",
        "scripts",
    }
)
# Zip entries need a date; a fixed one makes the same source give the same wheel.
_EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))  # 1980-01-01


class _Project:
    """The parts of pyproject.toml a build needs."""

    def __init__(self, root: Path) -> None:
        config = tomllib.loads((root / "pyproject.toml").read_text())
        self.root = root
        self.project: dict[str, Any] = config["project"]
        unknown = set(self.project) - _PROJECT_KEYS
        if unknown:
            raise ValueError(f"tuyalan_backend does not write {sorted(unknown)} yet")
        self.package = root / config["tool"]["tuyalan-backend"]["package"]
        self.import_name = self.package.name
        if not (self.package / "__init__.py").is_file():
            raise ValueError(f"{self.package} is not a package")
        self.name: str = self.project["name"]
        self.version: str = self.project["version"]
        # The file-name form of the name (PEP 427 / the binary distribution format).
        self.stem = f"{re.sub(r'[-_.]+', '_', self.name).lower()}-{self.version}"

    def sources(self) -> Iterator[tuple[Path, str]]:
        """Each file of the package, with its path inside the wheel."""
        for path in sorted(self.package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                yield path, f"{self.import_name}/{path.relative_to(self.package).as_posix()}"

    def licenses(self) -> list[Path]:
        return [self.root / name for name in self.project.get("license-files", [])]

    def metadata(self) -> str:
        """The core metadata (version 2.4: the licence as an SPDX expression)."""
        project = self.project
        lines = [
            "Metadata-Version: 2.4",
            f"Name: {self.name}",
            f"Version: {self.version}",
        ]
        if "description" in project:
            lines.append(f"Summary: {project['description']}")
        if "license" in project:
            lines.append(f"License-Expression: {project['license']}")
        lines += [f"License-File: {path.name}" for path in self.licenses()]
        lines += [f"Classifier: {item}" for item in project.get("classifiers", [])]
        if "requires-python" in project:
            lines.append(f"Requires-Python: {project['requires-python']}")
        lines += [f"Requires-Dist: {item}" for item in project.get("dependencies", [])]
        for extra, requirements in project.get("optional-dependencies", {}).items():
            lines.append(f"Provides-Extra: {extra}")
            lines += [f'Requires-Dist: {item}; extra == "{extra}"' for item in requirements]
        return "\n".join(lines) + "\n"

    def entry_points(self) -> str | None:
        scripts = self.project.get("scripts")
        if not scripts:
            return None
        return "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items())


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    """PEP 517: write ``<name>-<version>-py3-none-any.whl`` and return its file name."""
    project = _Project(ROOT)
    dist_info = f"{project.stem}.dist-info"
    files: list[tuple[str, bytes]] = [(name, path.read_bytes()) for path, name in project.sources()]
    files += [(f"{dist_info}/licenses/{p.name}", p.read_bytes()) for p in project.licenses()]
    files.append((f"{dist_info}/METADATA", project.metadata().encode()))
    wheel = "Wheel-Version: 1.0\nGenerator: tuyalan_backend\nRoot-Is-Purelib: true\n"
    files.append((f"{dist_info}/WHEEL", (wheel + "Tag: py3-none-any\n").encode()))
    if (entry_points := project.entry_points()) is not None:
        files.append((f"{dist_info}/entry_points.txt", entry_points.encode()))
    record = [_record_line(name, data) for name, data in files] + [f"{dist_info}/RECORD,,"]
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))

    filename = f"{project.stem}-py3-none-any.whl"
    date = time.gmtime(max(_EPOCH, 315532800))[:6]
    with zipfile.ZipFile(Path(wheel_directory) / filename, "w", zipfile.ZIP_DEFLATED) as wheel_zip:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=date)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel_zip.writestr(info, data)
    return filename


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    """PEP 517: the source tree a wheel is built from (the same paths as here)."""
    project = _Project(ROOT)
    members: list[tuple[str, bytes]] = [
        ("pyproject.toml", (ROOT / "pyproject.toml").read_bytes()),
        (Path(__file__).relative_to(ROOT).as_posix(), Path(__file__).read_bytes()),
        ("PKG-INFO", project.metadata().encode()),
    ]
    members += [(p.relative_to(ROOT).as_posix(), p.read_bytes()) for p in project.licenses()]
    members += [
        (path.relative_to(ROOT).as_posix(), path.read_bytes()) for path, _ in project.sources()
    ]
    filename = f"{project.stem}.tar.gz"
    with tarfile.open(Path(sdist_directory) / filename, "w:gz") as sdist:
        for name, data in members:
            info = tarfile.TarInfo(f"{project.stem}/{name}")
            info.size, info.mtime, info.mode = len(data), _EPOCH, 0o644
            sdist.addfile(info, io.BytesIO(data))
    return filename


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    """PEP 517: nothing beyond the standard library."""
    return []


def get_requires_for_build_sdist(config_settings: dict[str, Any] | None = None) -> list[str]:
    """PEP 517: nothing beyond the standard library."""
    return []
