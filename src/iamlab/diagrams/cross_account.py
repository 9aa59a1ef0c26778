"""The cross-account picture: the two accounts of a request, and which side's policy allows it.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html

When a principal in one account asks for a resource in another, **both sides must allow**: the
caller's account through its identity-based policies (within its permissions boundary and
session policy) and the resource's account through its resource-based policy. The diagram puts
each account in its own box, marks each side ✔ allows / ✖ does not allow, and ends in the
verdict. For a request within one account it says so: there, one allow is enough.
"""

from __future__ import annotations

import graphviz

from iamlab.model.evaluation import Decision
from iamlab.model.lab import Lab

from . import naming, style

_CALLER_KINDS = ("identity", "permissions_boundary", "session", "scp")


def cross_account(lab: Lab, decision: Decision) -> graphviz.Digraph:
    """Draw the caller's account and the resource's account, each side's answer, the verdict."""
    caller = decision.caller
    who, who_kind = naming.caller_caption(caller)
    res_name, res_kind = naming.resource_caption(decision.resource)
    caller_account = caller.account
    resource_account = decision.resource_account
    cross = decision.cross_account
    caller_ok, caller_rows = _caller_side(decision)
    resource_ok, resource_rows = _resource_side(decision)
    outcome = style.OUTCOME_TEXT[decision.result]

    def account_words(account_id: str) -> str:
        account = lab.accounts.get(account_id)
        return f"{account.name} ({account_id})" if account else f"account {account_id}"

    if cross:
        title = (
            f"Cross-account request: {who} in {account_words(caller_account)} → "
            f"{res_name} in {account_words(resource_account)}"
        )
        rule = "Both sides must allow"
    else:
        title = f"Same-account request: {who} → {res_name} in {account_words(resource_account)}"
        rule = "Same account: an allow from either side is enough"
    description = (
        f"{caller.display} asks for {decision.action} on {decision.resource}. Caller's side "
        f"({account_words(caller_account) if caller_account else 'an AWS service'}): "
        f"{_side_words(caller_ok)}. Resource side ({account_words(resource_account)}): "
        f"{_side_words(resource_ok)}. {rule}: {outcome.split(' ', 1)[1]}."
    )
    # Top to bottom: the two accounts side by side, each with its answer below it, then the
    # verdict under both; the width stays that of two narrow columns.
    graph = style.new_graph(title=title, description=description, rankdir="TB")

    caller_box = style.account_cluster(
        caller_account, lab.accounts[caller_account].name if caller_account in lab.accounts else ""
    )
    caller_box.attr(
        label=style.plain(
            f"caller's side: {account_words(caller_account)}"
            if caller_account
            else "caller's side: an AWS service"
        )
    )
    caller_box.node(
        "caller",
        style.lines(who, who_kind),
        **style.node_attrs(naming.caller_kind(caller), tooltip=caller.arn),
    )
    caller_box.node("caller_side", style.lines(*caller_rows), **_side_attrs(caller_ok))

    resource_box = style.account_cluster(resource_account, "") if cross else caller_box
    if cross:
        resource_box.attr(label=style.plain(f"resource side: {account_words(resource_account)}"))
    resource_box.node(
        "resource",
        style.lines(res_name, res_kind),
        **style.node_attrs(naming.resource_style(decision.resource), tooltip=decision.resource),
    )
    resource_box.node("resource_side", style.lines(*resource_rows), **_side_attrs(resource_ok))
    graph.subgraph(caller_box)
    if cross:
        graph.subgraph(resource_box)

    verdict_attrs = dict(style.OUTCOME_NODE[decision.result])
    verdict_attrs.update(penwidth="3", color=style.OUTCOME_COLOUR[decision.result])
    verdict_box = style.card("verdict")
    verdict_box.node(
        "verdict",
        style.lines(rule, outcome, f"decided by: {naming.decided_by_words(decision.decided_by)}"),
        **verdict_attrs,
    )
    graph.subgraph(verdict_box)

    graph.edge("caller", "resource", style.edge_label(f"request: {decision.action}"), **style.PATH)
    graph.edge(
        "caller",
        "caller_side",
        style.edge_label("its own policies"),
        arrowhead="none",
        style="dashed",
    )
    graph.edge(
        "resource",
        "resource_side",
        style.edge_label("its resource policy"),
        arrowhead="none",
        style="dashed",
    )
    graph.edge(
        "caller_side", "verdict", style.edge_label(_mark(caller_ok)), **_verdict_edge(caller_ok)
    )
    graph.edge(
        "resource_side",
        "verdict",
        style.edge_label(_mark(resource_ok)),
        **_verdict_edge(resource_ok),
    )
    return graph


def _caller_side(decision: Decision) -> tuple[bool | None, list[str]]:
    """(does the caller's side allow? None: not evaluated), and the rows saying why."""
    caller = decision.caller
    status = {s.kind: s.status for s in decision.steps}
    rows = ["caller's side: identity-based policies"]
    denies = [m for m in decision.statements if m.effect == "Deny" and m.kind in _CALLER_KINDS]
    if denies:
        rows[0] = "caller's side"
        rows.append(f"{style.FAIL} explicit Deny:")
        for m in denies:
            rows.extend(style.wrap(naming.statement_name(m)))
        return False, rows
    if status["deny"] == "deny" or status["identity"] == "not-reached":
        rows.append(
            f"{style.SKIP} not needed: an explicit deny decided"
            if status["deny"] == "deny"
            else f"{style.SKIP} not evaluated"
        )
        return None, rows
    if caller.kind == "root":
        rows.append(f"{style.PASS} the root user has full access in its own account")
        return True, rows
    if caller.kind == "service":
        rows.append(f"{style.NONE} a service has no identity-based policies")
        return None, rows
    ok = status["identity"] == "allow"
    allows = [m for m in decision.statements if m.kind == "identity" and m.effect == "Allow"]
    if ok:
        rows.append(f"{style.PASS} allows" + (":" if allows else ""))
        for m in allows[:3]:
            rows.extend(style.wrap(naming.statement_name(m)))
    else:
        rows.append(f"{style.FAIL} no identity-based policy allows {decision.action}")
    if status["permissions_boundary"] == "no-allow" and caller.boundary is not None:
        rows.append(f"{style.FAIL} permissions boundary {caller.boundary.name} does not allow it")
        ok = False
    if status["session"] == "no-allow":
        rows.append(f"{style.FAIL} the session policy does not allow it")
        ok = False
    return ok, rows


def _resource_side(decision: Decision) -> tuple[bool | None, list[str]]:
    status = {s.kind: s.status for s in decision.steps}
    rows = ["resource side: resource-based policy"]
    denies = [m for m in decision.statements if m.effect == "Deny" and m.kind == "resource"]
    if denies:
        rows.append(f"{style.FAIL} explicit Deny:")
        for m in denies:
            rows.extend(style.wrap(naming.statement_name(m)))
        return False, rows
    found = status["resource"]
    if found == "not-reached":
        rows.append(
            f"{style.SKIP} not needed: an explicit deny decided"
            if status["deny"] == "deny"
            else f"{style.SKIP} not evaluated"
        )
        return None, rows
    if found == "absent":
        rows.append(f"{style.NONE} the resource has no resource-based policy")
        return False, rows
    if found == "allow":
        allows = [m for m in decision.statements if m.kind == "resource" and m.effect == "Allow"]
        rows.append(f"{style.PASS} allows" + (":" if allows else ""))
        for m in allows[:3]:
            rows.extend(style.wrap(naming.statement_name(m)))
            if m.grant == "account":
                rows.append("(names the caller's account: its own policies decide)")
        return True, rows
    rows.append(f"{style.FAIL} no statement allows this caller (see the explanation for why)")
    return False, rows


def _side_attrs(ok: bool | None) -> dict[str, str]:
    if ok is None:
        return style.node_attrs("check", **style.DIMMED, style="rounded,filled,dashed")
    result = style.ALLOWED if ok else style.IMPLICIT
    attrs = style.node_attrs(
        "check",
        fillcolor=style.tint(style.OUTCOME_COLOUR[result], 0.7),
        color=style.OUTCOME_COLOUR[result],
        penwidth="2",
    )
    if not ok:
        attrs["style"] = "rounded,filled,dashed"
    return attrs


def _verdict_edge(ok: bool | None) -> dict[str, str]:
    if ok is None:
        return dict(style.OFF_PATH)
    colour = style.OUTCOME_COLOUR[style.ALLOWED if ok else style.IMPLICIT]
    return {
        "color": colour,
        "fontcolor": colour,
        "penwidth": "2",
        "style": "solid" if ok else "dashed",
    }


def _mark(ok: bool | None) -> str:
    return {
        True: f"{style.PASS} allows",
        False: f"{style.FAIL} does not allow",
        None: f"{style.SKIP} not evaluated",
    }[ok]


def _side_words(ok: bool | None) -> str:
    return {True: "allows", False: "does not allow", None: "not evaluated"}[ok]
