"""The decision path (src/iamlab/diagrams/decision_path.py), read through its DOT source."""

from __future__ import annotations

import re

import pytest

import iamlab
from iamlab.diagrams import decision_path, style

RECIPE = "arn:aws:s3:::coffee-recipes/latte.md"
ORDERS = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"
CATALOG = "arn:aws:s3:::bean-supplier-catalog/beans.csv"
INVOICE = "arn:aws:s3:::coffee-invoices/2026-q1.pdf"
OLU = "arn:aws:iam::444455556666:user/olu"
STEPS = ("deny", "scp", "resource", "identity", "permissions_boundary", "session")


def on_path(line: str) -> bool:
    return f'color="{style.BLUE}"' in line and "penwidth=3" in line


def taken_edges(source: str) -> set[tuple[str, str]]:
    """The edges drawn as the path (thick blue)."""
    out = set()
    for tail, head, attrs in re.findall(r"^\s*(\w+) -> (\w+) \[(.*)\]$", source, re.MULTILINE):
        if on_path(attrs):
            out.add((tail, head))
    return out


def test_an_explicit_deny_highlights_the_deny_box_names_the_sid_and_greys_the_rest(
    coffee_shop_lab, node_line
):
    """For priya deleting a recipe: deny box on the path, Sid named, every other box grey?"""
    decision = coffee_shop_lab.evaluate("priya", "s3:DeleteObject", RECIPE)
    source = decision_path(decision).source
    deny = node_line(source, "deny")
    assert on_path(deny) and "✖ yes" in deny
    outcome = node_line(source, "explicit_deny")
    assert 'Sid \\"NeverDeleteRecipes\\" in NoRecipeDeletes (group Baristas)' in outcome
    assert "✖ Explicitly denied" in outcome and style.VERMILION in outcome
    for step in STEPS[1:]:
        line = node_line(source, step)
        assert "(not reached)" in line and style.DIM_FILL in line and not on_path(line)
    for other in ("allowed", "implicit_deny"):
        assert style.DIM_FILL in node_line(source, other)
    assert taken_edges(source) == {("request", "deny"), ("deny", "explicit_deny")}


def test_an_allowed_request_runs_the_whole_flow_and_names_the_allowing_statement(
    coffee_shop_lab, node_line
):
    """For maria reading a recipe: every box on the path, ending in Allowed with its Sid?"""
    decision = coffee_shop_lab.evaluate("maria", "s3:GetObject", RECIPE)
    source = decision_path(decision).source
    for step in STEPS:
        assert on_path(node_line(source, step)), step
    assert taken_edges(source) == {
        ("request", "deny"),
        ("deny", "scp"),
        ("scp", "resource"),
        ("resource", "identity"),
        ("identity", "permissions_boundary"),
        ("permissions_boundary", "session"),
        ("session", "allowed"),
    }
    allowed = node_line(source, "allowed")
    assert "✔ Allowed" in allowed
    assert 'Sid \\"ReadRecipes\\" in BaristaTools (group Baristas)' in allowed
    assert "✔ yes, it allows" in node_line(source, "identity")
    assert "∅ no permissions boundary" in node_line(source, "permissions_boundary")


def test_a_boundary_denial_stops_at_the_boundary(coffee_shop_lab, node_line):
    """For jordan reading Orders: does the path end at the boundary, naming it?"""
    decision = coffee_shop_lab.evaluate("jordan", "dynamodb:GetItem", ORDERS)
    source = decision_path(decision).source
    assert ("permissions_boundary", "implicit_deny") in taken_edges(source)
    assert "✖ no, it does not allow" in node_line(source, "permissions_boundary")
    assert "(not reached)" in node_line(source, "session")
    assert "ContractorBoundary" in node_line(source, "implicit_deny")


def test_a_cross_account_allow_names_both_sides(coffee_shop_lab, node_line):
    """For priya reading the supplier's catalog: cross-account noted, both statements named?"""
    decision = coffee_shop_lab.evaluate("priya", "s3:GetObject", CATALOG)
    source = decision_path(decision).source
    assert "both sides must allow" in node_line(source, "request")
    allowed = node_line(source, "allowed")
    assert 'Sid \\"ReadSupplierCatalog\\"' in allowed
    assert 'Sid \\"CoffeeShopMayReadCatalog\\"' in allowed
    assert "names the caller" in node_line(source, "resource")


def test_a_cross_account_denial_fails_on_the_resource_side(coffee_shop_lab, node_line):
    """For olu reading an invoice directly: does the path leave at the resource-based policy?"""
    decision = coffee_shop_lab.evaluate(OLU, "s3:GetObject", INVOICE)
    source = decision_path(decision).source
    assert ("resource", "implicit_deny") in taken_edges(source)
    assert "across accounts" in source
    assert "also decisive" in node_line(source, "identity")


def test_the_root_user_is_allowed_in_its_own_account(coffee_shop_lab, node_line):
    """For the root user: does the identity box say why, and the outcome say root decided?"""
    decision = coffee_shop_lab.evaluate("root", "s3:GetObject", RECIPE)
    source = decision_path(decision).source
    assert "root user has full access" in node_line(source, "identity")
    assert "root user" in node_line(source, "allowed")
    assert ("session", "allowed") in taken_edges(source)


def test_the_root_user_cannot_assume_a_role(coffee_shop_lab, opening_time, node_line):
    """For root calling AssumeRole: straight to Implicitly denied, every box not reached?"""
    with pytest.raises(iamlab.AccessDeniedError) as refused:
        coffee_shop_lab.assume_role("root", "CoffeeMachineOperator", now=opening_time)
    source = decision_path(refused.value.decision).source
    assert taken_edges(source) == {("request", "implicit_deny")}
    for step in STEPS:
        assert "(not reached)" in node_line(source, step)
    assert "cannot assume a role" in node_line(source, "implicit_deny")


def test_a_role_session_is_evaluated_with_the_roles_policies(
    coffee_shop_lab, opening_time, node_line
):
    """For maria's CoffeeMachineOperator session writing an order: the role's policy named?"""
    session = coffee_shop_lab.assume_role(
        "maria", "CoffeeMachineOperator", session_name="morning-shift", now=opening_time
    )
    decision = coffee_shop_lab.evaluate(session, "dynamodb:PutItem", ORDERS, now=opening_time)
    source = decision_path(decision).source
    assert "of the role" in node_line(source, "identity")
    assert "role session" in node_line(source, "request")
    assert "TakeOrders (role CoffeeMachineOperator)" in node_line(source, "allowed")


def test_a_resource_policy_naming_the_user_directly_takes_the_shortcut(node_line):
    """When a bucket policy names the user (same account), does the path go straight to Allowed?"""
    lab = iamlab.Lab.from_dict(
        {
            "account_id": "111122223333",
            "users": {"sam": {}},
            "resources": {
                "arn:aws:s3:::menu-board": {
                    "account": "111122223333",
                    "policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "SamReadsTheMenu",
                                "Effect": "Allow",
                                "Principal": {"AWS": "arn:aws:iam::111122223333:user/sam"},
                                "Action": "s3:GetObject",
                                "Resource": "arn:aws:s3:::menu-board/*",
                            }
                        ],
                    },
                }
            },
        }
    )
    decision = lab.evaluate("sam", "s3:GetObject", "arn:aws:s3:::menu-board/today.txt")
    assert decision.decided_by == ("resource",)
    source = decision_path(decision).source
    assert ("resource", "allowed") in taken_edges(source)
    assert "(not reached)" in node_line(source, "identity")
    assert 'Sid \\"SamReadsTheMenu\\"' in node_line(source, "allowed")


def test_exactly_one_outcome_is_highlighted(coffee_shop_lab):
    """Is there one outcome for the decision and two marked as "not this time"?"""
    for principal, action, resource in [
        ("maria", "s3:GetObject", RECIPE),
        ("priya", "s3:DeleteObject", RECIPE),
        ("alex", "s3:GetObject", RECIPE),
    ]:
        source = decision_path(coffee_shop_lab.evaluate(principal, action, resource)).source
        assert source.count("(not this time)") == 2
