"""The account entry's repair issue: why the linked account could not help."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .errors import ACCOUNT_RELINK, account_issue
from .tuyalan import CloudError


def account_issue_id(entry_id: str) -> str:
    """The repair issue of an account entry the cloud gave trouble with."""
    return f"account_{entry_id}"


@callback
def async_account_failed(hass: HomeAssistant, entry: ConfigEntry, err: CloudError) -> None:
    """Say, as a repair issue on the account, why it could not help; re-link if needed."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        account_issue_id(entry.entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=account_issue(err),
        translation_placeholders={"name": entry.title, "error": str(err)},
    )
    if account_issue(err) == ACCOUNT_RELINK:
        entry.async_start_reauth(hass)


@callback
def async_account_ok(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The account answered: withdraw its repair issue."""
    ir.async_delete_issue(hass, DOMAIN, account_issue_id(entry.entry_id))
