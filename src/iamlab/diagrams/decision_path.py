"""The decision path: AWS's policy evaluation flow, with the path one request took.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html

The boxes follow AWS's order: explicit deny? → SCPs allow? → resource-based policy allows? →
identity-based policy allows? → permissions boundary allows? → session policy allows? →
Allowed / Implicitly denied / Explicitly denied. Everything is read from the
:class:`~iamlab.model.evaluation.Decision` (its ``steps``, ``decided_by`` and ``statements``);
the diagram decides nothing itself. The path is drawn thick and blue, each box on it says
what it found (✔ / ✖ / ∅), boxes off the path are grey and say so, and the outcome names the
statements that decided.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import graphviz

from iamlab.model.evaluation import STEP_ORDER, Decision

from . import naming, style

_REQUEST = "request"
_OUTCOME_IDS = {
    style.ALLOWED: "allowed",
    style.IMPLICIT: "implicit_deny",
    style.EXPLICIT: "explicit_deny",
}

# The flow every request could take: (tail, head, label).
_FLOW = (
    (_REQUEST, "deny", ""),
    ("deny", "explicit_deny", "yes"),
    ("deny", "scp", "no"),
    ("scp", "implicit_deny", "no"),
    ("scp", "resource", "yes, or no SCPs"),
    ("resource", "allowed", "yes, and it names\nthe caller directly"),
    ("resource", "identity", "otherwise"),
    ("identity", "implicit_deny", "no"),
    ("identity", "permissions_boundary", "yes"),
    ("permissions_boundary", "implicit_deny", "no"),
    ("permissions_boundary", "session", "yes, or none set"),
    ("session", "implicit_deny", "no"),
    ("session", "allowed", "yes, or none"),
)


def decision_path(decision: Decision) -> graphviz.Digraph:
    """Draw AWS's evaluation flow with the path ``decision`` took highlighted."""
    status = {s.kind: s.status for s in decision.steps}
    path = _path(decision, status)
    on_path = set(path)
    caller = decision.caller
    who, kind_words = naming.caller_caption(caller)
    outcome = style.OUTCOME_TEXT[decision.result]
    title = f"How AWS decides: {who} → {decision.action} — {outcome}"
    description = (
        f"AWS's policy evaluation flow for {caller.display} asking for {decision.action} on "
        f"{decision.resource}: {outcome.split(' ', 1)[1]}, decided by "
        f"{naming.decided_by_words(decision.decided_by)}. The path the request took is drawn "
        f"in thick blue lines; boxes it did not reach are grey."
    )
    graph = style.new_graph(title=title, description=description)
    body = style.card("flow")

    request_rows = [
        f"Request from {who} ({kind_words})",
        f"wants {decision.action}",
        *style.wrap(f"on {decision.resource}"),
    ]
    if decision.cross_account:
        request_rows.append(
            f"cross-account: caller in {caller.account}, resource in "
            f"{decision.resource_account} — both sides must allow"
        )
    if decision.note:
        request_rows.extend(style.wrap(f"note: {decision.note}"))
    body.node(
        _REQUEST,
        style.lines(*request_rows),
        **style.node_attrs("request", tooltip=style.plain(description), **style.HIGHLIGHT),
    )

    for kind in STEP_ORDER:
        rows = [_question(decision, kind), _finding(decision, kind, status[kind], path)]
        attrs = style.node_attrs("check")
        if kind in on_path:
            attrs.update(style.HIGHLIGHT)
        else:
            attrs.update(style.DIMMED, style="rounded,filled,dashed")
        body.node(kind, style.lines(*rows), **attrs)

    for result, node in _OUTCOME_IDS.items():
        attrs = dict(style.OUTCOME_NODE[result])
        if result == decision.result:
            rows = _outcome_rows(decision)
            attrs.update(penwidth="3", color=style.OUTCOME_COLOUR[result])
        else:
            rows = [style.OUTCOME_TEXT[result], "(not this time)"]
            attrs.update(style.DIMMED)
        body.node(node, style.lines(*rows), **attrs)

    with body.subgraph(name="outcomes") as outcomes:
        outcomes.attr(rank="same")
        for node in _OUTCOME_IDS.values():
            outcomes.node(node)
    graph.subgraph(body)

    steps_taken = set(itertools.pairwise(path))
    drawn = set()
    for tail, head, label in _FLOW:
        drawn.add((tail, head))
        taken = (tail, head) in steps_taken
        if taken and (tail, head) == ("resource", "identity"):
            label = _on_to_identity(decision, status["resource"])
        _edge(graph, tail, head, label, taken)
    for tail, head in itertools.pairwise(path):
        if (tail, head) not in drawn:  # a turn the standard flow does not draw
            _edge(graph, tail, head, _extra_label(decision, tail), True)
    return graph


def _question(decision: Decision, kind: str) -> str:
    trust = decision.resource_policy
    if kind == "resource" and trust is not None and trust.name == "trust policy":
        return "Does the role's trust policy allow it?"
    if kind == "identity" and decision.caller.kind == "session":
        return "Does an identity-based policy of the role allow it?"
    return naming.STEP_QUESTIONS[kind]


def _path(decision: Decision, status: Mapping[str, str]) -> list[str]:
    """The node ids the request passed through, from the request to its outcome."""
    end = _OUTCOME_IDS[decision.result]
    reached = [k for k in STEP_ORDER if status[k] != "not-reached"]
    if not reached:  # e.g. the root user calling AssumeRole: refused before any policy
        return [_REQUEST, end]
    if status["deny"] == "deny":
        return [_REQUEST, "deny", end]
    stop = _stop(decision, status, reached)
    steps = list(STEP_ORDER[: STEP_ORDER.index(stop) + 1])
    return [_REQUEST, *steps, end]


def _stop(decision: Decision, status: Mapping[str, str], reached: list[str]) -> str:
    """The last box on the path, before the outcome."""
    if decision.allowed:
        if decision.decided_by == ("resource",) and status["resource"] == "allow":
            return "resource"
        return reached[-1]
    kinds = [k for k in STEP_ORDER if k in decision.decided_by]
    if not kinds:
        return reached[-1]
    # Within one account a "no" from the resource-based policy is not final (identity-based
    # policies may still allow); across accounts the first side that says no decides.
    return kinds[0] if decision.cross_account else kinds[-1]


def _finding(decision: Decision, kind: str, found: str, path: list[str]) -> str:
    """What this box found, in words with a marker."""
    if kind not in path:
        if found != "not-reached" and kind in decision.decided_by:
            # across accounts both sides are checked; this one also said no
            return f"(also decisive: {_finding_words(decision, kind, found, deciding=True)})"
        return "(not reached)"
    last = path[-2] == kind and not decision.allowed
    return _finding_words(decision, kind, found, deciding=last)


def _finding_words(decision: Decision, kind: str, found: str, *, deciding: bool) -> str:
    caller = decision.caller
    if kind == "deny":
        return (
            f"{style.FAIL} yes: a Deny statement matched"
            if found == "deny"
            else f"{style.PASS} no Deny matched"
        )
    if kind == "identity" and caller.kind == "root":
        return f"{style.PASS} the root user has full access to its own account"
    if found == "allow":
        if kind == "resource" and any(m.grant == "account" for m in decision.statements):
            return f"{style.PASS} it names the caller's account, whose own policies decide"
        return f"{style.PASS} yes, it allows"
    if found == "absent":
        return {
            "scp": f"{style.NONE} no SCPs apply to this account",
            "resource": f"{style.NONE} the resource has no resource-based policy",
            "identity": f"{style.NONE} none (a service has no identity-based policies)",
            "permissions_boundary": f"{style.NONE} no permissions boundary is set",
            "session": f"{style.NONE} no session policy",
        }[kind]
    if deciding:
        return f"{style.FAIL} no, it does not allow"
    return f"{style.SKIP} it does not allow (not needed on its own)"


def _outcome_rows(decision: Decision) -> list[str]:
    rows = [
        style.OUTCOME_TEXT[decision.result],
        f"decided by: {naming.decided_by_words(decision.decided_by)}",
    ]
    named = [
        naming.statement_name(m)
        for m in decision.statements
        if m.kind != "scp" or decision.result == style.EXPLICIT
    ]
    if named:
        rows.append("by " + ("these statements:" if len(named) > 1 else "this statement:"))
        for name in named[:4]:
            rows.extend(style.wrap(name))
        if len(named) > 4:
            rows.append(f"+{len(named) - 4} more")
    elif not decision.allowed:
        rows.extend(style.wrap(_why_denied(decision)))
    return rows


def _why_denied(decision: Decision) -> str:
    caller = decision.caller
    by = decision.decided_by
    if "root" in by:
        return decision.note or "the root user cannot do this"
    if by == ("permissions_boundary",) and caller.boundary is not None:
        return (
            f"the permissions boundary {caller.boundary.name} does not allow it "
            f"(a boundary only limits; it grants nothing)"
        )
    if by == ("session",):
        return "the session policy does not allow it (it can only narrow the role)"
    if by == ("scp",):
        return "a level of the organization's SCPs does not allow it"
    if decision.cross_account and "resource" in by:
        return (
            f"the resource's account ({decision.resource_account}) does not allow it: "
            f"no statement of its resource-based policy names the caller"
        )
    return "no statement allows it: an implicit deny is the default"


def _on_to_identity(decision: Decision, found: str) -> str:
    """Why the path goes on from the resource-based policy to the identity-based policies."""
    if found == "allow" and decision.cross_account:
        return "it allows, but across accounts\nthe caller's side must allow too"
    grants = {m.grant for m in decision.statements if m.kind == "resource"}
    if found == "allow" and "account" in grants:
        return "it allows the caller's account,\nwhose own policies decide"
    if found == "allow" and "role" in grants:
        return "it allows the role: the session's\nboundary and session policy still apply"
    if found == "allow":
        return "it allows; the other\npolicies are checked too"
    if found == "absent":
        return "no resource-based policy"
    return "no: an identity-based\npolicy may still allow"


def _extra_label(decision: Decision, tail: str) -> str:
    if tail == _REQUEST:
        return "refused before any policy"
    if tail == "resource" and decision.cross_account:
        return "no: across accounts the\nresource side must allow"
    if tail == "resource":
        return "no"
    if tail == "identity" and decision.allowed:
        return "yes"
    return ""


def _edge(graph: graphviz.Digraph, tail: str, head: str, label: str, taken: bool) -> None:
    attrs = dict(style.PATH if taken else style.OFF_PATH)
    text = label
    if taken and label:
        text = f"▶ {label}"
    graph.edge(
        tail,
        head,
        label=style.edge_label(*text.split("\n"), dim=not taken) if text else None,
        **attrs,
    )
