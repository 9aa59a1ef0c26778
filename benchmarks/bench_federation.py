"""Federated sign-in speed: a web-identity assume plus one request under the session, per
second, beside the same for a plain AssumeRole (and an Identity Center sign-in).

The engine's decisions/s on the existing mix is benchmarks/bench_engine.py; federation must
not slow it down by more than 5% (issue 12). Run with ``make bench``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import iamlab
from iamlab.model.github_actions import github_actions_token

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ACCOUNT = "111122223333"
GITHUB = "token.actions.githubusercontent.com"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:RecipeBackup"
MAIN = "repo:coffee-shop/recipe-backup:ref:refs/heads/main"
DEPLOY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": FUNCTION}],
}


def federation_lab() -> iamlab.Lab:
    """One account: a deploy role for GitHub Actions, the same role for an IAM user, and an
    Identity Center permission set with the same permissions."""
    oidc = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"
    return iamlab.Lab.from_dict(
        {
            "account_id": ACCOUNT,
            "identity_providers": {"oidc": {GITHUB: {"audiences": ["sts.amazonaws.com"]}}},
            "users": {
                "deployer": {
                    "inline_policies": {
                        "Assume": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
                            ],
                        }
                    }
                }
            },
            "roles": {
                "GitHubDeploy": {
                    "trust_policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Federated": oidc},
                                "Action": "sts:AssumeRoleWithWebIdentity",
                                "Condition": {
                                    "StringEquals": {
                                        f"{GITHUB}:aud": "sts.amazonaws.com",
                                        f"{GITHUB}:sub": MAIN,
                                    }
                                },
                            }
                        ],
                    },
                    "inline_policies": {"Deploy": DEPLOY},
                },
                "UserDeploy": {
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
                    "inline_policies": {"Deploy": DEPLOY},
                },
            },
            "identity_center": {
                "users": {"maria": {}},
                "permission_sets": {"Deploy": {"inline_policy": DEPLOY}},
                "assignments": [{"account": ACCOUNT, "permission_set": "Deploy", "user": "maria"}],
            },
        }
    )


def per_second(step: Callable[[], Any], *, seconds: float = 2.0) -> float:
    """How many times ``step`` runs per second of this process's CPU time."""
    step()  # warm-up
    done = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        for _ in range(50):
            step()
        done += 50
    return done / (time.process_time() - started)


def main() -> None:
    lab = federation_lab()
    token = github_actions_token("coffee-shop/recipe-backup")

    def plain() -> None:
        session = lab.assume_role("deployer", "UserDeploy", session_name="run", now=NOW)
        assert lab.evaluate(session, "lambda:UpdateFunctionCode", FUNCTION, now=NOW).allowed

    def web_identity() -> None:
        session = lab.assume_role_with_web_identity(
            "GitHubDeploy", token=token, session_name="run", now=NOW
        )
        assert lab.evaluate(session, "lambda:UpdateFunctionCode", FUNCTION, now=NOW).allowed

    def sign_in() -> None:
        session = lab.sign_in("maria", permission_set="Deploy", now=NOW)
        assert lab.evaluate(session, "lambda:UpdateFunctionCode", FUNCTION, now=NOW).allowed

    rates = {
        "AssumeRole (IAM user)": per_second(plain),
        "AssumeRoleWithWebIdentity (OIDC)": per_second(web_identity),
        "Identity Center sign-in (SAML)": per_second(sign_in),
    }
    base = rates["AssumeRole (IAM user)"]
    for name, rate in rates.items():
        print(
            f"{name:34} + one request under the session: {rate:8,.0f}/s "
            f"({rate / base:.2f}x plain AssumeRole)"
        )
