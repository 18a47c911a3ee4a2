"""The fields of the options flow's entity forms: which DP values fit a part, and the
numbers and words entered, checked (a wrong one is a form error under its field)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from . import validation
from .overrides import ERROR_RANGE, OPT_MAXIMUM, OPT_MINIMUM, RAW_LIMIT, parse_options


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_text(value: Any) -> bool:
    return isinstance(value, str)


def is_speed(value: Any) -> bool:
    return is_int(value) or is_text(value)


# Every error the entity forms show, spelled out: the offline translation check
# (validation/) reads a form's errors from literal tables like this one.
ENTITY_FORM_ERRORS: Final = (
    "invalid_range",
    "invalid_options",
    "invalid_scale",
    "invalid_dp_type",
    "dp_twice",
    "needs_part",
)


class Invalid(Exception):
    """A field of the form is wrong (the error key under the field)."""

    def __init__(self, field: str, error: str) -> None:
        super().__init__(error)
        self.field, self.error = field, error


def entity_form_errors(err: Invalid) -> dict[str, str]:
    """A form's errors for ``err`` (an error no form knows is a bug: ValueError)."""
    return {err.field: ENTITY_FORM_ERRORS[ENTITY_FORM_ERRORS.index(err.error)]}


def number(data: Mapping[str, Any], field: str, *, low: float = -RAW_LIMIT) -> int | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, int | float) or not float(value).is_integer():
        raise Invalid(field, ERROR_RANGE)
    if not low <= value <= RAW_LIMIT:
        raise Invalid(field, ERROR_RANGE)
    return int(value)


def raw_range(data: Mapping[str, Any], low_field: str, high_field: str) -> dict[str, int]:
    low, high = number(data, low_field), number(data, high_field)
    if low is not None and high is not None and low >= high:
        raise Invalid(high_field, ERROR_RANGE)
    return {
        key: value for key, value in ((OPT_MINIMUM, low), (OPT_MAXIMUM, high)) if value is not None
    }


def words(data: Mapping[str, Any], field: str, default: tuple[str, ...] = ()) -> list[str]:
    if not data.get(field):
        if default:
            return list(default)
        raise Invalid(field, validation.ERROR_OPTIONS)
    try:
        return list(parse_options(data[field]))
    except validation.InvalidInput:
        raise Invalid(field, validation.ERROR_OPTIONS) from None


def box(step: float | Literal["any"] = 1) -> NumberSelector:
    return NumberSelector(NumberSelectorConfig(mode=NumberSelectorMode.BOX, step=step))
