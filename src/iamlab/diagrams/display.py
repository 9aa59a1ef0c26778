"""Showing a diagram in a notebook: SVG when Graphviz's ``dot`` is there, text otherwise."""

from __future__ import annotations

import graphviz

NO_DOT = (
    "(Graphviz's `dot` program is not installed, so the diagram cannot be drawn. "
    "Install it: sudo apt-get install graphviz | brew install graphviz | "
    "conda install -c conda-forge graphviz)"
)


def mimebundle(graph: graphviz.Digraph, text: str) -> dict[str, str]:
    """A Jupyter MIME bundle: the diagram as SVG plus ``text`` for plain-text front ends."""
    try:
        svg = graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        return {"text/plain": f"{text}\n{NO_DOT}"}
    return {"image/svg+xml": svg, "text/plain": text}
