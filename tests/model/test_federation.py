"""Federated sessions through the public API: what the case files cannot say in YAML.

https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html
https://docs.aws.amazon.com/singlesignon/latest/userguide/identity-center-and-iam-roles.html
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

import iamlab
from iamlab.errors import ArgumentTypeError
from iamlab.model.claims import claim_checks, unchecked_subject
from iamlab.model.federation import check_web_identity
from iamlab.model.policy import parse_policy

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
GITHUB = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"
MAIN = {
    "iss": f"https://{GITHUB}",
    "aud": "sts.amazonaws.com",
    "sub": "repo:coffee-shop/website:ref:refs/heads/main",
}


def _trust(**condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.fixture
def github_lab() -> iamlab.Lab:
    """The shop with GitHub's OIDC provider, a deploy role for main and an Identity Center."""
    return iamlab.Lab.from_dict(
        {
            "account_id": "111122223333",
            "identity_providers": {"oidc": {GITHUB: {"audiences": ["sts.amazonaws.com"]}}},
            "roles": {
                "GitHubDeploy": {
                    "max_session_duration": 7200,
                    "trust_policy": _trust(
                        StringEquals={f"{GITHUB}:sub": MAIN["sub"], f"{GITHUB}:aud": MAIN["aud"]}
                    ),
                },
                "Next": {
                    "trust_policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": "arn:aws:iam::111122223333:role/GitHubDeploy"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "max_session_duration": 7200,
                },
            },
            "identity_center": {
                "users": {"pat": {}},
                "permission_sets": {
                    "Bookkeeping": {
                        "inline_policy": {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                        },
                        "session_duration": 28800,
                    }
                },
                "assignments": [
                    {"account": "111122223333", "permission_set": "Bookkeeping", "user": "pat"}
                ],
            },
        }
    )


def test_federated_session_is_found_by_its_arn(github_lab: iamlab.Lab) -> None:
    """Can a web-identity session be used by its ARN string, like any role session?"""
    session = github_lab.assume_role_with_web_identity(
        "GitHubDeploy", token=MAIN, session_name="run-1", now=NOW
    )
    decision = github_lab.evaluate(session.arn, "sts:GetCallerIdentity", "*", now=NOW)
    assert decision.allowed
    assert decision.caller.arn == session.arn
    assert session.source_arn == PROVIDER


def test_chaining_from_a_federated_session_is_limited_to_one_hour(
    github_lab: iamlab.Lab,
) -> None:
    """Does a role assumed from a web-identity session obey the 1-hour role-chaining limit?"""
    session = github_lab.assume_role_with_web_identity("GitHubDeploy", token=MAIN, now=NOW)
    with pytest.raises(iamlab.ValidationError, match="role chaining"):
        github_lab.assume_role(session, "Next", duration_seconds=7200, now=NOW)
    chained = github_lab.assume_role(session, "Next", duration_seconds=3600, now=NOW)
    assert chained.chained


def test_identity_center_role_has_the_documented_shape(github_lab: iamlab.Lab) -> None:
    """Is the permission set's role on /aws-reserved/sso.amazonaws.com/, trusting Identity
    Center's SAML provider, with the permission set's duration and inline policy?"""
    session = github_lab.sign_in("pat", permission_set="Bookkeeping", now=NOW)
    role = session.role
    assert role.name.startswith("AWSReservedSSO_Bookkeeping_")
    assert len(role.name.rsplit("_", 1)[1]) == 16
    assert ":role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_" in role.arn
    assert role.max_session_duration == 28800
    assert session.duration_seconds == 28800
    assert session.session_name == "pat"
    (statement,) = role.trust_policy.statements
    assert statement.principals is not None
    (federated,) = statement.principals.federated
    assert federated.startswith("arn:aws:iam::111122223333:saml-provider/AWSSSO_")
    assert federated.endswith("_DO_NOT_DELETE")
    assert session.source_arn == federated
    assert [p.name for p in role.policies] == ["AwsSSOInlinePolicy"]


def test_check_web_identity_tries_a_draft_without_making_a_session(
    github_lab: iamlab.Lab,
) -> None:
    """Does check_web_identity decide a token against a draft trust policy, making no session?"""
    role = github_lab.role("GitHubDeploy")
    careless = parse_policy(
        _trust(StringEquals={f"{GITHUB}:aud": "sts.amazonaws.com"}),
        name="draft",
        kind="trust",
        place="draft",
    )
    fork = {**MAIN, "sub": "repo:mallory/fork:ref:refs/heads/main"}
    assert not check_web_identity(github_lab, role, fork, now=NOW).allowed
    decision = check_web_identity(github_lab, role, fork, trust_policy=careless, now=NOW)
    assert decision.allowed
    assert unchecked_subject(decision)
    assert not unchecked_subject(check_web_identity(github_lab, role, MAIN, now=NOW))
    assert github_lab.sessions() == []


def test_claim_checks_name_the_claim_that_failed(github_lab: iamlab.Lab) -> None:
    """Does claim_checks say which claim failed, with the token's value?"""
    role = github_lab.role("GitHubDeploy")
    pull = {**MAIN, "sub": "repo:coffee-shop/website:pull_request"}
    checks = {c.claim: c for c in claim_checks(check_web_identity(github_lab, role, pull, now=NOW))}
    assert checks["aud"].held
    assert not checks["sub"].held
    assert checks["sub"].value == "repo:coffee-shop/website:pull_request"


def test_with_inline_policy_keeps_the_identity_providers(github_lab: iamlab.Lab) -> None:
    """Does a lab copied with with_inline_policy still know its OIDC provider?"""
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        },
        name="Extra",
        kind="identity",
        place="Extra",
    )
    copy = github_lab.with_inline_policy("role/GitHubDeploy", policy)
    session = copy.assume_role_with_web_identity("GitHubDeploy", token=MAIN, now=NOW)
    assert copy.evaluate(session, "s3:PutObject", "arn:aws:s3:::b/k", now=NOW).allowed


def test_sign_in_needs_an_identity_center() -> None:
    """Is sign_in in a lab without identity_center a clear ValidationError?"""
    lab = iamlab.Lab.from_dict({"account_id": "111122223333"})
    with pytest.raises(iamlab.ValidationError, match="identity_center"):
        lab.sign_in("pat", permission_set="Bookkeeping")


@pytest.mark.parametrize(
    "token",
    [
        {f"claim{i}": "x" for i in range(100_000)},
        {**MAIN, "deep": __import__("functools").reduce(lambda v, _: [v], range(100_000), [])},
        {**MAIN, "big": "x" * 10_000_000},
        {**MAIN, "when": datetime(2026, 1, 1, tzinfo=UTC)},
        {**MAIN, "nan": float("nan")},
        {**MAIN, "raw": b"\x00"},
        {**MAIN, "aud": ["sts.amazonaws.com", 7]},
        {**MAIN, "iss": "http://token.actions.githubusercontent.com"},
        ["iss", "sub"],
        None,
    ],
    ids=[
        "many-claims",
        "deep-nesting",
        "ten-megabytes",
        "datetime",
        "nan",
        "bytes",
        "bad-audience-list",
        "http-issuer",
        "list",
        "none",
    ],
)
def test_hostile_tokens_are_refused_quickly(github_lab: iamlab.Lab, token: Any) -> None:
    """Is every malformed or oversized token an InvalidIdentityTokenError, in bounded time?"""
    started = time.perf_counter()
    with pytest.raises(iamlab.InvalidIdentityTokenError):
        github_lab.assume_role_with_web_identity("GitHubDeploy", token=token, now=NOW)
    assert time.perf_counter() - started < 5, "a bad token must be refused in bounded time"
    assert github_lab.sessions() == []


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            lambda lab: lab.assume_role_with_saml("GitHubDeploy", provider=None, assertion={}),
            iamlab.ValidationError,
        ),
        (
            lambda lab: lab.assume_role_with_saml(
                "GitHubDeploy", provider="X", assertion="<saml/>"
            ),
            iamlab.InvalidIdentityTokenError,
        ),
        (lambda lab: lab.assume_role_with_web_identity(42, token=MAIN), iamlab.ValidationError),
        (
            lambda lab: lab.assume_role_with_web_identity(
                "GitHubDeploy", token=MAIN, session_name=""
            ),
            iamlab.ValidationError,
        ),
        (
            lambda lab: lab.assume_role_with_web_identity(
                "GitHubDeploy", token=MAIN, duration_seconds="900"
            ),
            iamlab.ValidationError,
        ),
        (
            lambda lab: lab.sign_in("pat", permission_set="Bookkeeping", account=111122223333),
            iamlab.ValidationError,
        ),
        (
            lambda lab: lab.sign_in(["pat"], permission_set="Bookkeeping"),
            ArgumentTypeError,  # a wrong type: the package's rule (iamlab.arguments)
        ),
        (lambda lab: lab.sign_in("pat", permission_set=None), ArgumentTypeError),
    ],
    ids=[
        "saml-provider-none",
        "saml-assertion-text",
        "role-number",
        "empty-session-name",
        "duration-text",
        "account-number",
        "user-list",
        "permission-set-none",
    ],
)
def test_bad_arguments_raise_iamlab_errors(
    github_lab: iamlab.Lab, call: Any, error: type[Exception]
) -> None:
    """Does each bad argument of the federation calls raise the documented IamlabError?"""
    with pytest.raises(error):
        call(github_lab)


@pytest.mark.parametrize(
    ("federation", "place"),
    [
        ({"identity_providers": []}, "identity_providers"),
        (
            {"identity_providers": {"oidc": {"x.example.com": {"audiences": [["a"]]}}}},
            "identity_providers.oidc.x.example.com.audiences[0]",
        ),
        (
            {"identity_providers": {"oidc": {"x.example.com": {"audiences": ["a"] * 101}}}},
            "identity_providers.oidc.x.example.com.audiences",
        ),
        (
            {"identity_providers": {"oidc": {"not a host": {"audiences": ["a"]}}}},
            "identity_providers.oidc.not a host",
        ),
        (
            {"identity_providers": {"saml": {"Corp": {"issuer": ["x"]}}}},
            "identity_providers.saml.Corp.issuer",
        ),
        ({"identity_center": []}, "identity_center"),
        ({"identity_center": {"users": {"p": {}}}}, "identity_center.users.p"),
        (
            {"identity_center": {"users": {"pat": {"groups": [1]}}}},
            "identity_center.users.pat.groups[0]",
        ),
        (
            {"identity_center": {"permission_sets": {"A": {"session_duration": True}}}},
            "identity_center.permission_sets.A.session_duration",
        ),
        (
            {
                "identity_center": {
                    "permission_sets": {"A": {"inline_policy": {"Statement": "x"}}},
                    "users": {"pat": {}},
                    "assignments": [
                        {"account": "111122223333", "permission_set": "A", "user": "pat"}
                    ],
                }
            },
            "identity_center.permission_sets.A.inline_policy",
        ),
        (
            {
                "identity_center": {
                    "permission_sets": {"A": {}},
                    "assignments": [
                        {"account": "111122223333", "permission_set": ["A"], "user": "pat"}
                    ],
                }
            },
            "identity_center.assignments[0].permission_set",
        ),
        (
            {
                "identity_center": {
                    "users": {"pat": {}},
                    "permission_sets": {"A": {}},
                    "assignments": [
                        {"account": "111122223333", "permission_set": "A", "user": ["pat"]}
                    ],
                }
            },
            "identity_center.assignments[0].user",
        ),
        (
            {
                "identity_center": {
                    "users": {"pat": {}},
                    "permission_sets": {"A": {}},
                    "assignments": [{"account": {"id": 1}, "permission_set": "A", "user": "pat"}],
                }
            },
            "identity_center.assignments[0].account",
        ),
        (
            {
                "identity_center": {
                    "users": {"pat": {}},
                    "permission_sets": {"A": {}},
                    "assignments": [
                        {
                            "account": "111122223333",
                            "permission_set": "A",
                            "user": "pat",
                            "group": "g",
                        }
                    ],
                }
            },
            "identity_center.assignments[0]",
        ),
        ({"identity_center": {"assignments": "all"}}, "identity_center.assignments"),
    ],
)
def test_bad_federation_in_a_lab_names_the_place(federation: dict[str, Any], place: str) -> None:
    """Does every malformed identity_providers / identity_center raise PolicyError at its place?"""
    with pytest.raises(iamlab.PolicyError) as raised:
        iamlab.Lab.from_dict({"account_id": "111122223333", **federation})
    assert raised.value.place.startswith(place), raised.value


def test_check_tokens_gives_each_token_its_decision_or_sts_error(github_lab: iamlab.Lab) -> None:
    """Does check_tokens answer per token: a Decision, or the error STS would return?"""
    from iamlab.model.federation import check_tokens

    checked = check_tokens(
        github_lab,
        github_lab.role("GitHubDeploy"),
        {
            "main": MAIN,
            "fork": {**MAIN, "sub": "repo:mallory/fork:ref:refs/heads/main"},
            "wrong audience": {**MAIN, "aud": "https://github.com/coffee-shop"},
        },
        now=NOW,
    )
    assert isinstance(checked["main"], iamlab.Decision) and checked["main"].allowed
    assert isinstance(checked["fork"], iamlab.Decision) and not checked["fork"].allowed
    assert isinstance(checked["wrong audience"], iamlab.InvalidIdentityTokenError)
