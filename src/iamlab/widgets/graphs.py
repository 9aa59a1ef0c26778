"""Diagrams inside widgets: a ``graphviz.Digraph`` as inline SVG, or its DOT source.

Rendering SVG runs Graphviz's ``dot``. When it is not installed, the widget shows the DOT
source with a note instead of failing.
"""

from __future__ import annotations

from typing import Literal

import graphviz

from iamlab.widgets.badges import pre

DiagramFormat = Literal["svg", "dot"]


def svg_of(graph: graphviz.Digraph) -> str:
    """The diagram as an inline ``<svg>`` element (without the XML prologue)."""
    svg: str = graph.pipe(format="svg", encoding="utf-8")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def diagram_html(graph: graphviz.Digraph, fmt: DiagramFormat = "svg") -> str:
    """HTML for a diagram: inline SVG, or the DOT source when asked or when dot is missing."""
    if fmt == "svg":
        try:
            return f'<div class="iamlab-diagram" style="overflow-x:auto">{svg_of(graph)}</div>'
        except graphviz.ExecutableNotFound:
            note = "Graphviz's dot program is not installed, so here is the diagram's source:"
            return f"<p>{note}</p>{pre(graph.source)}"
        except graphviz.CalledProcessError as exc:
            return f"<p>Graphviz could not draw this diagram ({exc}); its source:</p>" + pre(
                graph.source
            )
    return pre(graph.source)
