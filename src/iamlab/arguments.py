"""Checks at the door of every public function and widget: the argument, its type, its range.

The rule (one for the whole package): a wrong argument raises
:class:`~iamlab.errors.ValidationError` naming the function and the parameter; a wrong *type*
raises its subclass :class:`~iamlab.errors.ArgumentTypeError`, also a ``TypeError``.
Messages quote the value through :func:`~iamlab.safe_repr.safe_repr` (bounded, never raises).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from iamlab.errors import ArgumentTypeError, ValidationError, describe_type
from iamlab.safe_repr import safe_repr

MAX_NAME = 2048  # characters in a name, an action or an ARN passed to the API
MAX_ITEMS = 100_000  # items in a list passed to the API
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _got(value: object) -> str:
    return f"{describe_type(value)} {safe_repr(value, 60)}"


def wrong_type(function: str, parameter: str, expected: str, value: object) -> ArgumentTypeError:
    return ArgumentTypeError(f"{function}({parameter}=...): expected {expected}, got {_got(value)}")


def check_instance(
    value: object, types: type | tuple[type, ...], function: str, parameter: str, expected: str
) -> None:
    if not isinstance(value, types):
        raise wrong_type(function, parameter, expected, value)


def check_text(
    value: object,
    function: str,
    parameter: str,
    *,
    optional: bool = False,
    empty: bool = False,
    limit: int = MAX_NAME,
) -> str | None:
    """A ``str`` (or None when ``optional``) of at most ``limit`` characters."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise wrong_type(function, parameter, "text (a str)", value)
    if not value and not empty:
        raise ValidationError(f"{function}({parameter}=...): must not be empty")
    if len(value) > limit:
        raise ValidationError(
            f"{function}({parameter}=...): {len(value):,} characters; at most {limit:,}"
        )
    return value


def check_texts(value: object, function: str, parameter: str, *, optional: bool = False) -> Any:
    """A list (or other iterable, not a str) of strings; returns a tuple (or None)."""
    if value is None and optional:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise wrong_type(function, parameter, "a list of strings", value)
    items = []
    for i, item in enumerate(value):
        if i >= MAX_ITEMS:
            raise ValidationError(f"{function}({parameter}=...): more than {MAX_ITEMS:,} items")
        if not isinstance(item, str):
            raise wrong_type(function, f"{parameter}[{i}]", "text (a str)", item)
        if len(item) > MAX_NAME:
            raise ValidationError(
                f"{function}({parameter}[{i}]=...): {len(item):,} characters; at most {MAX_NAME:,}"
            )
        items.append(item)
    return tuple(items)


def check_context(value: object, function: str, parameter: str = "context") -> None:
    """A mapping of condition-key names (text) to values, or None."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise wrong_type(
            function, parameter, "a mapping of condition keys to values (a dict)", value
        )
    if len(value) > MAX_ITEMS:
        raise ValidationError(f"{function}({parameter}=...): more than {MAX_ITEMS:,} keys")
    for key in value:
        if not isinstance(key, str):
            raise wrong_type(function, f"{parameter} key", "text (a str)", key)
        if not key or len(key) > MAX_NAME:
            raise ValidationError(
                f"{function}({parameter}=...): a condition key of {len(key):,} characters"
            )


def check_moment(
    value: object, function: str, parameter: str = "now", *, optional: bool = True
) -> datetime | None:
    """A timezone-aware ``datetime`` between 1970 and 9000 (or None when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, datetime):
        raise wrong_type(function, parameter, "a timezone-aware datetime", value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{function}({parameter}=...): {parameter} must be timezone-aware, e.g. "
            f"datetime(..., tzinfo=UTC)"
        )
    try:
        inside = _EARLIEST <= value <= _LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise ValidationError(
            f"{function}({parameter}=...): {safe_repr(value)} is outside the years iamlab "
            f"models (1970 to 9000)"
        )
    return value


def check_choice(value: object, choices: Iterable[str], function: str, parameter: str) -> str:
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        if not isinstance(value, str):
            raise wrong_type(function, parameter, f"one of {', '.join(options)}", value)
        raise ValidationError(
            f"{function}({parameter}=...): {safe_repr(value, 60)} is not one of "
            f"{', '.join(options)}"
        )
    return value


def check_int(
    value: object,
    function: str,
    parameter: str,
    *,
    low: int,
    high: int,
    optional: bool = False,
) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type(function, parameter, "a whole number (int)", value)
    if not low <= value <= high:
        raise ValidationError(
            f"{function}({parameter}=...): {safe_repr(value)} is not between {low} and {high}"
        )
    return value
