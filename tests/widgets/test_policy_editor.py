"""The policy editor, driven headless: type JSON, read the status, lint and effect table."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from widget_text import text

import iamlab
from iamlab.widgets import PolicyEditor

LATTE = "arn:aws:s3:::coffee-recipes/latte.md"
INVOICE = "arn:aws:s3:::coffee-invoices/2026-11.pdf"
REQUESTS = [("s3:GetObject", LATTE), ("s3:GetObject", INVOICE)]


def policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


READ_RECIPES = policy(
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": LATTE}
)


@pytest.fixture
def editor(coffee_shop_lab: iamlab.Lab, nine_am: datetime) -> PolicyEditor:
    return PolicyEditor(
        READ_RECIPES,
        lab=coffee_shop_lab,
        principal="alex",
        requests=REQUESTS,
        context={"aws:SecureTransport": True},
        now=nine_am,
    )


def test_valid_policy_shows_its_effect(editor: PolicyEditor) -> None:
    """Does a valid policy show as valid, and the table say what it changes for alex?"""
    assert editor.policy is not None
    assert "✔ Valid policy" in text(editor.status.value)
    (_, _, before, after), (_, _, inv_before, inv_after) = editor.results
    assert isinstance(before, iamlab.Decision) and isinstance(after, iamlab.Decision)
    assert (before.result, after.result) == ("ImplicitlyDenied", "Allowed")
    assert isinstance(inv_before, iamlab.Decision) and isinstance(inv_after, iamlab.Decision)
    assert inv_before.result == inv_after.result == "Allowed"  # alex is a bookkeeper already
    table = text(editor.table.value)
    assert "Without this policy" in table and "changed" in table
    assert table.count("changed") == 1


def test_each_edit_re_evaluates(editor: PolicyEditor) -> None:
    """Does an edit that denies the invoices turn that row into an explicit deny?"""
    editor.editor.value = policy(
        {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::coffee-invoices/*"}
    )
    after = editor.results[1][3]
    assert isinstance(after, iamlab.Decision)
    assert after.result == "ExplicitlyDenied"
    assert "✖ Explicitly denied" in text(editor.table.value)


def test_invalid_json_shows_line_and_column(editor: PolicyEditor) -> None:
    """Does broken JSON show an inline error with its line and column, not a traceback?"""
    editor.editor.value = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect" "Allow"}\n  ]\n}'
    )
    status = text(editor.status.value)
    assert "Invalid JSON" in status
    assert "line 4, column 15" in status
    assert '{"Effect" "Allow"}' in status  # the offending line is quoted
    assert editor.policy is None
    assert editor.results == []
    assert editor.table.value == ""


def test_policy_error_shows_the_place(editor: PolicyEditor) -> None:
    """Does a policy AWS would reject show the place of the problem?"""
    editor.editor.value = policy({"Effect": "Alow", "Action": "s3:*", "Resource": "*"})
    status = text(editor.status.value)
    assert "AWS would reject this policy" in status
    assert "Statement[0].Effect" in status
    assert "case-sensitive" in status
    assert editor.policy is None


def test_lint_warnings_are_listed(editor: PolicyEditor) -> None:
    """Does a misspelt action (valid JSON, never matches) show up as a lint warning?"""
    assert "No lint warnings" in text(editor.lint.value)
    editor.editor.value = policy({"Effect": "Allow", "Action": "s3:GetObjct", "Resource": "*"})
    assert editor.policy is not None
    assert any(f.issue == "UNKNOWN_ACTION" for f in editor.findings)
    assert "s3:GetObjct" in text(editor.lint.value)


def test_fixing_the_json_brings_everything_back(editor: PolicyEditor) -> None:
    """After an error, does valid JSON show the status and the table again?"""
    editor.editor.value = "{"
    editor.editor.value = READ_RECIPES
    assert editor.error == ""
    assert "✔ Valid policy" in text(editor.status.value)
    assert len(editor.results) == 2


def test_the_lab_itself_is_unchanged(coffee_shop_lab: iamlab.Lab, editor: PolicyEditor) -> None:
    """Is the edited policy added to a copy, leaving the original lab as it was?"""
    decision = coffee_shop_lab.evaluate(
        "alex", "s3:GetObject", LATTE, context={"aws:SecureTransport": True}
    )
    assert decision.result == "ImplicitlyDenied"


def test_without_a_lab_the_policy_stands_alone(nine_am: datetime) -> None:
    """Without a lab, is the policy evaluated for a user who has nothing else?"""
    ed = PolicyEditor(READ_RECIPES, requests=[("s3:GetObject", LATTE)], now=nine_am)
    (_, _, before, after) = ed.results[0]
    assert isinstance(before, iamlab.Decision) and isinstance(after, iamlab.Decision)
    assert (before.result, after.result) == ("ImplicitlyDenied", "Allowed")


def test_a_lab_as_a_dict_works(nine_am: datetime) -> None:
    """Can the lab be given in the lab format (a dict) instead of a Lab?"""
    data = {"account_id": "111122223333", "users": {"sam": {}}}
    ed = PolicyEditor(READ_RECIPES, lab=data, requests=[("s3:GetObject", LATTE)], now=nine_am)
    assert ed.principal_name == "sam"
    after = ed.results[0][3]
    assert isinstance(after, iamlab.Decision) and after.allowed


def test_a_role_can_receive_the_policy(coffee_shop_lab: iamlab.Lab, nine_am: datetime) -> None:
    """Can the policy be attached to a role (evaluated as the role's session)?"""
    ed = PolicyEditor(
        READ_RECIPES,
        lab=coffee_shop_lab,
        principal="role/PartnerAuditor",
        requests=[("s3:GetObject", LATTE)],
        context={"aws:SecureTransport": True},
        now=nine_am,
    )
    before, after = ed.results[0][2:]
    assert isinstance(before, iamlab.Decision) and isinstance(after, iamlab.Decision)
    assert (before.result, after.result) == ("ImplicitlyDenied", "Allowed")


def test_unknown_principal_is_a_readable_error(
    coffee_shop_lab: iamlab.Lab, nine_am: datetime
) -> None:
    """Does an unknown principal show a readable error where the table would be?"""
    ed = PolicyEditor(
        READ_RECIPES, lab=coffee_shop_lab, principal="nobody", requests=REQUESTS, now=nine_am
    )
    assert "Cannot attach the policy" in text(ed.table.value)
    assert "nobody" in ed.error


def test_lab_with_inline_policy_adds_one_policy(coffee_shop_lab: iamlab.Lab) -> None:
    """Does the copy give the user exactly one more inline policy, and nothing else?"""
    parsed = iamlab.Policy.from_json(READ_RECIPES, name="Extra")
    copy = coffee_shop_lab.with_inline_policy("maria", parsed)
    assert len(copy.user("maria").policies) == len(coffee_shop_lab.user("maria").policies) + 1
    assert copy.user("diego") is coffee_shop_lab.user("diego")
    assert copy.resources == coffee_shop_lab.resources
