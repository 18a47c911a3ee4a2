"""Why discovery may hear nothing, said as repair issues.

* A discovery port that another program holds: an issue naming the holder (setup of
  entries is unaffected), gone once every port is bound.
* Nothing heard for ``SILENCE_WINDOW`` in a container on a bridge network (the rule is
  in ``container``): an issue telling the two fixes (host networking, or the probe
  ranges), gone when a device is heard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from homeassistant.components import network
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER
from .container import container_marker, looks_like_bridge_container
from .ports import describe_port_holders

ISSUE_PORTS_IN_USE: Final = "ports_in_use"
ISSUE_CONTAINER: Final = "container_network"
# Nothing heard for this long (devices announce every 5 s) in a container on a bridge
# network: the container repair issue.
SILENCE_WINDOW: Final = 900.0


class PortsIssue:
    """The repair issue for discovery ports another program holds."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self._ports: list[int] = []

    async def async_update(self, unavailable: Mapping[int, str]) -> None:
        """Create, update or delete the issue for the ports not bound (port -> why)."""
        ports = sorted(unavailable)
        if ports == self._ports:
            return
        self._ports = ports
        if not ports:
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_PORTS_IN_USE)
            LOGGER.info("Listening for Tuya devices on every discovery port again")
            return
        holders = await self.hass.async_add_executor_job(describe_port_holders, ports)
        listed = ", ".join(str(port) for port in ports)
        LOGGER.warning(
            "Cannot listen for Tuya devices on UDP %s (%s); devices there are not "
            "discovered. Held by: %s",
            listed,
            "; ".join(f"{port}: {unavailable[port]}" for port in ports),
            holders,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_PORTS_IN_USE,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_PORTS_IN_USE,
            translation_placeholders={"ports": listed, "holders": holders},
        )


class ContainerIssue:
    """The repair issue for a Home Assistant that hears nothing in a bridge network."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self._raised = False
        self.heard_any = False

    @callback
    def heard(self) -> None:
        """A device was heard: no container problem; the issue goes if it was raised."""
        self.heard_any = True
        if self._raised:
            self._raised = False
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_CONTAINER)

    async def async_check(self, *, listening: bool, listened_for: float) -> None:
        """Nothing heard for SILENCE_WINDOW, in a container on a bridge: say so, once."""
        if self._raised or self.heard_any or not listening or listened_for < SILENCE_WINDOW:
            return
        marker = await self.hass.async_add_executor_job(container_marker)
        addresses = [
            str(address["address"])
            for adapter in await network.async_get_adapters(self.hass)
            if adapter["enabled"]
            for address in adapter["ipv4"]
        ]
        if not looks_like_bridge_container(addresses, marker=marker):
            return
        self._raised = True
        LOGGER.warning(
            "No Tuya device heard for %d minutes, and Home Assistant runs in a container on "
            "a bridge network (%s), where broadcasts do not arrive: use host networking, "
            "or list the devices' address ranges in probe_ranges",
            SILENCE_WINDOW // 60,
            ", ".join(addresses),
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_CONTAINER,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_CONTAINER,
            translation_placeholders={"addresses": ", ".join(addresses)},
        )
