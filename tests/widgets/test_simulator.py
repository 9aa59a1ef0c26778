"""The request simulator, driven headless: set the controls, read what it shows."""

from __future__ import annotations

from datetime import datetime

import pytest
from widget_text import text

import iamlab
from iamlab.widgets import RequestSimulator

LATTE = "arn:aws:s3:::coffee-recipes/latte.md"
ORDERS = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"


@pytest.fixture
def simulator(coffee_shop_lab: iamlab.Lab, nine_am: datetime) -> RequestSimulator:
    return RequestSimulator(
        coffee_shop_lab, principal="maria", action="s3:GetObject", resource=LATTE, now=nine_am
    )


def test_first_request_is_shown(simulator: RequestSimulator) -> None:
    """Does a new simulator already show the decision for its starting request?"""
    assert simulator.decision is not None
    assert simulator.decision.result == "Allowed"
    assert text(simulator.badge.value).startswith("✔ Allowed")
    assert "maria" in text(simulator.explanation.value)
    assert "<svg" in simulator.diagram.value


def test_other_principal_changes_the_badge(simulator: RequestSimulator) -> None:
    """Does choosing alex (a bookkeeper, no recipe access) turn the badge into a denial?"""
    simulator.principal.value = "alex"
    assert simulator.decision is not None
    assert simulator.decision.result == "ImplicitlyDenied"
    assert "○ Implicitly denied" in text(simulator.badge.value)
    assert "alex (IAM user)" in text(simulator.explanation.value)
    assert "Allowed" not in text(simulator.badge.value)


def test_insecure_transport_is_explicitly_denied(simulator: RequestSimulator) -> None:
    """Does unticking HTTPS hit the recipe bucket's DenyInsecureTransport statement?"""
    simulator.secure_transport.value = False
    assert "✖ Explicitly denied" in text(simulator.badge.value)
    assert "DenyInsecureTransport" in text(simulator.explanation.value)
    simulator.secure_transport.value = True
    assert "✔ Allowed" in text(simulator.badge.value)


def test_context_follows_the_controls(simulator: RequestSimulator) -> None:
    """Do the MFA box and the source IP field end up in the request context?"""
    assert simulator.context()["aws:MultiFactorAuthPresent"] is False
    assert "aws:SourceIp" not in simulator.context()
    simulator.mfa.value = True
    simulator.source_ip.value = "203.0.113.7"
    assert simulator.context()["aws:MultiFactorAuthPresent"] is True
    assert simulator.context()["aws:SourceIp"] == "203.0.113.7"
    assert simulator.decision is not None
    assert simulator.decision.context["aws:sourceip"] == "203.0.113.7"


def test_mfa_box_changes_a_decision_that_needs_mfa(nine_am: datetime) -> None:
    """Where deletes are allowed only with MFA, does ticking MFA turn denied into allowed?"""
    allow_with_mfa = {
        "Effect": "Allow",
        "Action": "s3:DeleteObject",
        "Resource": "arn:aws:s3:::coffee-recipes/*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }
    lab = iamlab.Lab.from_dict(
        {
            "account_id": "111122223333",
            "users": {
                "priya": {
                    "inline_policies": {
                        "DeleteWithMfa": {"Version": "2012-10-17", "Statement": [allow_with_mfa]}
                    }
                }
            },
        }
    )
    sim = RequestSimulator(
        lab, principal="priya", action="s3:DeleteObject", resource=LATTE, now=nine_am
    )
    assert "○ Implicitly denied" in text(sim.badge.value)
    sim.mfa.value = True
    assert "✔ Allowed" in text(sim.badge.value)
    assert "DeleteWithMfa" in text(sim.explanation.value)


def test_time_control_is_the_request_time(simulator: RequestSimulator) -> None:
    """Is the time field used as the request's aws:CurrentTime?"""
    simulator.time.value = "2027-01-02T03:04:05Z"
    assert simulator.decision is not None
    assert simulator.decision.context["aws:currenttime"] == "2027-01-02T03:04:05Z"


@pytest.mark.parametrize(
    ("control", "value", "words"),
    [
        ("principal", "nobody", "no user named 'nobody'"),
        ("principal", "Baristas", "is a group"),
        ("principal", "", "principal"),
        ("action", "GetObject", "service:ActionName"),
        ("resource", "coffee-recipes", "should be an ARN"),
        ("time", "yesterday", "not an ISO date"),
    ],
)
def test_bad_input_is_a_readable_error(
    simulator: RequestSimulator, control: str, value: str, words: str
) -> None:
    """Does bad input show a readable error in the widget rather than raise?"""
    getattr(simulator, control).value = value
    assert simulator.decision is None
    assert words in simulator.error
    assert words in text(simulator.badge.value)
    assert "Traceback" not in text(simulator.badge.value)
    assert simulator.explanation.value == ""
    assert simulator.diagram.value == ""


def test_recovers_after_bad_input(simulator: RequestSimulator) -> None:
    """After an error, does a valid request show a decision again?"""
    simulator.principal.value = "nobody"
    simulator.principal.value = "diego"
    assert simulator.decision is not None
    assert simulator.error == ""
    assert "✔ Allowed" in text(simulator.badge.value)


def test_free_text_role_and_arn_principals(simulator: RequestSimulator) -> None:
    """Are role/NAME and full ARNs accepted as typed principals?"""
    simulator.principal.value = "role/OrderAppServer"
    simulator.action.value = "dynamodb:PutItem"
    simulator.resource.value = ORDERS
    assert "✔ Allowed" in text(simulator.badge.value)
    simulator.principal.value = "arn:aws:iam::111122223333:user/maria"
    assert "○ Implicitly denied" in text(simulator.badge.value)


def test_suggestions_come_from_the_lab(simulator: RequestSimulator) -> None:
    """Are the lab's principals, actions and resources offered as suggestions?"""
    assert "jordan" in simulator.principal.options
    assert "role/BreakGlassAdmin" in simulator.principal.options
    assert "s3:PutObject" in simulator.action.options
    assert ORDERS in simulator.resource.options
    assert not any("*" in a for a in simulator.action.options)


def test_dot_format_shows_the_source(coffee_shop_lab: iamlab.Lab, nine_am: datetime) -> None:
    """With diagram_format="dot", is the diagram's DOT source shown instead of SVG?"""
    sim = RequestSimulator(
        coffee_shop_lab,
        principal="maria",
        action="s3:GetObject",
        resource=LATTE,
        now=nine_am,
        diagram_format="dot",
    )
    assert "<svg" not in sim.diagram.value
    assert "digraph" in sim.diagram_source
    assert "digraph" in text(sim.diagram.value)


def test_constructor_does_not_display(
    coffee_shop_lab: iamlab.Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does building the widget print or display nothing by itself?"""
    RequestSimulator(coffee_shop_lab)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_mfa_can_be_absent_from_the_request(coffee_shop_lab) -> None:
    """Can the MFA control leave aws:MultiFactorAuthPresent out of the request (long-term access
    keys), as opposed to setting it to false?
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"""
    sim = RequestSimulator(coffee_shop_lab, principal="maria")
    assert sim.context()["aws:MultiFactorAuthPresent"] is False
    sim.mfa.value = None
    assert "aws:MultiFactorAuthPresent" not in sim.context()
    sim.mfa.value = True
    assert sim.context()["aws:MultiFactorAuthPresent"] is True
