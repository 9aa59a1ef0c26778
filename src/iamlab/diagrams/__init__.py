"""Diagrams of the model: pure functions that return :class:`graphviz.Digraph` objects.

They never render or write files; a notebook shows a returned graph directly, tests read its
DOT ``.source``. All of them share one visual vocabulary, :mod:`iamlab.diagrams.style`.

- :func:`account_map` — users, groups, roles, policies, trust and resource policies;
- :func:`decision_path` — AWS's evaluation flow with the path one decision took;
- :func:`assume_role_sequence` — caller → STS → temporary credentials → request;
- :func:`cross_account` — the two sides of a cross-account request.
"""

# display: under Pyodide (JupyterLite) it makes graph.pipe() draw with Graphviz in WebAssembly.
from iamlab.diagrams import display, style  # noqa: F401
from iamlab.diagrams.account_map import account_map
from iamlab.diagrams.cross_account import cross_account
from iamlab.diagrams.decision_path import decision_path
from iamlab.diagrams.sequence import assume_role_sequence

__all__ = [
    "account_map",
    "assume_role_sequence",
    "cross_account",
    "decision_path",
    "style",
]
