"""The access matrix model: every cell is what Lab.evaluate says, errors kept per cell."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import iamlab
from iamlab.model.matrix import access_matrix, known_actions, known_resources

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LATTE = "arn:aws:s3:::coffee-recipes/latte.md"
ORDERS = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"


@pytest.fixture
def coffee_shop_lab() -> iamlab.Lab:
    return iamlab.Lab.load(ROOT / "labs" / "coffee-shop.yaml")


def test_cells_agree_with_evaluate(coffee_shop_lab: iamlab.Lab) -> None:
    """Is every cell exactly the decision Lab.evaluate gives for that request?"""
    principals = ["maria", "alex", "jordan", "role/OrderAppServer", "root"]
    actions = ["s3:GetObject", "s3:DeleteObject", "dynamodb:PutItem"]
    resources = [LATTE, ORDERS]
    ctx = {"aws:SecureTransport": True}
    m = access_matrix(coffee_shop_lab, principals, actions, resources, context=ctx, now=NOW)
    assert len(m) == 30
    for p in principals:
        for a in actions:
            for r in resources:
                expected = coffee_shop_lab.evaluate(p, a, r, context=ctx, now=NOW)
                got = m.cell(p, a, r)
                assert (got.result, got.decided_by) == (expected.result, expected.decided_by)
                assert got.explain() == expected.explain()


def test_results_grid_shape_and_order(coffee_shop_lab: iamlab.Lab) -> None:
    """Is results[i][j][k] the result for principal i, action j, resource k?"""
    m = access_matrix(
        coffee_shop_lab, ["maria", "alex"], ["s3:GetObject", "s3:DeleteObject"], [LATTE], now=NOW
    )
    assert m.results == (
        (("Allowed",), ("ExplicitlyDenied",)),
        (("ImplicitlyDenied",), ("ImplicitlyDenied",)),
    )
    assert m.counts() == {"Allowed": 1, "ExplicitlyDenied": 1, "ImplicitlyDenied": 2}


def test_bad_requests_become_error_cells(coffee_shop_lab: iamlab.Lab) -> None:
    """Does a group (not a principal) give Error cells rather than abort the whole matrix?"""
    m = access_matrix(coffee_shop_lab, ["maria", "Baristas"], ["s3:GetObject"], [LATTE], now=NOW)
    assert m.result("maria", "s3:GetObject", LATTE) == "Allowed"
    assert m.result("Baristas", "s3:GetObject", LATTE) == "Error"
    assert isinstance(m.outcome("Baristas", "s3:GetObject", LATTE), iamlab.ValidationError)
    with pytest.raises(iamlab.ValidationError, match="group"):
        m.cell("Baristas", "s3:GetObject", LATTE)


def test_unknown_cell_is_an_iamlab_error(coffee_shop_lab: iamlab.Lab) -> None:
    """Is asking for a cell outside the matrix an IamlabError, not a KeyError?"""
    m = access_matrix(coffee_shop_lab, ["maria"], ["s3:GetObject"], [LATTE], now=NOW)
    with pytest.raises(iamlab.IamlabError, match="not a cell"):
        m.cell("diego", "s3:GetObject", LATTE)


def test_known_actions_and_resources(coffee_shop_lab: iamlab.Lab) -> None:
    """Are the lab's literal actions and resource ARNs listed, and no wildcards?"""
    actions = known_actions(coffee_shop_lab)
    assert {"s3:GetObject", "sts:AssumeRole", "dynamodb:PutItem"} <= set(actions)
    assert not any("*" in a or "?" in a for a in actions)
    assert actions == sorted(actions, key=lambda a: (a.split(":")[0].lower(), a.lower()))
    resources = known_resources(coffee_shop_lab)
    assert resources[: len(coffee_shop_lab.resources)] == list(coffee_shop_lab.resources)
    assert "arn:aws:iam::111122223333:role/BreakGlassAdmin" in resources
    assert not any("*" in r for r in resources)
