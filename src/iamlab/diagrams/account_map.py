"""The account map: who is in which group, which policies they carry, who may assume each role,
and whom each resource-based policy names.

https://docs.aws.amazon.com/IAM/latest/UserGuide/id.html (users, groups, roles)
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html (trust policy)

Arrows (each with its meaning in words as its tooltip; the notebooks give the legend):

- user → group: member of;
- identity → policy: attached (a dashed line: a permissions boundary);
- principal → role: may assume, from the role's trust policy, with notes such as "MFA required"
  or "ExternalId required"; a trust policy that names an *account* is drawn from that account's
  node: it hands the decision to the account's own IAM policies, and the users whose policies do
  allow ``sts:AssumeRole`` on the role get a dotted arrow;
- principal → resource, from each statement of a resource-based policy (✔ Allow / ✖ Deny).

The whole map lists each identity's policies in its own box (``inline:``, ``managed:``), so that
it fits a notebook column; groups, roles and resources share one column. With ``focus`` only one
principal (or resource) and what is one arrow away from it are drawn, managed policies as shared
notes. The elements come from :mod:`.map_elements`, the focus from :mod:`.map_focus`.
"""

from __future__ import annotations

import graphviz

from iamlab.model.lab import Lab

from . import style
from .map_elements import EDGE_WORDS, MapElements, MapNode, collect
from .map_focus import neighbourhood, resolve_focus


def account_map(lab: Lab, *, focus: str | None = None) -> graphviz.Digraph:
    """Draw the lab's accounts: users, groups, roles, policies, trust and resource policies.

    ``focus`` names one principal to pick out: a user name, ``user/NAME``, ``group/NAME``,
    ``role/NAME``, ``root`` or an ARN (a user, group, role, root or a listed resource).
    """
    built = collect(lab)

    if focus is None:
        _fold_managed_policies(built)
        return _draw(built, None)
    focus_id = resolve_focus(built, focus)
    keep = neighbourhood(built, focus_id)
    shown = len(keep)
    hidden = len(built.nodes) - shown
    built.nodes = {k: v for k, v in built.nodes.items() if k in keep}
    built.edges = [e for e in built.edges if e.tail in keep and e.head in keep]
    return _draw(built, focus_id, hidden=hidden)


def _fold_managed_policies(built: MapElements) -> None:
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


# -- drawing ------------------------------------------------------------------------------------


def _draw(built: MapElements, focus_id: str | None, *, hidden: int = 0) -> graphviz.Digraph:
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

    def attrs_for(node: MapNode) -> dict[str, str]:
        attrs = style.node_attrs(node.kind, tooltip=style.plain(node.tooltip), **node.extra)
        if node.id == focus_id:
            attrs.update(style.HIGHLIGHT)
        return attrs

    def label_for(node: MapNode) -> graphviz.quoting.NoHtml:
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
        words = " ".join([EDGE_WORDS.get(edge.kind, edge.kind), *edge.label.split("\n")]).strip()
        tooltip = f"{built.nodes[edge.tail].rows[0]} {words} {built.nodes[edge.head].rows[0]}"
        graph.edge(edge.tail, edge.head, label=label, tooltip=style.plain(tooltip), **edge.attrs)
    return graph
