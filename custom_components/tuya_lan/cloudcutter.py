"""Adding a device from a tuya-cloudcutter key file: no Tuya account, nothing typed.

The key file gives the device id and local key (``tuyalan.cloudcutter``); the device
is found on the network by its id (heard announcing, else answering the subnet probe
of the ``probe_ranges`` option), and proven by the flows' one prover (its version
detected), as any device. The entry is marked "no cloud": its key is never healed
from a linked account. An optional cloudcutter device profile gives the DP types,
scales, units and ranges, stored as what the numbering rule proved (its kinds).
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .const import CONF_LEARNED, CONF_NO_CLOUD, CONF_PRODUCT_KEY, CONF_PRODUCT_NAME, LOGGER
from .discovery import async_probe, async_scan, heard_ip
from .flow_proof import Proof, device_entry_data
from .overrides import store_learned
from .tuyalan import CloudcutterProfile, ProbeRangeError, TuyaError, probe, profile_specs


async def async_locate(hass: HomeAssistant, device_id: str) -> str | None:
    """The device's address: heard announcing it (after one scan window), else
    answering the probe of the configured ranges (3.5 devices give their id); None."""
    await async_scan(hass)
    if (ip := heard_ip(hass, device_id)) is not None:
        return ip
    try:
        answers = await async_probe(hass)
    except ProbeRangeError:
        return None  # the option is checked at start-up
    return next((a.ip for a in answers if a.device_id == device_id), None)


async def async_entry_data(proof: Proof, profile: CloudcutterProfile | None) -> dict[str, Any]:
    """What the entry stores: the proven device, "no cloud", and what the profile says
    of its DPs (read against one status: the kinds are the numbering rule's)."""
    data = device_entry_data(proof) | {CONF_NO_CLOUD: True}
    if profile is None:
        return data
    data[CONF_PRODUCT_NAME] = profile.name
    if profile.product_id:
        data[CONF_PRODUCT_KEY] = profile.product_id
    if not profile.model:
        return data
    device = proof.device
    try:
        dps = await probe(
            device.host, device.device_id, proof.local_key, proof.version, port=device.port
        )
    except (TuyaError, OSError) as err:
        # Added all the same: the numbering rule reads the first status by itself.
        LOGGER.info("%s: no status to read the profile against (%s)", device.title, err)
        return data
    data[CONF_LEARNED] = store_learned(profile_specs(dps, profile.model))
    return data
