"""Do STS sessions follow AWS's rules for AssumeRole?

https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html (role chaining, durations)
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import iamlab

ORDERS = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"


def test_session_matches_the_documented_shape(
    coffee_shop_lab: iamlab.Lab, morning: datetime
) -> None:
    """Does a session have an assumed-role ARN, an ASIA key and a tz-aware expiration?"""
    s = coffee_shop_lab.assume_role(
        "maria",
        "CoffeeMachineOperator",
        session_name="morning-shift",
        duration_seconds=900,
        now=morning,
    )
    assert s.arn == "arn:aws:sts::111122223333:assumed-role/CoffeeMachineOperator/morning-shift"
    assert s.credentials.access_key_id.startswith("ASIA")
    assert len(s.credentials.access_key_id) == 20
    assert s.credentials.expiration == morning + timedelta(seconds=900)
    assert s.credentials.expiration.tzinfo is not None
    assert s.credentials.secret_access_key not in repr(s)
    assert s.credentials.secret_access_key not in repr(s.credentials)


def test_default_duration_is_one_hour(coffee_shop_lab: iamlab.Lab, morning: datetime) -> None:
    """When DurationSeconds is omitted, does the session last 3600 seconds?"""
    s = coffee_shop_lab.assume_role("maria", "CoffeeMachineOperator", now=morning)
    assert s.expiration - morning == timedelta(hours=1)


@pytest.mark.parametrize("seconds", [899, 3601])
def test_duration_outside_900_to_role_maximum_is_rejected(
    coffee_shop_lab: iamlab.Lab, seconds: int
) -> None:
    """Is DurationSeconds below 900 or above the role's maximum (3600 here) a ValidationError?"""
    with pytest.raises(iamlab.ValidationError, match="DurationSeconds"):
        coffee_shop_lab.assume_role("maria", "CoffeeMachineOperator", duration_seconds=seconds)


def test_session_has_the_roles_permissions_not_the_callers(
    coffee_shop_lab: iamlab.Lab, morning: datetime
) -> None:
    """Does the session get the role's permissions and lose maria's own?"""
    s = coffee_shop_lab.assume_role("maria", "CoffeeMachineOperator", now=morning)
    recipe = "arn:aws:s3:::coffee-recipes/latte.md"
    ctx = {"aws:SecureTransport": True}
    assert coffee_shop_lab.evaluate("maria", "s3:GetObject", recipe, context=ctx).allowed
    assert not coffee_shop_lab.evaluate(s, "s3:GetObject", recipe, context=ctx, now=morning).allowed
    assert not coffee_shop_lab.evaluate("maria", "dynamodb:PutItem", ORDERS).allowed
    assert coffee_shop_lab.evaluate(s, "dynamodb:PutItem", ORDERS, now=morning).allowed


def test_expired_session_raises_expired_token(
    coffee_shop_lab: iamlab.Lab, morning: datetime
) -> None:
    """After its expiration, does using the session raise ExpiredTokenError (and not before)?"""
    s = coffee_shop_lab.assume_role(
        "maria", "CoffeeMachineOperator", duration_seconds=900, now=morning
    )
    just_before = morning + timedelta(seconds=899)
    assert coffee_shop_lab.evaluate(s, "dynamodb:PutItem", ORDERS, now=just_before).allowed
    with pytest.raises(iamlab.ExpiredTokenError, match="ExpiredToken"):
        coffee_shop_lab.evaluate(
            s, "dynamodb:PutItem", ORDERS, now=morning + timedelta(seconds=900)
        )


def test_session_arn_string_works_as_a_principal(
    coffee_shop_lab: iamlab.Lab, morning: datetime
) -> None:
    """Can a session be named by its ARN string once it exists?"""
    s = coffee_shop_lab.assume_role(
        "maria", "CoffeeMachineOperator", session_name="late", now=morning
    )
    assert coffee_shop_lab.evaluate(s.arn, "dynamodb:PutItem", ORDERS, now=morning).allowed


def test_root_user_cannot_assume_a_role(coffee_shop_lab: iamlab.Lab) -> None:
    """Does the root user get AccessDenied from AssumeRole, with a Decision that says why?"""
    with pytest.raises(iamlab.AccessDeniedError) as info:
        coffee_shop_lab.assume_role("root", "CoffeeMachineOperator")
    assert info.value.decision is not None
    assert "root user cannot assume" in info.value.decision.explain()


def test_refused_assume_role_carries_the_decision(coffee_shop_lab: iamlab.Lab) -> None:
    """Does a refused AssumeRole carry a Decision whose explanation names the trust policy?"""
    with pytest.raises(iamlab.AccessDeniedError) as info:
        coffee_shop_lab.assume_role("alex", "CoffeeMachineOperator")
    decision = info.value.decision
    assert decision is not None and not decision.allowed
    assert decision.action == "sts:AssumeRole"
    assert "trust policy" in decision.explain()


def test_role_chaining_is_capped_at_one_hour(
    coffee_shop_lab: iamlab.Lab, morning: datetime
) -> None:
    """Is a chained AssumeRole asking for more than 3600 seconds a ValidationError?"""
    data = {
        "account_id": "111122223333",
        "roles": {
            "First": {
                "trust_policy": _trust_account(),
                "max_session_duration": 43200,
                "inline_policies": {"Chain": _allow("sts:AssumeRole")},
            },
            "Second": {"trust_policy": _trust_account(), "max_session_duration": 43200},
        },
        "users": {"maria": {"inline_policies": {"Assume": _allow("sts:AssumeRole")}}},
    }
    lab = iamlab.Lab.from_dict(data)
    first = lab.assume_role("maria", "First", duration_seconds=43200, now=morning)
    assert first.duration_seconds == 43200
    with pytest.raises(iamlab.ValidationError, match="role chaining"):
        lab.assume_role(first, "Second", duration_seconds=7200, now=morning)
    second = lab.assume_role(first, "Second", duration_seconds=3600, now=morning)
    assert second.chained and second.source_arn == first.arn


def test_service_principal_assumes_a_role_it_is_trusted_by(
    coffee_shop_lab: iamlab.Lab, morning: datetime
) -> None:
    """Can ec2.amazonaws.com assume OrderAppServer, and is lambda.amazonaws.com refused?"""
    s = coffee_shop_lab.assume_role(
        "ec2.amazonaws.com", "OrderAppServer", session_name="i-0abc", now=morning
    )
    assert s.arn.endswith(":assumed-role/OrderAppServer/i-0abc")
    with pytest.raises(iamlab.AccessDeniedError):
        coffee_shop_lab.assume_role("lambda.amazonaws.com", "OrderAppServer", now=morning)


@pytest.mark.parametrize("name", ["x", "has space", "a" * 65, "slash/no"])
def test_invalid_session_names_are_rejected(coffee_shop_lab: iamlab.Lab, name: str) -> None:
    """Is a RoleSessionName outside 2-64 characters of [\\w+=,.@-] a ValidationError?"""
    with pytest.raises(iamlab.ValidationError, match="RoleSessionName"):
        coffee_shop_lab.assume_role("maria", "CoffeeMachineOperator", session_name=name)


def test_session_policy_narrows_but_never_widens(
    coffee_shop_lab: iamlab.Lab, morning: datetime
) -> None:
    """Does a session policy limit the role (and grant nothing the role lacks)?"""
    narrow = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:UpdateItem", "s3:*"], "Resource": "*"}
        ],
    }
    s = coffee_shop_lab.assume_role(
        "maria", "CoffeeMachineOperator", session_policy=narrow, now=morning
    )
    assert not coffee_shop_lab.evaluate(s, "dynamodb:PutItem", ORDERS, now=morning).allowed
    assert coffee_shop_lab.evaluate(s, "dynamodb:UpdateItem", ORDERS, now=morning).allowed
    denied = coffee_shop_lab.evaluate(
        s, "s3:PutObject", "arn:aws:s3:::coffee-recipes/x", now=morning
    )
    assert denied.result == "ImplicitlyDenied"


def test_oversized_session_policy_is_rejected(coffee_shop_lab: iamlab.Lab) -> None:
    """Is a session policy over 2,048 characters a ValidationError, as in AWS?"""
    big = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"S{i}",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::bucket-{i}/*",
            }
            for i in range(40)
        ],
    }
    with pytest.raises(iamlab.ValidationError, match="2048"):
        coffee_shop_lab.assume_role("maria", "CoffeeMachineOperator", session_policy=big)


def _trust_account() -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def _allow(action: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
    }


def test_a_session_carries_the_decision_that_allowed_it(
    coffee_shop_lab: iamlab.Lab, morning: datetime
) -> None:
    """Does a successful AssumeRole keep the trust Decision, so a learner can ask why?"""
    s = coffee_shop_lab.assume_role("maria", "CoffeeMachineOperator", now=morning)
    assert s.decision is not None and s.decision.allowed
    assert s.decision.action == "sts:AssumeRole"
    assert "BecomeCoffeeMachineOperator" in s.decision.explain()
