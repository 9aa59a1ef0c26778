"""The federation explorer, driven headless: edit the trust policy, pick tokens, see who gets in."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from widget_text import text

import iamlab
from iamlab.model.github_actions import github_actions_token, sample_tokens
from iamlab.widgets.federation_explorer import FederationExplorer

LAB = Path(__file__).resolve().parents[2] / "labs" / "coffee-shop-sign-in.yaml"
MAIN_SUB = "repo:coffee-shop/recipe-backup:ref:refs/heads/main"


@pytest.fixture
def explorer(nine_am: datetime) -> FederationExplorer:
    tokens = sample_tokens("coffee-shop/recipe-backup")
    tokens["a token for another audience"] = github_actions_token(
        "coffee-shop/recipe-backup", audience="https://github.com/coffee-shop"
    )
    return FederationExplorer(iamlab.Lab.load(LAB), "GitHubDeploy", tokens, now=nine_am)


def _verdicts(x: FederationExplorer) -> dict[str, bool | str]:
    return {name: d if isinstance(d, str) else d.allowed for name, d in x.decisions.items()}


def test_the_well_made_policy_lets_only_main_in(explorer: FederationExplorer) -> None:
    """With the lab's trust policy, does only the main-branch token get in?"""
    verdicts = _verdicts(explorer)
    assert verdicts["main branch"] is True
    assert verdicts["a pull request"] is False
    assert verdicts["another repository"] is False
    assert verdicts["another branch"] is False
    assert "Incorrect token audience" in str(verdicts["a token for another audience"])
    summary = text(explorer.summary.value)
    assert "main branch✔ gets in" in summary
    assert "a pull request○ refusedsub does not match" in summary


def test_picking_a_token_shows_its_claims_and_why(explorer: FederationExplorer) -> None:
    """Does choosing the pull request show its sub and the failing condition?"""
    explorer.token.value = "a pull request"
    assert "repo:coffee-shop/recipe-backup:pull_request" in text(explorer.claims.value)
    assert "refused" in text(explorer.outcome.value)
    assert "FAILED" in text(explorer.explanation.value)


def test_removing_the_sub_condition_lets_everyone_in(explorer: FederationExplorer) -> None:
    """Without the sub condition, do all tokens for the audience get in, with a warning?"""
    edited = explorer.policy.value.replace(
        f',\n          "token.actions.githubusercontent.com:sub": "{MAIN_SUB}"', ""
    )
    assert edited != explorer.policy.value
    explorer.policy.value = edited
    verdicts = _verdicts(explorer)
    assert [verdicts[k] for k in list(verdicts)[:4]] == [True, True, True, True]
    explorer.token.value = "another repository"
    assert "careless" in text(explorer.outcome.value)
    assert "Warning" in text(explorer.explanation.value)


def test_invalid_json_is_an_error_and_reset_restores(explorer: FederationExplorer) -> None:
    """Is invalid JSON shown as an error (no traceback), and does Reset bring the policy back?"""
    explorer.policy.value = '{"Version": "2012-10-17", "Statement": ['
    assert "not valid" in text(explorer.outcome.value)
    assert explorer.decisions == {}
    explorer.reset_button.click()
    assert _verdicts(explorer)["main branch"] is True


def test_the_lab_is_not_changed(explorer: FederationExplorer) -> None:
    """Does editing the draft leave the role in the lab and its sessions untouched?"""
    before = explorer.role.trust_policy
    explorer.policy.value = explorer.policy.value.replace("StringEquals", "StringLike")
    assert explorer.lab.role("GitHubDeploy").trust_policy is before
    assert explorer.lab.sessions() == []
