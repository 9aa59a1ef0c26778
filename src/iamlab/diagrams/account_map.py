"""The account map: who is in which group, which policies they carry, who may assume each role,
and whom each resource-based policy names.

https://docs.aws.amazon.com/IAM/latest/UserGuide/id.html (users, groups, roles)
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html (trust policy)

Arrows:

- user → group, "member of";
- identity → policy, "attached" (managed policies are shared nodes, so reuse shows; inline
  policies are listed in one note per identity; a permissions boundary is a dashed note);
- principal → role, "may assume" (from the role's trust policy, with notes such as
  "MFA required" or "ExternalId required"); a trust policy that names an *account* is drawn
  from that account's node: it hands the decision to the account's own IAM policies, and the
  users whose policies do allow ``sts:AssumeRole`` on the role get a dotted "can assume" arrow;
- principal → resource, from each statement of a resource-based policy (✔ Allow / ✖ Deny).

With ``focus`` one principal (and what it touches) stands out and the rest is dimmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import graphviz

from iamlab.errors import UnknownPrincipalError
from iamlab.model.evaluation import Step
from iamlab.model.lab import Lab
from iamlab.model.policy import Statement
from iamlab.model.principals import Account, AttachedPolicy, Role

from . import naming, style

_ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")


#: What each kind of arrow says (its tooltip; the legend under the map says it for the eye).
_EDGE_WORDS = {
    "member": "is a member of",
    "policy": "has the policy",
    "boundary": "has the permissions boundary",
    "trust": "may assume (trust policy)",
    "can-assume": "can assume (its own policies allow it)",
    "resource": "is named in the resource-based policy of",
}


@dataclass
class _Node:
    id: str
    kind: str
    rows: tuple[str, ...]  # the label, one row a line
    tooltip: str
    account: str | None  # the cluster it sits in; None: outside every account
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class _Edge:
    tail: str
    head: str
    kind: str  # member | policy | boundary | trust | can-assume | resource
    label: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class _Map:
    lab: Lab
    nodes: dict[str, _Node] = field(default_factory=dict)
    edges: list[_Edge] = field(default_factory=list)

    def add(self, node: _Node) -> str:
        self.nodes.setdefault(node.id, node)
        return node.id

    def edge(self, tail: str, head: str, kind: str, label: str = "", **attrs: str) -> None:
        self.edges.append(_Edge(tail, head, kind, label, dict(attrs)))


def account_map(lab: Lab, *, focus: str | None = None) -> graphviz.Digraph:
    """Draw the lab's accounts: users, groups, roles, policies, trust and resource policies.

    ``focus`` names one principal to pick out: a user name, ``user/NAME``, ``group/NAME``,
    ``role/NAME``, ``root`` or an ARN (a user, group, role, root or a listed resource).
    """
    built = _Map(lab)
    for account in lab.accounts.values():
        _add_account(built, account)
    for account in lab.accounts.values():
        for role in account.roles.values():
            _add_trust(built, role)
    _add_resources(built)

    if focus is None:
        _fold_managed_policies(built)
        return _draw(built, None)
    focus_id = _resolve_focus(built, focus)
    keep = _neighbourhood(built, focus_id)
    shown = len(keep)
    hidden = len(built.nodes) - shown
    built.nodes = {k: v for k, v in built.nodes.items() if k in keep}
    built.edges = [e for e in built.edges if e.tail in keep and e.head in keep]
    return _draw(built, focus_id, hidden=hidden)


def _fold_managed_policies(built: _Map) -> None:
    """The whole map lists each identity's managed policies in its own node, as it does inline
    ones: a column of policy notes to the right would make the map twice as wide as a
    notebook. A focused map (``focus=``) draws them as shared notes, so reuse shows."""
    folded: set[str] = set()
    for edge in built.edges:
        if edge.kind == "policy" and built.nodes[edge.head].kind == "policy":
            owner = built.nodes[edge.tail]
            name = built.nodes[edge.head].rows[0]
            owner.rows = (*owner.rows, *style.wrap(f"managed: {name}", 30))
            folded.add(edge.head)
    built.edges = [e for e in built.edges if e.head not in folded]
    built.nodes = {k: v for k, v in built.nodes.items() if k not in folded}


# -- accounts, identities and their policies ---------------------------------------------------


def _add_account(built: _Map, account: Account) -> None:
    aid = account.id
    built.add(
        _Node(
            id=style.node_id("root", aid, "root"),
            kind="root",
            rows=("root user", "account owner"),
            tooltip=f"The root user of account {aid}: signs in with the account's email address; "
            f"has full access to the account. Not an IAM user.",
            account=aid,
        )
    )
    members: dict[str, int] = {}
    for user in account.users.values():
        for group_name in user.groups:
            members[group_name] = members.get(group_name, 0) + 1
    for group in account.groups.values():
        gid = built.add(
            _Node(
                id=style.node_id("group", aid, group.name),
                kind="group",
                rows=(group.name, f"IAM group · {_count(members.get(group.name, 0), 'member')}"),
                tooltip=f"IAM group {group.name} ({group.arn}): its policies apply to every "
                f"member. A group is not a principal and cannot sign in.",
                account=aid,
            )
        )
        _add_policies(built, account, gid, group.policies, None)
    for user in account.users.values():
        uid = built.add(
            _Node(
                id=style.node_id("user", aid, user.name),
                kind="user",
                rows=(user.name, "IAM user"),
                tooltip=f"IAM user {user.name} ({user.arn})"
                + (f", tags: {dict(user.tags)}" if user.tags else ""),
                account=aid,
            )
        )
        for group_name in user.groups:
            built.edge(uid, style.node_id("group", aid, group_name), "member")
        _add_policies(built, account, uid, user.policies, user.permissions_boundary)
    for role in account.roles.values():
        hours = style.duration_words(role.max_session_duration)
        rid = built.add(
            _Node(
                id=style.node_id("role", aid, role.name),
                kind="role",
                rows=(role.name, f"IAM role · up to {hours}"),
                tooltip=f"IAM role {role.name} ({role.arn}): no long-term credentials; whoever its "
                f"trust policy allows can assume it for a session of up to {hours}.",
                account=aid,
            )
        )
        _add_policies(built, account, rid, role.policies, role.permissions_boundary)
    if account.scp_levels:
        names = [
            f"{level[0].owner}: {style.shorten(p.name for p in level)}"
            for level in account.scp_levels
            if level
        ]
        built.add(
            _Node(
                id=style.node_id("scp", aid, "scp"),
                kind="boundary",
                rows=("Service control policies", *names),
                tooltip="SCPs set the most that any principal of this account may do; every level "
                "of the organization must allow a request.",
                account=aid,
            )
        )


def _add_policies(
    built: _Map,
    account: Account,
    owner_id: str,
    policies: Iterable[AttachedPolicy],
    boundary: AttachedPolicy | None,
) -> None:
    inline: list[str] = []
    for attached in policies:
        if attached.managed:
            pid = _managed_node(built, account, attached)
            built.edge(owner_id, pid, "policy", "", arrowhead="none")
        else:
            inline.append(attached.name)
    if inline:
        # Listed in the identity's own node: an inline policy belongs to it alone (and is
        # deleted with it); a separate note per identity would double the map's width.
        owner = built.nodes[owner_id]
        owner.rows = (*owner.rows, *style.wrap("inline: " + ", ".join(inline), 30))
        owner.tooltip += " Inline policies (belong to it alone): " + ", ".join(inline) + "."
    if boundary is not None:
        if boundary.managed:
            bid = _managed_node(built, account, boundary)
        else:
            bid = built.add(
                _Node(
                    id=f"{owner_id}__boundary",
                    kind="boundary",
                    rows=("permissions boundary", "(inline document)"),
                    tooltip="A permissions boundary: the most this identity's policies can grant.",
                    account=account.id,
                )
            )
        built.edge(owner_id, bid, "boundary", "boundary", arrowhead="none", style="dashed")


def _managed_node(built: _Map, account: Account, attached: AttachedPolicy) -> str:
    aid = account.id if attached.name in account.managed_policies else "aws"
    sids = [s.label for s in attached.policy.statements]
    caption = "customer managed policy" if aid != "aws" else "AWS managed policy"
    return built.add(
        _Node(
            id=style.node_id("policy", aid, attached.name),
            kind="policy",
            rows=(attached.name, caption),
            tooltip=f"{caption} {attached.name}: {style.shorten(sids, 6)}",
            account=account.id if aid != "aws" else None,
        )
    )


# -- trust policies -----------------------------------------------------------------------------


def _add_trust(built: _Map, role: Role) -> None:
    lab = built.lab
    rid = style.node_id("role", role.account, role.name)
    trusted_accounts: dict[str, list[str]] = {}
    for statement in role.trust_policy.statements:
        if not any(statement.matches_action(a) for a in _ASSUME_ACTIONS):
            continue
        if statement.principals is None or statement.not_principal:
            continue
        notes = naming.condition_notes(statement)
        deny = statement.effect == "Deny"
        # an arrow into a role is "may assume" (the legend says so); only exceptions are words
        label = "\n".join(["✖ may NOT assume", *notes] if deny else notes)
        attrs = _effect_attrs(statement)
        for source in _principal_nodes(built, statement):
            built.edge(source, rid, "trust", label, **attrs)
        if not deny:
            for arn in statement.principals.aws:
                account_id = _root_account(arn)
                if account_id in lab.accounts:
                    trusted_accounts.setdefault(account_id, []).extend(notes)
    # An account in the trust policy delegates to its IAM policies: show who they let in.
    for account_id, notes in trusted_accounts.items():
        for user in lab.accounts[account_id].users.values():
            decision = lab.evaluate(user.arn, "sts:AssumeRole", role.arn)
            if _identity_side_allows(decision.steps):
                label = "\n".join(dict.fromkeys(notes))
                built.edge(
                    style.node_id("user", account_id, user.name),
                    rid,
                    "can-assume",
                    label,
                    style="dotted",
                )


def _identity_side_allows(steps: Iterable[Step]) -> bool:
    """Do the caller's own policies (identity, boundary, session) let the request through?"""
    status = {s.kind: s.status for s in steps}
    return (
        status.get("deny") != "deny"
        and status.get("identity") == "allow"
        and status.get("permissions_boundary") != "no-allow"
        and status.get("session") != "no-allow"
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _root_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root" else ""


def _effect_attrs(statement: Statement) -> dict[str, str]:
    if statement.effect == "Deny":
        return {
            "color": style.VERMILION,
            "fontcolor": style.VERMILION,
            "penwidth": "2",
            "style": "bold",
        }
    return {}


def _principal_nodes(built: _Map, statement: Statement) -> list[str]:
    """The nodes for everyone a Principal element names (adding the ones not drawn yet)."""
    principals = statement.principals
    assert principals is not None
    out: list[str] = []
    if principals.everyone:
        out.append(
            built.add(
                _Node(
                    id="anyone",
                    kind="external",
                    rows=("anyone (*)", "every principal"),
                    tooltip='Principal "*": every principal, in any account, and anonymous '
                    "callers.",
                    account=None,
                )
            )
        )
    for arn in sorted(principals.aws):
        out.append(_aws_principal_node(built, arn))
    for service in sorted(principals.service):
        out.append(
            built.add(
                _Node(
                    id=style.node_id("service", "", service),
                    kind="service",
                    rows=(service, "AWS service"),
                    tooltip=f"The AWS service {service}, acting as a principal.",
                    account=None,
                )
            )
        )
    for provider in sorted(principals.federated | principals.canonical_user):
        out.append(
            built.add(
                _Node(
                    id=style.node_id("federated", "", provider),
                    kind="external",
                    rows=(provider.rsplit("/", 1)[-1], "identity provider (federation)"),
                    tooltip=f"Federated principal {provider}: users signed in with this identity "
                    f"provider.",
                    account=None,
                )
            )
        )
    return out


def _aws_principal_node(built: _Map, arn: str) -> str:
    lab = built.lab
    account_id = _root_account(arn)
    if account_id:
        if account_id in lab.accounts:
            name = lab.accounts[account_id].name
            return built.add(
                _Node(
                    id=style.node_id("account", account_id, "account"),
                    kind="account",
                    rows=(f"account {account_id}", "its IAM policies decide"),
                    tooltip=f"The account {name} ({account_id}) as a principal: the policy trusts "
                    f"the account, which lets in those of its principals whose own IAM "
                    f"policies allow it.",
                    account=account_id,
                )
            )
        return built.add(
            _Node(
                id=style.node_id("account", account_id, "account"),
                kind="external",
                rows=(f"account {account_id}", "outside this lab"),
                tooltip=f"The AWS account {account_id}, which this lab does not describe.",
                account=None,
            )
        )
    for account in lab.accounts.values():
        for user in account.users.values():
            if user.arn == arn:
                return style.node_id("user", account.id, user.name)
        for role in account.roles.values():
            if role.arn == arn:
                return style.node_id("role", account.id, role.name)
    return built.add(
        _Node(
            id=style.node_id("external", "", arn),
            kind="external",
            rows=(arn.split(":", 5)[-1], "outside this lab"),
            tooltip=f"{arn}: a principal this lab does not describe.",
            account=None,
        )
    )


# -- resources ----------------------------------------------------------------------------------


def _add_resources(built: _Map) -> None:
    lab = built.lab
    for resource in lab.resources.values():
        name, kind = naming.resource_caption(resource.arn)
        caption = kind if resource.policy is not None else f"{kind} · no resource policy"
        account = resource.account if resource.account in lab.accounts else None
        res_id = built.add(
            _Node(
                id=style.node_id("resource", resource.account, resource.arn),
                kind="resource",
                rows=(name, caption),
                tooltip=resource.arn,
                account=account,
            )
        )
        if resource.policy is None:
            continue
        for statement in resource.policy.statements:
            if statement.principals is None:
                continue
            mark = "✖ Deny" if statement.effect == "Deny" else "✔ Allow"
            if statement.not_principal:
                mark += " everyone except these"
            label = "\n".join(
                [f"{mark} {naming.actions_caption(statement)}", *naming.condition_notes(statement)]
            )
            for source in _principal_nodes(built, statement):
                built.edge(source, res_id, "resource", label, **_effect_attrs(statement))


# -- focus --------------------------------------------------------------------------------------


def _resolve_focus(built: _Map, focus: str) -> str:
    lab = built.lab
    default = lab.default_account.id
    candidates: list[str] = []
    text = focus.strip()
    if text == "root":
        candidates.append(style.node_id("root", default, "root"))
    elif text.startswith("arn:"):
        if text in lab.resources:
            candidates.append(style.node_id("resource", lab.resources[text].account, text))
        account_id = _root_account(text)
        if account_id:
            candidates.append(style.node_id("root", account_id, "root"))
        for account in lab.accounts.values():
            for kind, things in (
                ("user", account.users),
                ("group", account.groups),
                ("role", account.roles),
            ):
                for thing in things.values():
                    if thing.arn == text:
                        candidates.append(style.node_id(kind, account.id, thing.name))
    else:
        kind, _, name = text.partition("/")
        kinds = [kind] if name and kind in ("user", "group", "role") else ["user", "group", "role"]
        name = name if name and kind in ("user", "group", "role") else text
        accounts = sorted(lab.accounts.values(), key=lambda a: a.id != default)
        for wanted in kinds:
            for account in accounts:
                listing: dict[str, Mapping[str, object]] = {
                    "user": account.users,
                    "group": account.groups,
                    "role": account.roles,
                }
                if name in listing[wanted]:
                    candidates.append(style.node_id(wanted, account.id, name))
            if candidates:
                break
    found = [c for c in candidates if c in built.nodes]
    if not found:
        known = ", ".join(lab.principal_names())
        raise UnknownPrincipalError(
            f"focus={focus!r} names nothing in this lab; use a user name, user/NAME, "
            f"group/NAME, role/NAME, root or an ARN (principals: {known})"
        )
    return found[0]


def _neighbourhood(built: _Map, focus_id: str) -> set[str]:
    keep = {focus_id}
    via_group: list[str] = []
    for edge in built.edges:
        if edge.tail == focus_id:
            keep.add(edge.head)
            if edge.kind == "member":
                via_group.append(edge.head)
        elif edge.head == focus_id:
            keep.add(edge.tail)
    # a user's effective permissions include its groups' policies and what they let it assume
    for edge in built.edges:
        if edge.tail in via_group and edge.kind in ("policy", "boundary"):
            keep.add(edge.head)
    return keep


# -- drawing ------------------------------------------------------------------------------------


def _draw(built: _Map, focus_id: str | None, *, hidden: int = 0) -> graphviz.Digraph:
    lab = built.lab
    accounts = list(lab.accounts.values())
    counts = (
        f"{sum(len(a.users) for a in accounts)} users, "
        f"{sum(len(a.groups) for a in accounts)} groups, "
        f"{sum(len(a.roles) for a in accounts)} roles and {len(lab.resources)} resources"
    )
    names = " and ".join(f"{a.name} ({a.id})" for a in accounts)
    title = f"Account map: {lab.title or lab.default_account.name}"
    focus_words = ""
    if focus_id:
        focus_node = built.nodes[focus_id]
        focus_name = focus_node.rows[0]
        title += f" — focus on {focus_name}"
        focus_words = (
            f" Only {focus_name} and what it is connected to are drawn; {hidden} other "
            f"things of the lab are left out (account_map(lab) draws them all)."
        )
    description = (
        f"Account map of {names}: {counts}. Arrows show group membership, attached "
        f"policies, who may assume each role (from its trust policy) and whom each "
        f"resource-based policy allows or denies.{focus_words}"
    )
    graph = style.new_graph(title=title, description=description, rankdir="LR")
    graph.attr(ranksep="0.3", nodesep="0.25", newrank="true")

    def attrs_for(node: _Node) -> dict[str, str]:
        attrs = style.node_attrs(node.kind, tooltip=style.plain(node.tooltip), **node.extra)
        if node.id == focus_id:
            attrs.update(style.HIGHLIGHT)
        return attrs

    def label_for(node: _Node) -> graphviz.quoting.NoHtml:
        if node.id == focus_id:
            return style.lines(f"★ {node.rows[0]}", *node.rows[1:], "(in focus)")
        return style.lines(*node.rows)

    clusters = {a.id: style.account_cluster(a.id, a.name) for a in accounts}
    for node in built.nodes.values():
        target = clusters.get(node.account) if node.account else None
        (target if target is not None else graph).node(node.id, label_for(node), **attrs_for(node))
    # Groups, roles and resources share one column: a resource never gets a column of its own
    # to the right of the role its policy names (that would widen the map by a third).
    for account_id, sub in clusters.items():
        column = [
            n.id
            for n in built.nodes.values()
            if n.account == account_id and n.kind in ("group", "role", "resource")
        ]
        if column:
            with sub.subgraph(name=f"column_{style.safe_id(account_id)}") as same:
                same.attr(rank="same")
                for nid in column:
                    same.node(nid)
        graph.subgraph(sub)
    for edge in built.edges:
        label = style.edge_label(*edge.label.split("\n")) if edge.label else None
        words = " ".join([_EDGE_WORDS.get(edge.kind, edge.kind), *edge.label.split("\n")]).strip()
        tooltip = f"{built.nodes[edge.tail].rows[0]} {words} {built.nodes[edge.head].rows[0]}"
        graph.edge(edge.tail, edge.head, label=label, tooltip=style.plain(tooltip), **edge.attrs)
    return graph
