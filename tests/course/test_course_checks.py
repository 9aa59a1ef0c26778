"""The judges: labels by value, policies by what they allow (iamlab.course.checks)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from iamlab.course.banks import load_banks
from iamlab.course.checks import judge
from iamlab.course.judging import Judge
from iamlab.course.keys import policy_key

BANKS = load_banks()


def key_of(assignment: str, part_id: str) -> dict[str, Any]:
    part = next(p for p in BANKS[assignment]["parts"] if p["id"] == part_id)
    return policy_key(part, part_id)


def allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


BARISTA_WORDED_DIFFERENTLY = policy(
    allow(["s3:GetObject"], ["arn:aws:s3:::coffee-recipes/*"]),
    allow("s3:ListBucket", "arn:aws:s3:::coffee-recipes"),
    allow(["sts:AssumeRole"], ["arn:aws:iam::111122223333:role/CoffeeMachineOperator"]),
)


def test_does_any_correct_policy_pass_whatever_its_wording() -> None:
    assert judge("policy", BARISTA_WORDED_DIFFERENTLY, key_of("ps02", "baristas")).passed


def test_does_the_feedback_name_the_request_that_went_wrong() -> None:
    too_broad = policy(
        allow("s3:*", "arn:aws:s3:::coffee-recipes*"),
        allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/*"),
    )
    verdict = judge("policy", too_broad, key_of("ps02", "baristas"))
    assert not verdict.passed
    text = verdict.message()
    assert "maria → s3:DeleteObject on arn:aws:s3:::coffee-recipes/latte.md" in text
    assert "role/BreakGlassAdmin" in text


def test_does_a_deny_statement_count_as_least_privilege() -> None:
    """A policy may grant broadly and take away with Deny: judged by effect, it passes."""
    broad_then_deny = policy(
        allow(
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
            ["arn:aws:s3:::coffee-invoices", "arn:aws:s3:::coffee-invoices/*"],
        ),
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    )
    assert judge("policy", broad_then_deny, key_of("ps02", "bookkeepers")).passed


def test_does_a_trust_policy_without_mfa_fail_naming_the_caller() -> None:
    no_mfa = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "sts:AssumeRole",
        }
    )
    verdict = judge("policy", no_mfa, key_of("ps03", "trust"))
    assert not verdict.passed
    assert "arn:aws:iam::444455556666:user/olu assumes role" in verdict.message()


def test_does_a_trust_policy_for_everyone_fail() -> None:
    anyone = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    )
    verdict = judge("policy", anyone, key_of("ps03", "trust"))
    assert not verdict.passed and "mallory" in verdict.message()


@pytest.mark.parametrize("answer", [None, "policy", [], {"Statement": "nope"}, {"Version": 1}])
def test_is_a_malformed_policy_a_failed_verdict_not_a_crash(answer: object) -> None:
    verdict = judge("policy", answer, key_of("ps02", "baristas"))
    assert not verdict.passed and verdict.summary


def test_does_the_labels_check_explain_each_wrong_scenario() -> None:
    key = {
        "expected": {"S01": "role", "S02": "root"},
        "titles": {"S01": "EC2 app"},
        "why": {"S01": "Instance profiles hand out role credentials."},
    }
    verdict = judge("labels", {"S01": "user", "S02": "root"}, key)
    assert not verdict.passed
    assert verdict.summary == "1 of 2 right"
    assert verdict.problems == (
        "S01 (EC2 app): you answered USER; the answer is ROLE. Instance profiles hand out role "
        "credentials.",
    )


def test_is_an_unknown_kind_a_failed_verdict() -> None:
    assert not judge("nonsense", {}, {}).passed
    assert not judge("labels", {}, "not a mapping").passed


def test_does_the_isolated_checker_agree_with_the_judge() -> None:
    key = key_of("ps02", "baristas")
    with Judge() as worker:
        assert worker.judge("policy", BARISTA_WORDED_DIFFERENTLY, key).passed
        assert not worker.judge("policy", {}, key).passed


def test_does_monkeypatching_iamlab_in_this_process_leave_the_isolated_checker_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The judging worker is a fresh `python -I`: a patched iamlab here cannot change it."""
    import iamlab
    import iamlab.course.checks as checks

    def always_allowed(self: object, *args: object, **kwargs: object) -> object:
        raise AssertionError("the patched evaluate must not be called")

    monkeypatch.setattr(iamlab.Lab, "evaluate", always_allowed)
    monkeypatch.setattr(checks, "judge", lambda *a, **k: checks.Verdict(passed=True, summary=""))
    with Judge() as worker:
        verdict = worker.judge(
            "policy", policy(allow("*", "*")), copy.deepcopy(key_of("ps02", "baristas"))
        )
    assert not verdict.passed


TOO_BROAD = {
    "NotAction": policy(
        allow("s3:ListBucket", "arn:aws:s3:::coffee-recipes"),
        {
            "Effect": "Allow",
            "NotAction": ["s3:PutObject", "s3:DeleteObject", "iam:*", "dynamodb:*"],
            "Resource": [
                "arn:aws:s3:::coffee-recipes/*",
                "arn:aws:iam::111122223333:role/CoffeeMachineOperator",
            ],
        },
    ),
    "NotResource": policy(
        allow("s3:GetObject", "arn:aws:s3:::coffee-recipes/*"),
        allow("s3:ListBucket", "arn:aws:s3:::coffee-recipes"),
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "NotResource": "arn:aws:iam::111122223333:role/BreakGlassAdmin",
        },
    ),
    "s3:*Object*": policy(
        allow("s3:*Object*", "arn:aws:s3:::coffee-recipes/*"),
        {"Effect": "Deny", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "*"},
        allow("s3:ListBucket", "arn:aws:s3:::coffee-recipes"),
        allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/CoffeeMachineOperator"),
    ),
    "role/Coffee*": policy(
        allow("s3:GetObject", "arn:aws:s3:::coffee-recipes/*"),
        allow("s3:ListBucket", "arn:aws:s3:::coffee-recipes"),
        allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/Coffee*"),
    ),
    "*:* with Denies": policy(
        allow("*", "*"),
        {
            "Effect": "Deny",
            "Action": ["s3:PutObject", "s3:DeleteObject", "iam:*", "dynamodb:*"],
            "Resource": "*",
        },
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": [
                "arn:aws:s3:::coffee-invoices/*",
                "arn:aws:s3:::coffee-recipes-backup/*",
                "arn:aws:iam::111122223333:role/BreakGlassAdmin",
            ],
        },
    ),
}


@pytest.mark.parametrize("name", sorted(TOO_BROAD))
def test_is_a_policy_that_passes_every_listed_request_but_allows_more_failed(name: str) -> None:
    """Judged by everything it allows (every s3/sts/iam/dynamodb action, siblings)."""
    verdict = judge("policy", TOO_BROAD[name], key_of("ps02", "baristas"))
    assert not verdict.passed
    assert "allows more than the task needs: maria → " in verdict.message()


def test_does_every_bank_solution_pass_the_breadth_check() -> None:
    for assignment in ("ps02", "ps03"):
        for part in BANKS[assignment]["parts"]:
            if part.get("type", "policy") == "policy":
                found: dict[str, Any] = {}
                exec(part["solution"], found)  # the instructor's own solution
                verdict = judge("policy", found[part["variable"]], key_of(assignment, part["id"]))
                assert verdict.passed, verdict.message()
                assert "nothing more is allowed" in verdict.summary


def test_is_a_trust_policy_naming_only_the_self_checks_users_failed() -> None:
    """Any supplier user with MFA: also one the self-check never names."""
    two_users = policy(
        {
            "Effect": "Allow",
            "Principal": {
                "AWS": [
                    "arn:aws:iam::444455556666:user/olu",
                    "arn:aws:iam::444455556666:user/kemi",
                ]
            },
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    )
    verdict = judge("policy", two_users, key_of("ps03", "trust"))
    assert not verdict.passed
    assert "should be allowed, but is denied: arn:aws:iam::444455556666:user/ada" in (
        verdict.message()
    )


def test_does_the_self_check_never_see_the_hidden_users() -> None:
    from iamlab.course.keys import examples_key

    key = key_of("ps03", "trust")
    assert "ada" not in str(examples_key(key))
