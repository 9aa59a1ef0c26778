"""ps04: a trust policy judged by the GitHub Actions tokens it admits (iamlab.course.tokens),
and Identity Center sign-ins predicted against what iamlab decides (iamlab.course.sign_ins).

The rules the grader relies on are the engine's, each tested against its page in tests/model:
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html (the trust
policy of a role for GitHub Actions: a condition on ``sub``, on ``aud``) and
https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html (a
permission set assigned in an account becomes a role, ``AWSReservedSSO_...``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from iamlab.course.banks import load_banks
from iamlab.course.checks import judge
from iamlab.course.keys import read_keys
from iamlab.course.sign_ins import REFUSED, sign_in_key
from iamlab.course.tokens import public_key, tokens_key

ROOT = Path(__file__).resolve().parents[2]
BANK = load_banks()["ps04"]
PARTS = {p["id"]: p for p in BANK["parts"]}
KEY = tokens_key(PARTS["deploy"], "deploy")
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SUB = "token.actions.githubusercontent.com:sub"
AUD = "token.actions.githubusercontent.com:aud"
MAIN = "repo:coffee-shop/recipe-backup:ref:refs/heads/main"


def solution() -> dict[str, Any]:
    found: dict[str, Any] = {}
    exec(PARTS["deploy"]["solution"], found)  # the instructor's own solution
    return copy.deepcopy(found["trust_policy"])


def trust(condition: dict[str, Any], action: object = "sts:AssumeRoleWithWebIdentity") -> Any:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": GITHUB},
                "Action": action,
                "Condition": condition,
            }
        ],
    }


def test_does_the_instructors_solution_pass_every_token_and_the_breadth() -> None:
    verdict = judge("tokens", solution(), KEY)
    assert verdict.passed, verdict.message()
    assert f"{len(KEY['breadth']['tokens'])} more tokens" in verdict.summary


def test_does_a_correct_policy_pass_whatever_its_wording() -> None:
    """StringLike without a wildcard, a list of one value, keys in another case: same policy."""
    worded = trust(
        {
            "StringLike": {SUB.upper(): [MAIN]},
            "StringEquals": {AUD: ["sts.amazonaws.com"]},
        },
        action=["sts:AssumeRoleWithWebIdentity"],
    )
    verdict = judge("tokens", worded, KEY)
    assert verdict.passed, verdict.message()


def test_does_the_feedback_name_each_token_the_classic_no_sub_policy_admits() -> None:
    """The classic mistake: no ``sub`` condition, so any repository's job gets the role."""
    verdict = judge("tokens", trust({"StringEquals": {AUD: "sts.amazonaws.com"}}), KEY)
    assert not verdict.passed
    text = verdict.message()
    assert verdict.summary == "4 of 12 tokens come out as they should"
    assert "should be refused, but is admitted: a fork's main (coffee-shop-fan/recipe-backup)" in (
        text
    )
    assert "should be refused, but is admitted: a pull request" in text


@pytest.mark.parametrize(
    ("condition", "named"),
    [
        ({"StringLike": {SUB: "repo:coffee-shop/recipe-backup:*"}}, "a pull request"),
        ({"StringLike": {SUB: MAIN + "*"}}, "a push to the branch main-old"),
        ({"StringLike": {SUB: "repo:coffee-shop/recipe-backup*:ref:refs/heads/main"}}, "-old"),
        ({"StringLike": {SUB: "repo:coffee-shop/*:ref:refs/heads/main"}}, "coffee-shop/website"),
        ({"StringLike": {SUB: "repo:coffee-shop/recipe-backup:*main"}}, "the tag refs/tags/main"),
    ],
)
def test_is_each_too_loose_sub_pattern_failed_with_the_token_it_admits(
    condition: dict[str, Any], named: str
) -> None:
    condition = {**condition, "StringEquals": {AUD: "sts.amazonaws.com"}}
    verdict = judge("tokens", trust(condition), KEY)
    assert not verdict.passed
    assert "should be refused, but is admitted" in verdict.message()
    assert named in verdict.message()


def test_is_a_policy_without_an_audience_condition_failed() -> None:
    verdict = judge("tokens", trust({"StringEquals": {SUB: MAIN}}), KEY)
    assert not verdict.passed
    assert "GitHub's default audience https://github.com/coffee-shop" in verdict.message()


def test_is_a_policy_refusing_the_main_branch_failed_with_the_reason() -> None:
    wrong = trust({"StringEquals": {SUB: "repo:coffee-shop/recipe-backup:ref:refs/heads/master"}})
    verdict = judge("tokens", wrong, KEY)
    assert not verdict.passed
    text = verdict.message()
    assert "should be admitted, but is refused: a push to main" in text
    assert "does not hold for 'repo:coffee-shop/recipe-backup:ref:refs/heads/main'" in text


def test_is_a_policy_naming_another_provider_failed() -> None:
    both = solution()
    both["Statement"][0]["Principal"]["Federated"] = [
        GITHUB,
        "arn:aws:iam::111122223333:oidc-provider/gitlab.com",
    ]
    both["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/gitlab.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
        }
    )
    verdict = judge("tokens", both, KEY)
    assert not verdict.passed
    assert "a gitlab.com token whose sub copies GitHub's" in verdict.message()


@pytest.mark.parametrize("extra", ["sts:TagSession", "sts:SetSourceIdentity"])
def test_is_a_policy_allowing_more_actions_failed_by_the_breadth_check(extra: str) -> None:
    """The listed tokens all pass; the token space has tokens asking for tags / a source id."""
    more = solution()
    more["Statement"][0]["Action"] = ["sts:AssumeRoleWithWebIdentity", extra]
    verdict = judge("tokens", more, KEY)
    assert not verdict.passed
    assert verdict.summary.startswith("all 12 listed tokens come out as they should")
    assert "admits more than the task asks: a push to main of coffee-shop/recipe-backup" in (
        verdict.message()
    )


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": "arn:aws:iam::111122223333:root"},
        {"AWS": "arn:aws:iam::999988887777:user/mallory"},
        {"Service": "lambda.amazonaws.com"},
        "*",
    ],
)
def test_is_a_policy_that_also_lets_in_other_principals_failed(principal: object) -> None:
    more = solution()
    more["Statement"].append(
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    )
    verdict = judge("tokens", more, KEY)
    assert not verdict.passed
    assert "allows more than the task asks: " in verdict.message()


@pytest.mark.parametrize(
    "answer",
    [None, "trust me", [], {}, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}],
)
def test_is_a_malformed_answer_failed_with_a_reason_not_a_crash(answer: object) -> None:
    verdict = judge("tokens", answer, KEY)
    assert not verdict.passed
    assert verdict.summary


def test_does_the_self_check_see_only_the_public_tokens() -> None:
    """The hidden tokens stay in the key; the self-check has the two the task states."""
    public = public_key(KEY)
    assert [t["label"] for t in public["tokens"]] == ["a push to main", "a pull request"]
    assert "breadth" not in public
    shown = {t["claims"]["sub"] for t in public["tokens"]}
    for folder in ("source", "release"):
        text = (ROOT / folder / "ps04" / "ps04.ipynb").read_text("utf-8")
        for token in KEY["tokens"]:
            if not token.get("public"):
                assert token["label"] not in text
            if folder == "release" and token["claims"]["sub"] not in shown:
                assert token["claims"]["sub"] not in text
    assert judge("tokens", solution(), public).passed


def test_is_the_built_key_the_banks_key() -> None:
    """keys/ps04.json (make release) holds the tokens and breadth the bank gives."""
    built = read_keys(ROOT, "ps04")["test_trust_policy_admits_only_the_main_branch"]
    assert built["checks"][-1] == {"kind": "tokens", "key": json.loads(json.dumps(KEY))}


def test_are_the_sign_in_answers_computed_from_the_lab() -> None:
    key = sign_in_key(PARTS["roles"], ROOT, "roles")
    role = key["expected"]["R1"]
    assert role.startswith("AWSReservedSSO_Barista_")
    assert key["expected"]["R2"] == role  # one role per permission set and account
    assert key["expected"]["R3"].startswith("AWSReservedSSO_Bookkeeping_")
    assert key["expected"]["R4"] == REFUSED
    assert role in key["choices"] and "GitHubDeploy" in key["choices"]
    assert "not assigned" in key["why"]["R4"]


def test_does_a_wrong_sign_in_answer_fail_naming_the_right_role() -> None:
    key = sign_in_key(PARTS["roles"], ROOT, "roles")
    answer = dict(key["expected"], R2="Barista")
    verdict = judge("labels", answer, key)
    assert not verdict.passed
    assert "R2 (diego signs in with the permission set Barista): you answered 'Barista'" in (
        verdict.message()
    )
    assert repr(key["expected"]["R2"]) in verdict.message()


def test_is_a_backtracking_sub_pattern_judged_not_held() -> None:
    """Two dozen ``*`` and a tail no token has, over the 300 tokens: judged, and failed."""
    hostile = trust({"StringLike": {SUB: "*r" * 24 + "zz-no-such-tail", AUD: "*"}})
    verdict = judge("tokens", hostile, KEY)
    assert not verdict.passed
    assert "should be admitted, but is refused: a push to main" in verdict.message()


def test_does_the_report_count_each_listed_token() -> None:
    """`make report`: per token, did the class's trust policy admit or refuse it rightly?"""
    from nbformat.notebooknode import from_dict

    from iamlab.course.grading import ANSWER_MIME
    from iamlab.course.report import item_results

    no_sub = trust({"StringEquals": {AUD: "sts.amazonaws.com"}})
    data = {ANSWER_MIME: {"kind": "policy-shape", "answer": no_sub}, "text/plain": "<answer>"}
    cell = from_dict({"outputs": [{"output_type": "display_data", "metadata": {}, "data": data}]})
    entry = {"checks": [{"kind": "tokens", "key": KEY}]}
    results = item_results(cell, entry, judge)
    assert len(results) == len(KEY["tokens"])
    assert results["allow: a push to main"] is True
    assert results["deny: a pull request"] is False
    assert sum(results.values()) == 4
