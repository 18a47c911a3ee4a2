"""Whether Home Assistant looks like it runs in a container without host networking.

Host diagnostics, not protocol. Broadcasts from the LAN do not cross the bridge of a
container network (Docker's default ``bridge``, a compose network, Podman's): Home
Assistant then hears no Tuya device at all. The evidence, both required:

* a container runtime's marker file (``/.dockerenv``, ``/run/.containerenv``): a LAN
  that happens to use 172.16.0.0/12 is no container;
* every IPv4 address of every enabled adapter inside 172.16.0.0/12, the pool Docker
  draws its bridge networks from (a LAN address means host networking or a macvlan,
  where broadcasts do arrive).

The discovery layer asks only after nothing has been heard for a while: a house with
no Tuya device broadcasting is not told it runs in a container on this alone.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from pathlib import Path
from typing import Final

MARKERS: Final = (Path("/.dockerenv"), Path("/run/.containerenv"))
DOCKER_POOL: Final = ipaddress.IPv4Network("172.16.0.0/12")


def container_marker(markers: Iterable[Path] = MARKERS) -> bool:
    """Whether a container runtime's marker file exists (blocking: run in an executor)."""
    return any(marker.exists() for marker in markers)


def bridge_only(addresses: Iterable[str]) -> bool:
    """Whether every non-loopback IPv4 address is in Docker's bridge pool (and there
    is at least one)."""
    networks = [
        ipaddress.IPv4Address(address)
        for address in addresses
        if not ipaddress.IPv4Address(address).is_loopback
    ]
    return bool(networks) and all(address in DOCKER_POOL for address in networks)


def looks_like_bridge_container(addresses: Iterable[str], *, marker: bool) -> bool:
    """Both pieces of evidence: the marker file and bridge-pool addresses only."""
    return marker and bridge_only(addresses)
