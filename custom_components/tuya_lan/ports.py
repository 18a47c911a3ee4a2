"""Which process holds a UDP or TCP port (Linux): /proc/net/* inode -> /proc/<pid>/fd.

Host diagnostics, not protocol: the discovery repair issue names what keeps the
discovery ports busy (often another Tuya integration or tool), and the demo names what
holds a port it needs. Blocking file reads: call from an executor. Best effort: without
/proc, or without permission to read another user's file descriptors, the answer is
just shorter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True, order=True)
class PortHolder:
    """A process with a socket on the port."""

    pid: int
    name: str


# The "st" column of /proc/net/tcp for a listening socket.
TCP_LISTEN = 0x0A


def socket_inodes(table: str, port: int, *, state: int | None = None) -> set[int]:
    """The inodes of the sockets bound to local ``port`` in a /proc/net/{udp,tcp}{,6} table.

    With ``state``, only sockets in that state (``TCP_LISTEN``: a TCP server, not the
    connections that happen to use the port).
    """
    inodes: set[int] = set()
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        _, _, local_port = fields[1].rpartition(":")
        try:
            if (
                int(local_port, 16) == port
                and (state is None or int(fields[3], 16) == state)
                and (inode := int(fields[9]))
            ):
                inodes.add(inode)
        except ValueError:
            continue
    return inodes


def udp_port_holders(port: int, *, proc: Path = Path("/proc")) -> list[PortHolder]:
    """The processes holding UDP ``port`` (IPv4 or IPv6), by pid."""
    return _holders(("udp", "udp6"), port, None, proc)


def tcp_port_holders(port: int, *, proc: Path = Path("/proc")) -> list[PortHolder]:
    """The processes listening on TCP ``port`` (IPv4 or IPv6), by pid."""
    return _holders(("tcp", "tcp6"), port, TCP_LISTEN, proc)


def _holders(tables: tuple[str, ...], port: int, state: int | None, proc: Path) -> list[PortHolder]:
    inodes: set[int] = set()
    for name in tables:
        try:
            inodes |= socket_inodes((proc / "net" / name).read_text(), port, state=state)
        except OSError:
            continue
    if not inodes:
        return []
    wanted = {f"socket:[{inode}]" for inode in inodes}
    holders: set[PortHolder] = set()
    try:
        pids = [entry for entry in os.listdir(proc) if entry.isdigit()]
    except OSError:
        return []
    for pid in pids:
        fd_dir = proc / pid / "fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue  # gone, or not ours to read
        for fd in fds:
            try:
                target = os.readlink(fd_dir / fd)
            except OSError:
                continue
            if target in wanted:
                holders.add(PortHolder(int(pid), _process_name(proc / pid)))
                break
    return sorted(holders)


def _process_name(pid_dir: Path) -> str:
    """A short description of a process: its program and first words, before any option.

    Options are left out on purpose: a command line may carry a local key
    (``--key ...``), and this text is shown to the user.
    """
    try:
        argv = [a.decode(errors="replace") for a in (pid_dir / "cmdline").read_bytes().split(b"\0")]
    except OSError:
        argv = []
    words: list[str] = []
    for arg in (a for a in argv if a):
        if arg.startswith("-") and arg != "-m":
            break
        words.append(os.path.basename(arg) if not words else arg)
        if len(words) == 4:
            break
    if words:
        return " ".join(words)[:120]
    try:
        return (pid_dir / "comm").read_text().strip() or "?"
    except OSError:
        return "?"


def describe_port_holders(ports: list[int]) -> str:
    """Name what holds each port, for the repair issue (blocking: run in an executor)."""
    own = os.getpid()
    parts = []
    for port in ports:
        holders = udp_port_holders(port)
        names = [
            f"{holder.name} (pid {holder.pid}"
            + (
                ", this Home Assistant: another integration, such as localtuya)"
                if holder.pid == own
                else ")"
            )
            for holder in holders
        ]
        parts.append(f"UDP {port}: {', '.join(names) if names else 'unknown process'}")
    return "; ".join(parts)
