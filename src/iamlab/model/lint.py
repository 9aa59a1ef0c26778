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

from iamlab.errors import PolicyError

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


def lint_policy(
    document: Mapping[str, Any] | str, *, place: str = "", resource: str | None = None
) -> list[LintFinding]:
    """Lint one policy document (a dict or JSON text).

    A role's trust policy has no Resource element (the role is the resource); pass the role's
    ARN as ``resource`` so the linter checks it as AWS would see it.
    """
    from parliament import analyze_policy_string, enhance_finding

    if isinstance(document, str):
        text = document
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(
                place or "policy",
                f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            ) from None
        document = json.loads(text)
    if resource is not None and isinstance(document, Mapping):
        document = _with_resource(document, resource)
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
        return json.dumps(detail, default=str)
    except (TypeError, ValueError):
        return str(detail)


def _place(place: str, location: object) -> str:
    if isinstance(location, Mapping):
        text = location.get("string") or location.get("actions") or ""
        if text:
            return f"{place} ({text})" if place else str(text)
    return place
