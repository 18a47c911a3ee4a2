"""The base of every step that saves one device: prove it, then create or update its entry.

The device steps (config_flow.py), the key-file step (flow_cloudcutter.py) and the
reauth and reconfigure steps (flow_rekey.py) are mixins on this class, as Home
Assistant's ``AbstractOAuth2FlowHandler`` gives its steps to the flows built on it.
"""

from __future__ import annotations

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.core import HomeAssistant

from .account import async_find_device, cached_device
from .const import LOGGER
from .discovery import heard_device
from .entries import loaded_accounts
from .flow_proof import Candidate, Proof, async_prove, device_entry_data
from .tuyalan import CloudDevice, CloudError


async def async_account_device(hass: HomeAssistant, device_id: str) -> CloudDevice | None:
    """The device from a linked account, if one holds it (cloud trouble: None)."""
    if not loaded_accounts(hass):
        return None
    try:
        return cached_device(hass, device_id) or await async_find_device(hass, device_id)
    except CloudError as err:
        LOGGER.debug("No key from the linked account for %s: %s", device_id, err)
        return None


def heard_product_key(hass: HomeAssistant, device_id: str) -> str | None:
    """The product key a device announced, if it was heard."""
    heard = heard_device(hass, device_id)
    return (heard.device.product_key or None) if heard is not None else None


class DeviceFlow(ConfigFlow):
    """The one prover and the one entry builder of the steps that save a device."""

    def __init__(self) -> None:
        """No key shown unproven yet."""
        super().__init__()
        # (host, device id, key) of a 3.1 key the device could not prove, shown once.
        self._unproven: tuple[str, str, str] | None = None

    async def _async_prove(self, device: Candidate, local_key: str) -> Proof:
        """Prove a key the user gave (or a discovered device's key from the account); a
        3.1 key the device could not prove is saved when submitted a second time, after
        the user was told."""
        typed = (device.host, device.device_id, local_key)
        proof = await async_prove(device, local_key, accept_unproven=self._unproven == typed)
        self._unproven = typed if proof.unproven_31 else None
        return proof

    def _async_save(self, proof: Proof, cloud: CloudDevice | None = None) -> ConfigFlowResult:
        """Create the proven device's entry, or update the entry being reauthenticated or
        reconfigured (tplink's _async_create_or_update_entry_from_device)."""
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            if cloud is not None and not cloud.model:
                cloud = None  # an account without the model: the entry keeps the one it has
            data = device_entry_data(proof, cloud)
            if self.source == SOURCE_REAUTH:
                return self.async_update_reload_and_abort(
                    self._get_reauth_entry(), data_updates=data, reason="reauth_successful"
                )
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), data_updates=data, reason="reconfigure_successful"
            )
        title = cloud.name if cloud is not None else proof.device.title
        return self.async_create_entry(title=title, data=device_entry_data(proof, cloud))
