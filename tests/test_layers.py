"""The model imports no view: iamlab.model knows nothing of iamlab.diagrams or iamlab.widgets.

DESIGN.md: nothing below the model knows about Jupyter. A bare ``lab`` still draws itself in a
notebook, because the top-level package attaches the display (and imports the diagrams only when
a notebook shows one).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import iamlab

MODEL = Path(iamlab.__file__).parent / "model"
VIEWS = ("iamlab.diagrams", "iamlab.widgets")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_model_module_imports_a_view():
    """Does any module of iamlab/model import iamlab.diagrams or iamlab.widgets, even lazily?"""
    offending = {
        path.name: sorted(name for name in _imports(path) if name.startswith(VIEWS))
        for path in sorted(MODEL.glob("*.py"))
    }
    assert not {name: found for name, found in offending.items() if found}


def test_importing_the_model_loads_no_view():
    """In a fresh interpreter, does `import iamlab.model` (and evaluating a request) leave
    iamlab.diagrams and iamlab.widgets unloaded?"""
    code = (
        "import sys, iamlab.model, iamlab\n"
        "lab = iamlab.Lab.from_dict({'account_id': '111122223333', 'users': {'sam': {}}})\n"
        "lab.evaluate('sam', 's3:GetObject', 'arn:aws:s3:::b/k')\n"
        f"print(sorted(m for m in sys.modules if m.startswith({VIEWS!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_a_bare_lab_and_decision_still_draw_themselves(coffee_shop_lab):
    """Do Lab and Decision still answer Jupyter's _repr_mimebundle_ with a diagram?"""
    for value in (coffee_shop_lab, coffee_shop_lab.evaluate("maria", "s3:GetObject", "*")):
        bundle = value._repr_mimebundle_()
        assert "text/plain" in bundle
        assert "image/svg+xml" in bundle or "not installed" in bundle["text/plain"]
