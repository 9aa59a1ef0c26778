"""Fuzz federation: tokens, SAML assertions, sign-in, the labs' identity sections, the explorer
and the federated sequence diagram.

Tokens and assertions come from strangers (a learner pastes a token from a blog post; a grader
checks a trust policy against the tokens a student wrote). The property is the engine's: only
iamlab's documented errors escape, in bounded time.
"""

from __future__ import annotations

import copy
import functools
from datetime import UTC, datetime
from typing import Any

import fuzz_strategies as fs
from fuzz_harness import FUZZ, call
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_views import ATTRIBUTES, parsed
from test_fuzz_views import TAGS as HTML_TAGS

import iamlab
from iamlab.diagrams.federation import federated_sequence
from iamlab.model.federation import check_tokens
from iamlab.widgets.explanation import explanation_html
from iamlab.widgets.federation_explorer import FederationExplorer

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
GITHUB = "token.actions.githubusercontent.com"
OIDC_ARN = f"arn:aws:iam::{fs.ACCOUNT}:oidc-provider/{GITHUB}"
SAML_ARN = f"arn:aws:iam::{fs.ACCOUNT}:saml-provider/CorpIdP"
TAGS = "https://aws.amazon.com/tags"
SOURCE = "https://aws.amazon.com/source_identity"
ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"


def federation_lab() -> dict[str, Any]:
    """The shop with GitHub's OIDC provider, a SAML provider, roles trusting them with
    wildcard conditions, and an Identity Center with a user in two accounts."""
    web = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": OIDC_ARN},
                "Action": [
                    "sts:AssumeRoleWithWebIdentity",
                    "sts:TagSession",
                    "sts:SetSourceIdentity",
                ],
                "Condition": {
                    "StringLike": {f"{GITHUB}:sub": "repo:coffee-shop/*"},
                    "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                },
            }
        ],
    }
    saml = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": SAML_ARN},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
                "Condition": {"StringLike": {"SAML:sub": "*@coffee-shop.example"}},
            }
        ],
    }
    read = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::coffee-recipes/${aws:PrincipalTag/team}/*",
            }
        ],
    }
    return {
        "accounts": {
            fs.ACCOUNT: {
                "name": "coffee-shop",
                "identity_providers": {
                    "oidc": {GITHUB: {"audiences": ["sts.amazonaws.com"]}},
                    "saml": {"CorpIdP": {"issuer": "https://idp.coffee-shop.example/saml"}},
                },
                "roles": {
                    "GitHubDeploy": {
                        "trust_policy": web,
                        "inline_policies": {"Read": read},
                        "max_session_duration": 7200,
                    },
                    "SupportDesk": {"trust_policy": saml, "inline_policies": {"Read": read}},
                },
            },
            fs.PARTNER: {"name": "bean-supplier"},
        },
        "identity_center": {
            "groups": ["Staff"],
            "users": {"pat": {"groups": ["Staff"]}, "kim": {}},
            "permission_sets": {
                "Bookkeeping": {"inline_policy": read, "session_duration": 28800},
                "ReadOnly": {"managed_policies": ["AmazonS3ReadOnlyAccess"]},
            },
            "assignments": [
                {"account": fs.ACCOUNT, "permission_set": "Bookkeeping", "group": "Staff"},
                {"account": fs.PARTNER, "permission_set": "Bookkeeping", "user": "pat"},
                {"account": fs.ACCOUNT, "permission_set": "ReadOnly", "user": "kim"},
            ],
        },
    }


@functools.cache
def shop() -> iamlab.Lab:
    return iamlab.Lab.from_dict(federation_lab())


def _weighted(usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any], percent: int) -> Any:
    """``usual`` ``percent`` % of the time, else ``other`` (one_of would not weigh them)."""
    return st.integers(0, 99).flatmap(lambda i: usual if i < percent else other)


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return _weighted(value, fs.anything, 85)


# claim values a stranger might send: wildcards and policy variables must stay plain text
claim_text = st.one_of(
    st.sampled_from(
        [
            "repo:coffee-shop/website:ref:refs/heads/main",
            "repo:*",
            "*",
            "?",
            "${aws:username}",
            "${*}",
            "repo:coffee-shop/${aws:PrincipalTag/team}",
            "kim@coffee-shop.example",
            "*@coffee-shop.example",
            "sts.amazonaws.com",
            "x" * 9_000,  # three of these pass STS's 20,000; Hypothesis prints up to 30 kB
            "<script>alert(1)</script>",
            "a\x00b",
            "\u202eevil",
        ]
    ),
    fs.text,
)
good_claims = st.one_of(claim_text, claim_text, st.lists(claim_text, max_size=3), st.integers())
claim_values = _weighted(
    good_claims,
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), fs.json_like, fs.anything),
    80,
)


tags_claim = st.one_of(
    st.fixed_dictionaries(
        {
            "principal_tags": st.dictionaries(
                claim_text, st.lists(claim_text, max_size=2) | claim_values, max_size=3
            )
        }
    ),
    fs.anything,
)

_token_shapes = st.fixed_dictionaries(
    {
        "iss": _maybe(st.sampled_from([f"https://{GITHUB}", f"https://{GITHUB}/"]) | claim_text),
        "aud": _maybe(
            st.sampled_from(["sts.amazonaws.com", "other"])
            | st.lists(claim_text, min_size=1, max_size=3)
        ),
        "sub": _maybe(claim_text),
    },
    optional={
        "azp": claim_values,
        "exp": st.one_of(
            st.integers(),
            st.floats(allow_nan=True, allow_infinity=True),
            st.just(10**400),
            fs.anything,
        ),
        "amr": claim_values,
        "email": claim_values,
        TAGS: tags_claim,
        SOURCE: claim_values,
        "repository": claim_values,
    },
)
tokens = _weighted(
    _token_shapes,
    st.one_of(st.dictionaries(fs.text | claim_text, claim_values, max_size=4), fs.anything),
    80,
)
_assertion_shapes = st.fixed_dictionaries(
    {"saml:sub": _maybe(claim_text), "saml:aud": _maybe(claim_text)},
    optional={
        "saml:sub_type": claim_values,
        "saml:iss": claim_values,
        f"{ATTRIBUTE}RoleSessionName": claim_values,
        f"{ATTRIBUTE}SourceIdentity": claim_values,
        f"{ATTRIBUTE}PrincipalTag:team": claim_values,
        f"{ATTRIBUTE}PrincipalTag:{'k' * 200}": claim_values,
    },
)
assertions = _weighted(
    _assertion_shapes,
    st.one_of(st.dictionaries(fs.text | claim_text, claim_values, max_size=4), fs.anything),
    80,
)
roles = _maybe(
    st.sampled_from(["GitHubDeploy", "SupportDesk", f"arn:aws:iam::{fs.ACCOUNT}:role/x", "nope"])
)
session_names = _maybe(st.sampled_from(["run-1", "a", "x" * 65]) | fs.text)
durations = st.one_of(st.none(), st.integers(), fs.anything)
session_policies = st.one_of(st.none(), st.none(), fs.policies, fs.anything)


def _federated(label: str, lab: iamlab.Lab, function: Any, *args: Any, **kwargs: Any) -> None:
    """Call a federated API; then do what a learner does next: use and draw the session, or
    draw and explain the refusal."""
    refused: list[iamlab.AccessDeniedError] = []

    def run() -> Any:
        try:
            return function(*args, **kwargs)
        except iamlab.AccessDeniedError as exc:
            refused.append(exc)
            raise

    session = call(label, run)
    if session is not None:
        call("Lab.evaluate(federated)", lab.evaluate, session, "s3:GetObject", "*", now=NOW)
        call("federated_sequence", federated_sequence, session)
    for exc in refused:
        call("federated_sequence(decision)", federated_sequence, decision=exc.decision)
        html = call("explanation_html", explanation_html, exc.decision)
        page = parsed(html)  # claims of any shape: no markup of theirs in the page
        assert page.tags <= HTML_TAGS and page.attributes <= ATTRIBUTES, (
            page.tags,
            page.attributes,
        )


@FUZZ
@given(roles, tokens, session_names, durations, session_policies, fs.moments)
def test_web_identity_with_any_token(
    role: Any, token: Any, name: Any, duration: Any, session_policy: Any, now: Any
) -> None:
    """Does AssumeRoleWithWebIdentity answer or refuse any token and arguments cleanly
    (deep, huge, wrong types, NaN, wildcard-looking claims)?"""
    lab = iamlab.Lab.from_dict(federation_lab())
    _federated(
        "Lab.assume_role_with_web_identity",
        lab,
        lab.assume_role_with_web_identity,
        role,
        token=token,
        session_name=name,
        duration_seconds=duration,
        session_policy=session_policy,
        now=now,
    )


@FUZZ
@given(roles, st.lists(tokens, max_size=3) | fs.anything, fs.policies | fs.anything, fs.moments)
def test_check_tokens_with_any_tokens(role: Any, many: Any, draft: Any, now: Any) -> None:
    """Does check_tokens give each token a Decision or an IamlabError, whatever it holds?"""
    lab = shop()
    target = call("Lab.role", lab.role, role)
    policy = call("Policy.from_dict(trust)", iamlab.Policy.from_dict, draft, kind="trust")
    if target is None:
        return
    labelled = {f"t{i}": t for i, t in enumerate(many)} if isinstance(many, list) else many
    call("check_tokens", check_tokens, lab, target, labelled, trust_policy=policy, now=now)


@FUZZ
@given(
    roles,
    _maybe(st.sampled_from(["CorpIdP", SAML_ARN, "arn:aws:iam::444455556666:saml-provider/X"])),
    assertions,
    st.none() | session_names,
    durations,
    fs.moments,
)
def test_saml_with_any_assertion(
    role: Any, provider: Any, assertion: Any, name: Any, duration: Any, now: Any
) -> None:
    """Does AssumeRoleWithSAML answer or refuse any assertion and arguments cleanly?"""
    lab = iamlab.Lab.from_dict(federation_lab())
    _federated(
        "Lab.assume_role_with_saml",
        lab,
        lab.assume_role_with_saml,
        role,
        provider=provider,
        assertion=assertion,
        session_name=name,
        duration_seconds=duration,
        now=now,
    )


@FUZZ
@given(
    _maybe(st.sampled_from(["pat", "kim", "nobody"])),
    _maybe(st.sampled_from(["Bookkeeping", "ReadOnly", "Nope"])),
    st.one_of(st.none(), st.sampled_from([fs.ACCOUNT, fs.PARTNER, "999999999999"]), fs.anything),
    fs.moments,
)
def test_sign_in_with_any_arguments(user: Any, permission_set: Any, account: Any, now: Any) -> None:
    """Does Identity Center sign-in answer or refuse any (wrongly typed) arguments cleanly?"""
    lab = iamlab.Lab.from_dict(federation_lab())
    _federated(
        "Lab.sign_in",
        lab,
        lab.sign_in,
        user,
        permission_set=permission_set,
        account=account,
        now=now,
    )


IDENTITY_SLOTS = [
    ("accounts", fs.ACCOUNT, "identity_providers"),
    ("accounts", fs.ACCOUNT, "identity_providers", "oidc"),
    ("accounts", fs.ACCOUNT, "identity_providers", "oidc", GITHUB),
    ("accounts", fs.ACCOUNT, "identity_providers", "oidc", GITHUB, "audiences"),
    ("accounts", fs.ACCOUNT, "identity_providers", "saml"),
    ("accounts", fs.ACCOUNT, "identity_providers", "saml", "CorpIdP"),
    ("accounts", fs.ACCOUNT, "identity_providers", "saml", "CorpIdP", "issuer"),
    ("accounts", fs.PARTNER, "identity_providers"),
    ("identity_center",),
    ("identity_center", "groups"),
    ("identity_center", "users"),
    ("identity_center", "users", "pat"),
    ("identity_center", "users", "pat", "groups"),
    ("identity_center", "permission_sets"),
    ("identity_center", "permission_sets", "Bookkeeping"),
    ("identity_center", "permission_sets", "Bookkeeping", "session_duration"),
    ("identity_center", "permission_sets", "Bookkeeping", "inline_policy"),
    ("identity_center", "permission_sets", "ReadOnly", "managed_policies"),
    ("identity_center", "permission_sets", "ReadOnly", "permissions_boundary"),
    ("identity_center", "assignments"),
]
ASSIGNMENT_KEYS = ["account", "permission_set", "user", "group"]
identity_values = st.one_of(
    fs.anything,
    claim_values,
    fs.policies,
    st.dictionaries(fs.text | claim_text, claim_values, max_size=3),
    st.lists(claim_values, max_size=3),
)


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(IDENTITY_SLOTS), identity_values), min_size=1, max_size=3),
    st.lists(st.tuples(st.sampled_from(ASSIGNMENT_KEYS), identity_values), max_size=2),
)
def test_any_identity_sections_load_or_are_refused(
    changes: list[tuple[tuple[str, ...], Any]], assignment: list[tuple[str, Any]]
) -> None:
    """Are hostile identity_providers / identity_center sections refused with a PolicyError
    naming the place (wrong types, unhashable or huge names, wildcards, deep values)?"""
    data = federation_lab()
    for path, value in changes:
        data = fs._put(data, path, fs.copy_or(value))
    center = data.get("identity_center")
    listed = center.get("assignments") if isinstance(center, dict) else None
    if isinstance(listed, list) and listed and isinstance(listed[0], dict):
        for key, value in assignment:  # the first assignment, one field bent
            listed.append({**listed[0], key: fs.copy_or(value)})
    lab = call("Lab.from_dict(federation)", iamlab.Lab.from_dict, data)
    if lab is not None and lab.federation.identity_center is not None:
        for user in lab.federation.identity_center.users:
            for pset in lab.federation.identity_center.permission_sets:
                _federated("Lab.sign_in", lab, lab.sign_in, user, permission_set=pset, now=NOW)


# -- the explorer -------------------------------------------------------------------------------


@FUZZ
@given(
    st.one_of(st.just("lab"), st.just("lab"), fs.anything),
    roles,
    st.one_of(st.dictionaries(fs.text | claim_text, tokens, max_size=3), fs.anything),
    fs.moments,
)
def test_federation_explorer_with_any_arguments(lab: Any, role: Any, many: Any, now: Any) -> None:
    """Does FederationExplorer build or refuse any lab, role, tokens and time cleanly?"""
    target = shop() if lab == "lab" else lab
    widget = call("FederationExplorer", FederationExplorer, target, role, many, now=now)
    if widget is not None:
        for label in list(widget.token.options)[:3]:
            call("FederationExplorer token", setattr, widget.token, "value", label)


@FUZZ
@given(
    st.one_of(
        fs.policies.map(fs.as_json),
        fs.trust_policies.map(fs.as_json),
        fs.text,
        fs.hostile_files,
    )
)
def test_text_typed_into_the_federation_explorer(text: str) -> None:
    """Does the explorer survive any trust policy a learner types or pastes?"""
    tokens = {
        "main": {"iss": f"https://{GITHUB}", "aud": "sts.amazonaws.com", "sub": "repo:a/b"},
        "bad": {"iss": "https://nowhere.example", "aud": "x", "sub": "y"},
    }
    widget = FederationExplorer(shop(), "GitHubDeploy", copy.deepcopy(tokens), now=NOW)
    call("FederationExplorer typed", setattr, widget.policy, "value", text)
    call("FederationExplorer reset", widget.reset)


@FUZZ
@given(st.one_of(st.none(), fs.anything), st.one_of(st.none(), fs.anything))
def test_federated_sequence_with_any_arguments(session: Any, decision: Any) -> None:
    """Does federated_sequence refuse anything that is not a federated Session or Decision?"""
    call("federated_sequence", federated_sequence, session, decision=decision)


@FUZZ
@given(tokens)
def test_any_token_against_a_role_that_trusts_the_provider(token: Any) -> None:
    """The token alone varies (the role, name and time are right): does every claim shape
    reach the trust policy's conditions, and only documented errors come back?"""
    lab = iamlab.Lab.from_dict(federation_lab())
    _federated(
        "Lab.assume_role_with_web_identity(token)",
        lab,
        lab.assume_role_with_web_identity,
        "GitHubDeploy",
        token=token,
        session_name="run-1",
        now=NOW,
    )
    if lab.sessions():  # let in: the claim matched as text, never as a pattern of its own
        sub = token["sub"]
        assert isinstance(sub, str) and sub.startswith("repo:coffee-shop/"), sub[:80]
        audiences = token["aud"] if isinstance(token["aud"], list) else [token["aud"]]
        assert "sts.amazonaws.com" in [*audiences, token.get("azp")], audiences


@FUZZ
@given(assertions)
def test_any_assertion_against_a_role_that_trusts_the_provider(assertion: Any) -> None:
    """The assertion alone varies: does every attribute shape reach the trust policy?"""
    lab = iamlab.Lab.from_dict(federation_lab())
    _federated(
        "Lab.assume_role_with_saml(assertion)",
        lab,
        lab.assume_role_with_saml,
        "SupportDesk",
        provider="CorpIdP",
        assertion=assertion,
        now=NOW,
    )
    if lab.sessions():  # let in: saml:sub matched *@coffee-shop.example as text
        sub = assertion["saml:sub"]
        subs = sub if isinstance(sub, list) else [sub]
        assert any(isinstance(s, str) and s.endswith("@coffee-shop.example") for s in subs), sub
