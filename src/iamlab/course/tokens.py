"""A trust policy judged by the OpenID Connect tokens it admits and refuses (ps04, part A).

The task: a deployment role that only the main branch of one repository may assume from
GitHub Actions (``sts:AssumeRoleWithWebIdentity``). The answer is placed in a small lab and
judged through the engine (:func:`iamlab.model.federation.check_tokens`, the trust check of
``AssumeRoleWithWebIdentity``), outside the learner's kernel, by the grade cell's key
(:mod:`iamlab.course.keys`):

1. the bank's listed tokens, each with what it must come to (allowed or refused): the
   feedback names every token that went wrong; only the tokens the bank marks ``public``
   (both stated in the task) are in the visible self-check, the others stay in the key;
2. breadth, a whole space of tokens: every repository the task's could be confused with (a
   fork, a sibling, a name that only begins the same) x every kind of job (branches, tags,
   pull requests, environments, other events) x every audience the providers list x every
   OIDC provider of the lab x with and without session tags or a source identity. A token
   must be admitted exactly when it is a job of the task's branch of the task's repository,
   for ``sts.amazonaws.com``, asking for nothing more than the role;
3. then every IAM principal of the lab's accounts and AWS services calling ``sts:AssumeRole``
   on the role (:func:`iamlab.course.breadth.over_broad`): none may get in.

Key (kind ``tokens``): ``{"lab", "place", "role", "tokens": [{"label", "claims", "expect",
"why"}], "breadth": {"tokens": [...], "callers": ..., ...}}``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from iamlab.course.banks import BankError, need
from iamlab.course.breadth import trust_breadth
from iamlab.course.cells import code, grade_cell, literal, markdown, part_title, slug, solution_cell
from iamlab.course.checks import Verdict, fail, judge
from iamlab.model.claims import SOURCE_IDENTITY_CLAIM, TAGS_CLAIM
from iamlab.model.github_actions import AUDIENCE, ISSUER, github_actions_token

KIND = "tokens"
_EXTRAS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("", {}),
    (" with session tags", {TAGS_CLAIM: {"principal_tags": {"team": ["deploy"]}}}),
    (" with a source identity", {SOURCE_IDENTITY_CLAIM: "deploy-bot"}),
)


# -- the key --------------------------------------------------------------------------------


def bank_token(raw: Mapping[str, Any], repository: str, where: str) -> dict[str, Any]:
    """The claims of one bank token: GitHub Actions' unless ``issuer`` names another provider."""
    claims = github_actions_token(
        str(raw.get("repository", repository)),
        ref=str(raw.get("ref", "refs/heads/main")),
        event=str(raw.get("event", "pull_request" if "/pull/" in str(raw.get("ref")) else "push")),
        environment=raw.get("environment"),
        audience=str(raw.get("audience", AUDIENCE)),
    )
    if raw.get("issuer"):
        claims["iss"] = str(raw["issuer"])
    if raw.get("expect") not in ("allow", "deny"):
        raise BankError(f"{where}: expect is 'allow' or 'deny', got {raw.get('expect')!r}")
    return claims


def tokens_key(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The answer key of a tokens part (the bank's listed tokens, the breadth space)."""
    lab = dict(need(part, "lab", where))
    repository = str(need(part, "repository", where))
    branch = str(part.get("branch", "main"))
    tokens = []
    for i, raw in enumerate(need(part, "tokens", where)):
        place = f"{where}: tokens[{i}]"
        token = {
            "label": str(need(raw, "label", place)),
            "claims": bank_token(raw, repository, place),
            "expect": raw["expect"],
        }
        if raw.get("why"):
            token["why"] = str(raw["why"])
        if raw.get("public"):
            token["public"] = True
        tokens.append(token)
    role = str(need(part, "role", where))
    breadth = trust_breadth(lab, {"role": role, "scope": [], "must": []})
    breadth["tokens"] = token_space(lab, repository, branch)
    return {
        "lab": lab,
        "place": [str(p) for p in need(part, "place", where)],
        "role": role,
        "tokens": tokens,
        "breadth": breadth,
    }


def token_space(lab: Mapping[str, Any], repository: str, branch: str) -> list[dict[str, Any]]:
    """Every token the breadth check tries, each with whether it must be admitted."""
    owner, _, name = repository.partition("/")
    repositories = [repository, f"{owner}-fan/{name}", f"{owner}/website", f"{repository}-old"]
    jobs: list[tuple[str, dict[str, Any]]] = [
        (f"a push to {branch}", {"ref": f"refs/heads/{branch}"}),
        (f"a scheduled run on {branch}", {"ref": f"refs/heads/{branch}", "event": "schedule"}),
        ("a push to another branch", {"ref": "refs/heads/try-new-syrup"}),
        (f"a push to {branch}-old", {"ref": f"refs/heads/{branch}-old"}),
        (f"the tag {branch}", {"ref": f"refs/tags/{branch}"}),
        ("the tag v1.2", {"ref": "refs/tags/v1.2"}),
        ("a pull request", {"ref": "refs/pull/17/merge", "event": "pull_request"}),
        ("an environment job", {"ref": f"refs/heads/{branch}", "environment": "production"}),
    ]
    providers: dict[str, list[str]] = {}
    for account in dict(lab.get("accounts", {})).values():
        oidc = dict(dict(account.get("identity_providers") or {}).get("oidc") or {})
        for host, body in oidc.items():
            providers[f"https://{host}"] = [str(a) for a in dict(body or {}).get("audiences", ())]
    out = []
    for issuer, audiences in providers.items():
        for repo in repositories:
            for job, args in jobs:
                for audience in audiences:
                    for extra_text, extra in _EXTRAS:
                        claims = github_actions_token(repo, audience=audience, **args)
                        claims["iss"] = issuer
                        claims.update(copy.deepcopy(extra))
                        admit = (
                            issuer == ISSUER
                            and repo == repository
                            and "environment" not in args
                            and args["ref"] == f"refs/heads/{branch}"
                            and audience == AUDIENCE
                            and not extra
                        )
                        host = issuer.removeprefix("https://")
                        label = f"{job} of {repo}, from {host}, for {audience}{extra_text}"
                        out.append({"label": label, "claims": claims, "admit": admit})
    return out


def public_key(key: Mapping[str, Any]) -> dict[str, Any]:
    """The visible self-check's key: the same lab, only the public tokens, no breadth."""
    small = {k: key[k] for k in ("lab", "place", "role")}
    small["tokens"] = [t for t in key["tokens"] if t.get("public")]
    return small


# -- the judge ------------------------------------------------------------------------------


def judge_tokens(answer: object, key: Mapping[str, Any]) -> Verdict:
    """Judge a trust policy by the tokens of ``key`` (never raises: see checks.judge)."""
    import iamlab
    from iamlab.course.breadth import over_broad
    from iamlab.model.federation import check_tokens

    shape = judge("policy-shape", answer, {"policy_kind": "trust"})
    if not shape.passed:
        return shape
    lab_data = copy.deepcopy(dict(key["lab"]))
    node = lab_data
    place = list(key["place"])
    for step in place[:-1]:
        node = node.setdefault(step, {})
    node[place[-1]] = answer
    try:
        lab = iamlab.Lab.from_dict(lab_data)
        role = lab.role(str(key["role"]))
    except iamlab.IamlabError as error:
        return fail("the trust policy could not be given to the role", str(error))
    listed = list(key.get("tokens", ()))
    verdicts = check_tokens(lab, role, {str(i): t["claims"] for i, t in enumerate(listed)})
    problems = []
    for i, token in enumerate(listed):
        admitted, reason = _outcome(verdicts[str(i)])
        why = f" ({token['why']})" if token.get("why") else ""
        if token["expect"] == "allow" and not admitted:
            problems.append(f"should be admitted, but is refused: {_text(token)}{why}: {reason}")
        elif token["expect"] == "deny" and admitted:
            problems.append(f"should be refused, but is admitted: {_text(token)}{why}")
    total = len(listed)
    if problems:
        return Verdict(
            passed=False,
            summary=f"{total - len(problems)} of {total} tokens come out as they should",
            problems=tuple(problems),
        )
    breadth = key.get("breadth") or {}
    space = list(breadth.get("tokens", ()))
    if space:
        checked = check_tokens(lab, role, {str(i): t["claims"] for i, t in enumerate(space)})
        for i, token in enumerate(space):
            admitted, reason = _outcome(checked[str(i)])
            if admitted and not token["admit"]:
                return fail(
                    f"all {total} listed tokens come out as they should, but the trust policy "
                    f"is judged by every token it admits",
                    f"admits more than the task asks: {_text(token)}",
                )
            if token["admit"] and not admitted:
                return fail(
                    f"all {total} listed tokens come out as they should, but the trust policy "
                    f"is judged by every token it admits",
                    f"should be admitted, but is refused: {_text(token)}: {reason}",
                )
    if breadth.get("callers"):
        problem = over_broad(lab, breadth)
        if problem is not None:
            return fail(
                f"all {total} listed tokens come out as they should, but the trust policy is "
                f"judged by everyone it lets in",
                problem,
            )
    more = f", and nothing more gets in ({len(space)} more tokens, the lab's principals)"
    return Verdict(
        passed=True, summary=f"all {total} tokens come out as they should{more if breadth else ''}"
    )


def _outcome(result: object) -> tuple[bool, str]:
    """(admitted?, why not) for one token's Decision or error."""
    from iamlab.model.claims import claim_checks

    if isinstance(result, Exception):
        return False, _short(str(result))
    allowed = bool(getattr(result, "allowed", False))
    failed = [c for c in claim_checks(result) if not c.held]  # type: ignore[arg-type]
    if failed:
        first = failed[0]
        return allowed, _short(f"the condition {first.condition} does not hold for {first.value!r}")
    return allowed, str(getattr(result, "result", "refused"))


def _short(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _text(token: Mapping[str, Any]) -> str:
    claims = token["claims"]
    return f"{token['label']} (sub {claims.get('sub')!r}, aud {claims.get('aud')!r})"


# -- the cells ------------------------------------------------------------------------------


def tokens_part_cells(
    index: int, part: Mapping[str, Any], where: str, keys: dict[str, Any]
) -> list[Any]:
    from iamlab.course.keys import entry

    variable = need(part, "variable", where)
    points = int(need(part, "points", where))
    grade_id = need(part, "grade_id", where)
    key = tokens_key(part, where)
    pid = slug(str(part.get("id", variable)))
    shape = {"policy_kind": "trust"}
    cells = [
        markdown(
            f"part-{pid}",
            "\n".join(
                [
                    part_title(index, need(part, "title", where), points),
                    "",
                    str(need(part, "task", where)).strip(),
                    "",
                    f"Write the trust policy as a dict named `{variable}`. It is graded by the "
                    "tokens it admits and refuses, more than the self-check tries, and by "
                    "everyone else it would let in.",
                ]
            ),
        ),
        solution_cell(
            f"answer_{pid}",
            need(part, "solution", where),
            f'# {variable} = {{"Version": "2012-10-17", "Statement": [...]}}',
        ),
        code(
            f"self-check-{pid}",
            "# Self-check: is a push to main admitted, and a pull request refused?\n"
            f'review("{KIND}", {variable}, {literal(public_key(key))})',
        ),
        grade_cell(
            grade_id,
            need(part, "check", where),
            points,
            f'check("policy-shape", {variable}, {literal(shape)})',
        ),
    ]
    keys[grade_id] = entry("policy-shape", ("policy-shape", shape), (KIND, key))
    return cells
