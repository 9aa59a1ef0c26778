"""The federated sign-in sequence (src/iamlab/diagrams/federation.py), read through its DOT."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import pytest

import iamlab
from iamlab.diagrams.federation import federated_sequence

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
GITHUB = "token.actions.githubusercontent.com"
MAIN = {
    "iss": f"https://{GITHUB}",
    "aud": "sts.amazonaws.com",
    "sub": "repo:coffee-shop/website:ref:refs/heads/main",
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{GITHUB}:sub": MAIN["sub"]}},
        }
    ],
}


@pytest.fixture
def lab() -> iamlab.Lab:
    return iamlab.Lab.from_dict(
        {
            "account_id": "111122223333",
            "identity_providers": {"oidc": {GITHUB: {"audiences": ["sts.amazonaws.com"]}}},
            "roles": {"GitHubDeploy": {"trust_policy": TRUST}},
            "identity_center": {
                "users": {"pat": {}},
                "permission_sets": {"Bookkeeping": {"session_duration": 7200}},
                "assignments": [
                    {"account": "111122223333", "permission_set": "Bookkeeping", "user": "pat"}
                ],
            },
        }
    )


def _node(source: str, name: str) -> str:
    (line,) = re.findall(rf"^\s*{name} \[.*$", source, flags=re.MULTILINE)
    return line


def test_an_issued_session_shows_provider_token_sts_trust_and_credentials(lab):
    """Are the provider, the token's sub, STS, the passed claim check and the session drawn?"""
    session = lab.assume_role_with_web_identity(
        "GitHubDeploy", token=MAIN, session_name="run-7", now=NOW
    )
    source = federated_sequence(session).source
    assert "GitHub Actions" in _node(source, "idp")
    assert "repo:coffee-shop/website:ref:refs/heads/main" in _node(source, "token")
    assert "AssumeRoleWithWebIdentity" in _node(source, "sts")
    role = _node(source, "role")
    assert "✔ StringEquals" in role
    assert "token.actions.githubusercontent.com:sub" in role
    assert "assumed-role/GitHubDeploy/run-7" in _node(source, "request")
    for edge in (
        "idp -> token",
        "token -> sts",
        "sts -> role",
        "role -> credentials",
        "credentials -> request",
    ):
        assert edge in source
    assert session.credentials.secret_access_key not in source
    assert session.credentials.session_token not in source


def test_a_refusal_shows_the_failing_claim_and_no_credentials(lab):
    """For a pull request's token, is the sub check drawn failing with the token's value?"""
    pull = {**MAIN, "sub": "repo:coffee-shop/website:pull_request"}
    with pytest.raises(iamlab.AccessDeniedError) as refused:
        lab.assume_role_with_web_identity("GitHubDeploy", token=pull, now=NOW)
    source = federated_sequence(decision=refused.value.decision).source
    role = _node(source, "role")
    assert "✖ StringEquals" in role
    assert "token.actions.githubusercontent.com:sub" in role
    assert "repo:coffee-shop/website:pull_request" in role
    assert "none issued" in _node(source, "credentials")
    assert "Sign-in refused" in source


def test_identity_center_sign_in_is_drawn_as_saml_with_the_permission_set(lab):
    """Is an Identity Center sign-in drawn as AssumeRoleWithSAML for the permission set's role?"""
    session = lab.sign_in("pat", permission_set="Bookkeeping", now=NOW)
    source = federated_sequence(session).source
    assert "IAM Identity Center" in _node(source, "idp")
    assert "AssumeRoleWithSAML" in _node(source, "sts")
    assert "permission set Bookkeeping" in source
    assert "saml:sub pat" in _node(source, "token")


def test_plain_assume_role_sessions_and_bad_arguments_are_refused(lab):
    """Does federated_sequence refuse no argument, both arguments, and a plain AssumeRole?"""
    with pytest.raises(iamlab.ValidationError):
        federated_sequence()
    session = lab.sign_in("pat", permission_set="Bookkeeping", now=NOW)
    with pytest.raises(iamlab.ValidationError):
        federated_sequence(session, decision=session.decision)
    shop = iamlab.Lab.load("labs/coffee-shop.yaml")
    plain = shop.assume_role("maria", "CoffeeMachineOperator", now=NOW)
    with pytest.raises(iamlab.ValidationError, match="assume_role_sequence"):
        federated_sequence(plain)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_every_variant_fits_an_848_pixel_column(lab):
    """Rendered, is each variant at most 848 CSS pixels wide (SVG points * 4/3)?"""
    careless = {**MAIN, "sub": "repo:mallory/fork:ref:refs/heads/a-very-long-branch-name-indeed"}
    with pytest.raises(iamlab.AccessDeniedError) as refused:
        lab.assume_role_with_web_identity("GitHubDeploy", token=careless, now=NOW)
    graphs = [
        federated_sequence(lab.assume_role_with_web_identity("GitHubDeploy", token=MAIN, now=NOW)),
        federated_sequence(lab.sign_in("pat", permission_set="Bookkeeping", now=NOW)),
        federated_sequence(decision=refused.value.decision),
    ]
    for graph in graphs:
        svg = graph.pipe(format="svg", encoding="utf-8")
        width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
        assert width * 4 / 3 <= 848, f"{width}pt is wider than 848 px"


def test_the_decision_path_names_the_caller_an_identity_provider(lab):
    """Is the holder of a refused token drawn as an identity provider, not as an AWS service?"""
    from iamlab.diagrams import decision_path

    fork = {**MAIN, "sub": "repo:mallory/fork:ref:refs/heads/main"}
    with pytest.raises(iamlab.AccessDeniedError) as refused:
        lab.assume_role_with_web_identity("GitHubDeploy", token=fork, now=NOW)
    source = decision_path(refused.value.decision).source
    assert "identity provider (federation)" in source
    assert "AWS service" not in source
