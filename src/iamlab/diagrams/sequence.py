"""The assume-role sequence: caller → STS (trust check) → temporary credentials → request.

https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html

For a session that was issued, the credentials show their access key ID, a masked secret (the
secret and the session token never appear in the diagram), when they expire and, given
``now``, how long is left or that they have expired (requests then fail with ExpiredToken).
For a refusal, pass the ``decision`` of the :class:`~iamlab.AccessDeniedError`: the trust
check is drawn failing, with the policy kinds that decided and why.
"""

from __future__ import annotations

from datetime import datetime

import graphviz

from iamlab.errors import ValidationError
from iamlab.model.evaluation import Decision
from iamlab.model.explain import why_not
from iamlab.model.sts import CHAINING_LIMIT, Session

from . import naming, style

#: What each policy kind means when the request is sts:AssumeRole.
_ASSUME_WORDS = {
    "resource": "the role's trust policy",
    "identity": "the caller's identity-based policies",
    "permissions_boundary": "the caller's permissions boundary",
    "session": "the caller's session policy",
    "scp": "a service control policy",
    "root": "the root user cannot assume roles",
}


def assume_role_sequence(
    session: Session | None = None, *, decision: Decision | None = None, now: datetime | None = None
) -> graphviz.Digraph:
    """Draw how a role session came to be (``session``) or why it was refused (``decision``)."""
    if (session is None) == (decision is None):
        raise ValidationError(
            "assume_role_sequence needs exactly one of: a Session (from "
            "lab.assume_role) or decision= (from AccessDeniedError.decision)"
        )
    if now is not None and now.tzinfo is None:
        raise ValidationError("now must be timezone-aware, e.g. datetime(..., tzinfo=UTC)")
    if session is not None:
        return _issued(session, now)
    assert decision is not None
    return _refused(decision)


def _issued(session: Session, now: datetime | None) -> graphviz.Digraph:
    role = session.role
    who, who_kind = _caller_from_arn(session.source_arn)
    expired = now is not None and session.is_expired(now)
    expiry = f"{session.expiration:%Y-%m-%d %H:%M:%S} UTC"
    state = ""
    if now is not None:
        state = (
            f"EXPIRED {style.duration_words((now - session.expiration).total_seconds())} ago"
            if expired
            else f"expires in {style.duration_words(session.remaining(now).total_seconds())}"
        )
    title = f"Assume role: {who} → {role.name} → temporary credentials"
    description = (
        f"{who} ({who_kind}) called sts:AssumeRole on {role.arn}; STS checked the role's trust "
        f"policy, which allowed it, and returned temporary credentials (access key "
        f"{session.credentials.access_key_id}, expiring {expiry}"
        + (f", {state}" if state else "")
        + f") that sign requests as {session.arn}."
    )
    graph = style.new_graph(title=title, description=description, rankdir="TB")
    body = style.card("sequence")

    body.node(
        "caller",
        style.lines(who, who_kind),
        **style.node_attrs(_kind_for(session.source_arn), tooltip=session.source_arn),
    )
    body.node("sts", style.lines("AWS STS", "AssumeRole"), **style.node_attrs("sts"))
    body.node(
        "role",
        style.lines(role.name, "IAM role", "its trust policy is checked"),
        **style.node_attrs("role", tooltip=role.arn),
    )
    cred_rows = [
        "temporary credentials",
        f"AccessKeyId {session.credentials.access_key_id}",
        f"SecretAccessKey {session.credentials.masked_secret}",
        "SessionToken (not shown)",
        f"issued {session.issued_at:%Y-%m-%d %H:%M:%S} UTC",
        f"expires {expiry} ({style.duration_words(session.duration_seconds)} session)",
    ]
    cred_attrs = style.node_attrs("credentials")
    if now is not None:
        cred_rows.append(f"{style.FAIL} {state}" if expired else f"{style.PASS} valid: {state}")
        if expired:
            cred_attrs.update(
                style.OUTCOME_NODE[style.EXPLICIT], shape="tab", color=style.VERMILION, penwidth="3"
            )
    body.node("credentials", style.lines(*cred_rows), **cred_attrs)
    request_rows = [
        "request to an AWS service",
        "signed as the role session",
        *style.wrap(session.arn.split(":", 5)[-1]),
        f"in account {session.account}",
        "evaluated with the role's policies",
    ]
    request_attrs = style.node_attrs("request")
    if expired:
        request_attrs.update(style.DIMMED, style="rounded,filled,dashed")
        request_rows.append(f"{style.FAIL} fails: ExpiredToken")
    body.node("request", style.lines(*request_rows), **request_attrs)

    call = [
        "1. sts:AssumeRole",
        f"RoleSessionName={session.session_name}",
        f"DurationSeconds={session.duration_seconds}",
    ]
    if session.chained:
        call.append(f"role chaining: at most {style.duration_words(CHAINING_LIMIT)}")
    if session.mfa_present:
        call.append("with MFA")
    graph.subgraph(body)
    graph.edge("caller", "sts", style.edge_label(*call), **style.PATH)
    graph.edge(
        "sts",
        "role",
        style.edge_label("2. trust check", f"{style.PASS} the trust policy", "allows this caller"),
        **style.PATH,
    )
    graph.edge("sts", "credentials", style.edge_label("3. returns"), **style.PATH)
    if expired:
        graph.edge(
            "credentials",
            "request",
            style.edge_label("4. signs requests", f"{style.FAIL} ExpiredToken"),
            color=style.VERMILION,
            fontcolor=style.VERMILION,
            penwidth="3",
            style="dashed",
        )
    else:
        graph.edge("credentials", "request", style.edge_label("4. signs requests"), **style.PATH)
    return graph


def _refused(decision: Decision) -> graphviz.Digraph:
    caller = decision.caller
    who, who_kind = naming.caller_caption(caller)
    role_name = decision.resource.rsplit("/", 1)[-1]
    by = ", ".join(_ASSUME_WORDS.get(k, k) for k in decision.decided_by) or "nothing"
    outcome = style.OUTCOME_TEXT[decision.result]
    reasons = _reasons(decision)
    title = f"Assume role refused: {who} ✖ {role_name}"
    description = (
        f"{caller.display} called sts:AssumeRole on {decision.resource}; the trust check failed "
        f"({outcome.split(' ', 1)[1]}, decided by {by}), so STS issued no credentials and no "
        f"request can be made as the role."
    )
    graph = style.new_graph(title=title, description=description, rankdir="TB")
    body = style.card("sequence")
    body.node(
        "caller",
        style.lines(who, who_kind),
        **style.node_attrs(naming.caller_kind(caller), tooltip=caller.arn),
    )
    body.node("sts", style.lines("AWS STS", "AssumeRole"), **style.node_attrs("sts"))
    body.node(
        "role",
        style.lines(role_name, "IAM role", "its trust policy is checked"),
        **style.node_attrs("role", tooltip=decision.resource),
    )
    refusal = [f"{outcome}: AccessDenied", f"decided by: {by}", *reasons]
    body.node(
        "refusal",
        style.lines(*refusal),
        **style.node_attrs(
            "check",
            **style.OUTCOME_NODE[decision.result],
            color=style.OUTCOME_COLOUR[decision.result],
            penwidth="3",
        ),
    )
    body.node(
        "credentials",
        style.lines("temporary credentials", "(none issued)"),
        **style.node_attrs("credentials", **style.DIMMED, style="filled,dashed"),
    )
    body.node(
        "request",
        style.lines("request to an AWS service", "(cannot be made as the role)"),
        **style.node_attrs("request", **style.DIMMED, style="rounded,filled,dashed"),
    )

    graph.subgraph(body)
    graph.edge(
        "caller", "sts", style.edge_label("1. sts:AssumeRole", f"on {role_name}"), **style.PATH
    )
    graph.edge("sts", "role", style.edge_label("2. trust check"), **style.PATH)
    colour = style.OUTCOME_COLOUR[decision.result]
    graph.edge(
        "role",
        "refusal",
        style.edge_label(f"{style.FAIL} refused"),
        color=colour,
        fontcolor=colour,
        penwidth="3",
        style="bold",
    )
    graph.edge("sts", "credentials", style.edge_label("3. no credentials"), **style.OFF_PATH)
    graph.edge("credentials", "request", style.edge_label("4. no requests"), **style.OFF_PATH)
    return graph


def _reasons(decision: Decision) -> list[str]:
    """Why the trust check failed: the decided-by note and the first non-matching statements."""
    rows: list[str] = []
    if decision.note:
        rows.extend(style.wrap(decision.note))
    for matched in decision.statements:
        if matched.effect == "Deny":
            rows.extend(style.wrap(f"Deny: {naming.statement_name(matched)}"))
    trust = decision.resource_policy
    if trust is not None and "resource" in decision.decided_by:
        for statement in trust.policy.statements:
            reason = why_not(statement, trust, decision)
            if reason:
                rows.extend(style.wrap(f"{statement.label}: {reason}"))
                break
    if "identity" in decision.decided_by and not decision.statements:
        rows.extend(
            style.wrap(
                f"no identity-based policy of {naming.caller_caption(decision.caller)[0]}"
                f" allows sts:AssumeRole on this role"
            )
        )
    return rows


def _caller_from_arn(arn: str) -> tuple[str, str]:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return arn, "AWS service"
    resource = parts[5]
    if resource == "root":
        return "root user", f"of account {parts[4]}"
    if resource.startswith("assumed-role/"):
        return resource.removeprefix("assumed-role/"), "role session"
    if resource.startswith("user/"):
        return resource.rsplit("/", 1)[-1], "IAM user"
    return resource, "principal"


def _kind_for(arn: str) -> str:
    if ":assumed-role/" in arn:
        return "session"
    if ":user/" in arn:
        return "user"
    if arn.endswith(":root"):
        return "root"
    return "service"
