"""Lint warnings for policies, from parliament (Duo Labs' IAM policy linter).

Parsing errors are :class:`~iamlab.errors.PolicyError`; lint findings are *warnings*: a
policy with an unknown action is valid JSON that AWS accepts but that never matches anything.
https://github.com/duo-labs/parliament
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iamlab.arguments import check_lab, check_text, wrong_type
from iamlab.errors import PolicyError
from iamlab.model.documents import load_json
from iamlab.model.quotas import RESOURCE_CEILING, policy_size
from iamlab.safe_repr import safe_repr

if TYPE_CHECKING:
    from iamlab.model.lab import Lab
    from iamlab.model.principals import Group, Role, User


@dataclass(frozen=True, slots=True, kw_only=True)
class LintFinding:
    """One warning: parliament's issue code, a readable title and detail, and where."""

    issue: str  # e.g. UNKNOWN_ACTION
    severity: str  # parliament's: LOW, MEDIUM, HIGH, CRITICAL, INVALID
    title: str
    detail: str
    place: str

    def __str__(self) -> str:
        where = f"{self.place}: " if self.place else ""
        return f"{where}{self.title} — {self.detail} [{self.issue}, {self.severity}]"


LINT_FAILED = "LINT_COULD_NOT_RUN"


def lint_policy(
    document: Mapping[str, Any] | str, *, place: str = "", resource: str | None = None
) -> list[LintFinding]:
    """Lint one policy document (a dict or JSON text).

    A role's trust policy has no Resource element (the role is the resource); pass the role's
    ARN as ``resource`` so the linter checks it as AWS would see it.

    Lint never fails its caller: JSON that cannot be read is a PolicyError (as everywhere),
    and when parliament itself fails on a document, the result is one warning
    ``lint could not run: ...`` (issue ``LINT_COULD_NOT_RUN``) instead of an exception.
    """
    if not isinstance(document, (str, Mapping)):
        raise wrong_type("lint_policy", "document", "a policy (dict or JSON text)", document)
    check_text(place, "lint_policy", "place", empty=True, limit=4096)
    check_text(resource, "lint_policy", "resource", optional=True)
    if isinstance(document, str):
        document = load_json(document, place or "policy")  # type: ignore[assignment]
    try:
        policy_size(document, place or "policy", limit=RESOURCE_CEILING)  # JSON values only
        if resource is not None and isinstance(document, Mapping):
            document = _with_resource(document, resource)
        return _parliament(document, place)
    except Exception as exc:  # parliament's own failures: never the caller's problem
        message = exc.problem if isinstance(exc, PolicyError) else f"{type(exc).__name__}"
        detail = safe_repr(str(exc), 200) if not isinstance(exc, PolicyError) else ""
        return [
            LintFinding(
                issue=LINT_FAILED,
                severity="LOW",
                title=f"lint could not run: {message}",
                detail=detail or "the linter (parliament) could not read this document",
                place=place,
            )
        ]


def _parliament(document: object, place: str) -> list[LintFinding]:
    from parliament import analyze_policy_string, enhance_finding

    text = json.dumps(document, indent=2)
    analysed = analyze_policy_string(text, include_community_auditors=False)
    findings = []
    for raw in analysed.findings:
        finding = enhance_finding(raw)
        findings.append(
            LintFinding(
                issue=str(finding.issue),
                severity=str(getattr(finding, "severity", "")),
                title=str(getattr(finding, "title", "") or finding.issue),
                detail=_detail(finding.detail),
                place=_place(place, finding.location),
            )
        )
    return findings


def lint_lab(lab: Lab) -> list[LintFinding]:
    """Lint every policy in a lab; each finding names the policy's place in the lab."""
    check_lab(lab, "lint_lab")
    out: list[LintFinding] = []
    for place, document in _documents(lab):
        out.extend(lint_policy(document, place=place))
    return out


def _documents(lab: Lab) -> Iterator[tuple[str, Mapping[str, Any]]]:
    seen: set[int] = set()
    for account in lab.accounts.values():
        for name, policy in account.managed_policies.items():
            seen.add(id(policy))
            yield policy.place or name, policy.document
        owners: list[User | Group | Role] = [
            *account.users.values(),
            *account.groups.values(),
            *account.roles.values(),
        ]
        for owner in owners:
            for attached in owner.policies:
                if id(attached.policy) not in seen:
                    seen.add(id(attached.policy))
                    yield attached.policy.place, attached.policy.document
        for role in account.roles.values():
            yield role.trust_policy.place, _with_resource(role.trust_policy.document, role.arn)
        for level in account.scp_levels:
            for attached in level:
                yield attached.policy.place, attached.policy.document
    for resource in lab.resources.values():
        if resource.policy is not None:
            yield resource.policy.place, resource.policy.document


def _with_resource(document: Mapping[str, Any], resource: str) -> dict[str, Any]:
    copy = dict(document)
    statements = copy.get("Statement")
    listed = statements if isinstance(statements, list) else [statements]
    patched = []
    for statement in listed:
        if isinstance(statement, Mapping) and "Resource" not in statement:
            statement = {**statement, "Resource": resource}
        patched.append(statement)
    copy["Statement"] = patched
    return copy


def _detail(detail: object) -> str:
    """Parliament's detail, shortened: long lists of actions become a count and examples."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list) and len(detail) > 3:
        names = [d.get("action", d) if isinstance(d, Mapping) else d for d in detail]
        shown = ", ".join(str(n) for n in names[:3])
        return f"{len(detail)} actions, e.g. {shown}"
    try:
        return safe_repr(json.dumps(detail, default=str), 400)[1:-1]
    except (TypeError, ValueError, RecursionError):
        return safe_repr(detail, 400)


def _place(place: str, location: object) -> str:
    if isinstance(location, Mapping):
        text = location.get("string") or location.get("actions") or ""
        if text:
            return f"{place} ({text})" if place else str(text)
    return place
