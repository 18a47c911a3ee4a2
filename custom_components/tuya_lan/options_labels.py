"""What the options flow shows of a DP, in words: its kind as the user's language names
it, its entity's name and its current value ("1 · Switch 1 (on)").

A form's description and a picker's labels are plain text (Home Assistant translates
only fixed selector options), so the words come from translations here, in Home
Assistant's language: the integration's kind selector and entity forms, and Home
Assistant's own words for a switch's states.
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
from .flow_texts import LIST_LABELS_KEY, fill
from .tuyalan.dpmap import ROLE_CURRENT_TEMP, ROLE_TARGET_TEMP, DpKind, DpSpec

KIND_SELECTOR: Final = "kind"
MAX_VALUE_TEXT: Final = 40
# A part of an entity in words: the label of its field in the form that makes one by
# hand (options.step.<step>.data.<field>); a part no form has keeps its role's name.
PART_FIELDS: Final[dict[DpKind, tuple[str, dict[str, str]]]] = {
    DpKind.LIGHT: ("entity_light", {}),
    DpKind.COVER: ("entity_cover", {}),
    DpKind.FAN: ("entity_fan", {}),
    DpKind.CLIMATE: (
        "entity_climate",
        {ROLE_TARGET_TEMP: "target", ROLE_CURRENT_TEMP: "current"},
    ),
}
# On and off as Home Assistant's switch states say them.
_ON_OFF: Final = ("on", "off")
# "Something: what is said of it" with the language's own colon (flow_texts.py).
_ITEM: Final = f"component.{DOMAIN}.selector.{LIST_LABELS_KEY}.options.item"


@dataclass(frozen=True, slots=True)
class Words:
    """Translated texts (flattened keys), each falling back to its key's last part."""

    texts: Mapping[str, str]

    def _text(self, key: str) -> str:
        return self.texts.get(key, key.rsplit(".", 1)[-1])

    def kind(self, kind: DpKind) -> str:
        """A kind in words ("Configuration switch (a setting, such as child lock)"; an
        entity of several DPs as the menu that makes one by hand says it)."""
        if kind in PART_FIELDS:
            step = PART_FIELDS[kind][0]
            return self._text(f"component.{DOMAIN}.options.step.add_entity.menu_options.{step}")
        return self._text(f"component.{DOMAIN}.selector.{KIND_SELECTOR}.options.{kind.value}")

    def part(self, kind: DpKind, role: str) -> str:
        """A part of a composite entity in words ("Brightness")."""
        step, fields = PART_FIELDS[kind]
        field = fields.get(role, role)
        return self._text(f"component.{DOMAIN}.options.step.{step}.data.{field}")

    def value(self, value: Any) -> str:
        """A DP's value as a user reads it: on/off, a text as it is, else JSON."""
        if isinstance(value, bool):
            state = _ON_OFF[0] if value else _ON_OFF[1]
            return self._text(f"component.switch.entity_component._.state.{state}").lower()
        if isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= MAX_VALUE_TEXT else f"{text[: MAX_VALUE_TEXT - 1]}…"

    def item(self, name: str, detail: str) -> str:
        """A thing and what is said of it ("DP 1: Switch"), punctuated as the language
        does (a full-width colon in Chinese)."""
        return fill(self.texts.get(_ITEM, "{name}: {detail}"), name=name, detail=detail)

    def describe(self, spec: DpSpec) -> str:
        """A DP's kind and what the user set beside it ("Sensor x0.1 °C temperature")."""
        parts = [self.kind(spec.kind)]
        if spec.kind in PART_FIELDS and spec.role:  # "Light (Brightness)"
            parts[0] += f" ({self.part(spec.kind, spec.role)})"
        if spec.scale is not None:
            parts.append(f"x{spec.scale:g}")
        if spec.unit:
            parts.append(spec.unit)
        if spec.device_class:
            parts.append(spec.device_class)
        if spec.options and spec.kind in (DpKind.SELECT, DpKind.ENUM):
            parts.append("/".join(spec.options))
        return self.item(spec.name, " ".join(parts)) if spec.name else " ".join(parts)


async def async_words(hass: HomeAssistant) -> Words:
    """The integration's selector and options texts, and Home Assistant's words for a
    switch's states, in Home Assistant's language."""
    language = hass.config.language
    texts: dict[str, str] = {}
    for category, integration in (
        ("selector", DOMAIN),
        ("options", DOMAIN),
        ("entity_component", "switch"),
    ):
        texts.update(await async_get_translations(hass, language, category, {integration}))
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


def dp_name(words: Words, spec: DpSpec, names: Mapping[str, str]) -> str | None:
    """The name a picker shows for a DP: its entity's, else its kind in words (a DP
    nothing maps has none: "41 ({...})")."""
    if spec.kind is DpKind.RAW and not spec.overridden:
        return None
    if spec.kind in PART_FIELDS and spec.role:
        return f"{words.kind(spec.kind)} ({words.part(spec.kind, spec.role)})"
    return spec.name or names.get(spec.dp) or words.kind(spec.kind)
