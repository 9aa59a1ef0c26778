"""The account map's focus: what ``focus=`` names, and what reaches it.

A focus view draws one principal (a user, a group, a role, the root user) or a resource and the
nodes one arrow away from it, plus, for a user, the policies of the groups it is a member of.
"""

from __future__ import annotations

from collections.abc import Mapping

from iamlab.errors import UnknownPrincipalError
from iamlab.safe_repr import safe_repr

from . import style
from .map_elements import MapElements, root_account


def resolve_focus(built: MapElements, focus: str) -> str:
    lab = built.lab
    default = lab.default_account.id
    candidates: list[str] = []
    text = focus.strip()
    if text == "root":
        candidates.append(style.node_id("root", default, "root"))
    elif text.startswith("arn:"):
        if text in lab.resources:
            candidates.append(style.node_id("resource", lab.resources[text].account, text))
        account_id = root_account(text)
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
            f"focus={safe_repr(focus)} names nothing in this lab; use a user name, user/NAME, "
            f"group/NAME, role/NAME, root or an ARN (principals: {known})"
        )
    return found[0]


def neighbourhood(built: MapElements, focus_id: str) -> set[str]:
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
