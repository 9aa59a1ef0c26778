"""Who can do what: many requests at once, as a grid of decisions.

``access_matrix(lab, principals, actions, resources)`` asks ``lab.evaluate`` about every
combination and keeps every :class:`~iamlab.model.evaluation.Decision`, so each cell can
still explain itself. Nothing is decided here that ``Lab.evaluate`` does not decide.

``known_actions(lab)`` and ``known_resources(lab)`` list what a lab's policies talk about:
the suggestions a simulator or a matrix offers by default.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from iamlab import arguments as args
from iamlab.errors import IamlabError, ValidationError
from iamlab.model import aws_rules
from iamlab.model.caller import Caller
from iamlab.model.evaluation import (
    STEP_ORDER,
    Decision,
    GrantKind,
    MatchedStatement,
    Result,
    _decide,
    _Facts,
    _Match,
    _Plan,
    _plan,
    principal_grant,
    required_resource_policy,
    statements_for_action,
)
from iamlab.model.matching import has_wildcard
from iamlab.model.policy import Policy, Statement
from iamlab.model.principals import AttachedPolicy

if TYPE_CHECKING:
    from iamlab.model.lab import Lab

Key = tuple[str, str, str]
ERROR = "Error"
MAX_CELLS = 250_000


class _Outcomes(Mapping[Key, "Decision | IamlabError"]):
    """The cells of a matrix: a :class:`Decision` (built when first asked for) or an error.

    The batch keeps, for each cell, what AWS's evaluation concluded (the result, who decided,
    the statements used, which boxes allowed) and builds the cell's Decision from it on
    demand: exactly what ``lab.evaluate`` returns for the cell
    (tests/model/test_matrix_batch.py compares every cell).
    """

    __slots__ = ("_built", "_cells")

    def __init__(self) -> None:
        self._cells: dict[Key, _Stored] = {}
        self._built: dict[Key, Decision] = {}

    def result(self, key: Key) -> str:
        found = self._cells[key]
        if isinstance(found, IamlabError):
            return ERROR
        if isinstance(found, Decision):
            return found.result
        return found[0].result

    def __getitem__(self, key: Key) -> Decision | IamlabError:
        found = self._cells[key]
        if isinstance(found, (IamlabError, Decision)):
            return found
        built = self._built.get(key)
        if built is None:
            cell, policy = found
            built = self._built[key] = cell.decision(key[1], key[2], policy)
        return built

    def __iter__(self) -> Iterator[Key]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)


@dataclass(frozen=True, slots=True)
class _Cell:
    """What the evaluation of one cell concluded, shared by the cells that concluded alike."""

    result: Result
    decided_by: tuple[str, ...]
    used: tuple[tuple[AttachedPolicy, Statement, GrantKind | None], ...]
    caller: Caller
    resource_account: str
    context: dict[str, object]
    facts: _Facts
    required_policy: str  # "trust policy" where the role's trust policy must allow, or ""

    def decision(self, action: str, resource: str, policy: AttachedPolicy | None) -> Decision:
        """The cell's Decision, for its action, resource and resource-based policy (one that
        matched nothing can differ between cells of a class: ``explain`` lists it)."""
        return Decision(
            result=self.result,
            decided_by=self.decided_by,
            statements=tuple(
                MatchedStatement(source=a, statement=st, grant=g) for a, st, g in self.used
            ),
            caller=self.caller,
            action=action,
            resource=resource,
            resource_account=self.resource_account,
            context=self.context,
            resource_policy=policy,
            facts=self.facts,
            required_policy=self.required_policy,
        )


#: A cell as the batch keeps it: its class's conclusion and its resource-based policy, or a
#: Decision / error that ``evaluate`` gave for a request the batch did not take.
_Stored = tuple[_Cell, "AttachedPolicy | None"] | Decision | IamlabError


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
        key = (principal, action, resource)
        if (
            type(principal) is str  # an unhashable key must reach outcome()'s checks
            and type(action) is str
            and type(resource) is str
            and isinstance(self.outcomes, _Outcomes)
            and key in self.outcomes
        ):
            return self.outcomes.result(key)
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
        return Counter(self.result(p, a, r) for (p, a, r) in self.outcomes)

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

    Computed in batches rather than as independent requests: each principal is resolved once,
    each resource's policy and account found once, each request context built once per
    principal and account, each statement's Resource matched against a resource once for the
    whole matrix, each statement's conditions checked once per context, and AWS's flow run
    once for each distinct set of matching statements of a principal and action. Every cell
    is what ``lab.evaluate(principal, action, resource, context=..., now=...)`` returns; a
    request ``evaluate`` would refuse (an unknown principal, a malformed action) is asked of
    ``evaluate`` itself, so its cell holds the same error.

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
    outcomes = _Outcomes()
    batch = _Batch(lab, context, moment)
    # The batch makes tens of thousands of small objects and no reference cycles: Python's
    # cycle collector, run again and again as they pile up, would take a third of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for p in ps:
            for a in acts:
                batch.row(p, a, res, outcomes._cells)
    finally:
        if collecting:
            gc.enable()
    return AccessMatrix(principals=ps, actions=acts, resources=res, outcomes=outcomes)


#: For one cell: (resource-based policy, the resource's account, must the policy allow?,
#: the request context).
_Target = tuple["AttachedPolicy | None", str, bool, dict[str, object]]


class _Batch:
    """What the cells of one matrix share: callers, resources, contexts, statement matches.

    The flow after matching is AWS's, from :mod:`iamlab.model.evaluation` (``_decide``); the
    matching mirrors ``evaluate_request`` statement by statement, and the request's inputs
    mirror ``Lab.evaluate``.
    """

    def __init__(self, lab: Lab, context: Mapping[str, object] | None, now: datetime) -> None:
        self.lab = lab
        self.context = context
        self.now = now
        self.callers: dict[str, Caller | None] = {}
        self.targets: dict[tuple[str, str], tuple[AttachedPolicy | None, str, bool] | None] = {}
        self.hits: dict[tuple[int, str], bool] = {}  # (statement, resource): Resource matches
        self.conditions: dict[tuple[int, int], bool] = {}  # (statement, context): they hold
        self.contexts: dict[tuple[int, str], dict[str, object]] = {}
        self.static_masks: dict[int, int] = {}  # statement -> the resources it matches
        self.columns: dict[
            str, list[tuple[AttachedPolicy | None, str, bool, tuple[Statement, ...]] | None]
        ] = {}
        self.variables: dict[int, bool] = {}  # statement -> uses policy variables

    def _caller(self, principal: str) -> Caller | None:
        """The resolved caller; None when ``evaluate`` would refuse the principal."""
        if principal not in self.callers:
            try:
                caller: Caller | None = self.lab._resolve(principal, now=self.now)
            except IamlabError:
                caller = None
            if caller is not None and caller.kind == "service":
                caller = None
            self.callers[principal] = caller
        return self.callers[principal]

    def _target(self, action: str, resource: str) -> tuple[AttachedPolicy | None, str, bool] | None:
        """(resource-based policy, the resource's account, must the policy allow?) as
        ``Lab.evaluate`` finds them; None for a request the batch leaves to ``evaluate``: one
        it refuses, one AWS decides by itself (:mod:`iamlab.model.aws_rules`) or one on a KMS
        key, whose key policy must allow."""
        key = (action, resource)
        if key not in self.targets:
            from iamlab.model.lab import _arn_account as lab_arn_account  # lab imports this

            lab = self.lab
            required = required_resource_policy(action, resource)
            if (
                ":" not in action
                or not (resource == "*" or resource.startswith("arn:"))
                # rarer requests with a rule of their own: ``evaluate`` answers them
                or required == "key policy"
                or aws_rules.rule_for(action, resource) is not None
            ):
                self.targets[key] = None
            else:
                listed = lab.resource_for(resource)
                account = listed.account if listed and listed.account else lab_arn_account(resource)
                policy = lab._attached_resource_policy(listed)
                trusting = lab._trust_policy_for(action, resource) if required else None
                if trusting is not None:
                    policy, account = trusting
                self.targets[key] = (policy, account, trusting is not None)
        return self.targets[key]

    def _context(self, caller: Caller, account: str) -> dict[str, object]:
        from iamlab.model.lab import _request_context  # lab imports this module

        key = (id(caller), account)
        ctx = self.contexts.get(key)
        if ctx is None:
            ctx = self.contexts[key] = _request_context(caller, account, self.context, self.now)
        return ctx

    def row(
        self,
        principal: str,
        action: str,
        resources: tuple[str, ...],
        out: dict[Key, _Stored],
    ) -> None:
        """The cells of one principal and one action, across ``resources``.

        Each statement of the caller's policies is matched against all the resources at once
        (a bit mask, one bit a resource); the resources whose bits agree, and whose own
        resource-based policy matches alike, fall into one class, and AWS's flow runs once
        per class.
        """
        caller = self._caller(principal)
        if caller is None:
            for r in resources:
                out[(principal, action, r)] = self._refused(principal, action, r)
            return
        plan = _plan(caller, action)
        flat: list[tuple[AttachedPolicy, Statement, int]] = [  # (policy, statement, SCP level)
            (attached, statement, level)
            for level, statements in enumerate(plan.scp_levels)
            for attached, statement in statements
        ]
        flat += [(attached, statement, -1) for attached, statement in plan.identity]
        column = self._column(action, resources)
        targets: list[_Target | None] = []
        contexts: dict[str, dict[str, object]] = {}
        valid = 0
        by_context: dict[int, tuple[dict[str, object], int]] = {}
        for j, target in enumerate(column):
            if target is None:
                targets.append(None)
                continue
            policy, listed_account, required, _statements = target
            account = listed_account or caller.account
            ctx = contexts.get(account)
            if ctx is None:
                ctx = contexts[account] = self._context(caller, account)
            targets.append((policy, account, required, ctx))
            valid |= 1 << j
            members = by_context.get(id(ctx), (ctx, 0))[1]
            by_context[id(ctx)] = (ctx, members | 1 << j)
        groups = list(by_context.values())
        # per resource, which of the statements match it: one bit a statement
        bits = [0] * len(resources)
        for i, (_, statement, _) in enumerate(flat):
            mask = self._mask(statement, resources, targets, valid, groups)
            while mask:
                low = mask & -mask
                bits[low.bit_length() - 1] |= 1 << i
                mask ^= low
        concluded: dict[tuple[object, ...], _Cell] = {}
        for j, r in enumerate(resources):
            found = targets[j]
            if found is None:
                out[(principal, action, r)] = self._refused(principal, action, r)
                continue
            policy, account, required, ctx = found
            statements = column[j][3]  # type: ignore[index]
            res_matched: tuple[tuple[Statement, GrantKind], ...] = ()
            res_key: tuple[object, ...] = ()
            if statements:
                res_matched = self._resource_matches(statements, r, caller, ctx)
                res_key = tuple((id(statement), grant) for statement, grant in res_matched)
            key = (bits[j], id(ctx), required, policy is None, res_key)
            cell = concluded.get(key)
            if cell is None:
                cell = concluded[key] = self._conclude(
                    caller, plan, flat, bits[j], policy, res_matched, account, required, ctx
                )
            out[(principal, action, r)] = (cell, policy)

    def _column(
        self, action: str, resources: tuple[str, ...]
    ) -> list[tuple[AttachedPolicy | None, str, bool, tuple[Statement, ...]] | None]:
        """For each resource, with ``action``: its resource-based policy, its account, whether
        the policy must allow, and the policy's statements for the action (the same for every
        principal)."""
        column = self.columns.get(action)
        if column is None:
            column = []
            for r in resources:
                target = self._target(action, r)
                if target is None:
                    column.append(None)
                    continue
                policy, account, required = target
                statements = statements_for_action(policy.policy, action) if policy else ()
                column.append((policy, account, required, statements))
            self.columns[action] = column
        return column

    def _mask(
        self,
        statement: Statement,
        resources: tuple[str, ...],
        targets: list[_Target | None],
        valid: int,
        groups: list[tuple[dict[str, object], int]],
    ) -> int:
        """Bit j set: ``statement`` matches resource j in its request's context.

        ``valid``: the resources the batch takes; ``groups``: (context, its resources)."""
        if self._variables(statement):
            base = 0
            for j, r in enumerate(resources):
                target = targets[j]
                if target is not None and statement.matches_resource(r, target[3]):
                    base |= 1 << j
        else:
            base = self.static_masks.get(id(statement), -1)
            if base < 0:
                base = 0
                for j, r in enumerate(resources):
                    if statement.matches_resource(r, {}):
                        base |= 1 << j
                self.static_masks[id(statement)] = base
        base &= valid
        if not base or not statement.conditions:
            return base
        mask = 0
        for ctx, members in groups:
            if base & members and self._conditions_hold(statement, ctx):
                mask |= base & members
        return mask

    def _variables(self, statement: Statement) -> bool:
        """Does the statement's Resource use policy variables (so it depends on the context)?"""
        found = self.variables.get(id(statement))
        if found is None:
            found = self.variables[id(statement)] = statement.resources is not None and any(
                "${" in r for r in statement.resources
            )
        return found

    def _resource_matches(
        self,
        statements: tuple[Statement, ...],
        resource: str,
        caller: Caller,
        ctx: dict[str, object],
    ) -> tuple[tuple[Statement, GrantKind], ...]:
        """The statements of a resource-based policy that match, with how they name the
        caller, in ``evaluate_request``'s order of checks."""
        matched = []
        for statement in statements:
            if not self._hit_resource(statement, resource, ctx):
                continue
            grant = principal_grant(statement, caller)
            if grant is None:
                continue
            if statement.conditions and not self._conditions_hold(statement, ctx):
                continue
            matched.append((statement, grant))
        return tuple(matched)

    def _conclude(
        self,
        caller: Caller,
        plan: _Plan,
        flat: list[tuple[AttachedPolicy, Statement, int]],
        bits: int,
        policy: AttachedPolicy | None,
        res_matched: tuple[tuple[Statement, GrantKind], ...],
        account: str,
        required: bool,
        ctx: dict[str, object],
    ) -> _Cell:
        """AWS's flow for one class of cells, as ``evaluate_request`` runs it."""
        denies: list[_Match] = []
        scp_allows: list[_Match] = []
        allowed_at = [False] * len(plan.scp_levels)
        id_allows: list[_Match] = []
        b_allows: list[_Match] = []
        s_allows: list[_Match] = []
        for i, (attached, statement, level) in enumerate(flat):
            if level >= 0 and bits >> i & 1:
                if statement.effect == "Deny":
                    denies.append((attached, statement, None))
                else:
                    scp_allows.append((attached, statement, None))
                    allowed_at[level] = True
        scp_ok = all(allowed_at)
        res_allows: list[_Match] = []
        for statement, grant in res_matched:
            assert policy is not None
            (denies if statement.effect == "Deny" else res_allows).append(
                (policy, statement, grant)
            )
        for i, (attached, statement, level) in enumerate(flat):
            if level < 0 and bits >> i & 1:
                if statement.effect == "Deny":
                    denies.append((attached, statement, None))
                elif attached.kind == "identity":
                    id_allows.append((attached, statement, None))
                elif attached.kind == "permissions_boundary":
                    b_allows.append((attached, statement, None))
                else:
                    s_allows.append((attached, statement, None))
        facts = _Facts(
            scp=None if not caller.scp_levels else scp_ok,
            resource=None if policy is None else bool(res_allows),
            identity=bool(id_allows),
            boundary=None if caller.boundary is None else bool(b_allows),
            session=None if caller.session_policy is None else bool(s_allows),
        )
        if denies:
            order = {k: i for i, k in enumerate(STEP_ORDER)}
            kinds = tuple(sorted({a.kind for a, _, _ in denies}, key=order.__getitem__))
            result: Result = "ExplicitlyDenied"
            decided_by: tuple[str, ...] = kinds
            used = denies
        else:
            result, decided_by, used = _decide(
                caller,
                facts,
                scp_allows,
                res_allows,
                id_allows,
                b_allows,
                s_allows,
                policy is not None,
                account,
                required,
            )
        return _Cell(
            result=result,
            decided_by=decided_by,
            used=tuple(used),
            caller=caller,
            resource_account=account,
            context=ctx,
            facts=facts,
            required_policy="trust policy" if required else "",
        )

    def _hit_resource(self, statement: Statement, resource: str, ctx: dict[str, object]) -> bool:
        """Does the statement's Resource element match (computed once per matrix, unless it
        uses policy variables)?"""
        key = (id(statement), resource)
        found = self.hits.get(key)
        if found is not None:
            return found
        hit = statement.matches_resource(resource, ctx)
        if not self._variables(statement):
            self.hits[key] = hit
        return hit

    def _conditions_hold(self, statement: Statement, ctx: dict[str, object]) -> bool:
        key = (id(statement), id(ctx))
        holds = self.conditions.get(key)
        if holds is None:
            holds = self.conditions[key] = statement.matches_conditions(ctx)
        return holds

    def _refused(self, principal: str, action: str, resource: str) -> Decision | IamlabError:
        """A request the batch does not take: ``evaluate`` answers it (usually with its error)."""
        try:
            return self.lab.evaluate(
                principal, action, resource, context=self.context, now=self.now
            )
        except IamlabError as exc:
            return exc


def _service_and_type(arn: str) -> tuple[str, str]:
    """``("s3", "")``, ``("iam", "role")``: a rule about one kind of resource never crosses."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return (arn, "")
    kind = parts[5].split("/", 1)[0] if "/" in parts[5] else ""
    return (parts[2], kind)


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
