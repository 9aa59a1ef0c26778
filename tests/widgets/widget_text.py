"""What a widget shows, for assertions: every string in its tree, and HTML as plain words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any


def walk(widget: Any) -> Iterator[Any]:
    """The widget and all its descendants."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def strings(widget: Any) -> list[str]:
    """Every string the widget tree holds in a trait the browser shows or can read."""
    out: list[str] = []
    for w in walk(widget):
        for name in ("value", "description", "tooltip", "placeholder"):
            value = getattr(w, name, None)
            if isinstance(value, str):
                out.append(value)
        for option in getattr(w, "options", ()) or ():
            out.append(str(option))
    return out


def text(html: str) -> str:
    """The words of an HTML snippet, tags removed and entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", html))
