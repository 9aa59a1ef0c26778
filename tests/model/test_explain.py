"""Does Decision.explain() read like a patient teacher?

It must say which policies were looked at, in AWS's order, which statement decided, and for
each statement that did not match, why (action, resource, principal or which condition).
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
"""

from __future__ import annotations

from datetime import datetime

import iamlab

RECIPE = "arn:aws:s3:::coffee-recipes/latte.md"


def _order(text: str, *phrases: str) -> list[int]:
    return [text.index(p) for p in phrases]


def test_steps_appear_in_aws_order(coffee_shop_lab: iamlab.Lab) -> None:
    """Are the steps listed deny, SCPs, resource, identity, boundary, session — in order?"""
    text = coffee_shop_lab.evaluate(
        "maria", "s3:GetObject", RECIPE, context={"aws:SecureTransport": True}
    ).explain()
    positions = _order(
        text,
        "Explicit deny",
        "Service control policies",
        "Resource-based policy",
        "Identity-based policies",
        "Permissions boundary",
        "Session policy",
    )
    assert positions == sorted(positions)


def test_explicit_deny_names_the_deciding_statement(coffee_shop_lab: iamlab.Lab) -> None:
    """Does an explicit deny name the Sid and the policy it came from, and stop there?"""
    text = coffee_shop_lab.evaluate("maria", "s3:DeleteObject", RECIPE).explain()
    assert 'Sid "NeverDeleteRecipes"' in text
    assert "NoRecipeDeletes" in text and "group Baristas" in text
    assert "Evaluation stops here" in text


def test_non_matching_statements_say_which_element_failed(coffee_shop_lab: iamlab.Lab) -> None:
    """Does each non-matching statement say whether Action, Resource or a condition failed?"""
    text = coffee_shop_lab.evaluate(
        "maria", "s3:PutObject", RECIPE, context={"aws:SecureTransport": "true"}
    ).explain()
    assert "does not include s3:PutObject" in text  # an Action mismatch
    assert "the condition Bool aws:SecureTransport" in text  # a condition that is false
    assert "the request has aws:SecureTransport = 'true'" in text


def test_principal_mismatch_is_explained(coffee_shop_lab: iamlab.Lab) -> None:
    """When a resource policy names someone else, does the text say the Principal differs?"""
    text = coffee_shop_lab.evaluate(
        "olu", "s3:GetObject", "arn:aws:s3:::coffee-invoices/2026-11.pdf"
    ).explain()
    assert "its Principal (arn:aws:iam::111122223333:role/PartnerAuditor) does not cover" in text
    assert "cross-account request" in text


def test_missing_condition_key_is_explained(coffee_shop_lab: iamlab.Lab, morning: datetime) -> None:
    """When a condition key is absent, does the text say the request has no such key?"""
    try:
        coffee_shop_lab.assume_role("priya", "BreakGlassAdmin", now=morning)
    except iamlab.AccessDeniedError as error:
        assert error.decision is not None
        text = error.decision.explain()
    else:
        raise AssertionError("BreakGlassAdmin must require MFA")
    assert "the request has no aws:MultiFactorAuthPresent" in text


def test_boundary_denial_is_explained() -> None:
    """Does a boundary that lacks the action get named as what stopped the request?"""
    lab = iamlab.Lab.from_dict(
        {
            "account_id": "111122223333",
            "managed_policies": {
                "OnlyS3": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                },
                "Everything": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                },
            },
            "users": {
                "jordan": {"managed_policies": ["Everything"], "permissions_boundary": "OnlyS3"}
            },
        }
    )
    d = lab.evaluate(
        "jordan", "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"
    )
    assert d.decided_by == ("permissions_boundary",)
    text = d.explain()
    assert "Permissions boundary OnlyS3: does NOT allow it" in text
    assert "the permissions boundary does not allow it" in text


def test_explanations_are_built_only_on_request(coffee_shop_lab: iamlab.Lab) -> None:
    """Is explain() deterministic and separate from evaluation (same text twice)?"""
    d = coffee_shop_lab.evaluate("alex", "s3:GetObject", RECIPE)
    assert d.explain() == d.explain()
