"""The demo's start-up checks and prepared settings (demo/run.py), without starting it."""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]


def load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_run", REPO / "demo" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_taken_port_is_named_with_its_holder(socket_enabled: None) -> None:
    """A port another program holds stops the demo before it starts anything, naming
    the port, what the demo needs it for, and the holder."""
    demo = load_demo()
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
    ):
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        udp.bind(("127.0.0.1", 0))
        taken_tcp, taken_udp = tcp.getsockname()[1], udp.getsockname()[1]
        problems = demo.ports_in_use(
            [
                demo.NeededPort("tcp", taken_tcp, "Home Assistant's web server"),
                demo.NeededPort("udp", taken_udp, "Tuya LAN's discovery listener"),
            ]
        )
    assert len(problems) == 2
    assert f"TCP port {taken_tcp} (Home Assistant's web server) is held by" in problems[0]
    assert f"UDP port {taken_udp} (Tuya LAN's discovery listener) is held by" in problems[1]
    assert all(f"(pid {os.getpid()})" in line for line in problems)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert demo.ports_in_use([demo.NeededPort("tcp", free, "x")]) == []


def test_every_port_the_demo_binds_is_checked() -> None:
    demo = load_demo()
    needed = {(p.protocol, p.host, p.port) for p in demo.needed_ports(8123)}
    assert needed == {
        ("tcp", "127.0.0.1", 8123),
        # Each simulated device on the real devices' port, at a loopback address of its own.
        *(("tcp", f"127.0.0.{n}", 6668) for n in range(2, 13)),
        ("tcp", "127.0.0.1", 17100),  # the fake developer cloud
        ("tcp", "127.0.0.1", 17101),  # the fake Smart Life cloud
        ("udp", "127.0.0.1", 6666),
        ("udp", "127.0.0.1", 6667),
        ("udp", "127.0.0.1", 7000),
        ("udp", "127.0.0.1", 17000),
    }


def test_http_settings_are_confirmed_and_local() -> None:
    """No `http:` YAML (Home Assistant 2026.10 would migrate it as an unconfirmed trial:
    a modal and a repair); the settings are in storage, confirmed, on 127.0.0.1."""
    demo = load_demo()
    config = yaml.safe_load((REPO / "demo" / "configuration.yaml").read_text())
    assert "http" not in config
    assert config["tuya_lan"]["listen_address"] == "127.0.0.1"
    stored = demo.http_storage(8124)
    assert stored["key"] == "http"
    data = stored["data"]
    assert data["pending"] is None
    assert data["yaml_migration_done"] is True
    assert data["stable"]["server_host"] == ["127.0.0.1"]
    assert data["stable"]["server_port"] == 8124
    assert data["stable"]["error"] is None


def test_prepared_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Onboarding done, HTTP confirmed, Home Assistant's installation-method repair
    ignored (kept on a second start, with its other issues)."""
    demo = load_demo()
    storage = tmp_path / ".storage"
    storage.mkdir()
    (storage / "auth_provider.homeassistant").write_text("{}")  # skip creating the user
    demo.prepare_config(tmp_path, False, 8123)
    assert (storage / "onboarding").exists()
    assert (storage / "http").exists()
    registry = yaml.safe_load((storage / "repairs.issue_registry").read_text())
    issues = {(i["domain"], i["issue_id"]): i for i in registry["data"]["issues"]}
    assert issues[("homeassistant", "deprecated_method")]["dismissed_version"]
    demo.prepare_config(tmp_path, False, 8123)
    registry = yaml.safe_load((storage / "repairs.issue_registry").read_text())
    assert len(registry["data"]["issues"]) == 1
