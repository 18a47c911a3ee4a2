"""The flows' texts built from devices (the account's list, the pick list of heard
devices), in the user's language.

Home Assistant translates a flow's fixed texts by key, but a line per device (why one
was not added, where it was heard) is built by the flow. Its every word and mark comes
from strings.json ``selector.account_lists.options``: the lists' headings (with the
language's own colon: a full-width one in Chinese), and templates such as
``{name}: {detail}``; why a proof failed is the form's own error text (``config.error``).
A list is markdown bullets, one item a line, as Home Assistant's own flows list
things: no comma or semicolon of any one language joins the items.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN
from .errors import form_error

# strings.json ``selector.<LIST_LABELS_KEY>.options``: the headings and templates.
LIST_LABELS_KEY: Final = "account_lists"
_PLACEHOLDER: Final = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class FlowTexts:
    """The templates, form errors and abort reasons of one language (English for
    what it lacks)."""

    templates: Mapping[str, str]
    errors: Mapping[str, str]
    aborts: Mapping[str, str]

    def text(self, key: str, **values: str) -> str:
        """A template with its placeholders filled (only by name: a value is never
        read as a template, whatever braces a device's name holds)."""
        return fill(self.templates.get(key, key), **values)

    def item(self, name: str, detail: str) -> str:
        """One device of a list and what is said of it."""
        return self.text("item", name=name, detail=detail)

    def error(self, error: BaseException) -> str:
        """Why a device could not be proven: the form's text for the error."""
        key = form_error(error)
        return fill(self.errors.get(key, key), error=str(error) or type(error).__name__)

    def abort(self, reason: str) -> str:
        """Why a device's entry was not created: the flow's text for the reason."""
        return self.aborts.get(reason, reason)

    def list_line(self, key: str, items: list[str]) -> str:
        """A list under its heading, or nothing for an empty list."""
        if not items:
            return ""
        return "\n\n" + self.text(key) + "".join(f"\n- {item}" for item in items)


def fill(template: str, **values: str) -> str:
    """``template`` with its ``{placeholders}`` replaced by name (a value is never read
    as a template); a placeholder without a value stays as it is."""
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template)


async def async_flow_texts(hass: HomeAssistant) -> FlowTexts:
    """The flows' texts in the user's language."""
    return FlowTexts(
        await async_selector_labels(hass, translation_key=LIST_LABELS_KEY),
        await _async_texts(hass, "config", f"component.{DOMAIN}.config.error."),
        await _async_texts(hass, "config", f"component.{DOMAIN}.config.abort."),
    )


async def async_selector_labels(hass: HomeAssistant, *, translation_key: str) -> dict[str, str]:
    """A selector's option labels (strings.json ``selector.<translation_key>``) in the
    user's language, English for those it lacks: for a form's text, not a selector."""
    prefix = f"component.{DOMAIN}.selector.{translation_key}.options."
    return await _async_texts(hass, "selector", prefix)


async def _async_texts(hass: HomeAssistant, category: str, prefix: str) -> dict[str, str]:
    """The texts under ``prefix`` by their last key, in the user's language (English
    for those it lacks)."""
    texts: dict[str, str] = {}
    for language in dict.fromkeys(("en", hass.config.language)):
        strings = await async_get_translations(hass, language, category, {DOMAIN})
        texts |= {
            key.removeprefix(prefix): text
            for key, text in strings.items()
            if key.startswith(prefix)
        }
    return texts
