"""Showing a diagram in a notebook: SVG when Graphviz's ``dot`` is there, text otherwise.

In the browser (JupyterLite), Graphviz in WebAssembly stands in for ``dot``: see the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import graphviz
import graphviz.backend.execute

if TYPE_CHECKING:
    from iamlab.model.evaluation import Decision
    from iamlab.model.lab import Lab

IN_BROWSER = sys.platform == "emscripten"  # JupyterLite's Pyodide kernel
NO_DOT = (
    "(Graphviz's `dot` program is not installed, so the diagram cannot be drawn. "
    "Install it: sudo apt-get install graphviz | brew install graphviz | "
    "conda install -c conda-forge graphviz)"
)
if IN_BROWSER:  # pragma: no cover
    NO_DOT = (
        "(Graphviz in WebAssembly is still loading, or this browser cannot wait for it inside "
        "a cell: run the cell again.)"
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


# In the browser (JupyterLite's Pyodide kernel) no process can start, so there is no `dot`.
# There, graphviz's one process call is replaced by Graphviz compiled to WebAssembly
# (@viz-js/viz, shipped in the site's static/viz/ by lite/build.py): every `graph.pipe(...)`
# of iamlab (notebook displays and widgets alike) gets the same SVG from the same DOT.
VIZ_MODULE = "../viz/viz.js"  # relative to the site's static/pyodide/ (Pyodide's indexURL)


def _option(cmd: Sequence[object], flag: str, default: str) -> str:
    """The value of ``-Kdot``-style ``flag`` in a graphviz command line."""
    for part in map(str, cmd):
        if part.startswith(flag):
            return part[len(flag) :].split(":", 1)[0]
    return default


def _start_loading_viz() -> None:  # pragma: no cover - runs only under Pyodide (tests/lite)
    """Start loading Graphviz in WebAssembly in the kernel's worker, without waiting for it:
    by the time a later cell draws, it is there (the worker runs it between cells)."""
    import js  # type: ignore[import-not-found]
    import pyodide_js  # type: ignore[import-not-found]
    from pyodide.code import run_js  # type: ignore[import-not-found]

    if getattr(js.globalThis, "iamlabVizLoading", None) is None:
        base = str(pyodide_js._api.config.indexURL)
        # A failed load leaves no instance: diagrams then show as text, as without dot.
        js.globalThis.iamlabVizLoading = run_js(
            f"Promise.resolve().then(() => import(new URL({json.dumps(VIZ_MODULE)}, "
            f"{json.dumps(base)}).href)).then(m => m.instance())"
            ".then(viz => (globalThis.iamlabViz = viz))"
            ".catch(error => { console.warn('iamlab: no Graphviz in WebAssembly:', error); "
            "return null; })"
        )


def _viz() -> Any:  # pragma: no cover - runs only under Pyodide (tests/lite)
    """The worker's Graphviz-in-WebAssembly instance. If it is still loading, wait for it where
    the browser lets Python wait on a promise (JavaScript Promise Integration, Chromium); where
    it does not, ``dot`` counts as missing for now (the caller shows text) and a later cell
    finds it loaded."""
    import js
    from pyodide.ffi import can_run_sync, run_sync  # type: ignore[import-not-found]

    _start_loading_viz()
    instance = getattr(js.globalThis, "iamlabViz", None)
    if instance is None and can_run_sync():
        try:
            instance = run_sync(js.globalThis.iamlabVizLoading)
        except Exception as error:  # the module did not load: no dot, as on a server without it
            raise graphviz.ExecutableNotFound(["dot"]) from error
    if instance is None:
        raise graphviz.ExecutableNotFound(["dot"])
    return instance


def run_in_wasm(
    cmd: Sequence[object],
    *,
    input_lines: Iterable[str | bytes] | None = None,
    encoding: str | None = None,
    quiet: bool = False,
    **kwargs: Any,
) -> subprocess.CompletedProcess[Any]:  # pragma: no cover - runs only under Pyodide
    """graphviz's ``run_check`` for Pyodide: the same layout, done by Graphviz in WebAssembly."""
    data = kwargs.get("input")
    chunks = list(input_lines) if input_lines is not None else [data or b""]
    source = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
    engine, fmt = _option(cmd, "-K", "dot"), _option(cmd, "-T", "svg")
    viz = _viz()
    try:
        output = str(viz.renderString(source, format=fmt, engine=engine))
    except Exception as error:  # a JsException: Graphviz's own message
        raise graphviz.CalledProcessError(1, list(map(str, cmd)), stderr=str(error)) from None
    stdout: str | bytes = output if encoding is not None else output.encode()
    return subprocess.CompletedProcess(list(map(str, cmd)), 0, stdout=stdout, stderr=b"")


if IN_BROWSER:  # pragma: no cover
    graphviz.backend.execute.run_check = run_in_wasm
    _start_loading_viz()
