"""The access matrix widget, driven headless: cells, colours, markers and a click."""

from __future__ import annotations

from datetime import datetime

import pytest
from widget_text import text

import iamlab
from iamlab.widgets import AccessMatrix

LATTE = "arn:aws:s3:::coffee-recipes/latte.md"
ORDERS = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"
PRINCIPALS = ["maria", "alex", "jordan", "role/OrderAppServer"]
ACTIONS = ["s3:GetObject", "s3:DeleteObject", "dynamodb:PutItem"]


@pytest.fixture
def grid(coffee_shop_lab: iamlab.Lab, nine_am: datetime) -> AccessMatrix:
    return AccessMatrix(
        coffee_shop_lab,
        PRINCIPALS,
        ACTIONS,
        [LATTE, ORDERS],
        context={"aws:SecureTransport": True},
        now=nine_am,
    )


def test_cells_show_markers_and_colours(grid: AccessMatrix) -> None:
    """Does each cell carry a symbol and a colour for its result?"""
    assert len(grid.cells) == len(PRINCIPALS) * len(ACTIONS)
    maria_reads = grid.cells[("maria", "s3:GetObject")]
    assert maria_reads.description == "✔"
    assert maria_reads.style.button_color == "#1a7f37"
    assert "allowed" in maria_reads.tooltip
    assert grid.cells[("maria", "s3:DeleteObject")].description == "✖"  # NoRecipeDeletes
    assert grid.cells[("alex", "s3:GetObject")].description == "○"
    assert "12 requests" in text(grid.summary.value)


def test_clicking_a_cell_explains_it(grid: AccessMatrix) -> None:
    """Does clicking a cell show that request's result and explanation?"""
    grid.cells[("maria", "s3:DeleteObject")].click()
    assert grid.selected == ("maria", "s3:DeleteObject", LATTE)
    assert "Explicitly denied" in text(grid.selection.value)
    assert "NeverDeleteRecipes" in text(grid.explanation.value)


def test_resource_dropdown_redraws(grid: AccessMatrix) -> None:
    """Does choosing another resource redraw the grid for it?"""
    assert grid.cells[("role/OrderAppServer", "dynamodb:PutItem")].description == "○"
    grid.resource.value = ORDERS
    assert grid.cells[("role/OrderAppServer", "dynamodb:PutItem")].description == "✔"
    assert ORDERS in text(grid.summary.value)
    grid.cells[("alex", "dynamodb:PutItem")].click()
    assert grid.selected == ("alex", "dynamodb:PutItem", ORDERS)


def test_large_matrix_becomes_a_table(coffee_shop_lab: iamlab.Lab, nine_am: datetime) -> None:
    """Beyond max_buttons, is the grid an HTML table, with select() still explaining cells?"""
    big = AccessMatrix(coffee_shop_lab, PRINCIPALS, ACTIONS, [LATTE], now=nine_am, max_buttons=4)
    assert big.cells == {}
    assert "<table" in big.grid.value
    assert big.grid.value.count("✔") >= 1
    big.select("alex", "s3:GetObject")
    assert "Implicitly denied" in text(big.selection.value)


def test_error_cells_are_marked(coffee_shop_lab: iamlab.Lab, nine_am: datetime) -> None:
    """Does a principal that cannot make requests show ⚠ cells and a readable error?"""
    grid = AccessMatrix(
        coffee_shop_lab, ["maria", "Baristas"], ["s3:GetObject"], [LATTE], now=nine_am
    )
    assert grid.cells[("Baristas", "s3:GetObject")].description == "⚠"
    grid.select("Baristas", "s3:GetObject")
    assert "is a group" in text(grid.explanation.value)


def test_defaults_come_from_the_lab(coffee_shop_lab: iamlab.Lab, nine_am: datetime) -> None:
    """Without principals, actions or resources, are the lab's own used?"""
    grid = AccessMatrix(coffee_shop_lab, now=nine_am)
    assert grid.matrix.principals == tuple(coffee_shop_lab.principal_names())
    assert grid.matrix.resources == tuple(coffee_shop_lab.resources)
    assert "s3:GetObject" in grid.matrix.actions
