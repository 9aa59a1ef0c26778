"""The batched access matrix: every cell is exactly what Lab.evaluate says, on a big lab.

access_matrix computes per principal and action across the resources and reuses the decision
of an equivalent cell (src/iamlab/model/matrix.py). This compares every cell of a matrix on
the benchmark's generated lab (SCPs, boundaries, conditions, policy variables, cross-account,
roles and trust policies) and on the coffee shop with Lab.evaluate: result, decided_by, the
statements that decided, the steps, the explanation.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import iamlab
from iamlab.model.matrix import access_matrix, known_actions, known_resources

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benchmarks.labs import generated_lab, request_actions, request_resources  # noqa: E402

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _same(got: iamlab.Decision, expected: iamlab.Decision) -> bool:
    return (
        got.result == expected.result
        and got.decided_by == expected.decided_by
        and [(m.source.name, m.statement.label, m.grant) for m in got.statements]
        == [(m.source.name, m.statement.label, m.grant) for m in expected.statements]
        and got.steps == expected.steps
        and got.resource == expected.resource
        and got.resource_account == expected.resource_account
        and dict(got.context) == dict(expected.context)
        and got.explain() == expected.explain()
    )


def _compare(lab, principals, actions, resources, context):
    m = access_matrix(lab, principals, actions, resources, context=context, now=NOW)
    assert len(m) == len(principals) * len(actions) * len(resources)
    differ = []
    for p in principals:
        for a in actions:
            for r in resources:
                try:
                    expected = lab.evaluate(p, a, r, context=context, now=NOW)
                except iamlab.IamlabError as exc:
                    found = m.outcome(p, a, r)
                    if not (isinstance(found, type(exc)) and str(found) == str(exc)):
                        differ.append((p, a, r, "error", str(exc)))
                    assert m.result(p, a, r) == "Error"
                    continue
                got = m.cell(p, a, r)
                if not _same(got, expected) or m.result(p, a, r) != expected.result:
                    differ.append((p, a, r, got.result, expected.result))
    return m, differ


@pytest.mark.slow
@pytest.mark.parametrize(
    "context",
    [
        {"aws:SecureTransport": True, "aws:SourceIp": "203.0.113.9"},
        {"aws:SecureTransport": False, "aws:MultiFactorAuthPresent": True},
    ],
    ids=["https", "plain-http-mfa"],
)
def test_every_cell_of_a_big_matrix_is_what_evaluate_says(context):
    """50 principals x 40 actions x 10 resources of the generated lab: all cells identical?"""
    data = generated_lab(users=60)
    lab = iamlab.Lab.from_dict(data)
    principals = lab.principal_names()[:40] + lab.principal_names()[-10:]
    m, differ = _compare(lab, principals, request_actions(40), request_resources(data, 10), context)
    assert not differ, differ[:10]
    assert set(m.counts()) >= {"Allowed", "ImplicitlyDenied", "ExplicitlyDenied"}


def test_every_cell_of_the_coffee_shop_is_what_evaluate_says(coffee_shop_lab):
    """Every principal x every action x every resource the shop knows (plus bad input)."""
    lab = coffee_shop_lab
    principals = [*lab.principal_names(), "nobody", "group/Baristas"]
    actions = [*known_actions(lab), "not-an-action"]
    resources = [*known_resources(lab), "arn:aws:s3:::coffee-recipes/drafts/maria/x.md", "*"]
    _m, differ = _compare(lab, principals, actions, resources, {"aws:SecureTransport": True})
    assert not differ, differ[:10]


KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::111122223333:role/Deployer"
SSO_ROLE = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X_0123"
AWS_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def test_cells_with_rules_of_their_own_are_what_evaluate_says():
    """KMS key policies, a trust policy only for the AssumeRole family, and requests AWS
    decides itself (GetCallerIdentity, AWS managed policies, Identity Center roles): the
    batch gives each the answer ``evaluate`` gives?"""
    everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    lab = iamlab.Lab.from_dict(
        {
            "account_id": "111122223333",
            "users": {
                "admin": {
                    "inline_policies": {"All": {"Version": "2012-10-17", "Statement": [everything]}}
                },
                "nobody": {},
            },
            "roles": {
                "Deployer": {
                    "trust_policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": "arn:aws:iam::111122223333:user/admin"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                }
            },
            "resources": {
                KEY: {
                    "policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": "arn:aws:iam::111122223333:user/nobody"},
                                "Action": "kms:Decrypt",
                                "Resource": "*",
                            }
                        ],
                    }
                }
            },
        }
    )
    actions = [
        "kms:Decrypt",
        "kms:Encrypt",
        "iam:GetRole",
        "sts:AssumeRole",
        "sts:GetCallerIdentity",
        "iam:CreatePolicyVersion",
        "iam:DeleteRole",
        "s3:GetObject",
    ]
    resources = [KEY, ROLE, SSO_ROLE, AWS_POLICY, "arn:aws:s3:::coffee-recipes/latte.md", "*"]
    m, differ = _compare(lab, ["admin", "nobody", "root"], actions, resources, {})
    assert not differ, differ[:10]
    assert m.result("admin", "kms:Encrypt", KEY) == "ImplicitlyDenied"  # the key policy decides
    assert m.result("nobody", "kms:Decrypt", KEY) == "Allowed"
    assert m.result("nobody", "sts:GetCallerIdentity", "*") == "Allowed"
    assert m.result("admin", "iam:GetRole", ROLE) == "Allowed"  # not a trust-policy request
