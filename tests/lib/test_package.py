"""The library on its own feet: its public surface, its import rules, and its wheel.

The wheel is built from ``pyproject.toml`` as a user would build it, installed into a
fresh virtual environment that holds only the wheel's own dependencies (no Home
Assistant, no aiohttp), and its command-line tool talks to a simulated device.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.metadata
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from custom_components.tuya_lan import tuyalan
from custom_components.tuya_lan.tuyalan import codec
from tests.sim.common import KEY, StartDevice

REPO = Path(__file__).resolve().parents[2]
INTEGRATION = REPO / "custom_components" / "tuya_lan"
LIBRARY = INTEGRATION / "tuyalan"
LIBRARY_NAME = "custom_components.tuya_lan.tuyalan"
# The modules other code may import: the package, and its two public modules.
PUBLIC_MODULES = frozenset({LIBRARY_NAME, f"{LIBRARY_NAME}.codec", f"{LIBRARY_NAME}.dpmap"})

PUBLIC_NAMES = [
    "CloudcutterDevice",
    "CloudcutterFileError",
    "CloudcutterProfile",
    "parse_key_file",
    "parse_profile",
    "profile_specs",
    "ProbeAnswer",
    "ProbeRangeError",
    "SubnetProbe",
    "parse_ranges",
    "KEY_FAULTS",
    "MAX_DEVICES",
    "DETECT_ORDER",
    "REGIONS",
    "TCP_PORT",
    "UDP_PORTS",
    "UDP_PORT_APP",
    "UDP_PORT_ENCRYPTED",
    "UDP_PORT_PLAIN",
    "VERSIONS",
    "ChildHealth",
    "ChildOfflineError",
    "CloudAuthError",
    "CloudClockError",
    "CloudConnectionError",
    "CloudDevice",
    "CloudDeviceUnknownError",
    "CloudError",
    "CloudPermissionError",
    "CloudQrExpiredError",
    "CloudQrPendingError",
    "CloudRegionError",
    "CloudSessionError",
    "CloudUserCodeError",
    "Command",
    "ConnectLimiter",
    "ConnectionRefusedByDevice",
    "DeviceError",
    "DeviceState",
    "DeviceUpdate",
    "DiscoveredDevice",
    "DiscoveryListener",
    "DpModel",
    "Fault",
    "HandshakeDroppedError",
    "HeardDevice",
    "HeardDevices",
    "Health",
    "InvalidKeyError",
    "InvalidValueError",
    "KeyUnprovenError",
    "MalformedFrameError",
    "NoStatusError",
    "NotConnectedError",
    "Presence",
    "ReplyTooLargeError",
    "Timings",
    "TuyaChild",
    "TuyaClient",
    "TuyaCloud",
    "TuyaConnectionError",
    "TuyaDevice",
    "TuyaGateway",
    "TuyaError",
    "TuyaTimeoutError",
    "UnknownVersionError",
    "WrongKeyError",
    "backoff_delay",
    "build_discovery_request",
    "classify",
    "clean_text",
    "cloud_error",
    "codec",
    "decode_broadcast",
    "detect_version",
    "dpmap",
    "merge_model",
    "model_from_sharing",
    "parse_presence_report",
    "parse_stored_model",
    "probe",
    "probe_gateway",
    "session_proves_key",
    "valid_device_id",
    "validate_local_key",
]
CODEC_NAMES = [
    "UDP_KEY",
    "Frame",
    "FrameKeys",
    "FrameParser",
    "decode_discovery_request",
    "decode_frame",
    "derive_session_key",
    "ecb_for",
    "encode_55aa",
    "encode_6699",
    "gcm_for",
    "hmac_sha256",
    "json_bytes",
    "sign_31",
]


def test_the_public_surface_is_pinned() -> None:
    """A name leaves or joins the public surface only together with this list."""
    assert sorted(tuyalan.__all__) == sorted(PUBLIC_NAMES)
    assert sorted(codec.__all__) == sorted(CODEC_NAMES)
    for name in tuyalan.__all__:
        assert getattr(tuyalan, name) is not None, name
    for name in codec.__all__:
        assert getattr(codec, name) is not None, name
    assert set(tuyalan.__all__) <= set(dir(tuyalan))  # the lazy cloud names too


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, relative ones resolved."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            found.append((node.lineno, module))
            # `from .tuyalan import codec` imports a module too.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _private(module: str) -> bool:
    """Whether an imported name is a private module of the library, or from one."""
    if not module.startswith(f"{LIBRARY_NAME}.") or module in PUBLIC_MODULES:
        return False
    parent, _, last = module.rpartition(".")
    if parent in PUBLIC_MODULES - {LIBRARY_NAME}:
        return False  # a name of a public module
    # `from .tuyalan import TuyaError` is a name of the package, not a module.
    return not (parent == LIBRARY_NAME and not (LIBRARY / f"{last}.py").exists())


def test_outside_code_uses_only_the_public_surface() -> None:
    """The integration and the simulator import the package and its public modules,
    never a private module of it."""
    outside = sorted(INTEGRATION.glob("*.py")) + sorted((REPO / "tuya_sim").rglob("*.py"))
    private = [
        f"{path.relative_to(REPO)}:{line}: {module}"
        for path in outside
        for line, module in _imports(path)
        if _private(module)
    ]
    assert private == []


def test_the_library_imports_itself_relatively() -> None:
    """Relative imports inside the package, none reaching out of it: the same files
    work as custom_components.tuya_lan.tuyalan and as the installed tuyalan."""
    wrong = [
        f"{path.relative_to(REPO)}:{node.lineno}"
        for path in sorted(LIBRARY.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if (isinstance(node, ast.ImportFrom) and node.level > 1)
        or (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").split(".")[0] in {"custom_components", "tuyalan"}
        )
        or (
            isinstance(node, ast.Import)
            and any(a.name.split(".")[0] in {"custom_components", "tuyalan"} for a in node.names)
        )
    ]
    assert wrong == []


# --- the wheel --------------------------------------------------------------------------


@dataclass(frozen=True)
class Standalone:
    """A virtual environment with the wheel and its dependencies, nothing else."""

    wheel: Path
    python: Path
    script: Path
    env: dict[str, str]


def _dependency_closure(requirements: list[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions that ``requirements`` need, transitively (no extras)."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in found:
            found[name] = importlib.metadata.distribution(name)
            todo += [Requirement(text) for text in found[name].requires or []]
    return list(found.values())


def _wheel_metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return HeaderParser().parsestr(archive.read(name).decode())


def _wheel_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _pip(*args: str | Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _build_wheel(source: Path, dist: Path) -> Path:
    """``pip wheel`` of a source tree, offline (the backend needs no download)."""
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source)
    (wheel,) = dist.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Standalone:
    """Build the wheel, and install it where Home Assistant is not."""
    work = tmp_path_factory.mktemp("standalone")
    wheel = _build_wheel(REPO, work / "dist")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60)
    python = venv / "bin" / "python"
    _pip("--python", python, "install", "--no-deps", "--no-index", wheel)
    # The wheel's dependencies come from this environment, one link per distribution,
    # through a path file: the new environment sees them and nothing else of this one.
    deps = work / "deps"
    deps.mkdir()
    requirements = _wheel_metadata(wheel).get_all("Requires-Dist") or []
    for distribution in _dependency_closure([r for r in requirements if "extra ==" not in r]):
        root = Path(str(distribution.locate_file("")))
        for top in {file.parts[0] for file in distribution.files or [] if file.parts[0] != ".."}:
            (deps / top).symlink_to(root / top)
    site = Path(sysconfig.get_path("purelib", "venv", vars={"base": venv, "platbase": venv}))
    (site / "dependencies.pth").write_text(f"{deps}\n")
    # Nothing of ours leaks in: no PYTHONPATH (it names the checkout), no coverage hooks.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "COV"))}
    return Standalone(wheel, python, venv / "bin" / "tuyalan", env)


async def _run(standalone: Standalone, *args: str | Path) -> tuple[int, str, str]:
    """Run a program of the new environment from a directory without our sources."""
    process = await asyncio.create_subprocess_exec(
        *map(str, args),
        cwd=standalone.python.parent,
        env=standalone.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def test_the_wheel_holds_the_library_and_its_own_dependencies(standalone: Standalone) -> None:
    files = _wheel_files(standalone.wheel)
    ours = sorted(name for name in files if not name.startswith("tuyalan-"))
    library = sorted(
        f"tuyalan/{path.relative_to(LIBRARY).as_posix()}"
        for path in LIBRARY.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    assert ours == library  # the library, not the integration, the simulator or tests
    assert "tuyalan/py.typed" in ours
    metadata = _wheel_metadata(standalone.wheel)
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert (metadata["Name"], metadata["Version"]) == ("tuyalan", manifest["version"])
    requirements = metadata.get_all("Requires-Dist") or []
    assert [r for r in requirements if "extra ==" not in r] == ["cryptography>=42"]
    assert {"cloud", "speedups"} <= set(metadata.get_all("Provides-Extra") or [])
    assert any(r.startswith("aiohttp") and 'extra == "cloud"' in r for r in requirements)
    entry_points = files["tuyalan-0.1.0.dist-info/entry_points.txt"].decode()
    assert "tuyalan = tuyalan.__main__:main" in entry_points


def test_the_source_distribution_builds_the_same_wheel(
    standalone: Standalone, tmp_path: Path
) -> None:
    """The sdist carries everything the wheel needs, and builds it byte for byte."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import tuyalan_backend
    finally:
        sys.path.remove(str(REPO / "scripts"))
    sdist = tmp_path / tuyalan_backend.build_sdist(str(tmp_path))
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (source,) = (tmp_path / "unpacked").iterdir()
    wheel = _build_wheel(source, tmp_path / "dist")
    assert _wheel_files(wheel) == _wheel_files(standalone.wheel)


async def test_the_installed_library_needs_no_home_assistant(standalone: Standalone) -> None:
    code, stdout, stderr = await _run(
        standalone,
        standalone.python,
        "-I",
        "-c",
        "import importlib.util, json, sys, time\n"
        "start = time.perf_counter()\n"
        "import tuyalan, tuyalan.__main__\n"
        "seconds = time.perf_counter() - start\n"
        "print(json.dumps({'file': tuyalan.__file__, 'seconds': seconds,\n"
        "  'ha': importlib.util.find_spec('homeassistant') is not None,\n"
        "  'loaded': sorted({m.split('.')[0] for m in sys.modules})}))",
    )
    assert code == 0, stderr
    found = json.loads(stdout)
    assert found["file"].startswith(str(standalone.python.parents[1]))  # the wheel's copy
    assert not found["ha"]  # not even installed
    assert "homeassistant" not in found["loaded"]
    assert "aiohttp" not in found["loaded"]  # the cloud client loads on first use
    assert "custom_components" not in found["loaded"]
    print(f"import tuyalan and its command line: {found['seconds'] * 1000:.0f} ms")


async def test_the_command_line_tool_talks_to_a_device(
    standalone: Standalone, start_device: StartDevice
) -> None:
    device = await start_device("3.5", tick_interval=None)
    where = ["--host", "127.0.0.1", "--port", str(device.port), "--id", device.device_id]
    code, stdout, stderr = await _run(
        standalone, standalone.python, "-I", "-m", "tuyalan", "status", *where, "--key", KEY
    )
    assert code == 0, stderr
    assert json.loads(stdout) == {"version": "3.5", "dps": device.dps}

    # The installed script, writing a DP.
    code, stdout, stderr = await _run(
        standalone, standalone.script, "set", *where, "--key", KEY, "--version", "3.5",
        "--dps", '{"1": false}',
    )  # fmt: skip
    assert code == 0, stderr
    assert json.loads(stdout)["dps"]["1"] is False
    assert device.dps["1"] is False


async def test_the_cloud_command_asks_for_its_extra(standalone: Standalone) -> None:
    code, stdout, stderr = await _run(
        standalone, standalone.python, "-I", "-m", "tuyalan",
        "cloud", "--access-id", "id", "--access-secret", "secret", "--region", "eu",
    )  # fmt: skip
    assert (code, stdout) == (1, "")
    assert stderr.startswith("error: TuyaError: the cloud command needs the cloud extra")


async def test_the_command_line_tool_starts_quickly(standalone: Standalone) -> None:
    """Without Home Assistant behind it, the tool is up in well under half a second
    (the bound is loose: the machine running the suite may be busy)."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        code, stdout, stderr = await _run(standalone, standalone.script, "--help")
        timings.append(time.perf_counter() - start)
        assert code == 0, stderr
        assert stdout.startswith("usage: python -m tuyalan")
    print(f"tuyalan --help: {min(timings) * 1000:.0f} ms (best of 3)")
    assert min(timings) < 1.0
