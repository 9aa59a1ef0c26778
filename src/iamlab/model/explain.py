"""Turning a :class:`~iamlab.model.evaluation.Decision` into plain English.

Built only when asked for, so evaluation stays fast. The text follows AWS's order of
evaluation and, for every statement that did not match, says which part did not.
"""

from __future__ import annotations

from collections.abc import Mapping

from iamlab.model.conditions import ConditionClause
from iamlab.model.evaluation import Decision, principal_grant
from iamlab.model.policy import KIND_LABELS, Statement
from iamlab.model.principals import AttachedPolicy
from iamlab.safe_repr import safe_repr

_RESULT_WORDS = {
    "Allowed": "ALLOWED",
    "ImplicitlyDenied": "DENIED (implicitly: nothing allowed it)",
    "ExplicitlyDenied": "DENIED (explicitly: a Deny statement matched)",
}
_GRANT_WORDS = {
    "direct": "names the caller directly",
    "role": "names the role (so the role's boundary and session policy still apply)",
    "account": "names the caller's account (which delegates to its identity-based policies)",
}


def explain_decision(decision: Decision) -> str:
    caller = decision.caller
    lines = [
        f"Request: {caller.display} ({caller.arn})",
        f"  wants {decision.action} on {decision.resource}",
        f"Result: {_RESULT_WORDS[decision.result]}"
        + (
            f" — decided by: {', '.join(_kind_words(k) for k in decision.decided_by)}"
            if decision.decided_by
            else ""
        ),
    ]
    if caller.simulated:
        lines.append(
            "Note: a role makes requests through a session; this request was "
            "evaluated as a session of the role with no session policy."
        )
    if decision.cross_account:
        lines.append(
            f"This is a cross-account request (caller in {caller.account}, resource "
            f"in {decision.resource_account}): both sides must allow it."
        )
    if decision.decided_by == ("aws",):
        lines.append("")
        lines.append(
            f"AWS decides this request itself, before any policy is read: {decision.note}."
        )
        return "\n".join(lines)
    if decision.note:
        lines.append(f"Note: {decision.note}")
    lines.append("")
    lines.append("How AWS evaluated it, in order:")
    lines.extend(_steps(decision))
    if caller.kind == "federated":
        lines.extend(claim_lines(decision))
    reasons = _non_matching(decision)
    if reasons:
        lines.append("")
        lines.append("Statements that did not match, and why:")
        lines.extend(reasons)
    return "\n".join(lines)


def _kind_words(kind: str) -> str:
    return "AWS itself (no policy can change it)" if kind == "aws" else KIND_LABELS.get(kind, kind)


def _steps(decision: Decision) -> list[str]:
    out: list[str] = []
    denies = [m for m in decision.statements if m.effect == "Deny"]
    n = 1
    if denies:
        out.append(f"{n}. Explicit deny: YES. An explicit deny always wins:")
        out.extend(f"     - {m.describe()}" for m in denies)
        out.append("   Evaluation stops here.")
        return out
    count = len(decision.policies)
    if count == 0:
        out.append(f"{n}. Explicit deny: no policy applies to this request, so none denies it.")
    else:
        out.append(
            f"{n}. Explicit deny: none of the {count} applicable "
            f"polic{'y' if count == 1 else 'ies'} denies this request."
        )
    status = {s.kind: s.status for s in decision.steps}
    used = decision.statements
    caller = decision.caller

    def allows(kind: str) -> list[str]:
        listed = [
            f"     - {m.describe()}" + (f" — it {_GRANT_WORDS[m.grant]}" if m.grant else "")
            for m in used
            if m.kind == kind and m.effect == "Allow"
        ]
        if listed:
            return listed
        # not among the statements that decided: find the matching ones to show them anyway
        return [
            f"     - Allow in {st.label} of {attached.title}"
            for attached in decision.policies
            if attached.kind == kind
            for st in attached.policy.statements
            if st.effect == "Allow" and why_not(st, attached, decision) is None
        ]

    n += 1
    if status["scp"] == "absent":
        out.append(
            f"{n}. Service control policies: none apply (the account is not governed "
            f"by an organization's SCPs in this lab)."
        )
    elif status["scp"] == "no-allow":
        out.append(
            f"{n}. Service control policies: at least one level of the organization "
            f"does not allow {decision.action}, so it is implicitly denied. Every level "
            f"(root, each OU, the account) must allow it."
        )
        return out
    else:
        out.append(f"{n}. Service control policies: every level allows it.")
        out.extend(allows("scp"))
    if caller.kind == "root":
        n += 1
        if "root" in decision.decided_by:
            out.append(
                f"{n}. The root user has full access to its own account; nothing "
                f"denied it, so it is allowed."
            )
        else:
            out.append(
                f"{n}. The root user's own account allows it, but the resource "
                f"belongs to account {decision.resource_account}, whose resource-based "
                f"policy must allow it too: " + ("it does." if decision.allowed else "it does not.")
            )
            out.extend(allows("resource"))
        return out
    n += 1
    rp = decision.resource_policy
    if rp is None:
        out.append(f"{n}. Resource-based policy: {decision.resource} has none.")
    elif status["resource"] == "allow":
        listed = allows("resource")
        if listed:
            out.append(f"{n}. Resource-based policy: {rp.title} allows it:")
            out.extend(listed)
        else:
            out.append(
                f"{n}. Resource-based policy: {rp.title} names the caller's account, "
                f"which hands the decision to the account's identity-based policies."
            )
    else:
        out.append(f"{n}. Resource-based policy: {rp.title} does not allow it.")
    if caller.kind in ("service", "federated"):
        if caller.kind == "federated":
            out.append("")
            out.append(
                "A federated caller has no identity-based policies: only the role's trust "
                "policy decides. "
                + ("It allows it." if decision.allowed else "It does not allow it.")
            )
        return out
    n += 1
    if status["identity"] == "not-reached":
        out.append(
            f"{n}. Identity-based policies, permissions boundary, session policy: not needed — "
            f"the resource-based policy already decided (it names the caller directly)."
            if decision.allowed
            else f"{n}. Identity-based policies and the rest: not reached."
        )
        out.append("")
        out.append(_conclusion(decision))
        return out
    if status["identity"] == "allow":
        out.append(f"{n}. Identity-based policies ({len(caller.policies)} attached): allowed by")
        out.extend(allows("identity"))
    else:
        out.append(
            f"{n}. Identity-based policies ({len(caller.policies)} attached): none "
            f"allows it."
            + (
                " A new IAM user has no permissions until a policy grants them."
                if not caller.policies
                else ""
            )
        )
    n += 1
    if caller.boundary is None:
        out.append(f"{n}. Permissions boundary: none set.")
    elif status["permissions_boundary"] == "allow":
        out.append(
            f"{n}. Permissions boundary {caller.boundary.name}: allows it (a boundary "
            f"grants nothing itself; it only limits)."
        )
    else:
        out.append(
            f"{n}. Permissions boundary {caller.boundary.name}: does NOT allow it, so "
            f"identity-based allows cannot take effect."
        )
    n += 1
    if caller.session_policy is None:
        out.append(f"{n}. Session policy: none.")
    elif status["session"] == "allow":
        out.append(f"{n}. Session policy: allows it.")
    else:
        out.append(
            f"{n}. Session policy: does NOT allow it; a session policy can only narrow "
            f"the role's permissions."
        )
    out.append("")
    out.append(_conclusion(decision))
    return out


def _conclusion(decision: Decision) -> str:
    by = decision.decided_by
    if decision.allowed:
        if by == ("resource",):
            return "So: ALLOWED by the resource-based policy" + (
                " together with the caller's account."
                if decision.cross_account
                else ", which names the caller directly."
            )
        if by == ("identity", "resource") and decision.cross_account:
            return (
                "So: ALLOWED — the caller's identity policy and the resource policy both allow it."
            )
        return "So: ALLOWED — an identity-based policy allows it and nothing narrows it away."
    if by == ("permissions_boundary",):
        return "So: DENIED — the permissions boundary does not allow it."
    if by == ("session",):
        return "So: DENIED — the session policy does not allow it."
    if "resource" in by and decision.required_policy and not decision.cross_account:
        what = (
            "a KMS key policy must allow the request even within one account: unless the "
            "key policy allows it (itself, or by naming the account and so handing over to "
            "IAM policies), IAM policies alone cannot give access to a KMS key"
            if decision.required_policy == "key policy"
            else "a role's trust policy must allow the caller even within one account"
        )
        return f"So: DENIED — {what}, and this one does not."
    if by == ("resource",) and decision.cross_account:
        return (
            "So: DENIED — in a cross-account request the resource's account must allow it "
            "too, and its resource-based policy does not."
        )
    if by == ("identity",) and decision.cross_account:
        return (
            "So: DENIED — the resource policy allows it, but across accounts the caller's "
            "own identity-based policies must allow it too."
        )
    return "So: DENIED — no policy allows it (an implicit deny is the default)."


def _non_matching(decision: Decision) -> list[str]:
    out: list[str] = []
    matched = {(id(m.source.policy), m.statement.index) for m in decision.statements}
    for attached in decision.policies:
        for statement in attached.policy.statements:
            if (id(attached.policy), statement.index) in matched:
                continue
            reason = why_not(statement, attached, decision)
            if reason is None:
                continue  # it matched but was not needed for the decision
            out.append(f"  - {statement.effect} in {statement.label} of {attached.title}: {reason}")
    return out


def why_not(statement: Statement, attached: AttachedPolicy, decision: Decision) -> str | None:
    """Why ``statement`` does not apply to the request, or None when it does."""
    action = decision.action
    if not statement.matches_action(action):
        element = "NotAction" if statement.not_action else "Action"
        verb = "excludes" if statement.not_action else "does not include"
        return f"its {element} ({_list(statement.actions)}) {verb} {action}."
    if not statement.matches_resource(decision.resource, decision.context):
        if statement.not_resource:
            return f"its NotResource ({_list(statement.resources or ())}) excludes the resource."
        return (
            f"its Resource ({_list(statement.resources or ())}) does not match {decision.resource}."
        )
    if (
        attached.kind in ("resource", "trust")
        and principal_grant(statement, decision.caller) is None
    ):
        element = "NotPrincipal" if statement.not_principal else "Principal"
        names = statement.principals.names() if statement.principals else []
        return f"its {element} ({_list(names)}) does not cover {decision.caller.arn}."
    clause = statement.failing_condition(decision.context)
    if clause is not None:
        return f"the condition {clause.describe()} is false: {_observed(clause, decision.context)}"
    return None


def _observed(clause: ConditionClause, context: Mapping[str, object]) -> str:
    value = context.get(clause.key_lower)
    if value is None:
        return (
            f"the request has no {clause.key} (a missing key makes {clause.operator.base} "
            f"false unless it is negated or ends in IfExists)."
        )
    return f"the request has {clause.key} = {safe_repr(value)}."


def _list(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(items)


def claim_lines(decision: Decision) -> list[str]:
    """For a federated caller: what the trust policy checked in the token or assertion, and a
    warning when an OIDC trust statement allows the provider without checking ``sub``."""
    from iamlab.model.claims import OIDC_KEYS, claim_checks, unchecked_subject

    lines: list[str] = []
    checks = claim_checks(decision)
    what = "assertion" if ":saml-provider/" in decision.caller.arn else "token"
    if checks:
        lines += ["", f"What the trust policy checks in the {what}:"]
    for check in checks:
        shown = "absent" if check.value is None else repr(check.value)
        if not check.is_key:
            shown += (
                f" (AWS does not turn the token's {safe_repr(check.claim)} claim into a condition "
                f"key; "
                f"only {', '.join(OIDC_KEYS)} are)"
            )
        lines.append(
            f"  - {'matched' if check.held else 'FAILED '}: {check.condition} in "
            f"{check.statement} — the {what}'s {check.claim} is {shown}"
        )
    if unchecked_subject(decision):
        url = decision.caller.name
        lines += [
            "",
            f"Warning: a statement allows {decision.caller.arn} without a condition on "
            f"{url}:sub. Any token this provider issues for an accepted audience gets in — "
            f"for GitHub Actions, a workflow of any repository on GitHub. Check sub "
            f"(repo:OWNER/REPO:...).",
        ]
    return lines
