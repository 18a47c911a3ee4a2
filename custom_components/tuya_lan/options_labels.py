"""What the options flow shows of a DP, in words: its kind as the user's language names
it, its entity's name and its current value ("1 · Switch 1 (on)").

A form's description and a picker's labels are plain text (Home Assistant translates
only fixed selector options), so the words come from the integration's own selector
translations here, in Home Assistant's language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN
from .tuyalan.dpmap import COMPOSITE_KINDS, DpKind, DpSpec

# The selectors whose words are shown in text: a DP's kind, and a value's state.
KIND_SELECTOR: Final = "kind"
PART_SELECTOR: Final = "part"
STATE_SELECTOR: Final = "dp_state"
STATE_ON: Final = "on"
STATE_OFF: Final = "off"
STATE_UNMAPPED: Final = "unmapped"
MAX_VALUE_TEXT: Final = 40


@dataclass(frozen=True, slots=True)
class Words:
    """The words of a selector's options, by option (the option itself when missing)."""

    texts: Mapping[str, str]

    def option(self, selector: str, option: str) -> str:
        """The words of one option."""
        return self.texts.get(f"component.{DOMAIN}.selector.{selector}.options.{option}", option)

    def kind(self, kind: DpKind) -> str:
        """A kind in words ("Configuration switch (a setting, such as child lock)")."""
        return self.option(KIND_SELECTOR, kind.value)

    def value(self, value: Any) -> str:
        """A DP's value as a user reads it: on/off, a text as it is, else JSON."""
        if isinstance(value, bool):
            return self.option(STATE_SELECTOR, STATE_ON if value else STATE_OFF)
        if isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= MAX_VALUE_TEXT else f"{text[: MAX_VALUE_TEXT - 1]}…"

    def describe(self, spec: DpSpec) -> str:
        """A DP's kind and what the user set beside it ("Sensor x0.1 °C temperature")."""
        parts = [self.kind(spec.kind)]
        if spec.kind in COMPOSITE_KINDS and spec.role:  # "Light (brightness)"
            parts[0] += f" ({self.option(PART_SELECTOR, spec.role)})"
        if spec.name:
            parts.insert(0, f"{spec.name}:")
        if spec.scale is not None:
            parts.append(f"x{spec.scale:g}")
        if spec.unit:
            parts.append(spec.unit)
        if spec.device_class:
            parts.append(spec.device_class)
        if spec.options and spec.kind in (DpKind.SELECT, DpKind.ENUM):
            parts.append("/".join(spec.options))
        return " ".join(parts)


async def async_words(hass: HomeAssistant) -> Words:
    """The selector words in Home Assistant's language."""
    texts = await async_get_translations(hass, hass.config.language, "selector", {DOMAIN})
    return Words(texts)


def entity_names(hass: HomeAssistant, entry: ConfigEntry, device_id: str) -> dict[str, str]:
    """The name each DP's entity has now, by DP (the user's name, else the one the
    integration gave it); raw DPs and entities named after their device have none."""
    prefix = f"{device_id}_"
    names: dict[str, str] = {}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        dp = entity.unique_id.removeprefix(prefix)
        if dp == entity.unique_id or not dp.isdigit():
            continue  # another device's, a raw sensor, a phase's part, a health entity
        if name := entity.name or entity.original_name:
            names[dp] = name
    return names


def dp_label(words: Words, dp: str, name: str | None, reported: Mapping[str, Any]) -> str:
    """A DP as a picker shows it: "1 · Switch 1 (on)"."""
    label = f"{dp} · {name}" if name else dp
    return f"{label} ({words.value(reported[dp])})" if dp in reported else label


def dp_name(words: Words, spec: DpSpec, names: Mapping[str, str]) -> str:
    """The name a picker shows for a DP: its entity's, else its kind in words."""
    if spec.kind is DpKind.RAW and not spec.overridden:
        return words.option(STATE_SELECTOR, STATE_UNMAPPED)
    return spec.name or names.get(spec.dp) or words.kind(spec.kind)
