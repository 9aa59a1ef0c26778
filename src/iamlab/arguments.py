"""Checks at the door of every public function and widget: the argument, its type, its range.

The rule (one for the whole package): a wrong argument raises
:class:`~iamlab.errors.ValidationError` naming the function and the parameter; a wrong *type*
raises its subclass :class:`~iamlab.errors.ArgumentTypeError`, also a ``TypeError``.
Messages quote the value through :func:`~iamlab.safe_repr.safe_repr` (bounded, never raises).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iamlab.errors import ArgumentTypeError, ValidationError, describe_type
from iamlab.safe_repr import safe_repr

MAX_NAME = 2048  # characters in a name, an action or an ARN passed to the API
MAX_ITEMS = 100_000  # items in a list passed to the API
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)
_LAST_MOMENT: list[object] = [_EARLIEST]


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
    if type(value) is str and 0 < len(value) <= limit:
        return value
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
    if type(value) is dict and len(value) < 64:  # the usual case, checked fast
        for key, item in value.items():
            kind = type(item)
            if not (
                type(key) is str
                and 0 < len(key) <= MAX_NAME
                and (kind is str or kind is bool or kind is int or kind is float)
            ):
                break
            if kind is str and len(item) > 10**6:
                break
        else:
            return
    if not isinstance(value, Mapping):
        raise wrong_type(
            function, parameter, "a mapping of condition keys to values (a dict)", value
        )
    if len(value) > MAX_ITEMS:
        raise ValidationError(f"{function}({parameter}=...): more than {MAX_ITEMS:,} keys")
    for key, item in value.items():
        kind = type(item)
        if (
            type(key) is str
            and 0 < len(key) <= MAX_NAME
            and (
                kind is bool or kind is int or kind is float or (kind is str and len(item) < 10**6)
            )
        ):
            continue  # the usual case, checked fast
        if not isinstance(key, str):
            raise wrong_type(function, f"{parameter} key", "text (a str)", key)
        if not key or len(key) > MAX_NAME:
            raise ValidationError(
                f"{function}({parameter}=...): a condition key of {len(key):,} characters"
            )
        where = f"{parameter}[{safe_repr(key, 60)}]"
        items = item if isinstance(item, (list, tuple, set, frozenset)) else (item,)
        if len(items) > MAX_ITEMS:
            raise ValidationError(f"{function}({where}=...): more than {MAX_ITEMS:,} values")
        for one in items:
            _check_context_value(one, function, where)


def _check_context_value(value: object, function: str, where: str) -> None:
    """A request context value: text, a number, true/false, a datetime, or None (one level of
    list for multivalued keys, checked by the caller)."""
    if value is None or isinstance(value, (str, int, float)):  # bool is an int
        if isinstance(value, str) and len(value) > 1_000_000:
            raise ValidationError(f"{function}({where}=...): {len(value):,} characters")
        return  # a number no operator can read (10**400, nan) simply does not match
    if isinstance(value, datetime):
        try:
            value.astimezone(UTC)
        except (OverflowError, ValueError, OSError):
            raise ValidationError(
                f"{function}({where}=...): {safe_repr(value)} is out of the range of dates"
            ) from None
        return
    raise wrong_type(
        function, where, "text, a number, true/false, a datetime or a list of those", value
    )


def check_moment(
    value: object,
    function: str,
    parameter: str = "now",
    *,
    optional: bool = True,
    naive_is_utc: bool = False,
) -> datetime | None:
    """A timezone-aware ``datetime`` between 1970 and 9000 (or None when ``optional``)."""
    if value is _LAST_MOMENT[0]:  # datetimes are immutable: the one checked last is fine
        return value  # type: ignore[return-value]
    if value is None and optional:
        return None
    if not isinstance(value, datetime):
        raise wrong_type(function, parameter, "a timezone-aware datetime", value)
    if naive_is_utc and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
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
    _LAST_MOMENT[0] = value
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


def check_path(value: object, function: str, parameter: str = "path") -> Path:
    """A file path: ``str`` or ``os.PathLike`` of text, without NUL, of sane length."""
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, (str, os.PathLike)):
        raise wrong_type(function, parameter, "a path (str or pathlib.Path)", value)
    text = os.fspath(value)
    if not isinstance(text, str):
        raise wrong_type(function, parameter, "a path of text, not bytes", value)
    if not text or "\x00" in text or len(text) > 4096:
        raise ValidationError(
            f"{function}({parameter}=...): {safe_repr(text, 80)} is not a usable path "
            f"(empty, too long, or holding a NUL character)"
        )
    return Path(text)


def check_lab(value: object, function: str, parameter: str = "lab") -> None:
    from iamlab.model.lab import Lab

    if not isinstance(value, Lab):
        raise wrong_type(function, parameter, "an iamlab.Lab (Lab.load(...))", value)


def check_principal(value: object, function: str, parameter: str = "principal") -> None:
    """A principal: a name or ARN (text), or a Session."""
    if type(value) is str and 0 < len(value) <= MAX_NAME:
        return
    if not _SESSION:
        from iamlab.model.sts import Session

        _SESSION.append(Session)
    if isinstance(value, _SESSION[0]):
        return
    check_text(value, function, parameter)


_SESSION: list[type] = []  # iamlab.model.sts.Session, imported on first use (no import cycle)


def check_bool(value: object, function: str, parameter: str) -> None:
    if not isinstance(value, bool):
        raise wrong_type(function, parameter, "True or False", value)


def check_editor_arguments(
    document: object,
    lab: object,
    principal: object,
    requests: object,
    name: object,
    context: object,
    now: object,
) -> None:
    """The PolicyEditor's arguments (kept here so the widget stays a thin view)."""
    function = "PolicyEditor"
    if document is not None and not isinstance(document, (str, Mapping)):
        raise wrong_type(function, "document", "a policy (dict or JSON text)", document)
    if isinstance(document, str) and len(document) > 1_000_000:
        raise ValidationError(f"{function}(document=...): {len(document):,} characters")
    if isinstance(document, Mapping):
        from iamlab.model.quotas import RESOURCE_CEILING, policy_size

        policy_size(document, "document", limit=RESOURCE_CEILING)  # JSON values, bounded
    if lab is not None and not isinstance(lab, Mapping):
        check_lab(lab, function)
    check_text(principal, function, "principal", optional=True)
    if isinstance(requests, (str, bytes)) or not isinstance(requests, Iterable):
        raise wrong_type(function, "requests", "a list of (action, resource) pairs", requests)
    for i, request in enumerate(list(requests)[: MAX_ITEMS + 1]):
        if i >= MAX_ITEMS:
            raise ValidationError(f"{function}(requests=...): more than {MAX_ITEMS:,}")
        if not isinstance(request, (tuple, list)) or len(request) != 2:
            raise wrong_type(function, f"requests[{i}]", "an (action, resource) pair", request)
        check_text(request[0], function, f"requests[{i}][0]")
        check_text(request[1], function, f"requests[{i}][1]")
    check_text(name, function, "name", limit=128)
    check_context(context, function)
    check_moment(now, function)


def check_quiz_arguments(bank: object, shuffle: object, seed: object, notebooks: object) -> None:
    """The ScenarioQuiz's arguments."""
    from iamlab.scenarios.loader import Scenario

    function = "ScenarioQuiz"
    if bank is not None:
        if isinstance(bank, (str, bytes, Mapping)) or not isinstance(bank, Iterable):
            raise wrong_type(function, "bank", "a list of scenarios (load_bank())", bank)
        for i, item in enumerate(bank):
            if not isinstance(item, Scenario):
                raise wrong_type(function, f"bank[{i}]", "a Scenario", item)
    check_bool(shuffle, function, "shuffle")
    check_int(seed, function, "seed", low=-(2**63), high=2**63, optional=True)
    check_text(notebooks, function, "notebooks", empty=True)


def check_matrix_arguments(
    function: str,
    principals: object,
    actions: object,
    resources: object,
    context: object,
    now: object,
) -> None:
    """The lists, context and time of an access matrix (None: the lab's own suggestions)."""
    for name, value in (("principals", principals), ("actions", actions), ("resources", resources)):
        check_texts(value, function, name, optional=True)
    check_context(context, function)
    check_moment(now, function)


def check_explorer_arguments(lab: object, role: object, tokens: object, now: object) -> None:
    """The FederationExplorer's arguments: a lab, a role, labelled tokens (mappings; what STS
    would refuse in them is the explorer's to show), a moment."""
    function = "FederationExplorer"
    check_lab(lab, function)
    check_text(role, function, "role")
    if not isinstance(tokens, Mapping):
        raise wrong_type(function, "tokens", "a mapping of labels to tokens (dicts)", tokens)
    if len(tokens) > 100:
        raise ValidationError(f"{function}(tokens=...): {len(tokens):,} tokens; at most 100")
    for label, token in tokens.items():
        check_text(label, function, "tokens key", limit=128)
        where = f"tokens[{safe_repr(label, 60)}]"
        check_instance(token, Mapping, function, where, "a token (a mapping of claims)")
    check_moment(now, function)
