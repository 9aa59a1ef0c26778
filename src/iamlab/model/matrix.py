"""Who can do what: many requests at once, as a grid of decisions.

``access_matrix(lab, principals, actions, resources)`` asks ``lab.evaluate`` about every
combination and keeps every :class:`~iamlab.model.evaluation.Decision`, so each cell can
still explain itself. Nothing is decided here that ``Lab.evaluate`` does not decide.

``known_actions(lab)`` and ``known_resources(lab)`` list what a lab's policies talk about:
the suggestions a simulator or a matrix offers by default.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from iamlab import arguments as args
from iamlab.errors import IamlabError, ValidationError
from iamlab.model.evaluation import Decision
from iamlab.model.matching import has_wildcard
from iamlab.model.policy import Policy

if TYPE_CHECKING:
    from iamlab.model.lab import Lab

Key = tuple[str, str, str]
ERROR = "Error"
MAX_CELLS = 250_000


@dataclass(frozen=True, slots=True)
class AccessMatrix:
    """The decisions for ``principals`` × ``actions`` × ``resources`` (in the order given).

    A cell holds the :class:`Decision`, or the :class:`~iamlab.errors.IamlabError` the
    request raised (an unknown principal, a group, a malformed ARN ...).
    """

    principals: tuple[str, ...]
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    outcomes: Mapping[Key, Decision | IamlabError]

    def outcome(self, principal: str, action: str, resource: str) -> Decision | IamlabError:
        """The decision for one cell, or the error that request raised."""
        for name, value in (("principal", principal), ("action", action), ("resource", resource)):
            args.check_text(value, "AccessMatrix.outcome", name, empty=True)
        try:
            return self.outcomes[(principal, action, resource)]
        except KeyError:
            raise IamlabError(
                f"({principal}, {action}, {resource}) is not a cell of this matrix"
            ) from None

    def cell(self, principal: str, action: str, resource: str) -> Decision:
        """The decision for one cell; raises the request's error if it had one."""
        found = self.outcome(principal, action, resource)
        if isinstance(found, IamlabError):
            raise found
        return found

    def result(self, principal: str, action: str, resource: str) -> str:
        """``Allowed``, ``ImplicitlyDenied``, ``ExplicitlyDenied`` or ``Error``."""
        found = self.outcome(principal, action, resource)
        return ERROR if isinstance(found, IamlabError) else found.result

    @property
    def results(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """``results[i][j][k]``: the result for principal i, action j, resource k."""
        return tuple(
            tuple(tuple(self.result(p, a, r) for r in self.resources) for a in self.actions)
            for p in self.principals
        )

    def counts(self) -> Counter[str]:
        """How many cells have each result."""
        return Counter(
            ERROR if isinstance(found, IamlabError) else found.result
            for found in self.outcomes.values()
        )

    def __len__(self) -> int:
        return len(self.outcomes)


def access_matrix(
    lab: Lab,
    principals: Iterable[str],
    actions: Iterable[str],
    resources: Iterable[str],
    *,
    context: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> AccessMatrix:
    """Evaluate every (principal, action, resource) with the same context and time.

    At most :data:`MAX_CELLS` cells (a ValidationError beyond: no widget shows more).
    """
    args.check_lab(lab, "access_matrix")
    ps = args.check_texts(principals, "access_matrix", "principals")
    acts = args.check_texts(actions, "access_matrix", "actions")
    res = args.check_texts(resources, "access_matrix", "resources")
    args.check_context(context, "access_matrix")
    if len(ps) * len(acts) * len(res) > MAX_CELLS:
        raise ValidationError(
            f"access_matrix: {len(ps)} x {len(acts)} x {len(res)} cells; at most {MAX_CELLS:,}"
        )
    moment = args.check_moment(now, "access_matrix") or datetime.now(UTC)
    outcomes: dict[Key, Decision | IamlabError] = {}
    evaluate = lab.evaluate
    for p in ps:
        for a in acts:
            for r in res:
                try:
                    outcomes[(p, a, r)] = evaluate(p, a, r, context=context, now=moment)
                except IamlabError as exc:
                    outcomes[(p, a, r)] = exc
    return AccessMatrix(principals=ps, actions=acts, resources=res, outcomes=outcomes)


# -- what a lab talks about -------------------------------------------------------------------


def lab_policies(lab: Lab) -> Iterator[Policy]:
    """Every policy document in the lab, each once: identity, boundary, trust, resource, SCP."""
    seen: set[int] = set()

    def once(policy: Policy) -> Iterator[Policy]:
        if id(policy) not in seen:
            seen.add(id(policy))
            yield policy

    for account in lab.accounts.values():
        for policy in account.managed_policies.values():
            yield from once(policy)
        for group in account.groups.values():
            for attached in group.policies:
                yield from once(attached.policy)
        for user in account.users.values():
            for attached in user.policies:
                yield from once(attached.policy)
            if user.permissions_boundary is not None:
                yield from once(user.permissions_boundary.policy)
        for role in account.roles.values():
            yield from once(role.trust_policy)
            for attached in role.policies:
                yield from once(attached.policy)
            if role.permissions_boundary is not None:
                yield from once(role.permissions_boundary.policy)
        for level in account.scp_levels:
            for attached in level:
                yield from once(attached.policy)
    for resource in lab.resources.values():
        if resource.policy is not None:
            yield from once(resource.policy)


def known_actions(lab: Lab) -> list[str]:
    """The actions the lab's policies name without wildcards, sorted by service."""
    args.check_lab(lab, "known_actions")
    found: set[str] = set()
    for policy in lab_policies(lab):
        for statement in policy.statements:
            if not statement.not_action:
                found.update(a for a in statement.actions if not has_wildcard(a))
    return sorted(found, key=lambda a: (a.split(":", 1)[0].lower(), a.lower()))


def known_resources(lab: Lab) -> list[str]:
    """The listed resources, then the resource ARNs policies name without wildcards."""
    args.check_lab(lab, "known_resources")
    out: dict[str, None] = dict.fromkeys(lab.resources)
    for policy in lab_policies(lab):
        for statement in policy.statements:
            if statement.resources is None or statement.not_resource:
                continue
            for resource in statement.resources:
                if resource != "*" and not has_wildcard(resource) and "${" not in resource:
                    out.setdefault(resource, None)
    return list(out)
