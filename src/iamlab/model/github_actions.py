"""The OIDC tokens GitHub Actions hands a workflow job, as plain claims.

https://docs.github.com/en/actions/reference/openid-connect-reference (claims, ``sub`` formats)
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html

GitHub builds ``sub`` from where the job runs: ``repo:OWNER/REPO:ref:refs/heads/BRANCH`` for
a push to a branch, ``repo:OWNER/REPO:pull_request`` for a pull request,
``repo:OWNER/REPO:environment:NAME`` for a job that uses an environment. The audience is
``sts.amazonaws.com`` when the official ``aws-actions/configure-aws-credentials`` action asks
for the token. Only the claims a lesson needs are made; no signature is modelled.
"""

from __future__ import annotations

from typing import Any

ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"


def github_actions_token(
    repository: str,
    *,
    ref: str = "refs/heads/main",
    event: str = "push",
    environment: str | None = None,
    audience: str = AUDIENCE,
    workflow: str = "deploy.yml",
) -> dict[str, Any]:
    """The claims of a token for a job of ``repository`` (``OWNER/REPO``)."""
    if environment is not None:
        sub = f"repo:{repository}:environment:{environment}"
    elif event == "pull_request":
        sub = f"repo:{repository}:pull_request"
    else:
        sub = f"repo:{repository}:ref:{ref}"
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": audience,
        "sub": sub,
        "repository": repository,
        "repository_owner": repository.split("/", 1)[0],
        "ref": ref,
        "event_name": event,
        "job_workflow_ref": f"{repository}/.github/workflows/{workflow}@{ref}",
    }
    if environment is not None:
        claims["environment"] = environment
    return claims


def sample_tokens(repository: str, *, branch: str = "main") -> dict[str, dict[str, Any]]:
    """Four tokens a lesson compares: the deploy branch, a pull request, a fork, a branch."""
    owner = repository.split("/", 1)[0]
    return {
        f"{branch} branch": github_actions_token(repository, ref=f"refs/heads/{branch}"),
        "a pull request": github_actions_token(
            repository, ref="refs/pull/17/merge", event="pull_request"
        ),
        "another repository": github_actions_token(
            f"{owner}-fan/{repository.split('/', 1)[-1]}", ref=f"refs/heads/{branch}"
        ),
        "another branch": github_actions_token(repository, ref="refs/heads/try-new-syrup"),
    }
