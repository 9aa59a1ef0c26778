"""One visual vocabulary for every iamlab diagram.

- **Colours** come from the Okabe–Ito palette, which stays distinguishable for the common
  kinds of colour blindness (https://jfly.uni-koeln.de/color/). Shapes are filled with a light
  tint of a palette colour and written in a dark font, so a node reads the same on JupyterLab's
  light and dark themes; the background is transparent; lines and the text beside them use a
  mid grey that has enough contrast on white and on near-black.
- **Shapes** say what a thing is (user, group, role, root user, service, policy, resource,
  STS) and every node also says it in words, so nothing depends on colour alone.
- **Outcomes** of a request are told apart by a marker (✔ / ✖ / ○), a word, a shape, a line
  style and a colour: ``✔ Allowed`` (rounded box, solid), ``✖ Explicitly denied`` (octagon,
  bold) and ``○ Implicitly denied`` (rounded box, dashed).
- **Accessibility**: every diagram has a visible title (graph ``label``) and a one-sentence
  description, kept as the graph's ``tooltip`` (Graphviz writes it into the SVG) and as the
  DOT ``comment`` (the first line of the DOT source).
- **Both themes**: text never sits on the transparent background. Nodes are filled, the title,
  edge labels and cluster captions sit on light cards (:func:`card`, :func:`edge_label`), and
  dark ink is used on all of them; only lines cross the background, in a mid grey.

The functions here only build :class:`graphviz.Digraph` objects; they never render files.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping

import graphviz

# -- the Okabe–Ito palette --------------------------------------------------------------------

ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
BLACK = "#000000"

#: Lines: at least 4:1 against white, the light cards and JupyterLab's dark background.
LINE_GREY = "#777777"
#: Text inside filled shapes.
INK = "#1A1A1A"
#: Account clusters and other "cards" that hold nodes.
CARD = "#F4F4F4"
#: Things a diagram pushes into the background (not reached, not in focus).
DIM_FILL = "#EDEDED"
DIM_INK = "#8C8C8C"
DIM_LINE = "#BDBDBD"

FONT = "Helvetica,Arial,sans-serif"


def tint(colour: str, amount: float = 0.55) -> str:
    """``colour`` mixed with white (``amount`` = the share of white): a light fill."""
    value = colour.lstrip("#")
    rgb = [int(value[i : i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return "#" + "".join(f"{c:02X}" for c in mixed)


# -- what each kind of thing looks like ---------------------------------------------------------

#: Node attributes per kind of thing. The words in each node's label repeat the kind.
KINDS: Mapping[str, Mapping[str, str]] = {
    "user": {"shape": "box", "style": "rounded,filled", "fillcolor": tint(SKY_BLUE)},
    "group": {"shape": "folder", "style": "filled", "fillcolor": tint(BLUE, 0.7)},
    "role": {"shape": "hexagon", "style": "filled", "fillcolor": tint(ORANGE)},
    "session": {"shape": "hexagon", "style": "filled,dashed", "fillcolor": tint(ORANGE, 0.7)},
    "root": {
        "shape": "box",
        "style": "filled,bold",
        "peripheries": "2",
        "fillcolor": tint(YELLOW, 0.35),
    },
    "service": {"shape": "component", "style": "filled", "fillcolor": tint(REDDISH_PURPLE)},
    "account": {"shape": "box3d", "style": "filled", "fillcolor": "#FFFFFF"},
    "external": {"shape": "box", "style": "rounded,filled,dashed", "fillcolor": "#FFFFFF"},
    "policy": {"shape": "note", "style": "filled", "fillcolor": "#FFFFFF"},
    "boundary": {"shape": "note", "style": "filled,dashed", "fillcolor": "#FFFFFF"},
    "resource": {"shape": "cylinder", "style": "filled", "fillcolor": tint(BLUISH_GREEN, 0.6)},
    "sts": {"shape": "box3d", "style": "filled", "fillcolor": tint(BLUE, 0.6)},
    "credentials": {"shape": "tab", "style": "filled", "fillcolor": tint(YELLOW, 0.45)},
    "request": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FFFFFF"},
    "check": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FFFFFF"},
}

#: How a kind is named in words (node captions, descriptions).
KIND_WORDS: Mapping[str, str] = {
    "user": "IAM user",
    "group": "IAM group",
    "role": "IAM role",
    "session": "role session",
    "root": "root user",
    "service": "AWS service",
    "account": "AWS account",
    "external": "outside this lab",
    "policy": "policy",
    "boundary": "permissions boundary",
    "resource": "resource",
    "sts": "AWS STS",
    "credentials": "temporary credentials",
}

# -- outcomes -------------------------------------------------------------------------------

ALLOWED = "Allowed"
IMPLICIT = "ImplicitlyDenied"
EXPLICIT = "ExplicitlyDenied"

#: Marker + words for each result: readable without colour.
OUTCOME_TEXT: Mapping[str, str] = {
    ALLOWED: "✔ Allowed",
    IMPLICIT: "○ Implicitly denied",
    EXPLICIT: "✖ Explicitly denied",
}
OUTCOME_COLOUR: Mapping[str, str] = {
    ALLOWED: BLUISH_GREEN,
    IMPLICIT: ORANGE,
    EXPLICIT: VERMILION,
}
OUTCOME_NODE: Mapping[str, Mapping[str, str]] = {
    ALLOWED: {"shape": "box", "style": "rounded,filled", "fillcolor": tint(BLUISH_GREEN)},
    IMPLICIT: {"shape": "box", "style": "rounded,filled,dashed", "fillcolor": tint(ORANGE)},
    EXPLICIT: {"shape": "octagon", "style": "filled,bold", "fillcolor": tint(VERMILION)},
}

#: Marks for one check on the way to a decision.
PASS = "✔"
FAIL = "✖"
NONE = "∅"
SKIP = "–"

#: The path a request took: thick, blue (the palette's most neutral strong colour), solid.
PATH = {"color": BLUE, "fontcolor": BLUE, "penwidth": "3", "style": "bold"}
#: Edges off the path: thin, light grey, dashed.
OFF_PATH = {"color": DIM_LINE, "fontcolor": DIM_INK, "penwidth": "1", "style": "dashed"}
#: Node attributes that push a node into the background.
DIMMED = {"fillcolor": DIM_FILL, "fontcolor": DIM_INK, "color": DIM_LINE}
#: Node attributes that pick a node out (focus, the request's path).
HIGHLIGHT = {"penwidth": "3", "color": BLUE}

# -- building graphs --------------------------------------------------------------------------


def new_graph(*, title: str, description: str, rankdir: str = "TB") -> graphviz.Digraph:
    """A Digraph with the shared look, a visible title and a description for screen readers.

    The title is also the graph's name, which Graphviz writes as the SVG's ``<title>`` (what
    a screen reader announces); the description is the graph ``tooltip`` and the DOT comment.
    """
    graph = graphviz.Digraph(name=plain(one_line(title)), comment=one_line(description))
    graph.attr(
        label=title_label(title),
        labelloc="t",
        labeljust="l",
        tooltip=plain(one_line(description)),
        bgcolor="transparent",
        fontname=FONT,
        fontsize="16",
        rankdir=rankdir,
        nodesep="0.35",
        ranksep="0.5",
        pad="0.2",
        # points (1/72 in); 0.75 pt a pixel. "!"-less: only ever scaled down, never up.
        size=f"{MAX_WIDTH_PX * 0.75 / 72:.2f},100",
    )
    graph.attr(
        "node",
        fontname=FONT,
        fontsize="11",
        fontcolor=INK,
        color=LINE_GREY,
        penwidth="1.2",
        margin="0.12,0.06",
    )
    graph.attr(
        "edge", fontname=FONT, fontsize="10", fontcolor=LINE_GREY, color=LINE_GREY, arrowsize="0.8"
    )
    return graph


def card(name: str, caption: str = "", *, tooltip: str = "") -> graphviz.Digraph:
    """A cluster drawn as a light card: what sits on it reads the same on light and dark themes.

    Add nodes to it, then add it to the graph with ``graph.subgraph(card)``.
    """
    sub = graphviz.Digraph(name=f"cluster_{safe_id(name)}")
    sub.attr(
        label=plain(caption),
        style="rounded,filled",
        fillcolor=CARD,
        color=LINE_GREY if caption else CARD,
        fontcolor=INK,
        fontname=FONT,
        fontsize="12",
        labeljust="l",
        margin="12",
    )
    if tooltip:
        sub.attr(tooltip=plain(tooltip))
    return sub


def account_cluster(account_id: str, name: str = "") -> graphviz.Digraph:
    """The card holding one account's nodes: ``coffee-shop (account 111122223333)``."""
    caption = f"account {account_id}" if account_id else "AWS"
    if name:
        caption = f"{name} ({caption})"
    return card(
        account_id or "aws",
        caption,
        tooltip=f"Everything inside this box belongs to {caption}.",
    )


def node_attrs(kind: str, **extra: str) -> dict[str, str]:
    """The attributes of a node of ``kind``, plus ``extra`` (text such as a tooltip, which may
    hold an ARN from the lab or the request, kept literal: see :func:`plain`)."""
    attrs = dict(KINDS.get(kind, KINDS["check"]))
    attrs.update(
        {
            key: value
            if isinstance(value, graphviz.quoting.NoHtml) or "\\" not in value
            else plain(value)
            for key, value in extra.items()
        }
    )
    return attrs


# -- text -----------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def safe_id(*parts: str) -> str:
    """A DOT node id from ``parts``: letters, digits and ``_`` only, never ambiguous.

    ARNs cannot be node ids as they are (a colon in an edge end names a port), so characters
    outside ``[A-Za-z0-9_]`` become ``_`` and, when any had to be replaced, a short hash of the
    original keeps two different names from meeting.
    """
    cleaned = "_".join(_UNSAFE.sub("_", p) for p in parts)
    if any(_UNSAFE.search(p) for p in parts):
        cleaned += "_" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:6]
    return cleaned


def node_id(kind: str, account: str, name: str) -> str:
    """The node id diagrams use for a thing, e.g. ``node_id("user", "111122223333", "maria")``."""
    return safe_id(kind, account, name)


def plain(text: str) -> graphviz.quoting.NoHtml:
    """``text`` as a plain (never HTML) DOT string, with backslashes kept literally."""
    return graphviz.nohtml(text.replace("\\", "\\\\"))


def lines(*rows: str) -> graphviz.quoting.NoHtml:
    """A centred multi-line label from ``rows`` (empty rows are dropped)."""
    return graphviz.nohtml("\\n".join(r.replace("\\", "\\\\") for r in rows if r))


def edge_label(*rows: str, dim: bool = False) -> str:
    """An edge label on its own small light card (edges also cross the transparent background).

    Dark ink on the card keeps it readable on any theme; ``dim`` greys it like a dimmed edge.
    """
    text = "<br/>".join(html.escape(r) for r in rows if r)
    ink = DIM_INK if dim else INK
    return (
        f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1" bgcolor="{CARD}">'
        f'<tr><td><font color="{ink}">{text}</font></td></tr></table>>'
    )


#: The widest a diagram may be drawn, in pixels: JupyterLab's notebook column at 1280 px with the
#: file browser open is 848 px, and an output keeps a margin. Layouts are chosen to stay under
#: it at full size (top to bottom for long flows, wrapped labels); ``size`` below is only the
#: safety net that scales a drawing down if it still comes out wider.
MAX_WIDTH_PX = 800
#: Label rows are wrapped at this many characters (about 250 px at 11 pt).
WRAP = 40
#: Titles are wrapped at this many characters (16 pt bold).
TITLE_WRAP = 58


def wrap(text: str, width: int = WRAP) -> list[str]:
    """``text`` as rows of at most ``width`` characters, broken between words; a word longer
    than a row (an ARN) breaks after a ``/`` or ``:`` and its pieces join without a space."""
    pieces: list[tuple[str, bool]] = []  # (piece, continues the previous piece's word)
    for word in text.split():
        glued = False
        while len(word) > width:
            cut = max(word.rfind("/", 0, width), word.rfind(":", 0, width)) + 1
            cut = cut if cut > width // 3 else width
            pieces.append((word[:cut], glued))
            word, glued = word[cut:], True
        pieces.append((word, glued))
    rows: list[str] = []
    for piece, glued in pieces:
        joined = rows[-1] + piece if glued else (rows[-1] + " " + piece if rows else piece)
        if rows and len(joined) <= width:
            rows[-1] = joined
        else:
            rows.append(piece)
    return rows or [""]


def one_line(text: str) -> str:
    return " ".join(text.split())


def title_label(title: str) -> str:
    """The graph title as an HTML-like label on a light card (readable on any theme)."""
    rows = "<br/>".join(html.escape(row) for row in wrap(title, TITLE_WRAP))
    return (
        f'<<table border="0" cellborder="0" cellpadding="5" bgcolor="{CARD}">'
        f'<tr><td balign="left"><font color="{INK}"><b>{rows}</b></font></td></tr></table>>'
    )


def shorten(items: Iterable[str], limit: int = 3, *, sep: str = ", ") -> str:
    """``a, b, c +2 more``: keeps labels small."""
    values = list(items)
    shown = sep.join(values[:limit])
    if len(values) > limit:
        shown += f"{sep}+{len(values) - limit} more"
    return shown


def duration_words(seconds: float) -> str:
    """``45 s``, ``12 min``, ``1 h 5 min``."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
