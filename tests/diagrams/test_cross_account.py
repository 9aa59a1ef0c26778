"""The cross-account picture (src/iamlab/diagrams/cross_account.py), read through its DOT."""

from __future__ import annotations

import iamlab
from iamlab.diagrams import cross_account, style

CATALOG = "arn:aws:s3:::bean-supplier-catalog/beans.csv"
INVOICE = "arn:aws:s3:::coffee-invoices/2026-q1.pdf"
OLU = "arn:aws:iam::444455556666:user/olu"


def test_both_accounts_are_shown_and_both_sides_allow(coffee_shop_lab, node_line):
    """For priya reading the supplier's catalog: two account boxes, two ✔, verdict Allowed?"""
    decision = coffee_shop_lab.evaluate("priya", "s3:GetObject", CATALOG)
    source = cross_account(coffee_shop_lab, decision).source
    assert "caller's side: coffee-shop (111122223333)" in source
    assert "resource side: bean-supplier (444455556666)" in source
    assert source.count("subgraph cluster_") == 3  # two accounts and the verdict card
    caller_side = node_line(source, "caller_side")
    assert "✔ allows" in caller_side and "ReadSupplierCatalog" in caller_side
    resource_side = node_line(source, "resource_side")
    assert "✔ allows" in resource_side and "CoffeeShopMayReadCatalog" in resource_side
    assert "names the caller's account" in resource_side
    verdict = node_line(source, "verdict")
    assert "Both sides must allow" in verdict and "✔ Allowed" in verdict


def test_one_side_saying_no_is_enough_to_deny(coffee_shop_lab, node_line):
    """For maria (no identity permission): resource side ✔, caller side ✖, verdict denied?"""
    decision = coffee_shop_lab.evaluate("maria", "s3:GetObject", CATALOG)
    source = cross_account(coffee_shop_lab, decision).source
    assert "✖ no identity-based policy allows" in node_line(source, "caller_side")
    assert "✔ allows" in node_line(source, "resource_side")
    assert "○ Implicitly denied" in node_line(source, "verdict")
    assert "✖ does not allow" in source


def test_neither_side_allows(coffee_shop_lab, node_line):
    """For olu reading an invoice directly: both sides marked as not allowing?"""
    decision = coffee_shop_lab.evaluate(OLU, "s3:GetObject", INVOICE)
    source = cross_account(coffee_shop_lab, decision).source
    assert "✖" in node_line(source, "caller_side")
    assert "no statement allows this caller" in node_line(source, "resource_side")
    assert "olu in bean-supplier (444455556666)" in source


def test_a_same_account_request_says_one_allow_is_enough(coffee_shop_lab, node_line):
    """For maria reading a recipe (same account): one box, and the same-account rule?"""
    decision = coffee_shop_lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::coffee-recipes/a")
    source = cross_account(coffee_shop_lab, decision).source
    assert "Same account" in node_line(source, "verdict")
    assert source.count("subgraph cluster_") == 2  # the account and the verdict card


def test_an_explicit_deny_on_the_resource_side_is_named(node_line):
    """When the other account's bucket policy denies, is the Deny shown on that side?"""
    lab = iamlab.Lab.from_dict(
        {
            "accounts": {
                "111122223333": {"name": "coffee-shop", "users": {"priya": {}}},
                "444455556666": {"name": "bean-supplier"},
            },
            "resources": {
                "arn:aws:s3:::bean-supplier-prices": {
                    "account": "444455556666",
                    "policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "NoOutsiders",
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": "arn:aws:s3:::bean-supplier-prices/*",
                            }
                        ],
                    },
                }
            },
        }
    )
    decision = lab.evaluate("priya", "s3:GetObject", "arn:aws:s3:::bean-supplier-prices/2026")
    source = cross_account(lab, decision).source
    assert 'Sid \\"NoOutsiders\\"' in node_line(source, "resource_side")
    assert "not needed" in node_line(source, "caller_side")
    assert style.OUTCOME_TEXT[style.EXPLICIT] in node_line(source, "verdict")
