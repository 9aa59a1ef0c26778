"""Does every kind of bad lab or policy input raise a PolicyError that names the place?

Requirement: bad input gets a clear error naming the field and the problem, never a bare
KeyError, TypeError, AttributeError or a YAML/JSON library error.
Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import iamlab

ACCOUNT = "111122223333"


def good_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadRecipes",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::coffee-recipes/*",
            },
            {"Sid": "NoRefunds", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        ],
    }


def good_lab() -> dict[str, Any]:
    return {
        "account_id": ACCOUNT,
        "managed_policies": {"BaristaTools": good_policy()},
        "users": {
            "maria": {"groups": ["Baristas"], "inline_policies": {"NoRefunds": good_policy()}},
        },
        "groups": {"Baristas": {"managed_policies": ["BaristaTools"]}},
        "roles": {
            "CoffeeMachineOperator": {
                "trust_policy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "max_session_duration": 3600,
            }
        },
    }


def with_change(path: str, value: Any, *, delete: bool = False) -> dict[str, Any]:
    """A copy of good_lab() with one value (dotted path; [n] for list items) changed."""
    lab = copy.deepcopy(good_lab())
    node: Any = lab
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    key: Any = int(last) if isinstance(node, list) else last
    if delete:
        del node[key]
    else:
        node[key] = value
    return lab


NOREFUNDS = "users.maria.inline_policies.NoRefunds"
STMT = f"{NOREFUNDS}.Statement[1]"
TRUST = "roles.CoffeeMachineOperator.trust_policy"

# (id, lab, expected place, expected words in the problem)
LAB_CASES: list[tuple[str, Any, str, str]] = [
    ("lab-not-a-mapping", ["not", "a", "lab"], "lab", "mapping"),
    ("lab-without-accounts", {"users": {}}, "lab", "accounts"),
    ("unknown-top-level-key", {**good_lab(), "userz": {}}, "userz", "unknown key"),
    ("account-id-not-12-digits", {**good_lab(), "account_id": "1234"}, "account_id", "12-digit"),
    (
        "account-id-as-number-with-lost-zero",
        {**good_lab(), "account_id": 11122223333},
        "account_id",
        "12-digit",
    ),
    (
        "missing-effect",
        with_change(f"{STMT}.Effect", None, delete=True),
        f"{STMT}.Effect",
        "missing",
    ),
    (
        "effect-wrong-case",
        with_change(f"{STMT}.Effect", "deny"),
        f"{STMT}.Effect",
        "case-sensitive",
    ),
    ("effect-not-a-string", with_change(f"{STMT}.Effect", True), f"{STMT}.Effect", "Allow"),
    (
        "missing-action",
        with_change(f"{STMT}.Action", None, delete=True),
        f"{STMT}.Action",
        "missing",
    ),
    (
        "action-and-notaction",
        with_change(f"{STMT}.NotAction", "s3:*"),
        f"{STMT}.NotAction",
        "not both",
    ),
    (
        "action-without-service",
        with_change(f"{STMT}.Action", "GetObject"),
        f"{STMT}.Action",
        "service:ActionName",
    ),
    (
        "action-not-a-string",
        with_change(f"{STMT}.Action", 42),
        f"{STMT}.Action",
        "non-empty string",
    ),
    ("action-empty-list", with_change(f"{STMT}.Action", []), f"{STMT}.Action", "empty"),
    (
        "missing-resource",
        with_change(f"{STMT}.Resource", None, delete=True),
        f"{STMT}.Resource",
        "missing",
    ),
    (
        "resource-not-an-arn",
        with_change(f"{STMT}.Resource", "coffee-recipes"),
        f"{STMT}.Resource",
        "not an ARN",
    ),
    (
        "resource-bad-partition",
        with_change(f"{STMT}.Resource", "arn:amazon:s3:::x"),
        f"{STMT}.Resource",
        "partition",
    ),
    (
        "resource-bad-account",
        with_change(f"{STMT}.Resource", "arn:aws:iam::12ab:user/x"),
        f"{STMT}.Resource",
        "12-digit",
    ),
    (
        "principal-in-identity-policy",
        with_change(f"{STMT}.Principal", "*"),
        f"{STMT}.Principal",
        "cannot have Principal",
    ),
    (
        "unknown-statement-element",
        with_change(f"{STMT}.Actions", "s3:*"),
        f"{STMT}.Actions",
        "unknown statement element",
    ),
    (
        "unknown-condition-operator",
        with_change(f"{STMT}.Condition", {"StringEqualz": {"aws:username": "maria"}}),
        f"{STMT}.Condition.StringEqualz",
        "unknown condition operator",
    ),
    (
        "unknown-set-operator",
        with_change(f"{STMT}.Condition", {"ForEveryValue:StringEquals": {"aws:TagKeys": "a"}}),
        f"{STMT}.Condition.ForEveryValue:StringEquals",
        "set operator",
    ),
    (
        "condition-not-an-object",
        with_change(f"{STMT}.Condition", ["Bool"]),
        f"{STMT}.Condition",
        "object",
    ),
    (
        "condition-value-is-object",
        with_change(f"{STMT}.Condition", {"StringEquals": {"aws:username": {"a": 1}}}),
        f"{STMT}.Condition.StringEquals.aws:username",
        "string, number or boolean",
    ),
    (
        "numeric-condition-not-a-number",
        with_change(f"{STMT}.Condition", {"NumericLessThan": {"s3:max-keys": "ten"}}),
        f"{STMT}.Condition.NumericLessThan.s3:max-keys",
        "number",
    ),
    (
        "date-condition-not-a-date",
        with_change(f"{STMT}.Condition", {"DateLessThan": {"aws:CurrentTime": "tomorrow"}}),
        f"{STMT}.Condition.DateLessThan.aws:CurrentTime",
        "date",
    ),
    (
        "ip-condition-not-an-ip",
        with_change(f"{STMT}.Condition", {"IpAddress": {"aws:SourceIp": "300.1.2.3/8"}}),
        f"{STMT}.Condition.IpAddress.aws:SourceIp",
        "IP address",
    ),
    (
        "bool-condition-not-a-bool",
        with_change(f"{STMT}.Condition", {"Bool": {"aws:SecureTransport": "yes"}}),
        f"{STMT}.Condition.Bool.aws:SecureTransport",
        "true or false",
    ),
    (
        "null-with-ifexists",
        with_change(f"{STMT}.Condition", {"NullIfExists": {"aws:TokenIssueTime": "true"}}),
        f"{STMT}.Condition.NullIfExists",
        "IfExists",
    ),
    (
        "malformed-policy-variable",
        with_change(f"{STMT}.Resource", "arn:aws:s3:::b/${aws:user"),
        f"{STMT}.Resource",
        "policy variable",
    ),
    (
        "unknown-version",
        with_change(f"{NOREFUNDS}.Version", "2012-10-18"),
        f"{NOREFUNDS}.Version",
        "version",
    ),
    (
        "missing-statement",
        with_change(f"{NOREFUNDS}.Statement", None, delete=True),
        f"{NOREFUNDS}.Statement",
        "missing",
    ),
    (
        "empty-statement-list",
        with_change(f"{NOREFUNDS}.Statement", []),
        f"{NOREFUNDS}.Statement",
        "empty",
    ),
    (
        "statement-not-an-object",
        with_change(f"{NOREFUNDS}.Statement[0]", "Allow all"),
        f"{NOREFUNDS}.Statement[0]",
        "object",
    ),
    ("duplicate-sid", with_change(f"{STMT}.Sid", "ReadRecipes"), f"{STMT}.Sid", "duplicate"),
    ("sid-with-bad-characters", with_change(f"{STMT}.Sid", "no/slashes"), f"{STMT}.Sid", "Sid"),
    (
        "unknown-policy-element",
        with_change(f"{NOREFUNDS}.Statements", []),
        f"{NOREFUNDS}.Statements",
        "did you mean Statement",
    ),
    ("policy-not-an-object", with_change(NOREFUNDS, "allow everything"), NOREFUNDS, "JSON"),
    (
        "group-that-does-not-exist",
        with_change("users.maria.groups", ["Barista"]),
        "users.maria.groups[0]",
        "no group named 'Barista'",
    ),
    (
        "group-inside-a-group (a cycle or nesting)",
        with_change("groups.Baristas.groups", ["Baristas"]),
        "groups.Baristas.groups",
        "do not nest",
    ),
    (
        "groups-not-a-list",
        with_change("users.maria.groups", {"Baristas": True}),
        "users.maria.groups",
        "list",
    ),
    (
        "unknown-user-key",
        with_change("users.maria.password", "hunter2"),
        "users.maria.password",
        "unknown key",
    ),
    (
        "bad-user-name",
        {**good_lab(), "users": {"maria smith": {}}},
        "users.maria smith",
        "not a valid user name",
    ),
    (
        "managed-policy-that-does-not-exist",
        with_change("groups.Baristas.managed_policies", ["BaristaToolz"]),
        "groups.Baristas.managed_policies[0]",
        "no managed policy named 'BaristaToolz'",
    ),
    (
        "boundary-that-does-not-exist",
        with_change("users.maria.permissions_boundary", "Nope"),
        "users.maria.permissions_boundary",
        "no managed policy",
    ),
    ("role-without-trust-policy", with_change(f"{TRUST}", None, delete=True), TRUST, "missing"),
    (
        "group-as-principal-in-trust-policy",
        with_change(
            f"{TRUST}.Statement[0].Principal", {"AWS": f"arn:aws:iam::{ACCOUNT}:group/Baristas"}
        ),
        f"{TRUST}.Statement[0].Principal.AWS",
        "groups are not principals",
    ),
    (
        "trust-policy-without-principal",
        with_change(f"{TRUST}.Statement[0].Principal", None, delete=True),
        f"{TRUST}.Statement[0].Principal",
        "missing",
    ),
    (
        "trust-policy-with-resource",
        with_change(f"{TRUST}.Statement[0].Resource", "*"),
        f"{TRUST}.Statement[0].Resource",
        "no Resource",
    ),
    (
        "principal-with-partial-wildcard",
        with_change(f"{TRUST}.Statement[0].Principal", {"AWS": f"arn:aws:iam::{ACCOUNT}:user/*"}),
        f"{TRUST}.Statement[0].Principal.AWS",
        "wildcards",
    ),
    (
        "unknown-principal-type",
        with_change(f"{TRUST}.Statement[0].Principal", {"Group": "Baristas"}),
        f"{TRUST}.Statement[0].Principal.Group",
        "unknown principal type",
    ),
    (
        "bad-service-principal",
        with_change(f"{TRUST}.Statement[0].Principal", {"Service": "ec2"}),
        f"{TRUST}.Statement[0].Principal.Service",
        "service principal",
    ),
    (
        "notprincipal-with-allow",
        with_change(f"{TRUST}.Statement[0].NotPrincipal", {"AWS": "111122223333"}),
        f"{TRUST}.Statement[0].NotPrincipal",
        "not both",
    ),
    (
        "max-session-duration-too-long",
        with_change("roles.CoffeeMachineOperator.max_session_duration", 86400),
        "roles.CoffeeMachineOperator.max_session_duration",
        "43200",
    ),
    (
        "max-session-duration-not-a-number",
        with_change("roles.CoffeeMachineOperator.max_session_duration", "1h"),
        "roles.CoffeeMachineOperator.max_session_duration",
        "3600",
    ),
    (
        "tags-not-a-mapping",
        with_change("users.maria.tags", ["team=floor"]),
        "users.maria.tags",
        "mapping",
    ),
    ("bad-iam-path", with_change("users.maria.path", "staff"), "users.maria.path", "IAM path"),
    (
        "scp-not-a-list",
        {**good_lab(), "service_control_policies": good_policy()},
        "service_control_policies",
        "list",
    ),
    (
        "resource-key-not-an-arn",
        {**good_lab(), "resources": {"coffee-recipes": {"policy": good_policy()}}},
        "resources.coffee-recipes",
        "not an ARN",
    ),
    (
        "resource-policy-without-principal",
        {**good_lab(), "resources": {"arn:aws:s3:::coffee-recipes": {"policy": good_policy()}}},
        "resources.arn:aws:s3:::coffee-recipes.policy.Statement[0].Principal",
        "missing",
    ),
    (
        "resource-account-disagrees-with-arn",
        {
            **good_lab(),
            "resources": {
                "arn:aws:dynamodb:us-east-1:111122223333:table/Orders": {"account": "444455556666"}
            },
        },
        "resources.arn:aws:dynamodb:us-east-1:111122223333:table/Orders.account",
        "ARN says",
    ),
]


@pytest.mark.parametrize(
    ("data", "place", "words"), [pytest.param(d, p, w, id=i) for i, d, p, w in LAB_CASES]
)
def test_bad_lab_raises_policy_error_naming_the_place(data: Any, place: str, words: str) -> None:
    """Does this malformed lab raise a PolicyError whose message names the place and problem?"""
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Lab.from_dict(data)
    error = info.value
    assert error.place == place, str(error)
    assert words.lower() in error.problem.lower(), str(error)
    assert str(error).startswith(place)
    assert isinstance(error, ValueError) and isinstance(error, iamlab.IamlabError)


def test_there_are_at_least_forty_kinds_of_bad_input() -> None:
    """Do we test at least 40 distinct kinds of bad lab and policy input?"""
    assert len({case[0] for case in LAB_CASES}) + len(FILE_CASES) + len(API_CASES) >= 40


def test_the_unchanged_lab_is_valid() -> None:
    """Is the baseline lab the bad-input cases start from valid (so each case tests one flaw)?"""
    lab = iamlab.Lab.from_dict(good_lab())
    assert lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::coffee-recipes/a").allowed


# -- files --------------------------------------------------------------------------------

FILE_CASES: list[tuple[str, str, str, str]] = [
    (
        "invalid-yaml",
        "lab.yaml",
        "account_id: '111122223333'\nusers:\n  maria: [unclosed\n",
        "line 4",
    ),
    (
        "yaml-tab-indentation",
        "lab.yaml",
        "account_id: '111122223333'\nusers:\n\tmaria: {}\n",
        "line 3",
    ),
    ("invalid-json", "lab.json", '{"account_id": "111122223333",\n "users": {,}}', "line 2"),
    ("yaml-top-level-list", "lab.yaml", "- maria\n- diego\n", "mapping"),
    ("empty-file", "lab.yaml", "", "mapping"),
]


@pytest.mark.parametrize(
    ("name", "text", "words"), [pytest.param(n, t, w, id=i) for i, n, t, w in FILE_CASES]
)
def test_bad_lab_file_names_file_and_line(tmp_path: Path, name: str, text: str, words: str) -> None:
    """Does a lab file with a syntax error raise a PolicyError with the file and line?"""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Lab.load(path)
    assert str(path) in str(info.value)
    assert words in str(info.value)


def test_missing_lab_file_is_a_policy_error(tmp_path: Path) -> None:
    """Does a missing lab file give a PolicyError, not FileNotFoundError?"""
    with pytest.raises(iamlab.PolicyError, match="no such lab file"):
        iamlab.Lab.load(tmp_path / "nope.yaml")


def test_policy_from_invalid_json_names_the_line() -> None:
    """Does Policy.from_json report the line of a JSON syntax error?"""
    text = '{\n "Version": "2012-10-17",\n "Statement": [\n  {"Effect": "Allow",}\n ]\n}'
    with pytest.raises(iamlab.PolicyError, match="line 4"):
        iamlab.Policy.from_json(text, name="NoRefunds")


# -- API calls ------------------------------------------------------------------------------

API_CASES: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("unknown-user", {"principal": "mario"}, iamlab.UnknownPrincipalError, "no user named"),
    ("group-as-caller", {"principal": "Baristas"}, iamlab.ValidationError, "not principals"),
    (
        "group-arn-as-caller",
        {"principal": f"arn:aws:iam::{ACCOUNT}:group/Baristas"},
        iamlab.ValidationError,
        "not principals",
    ),
    (
        "service-as-caller",
        {"principal": "ec2.amazonaws.com"},
        iamlab.ValidationError,
        "assuming a role",
    ),
    ("action-without-colon", {"action": "GetObject"}, iamlab.ValidationError, "service:ActionName"),
    ("resource-not-an-arn", {"resource": "coffee-recipes"}, iamlab.ValidationError, "ARN"),
    ("naive-now", {"now": "naive"}, iamlab.ValidationError, "timezone-aware"),
    ("principal-not-a-string", {"principal": 42}, iamlab.ValidationError, "principal"),
]


@pytest.mark.parametrize(
    ("change", "error", "words"), [pytest.param(c, e, w, id=i) for i, c, e, w in API_CASES]
)
def test_bad_evaluate_call_raises_a_clear_error(
    change: dict[str, Any], error: type[Exception], words: str
) -> None:
    """Does a bad evaluate() argument raise an iamlab error that says what is wrong?"""
    from datetime import datetime

    lab = iamlab.Lab.from_dict(good_lab())
    call: dict[str, Any] = {
        "principal": "maria",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::coffee-recipes/a",
    }
    call.update(change)
    kwargs = {}
    if call.pop("now", None) == "naive":
        kwargs["now"] = datetime(2026, 11, 28, 9, 0)
    with pytest.raises(error, match=words) as info:
        lab.evaluate(call["principal"], call["action"], call["resource"], **kwargs)
    assert isinstance(info.value, iamlab.IamlabError)


def test_session_policy_with_principal_is_rejected() -> None:
    """Is a session policy checked like any policy (no Principal allowed), naming the place?"""
    lab = iamlab.Lab.from_dict(good_lab())
    bad = good_policy()
    bad["Statement"][0]["Principal"] = "*"
    with pytest.raises(iamlab.PolicyError) as info:
        lab.assume_role("maria", "CoffeeMachineOperator", session_policy=bad)
    assert info.value.place == "session_policy.Statement[0].Principal"


def test_policy_errors_survive_a_json_round_trip_of_the_message() -> None:
    """Is the error message plain text (so a widget or grader can show it as is)?"""
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Lab.from_dict(with_change(f"{STMT}.Effect", "deny"))
    assert json.loads(json.dumps(str(info.value))) == str(info.value)
