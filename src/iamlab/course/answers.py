"""Turn a learner's answer into plain JSON data, or say clearly why it cannot be graded.

Grading never touches the learner's objects: an answer is copied into exact builtin types
(``dict`` with ``str`` keys, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``) and
round-tripped through JSON. A subclass (say, a ``str`` whose ``__eq__`` always says yes), a
tuple, a set, a NaN or anything else is refused with a reason, so it scores zero instead of
fooling a comparison.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 20
MAX_ITEMS = 5_000
MAX_CHARS = 200_000


class AnswerError(ValueError):
    """The answer is not plain data; the message says where and why."""


def plain(value: object, name: str = "answer") -> Any:
    """Return a JSON round-tripped copy of ``value``; raise :class:`AnswerError` if not plain."""
    budget = [MAX_ITEMS]
    copy = _copy(value, name, 0, budget)
    text = json.dumps(copy, ensure_ascii=False, allow_nan=False, sort_keys=False)
    if len(text) > MAX_CHARS:
        raise AnswerError(
            f"{name} is too large to grade ({len(text)} characters as JSON; at most {MAX_CHARS})"
        )
    return json.loads(text)


def _copy(value: object, where: str, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise AnswerError(f"{where}: the answer has more than {MAX_ITEMS} items")
    if depth > MAX_DEPTH:
        raise AnswerError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is float:
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise AnswerError(f"{where}: {value!r} is not a finite number")
        return value
    if kind is list:
        items: list[Any] = value  # type: ignore[assignment]
        return [_copy(v, f"{where}[{i}]", depth + 1, budget) for i, v in enumerate(items)]
    if kind is dict:
        out: dict[str, Any] = {}
        for k, v in value.items():  # type: ignore[attr-defined]
            if type(k) is not str:
                raise AnswerError(
                    f"{where}: key {_short(k)} is a {type(k).__name__}; "
                    f'use strings as keys (like "S01")'
                )
            out[k] = _copy(v, f"{where}[{k!r}]", depth + 1, budget)
        return out
    if kind is tuple:
        raise AnswerError(f"{where} is a tuple; use a list [...] instead")
    if isinstance(value, str | int | float | dict | list):
        raise AnswerError(
            f"{where} is a {kind.__name__} (a subclass of "
            f"{kind.__mro__[1].__name__}); use a plain value, such as the "
            f"labels the course module provides"
        )
    raise AnswerError(
        f"{where} is a {kind.__name__}; answers are plain data: dicts, lists, "
        f"strings, numbers, True/False/None"
    )


def _short(value: object) -> str:
    try:
        text = repr(value)
    except Exception:  # a learner's __repr__ may raise anything
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."
