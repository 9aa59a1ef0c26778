"""Rendering each diagram with Graphviz's ``dot``: the DOT is valid and the SVG is well formed.

Only this module needs the ``dot`` program; the other diagram tests read DOT text.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

import iamlab
from iamlab.diagrams import account_map, assume_role_sequence, cross_account, decision_path

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (make graphviz)"
)

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def parse_svg(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    return root


def test_every_diagram_renders_to_svg(coffee_shop_lab, opening_time):
    """Does dot turn each of the four diagrams (and their variants) into well-formed SVG?"""
    lab = coffee_shop_lab
    session = lab.assume_role(
        "maria", "CoffeeMachineOperator", session_name="shift", now=opening_time
    )
    cross = lab.evaluate("priya", "s3:GetObject", "arn:aws:s3:::bean-supplier-catalog/a")
    deny = lab.evaluate("priya", "s3:DeleteObject", "arn:aws:s3:::coffee-recipes/a")
    with pytest.raises(iamlab.AccessDeniedError) as refused:
        lab.assume_role("root", "CoffeeMachineOperator", now=opening_time)
    graphs = [
        account_map(lab),
        account_map(lab, focus="role/PartnerAuditor"),
        decision_path(cross),
        decision_path(deny),
        decision_path(refused.value.decision),
        assume_role_sequence(session, now=opening_time + timedelta(hours=2)),
        assume_role_sequence(decision=refused.value.decision),
        cross_account(lab, cross),
    ]
    for graph in graphs:
        root = parse_svg(graph.pipe(format="svg", encoding="utf-8"))
        assert root.find(f".//{SVG}text") is not None


def test_the_svg_carries_the_title_and_description(coffee_shop_lab):
    """Is the SVG's <title> the diagram's title, with the description as the graph's tooltip?"""
    svg = parse_svg(account_map(coffee_shop_lab).pipe(format="svg", encoding="utf-8"))
    graph = svg.find(f"{SVG}g")
    assert graph is not None
    assert graph.findtext(f"{SVG}title") == "Account map: coffee-shop"
    tooltips = [a.get(f"{XLINK}title", "") for a in graph.iter(f"{SVG}a")]
    assert any(t.startswith("Account map of coffee-shop (111122223333)") for t in tooltips)


def test_lab_and_decision_draw_themselves_in_a_notebook(coffee_shop_lab):
    """Do Lab and Decision offer SVG through _repr_mimebundle_ (a bare value in a cell)?"""
    for value in (
        coffee_shop_lab,
        coffee_shop_lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::coffee-recipes/a"),
    ):
        bundle = value._repr_mimebundle_()
        parse_svg(bundle["image/svg+xml"])
        assert bundle["text/plain"]
