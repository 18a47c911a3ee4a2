"""The corpus of real product layouts (tests/corpus) through both paths.

With the model every DP the model names comes out right (kind, purpose, scale) and
nothing else is invented; without it the numbering rule gets the standard layouts right
and is never wrong: what it cannot prove stays a raw diagnostic.
"""

from __future__ import annotations

from collections import Counter

import pytest

from custom_components.tuya_lan.mapping import DpKind, DpSpec, build_descriptions, resolve_specs
from tests.corpus.devices import CORPUS, CorpusDevice


def _describe(spec: DpSpec, *, with_scale: bool) -> str:
    text = spec.kind.value + (f":{spec.role}" if spec.role else "")
    if with_scale:
        text += f"@{spec.effective_scale:g}"
    return text


def _check(device: CorpusDevice, specs: dict[str, DpSpec], expected: dict[str, str]) -> None:
    described = {dp for dp in specs if specs[dp].kind is not DpKind.RAW}
    model_dps = {str(dp.dp_id) for dp in device.model}
    got = {dp: _describe(specs[dp], with_scale="@" in expected.get(dp, "")) for dp in described}
    assert got == expected
    for dp, spec in specs.items():
        # Nothing invented: an entity's DP was reported, or the model declares it (or
        # it is add_ele beside the proved 17-20 meter, which plugs send only in pushes).
        assert dp in device.dps or dp in model_dps or (dp == "17" and spec.kind is DpKind.ENERGY)
        if spec.kind is DpKind.RAW:
            assert dp in device.dps


def _names_unique(specs: dict[str, DpSpec]) -> None:
    descriptions = build_descriptions(specs)
    for platform in ("switches", "numbers", "sensors", "selects", "binary_sensors"):
        names = Counter(
            (
                d.translation_key,
                d.device_class,
                tuple(sorted((d.translation_placeholders or {}).items())),
            )
            for d in getattr(descriptions, platform)
        )
        assert [name for name, count in names.items() if count > 1] == [], platform


@pytest.mark.parametrize("device", CORPUS, ids=lambda device: device.name)
def test_with_model(device: CorpusDevice) -> None:
    """The model decides: kinds, purposes and the model's scales."""
    specs = resolve_specs(device.dps, {}, category=device.category, model=device.model)
    _check(device, specs, device.with_model)
    _names_unique(specs)


@pytest.mark.parametrize("device", CORPUS, ids=lambda device: device.name)
def test_without_model(device: CorpusDevice) -> None:
    """The numbering rule: right where the layout is proved, raw otherwise."""
    specs = resolve_specs(device.dps, {})
    _check(device, specs, device.without_model)
    _names_unique(specs)


def test_without_model_never_contradicts_the_model() -> None:
    """Whatever the rule maps without a model, the model agrees with (same kind)."""
    for device in CORPUS:
        with_model = resolve_specs(device.dps, {}, category=device.category, model=device.model)
        without = resolve_specs(device.dps, {})
        for dp, spec in without.items():
            if spec.kind is DpKind.RAW or dp not in with_model:
                continue
            assert with_model[dp].kind is spec.kind, (device.name, dp)
