"""A bounded, safe rendering of any value, for error messages.

Error messages quote what they were given. Given a stranger's input, ``repr`` may recurse
10,000 levels (``RecursionError``), refuse a 5,000-digit integer (``ValueError``), or echo a
megabyte — or, for a billion-laughs YAML value, many more. :func:`safe_repr` never does: it
stops at a depth, a number of items and a length, and it never raises.
"""

from __future__ import annotations

import reprlib
from typing import Any

LIMIT = 120  # characters in one rendering, at most


class _Repr(reprlib.Repr):
    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxtuple = self.maxlist = self.maxarray = 6
        self.maxdict = 4
        self.maxset = self.maxfrozenset = self.maxdeque = 6
        self.maxstring = 60
        self.maxlong = 40
        self.maxother = 60

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:  # str() of a huge int is slow, and refused past 4,300 digits
            return f"<an integer of about {int(x.bit_length() * 0.30103) + 1} digits>"
        return super().repr_int(x, level)

    def repr_str(self, x: str, level: int) -> str:
        if len(x) > self.maxstring:
            half = (self.maxstring - 3) // 2
            return repr(x[:half]) + "..." + repr(x[-half:]) + f" ({len(x):,} characters)"
        return repr(x)

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            if isinstance(x, int) and not isinstance(x, bool):  # int subclasses
                return self.repr_int(int(x), level)
            text = repr(x)
        except Exception:  # a broken __repr__, a RecursionError inside one ...
            return f"<{type(x).__name__}>"
        if len(text) > self.maxother:
            half = (self.maxother - 3) // 2
            text = text[:half] + "..." + text[-half:]
        return text


_RENDER = _Repr()


def safe_repr(value: object, limit: int = LIMIT) -> str:
    """``repr(value)``, cut to ``limit`` characters and a few levels; never raises."""
    try:
        text = _RENDER.repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text
