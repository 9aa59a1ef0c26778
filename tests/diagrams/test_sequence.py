"""The assume-role sequence (src/iamlab/diagrams/sequence.py), read through its DOT source."""

from __future__ import annotations

from datetime import timedelta

import pytest

import iamlab
from iamlab.diagrams import account_map, assume_role_sequence, cross_account, decision_path

OLU = "arn:aws:iam::444455556666:user/olu"
PARTNER_AUDITOR = "arn:aws:iam::111122223333:role/PartnerAuditor"
ORDERS = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"


@pytest.fixture
def morning_shift(coffee_shop_lab, opening_time):
    """maria's 15-minute CoffeeMachineOperator session, from 08:00."""
    return coffee_shop_lab.assume_role(
        "maria",
        "CoffeeMachineOperator",
        session_name="morning-shift",
        duration_seconds=900,
        now=opening_time,
    )


def test_the_sequence_shows_caller_sts_credentials_and_request(morning_shift, node_line):
    """Are caller, STS, the role, the credentials and the request all drawn and connected?"""
    source = assume_role_sequence(morning_shift).source
    assert "maria" in node_line(source, "caller")
    assert "AWS STS" in node_line(source, "sts")
    assert "CoffeeMachineOperator" in node_line(source, "role")
    request = node_line(source, "request")  # the session ARN is wrapped after its last "/"
    assert "assumed-role/CoffeeMachineOperator/" in request and "morning-shift" in request
    for edge in ("caller -> sts", "sts -> role", "sts -> credentials", "credentials -> request"):
        assert edge in source


def test_credentials_show_the_key_id_a_masked_secret_and_the_expiry(morning_shift, node_line):
    """Does the credentials box show the access key ID, the masked secret and 08:15 UTC?"""
    line = node_line(assume_role_sequence(morning_shift).source, "credentials")
    assert morning_shift.credentials.access_key_id in line
    assert morning_shift.credentials.masked_secret in line
    assert "2026-03-02 08:15:00 UTC" in line


def test_the_secret_key_and_token_never_appear_in_any_diagram(
    coffee_shop_lab, morning_shift, opening_time
):
    """Is the secret access key (and the session token) absent from every diagram's DOT?"""
    decision = coffee_shop_lab.evaluate(morning_shift, "dynamodb:PutItem", ORDERS, now=opening_time)
    sources = [
        assume_role_sequence(morning_shift).source,
        assume_role_sequence(morning_shift, now=opening_time + timedelta(hours=2)).source,
        decision_path(decision).source,
        cross_account(coffee_shop_lab, decision).source,
        account_map(coffee_shop_lab).source,
    ]
    secret = morning_shift.credentials.secret_access_key
    token = morning_shift.credentials.session_token
    for source in sources:
        assert secret not in source
        assert token not in source
        assert token[:24] not in source


def test_with_a_clock_it_says_how_long_is_left(morning_shift, opening_time, node_line):
    """Three minutes in, does it say "expires in 12 min"?"""
    source = assume_role_sequence(morning_shift, now=opening_time + timedelta(minutes=3)).source
    assert "expires in 12 min" in node_line(source, "credentials")
    assert "ExpiredToken" not in source


def test_after_expiry_it_says_expired_and_requests_fail(morning_shift, opening_time, node_line):
    """Twenty minutes in, does it say EXPIRED and that requests fail with ExpiredToken?"""
    source = assume_role_sequence(morning_shift, now=opening_time + timedelta(minutes=20)).source
    assert "EXPIRED 5 min ago" in node_line(source, "credentials")
    assert "ExpiredToken" in node_line(source, "request")


def test_a_refused_trust_check_shows_why(coffee_shop_lab, opening_time, node_line):
    """When olu forgets the ExternalId, does the refusal name the trust policy and the key?"""
    with pytest.raises(iamlab.AccessDeniedError) as refused:
        coffee_shop_lab.assume_role(OLU, PARTNER_AUDITOR, now=opening_time)
    source = assume_role_sequence(decision=refused.value.decision).source
    refusal = node_line(source, "refusal")
    assert "AccessDenied" in refusal
    assert "the role's trust policy" in refusal
    assert "sts:ExternalId" in refusal
    assert "(none issued)" in node_line(source, "credentials")
    assert "role -> refusal" in source


def test_a_refusal_by_the_callers_own_policies_says_so(coffee_shop_lab, opening_time, node_line):
    """When alex (no permission to assume it) tries CoffeeMachineOperator, is identity named?"""
    with pytest.raises(iamlab.AccessDeniedError) as refused:
        coffee_shop_lab.assume_role("alex", "CoffeeMachineOperator", now=opening_time)
    refusal = node_line(assume_role_sequence(decision=refused.value.decision).source, "refusal")
    assert "the caller's identity-based policies" in refusal


def test_a_service_can_be_the_caller(coffee_shop_lab, opening_time, node_line):
    """When EC2 assumes OrderAppServer, is the caller drawn as an AWS service?"""
    session = coffee_shop_lab.assume_role("ec2.amazonaws.com", "OrderAppServer", now=opening_time)
    line = node_line(assume_role_sequence(session).source, "caller")
    assert "ec2.amazonaws.com" in line and "AWS service" in line and "component" in line


def test_role_chaining_is_marked(coffee_shop_lab, opening_time):
    """When a role session assumes another role, is the one-hour chaining limit shown?"""
    admin = coffee_shop_lab.assume_role(
        "priya", "BreakGlassAdmin", context={"aws:MultiFactorAuthPresent": True}, now=opening_time
    )
    chained = coffee_shop_lab.assume_role(admin, "CoffeeMachineOperator", now=opening_time)
    assert chained.chained
    source = assume_role_sequence(chained).source
    assert "role chaining" in source
    assert "BreakGlassAdmin" in source


@pytest.mark.parametrize("both", [True, False])
def test_it_needs_exactly_one_of_session_or_decision(morning_shift, coffee_shop_lab, both):
    """Does it refuse to guess when given both a session and a decision, or neither?"""
    decision = coffee_shop_lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::coffee-recipes/a")
    with pytest.raises(iamlab.ValidationError, match="exactly one"):
        if both:
            assume_role_sequence(morning_shift, decision=decision)
        else:
            assume_role_sequence()
