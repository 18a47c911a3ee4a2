"""The config flow's key-file steps: a device cut free of the cloud by tuya-cloudcutter.

The key file is uploaded (Home Assistant's file-upload selector) or pasted, and
optionally the cloudcutter device profile; the device is found on the network by its
id, proven, and saved "no cloud" (cloudcutter.py). A no-cloud entry whose key changed
takes a new key file (reauth_key_file), never the key of a linked account.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.file_upload import process_uploaded_file
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant

from .cloudcutter import async_entry_data, async_locate
from .const import CONF_DEVICE_ID, DEFAULT_PORT, VERSION_AUTO
from .discovery import heard_device
from .flow_device import DeviceConfigFlow, heard_product_key
from .flow_forms import (
    CLOUDCUTTER_SCHEMA,
    CONF_KEY_FILE,
    CONF_KEY_FILE_UPLOAD,
    CONF_PROFILE,
    KEY_FILE_SCHEMA,
)
from .flow_proof import Candidate, entry_title, proof_errors
from .healing import paused_session
from .tuyalan import CloudcutterDevice, CloudcutterFileError, parse_key_file, parse_profile

STEP_CLOUDCUTTER: Final = "cloudcutter"
STEP_REAUTH_KEY_FILE: Final = "reauth_key_file"
# The form's errors of the file itself (not of a field inside it).
ERROR_NO_FILE: Final = "cloudcutter_no_file"
ERROR_UPLOAD_GONE: Final = "cloudcutter_upload_gone"
ERROR_OTHER_DEVICE: Final = "cloudcutter_other_device"
# Bytes read of an uploaded file: more than any key file holds (16 KiB), so that the
# parser, not a cut, says one is too long; and never a whole disk's worth.
UPLOAD_READ_LIMIT: Final = 64 * 1024


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


def _read_upload(hass: HomeAssistant, file_id: str) -> str:
    """The uploaded file's text (its first UPLOAD_READ_LIMIT bytes); run in the
    executor: it reads a disk, and removes the upload when done."""
    with process_uploaded_file(hass, file_id) as path, path.open("rb") as file:
        data = file.read(UPLOAD_READ_LIMIT)
    # Not UTF-8: what cannot be read is replaced, and the parser says it is no JSON.
    return data.decode("utf-8", errors="replace")


async def async_key_file(
    hass: HomeAssistant, user_input: dict[str, Any]
) -> tuple[CloudcutterDevice | None, dict[str, str], str]:
    """The key file of a form (uploaded, else pasted): (it, {}, "") or (None, errors,
    the field of the file that is missing or wrong, "" for the file as a whole)."""
    field, text = CONF_KEY_FILE, user_input.get(CONF_KEY_FILE)
    if file_id := user_input.get(CONF_KEY_FILE_UPLOAD):
        field = CONF_KEY_FILE_UPLOAD
        try:
            text = await hass.async_add_executor_job(_read_upload, hass, file_id)
        except ValueError:  # gone: uploads live until read once
            return None, {field: ERROR_UPLOAD_GONE}, ""
    if not text or not str(text).strip():
        return None, {"base": ERROR_NO_FILE}, ""
    try:
        return parse_key_file(str(text)), {}, ""
    except CloudcutterFileError as err:
        # Which field of the file, never its value (the file holds secrets).
        return None, cloudcutter_errors(field, err), err.field or ""


class CloudcutterConfigFlow(DeviceConfigFlow):
    """The steps that add a device from its tuya-cloudcutter key file, or re-key one."""

    async def async_step_cloudcutter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a device from its tuya-cloudcutter key file (uploaded or pasted), and
        optionally its profile: found on the network by its id, proven, saved "no cloud"."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"field": ""}
        if user_input is not None:
            device, errors, placeholders["field"] = await async_key_file(self.hass, user_input)
            profile = None
            if device is not None:
                try:
                    text = user_input.get(CONF_PROFILE)
                    profile = parse_profile(text) if text and text.strip() else None
                except CloudcutterFileError as err:
                    errors = cloudcutter_errors(CONF_PROFILE, err)
                    placeholders["field"] = err.field or ""
            if device is not None and not errors:
                # A Discovered card of the device may be waiting: it ends once this
                # entry exists (as the pick list's choice does).
                await self.async_set_unique_id(device.device_id, raise_on_progress=False)
                self._abort_if_unique_id_configured()
                host = await async_locate(self.hass, device.device_id)
                if host is None:
                    errors["base"] = "cloudcutter_not_found"
                else:
                    heard = heard_device(self.hass, device.device_id)
                    candidate = Candidate(
                        device.device_id,
                        host,
                        DEFAULT_PORT,
                        VERSION_AUTO,
                        heard_product_key(self.hass, device.device_id),
                        heard_version=heard.device.version if heard else None,
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

    async def async_step_reauth_key_file(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A no-cloud device's new key file: the same device's, proven, then saved."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"name": entry.title, "field": ""}
        if user_input is not None:
            device, errors, placeholders["field"] = await async_key_file(self.hass, user_input)
            if device is not None and device.device_id != entry.data[CONF_DEVICE_ID]:
                errors["base"] = ERROR_OTHER_DEVICE
            elif device is not None:
                async with paused_session(entry):  # the entry's session lets go meanwhile
                    proof = await self._async_prove(
                        Candidate.from_entry(entry.data), device.local_key
                    )
                errors = proof_errors(proof)
                if not errors:
                    return await self._async_save(proof)
        return self.async_show_form(
            step_id=STEP_REAUTH_KEY_FILE,
            data_schema=KEY_FILE_SCHEMA,
            errors=errors,
            description_placeholders=placeholders,
        )
