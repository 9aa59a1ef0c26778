"""Showing a diagram in a notebook: SVG when Graphviz's ``dot`` is there, text otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

import graphviz

if TYPE_CHECKING:
    from iamlab.model.evaluation import Decision
    from iamlab.model.lab import Lab

NO_DOT = (
    "(Graphviz's `dot` program is not installed, so the diagram cannot be drawn. "
    "Install it: sudo apt-get install graphviz | brew install graphviz | "
    "conda install -c conda-forge graphviz)"
)


def lab_bundle(lab: Lab) -> dict[str, str]:
    """What a bare ``lab`` in a cell shows: its account map."""
    from iamlab.diagrams.account_map import account_map

    return mimebundle(account_map(lab), repr(lab))


def decision_bundle(decision: Decision) -> dict[str, str]:
    """What a bare decision in a cell shows: its decision path."""
    from iamlab.diagrams.decision_path import decision_path

    return mimebundle(decision_path(decision), str(decision))


def mimebundle(graph: graphviz.Digraph, text: str) -> dict[str, str]:
    """A Jupyter MIME bundle: the diagram as SVG plus ``text`` for plain-text front ends."""
    try:
        svg = graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        return {"text/plain": f"{text}\n{NO_DOT}"}
    return {"image/svg+xml": svg, "text/plain": text}
