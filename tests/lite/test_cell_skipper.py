"""iamlab.jupyterlite's cell skipper, on 06.01's own cells (no browser needed).

In the browser, 06.01's boto3 cells are skipped and the model's cells run; here the skipper is
fed the notebook's code cells in order and the transformed code is executed, as IPython would.
"""

from __future__ import annotations

import os

import nbformat
from lite_site import NOTEBOOKS

from iamlab.jupyterlite import CellSkipper, server_only

NEEDS = ("boto3", "botocore", "moto", "iamlab.aws")


def _cells() -> list[str]:
    nb = nbformat.read(NOTEBOOKS / "06.01-hands-on-with-boto3.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_boto3_cells_are_skipped_and_the_model_cells_run(capsys: object) -> None:
    """Does every cell that needs boto3 print the skip line, and do the model's cells run?"""
    skipper = CellSkipper(NEEDS)
    namespace: dict[str, object] = {}
    skipped = ran = 0
    cwd = os.getcwd()
    os.chdir(NOTEBOOKS)
    try:
        for source in _cells()[1:]:  # after the server_only cell
            code = "".join(skipper(source.splitlines(keepends=True)))
            if "skipped in the browser" in code:
                skipped += 1
                assert "boto3" in code
            else:
                ran += 1
            exec(compile(code, "<cell>", "exec"), namespace)
    finally:
        os.chdir(cwd)
    assert "shift" in namespace and "lab" in namespace  # the model's ExpiredToken cell ran
    assert "iam" not in namespace and "aws" not in namespace
    assert skipped >= 10 and ran >= 3


def test_a_skipped_cell_keeps_its_harmless_imports() -> None:
    skipper = CellSkipper(NEEDS)
    out = "".join(skipper(["from datetime import UTC\n", "import boto3\n", "x = boto3.client()\n"]))
    assert out.startswith("from datetime import UTC\n")
    assert "import boto3" not in out and "x =" not in out
    # a later cell using x is skipped too; one not using it is left alone
    assert "skipped" in "".join(skipper(["print(x)\n"]))
    assert skipper(["print(UTC)\n"]) == ["print(UTC)\n"]


def test_a_syntax_error_is_left_to_ipython() -> None:
    assert CellSkipper(NEEDS)(["def (:\n"]) == ["def (:\n"]


def test_on_a_server_nothing_happens() -> None:
    assert server_only(NEEDS, in_browser=False) is None
