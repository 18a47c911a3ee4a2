"""Which process holds a UDP or TCP port: /proc/net/{udp,tcp} inode -> /proc/<pid>/fd."""

# ruff: noqa: E501 (the /proc tables below are copied as the kernel writes them)

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from custom_components.tuya_lan.ports import (
    TCP_LISTEN,
    PortHolder,
    socket_inodes,
    tcp_port_holders,
    udp_port_holders,
)

UDP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 00000000:1A0B 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 0
  101: 0100007F:1B58 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 4343 2 0000000000000000 0
  102: 00000000:1A0B 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 2 0000000000000000 0
  junk
  103: 00000000:ZZZZ 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 77 2 0000000000000000 0
"""
UDP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
    7: 00000000000000000000000000000000:1A0A 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5151 2 0000000000000000 0
"""
# A server on 8123 (state 0A, listening) and a connection from local port 8124
# (state 01, established): only the server holds its port.
TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1FBB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6161 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1FBC 0100007F:1FBB 01 00000000:00000000 00:00000000 00000000     0        0 6262 1 0000000000000000 20 4 30 10 -1
"""


def test_socket_inodes_by_port():
    assert socket_inodes(UDP, 6667) == {4242}  # inode 0: a socket being torn down
    assert socket_inodes(UDP, 7000) == {4343}
    assert socket_inodes(UDP6, 6666) == {5151}
    assert socket_inodes(UDP, 6666) == set()


def fake_proc(root: Path) -> Path:
    (root / "net").mkdir(parents=True)
    (root / "net" / "udp").write_text(UDP)
    (root / "net" / "udp6").write_text(UDP6)
    (root / "net" / "tcp").write_text(TCP)

    def process(pid: int, cmdline: bytes, comm: str, sockets: list[int]) -> None:
        fd = root / str(pid) / "fd"
        fd.mkdir(parents=True)
        (root / str(pid) / "cmdline").write_bytes(cmdline)
        (root / str(pid) / "comm").write_text(comm + "\n")
        (fd / "0").symlink_to("/dev/null")
        for index, inode in enumerate(sockets, start=3):
            (fd / str(index)).symlink_to(f"socket:[{inode}]")

    process(
        10,
        b"/usr/bin/python3\0-m\0tinytuya\0scan\0--key\0secretsecret1234\0",
        "python3",
        [4242, 4343],
    )
    process(11, b"", "localtuya-ish", [4242])
    process(12, b"/usr/bin/other\0", "other", [999, 6262])
    process(14, b"/usr/bin/python3\0-m\0homeassistant\0-c\0/config\0", "python3", [6161])
    (root / "13").mkdir()  # a process whose fds we may not read
    (root / "self").mkdir()  # not a pid
    return root


def test_holders_from_a_proc_tree(tmp_path: Path):
    proc = fake_proc(tmp_path)
    assert udp_port_holders(6667, proc=proc) == [
        PortHolder(10, "python3 -m tinytuya scan"),  # options (a key!) left out
        PortHolder(11, "localtuya-ish"),
    ]
    assert udp_port_holders(7000, proc=proc) == [PortHolder(10, "python3 -m tinytuya scan")]
    assert udp_port_holders(6666, proc=proc) == []  # nobody we can see holds inode 5151
    assert udp_port_holders(5000, proc=proc) == []


def test_no_proc(tmp_path: Path):
    assert udp_port_holders(6667, proc=tmp_path / "missing") == []


def test_unreadable_names(tmp_path: Path):
    proc = fake_proc(tmp_path)
    (proc / "11" / "comm").unlink()
    assert PortHolder(11, "?") in udp_port_holders(6667, proc=proc)
    (proc / "11" / "comm").write_text("\n")
    assert PortHolder(11, "?") in udp_port_holders(6667, proc=proc)
    (proc / "11" / "cmdline").unlink()  # a process that just exited
    (proc / "11" / "comm").write_text("gone\n")
    assert PortHolder(11, "gone") in udp_port_holders(6667, proc=proc)


def test_process_list_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    proc = fake_proc(tmp_path)
    real_listdir = os.listdir

    def listdir(path: Any) -> list[str]:
        if Path(path) == proc:
            raise PermissionError("not allowed")
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", listdir)
    assert udp_port_holders(6667, proc=proc) == []


@pytest.mark.skipif(not Path("/proc/net/udp").exists(), reason="Linux /proc only")
def test_finds_this_process(socket_enabled: None):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))  # bound only: nothing is sent
        port = sock.getsockname()[1]
        holders = udp_port_holders(port)
    assert [h.pid for h in holders] == [os.getpid()]
    assert Path(sys.executable).name.startswith(holders[0].name.split()[0][:6])


def test_tcp_listeners_only(tmp_path: Path):
    assert socket_inodes(TCP, 8123, state=TCP_LISTEN) == {6161}
    assert socket_inodes(TCP, 8124, state=TCP_LISTEN) == set()
    proc = fake_proc(tmp_path)
    assert tcp_port_holders(8123, proc=proc) == [PortHolder(14, "python3 -m homeassistant")]
    assert tcp_port_holders(8124, proc=proc) == []  # a client's local port is not held
    assert tcp_port_holders(6667, proc=proc) == []  # a UDP port is not a TCP one


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="Linux /proc only")
def test_finds_this_process_listening(socket_enabled: None):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        assert tcp_port_holders(port) == []  # bound, not listening yet
        sock.listen()
        holders = tcp_port_holders(port)
    assert [h.pid for h in holders] == [os.getpid()]
