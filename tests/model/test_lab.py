"""Does Lab honour the API and lab format of DESIGN.md (the contract others build on)?"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml

import iamlab
from iamlab.model.evaluation import STEP_ORDER

RECIPE = "arn:aws:s3:::coffee-recipes/latte.md"
TLS = {"aws:SecureTransport": True}


def test_decision_has_the_documented_fields(coffee_shop_lab: iamlab.Lab) -> None:
    """Does a Decision expose result, allowed, decided_by, statements and explain()?"""
    d = coffee_shop_lab.evaluate(
        "maria", "s3:GetObject", RECIPE, context={"aws:SourceIp": "203.0.113.7", **TLS}
    )
    assert d.result == "Allowed" and d.allowed is True
    assert d.decided_by == ("identity",)
    assert [m.sid for m in d.statements] == ["ReadRecipes"]
    assert d.statements[0].owner == "group Baristas"
    text = d.explain()
    assert "ReadRecipes" in text and "BaristaTools" in text
    assert [s.kind for s in d.steps] == list(STEP_ORDER)


@pytest.mark.parametrize(
    "principal",
    [
        "maria",
        "user/maria",
        "arn:aws:iam::111122223333:user/maria",
    ],
)
def test_a_user_can_be_named_three_ways(coffee_shop_lab: iamlab.Lab, principal: str) -> None:
    """Do a user name, user/NAME and the user's ARN all mean the same principal?"""
    d = coffee_shop_lab.evaluate(principal, "s3:GetObject", RECIPE, context=TLS)
    assert d.principal == "arn:aws:iam::111122223333:user/maria"


@pytest.mark.parametrize("principal", ["root", "arn:aws:iam::111122223333:root"])
def test_root_can_be_named_two_ways(coffee_shop_lab: iamlab.Lab, principal: str) -> None:
    """Do "root" and the account's root ARN both name the root user, allowed by default?"""
    d = coffee_shop_lab.evaluate(principal, "iam:CreateUser", "arn:aws:iam::111122223333:user/x")
    assert d.allowed and d.decided_by == ("root",)


def test_a_role_evaluated_directly_is_a_simulated_session(coffee_shop_lab: iamlab.Lab) -> None:
    """Is role/NAME evaluated as a session of the role, and does the explanation say so?"""
    orders = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"
    d = coffee_shop_lab.evaluate("role/CoffeeMachineOperator", "dynamodb:PutItem", orders)
    assert d.allowed
    assert "session of the role" in d.explain()


def test_single_account_shorthand_equals_accounts_form() -> None:
    """Does the account_id shorthand build the same lab as the accounts: form?"""
    body = {
        "users": {
            "maria": {
                "inline_policies": {
                    "P": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                    }
                }
            }
        }
    }
    short = iamlab.Lab.from_dict({"account_id": "111122223333", **body})
    full = iamlab.Lab.from_dict({"accounts": {"111122223333": body}})
    for lab in (short, full):
        assert lab.evaluate("maria", "s3:GetObject", RECIPE).allowed
        assert lab.default_account.id == "111122223333"


def test_json_and_yaml_files_load_the_same(tmp_path: Path, coffee_shop_lab: iamlab.Lab) -> None:
    """Does the coffee shop load the same from JSON as from YAML?"""
    data = yaml.safe_load((Path(__file__).parents[2] / "labs/coffee-shop.yaml").read_text())
    path = tmp_path / "coffee-shop.json"
    path.write_text(json.dumps(data))
    from_json = iamlab.Lab.load(path)
    for principal in ("maria", "alex", "olu", "root"):
        for action in ("s3:GetObject", "s3:DeleteObject", "dynamodb:PutItem"):
            a = from_json.evaluate(principal, action, RECIPE, context=TLS)
            b = coffee_shop_lab.evaluate(principal, action, RECIPE, context=TLS)
            assert a.result == b.result


def test_unlisted_s3_resource_belongs_to_the_callers_account() -> None:
    """Is an unlisted S3 object (no account in its ARN) in the caller's account, per DESIGN?"""
    lab = iamlab.Lab.from_dict(
        {
            "accounts": {
                "111122223333": {"users": {"maria": {}}},
                "444455556666": {"users": {"olu": {}}},
            }
        }
    )
    d = lab.evaluate("olu", "s3:GetObject", "arn:aws:s3:::unlisted/a")
    assert d.resource_account == "444455556666" and not d.cross_account
    d = lab.evaluate("olu", "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/T")
    assert d.resource_account == "111122223333" and d.cross_account


def test_resource_policy_covers_everything_under_its_arn(coffee_shop_lab: iamlab.Lab) -> None:
    """Does a bucket's listed policy apply to objects under the bucket ARN?"""
    d = coffee_shop_lab.evaluate(
        "maria", "s3:GetObject", RECIPE, context={"aws:SecureTransport": False}
    )
    assert d.result == "ExplicitlyDenied" and d.decided_by == ("resource",)
    assert coffee_shop_lab.resource_for("arn:aws:s3:::coffee-recipes-old/x") is None


def test_context_is_added_on_top_of_principal_keys(coffee_shop_lab: iamlab.Lab) -> None:
    """Are principal keys filled in, with the caller's context added on top (keys any case)?"""
    d = coffee_shop_lab.evaluate(
        "maria",
        "s3:GetObject",
        RECIPE,
        context={"AWS:SourceIp": "203.0.113.7"},
        now=datetime.fromisoformat("2026-11-28T09:00:00+00:00"),
    )
    assert d.context["aws:username"] == "maria"
    assert d.context["aws:principalarn"] == "arn:aws:iam::111122223333:user/maria"
    assert d.context["aws:principalaccount"] == "111122223333"
    assert d.context["aws:principaltag/team"] == "floor"
    assert d.context["aws:sourceip"] == "203.0.113.7"
    assert d.context["aws:currenttime"] == "2026-11-28T09:00:00Z"
    assert "aws:multifactorauthpresent" not in d.context  # long-term keys: key absent


def test_session_context_has_role_arn_and_token_keys(
    coffee_shop_lab: iamlab.Lab, morning: datetime
) -> None:
    """Does a session's context carry the role ARN as aws:PrincipalArn, MFA and issue time?"""
    s = coffee_shop_lab.assume_role(
        "priya", "BreakGlassAdmin", now=morning, context={"aws:MultiFactorAuthPresent": True}
    )
    d = coffee_shop_lab.evaluate(s, "s3:GetObject", RECIPE, now=morning, context=TLS)
    assert d.context["aws:principalarn"] == "arn:aws:iam::111122223333:role/BreakGlassAdmin"
    assert d.context["aws:principaltype"] == "AssumedRole"
    assert d.context["aws:multifactorauthpresent"] is True
    assert d.context["aws:tokenissuetime"] == "2026-11-28T09:00:00Z"
    assert "aws:username" not in d.context


def test_a_new_user_has_no_permissions() -> None:
    """Is a user with no policies implicitly denied everything, and does the text say why?"""
    lab = iamlab.Lab.from_dict({"account_id": "111122223333", "users": {"newbie": {}}})
    d = lab.evaluate("newbie", "s3:ListAllMyBuckets", "*")
    assert d.result == "ImplicitlyDenied" and d.decided_by == ("identity",)
    assert "A new IAM user has no permissions" in d.explain()


def test_errors_are_all_iamlab_errors() -> None:
    """Do all public errors derive from IamlabError (and PolicyError from ValueError)?"""
    for error in (
        iamlab.PolicyError,
        iamlab.ValidationError,
        iamlab.AccessDeniedError,
        iamlab.ExpiredTokenError,
        iamlab.UnknownPrincipalError,
    ):
        assert issubclass(error, iamlab.IamlabError)
    assert issubclass(iamlab.PolicyError, ValueError)


def test_principal_names_lists_users_roles_and_root(coffee_shop_lab: iamlab.Lab) -> None:
    """Does principal_names() offer users, role/NAME and root for pickers?"""
    names = coffee_shop_lab.principal_names()
    assert "maria" in names and "role/CoffeeMachineOperator" in names and names[-1] == "root"
    assert "arn:aws:iam::444455556666:user/olu" in names


def test_evaluating_assume_role_checks_the_trust_policy(coffee_shop_lab: iamlab.Lab) -> None:
    """Does evaluate(..., "sts:AssumeRole", role ARN) apply the role's trust policy, as AWS does?"""
    role = "arn:aws:iam::111122223333:role/BreakGlassAdmin"
    without_mfa = coffee_shop_lab.evaluate("priya", "sts:AssumeRole", role)
    assert without_mfa.result == "ImplicitlyDenied"
    assert "trust policy" in without_mfa.explain()
    with_mfa = coffee_shop_lab.evaluate(
        "priya", "sts:AssumeRole", role, context={"aws:MultiFactorAuthPresent": True}
    )
    assert with_mfa.allowed
