"""Free ports on 127.0.0.1 for tests (bound and released, so the kernel picks them)."""

from __future__ import annotations

import socket


def free_udp_ports(count: int) -> list[int]:
    """``count`` distinct free UDP ports (all bound at once, so they differ)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_tcp_port() -> int:
    """A TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
