"""Hostile input to federation and the views added with it: each fix the fuzzer asked for,
each beside a control that the same call with good input still works.

Found by tests/fuzz/test_fuzz_federation.py and test_fuzz_views.py (issue 10's contract on
the merged code): only documented errors, with bounded messages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import iamlab
from iamlab.diagrams.federation import federated_sequence
from iamlab.errors import ArgumentTypeError
from iamlab.model.federation import check_tokens
from iamlab.model.matrix import access_matrix
from iamlab.widgets.federation_explorer import FederationExplorer

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
GITHUB = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"
MAIN = {"iss": f"https://{GITHUB}", "aud": "sts.amazonaws.com", "sub": "repo:shop/site:ref:main"}


def deep(levels: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(levels):
        node.append([])
        node = node[0]
    return root


@pytest.fixture
def lab() -> iamlab.Lab:
    return iamlab.Lab.from_dict(
        {
            "account_id": "111122223333",
            "identity_providers": {"oidc": {GITHUB: {"audiences": ["sts.amazonaws.com"]}}},
            "roles": {
                "Deploy": {
                    "trust_policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Federated": PROVIDER},
                                "Action": "sts:AssumeRoleWithWebIdentity",
                            }
                        ],
                    }
                }
            },
            "identity_center": {
                "users": {"pat": {}},
                "permission_sets": {"Admin": {"managed_policies": ["AdministratorAccess"]}},
                "assignments": [
                    {"account": "111122223333", "permission_set": "Admin", "user": "pat"}
                ],
            },
        }
    )


@pytest.mark.parametrize(
    "bad", [deep(10_000), 10**5000, {1, 2}], ids=["10000-deep", "5000-digits", "set"]
)
def test_sign_in_refuses_a_wrong_type_with_a_short_message(lab: iamlab.Lab, bad: Any) -> None:
    """Is a user or permission set that is not text refused as ArgumentTypeError naming the
    parameter (no RecursionError or ValueError from formatting it), in a short message?"""
    for kwargs in (
        {"user": bad, "permission_set": "Admin"},
        {"user": "pat", "permission_set": bad},
    ):
        with pytest.raises(ArgumentTypeError) as error:
            lab.sign_in(kwargs.pop("user"), now=NOW, **kwargs)
        assert "Lab.sign_in(" in str(error.value) and len(str(error.value)) < 300
    # the control: the same call with text signs in
    assert lab.sign_in("pat", permission_set="Admin", now=NOW).role.name.startswith("AWSReserved")


def test_an_unknown_name_of_200000_characters_gives_a_short_message(lab: iamlab.Lab) -> None:
    """A long (but text) name is quoted through safe_repr, never echoed whole."""
    with pytest.raises(iamlab.ValidationError) as error:
        lab.sign_in("x" * 200_000, permission_set="Admin", now=NOW)
    assert len(str(error.value)) < 300
    with pytest.raises(iamlab.UnknownPrincipalError) as unknown:
        lab.sign_in("x" * 2_000, permission_set="Admin", now=NOW)
    assert len(str(unknown.value)) < 400 and "'xxx" in str(unknown.value)


def test_federated_calls_check_their_arguments(lab: iamlab.Lab) -> None:
    """Wrong types for role, duration, session policy and provider are ArgumentTypeErrors
    naming the parameter; a 5,000-digit duration is a ValidationError (it used to raise
    ValueError while formatting the message)."""
    web = lab.assume_role_with_web_identity
    with pytest.raises(ArgumentTypeError, match=r"\(role=\.\.\.\)"):
        web(deep(10_000), token=MAIN, now=NOW)
    with pytest.raises(iamlab.ValidationError, match="duration_seconds"):
        web("Deploy", token=MAIN, duration_seconds=10**5000, now=NOW)
    with pytest.raises(ArgumentTypeError, match="session_policy"):
        web("Deploy", token=MAIN, session_policy=[1], now=NOW)
    with pytest.raises(ArgumentTypeError, match="provider"):
        lab.assume_role_with_saml("Deploy", provider=[], assertion={}, now=NOW)
    # the control
    assert web("Deploy", token=MAIN, duration_seconds=900, now=NOW).duration_seconds == 900


@pytest.mark.parametrize("exp", [-1e300, -(10**30)], ids=["float", "int"])
def test_a_token_expired_before_any_date_is_expired_not_an_overflow(
    lab: iamlab.Lab, exp: float
) -> None:
    """An ``exp`` no date can hold is still an expired token (it used to raise OverflowError
    while writing the date in the message); the control: an ordinary past exp."""
    with pytest.raises(iamlab.ExpiredTokenError, match="seconds since 1970"):
        lab.assume_role_with_web_identity("Deploy", token={**MAIN, "exp": exp}, now=NOW)
    with pytest.raises(iamlab.ExpiredTokenError, match="2026-11-28T09:00:00"):
        lab.assume_role_with_web_identity(
            "Deploy", token={**MAIN, "exp": NOW.timestamp() - 3600}, now=NOW
        )


def test_check_tokens_and_the_sequence_refuse_wrong_types(lab: iamlab.Lab) -> None:
    """check_tokens and federated_sequence name the wrong argument (they used to raise
    AttributeError); the controls: the right arguments work."""
    role = lab.role("Deploy")
    with pytest.raises(ArgumentTypeError, match="tokens"):
        check_tokens(lab, role, [MAIN])  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="target"):
        check_tokens(lab, "Deploy", {"main": MAIN})  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="now"):
        check_tokens(lab, role, {"main": MAIN}, now=[])  # type: ignore[arg-type]
    assert check_tokens(lab, role, {"main": MAIN}, now=NOW)["main"].allowed  # type: ignore[union-attr]
    with pytest.raises(ArgumentTypeError, match="session"):
        federated_sequence([])  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="decision"):
        federated_sequence(decision="x")  # type: ignore[arg-type]
    session = lab.assume_role_with_web_identity("Deploy", token=MAIN, now=NOW)
    assert "AssumeRoleWithWebIdentity" in federated_sequence(session).source


def test_the_explorer_shows_a_token_json_cannot_hold(lab: iamlab.Lab) -> None:
    """A token that holds a cycle or a datetime is shown (bounded) and refused by STS, not a
    crash while printing it; tokens that are not a mapping of mappings are refused."""
    loop: dict[str, Any] = {"iss": "https://x.example"}
    loop["self"] = loop
    widget = FederationExplorer(lab, "Deploy", {"main": MAIN, "loop": loop, "t": {"d": NOW}})
    widget.token.value = "loop"
    assert isinstance(widget.decisions["loop"], str)  # STS refuses it: InvalidIdentityToken
    assert "InvalidIdentityToken" in widget.outcome.value and "{...}" in widget.claims.value
    widget.token.value = "t"
    assert "datetime" in widget.claims.value
    with pytest.raises(ArgumentTypeError, match="tokens"):
        FederationExplorer(lab, "Deploy", [MAIN])  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="tokens"):
        FederationExplorer(lab, "Deploy", {"main": 7})  # type: ignore[dict-item]
    with pytest.raises(ArgumentTypeError, match="lab"):
        FederationExplorer(None, "Deploy", {"main": MAIN})  # type: ignore[arg-type]
    # the control: the usual tokens
    assert not isinstance(FederationExplorer(lab, "Deploy", {"m": MAIN}).decisions["m"], str)


def test_a_matrix_cell_asked_with_an_unhashable_key_is_refused(lab: iamlab.Lab) -> None:
    """AccessMatrix.result with a list as a key raised TypeError (unhashable) in its fast
    path; it is an ArgumentTypeError naming the parameter. The control: a text key."""
    matrix = access_matrix(lab, ["root"], ["s3:GetObject"], ["*"], now=NOW)
    with pytest.raises(ArgumentTypeError, match="principal"):
        matrix.result(["root"], "s3:GetObject", "*")  # type: ignore[arg-type]
    assert matrix.result("root", "s3:GetObject", "*") == "Allowed"


def _center(permission_set: Any, account: Any) -> dict[str, Any]:
    return {
        "account_id": "111122223333",
        "identity_center": {
            "users": {"pat": {}},
            "permission_sets": {"Empty": permission_set},
            "assignments": [{"account": account, "permission_set": "Empty", "user": "pat"}],
        },
    }


def test_an_empty_permission_set_is_a_permission_set_without_policies() -> None:
    """``Empty:`` (None in YAML) was read as {} when checked, then used as None (an
    AttributeError) when its role was built; the control: ``Empty: {}`` gives the same role."""
    empty = iamlab.Lab.from_dict(_center(None, "111122223333"))
    control = iamlab.Lab.from_dict(_center({}, "111122223333"))
    assert empty.sign_in("pat", permission_set="Empty", now=NOW).role.policies == ()
    assert control.sign_in("pat", permission_set="Empty", now=NOW).role.policies == ()


def test_an_assignment_account_of_5000_digits_is_refused_with_its_place() -> None:
    """A YAML number too long to print was a ValueError; it is a PolicyError with the place.
    The control: the account as a 12-digit number still loads."""
    with pytest.raises(iamlab.PolicyError) as error:
        iamlab.Lab.from_dict(_center({}, 10**5000))
    assert error.value.place == "identity_center.assignments[0].account"
    assert iamlab.Lab.from_dict(_center({}, 111122223333)).federation.identity_center


def test_a_backslash_typed_as_the_account_is_drawn_literally(lab: iamlab.Lab) -> None:
    """A refused sign-in to account ``\\`` put the text in a node's tooltip as is, and DOT
    read the backslash as escaping the closing quote (a DotSyntaxWarning, no SVG). Tooltips
    keep backslashes literal, as labels do; the control: an ordinary account is drawn too."""
    for account in ("\\", "111122223333\\", "999999999999"):
        with pytest.raises(iamlab.AccessDeniedError) as refused:
            lab.sign_in("pat", permission_set="Admin", account=account, now=NOW)
        svg = federated_sequence(decision=refused.value.decision).pipe(format="svg").decode()
        assert "<svg" in svg and f"in account {account}" in svg.replace("&#92;", "\\")


def test_a_wrong_audience_of_9000_characters_gives_a_short_message(lab: iamlab.Lab) -> None:
    """The audience was echoed whole (a 9,000-character message for a 9,000-character aud);
    the control: a short audience is still named as written."""
    with pytest.raises(iamlab.InvalidIdentityTokenError) as long:
        lab.assume_role_with_web_identity("Deploy", token={**MAIN, "aud": "x" * 9_000}, now=NOW)
    assert len(str(long.value)) < 400
    with pytest.raises(iamlab.InvalidIdentityTokenError, match="the token is for other, and"):
        lab.assume_role_with_web_identity("Deploy", token={**MAIN, "aud": "other"}, now=NOW)


def test_a_9000_character_provider_name_gives_a_short_place() -> None:
    """The place quoted a provider's (or an unknown key's) name whole; it is bounded as the
    loader bounds every place. The control: a short name is named as written."""
    for name in ("x" * 9_000, "bad name"):
        with pytest.raises(iamlab.PolicyError) as error:
            iamlab.Lab.from_dict(
                {"account_id": "111122223333", "identity_providers": {"saml": {name: {}}}}
            )
        assert len(str(error.value)) < 400
    assert error.value.place == "identity_providers.saml.bad name"


def test_check_tokens_takes_a_graders_token_space_but_not_without_bound(lab: iamlab.Lab) -> None:
    """ps04's breadth check judges a few hundred tokens at once: accepted; more than
    MAX_TOKENS is refused with the number, before any is checked."""
    from iamlab.errors import ValidationError
    from iamlab.model.federation import MAX_TOKENS

    role = lab.role("Deploy")
    many = {str(i): MAIN for i in range(300)}
    assert all(d.allowed for d in check_tokens(lab, role, many, now=NOW).values())  # type: ignore[union-attr]
    too_many = {str(i): MAIN for i in range(MAX_TOKENS + 1)}
    with pytest.raises(ValidationError, match=f"{MAX_TOKENS + 1:,} tokens; at most"):
        check_tokens(lab, role, too_many, now=NOW)
