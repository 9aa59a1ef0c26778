"""Small HTML snippets the widgets share: result badges, error boxes, preformatted text.

Every badge says its meaning in words and with a symbol, not by colour alone, and uses
white text on a solid background so it reads the same in JupyterLab's light and dark themes.
"""

from __future__ import annotations

from html import escape

from iamlab.diagrams.style import OUTCOME_TEXT

# result -> (symbol and words, background colour); the words and marks are the diagrams'
RESULT_BADGES: dict[str, tuple[str, str]] = {
    "Allowed": (OUTCOME_TEXT["Allowed"], "#1a7f37"),
    "ExplicitlyDenied": (OUTCOME_TEXT["ExplicitlyDenied"], "#b3261e"),
    "ImplicitlyDenied": (OUTCOME_TEXT["ImplicitlyDenied"], "#8a5300"),
}
_BADGE_STYLE = (
    "display:inline-block;padding:0.25em 0.7em;border-radius:0.4em;font-weight:bold;"
    "color:#ffffff;background:{colour}"
)


def badge_text(result: str) -> str:
    """``✔ Allowed``, ``✖ Explicitly denied`` or ``○ Implicitly denied``."""
    return RESULT_BADGES.get(result, (result, ""))[0]


def badge(text: str, colour: str, *, detail: str = "") -> str:
    """A coloured badge with ``text``, optionally followed by plain ``detail``."""
    html = f'<span class="iamlab-badge" style="{_BADGE_STYLE.format(colour=colour)}">'
    html += f"{escape(text)}</span>"
    if detail:
        html += f' <span class="iamlab-badge-detail">{escape(detail)}</span>'
    return html


def result_badge(result: str, *, detail: str = "") -> str:
    """The badge for a decision's result (``Allowed``, ``ImplicitlyDenied`` ...)."""
    text, colour = RESULT_BADGES.get(result, (result, "#57606a"))
    return badge(text, colour, detail=detail)


def error_box(message: str, *, title: str = "⚠ Cannot evaluate") -> str:
    """A readable error in place of a traceback: a title and the message."""
    return (
        '<div class="iamlab-error" style="border-left:4px solid #b3261e;padding:0.3em 0.6em">'
        f"<b>{escape(title)}</b><br>{escape(message)}</div>"
    )


def pre(text: str) -> str:
    """Preformatted text, escaped, wrapped so that long lines stay readable."""
    return (
        f'<pre class="iamlab-pre" style="white-space:pre-wrap;margin:0.3em 0">{escape(text)}</pre>'
    )
