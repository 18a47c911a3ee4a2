"""What one device is: its category in words, its DPs and the entity descriptions
built from them.

DPs are resolved once from the first status (with the user's overrides, the cached data model
and what earlier readings proved), then grown: without a model, a later reading that
proves a raw DP (a load on a meter, an idle countdown) gives it its entity at once, and
what was proved is stored in the entry so that it keeps that kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import CONF_CATEGORY, CONF_DPS, CONF_LEARNED, CONF_MODEL, LOGGER
from .mapping import Descriptions, build_descriptions
from .overrides import parse_learned, parse_model, resolve, store_learned
from .tuyalan import DeviceUpdate
from .tuyalan.dpmap import DpKind, DpSpec, finish, from_numbers, is_dp_id

# Tuya's category codes (the cloud's ``category``) in words, as a person names the
# thing: the codes of Tuya's standard instruction sets and Home Assistant's core tuya.
CATEGORY_WORDS: Final[Mapping[str, str]] = {
    "cz": "Plug",
    "pc": "Power strip",
    "kg": "Switch",
    "tdq": "Switch",
    "znjdq": "Switch",
    "dlq": "Circuit breaker",
    "zndb": "Energy meter",
    "dj": "Light",
    "dd": "Light strip",
    "dc": "String lights",
    "fwd": "Ambient light",
    "xdd": "Ceiling light",
    "gyd": "Motion light",
    "tgq": "Dimmer",
    "tgkg": "Dimmer switch",
    "cl": "Curtain",
    "clkg": "Curtain switch",
    "ckmkzq": "Garage door",
    "fs": "Fan",
    "fsd": "Fan light",
    "wk": "Thermostat",
    "wkf": "Radiator valve",
    "kt": "Air conditioner",
    "qn": "Heater",
    "rs": "Water heater",
    "cs": "Dehumidifier",
    "jsq": "Humidifier",
    "kj": "Air purifier",
    "xxj": "Diffuser",
    "sd": "Robot vacuum",
    "bh": "Kettle",
    "kfj": "Coffee maker",
    "cwwsq": "Pet feeder",
    "ggq": "Irrigation",
    "wsdcg": "Climate sensor",
    "mcs": "Door sensor",
    "pir": "Motion sensor",
    "sj": "Leak sensor",
    "ywbj": "Smoke alarm",
    "rqbj": "Gas alarm",
    "ms": "Lock",
    "sp": "Camera",
    "wg": "Gateway",
    "wg2": "Gateway",
    "wnykq": "IR remote",
}


def category_word(category: Any) -> str | None:
    """A Tuya category code in words, or None for a code not in the table."""
    return CATEGORY_WORDS.get(category) if isinstance(category, str) else None


def model_dp_ids(stored: Any) -> list[int]:
    """The DP ids of the cached data model (what parse_model would read; no warning)."""
    if not isinstance(stored, list):
        return []
    found = (item.get("dp_id") for item in stored if isinstance(item, Mapping))
    return [dp for dp in found if isinstance(dp, int) and not isinstance(dp, bool)]


class DpCatalog:
    """One device's DP specs and entity descriptions (built once, added to)."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, name: str) -> None:
        self._hass = hass
        self._entry = entry
        self._name = name
        self.specs: dict[str, DpSpec] = {}
        self.descriptions = Descriptions()
        self.notes: dict[str, str] = {}  # model scales the readings contradicted
        self.energy_dps: frozenset[str] = frozenset()
        self._has_model = False
        self._listeners: list[Callable[[Descriptions], None]] = []
        self._warned_not_dps = False  # ids that cannot be DPs were reported (logged once)

    @callback
    def setup(self, dps: Mapping[str, Any]) -> None:
        """Resolve the DPs of the first status."""
        self._note_not_dps(dps)
        data = self._stored()
        category = data.get(CONF_CATEGORY)
        model = parse_model(data.get(CONF_MODEL))
        self._has_model = bool(model)
        resolved = resolve(
            dict(dps),
            self._overrides(),
            category=category if isinstance(category, str) else None,
            model=model,
            learned=parse_learned(data.get(CONF_LEARNED)),
        )
        self.specs = resolved.specs
        self.descriptions = build_descriptions(self.specs)
        self.notes = resolved.notes
        for dp, note in resolved.notes.items():
            LOGGER.warning("%s: DP %s: %s", self._name, dp, note)
        self._keep_proved(resolved.proved)
        self.energy_dps = frozenset(
            dp for dp, spec in self.specs.items() if spec.kind is DpKind.ENERGY
        )

    def _stored(self) -> Mapping[str, Any]:
        """Where the model, category and learned DPs are kept (the entry's data)."""
        return self._entry.data

    def _overrides(self) -> Any:
        """The user's DP overrides (the entry's options)."""
        return self._entry.options.get(CONF_DPS, {})

    @callback
    def _store(self, key: str, value: Any) -> None:
        """Keep ``value`` under ``key`` beside the model (in the entry's data)."""
        entry = self._entry
        self._hass.config_entries.async_update_entry(entry, data={**entry.data, key: value})

    @callback
    def take(self, update: DeviceUpdate) -> None:
        """Learn from a report: ids that cannot be DPs, DPs the readings now prove."""
        self._note_not_dps(update.changed)
        self._promote(update)

    @callback
    def add_listener(self, listener: Callable[[Descriptions], None]) -> Callable[[], None]:
        """Call ``listener`` with the descriptions of DPs that later readings proved."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def _note_not_dps(self, dp_ids: Iterable[str]) -> None:
        """Say once per device that it reports ids that cannot be DPs (Tuya's are
        1-255): they get no entity, and a device that keeps sending them is not worth
        a log line per push."""
        if self._warned_not_dps:
            return
        if bad := [dp for dp in dp_ids if not is_dp_id(dp)]:
            self._warned_not_dps = True
            LOGGER.warning(
                "%s reports %d ids that cannot be DPs (Tuya's are 1-255), such as %s; "
                "they get no entity",
                self._name,
                len(bad),
                repr(bad[0][:20]),
            )

    @callback
    def _keep_proved(self, proved: dict[str, DpSpec]) -> None:
        """Store what the numbering rule proved: it keeps that kind from now on."""
        if not proved:
            return
        learned = {**parse_learned(self._stored().get(CONF_LEARNED)), **proved}
        self._store(CONF_LEARNED, store_learned(learned))

    @callback
    def _promote(self, update: DeviceUpdate) -> None:
        """A reading that proves a raw DP (a load on a meter, an idle countdown) gives
        it its entity now; a DP with a kind keeps it."""
        if self._has_model or not any(
            (spec := self.specs.get(dp)) is None or spec.kind is DpKind.RAW for dp in update.changed
        ):
            return
        proved = {
            dp: found
            for dp, found in from_numbers(update.dps).items()
            if (spec := self.specs.get(dp)) is None
            or (spec.kind is DpKind.RAW and not spec.overridden)
        }
        if not proved:
            return
        new = {dp: finish(dp, found) for dp, found in proved.items()}
        LOGGER.info("%s: readings now prove DPs %s", self._name, ", ".join(sorted(new)))
        self.specs.update(new)
        self.energy_dps |= {dp for dp, spec in new.items() if spec.kind is DpKind.ENERGY}
        self._keep_proved(proved)
        added = build_descriptions(new)
        self.descriptions.extend(added)
        for listener in list(self._listeners):
            listener(added)
