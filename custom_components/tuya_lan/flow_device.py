"""The base of every step that saves one device: prove it, then create or update its entry.

The device steps (config_flow.py), the key-file step (flow_cloudcutter.py) and the
reauth and reconfigure steps (flow_rekey.py) are mixins on this class, as Home
Assistant's ``AbstractOAuth2FlowHandler`` gives its steps to the flows built on it.
"""

from __future__ import annotations

from typing import Any, Final

import probatio as vol
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig

from .account import async_find_device, cached_device
from .const import CONF_CHILDREN, CONF_IS_GATEWAY, LOGGER
from .discovery import heard_device
from .entries import loaded_accounts
from .flow_children import (
    ERROR_INVALID_CID,
    ERROR_TOO_MANY_CHILDREN,
    ChildrenTextError,
    parse_children,
)
from .flow_proof import Candidate, Proof, async_prove, device_entry_data
from .tuyalan import CloudDevice, CloudError

STEP_GATEWAY_CHILDREN: Final = "gateway_children"
CHILDREN_SCHEMA: Final = vol.Schema(
    {vol.Optional(CONF_CHILDREN): TextSelector(TextSelectorConfig(multiline=True))}
)


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


class DeviceConfigFlow(ConfigFlow):
    """The one prover and the one entry builder of the steps that save a device."""

    def __init__(self) -> None:
        """No key shown unproven yet."""
        super().__init__()
        # (host, device id, key) of a 3.1 key the device could not prove, shown once.
        self._unproven: tuple[str, str, str] | None = None
        self._gateway: tuple[Proof, str] | None = None  # a hub proven: its sub-devices next

    async def _async_prove(self, device: Candidate, local_key: str) -> Proof:
        """Prove a key the user gave (or a discovered device's key from the account); a
        3.1 key the device could not prove is saved when submitted a second time, after
        the user was told."""
        typed = (device.host, device.device_id, local_key)
        proof = await async_prove(device, local_key, accept_unproven=self._unproven == typed)
        self._unproven = typed if proof.unproven_31 else None
        return proof

    async def _async_save(self, proof: Proof, cloud: CloudDevice | None = None) -> ConfigFlowResult:
        """Create the proven device's entry (a hub's after its sub-devices are asked), or
        update the entry being reauthenticated or reconfigured (tplink's
        _async_create_or_update_entry_from_device)."""
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
        if proof.gateway and cloud is None:
            self._gateway = (proof, title)
            return await self.async_step_gateway_children()
        return self.async_create_entry(title=title, data=device_entry_data(proof, cloud))

    async def async_step_gateway_children(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A gateway (hub) was proven: its sub-devices by cid, one a line (or none yet:
        the options add them later); the entry runs them on the hub's one session."""
        assert self._gateway is not None
        proof, title = self._gateway
        errors: dict[str, str] = {}
        placeholders = {"name": title, "line": ""}
        if user_input is not None:
            try:
                children = parse_children(str(user_input.get(CONF_CHILDREN) or ""))
            except ChildrenTextError as err:
                if err.reason == ERROR_TOO_MANY_CHILDREN:
                    errors[CONF_CHILDREN] = ERROR_TOO_MANY_CHILDREN
                else:
                    errors[CONF_CHILDREN] = ERROR_INVALID_CID
                placeholders["line"] = err.line
            else:
                data = device_entry_data(proof)
                if not children and not proof.by_session:
                    # It answered its own status (empty): a plain device's session
                    # serves it until a sub-device is added in the options.
                    data.pop(CONF_IS_GATEWAY, None)
                return self.async_create_entry(
                    title=title,
                    data=data,
                    options={CONF_CHILDREN: children} if children else {},
                )
        return self.async_show_form(
            step_id=STEP_GATEWAY_CHILDREN,
            data_schema=self.add_suggested_values_to_schema(CHILDREN_SCHEMA, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )
