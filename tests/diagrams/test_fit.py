"""Every diagram fits a notebook column at a readable size: fresh drawings and stored outputs.

JupyterLab's notebook column at 1280 px with the file browser open is 848 px wide
(src/iamlab/diagrams/fit.py); a diagram wider than that is cut off, one scaled below ~11 px
text does not read. The browser walk (tests/browser/test_course_walk.py) measures the same on
the page; these tests say it without a browser, for every diagram the notebooks draw.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

import iamlab
from iamlab.diagrams import account_map, assume_role_sequence, cross_account, decision_path
from iamlab.diagrams.fit import COLUMN_PX, MIN_TEXT_PX, measure

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CATALOG = "arn:aws:s3:::bean-supplier-catalog/beans.csv"
RECIPE = "arn:aws:s3:::coffee-recipes/latte.md"


def _graphs(lab, now):
    session = lab.assume_role("maria", "CoffeeMachineOperator", session_name="shift", now=now)
    with pytest.raises(iamlab.AccessDeniedError) as refused:
        lab.assume_role("alex", "CoffeeMachineOperator", now=now)
    decisions = [
        lab.evaluate("maria", "s3:DeleteObject", RECIPE),
        lab.evaluate("priya", "s3:DeleteObject", RECIPE),
        lab.evaluate(
            "jordan", "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"
        ),
        lab.evaluate("root", "s3:GetObject", RECIPE, context={"aws:SecureTransport": False}),
        lab.evaluate("priya", "s3:GetObject", CATALOG),
        lab.evaluate("maria", "s3:GetObject", CATALOG),
    ]
    yield "account map", account_map(lab)
    for focus in ("maria", "group/Baristas", "role/CoffeeMachineOperator", "role/PartnerAuditor"):
        yield f"account map, focus {focus}", account_map(lab, focus=focus)
    for d in decisions:
        yield f"decision path {d.caller.name} {d.action}", decision_path(d)
        yield f"cross-account {d.caller.name} {d.action}", cross_account(lab, d)
    yield "sequence", assume_role_sequence(session, now=now + timedelta(hours=2))
    yield "sequence refused", assume_role_sequence(decision=refused.value.decision)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_every_diagram_fits_a_notebook_column_at_a_readable_size(coffee_shop_lab, opening_time):
    """Is each diagram at most 848 px wide with no text under 10.5 px, as drawn?"""
    too_big = []
    for name, graph in _graphs(coffee_shop_lab, opening_time):
        size = measure(graph.pipe(format="svg", encoding="utf-8"))
        if not size.fits:
            too_big.append(f"{name}: {size}")
    assert not too_big, "\n".join(too_big)


def test_every_stored_diagram_fits_a_notebook_column_at_a_readable_size():
    """Is every SVG stored in the notebooks' outputs at most 848 px wide, text >= 10.5 px?"""
    too_big = []
    seen = 0
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            for output in cell.get("outputs", []):
                svg = output.get("data", {}).get("image/svg+xml")
                if svg is None:
                    continue
                seen += 1
                size = measure("".join(svg))
                if not size.fits:
                    too_big.append(f"{path.name} cell {index}: {size}")
    assert seen > 10, "the notebooks store fewer diagrams than they draw"
    assert not too_big, f"wider than {COLUMN_PX} px or text under {MIN_TEXT_PX} px:\n" + "\n".join(
        too_big
    )


def test_measure_reads_a_scaled_drawing():
    """Does measure() count Graphviz's scale(...) in the text size (a test that can fail)?"""
    svg = (
        '<svg width="600pt" height="300pt"><g id="graph0" class="graph" '
        'transform="scale(0.5 0.5) rotate(0)"><text font-size="11.00">x</text></g></svg>'
    )
    size = measure(svg)
    assert size.width_px == 800 and size.smallest_text_px == pytest.approx(11 * 0.5 * 4 / 3)
    assert not size.fits
