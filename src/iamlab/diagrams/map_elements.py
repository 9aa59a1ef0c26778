"""The account map's elements: the nodes and arrows a lab gives, before anything is drawn.

:func:`collect` reads a :class:`~iamlab.model.lab.Lab` into :class:`MapElements`: one node per
user, group, role, root user, policy, resource and outside principal, and one arrow per
membership, attachment, trust-policy statement, "can assume" through an account, and
resource-policy statement. :mod:`iamlab.diagrams.map_focus` picks a part of them;
:mod:`iamlab.diagrams.account_map` draws them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from iamlab.model.evaluation import Step
from iamlab.model.lab import Lab
from iamlab.model.policy import Statement
from iamlab.model.principals import Account, AttachedPolicy, Role

from . import naming, style

_ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")


#: What each kind of arrow says (its tooltip; the legend under the map says it for the eye).
EDGE_WORDS = {
    "member": "is a member of",
    "policy": "has the policy",
    "boundary": "has the permissions boundary",
    "trust": "may assume (trust policy)",
    "can-assume": "can assume (its own policies allow it)",
    "resource": "is named in the resource-based policy of",
}


@dataclass
class MapNode:
    id: str
    kind: str
    rows: tuple[str, ...]  # the label, one row a line
    tooltip: str
    account: str | None  # the cluster it sits in; None: outside every account
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class MapEdge:
    tail: str
    head: str
    kind: str  # member | policy | boundary | trust | can-assume | resource
    label: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class MapElements:
    lab: Lab
    nodes: dict[str, MapNode] = field(default_factory=dict)
    edges: list[MapEdge] = field(default_factory=list)

    def add(self, node: MapNode) -> str:
        self.nodes.setdefault(node.id, node)
        return node.id

    def edge(self, tail: str, head: str, kind: str, label: str = "", **attrs: str) -> None:
        self.edges.append(MapEdge(tail, head, kind, label, dict(attrs)))


def collect(lab: Lab) -> MapElements:
    """Every node and arrow of ``lab``'s account map."""
    built = MapElements(lab)
    for account in lab.accounts.values():
        _add_account(built, account)
    for account in lab.accounts.values():
        for role in account.roles.values():
            _add_trust(built, role)
    _add_resources(built)
    return built


# -- accounts, identities and their policies ---------------------------------------------------


def _add_account(built: MapElements, account: Account) -> None:
    aid = account.id
    built.add(
        MapNode(
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
            MapNode(
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
            MapNode(
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
            MapNode(
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
            MapNode(
                id=style.node_id("scp", aid, "scp"),
                kind="boundary",
                rows=("Service control policies", *names),
                tooltip="SCPs set the most that any principal of this account may do; every level "
                "of the organization must allow a request.",
                account=aid,
            )
        )


def _add_policies(
    built: MapElements,
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
                MapNode(
                    id=f"{owner_id}__boundary",
                    kind="boundary",
                    rows=("permissions boundary", "(inline document)"),
                    tooltip="A permissions boundary: the most this identity's policies can grant.",
                    account=account.id,
                )
            )
        built.edge(owner_id, bid, "boundary", "boundary", arrowhead="none", style="dashed")


def _managed_node(built: MapElements, account: Account, attached: AttachedPolicy) -> str:
    aid = account.id if attached.name in account.managed_policies else "aws"
    sids = [s.label for s in attached.policy.statements]
    caption = "customer managed policy" if aid != "aws" else "AWS managed policy"
    return built.add(
        MapNode(
            id=style.node_id("policy", aid, attached.name),
            kind="policy",
            rows=(attached.name, caption),
            tooltip=f"{caption} {attached.name}: {style.shorten(sids, 6)}",
            account=account.id if aid != "aws" else None,
        )
    )


# -- trust policies -----------------------------------------------------------------------------


def _add_trust(built: MapElements, role: Role) -> None:
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
                account_id = root_account(arn)
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


def root_account(arn: str) -> str:
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


def _principal_nodes(built: MapElements, statement: Statement) -> list[str]:
    """The nodes for everyone a Principal element names (adding the ones not drawn yet)."""
    principals = statement.principals
    assert principals is not None
    out: list[str] = []
    if principals.everyone:
        out.append(
            built.add(
                MapNode(
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
                MapNode(
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
                MapNode(
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


def _aws_principal_node(built: MapElements, arn: str) -> str:
    lab = built.lab
    account_id = root_account(arn)
    if account_id:
        if account_id in lab.accounts:
            name = lab.accounts[account_id].name
            return built.add(
                MapNode(
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
            MapNode(
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
        MapNode(
            id=style.node_id("external", "", arn),
            kind="external",
            rows=(arn.split(":", 5)[-1], "outside this lab"),
            tooltip=f"{arn}: a principal this lab does not describe.",
            account=None,
        )
    )


# -- resources ----------------------------------------------------------------------------------


def _add_resources(built: MapElements) -> None:
    lab = built.lab
    for resource in lab.resources.values():
        name, kind = naming.resource_caption(resource.arn)
        caption = kind if resource.policy is not None else f"{kind} · no resource policy"
        account = resource.account if resource.account in lab.accounts else None
        res_id = built.add(
            MapNode(
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
