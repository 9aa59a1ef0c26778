"""The judges: pure functions from (plain answer, answer key) to a :class:`Verdict`.

Every graded check in the course is one call ``judge(kind, answer, key)``. The answer is plain
JSON data (see :mod:`iamlab.course.answers`); the key is plain data written into the hidden
test by the instructor's notebook. Judges never raise: a malformed answer is a failed verdict
whose message says what to fix. Policies are judged by what they do, through ``iamlab``: any
policy that allows the required requests and none of the forbidden ones passes.

Kinds:

``labels``       {"expected": {id: label}, "titles": {id: str}, "why": {id: str}}
``label-shape``  {"ids": [id, ...], "labels": [label, ...]}  (present and well formed only)
``policy``       {"lab": lab-dict, "place": [key, ...], "policy_kind": str,
                  "requests": [{"principal", "action", "resource", "context", "expect", "why"}],
                  "assume": [{"caller", "role", "context", "external_id", "expect", "why"}]}
``policy-shape`` {"policy_kind": str}  (parses as a policy; not judged)
``tokens``       a trust policy judged by OIDC tokens: see :mod:`iamlab.course.tokens`
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from iamlab.course.labels import label_name


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The outcome of one check: passed or not, a one-line summary and the details."""

    passed: bool
    summary: str
    problems: tuple[str, ...] = field(default_factory=tuple)

    def message(self) -> str:
        """The text a learner sees: the summary, then one line per problem."""
        return "\n".join([self.summary, *(f"  - {p}" for p in self.problems)])

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "summary": self.summary, "problems": list(self.problems)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        return cls(
            passed=data["passed"] is True,
            summary=str(data["summary"]),
            problems=tuple(str(p) for p in data.get("problems", ())),
        )


def fail(summary: str, *problems: str) -> Verdict:
    return Verdict(passed=False, summary=summary, problems=problems)


def judge(kind: object, answer: object, key: object) -> Verdict:
    """Judge ``answer`` against ``key``; never raises."""
    judges = {
        "labels": _labels,
        "label-shape": _label_shape,
        "policy": _policy,
        "policy-shape": _policy_shape,
        "tokens": _tokens,
    }
    if not isinstance(kind, str) or kind not in judges:
        return fail(f"the grader has no check of kind {kind!r} (a broken test cell?)")
    if not isinstance(key, Mapping):
        return fail("the test cell's answer key is not a mapping (a broken test cell?)")
    try:
        return judges[kind](answer, key)
    except Exception as error:  # a judge must never crash the grading run
        return fail(f"the answer could not be judged: {type(error).__name__}: {error}")


# ---------------------------------------------------------------------- labels (ps01, ps03)


def _label_shape(answer: object, key: Mapping[str, Any]) -> Verdict:
    ids = [str(i) for i in key.get("ids", ())]
    allowed = list(key.get("labels", ()))
    if not isinstance(answer, dict):
        return fail(f"expected a dict like {{{ids[0]!r}: ...}}, got {type(answer).__name__}")
    problems = []
    missing = [i for i in ids if i not in answer]
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    for i in ids:
        if i in answer and answer[i] not in allowed:
            names = ", ".join(label_name(a) for a in allowed)
            problems.append(f"{i}: {label_name(answer[i])} is not one of {names}")
    if problems:
        return fail("the answers are not all there, or not all labels", *problems)
    return Verdict(passed=True, summary=f"{len(ids)} answers, each a valid label")


def _labels(answer: object, key: Mapping[str, Any]) -> Verdict:
    expected: Mapping[str, str] = key["expected"]
    titles: Mapping[str, str] = key.get("titles", {})
    why: Mapping[str, str] = key.get("why", {})
    if not isinstance(answer, dict):
        return fail(f"expected a dict of answers, got {type(answer).__name__}")
    wrong = []
    for sid, want in expected.items():
        got = answer.get(sid)
        if got != want:
            title = f" ({titles[sid]})" if sid in titles else ""
            got_text = "no answer" if sid not in answer else f"you answered {label_name(got)}"
            reason = f" {why[sid]}" if sid in why else ""
            wrong.append(f"{sid}{title}: {got_text}; the answer is {label_name(want)}.{reason}")
    right = len(expected) - len(wrong)
    summary = f"{right} of {len(expected)} right"
    if wrong:
        return Verdict(passed=False, summary=summary, problems=tuple(wrong))
    return Verdict(passed=True, summary=summary)


# ---------------------------------------------------------------------- policies (ps02, ps03)


def _tokens(answer: object, key: Mapping[str, Any]) -> Verdict:
    """ps04: a trust policy judged by OIDC tokens (:mod:`iamlab.course.tokens`)."""
    from iamlab.course.tokens import judge_tokens

    return judge_tokens(answer, key)


def _parse(answer: object, policy_kind: str) -> Verdict | None:
    import iamlab

    if not isinstance(answer, dict):
        return fail(
            f"a policy is a dict like {{'Version': '2012-10-17', 'Statement': [...]}},"
            f" got {type(answer).__name__}"
        )
    try:
        iamlab.Policy.from_dict(answer, name="your policy", kind=policy_kind)  # type: ignore[arg-type]
    except iamlab.IamlabError as error:
        return fail("the policy is not valid", str(error))
    return None


def _policy_shape(answer: object, key: Mapping[str, Any]) -> Verdict:
    bad = _parse(answer, str(key.get("policy_kind", "identity")))
    return bad or Verdict(passed=True, summary="the policy is well formed")


def _place(lab: dict[str, Any], place: Sequence[str], answer: object) -> None:
    node = lab
    for part in place[:-1]:
        node = node.setdefault(part, {})
    node[place[-1]] = answer


def _describe(req: Mapping[str, Any], who_key: str) -> str:
    extra = ""
    if req.get("context"):
        extra = " with " + ", ".join(f"{k}={v}" for k, v in req["context"].items())
    if req.get("external_id"):
        extra += f" with external ID {req['external_id']}"
    if "role" in req:
        return f"{req[who_key]} assumes role {req['role']}{extra}"
    return f"{req[who_key]} → {req['action']} on {req['resource']}{extra}"


def _policy(answer: object, key: Mapping[str, Any]) -> Verdict:
    import iamlab

    bad = _parse(answer, str(key.get("policy_kind", "identity")))
    if bad is not None:
        return bad
    lab_data = copy.deepcopy(dict(key["lab"]))
    breadth = key.get("breadth") or {}
    _add_hidden_users(lab_data, breadth.get("hidden_users", {}))
    _place(lab_data, list(key["place"]), answer)
    try:
        lab = iamlab.Lab.from_dict(lab_data)
    except iamlab.IamlabError as error:
        return fail("the policy could not be attached", str(error))
    problems: list[str] = []
    total = 0
    allowed: bool
    result: str
    for req in key.get("requests", ()):
        total += 1
        try:
            decision = lab.evaluate(
                req["principal"], req["action"], req["resource"], context=req.get("context") or None
            )
            allowed, result = decision.allowed, decision.result
        except iamlab.IamlabError as error:
            allowed, result = False, f"error: {error}"
        _compare(problems, req, allowed, result, _describe(req, "principal"))
    for req in key.get("assume", ()):
        total += 1
        try:
            lab.assume_role(
                req["caller"],
                req["role"],
                context=req.get("context") or None,
                external_id=req.get("external_id"),
            )
            allowed, result = True, "Allowed"
        except iamlab.AccessDeniedError as error:
            allowed = False
            result = error.decision.result if error.decision is not None else "AccessDenied"
        except iamlab.IamlabError as error:
            allowed, result = False, f"error: {error}"
        _compare(problems, req, allowed, result, _describe(req, "caller"))
    if problems:
        return Verdict(
            passed=False,
            summary=f"{total - len(problems)} of {total} requests come out as they should",
            problems=tuple(problems),
        )
    if breadth:
        from iamlab.course.breadth import over_broad

        problem = over_broad(lab, breadth)
        if problem is not None:
            return fail(
                f"all {total} listed requests come out as they should, but the policy is "
                f"judged by everything it allows",
                problem,
            )
        return Verdict(
            passed=True,
            summary=f"all {total} requests come out as they should, and nothing more is allowed",
        )
    return Verdict(passed=True, summary=f"all {total} requests come out as they should")


def _add_hidden_users(lab: dict[str, Any], hidden: Mapping[str, Sequence[str]]) -> None:
    """Users the self-check never names, with the same policies as the account's first user."""
    for account, names in hidden.items():
        users = lab.get("accounts", {}).get(account, {}).setdefault("users", {})
        template: dict[str, Any] = copy.deepcopy(next(iter(users.values()), {}))
        for name in names:
            users.setdefault(name, copy.deepcopy(template))


def _compare(
    problems: list[str], req: Mapping[str, Any], allowed: bool, result: str, text: str
) -> None:
    want_allowed = req["expect"] == "allow"
    if allowed == want_allowed:
        return
    why = f" ({req['why']})" if req.get("why") else ""
    if want_allowed:
        problems.append(f"should be allowed, but is {result}: {text}{why}")
    else:
        problems.append(f"should be denied, but is allowed: {text}{why}")
