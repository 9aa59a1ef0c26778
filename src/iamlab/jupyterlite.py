"""What a notebook does when it runs in the browser (JupyterLite's Pyodide kernel), not on a server.

Pyodide cannot run everything a server can: boto3 with the embedded AWS (moto) needs
``cryptography``, which has no Pyodide build on the package registries. A notebook that needs such
modules calls :func:`server_only` in one cell. On a server it does nothing. In the browser it shows
a short note, then skips each later cell that imports one of those modules or uses a name such a
cell made, printing one line instead of a traceback; every other cell runs as usual. The harmless
imports of a skipped cell (``from datetime import UTC``) still run, so later cells find them.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

IN_BROWSER = sys.platform == "emscripten"

NOTE = (
    "<div class='iamlab-browser-note' style='border-left:4px solid #E69F00;padding:0.5em 1em'>"
    "<b>Run this one on Binder or locally.</b> This notebook uses {needs}, which cannot run in "
    "the browser (the embedded AWS, moto, needs <code>cryptography</code>, which has no build "
    "for the browser's Python). Open it on Binder (the badge in the course's README) or run "
    "<code>make lab</code> on your computer. Here, the cells that need {needs} are skipped with "
    "a one-line note; the others, which use only the <code>iamlab</code> model, run.</div>"
)
SKIPPED = "⏭ skipped in the browser: this cell needs {needs} (run it on Binder or locally)"


@dataclass
class CellSkipper:
    """An IPython input transformer: skips the cells that need ``modules``.

    A cell is skipped if it imports one of ``modules`` (or a submodule), or uses a name that a
    skipped cell assigned; the names a skipped cell binds then count as unavailable too.
    """

    modules: tuple[str, ...]
    unavailable: set[str] = field(default_factory=set)

    def __call__(self, lines: list[str]) -> list[str]:
        source = "".join(lines)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return lines  # let IPython report it as usual (or it holds %magics)
        if not self._needs_server(tree):
            return lines
        kept = [node for node in tree.body if self._harmless_import(node)]
        for node in tree.body:
            if node not in kept:
                self.unavailable |= _bound_names(node)
        code = [ast.unparse(node) + "\n" for node in kept]
        needs = " and ".join(self.modules[:2])
        return [*code, f"print({SKIPPED.format(needs=needs)!r})\n"]

    def _imports_needed(self, node: ast.AST) -> bool:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        return any(n == m or n.startswith(m + ".") for n in names for m in self.modules)

    def _harmless_import(self, node: ast.stmt) -> bool:
        return isinstance(node, ast.Import | ast.ImportFrom) and not self._imports_needed(node)

    def _needs_server(self, tree: ast.Module) -> bool:
        for node in ast.walk(tree):
            if self._imports_needed(node):
                return True
            if (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id in self.unavailable
            ):
                return True
        return False


def _bound_names(node: ast.AST) -> set[str]:
    """The names a top-level statement binds (assignments, imports, defs, loop targets)."""
    bound: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            bound.add(sub.id)
        elif isinstance(sub, ast.Import | ast.ImportFrom):
            bound |= {(a.asname or a.name).split(".")[0] for a in sub.names}
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(sub.name)
        elif isinstance(sub, ast.ExceptHandler):
            bound.add(sub.name or "")
    return bound


def server_only(needs: Iterable[str], *, in_browser: bool = IN_BROWSER) -> CellSkipper | None:
    """In the browser: show the note and skip the later cells that need the modules ``needs``
    (e.g. ``("boto3", "botocore", "moto", "iamlab.aws")``). On a server: nothing."""
    if not in_browser:
        return None
    from IPython import get_ipython
    from IPython.display import HTML, display

    modules = tuple(needs)
    skipper = CellSkipper(modules)
    shell = get_ipython()
    if shell is not None:
        shell.input_transformers_post.append(skipper)
    note = HTML(NOTE.format(needs=" and ".join(modules[:2])))  # type: ignore[no-untyped-call]
    display(note)  # type: ignore[no-untyped-call]
    return skipper
