"""Does hostile input get a documented error (or the documented decision), never a crash?

Each attack sits beside an honest control that shows the same path works for good input.
Timing and memory targets for these attacks are in benchmarks/bench_engine.py, not here.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import iamlab
from iamlab.model.documents import MAX_TEXT
from iamlab.model.lint import LINT_FAILED, lint_policy
from iamlab.model.matching import Glob, glob_match
from iamlab.model.matrix import access_matrix
from iamlab.model.variables import parse_template
from iamlab.safe_repr import safe_repr

ACCOUNT = "111122223333"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def policy(*statements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements), **extra}


def allow(resource: Any = "*", action: Any = "s3:GetObject", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def lab_with(document: dict[str, Any], *, tags: dict[str, str] | None = None) -> iamlab.Lab:
    user: dict[str, Any] = {"inline_policies": {"Edited": document}}
    if tags:
        user["tags"] = tags
    return iamlab.Lab.from_dict({"account_id": ACCOUNT, "users": {"maria": user}})


def deep_list(levels: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(levels):
        node.append([])
        node = node[0]
    return root


def cycle() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


# -- wildcards: a request value is never a live wildcard -------------------------------------


def test_a_star_in_a_tag_value_matches_only_a_star() -> None:
    """Does ${aws:PrincipalTag/team} = "*" match the bucket "team-*" only, never "team-other"?

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    (a variable is replaced by the request's value; wildcards belong to the policy author)
    """
    document = policy(allow("arn:aws:s3:::team-${aws:PrincipalTag/team}/*"))
    lab = lab_with(document, tags={"team": "*"})
    assert lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::team-*/a", now=NOW).allowed
    assert not lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::team-x/a", now=NOW).allowed


def test_a_request_value_in_stringlike_is_literal() -> None:
    """Is "*a*a*b" from the request compared literally in StringLike, not as a pattern?"""
    condition = {"StringLike": {"aws:PrincipalTag/project": "${aws:PrincipalTag/team}"}}
    lab = lab_with(policy(allow(Condition=condition)), tags={"team": "*a*a*b", "project": "xaxab"})
    assert not lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::b/k", now=NOW).allowed
    control = lab_with(policy(allow(Condition=condition)), tags={"team": "x*", "project": "x*"})
    assert control.evaluate("maria", "s3:GetObject", "arn:aws:s3:::b/k", now=NOW).allowed


def test_literal_star_variable_is_a_plain_star() -> None:
    """Does ${*} match a "*" in the resource and nothing else (policy variables page)?"""
    lab = lab_with(policy(allow("arn:aws:s3:::a${*}b")))
    assert lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::a*b", now=NOW).allowed
    assert not lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::axb", now=NOW).allowed


@pytest.mark.parametrize("char", ["\x00", "\x01", "\u202e", "\U0001f600", "\x7f\u0100"])
def test_characters_outside_what_aws_allows_are_refused(char: str) -> None:
    """Is a NUL, \\x01, an RTL override or an emoji in a policy refused, naming the place?

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names
    """
    with pytest.raises(iamlab.PolicyError) as info:
        lab_with(policy(allow(f"arn:aws:s3:::a{char}b")))
    assert info.value.place.endswith("Statement[0].Resource")
    assert "U+" in info.value.problem


def test_tab_and_latin1_are_allowed() -> None:
    """Are tab, line feed and é (U+00E9) accepted, as the quotas page says?"""
    condition = {"StringEquals": {"aws:PrincipalTag/team": "caf\u00e9\tbar\n"}}
    lab = lab_with(policy(allow(Condition=condition)), tags={"team": "caf\u00e9\tbar\n"})
    assert lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::b/k", now=NOW).allowed


def test_pieces_keep_wildcards_apart_from_literal_text() -> None:
    """Does a Glob match * and ? only in live pieces?"""
    glob = Glob((("a*", True), ("*?", False), ("?", True)))
    assert glob("aXYZ*?!")
    assert not glob("aXYZxy!")
    assert glob_match("*a*a*a*b", "xaxaxab") and not glob_match("*a*a*a*b", "aaaa")


def test_many_stars_give_the_right_answer() -> None:
    """Do patterns that made the old regex backtrack still match exactly?"""
    assert not glob_match("*a" * 40 + "*b", "a" * 100)
    assert glob_match("*a" * 40 + "*b", "a" * 100 + "b")
    assert glob_match("?*" * 50, "x" * 50) and not glob_match("?*" * 50, "x" * 49)


def test_policy_variable_parsing_refuses_an_unterminated_run() -> None:
    """Is '${' x 50,000 refused as unterminated (and a good template split correctly)?"""
    with pytest.raises(iamlab.PolicyError, match="unterminated"):
        parse_template("${" * 50_000, "Resource")
    template = parse_template("a${aws:username}b${*}c", "Resource")
    assert template.render({"aws:username": "m*"}) == "am*b*c"


# -- bounded rendering of bad values ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [deep_list(10_000), 10**5000, "x" * 1_000_000, cycle(), {"k" * 10_000: [1] * 10_000}],
    ids=["deep-list", "huge-int", "megabyte-string", "cycle", "wide-dict"],
)
def test_safe_repr_is_short_and_never_raises(value: object) -> None:
    """Is the rendering of a hostile value at most 120 characters?"""
    assert len(safe_repr(value)) <= 120


def test_safe_repr_survives_a_broken_repr() -> None:
    """Does an object whose __repr__ raises still render?"""

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert safe_repr(Broken()) == "<Broken>"
    assert safe_repr("short") == "'short'"


@pytest.mark.parametrize(
    "effect",
    [deep_list(10_000), 10**5000, "x" * 1_000_000, cycle()],
    ids=["deep-list", "huge-int", "megabyte-string", "cycle"],
)
def test_error_messages_show_a_bounded_value(effect: object) -> None:
    """Does a hostile Effect give a PolicyError with a short message (no RecursionError)?"""
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Policy.from_dict(policy({"Effect": effect, "Action": "s3:*", "Resource": "*"}))
    assert len(str(info.value)) < 600


BILLION_LAUGHS = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def test_billion_laughs_yaml_is_refused(tmp_path: Path) -> None:
    """Is a sub-kilobyte YAML whose aliases expand to 10^9 values refused, not expanded?"""
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert path.stat().st_size < 1024
    with pytest.raises(iamlab.PolicyError, match="more than 500,000 values"):
        iamlab.Lab.load(path)


def test_a_yaml_alias_of_a_policy_still_works(tmp_path: Path) -> None:
    """Control: is a small alias (one policy used twice) still accepted?"""
    path = tmp_path / "alias.yaml"
    path.write_text(
        f"account_id: '{ACCOUNT}'\nusers:\n"
        "  maria: {inline_policies: {Read: &read {Version: '2012-10-17', Statement: "
        "[{Effect: Allow, Action: 's3:GetObject', Resource: '*'}]}}}\n"
        "  diego: {inline_policies: {Read: *read}}\n",
        encoding="utf-8",
    )
    lab = iamlab.Lab.load(path)
    assert lab.evaluate("diego", "s3:GetObject", "arn:aws:s3:::b/k", now=NOW).allowed


def test_a_lab_file_over_the_ceiling_is_refused(tmp_path: Path) -> None:
    """Is a lab file over the documented ceiling refused before it is parsed?"""
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * MAX_TEXT + f"\naccount_id: '{ACCOUNT}'\n", encoding="utf-8")
    with pytest.raises(iamlab.PolicyError, match="more than iamlab reads"):
        iamlab.Lab.load(path)


def test_a_cyclic_or_deep_lab_dict_is_refused() -> None:
    """Is a lab mapping that contains itself, or 10,000 levels, refused with a PolicyError?"""
    looped: dict[str, Any] = {"account_id": ACCOUNT}
    looped["users"] = {"maria": {"tags": looped}}
    with pytest.raises(iamlab.PolicyError, match="levels deep"):
        iamlab.Lab.from_dict(looped)
    with pytest.raises(iamlab.PolicyError, match="levels deep"):
        iamlab.Lab.from_dict({"account_id": ACCOUNT, "users": {"maria": deep_list(10_000)}})


# -- condition values that cannot be read ---------------------------------------------------
# Policy side: refused (IAM policy validation: a value whose type does not match its operator
# is an error). Request side: the value does not match, so the condition is false (true when
# negated). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html


@pytest.mark.parametrize(
    "value",
    ["1e400", "nan", "inf", "\u00b2", 1e400, float("nan"), "9" * 5000],
    ids=["1e400-text", "nan-text", "inf-text", "superscript-two", "inf", "nan", "5000-nines"],
)
def test_numeric_policy_values_aws_cannot_read_are_refused(value: object) -> None:
    """Is NumericLessThan with inf, nan, '²' or 1e400 refused with the place?"""
    condition = {"NumericLessThan": {"s3:max-keys": value}}
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Policy.from_dict(policy(allow(Condition=condition)))
    assert "Condition" in info.value.place


@pytest.mark.parametrize(
    "value",
    ["\u00b2", "1e400", "nan", 10**400, float("inf"), "1_000"],
    ids=["superscript-two", "1e400-text", "nan-text", "huge-int", "inf", "underscores"],
)
def test_numeric_request_values_aws_cannot_read_do_not_match(value: object) -> None:
    """Does a request value like '²' or 1e400 make NumericLessThan false, NotEquals true?"""
    less = lab_with(policy(allow(Condition={"NumericLessThan": {"s3:max-keys": "10"}})))
    other = lab_with(policy(allow(Condition={"NumericNotEquals": {"s3:max-keys": "10"}})))
    context = {"s3:max-keys": value}
    resource = "arn:aws:s3:::b"
    assert not less.evaluate("maria", "s3:GetObject", resource, context=context, now=NOW).allowed
    assert other.evaluate("maria", "s3:GetObject", resource, context=context, now=NOW).allowed
    good = {"s3:max-keys": "5"}
    assert less.evaluate("maria", "s3:GetObject", resource, context=good, now=NOW).allowed


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+14:00", "9" * 30, "2026-02-30T00:00:00Z", "\u00b2", 1e300]
)
def test_date_request_values_out_of_range_do_not_match(value: object) -> None:
    """Does a date request value out of range make DateLessThan false, not OverflowError?"""
    lab = lab_with(
        policy(allow(Condition={"DateLessThan": {"aws:TokenIssueTime": "2030-01-01T00:00:00Z"}}))
    )
    context = {"aws:TokenIssueTime": value}
    decision = lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::b", context=context, now=NOW)
    assert not decision.allowed
    good = {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}
    assert lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::b", context=good, now=NOW).allowed


@pytest.mark.parametrize(
    "now",
    [
        datetime.max.replace(tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(9999, 12, 31, tzinfo=timezone(timedelta(hours=-14))),
    ],
)
def test_now_out_of_range_is_a_validation_error(now: datetime) -> None:
    """Is a now near datetime.max (or min) refused with a ValidationError naming now?"""
    lab = lab_with(policy(allow()))
    with pytest.raises(iamlab.ValidationError, match="now"):
        lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::b", now=now)


# -- documents and wrong types -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [b"\xff\xfe", "[" * 100_000, '{"Version": NaN}', "1" * 5000],
    ids=["not-utf8", "deep", "nan", "huge-number"],
)
def test_policy_from_json_bad_text_is_a_policy_error(text: str | bytes) -> None:
    """Does Policy.from_json with bad bytes, deep nesting, NaN or a huge number raise
    PolicyError?"""
    with pytest.raises(iamlab.PolicyError):
        iamlab.Policy.from_json(text)


def test_policy_from_json_accepts_utf8_bytes() -> None:
    """Control: does UTF-8 bytes JSON parse?"""
    assert iamlab.Policy.from_json(json.dumps(policy(allow())).encode()).statements


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 1, 1), {1, 2}, cycle(), deep_list(10_000), b"x"],
    ids=["datetime", "set", "cycle", "deep", "bytes"],
)
def test_non_json_values_in_a_policy_are_refused(value: object) -> None:
    """Is an Id or a session policy value that JSON cannot hold refused with the place?"""
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Policy.from_dict(policy(allow(), Id=value))
    assert ".Id" in info.value.place or info.value.place == "policy"
    lab = lab_with(policy(allow("*", "sts:AssumeRole")))
    with pytest.raises(iamlab.IamlabError):
        lab.assume_role("maria", "x", session_policy=policy(allow(Sid=value)), now=NOW)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda lab: lab.evaluate("maria", "s3:GetObject", "*", context=["x"]), "context"),
        (lambda lab: lab.evaluate(["maria"], "s3:GetObject", "*"), "principal"),
        (lambda lab: lab.evaluate("maria", {"a": 1}, "*"), "action"),
        (lambda lab: lab.evaluate("maria", "s3:GetObject", None), "resource"),
        (lambda lab: lab.evaluate("maria", "s3:GetObject", "*", now="2026"), "now"),
        (lambda lab: lab.evaluate("maria", "s3:GetObject", "*", context={1: "a"}), "context"),
        (lambda lab: lab.evaluate("maria", "s3:GetObject", "*", context={"k": object()}), "k"),
        (lambda lab: lab.assume_role("maria", "R", context="x"), "context"),
        (lambda lab: lab.assume_role("maria", "R", duration_seconds="1h"), "duration_seconds"),
        (lambda lab: lab.assume_role("maria", "R", session_policy=42), "session_policy"),
        (lambda lab: lab.with_inline_policy("maria", {"Version": "2012-10-17"}), "policy"),
        (lambda lab: lab.user(None), "name"),
        (lambda lab: iamlab.Lab.load(None), "path"),
        (lambda lab: iamlab.Lab.load(b"labs/coffee-shop.yaml"), "path"),
        (lambda lab: access_matrix(None, ["maria"], ["s3:GetObject"], ["*"]), "lab"),
        (lambda lab: access_matrix(lab, "maria", ["s3:GetObject"], ["*"]), "principals"),
        (lambda lab: iamlab.Policy.from_json(42), "text"),
        (lambda lab: lint_policy(42), "document"),
    ],
)
def test_wrong_types_raise_argument_type_error_naming_the_parameter(
    call: Any, parameter: str
) -> None:
    """Is a wrong-typed argument an ArgumentTypeError (a ValidationError and a TypeError)
    whose message names the parameter?"""
    lab = lab_with(policy(allow()))
    with pytest.raises(iamlab.ValidationError) as info:
        call(lab)
    assert isinstance(info.value, TypeError) and isinstance(info.value, iamlab.IamlabError)
    assert parameter in str(info.value)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda lab: iamlab.Lab.load("labs/a\x00b.yaml"), "NUL"),
        (lambda lab: iamlab.Policy.from_dict(policy(allow()), kind="nonsense"), "kind"),
        (lambda lab: lab.evaluate("m" * 10_000, "s3:GetObject", "*"), "principal"),
        (lambda lab: access_matrix(lab, ["a"] * 1000, ["b"] * 1000, ["c"] * 1000), "cells"),
    ],
)
def test_wrong_values_raise_validation_error(call: Any, words: str) -> None:
    """Is a wrong value (not type) a ValidationError that says what is wrong?"""
    lab = lab_with(policy(allow()))
    with pytest.raises(iamlab.ValidationError, match=words):
        call(lab)


def test_session_remaining_with_a_naive_now_is_a_validation_error() -> None:
    """Does Session.remaining(now=<naive>) raise ValidationError, not TypeError from '-'?"""
    trust = policy({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"})
    lab = iamlab.Lab.from_dict(
        {
            "account_id": ACCOUNT,
            "users": {"maria": {"inline_policies": {"A": policy(allow("*", "sts:AssumeRole"))}}},
            "roles": {"Barista": {"trust_policy": trust}},
        }
    )
    session = lab.assume_role("maria", "Barista", now=NOW)
    with pytest.raises(iamlab.ValidationError, match="timezone-aware"):
        session.remaining(datetime(2026, 11, 28, 9, 30))
    assert session.remaining(NOW + timedelta(minutes=30)) == timedelta(minutes=30)


# -- lint never fails its caller ---------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        policy(allow(Sid=None)),
        policy(allow(action="s3:ListBucket", Condition={"NumericLessThan": {"s3:max-keys": 10}})),
        {"Version": "2012-10-17", "Statement": 5},
        policy(allow(), Id=deep_list(50)),
    ],
    ids=["sid-null", "number-value", "statement-5", "deep-id"],
)
def test_lint_failure_becomes_a_warning(document: dict[str, Any]) -> None:
    """Does a document parliament cannot read give the warning "lint could not run"?"""
    findings = lint_policy(document)
    assert [f.issue for f in findings] == [LINT_FAILED]
    assert findings[0].title.startswith("lint could not run")


def test_lint_still_lints_a_good_policy() -> None:
    """Control: does an unknown action still get parliament's finding?"""
    findings = lint_policy(policy(allow(action="s3:GetObjekt")))
    assert findings and LINT_FAILED not in {f.issue for f in findings}


def test_recursion_limit_is_untouched() -> None:
    """Do the checks work without raising Python's recursion limit?"""
    assert sys.getrecursionlimit() <= 10_000


@pytest.mark.parametrize(
    "text",
    ["[" * 50_000 + "]" * 50_000, "{a: " * 10_000, "- " * 100_000 + "x"],
    ids=["flow-lists", "flow-mappings", "block-lists"],
)
def test_deeply_nested_yaml_is_refused_without_crashing(tmp_path: Path, text: str) -> None:
    """Is YAML nested 10,000+ levels refused with its line (libyaml would overflow the C
    stack composing it, killing the kernel)?"""
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(iamlab.PolicyError, match="nested more than 64 levels") as info:
        iamlab.Lab.load(path)
    assert "line 1" in str(info.value)


@pytest.mark.parametrize("name", ["mar\u00eda", "\u0645\u0627\u0631\u064a\u0627", "maria\u200b"])
def test_iam_names_are_ascii(name: str) -> None:
    """Is a user name with non-ASCII letters refused? (IAM names are alphanumeric plus
    +=,.@_- : https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)"""
    with pytest.raises(iamlab.PolicyError, match="not a valid user name"):
        iamlab.Lab.from_dict({"account_id": ACCOUNT, "users": {name: {}}})
    assert iamlab.Lab.from_dict({"account_id": ACCOUNT, "users": {"maria.garcia": {}}})


def test_a_fifo_or_a_folder_is_not_read_as_a_lab(tmp_path: Path) -> None:
    """Is a named pipe (which would block forever) or a folder refused as a lab file?"""
    import os

    fifo = tmp_path / "lab.yaml"
    os.mkfifo(fifo)
    with pytest.raises(iamlab.PolicyError, match="regular file"):
        iamlab.Lab.load(fifo)
    with pytest.raises(iamlab.PolicyError, match="regular file"):
        iamlab.Lab.load(tmp_path)
