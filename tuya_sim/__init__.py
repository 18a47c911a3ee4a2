"""Simulated Tuya WiFi devices that behave like real ones, for tests, benchmarks and demos.

One process can hold many devices, each on its own 127.0.0.1 port, speaking protocol
3.1-3.5 (and the "device22" variant) from the device's side. The byte-level rules
come from ``shared/PROTOCOL.md``; the framing and ciphers are the protocol library's.

    from tuya_sim import DeviceSimulator, SimulatedDevice

    async with DeviceSimulator() as sim:
        ...

``python -m tuya_sim --help`` runs devices from the command line.
"""

from .device import SimulatedDevice
from .discovery import build_datagram
from .gateway import SimulatedGateway
from .profiles import PROFILES, PlugProfile, Profile, StripProfile, make_profile
from .session import DeviceSession
from .simulator import DeviceSimulator

__all__ = [
    "PROFILES",
    "DeviceSession",
    "DeviceSimulator",
    "PlugProfile",
    "Profile",
    "SimulatedDevice",
    "SimulatedGateway",
    "StripProfile",
    "build_datagram",
    "make_profile",
]
