"""The browser's drawing path of iamlab.diagrams.display, checked on a server.

In JupyterLite, graphviz's process call is replaced by ``display.run_in_wasm``, which hands the
DOT source to Graphviz in WebAssembly (``viz.renderString``). Here ``viz`` is a stand-in that runs
the real ``dot`` on what it is given: the adapter must pass graphviz's own source, engine and
format through and return what graphviz expects, so the SVG is the one ``dot`` draws.
"""

from __future__ import annotations

import subprocess
from typing import Any

import graphviz
import graphviz.backend.execute
import pytest
from lite_site import ROOT

from iamlab import Lab
from iamlab.diagrams import account_map, display


class DotAsViz:
    """``viz.renderString`` done by the real ``dot``; remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def renderString(self, source: str, *, format: str, engine: str) -> str:
        self.calls.append((format, engine))
        if "syntax error here" in source:
            raise RuntimeError("Error: syntax error in line 1")
        return subprocess.run(
            ["dot", f"-K{engine}", f"-T{format}"],
            input=source,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout


@pytest.fixture
def viz(monkeypatch: pytest.MonkeyPatch) -> DotAsViz:
    fake = DotAsViz()
    monkeypatch.setattr(display, "_viz", lambda: fake)
    monkeypatch.setattr(graphviz.backend.execute, "run_check", display.run_in_wasm)
    return fake


def test_a_lab_draws_the_same_svg_through_the_browser_path(viz: DotAsViz) -> None:
    lab = Lab.load(ROOT / "labs" / "coffee-shop.yaml")
    bundle = lab._repr_mimebundle_()
    graph = account_map(lab)
    expected = subprocess.run(
        ["dot", "-Kdot", "-Tsvg"], input=graph.source, capture_output=True, text=True, check=True
    ).stdout
    assert bundle["image/svg+xml"] == expected
    assert viz.calls == [("svg", "dot")]


def test_bytes_without_an_encoding(viz: DotAsViz) -> None:
    graph = graphviz.Digraph()
    graph.edge("maria", "Baristas")
    out: Any = graph.pipe(format="svg", engine="neato")
    assert isinstance(out, bytes) and out.lstrip().startswith(b"<?xml")
    assert viz.calls == [("svg", "neato")]


def test_a_graphviz_error_is_graphviz_s_error(viz: DotAsViz) -> None:
    graph = graphviz.Digraph()
    graph.body.append("syntax error here")
    with pytest.raises(graphviz.CalledProcessError, match="syntax error"):
        graph.pipe(format="svg", encoding="utf-8")


def test_no_engine_loaded_reads_as_no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    """When Graphviz in WebAssembly is not there (yet), a diagram shows as text, as without dot."""

    def missing() -> Any:
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(display, "_viz", missing)
    monkeypatch.setattr(graphviz.backend.execute, "run_check", display.run_in_wasm)
    bundle = display.mimebundle(graphviz.Digraph(), "a lab")
    assert set(bundle) == {"text/plain"} and bundle["text/plain"].startswith("a lab\n")
