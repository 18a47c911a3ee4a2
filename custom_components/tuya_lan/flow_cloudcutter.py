"""The config flow's key-file step: a device cut free of the cloud by tuya-cloudcutter.

The key file (and optionally the cloudcutter device profile) is pasted; the device is
found on the network by its id, proven, and saved "no cloud" (cloudcutter.py).
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.config_entries import ConfigFlowResult

from .cloudcutter import async_entry_data, async_locate
from .const import DEFAULT_PORT, VERSION_AUTO
from .flow_device import DeviceFlow, heard_product_key
from .flow_forms import CLOUDCUTTER_SCHEMA, CONF_KEY_FILE, CONF_PROFILE
from .flow_proof import Candidate, entry_title, proof_errors
from .tuyalan import CloudcutterFileError, parse_key_file, parse_profile

STEP_CLOUDCUTTER: Final = "cloudcutter"


def cloudcutter_errors(field: str, error: CloudcutterFileError) -> dict[str, str]:
    """The form's error for a key file or profile that cannot be used (on its field)."""
    if error.reason == "missing":
        return {field: "cloudcutter_missing"}
    if error.reason == "wrong":
        return {field: "cloudcutter_wrong"}
    if error.reason == "too_long":
        return {field: "cloudcutter_too_long"}
    if error.reason == "not_object":
        return {field: "cloudcutter_not_object"}
    return {field: "cloudcutter_not_json"}


class CloudcutterFlow(DeviceFlow):
    """The step that adds a device from its tuya-cloudcutter key file."""

    async def async_step_cloudcutter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a device from its tuya-cloudcutter key file (pasted), and optionally its
        cloudcutter profile: found on the network by its id, proven, saved "no cloud"."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"field": ""}
        if user_input is not None:
            field = CONF_KEY_FILE
            try:
                device = parse_key_file(user_input[CONF_KEY_FILE])
                field = CONF_PROFILE
                text = user_input.get(CONF_PROFILE)
                profile = parse_profile(text) if text and text.strip() else None
            except CloudcutterFileError as err:
                # Which field of the file, never its value (the file holds secrets).
                errors = cloudcutter_errors(field, err)
                placeholders["field"] = err.field or ""
            if not errors:
                await self.async_set_unique_id(device.device_id)
                self._abort_if_unique_id_configured()
                host = await async_locate(self.hass, device.device_id)
                if host is None:
                    errors["base"] = "cloudcutter_not_found"
                else:
                    candidate = Candidate(
                        device.device_id,
                        host,
                        DEFAULT_PORT,
                        VERSION_AUTO,
                        heard_product_key(self.hass, device.device_id),
                    )
                    proof = await self._async_prove(candidate, device.local_key)
                    errors = proof_errors(proof)
                    if not errors:
                        name = (profile.name if profile else None) or device.device_slug
                        return self.async_create_entry(
                            title=entry_title(device.device_id, product_name=name),
                            data=await async_entry_data(proof, profile),
                        )
        return self.async_show_form(
            step_id=STEP_CLOUDCUTTER,
            data_schema=CLOUDCUTTER_SCHEMA,
            errors=errors,
            description_placeholders=placeholders,
        )
