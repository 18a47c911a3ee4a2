"""Discovery for the whole integration: one UDP listener, started in async_setup.

* An unknown device id starts an integration-discovery flow (a "Discovered" card
  asking only for the local key).
* A configured device heard at another address is told so with its dispatcher
  signal (``follow.signal_heard``): its coordinator, which knows whether its session
  is down, follows it (``follow.async_follow``). An entry waiting to retry its setup
  has no coordinator: discovery follows for it.
* 3.5 devices stay silent until asked: the 0x25 request goes out every
  ``REQUEST_INTERVAL`` while something may be found (see ``_wants_requests``).

Not here: the subnet probe for devices whose broadcasts do not reach us (``probing``;
3.5 devices answer its request on UDP 7000, where this listener hears them, and they
become cards as broadcasts do), and the repair issues for ports another program holds
and for a container that hears nothing (``listen_issues``). This module's tick drives
both.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.components import network
from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.setup import async_setup_component
from homeassistant.util.hass_dict import HassKey

from .const import (
    CONF_DEVICE_ID,
    CONF_LISTEN_ADDRESS,
    CONF_PROBE_RANGES,
    CONF_PRODUCT_KEY,
    CONF_PROTOCOL_VERSION,
    CONF_REQUEST_ADDRESS,
    CONF_REQUEST_PORT,
    DISCOVERY_IP,
    DISCOVERY_VERSION,
    DOMAIN,
    LOGGER,
)
from .follow import async_follow, changed_version, signal_heard
from .listen_issues import ContainerIssue, PortsIssue
from .missing import MissingDevices
from .probing import RangeProbe
from .tuyalan import (
    UDP_PORT_APP,
    UDP_PORTS,
    DiscoveredDevice,
    DiscoveryListener,
    HeardDevice,
    HeardDevices,
    ProbeAnswer,
)

DATA_DISCOVERY: HassKey[TuyaLanDiscovery] = HassKey(f"{DOMAIN}_discovery")

# Where to listen (tests point these at free loopback ports).
LISTEN_HOST: Final = "0.0.0.0"  # noqa: S104 (broadcasts arrive on every interface)
LISTEN_PORTS: Final = UDP_PORTS
# Where the 0x25 request goes: the port 3.5 devices listen on.
REQUEST_PORT: Final = UDP_PORT_APP

# Every 10 s, while something may be found. tinytuya's scanner asks every 6 s, but it
# runs for a few seconds; this runs for days. Devices announce every 5 s on their own,
# so at 10 s each 3.5 device's answers cost half of what a 3.3 device sends anyway,
# and a 3.5 device that moved is found within 10 s, well inside the library's
# reconnect backoff (up to a minute). The same tick retries ports another program held.
REQUEST_INTERVAL: Final = timedelta(seconds=10)
# After start, ask for a minute: unconfigured 3.5 devices are silent until asked.
STARTUP_REQUESTS: Final = 60.0
# Act on a device at most once a minute, unless its address or version changed.
ACT_INTERVAL: Final = 60.0
# Devices heard within 5 minutes are offered in the user step's pick list.
RECENT: Final = 300.0
# The user step waits until the listener has heard for this long (one announcement
# period of 5 s, plus a margin), so a listener it just started has heard something.
SCAN_WINDOW: Final = 6.0


async def async_request_targets(
    hass: HomeAssistant, address: str | None = None, port: int = REQUEST_PORT
) -> tuple[str, list[tuple[str, int]]]:
    """The IP 3.5 devices should answer to, and where to send the 0x25 request.

    By default the request goes to the IPv4 broadcast address of every adapter Home
    Assistant's network settings allow, and devices answer to Home Assistant's source
    IP. `address` (the `request_address` option) replaces the broadcast addresses;
    a loopback one (the demo's simulated devices) is answered on loopback.
    """
    if address is not None:
        if ipaddress.IPv4Address(address).is_loopback:
            return address, [(address, port)]
        return await network.async_get_source_ip(hass), [(address, port)]
    source_ip = await network.async_get_source_ip(hass)
    addresses = await network.async_get_ipv4_broadcast_addresses(hass)
    return source_ip, sorted((str(broadcast), port) for broadcast in addresses)


class TuyaLanDiscovery:
    """The integration's one discovery listener and what it does with what it hears."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        request_address: str | None = None,
        request_port: int = REQUEST_PORT,
        listen_address: str | None = None,
        probe_ranges: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Initialize; nothing is bound until async_start."""
        self.hass = hass
        self._request_address = request_address
        self._request_port = request_port
        self._clock = clock
        self.heard = HeardDevices(ACT_INTERVAL, clock=clock)
        self.listener = DiscoveryListener(
            self._async_heard, listen_address or LISTEN_HOST, LISTEN_PORTS
        )
        self._started = clock()
        self._following: set[str] = set()
        self.missing = MissingDevices(hass)
        self.probe = RangeProbe(
            hass,
            ranges=probe_ranges,
            bind_host=listen_address or LISTEN_HOST,
            client_ip=self._async_client_ip,
            missing=self.missing.entries,
            known_addresses=self._known_addresses,
            on_device=self._async_heard,
            on_listens=self.async_seen_at,
            clock=clock,
        )
        self._ports_issue = PortsIssue(hass)
        self._container_issue = ContainerIssue(hass)
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._unsub_stop: CALLBACK_TYPE | None = None
        self._unsub_connection: CALLBACK_TYPE | None = None

    async def async_start(self) -> None:
        """Bind what can be bound, ask once, and start the periodic tick."""
        self._started = self._clock()
        await self.listener.start()
        await self._ports_issue.async_update(self.listener.unavailable_ports)
        self._unsub_timer = async_track_time_interval(
            self.hass,
            self._async_tick,
            REQUEST_INTERVAL,
            cancel_on_shutdown=True,
            name=f"{DOMAIN} discovery",
        )
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_stop
        )
        self._unsub_connection = self.missing.async_start()
        await self.async_send_request()

    @callback
    def _async_on_stop(self, event: Event) -> None:
        self._unsub_stop = None  # fired: nothing to unsubscribe
        self.async_stop()

    @callback
    def async_stop(self) -> None:
        """Stop the tick and close the sockets; nothing is left behind."""
        for unsubscribe in (self._unsub_timer, self._unsub_stop, self._unsub_connection):
            if unsubscribe is not None:
                unsubscribe()
        self._unsub_timer = self._unsub_stop = self._unsub_connection = None
        self.listener.close()

    # --- the 0x25 request and port retries -------------------------------------------

    async def _async_tick(self, now: datetime | None = None) -> None:
        if self.listener.unavailable_ports:
            await self.listener.start()
            await self._ports_issue.async_update(self.listener.unavailable_ports)
        if self._wants_requests():
            await self.async_send_request()
        listening = bool(self.listener.listening_ports)
        self.probe.async_probe_for_missing(listening)
        await self._container_issue.async_check(
            listening=listening, listened_for=self._clock() - self._started
        )

    def _wants_requests(self) -> bool:
        """Ask while something may be found: after start, missing or unconfigured devices."""
        if self._clock() - self._started < STARTUP_REQUESTS:
            return True
        if self.hass.config_entries.flow.async_progress_by_handler(
            DOMAIN, match_context={"source": SOURCE_USER}
        ):
            return True
        if self.unconfigured():
            return True
        return bool(self.missing.entries())

    async def _async_client_ip(self) -> str:
        """The address devices answer to (HomeAssistantError when there is none)."""
        client_ip, _ = await async_request_targets(
            self.hass, self._request_address, self._request_port
        )
        return client_ip

    async def async_send_request(self) -> None:
        """Send the 0x25 request to every allowed broadcast address (never raises)."""
        if not self.listener.listening_ports:
            return
        try:
            client_ip, targets = await async_request_targets(
                self.hass, self._request_address, self._request_port
            )
        except HomeAssistantError as err:
            LOGGER.debug("Not asking 3.5 devices to announce themselves: %s", err)
            return
        self.listener.send_request(client_ip, *targets)

    async def async_scan(self) -> None:
        """Ask now, and wait until the listener has heard for SCAN_WINDOW seconds."""
        if not self.listener.listening_ports:
            return
        await self.async_send_request()
        wait = self._started + SCAN_WINDOW - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)

    # --- what we hear --------------------------------------------------------------

    def unconfigured(self, *, offer_ignored: bool = False) -> list[HeardDevice]:
        """Devices heard recently that no entry has.

        With `offer_ignored`, devices the user chose to ignore count as unconfigured
        (the user step offers them: adding one replaces its ignored entry).
        """
        configured = {
            entry.unique_id
            for entry in self.hass.config_entries.async_entries(
                DOMAIN, include_ignore=not offer_ignored
            )
        }
        return [h for h in self.heard.recent(RECENT) if h.device_id not in configured]

    @callback
    def _async_heard(self, device: DiscoveredDevice, source: tuple[str, int]) -> None:
        heard = self.heard.observe(device, source)
        if heard is None:
            LOGGER.debug("Ignored an implausible announcement from %s", source[0])
            return
        self._container_issue.heard()
        if self.probe.claims(device, source[0]):
            return  # an answer to the probe: acted on once the probe is done
        if not self.heard.due(heard):
            return  # a duplicate: acted on it recently, and nothing changed
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, device.device_id)
        if entry is None:
            LOGGER.debug(
                "Discovered %s at %s (protocol %s)", device.device_id, device.ip, device.version
            )
            self.heard.acted(heard)
            discovery_flow.async_create_flow(
                self.hass,
                DOMAIN,
                context={"source": SOURCE_INTEGRATION_DISCOVERY},
                data={
                    CONF_DEVICE_ID: device.device_id,
                    DISCOVERY_IP: device.ip,
                    DISCOVERY_VERSION: device.version,
                    CONF_PRODUCT_KEY: device.product_key or None,
                },
            )
            return
        if self.async_seen_at(entry, device.ip, device.version):
            self.heard.acted(heard)

    @callback
    def async_seen_at(self, entry: ConfigEntry, ip: str, version: str | None = None) -> bool:
        """A configured device announced itself at ``ip`` (in protocol ``version``, when
        told; or something listens at the address its account hints at): it is followed
        there (and to that version) if it answers there as itself. Whether a follow was
        started here."""
        device_id: str = entry.data[CONF_DEVICE_ID]
        same_address = entry.data.get(CONF_HOST, ip) == ip
        if entry.disabled_by is not None or (same_address and not self.missing.missing(entry)):
            return False  # nothing to do: ignored, disabled, or where it is connected
        if entry.state is ConfigEntryState.LOADED:
            # Its coordinator knows whether its session is down: it follows a move, and
            # tries a device back at its own address at once.
            async_dispatcher_send(self.hass, signal_heard(device_id), ip, version)
            return False
        stored = entry.data.get(CONF_PROTOCOL_VERSION, version)
        changed = changed_version(stored, version) if isinstance(stored, str) else None
        if same_address and changed is None:
            return False  # waiting to retry setup: Home Assistant retries it
        if not self.missing.missing(entry) or device_id in self._following:
            return False
        self._following.add(device_id)
        self.hass.async_create_background_task(
            self._async_follow(entry, ip, changed), f"{DOMAIN} follow {device_id}"
        )
        return True

    async def _async_follow(self, entry: ConfigEntry, new_host: str, version: str | None) -> None:
        """Move an entry waiting to retry its setup, if the device answers there (in
        the protocol version it announces, when another than the entry's)."""
        try:
            await async_follow(
                self.hass, entry, new_host, lambda: self.missing.missing(entry), version
            )
        finally:
            self._following.discard(entry.data[CONF_DEVICE_ID])

    def _known_addresses(self) -> set[str]:
        """The addresses of configured devices and of devices heard recently."""
        known = {h.device.ip for h in self.heard.recent(RECENT)}
        known |= {
            host
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            if isinstance(host := entry.data.get(CONF_HOST), str)
        }
        return known


async def async_start_discovery(hass: HomeAssistant, options: Mapping[str, Any]) -> None:
    """Start the integration's listener; on failure nothing is left open.

    `options`: the optional `tuya_lan:` block of configuration.yaml.
    """
    discovery = TuyaLanDiscovery(
        hass,
        request_address=options.get(CONF_REQUEST_ADDRESS),
        request_port=options.get(CONF_REQUEST_PORT, REQUEST_PORT),
        listen_address=options.get(CONF_LISTEN_ADDRESS),
        probe_ranges=options.get(CONF_PROBE_RANGES, ()),
    )
    try:
        await discovery.async_start()
    except BaseException:
        discovery.async_stop()
        raise
    hass.data[DATA_DISCOVERY] = discovery


async def async_unconfigured_devices(hass: HomeAssistant) -> list[HeardDevice]:
    """Devices heard recently and not configured, after a fresh look (user step)."""
    if DATA_DISCOVERY not in hass.data:
        # Not set up yet (no device added, no `tuya_lan:` in configuration.yaml): set
        # the integration up, which starts the one listener, and keep it running.
        await async_setup_component(hass, DOMAIN, {})
    discovery = hass.data.get(DATA_DISCOVERY)
    if discovery is None:
        return []
    await discovery.async_scan()
    return discovery.unconfigured(offer_ignored=True)


async def async_scan(hass: HomeAssistant) -> None:
    """Listen (starting the listener if needed) and ask, for one scan window."""
    if DATA_DISCOVERY not in hass.data:
        await async_setup_component(hass, DOMAIN, {})
    discovery = hass.data.get(DATA_DISCOVERY)
    if discovery is not None:
        await discovery.async_scan()


async def async_probe(
    hass: HomeAssistant, ranges: Iterable[str] | None = None
) -> list[ProbeAnswer]:
    """Probe (starting the listener if needed, so that answers are heard)."""
    if DATA_DISCOVERY not in hass.data:
        await async_setup_component(hass, DOMAIN, {})
    discovery = hass.data.get(DATA_DISCOVERY)
    return await discovery.probe.async_probe(ranges) if discovery is not None else []


def heard_device(hass: HomeAssistant, device_id: str) -> HeardDevice | None:
    """A device as it was last heard on the LAN (address, protocol version), if heard."""
    discovery = hass.data.get(DATA_DISCOVERY)
    return discovery.heard.get(device_id) if discovery is not None else None


def heard_ip(hass: HomeAssistant, device_id: str) -> str | None:
    """The address a device announced most recently, if it was heard."""
    discovery = hass.data.get(DATA_DISCOVERY)
    heard = discovery.heard.get(device_id) if discovery is not None else None
    return heard.device.ip if heard is not None else None
