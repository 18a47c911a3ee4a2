"""The subnet probe on Home Assistant's side: looking for devices whose broadcasts do
not reach us (``tuyalan.subnet`` probes the addresses).

What is probed: the ``probe_ranges`` option, on the user's request (the
``tuya_lan.probe`` action) and every ``PROBE_INTERVAL`` while a configured device is
missing; then also where each missing device may be: its last address, and the LAN
address its linked account lists for it. The account's address is a hint, never proof:
the cloud often knows only the public address (it is used only when it is a private
or loopback one), and an entry moves there only when the device answers there as
itself (a handshake with its key, see ``follow``).

What is done with the answers:

* a 3.5 device answers the discovery request with its announcement: it is handed to
  discovery, which makes a card or follows a configured device, as for a broadcast;
* something that accepts a TCP connection on 6668 without announcing itself (3.1-3.4
  devices never answer the request) at a missing device's hinted address: that entry
  follows it there if the device answers as itself;
* anywhere else, unless a configured or recently heard device has that address: a
  Discovered card with only the address, whose flow asks for the id and the key; or,
  when a linked account lists an unconfigured device at that address, that device's
  card (its key from the account, proven there before anything is saved).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Final

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import discovery_flow

from .account import cached_device
from .const import CONF_DEVICE_ID, DISCOVERY_IP, DOMAIN, LOGGER
from .entries import loaded_accounts
from .tuyalan import (
    TCP_PORT,
    UDP_PORT_APP,
    DiscoveredDevice,
    ProbeAnswer,
    ProbeRangeError,
    SubnetProbe,
    parse_ranges,
)

# The ports devices listen on (tests point these at loopback ports), and how often the
# probe looks for missing devices by itself (a /22 every 5 minutes at most: a few
# hundred small packets, nothing a LAN notices).
PROBE_TCP_PORT: Final = TCP_PORT
PROBE_REQUEST_PORT: Final = UDP_PORT_APP
PROBE_INTERVAL: Final = 300.0
# Where a device on a LAN can be: the private ranges of RFC 1918 (and loopback, where
# the demo's simulated devices are). Not Python's wider "is_private", which also
# holds the documentation and benchmark ranges no LAN uses.
LAN_NETWORKS: Final = tuple(
    ipaddress.IPv4Network(network)
    for network in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8")
)


def address_flow_id(ip: str) -> str:
    """The unique id of a card for an address where something listens but nothing
    announced itself (its flow takes the device's id once the user gives it)."""
    return f"address_{ip}"


@callback
def async_end_address_card(hass: HomeAssistant, host: str, *, keep: str | None = None) -> None:
    """End the address card of ``host`` (flow ``keep`` aside): a device there was added
    another way (by key, from the account). Home Assistant ends the flows of the new
    entry's unique id itself; the address card's is the address, so it is ended here."""
    flows = hass.config_entries.flow
    match = {"unique_id": address_flow_id(host)}
    for flow in flows.async_progress_by_handler(DOMAIN, match_context=match):
        if flow["flow_id"] != keep:
            flows.async_abort(flow["flow_id"])


def lan_hint(address: str | None) -> str | None:
    """An address the cloud lists, if it can be the device's on the LAN (in
    LAN_NETWORKS); the public address it usually holds is no use."""
    try:
        ip = ipaddress.IPv4Address(address or "")
    except ValueError:
        return None
    return str(ip) if any(ip in network for network in LAN_NETWORKS) else None


def hinted_device(hass: HomeAssistant, host: str) -> str | None:
    """The id of a device a linked account lists at LAN address ``host`` and that no
    entry has: an address card is offered as that device (a hint: the flow's
    handshake with the account's key proves it before anything is saved)."""
    entries = hass.config_entries
    for _, account in loaded_accounts(hass):
        for cloud in account.cached_devices() or ():
            known = entries.async_entry_for_domain_unique_id(DOMAIN, cloud.id) is not None
            if lan_hint(cloud.ip) == host and not known:
                return cloud.id
    return None


class RangeProbe:
    """Probes the listed ranges and where missing devices may be; acts on the answers."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        ranges: Iterable[str],
        bind_host: str,
        client_ip: Callable[[], Awaitable[str]],
        missing: Callable[[], list[ConfigEntry]],
        known_addresses: Callable[[], set[str]],
        on_device: Callable[[DiscoveredDevice, tuple[str, int]], None],
        on_listens: Callable[[ConfigEntry, str], object],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``client_ip``: the address devices answer to; ``missing``: the entries whose
        devices are missing; ``known_addresses``: those of configured and recently
        heard devices; ``on_device``: an announcement that answered (device, source);
        ``on_listens``: a missing entry's hinted address listens (entry, address)."""
        self.hass = hass
        self.ranges = list(ranges)
        self._bind_host = bind_host
        self._client_ip = client_ip
        self._missing = missing
        self._known_addresses = known_addresses
        self._on_device = on_device
        self._on_listens = on_listens
        self._clock = clock
        self._running: SubnetProbe | None = None
        self._lock = asyncio.Lock()
        self._last: float | None = None

    @property
    def busy(self) -> bool:
        """Whether a probe is running."""
        return self._lock.locked()

    def claims(self, device: DiscoveredDevice, source_ip: str) -> bool:
        """Whether an announcement heard by the listener answers the running probe
        (acted on once the probe is done: a handshake with the device now could find
        the probe's connection still counted)."""
        return self._running is not None and self._running.heard_device(device, source_ip)

    def _where_missing(self) -> tuple[list[str], dict[str, ConfigEntry]]:
        """The last addresses of missing devices, and the LAN addresses their linked
        accounts list (hint -> entry)."""
        last: list[str] = []
        hints: dict[str, ConfigEntry] = {}
        for entry in self._missing():
            host = entry.data.get(CONF_HOST)
            with contextlib.suppress(ValueError):
                last.append(str(ipaddress.IPv4Address(host)))
            cloud = cached_device(self.hass, entry.data[CONF_DEVICE_ID])
            hint = lan_hint(cloud.ip if cloud is not None else None)
            if hint is not None and hint != host:
                hints[hint] = entry
        return last, hints

    async def async_probe(self, ranges: Iterable[str] | None = None) -> list[ProbeAnswer]:
        """Probe ``ranges`` (default: the ``probe_ranges`` option) and where missing
        devices may be; what answered. Raises ``ProbeRangeError`` on a bad range.

        A probe already running is waited for, not doubled.
        """
        addresses = parse_ranges([*(self.ranges if ranges is None else ranges)])
        last, hints = self._where_missing()
        for host in [*last, *hints]:
            if (address := ipaddress.IPv4Address(host)) not in addresses:
                addresses.append(address)
        async with self._lock:
            self._last = self._clock()
            if not addresses:
                return []
            try:
                client_ip = await self._client_ip()
            except HomeAssistantError as err:
                LOGGER.debug("Not probing: %s", err)
                return []
            async with SubnetProbe(
                client_ip,
                tcp_port=PROBE_TCP_PORT,
                request_port=PROBE_REQUEST_PORT,
                bind_host=self._bind_host,
            ) as prober:
                self._running = prober
                try:
                    answers = await prober.run(addresses)
                finally:
                    self._running = None
        self._act(answers, hints)
        LOGGER.debug(
            "Probed %s addresses: %s answered",
            len(addresses),
            ", ".join(f"{a.ip} ({a.device_id or 'TCP'})" for a in answers) or "none",
        )
        return answers

    @callback
    def _act(self, answers: list[ProbeAnswer], hints: dict[str, ConfigEntry]) -> None:
        known = self._known_addresses()
        for answer in answers:
            if answer.device is not None:
                self._on_device(answer.device, (answer.ip, PROBE_REQUEST_PORT))
            elif answer.ip in hints:
                self._on_listens(hints[answer.ip], answer.ip)
            elif answer.tcp_open and answer.ip not in known:
                LOGGER.debug("Something listens at %s without announcing itself", answer.ip)
                discovery_flow.async_create_flow(
                    self.hass,
                    DOMAIN,
                    context={"source": SOURCE_INTEGRATION_DISCOVERY},
                    data={DISCOVERY_IP: answer.ip},
                )

    @callback
    def async_probe_for_missing(self, listening: bool) -> None:
        """While a configured device is missing, probe the ranges and the addresses
        its account hints at every PROBE_INTERVAL (with neither, the coordinator's
        reconnects look at the last address)."""
        if (
            not listening
            or self.busy
            or (self._last is not None and self._clock() - self._last < PROBE_INTERVAL)
        ):
            return
        missing = self._missing()
        if not missing or not (self.ranges or self._where_missing()[1]):
            return
        self._last = self._clock()
        self.hass.async_create_background_task(self._async_probe_quietly(), f"{DOMAIN} probe")

    async def _async_probe_quietly(self) -> None:
        try:
            await self.async_probe()
        except ProbeRangeError as err:  # the option is checked at start-up: not expected
            LOGGER.warning("Cannot probe for missing devices: %s", err)
