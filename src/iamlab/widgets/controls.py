"""Controls the widgets share: text fields with suggestions, layouts, and time as text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import ipywidgets as widgets

from iamlab.safe_repr import safe_repr

LABEL_STYLE = {"description_width": "9em"}


def wide() -> Any:
    """A fresh layout for a full-width control (each widget gets its own Layout)."""
    return widgets.Layout(width="46em")


def auto_width() -> Any:
    """A fresh layout that fits its content (long check box and button labels)."""
    return widgets.Layout(width="auto")


def combobox(description: str, value: str, options: list[str], placeholder: str) -> Any:
    """A text field with suggestions; any text is accepted (free text), sent on Enter."""
    return widgets.Combobox(
        value=value,
        options=options,
        description=description,
        placeholder=placeholder,
        ensure_option=False,
        continuous_update=False,
        layout=wide(),
        style=LABEL_STYLE,
    )


def parse_time(text: str) -> datetime:
    """``2026-11-28T09:00`` or ``...Z`` or ``...+01:00``; a time without a zone is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"time {safe_repr(text)} is not an ISO date and time such as 2026-11-28T09:00:00Z"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    """``2026-11-28T09:00:00Z``: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
