"""The assume-role explorer, driven headless: assume, read the credentials, move the clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from widget_text import strings, text

import iamlab
from iamlab.widgets import AssumeRoleExplorer
from iamlab.widgets.assume_role_explorer import countdown_text

ORDERS = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"


@pytest.fixture
def explorer(coffee_shop_lab: iamlab.Lab, nine_am: datetime) -> AssumeRoleExplorer:
    x = AssumeRoleExplorer(
        coffee_shop_lab, start=nine_am, caller="maria", role="CoffeeMachineOperator"
    )
    x.request_action.value = "dynamodb:PutItem"
    x.request_resource.value = ORDERS
    return x


def test_nothing_happens_before_the_button(explorer: AssumeRoleExplorer) -> None:
    """Before "Assume role" is pressed, is there no session and no credentials?"""
    assert explorer.session is None
    assert explorer.credentials.value == ""
    assert "No session" in text(explorer.countdown.value)
    assert "assume a role first" in text(explorer.request_result.value)


def test_assume_shows_credentials_masked(explorer: AssumeRoleExplorer) -> None:
    """Does pressing the button show the key ID and a masked secret, never the secret?"""
    explorer.duration.value = 900
    explorer.assume_button.click()
    session = explorer.session
    assert session is not None
    creds = session.credentials
    shown = text(explorer.credentials.value)
    assert creds.access_key_id in shown and creds.access_key_id.startswith("ASIA")
    assert creds.masked_secret in shown
    assert "2026-11-28T09:15:00Z" in shown
    assert "AssumeRole allowed" in text(explorer.outcome.value)
    assert "<svg" in explorer.diagram.value
    everything = "\n".join(strings(explorer))
    assert creds.secret_access_key not in everything
    assert creds.session_token not in everything
    assert creds.secret_access_key[4:20] not in everything


def test_countdown_follows_the_clock(explorer: AssumeRoleExplorer) -> None:
    """Does moving the simulated clock count down, then say EXPIRED?"""
    explorer.duration.value = 900
    explorer.assume()
    assert "expires in 15:00" in text(explorer.countdown.value)
    explorer.clock.value = 10
    assert "expires in 05:00" in text(explorer.countdown.value)
    assert "09:10:00Z" in text(explorer.clock_label.value)
    explorer.clock.value = 15
    assert "EXPIRED" in text(explorer.countdown.value)


def test_requests_fail_with_expired_token_after_expiry(explorer: AssumeRoleExplorer) -> None:
    """Does a request with the session work before expiry and fail with ExpiredToken after?"""
    explorer.duration.value = 900
    explorer.assume()
    assert "✔ Allowed" in text(explorer.request_result.value)
    explorer.clock.value = 16
    result = text(explorer.request_result.value)
    assert "ExpiredToken" in result
    assert "Allowed" not in result
    explorer.clock.value = 14  # back in time: the credentials are valid again
    assert "✔ Allowed" in text(explorer.request_result.value)


def test_duration_slider_follows_the_role(
    coffee_shop_lab: iamlab.Lab, explorer: AssumeRoleExplorer
) -> None:
    """Does the duration slider go up to the chosen role's maximum session duration?"""
    assert explorer.duration.max == 3600
    explorer.role.value = coffee_shop_lab.role("PartnerAuditor").arn
    assert explorer.duration.max == 14400
    assert explorer.duration.min == 900


def test_refused_assume_explains_why(
    coffee_shop_lab: iamlab.Lab, explorer: AssumeRoleExplorer
) -> None:
    """Does a refused AssumeRole (BreakGlassAdmin without MFA) show AccessDenied and why?"""
    explorer.caller.value = "priya"
    explorer.role.value = coffee_shop_lab.role("BreakGlassAdmin").arn
    assert explorer.assume() is None
    assert "AccessDenied" in text(explorer.outcome.value)
    assert explorer.decision is not None and not explorer.decision.allowed
    assert "BreakGlassAdmin" in text(explorer.explanation.value)
    assert explorer.credentials.value == ""
    assert "<svg" in explorer.diagram.value


def test_mfa_toggle_changes_the_outcome(
    coffee_shop_lab: iamlab.Lab, explorer: AssumeRoleExplorer
) -> None:
    """With MFA ticked, may priya (a manager) assume BreakGlassAdmin?"""
    explorer.caller.value = "priya"
    explorer.role.value = coffee_shop_lab.role("BreakGlassAdmin").arn
    assert explorer.assume() is None
    explorer.mfa.value = True
    session = explorer.assume()
    assert session is not None and session.mfa_present
    assert "AssumeRole allowed" in text(explorer.outcome.value)


def test_allowed_assume_explains_why(explorer: AssumeRoleExplorer) -> None:
    """Does a successful AssumeRole explain how the trust policy and maria's policy allowed it?"""
    explorer.assume()
    assert explorer.decision is not None and explorer.decision.allowed
    why = text(explorer.explanation.value)
    assert "the trust policy of role CoffeeMachineOperator" in why
    assert "BecomeCoffeeMachineOperator" in why


def test_external_id_is_passed(coffee_shop_lab: iamlab.Lab, explorer: AssumeRoleExplorer) -> None:
    """Does the External ID field decide whether olu (the partner) may assume PartnerAuditor?"""
    explorer.caller.value = "arn:aws:iam::444455556666:user/olu"
    explorer.role.value = coffee_shop_lab.role("PartnerAuditor").arn
    assert explorer.assume() is None
    explorer.external_id.value = "bean-supplier-audit-7731"
    assert explorer.assume() is not None


def test_bad_input_is_a_readable_error(explorer: AssumeRoleExplorer) -> None:
    """Do an unknown caller and a bad session name show errors instead of raising?"""
    explorer.caller.value = "nobody"
    assert explorer.assume() is None
    assert "no user named 'nobody'" in text(explorer.outcome.value)
    explorer.caller.value = "maria"
    explorer.session_name.value = "x"
    assert explorer.assume() is None
    assert "RoleSessionName" in text(explorer.outcome.value)


def test_chaining_is_capped_at_one_hour(
    coffee_shop_lab: iamlab.Lab, explorer: AssumeRoleExplorer
) -> None:
    """Does chaining with more than 3600 seconds show the one-hour ValidationError?"""
    explorer.assume()
    explorer.chain_role.value = coffee_shop_lab.role("PartnerAuditor").arn
    explorer.chain_duration.value = 7200
    explorer.chain_button.click()
    result = text(explorer.chain_result.value)
    assert "ValidationError" in result
    assert "1 hour" in result
    assert explorer.session is not None and not explorer.session.chained


def test_chaining_is_checked_like_any_assume(explorer: AssumeRoleExplorer) -> None:
    """Within the hour, is the chained AssumeRole still judged by the policies (here refused)?"""
    explorer.assume()
    explorer.chain_duration.value = 3600
    assert explorer.chain() is None
    assert "AccessDenied" in text(explorer.chain_result.value)


def test_chaining_succeeds_where_allowed(nine_am: datetime) -> None:
    """When the first role may assume the second, does the chain make a chained session?"""
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "111122223333"},
        "Action": "sts:AssumeRole",
    }
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    hop = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    lab = iamlab.Lab.from_dict(
        {
            "account_id": "111122223333",
            "users": {"maria": {"inline_policies": {"Hop": hop}}},
            "roles": {
                "First": {"trust_policy": trust, "inline_policies": {"Hop": hop}},
                "Second": {"trust_policy": trust, "max_session_duration": 7200},
            },
        }
    )
    x = AssumeRoleExplorer(lab, start=nine_am, caller="maria", role="First")
    x.assume()
    x.clock.value = 5
    x.chain_role.value = lab.role("Second").arn
    x.chain_duration.value = 3600
    chained = x.chain()
    assert chained is not None and chained.chained
    assert x.session is chained
    assert "Chained" in text(x.chain_result.value)
    assert chained.expiration == nine_am + timedelta(minutes=65)
    assert "one hour at most" in text(x.credentials.value)


def test_countdown_text() -> None:
    """Is the countdown mm:ss below an hour, h:mm:ss above, and EXPIRED at the end?"""

    class Fake:
        expiration = datetime.fromisoformat("2026-11-28T11:00:00+00:00")

        def is_expired(self, now: datetime) -> bool:
            return now >= self.expiration

        def remaining(self, now: datetime) -> timedelta:
            return max(self.expiration - now, timedelta(0))

    fake = Fake()
    assert countdown_text(fake, datetime.fromisoformat("2026-11-28T10:45:30+00:00")) == (  # type: ignore[arg-type]
        "expires in 14:30"
    )
    assert countdown_text(fake, datetime.fromisoformat("2026-11-28T08:59:00+00:00")) == (  # type: ignore[arg-type]
        "expires in 2:01:00"
    )
    assert countdown_text(fake, fake.expiration).startswith("EXPIRED")  # type: ignore[arg-type]
