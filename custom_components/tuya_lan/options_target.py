"""The options flow's target: the device, or one sub-device of a gateway (its stored
overrides, model and reported DPs), and how its DPs are shown in words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.helpers.selector import SelectOptionDict

from .const import CONF_CATEGORY, CONF_DEVICE_ID, CONF_DPS, CONF_LEARNED, CONF_MODEL
from .coordinator import TuyaLanCoordinator
from .gateway import GatewayCoordinator, stored_children
from .options_labels import Words, async_words, dp_label, dp_name, entity_names
from .overrides import OPT_NAME, parse_learned, parse_model, parse_overrides, resolve_specs
from .tuyalan.dpmap import DpKind, DpSpec


class TargetOptionsFlow(OptionsFlowWithReload):
    """What every step of the options flow works on: the target's overrides (edited
    in the flow, saved at the end), its reported DPs and their specs."""

    def __init__(self) -> None:
        """Initialize the flow."""
        # The overrides being edited, by target: None the device, else a child's cid.
        self._edited: dict[str | None, dict[str, dict[str, Any]]] = {}
        self._target: str | None = None
        self._dp = ""
        self._kind = DpKind.RAW
        self._words: Words | None = None

    @property
    def overrides(self) -> dict[str, dict[str, Any]]:
        """Return the overrides being edited (a copy of the stored ones at first)."""
        if self._target not in self._edited:
            # Hand-edited options may hold mappings that make no sense: they are left
            # out here, and so dropped when the flow saves.
            self._edited[self._target] = parse_overrides(self._settings().get(CONF_DPS))
        return self._edited[self._target]

    def _settings(self) -> Mapping[str, Any]:
        """The target's model, category, learned DPs and stored overrides."""
        entry = self.config_entry
        if self._target is None:
            return {**entry.data, CONF_DPS: entry.options.get(CONF_DPS)}
        return stored_children(entry).get(self._target, {})

    def _coordinator(self) -> TuyaLanCoordinator | None:
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return None
        coordinator: TuyaLanCoordinator = entry.runtime_data
        if self._target is None:
            return coordinator
        if isinstance(coordinator, GatewayCoordinator):
            return coordinator.children.get(self._target)
        return None

    def _reported(self) -> dict[str, Any]:
        """Return the target's current DPS when the entry is loaded."""
        coordinator = self._coordinator()
        if coordinator is None or coordinator.data is None:
            return {}
        return dict(coordinator.data.dps)

    def _specs(self, overrides: Any = None) -> dict[str, DpSpec]:
        settings = self._settings()
        category = settings.get(CONF_CATEGORY)
        return resolve_specs(
            self._reported(),
            self.overrides if overrides is None else overrides,
            category=category if isinstance(category, str) else None,
            model=parse_model(settings.get(CONF_MODEL)),
            learned=parse_learned(settings.get(CONF_LEARNED)),
        )

    def _names(self) -> dict[str, str]:
        """The names the target's DP entities have now."""
        device_id = self._target or str(self.config_entry.data.get(CONF_DEVICE_ID))
        return entity_names(self.hass, self.config_entry, device_id)

    def _kept_name(self, dp: str, kind: DpKind) -> str | None:
        """The name a DP keeps when its kind changes ("Switch 4" stays "Switch 4")."""
        current = self.overrides.get(dp, {})
        if isinstance(name := current.get(OPT_NAME), str):
            return name
        default = self._specs({}).get(dp)
        if default is None or default.kind in (kind, DpKind.RAW):
            return None  # the same kind keeps its name; a raw DP has none but its id
        return self._names().get(dp)

    async def _async_words(self) -> Words:
        if self._words is None:
            self._words = await async_words(self.hass)
        return self._words

    async def _async_dp_choices(
        self, accepts: Callable[[Any], bool] | None = None
    ) -> list[SelectOptionDict]:
        """The target's DPs as a picker offers them: "1 · Switch 1 (on)"."""
        words, names, reported = await self._async_words(), self._names(), self._reported()
        return [
            SelectOptionDict(
                value=dp, label=dp_label(words, dp, dp_name(words, spec, names), reported)
            )
            for dp, spec in self._specs().items()
            if accepts is None or (dp in reported and accepts(reported[dp]))
        ]

    async def _async_menu(self) -> ConfigFlowResult:
        """The target's menu (the flow shows it)."""
        raise NotImplementedError
