"""How AWS decides a request: the policy evaluation logic of the IAM User Guide.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html

The order, as AWS documents it:

1. **Deny evaluation** — an explicit ``Deny`` in any applicable policy (SCP, resource-based,
   identity-based, permissions boundary, session policy) decides: ``ExplicitlyDenied``.
2. **Service control policies** — every level of the organization (root, each OU, the
   account) must allow the action, or it is implicitly denied. SCPs apply to every principal
   of a member account, its root user included.
3. **Resource-based policy** — within one account, an allow that names the caller directly
   (an IAM user ARN or a role session ARN) is enough on its own; an allow that names a role ARN
   is still limited by the role's permissions boundary and session policy; naming the account
   delegates to its identity-based policies.
4. **Identity-based policies** — otherwise an allow is needed here.
5. **Permissions boundary** and 6. **session policy** — when present, they must allow too.

Two kinds of resource-based policy must allow the caller even within one account: a role's
trust policy (for sts:AssumeRole and its family) and a KMS key's key policy ("IAM role trust
policies and KMS key policies are exceptions"; see :func:`required_resource_policy`). A key
policy that names the account delegates to the account's IAM policies, as any resource-based
policy does.

Across accounts, both sides must allow: the caller's account (identity-based policies,
boundary, session policy) and the resource's account (its resource-based policy).
The root user has every permission in its own account, so only SCPs and explicit denies in
resource-based policies limit it.

A federated caller (the holder of an OIDC token or a SAML assertion, on its way to a role
session) has no identity-based policies: only the role's trust policy decides.

Simplifications (said where learners read them): resource control policies, VPC endpoint
policies, ACLs, service-linked roles, GetFederationToken sessions and the management account's
exemption from SCPs are not modelled. Resource-based policies that name ``"*"`` are treated
as naming the caller directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from iamlab.model.caller import Caller
from iamlab.model.policy import Policy, Statement
from iamlab.model.principals import AttachedPolicy

Result = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]
GrantKind = Literal["direct", "role", "account"]
STEP_ORDER = ("deny", "scp", "resource", "identity", "permissions_boundary", "session")
StepStatus = Literal["deny", "allow", "no-allow", "absent", "not-reached"]
# the actions a role's trust policy governs (id_roles_manage-assume.html, id_session-tags.html)
TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
    }
)
_KMS_KEY = re.compile(r"\Aarn:aws[\w-]*:kms:[^:]*:\d{12}:key/")


def required_resource_policy(action: str, resource: str) -> str | None:
    """The resource-based policy that must allow ``action`` on ``resource`` even within one
    account, or None when an identity-based allow is enough on its own.

    - a role's **trust policy**, for the AssumeRole family on the role
      (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html);
    - a KMS key's **key policy**, for every KMS action on the key: "Unless the key policy
      explicitly allows it, you cannot use IAM policies to allow access to a KMS key"
      (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
    """
    kind = _ACTION_KINDS.get(action)
    if kind is None:
        lowered = action.lower()
        kind = "trust" if lowered in TRUST_ACTIONS else "kms" if lowered.startswith("kms:") else ""
        if len(_ACTION_KINDS) > 10_000:
            _ACTION_KINDS.clear()
        _ACTION_KINDS[action] = kind
    if not kind:
        return None
    if kind == "trust":
        return "trust policy" if ":role/" in resource else None
    return "key policy" if _KMS_KEY.match(resource) else None


_ACTION_KINDS: dict[str, str] = {}  # action as written -> "trust", "kms" or ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchedStatement:
    """A statement that matched the request, and where it came from."""

    source: AttachedPolicy
    statement: Statement
    grant: GrantKind | None = None  # for resource-based policies: how it named the caller

    @property
    def kind(self) -> str:
        return self.source.kind

    @property
    def policy_name(self) -> str:
        return self.source.name

    @property
    def owner(self) -> str:
        return self.source.owner

    @property
    def effect(self) -> str:
        return self.statement.effect

    @property
    def sid(self) -> str | None:
        return self.statement.sid

    def describe(self) -> str:
        return f"{self.statement.effect} in {self.statement.label} of {self.source.title}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One box of AWS's evaluation flow, and what happened there for this request."""

    kind: str  # one of STEP_ORDER
    status: StepStatus


@dataclass(kw_only=True, slots=True, eq=False)
class Decision:
    """The outcome of one request, with everything needed to explain it.

    ``result`` uses the IAM policy simulator's names: ``Allowed``, ``ImplicitlyDenied``,
    ``ExplicitlyDenied``. ``decided_by`` names the policy kinds that decided.
    """

    result: Result
    decided_by: tuple[str, ...]
    statements: tuple[MatchedStatement, ...]
    caller: Caller
    action: str
    resource: str
    resource_account: str
    context: Mapping[str, object]
    resource_policy: AttachedPolicy | None = field(default=None, repr=False)
    note: str = ""
    facts: _Facts | None = field(default=None, repr=False)
    required_policy: str = ""
    """"trust policy" or "key policy" when that resource-based policy had to allow the request
    even within one account (see :func:`required_resource_policy`)."""

    @property
    def allowed(self) -> bool:
        return self.result == "Allowed"

    @property
    def steps(self) -> tuple[Step, ...]:
        """AWS's evaluation flow, box by box, with what happened in each for this request."""
        status = _status(self)
        return tuple(Step(kind=k, status=status.get(k, "not-reached")) for k in STEP_ORDER)

    @property
    def policies(self) -> tuple[AttachedPolicy, ...]:
        """Every policy that applied to the request, in AWS's order."""
        return _all_policies(self.caller, self.resource_policy)

    @property
    def principal(self) -> str:
        return self.caller.arn

    @property
    def cross_account(self) -> bool:
        return bool(self.caller.account) and self.caller.account != self.resource_account

    def explain(self) -> str:
        """Plain English: what was checked, in AWS's order, and why."""
        from iamlab.model.explain import explain_decision

        return explain_decision(self)

    def __str__(self) -> str:
        return f"{self.result}: {self.caller.arn} -> {self.action} on {self.resource}"

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        from iamlab.diagrams import decision_path
        from iamlab.diagrams.display import mimebundle

        return mimebundle(decision_path(self), str(self))


# -- statement matching ---------------------------------------------------------------------

_CACHE: dict[tuple[int, str], tuple[Policy, tuple[Statement, ...]]] = {}


def statements_for_action(policy: Policy, action: str) -> tuple[Statement, ...]:
    """The statements of ``policy`` whose Action/NotAction covers ``action`` (memoised)."""
    key = (id(policy), action)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is policy:
        return hit[1]
    found = tuple(s for s in policy.statements if s.matches_action(action))
    if len(_CACHE) > 200_000:
        _CACHE.clear()
    _CACHE[key] = (policy, found)
    return found


def principal_grant(statement: Statement, caller: Caller) -> GrantKind | None:
    """How a resource-based or trust policy statement's Principal names the caller, if it does."""
    principals = statement.principals
    if principals is None:
        return None
    if statement.not_principal:
        return "direct" if not_principal_applies(statement, caller) else None
    if principals.everyone:
        return "direct"
    if caller.kind == "service":
        return "direct" if caller.name in principals.service else None
    if caller.kind == "federated":
        return "direct" if caller.arn in principals.federated else None
    aws = principals.aws
    if caller.arn in aws:
        return "direct"
    if caller.role_arn is not None and caller.role_arn in aws:
        return "role"
    if caller.account and caller.account_root in aws:
        return "account"
    return None


def not_principal_applies(statement: Statement, caller: Caller) -> bool:
    """Does a Deny with NotPrincipal apply to the caller?

    It applies unless every identity AWS evaluates for the caller is listed: the user or
    session ARN, the role ARN for a session, and the account. A caller with a permissions
    boundary is always denied (access_policies_boundaries.html, "Important").
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    principals = statement.principals
    assert principals is not None
    if principals.everyone:
        return False
    if caller.kind == "service":
        return caller.name not in principals.service
    if caller.kind == "federated":
        return caller.arn not in principals.federated
    if caller.boundary is not None:
        return True
    identities = {caller.arn}
    if caller.role_arn:
        identities.add(caller.role_arn)
    if caller.kind != "root":
        identities.add(caller.account_root)
    return not identities <= principals.aws


@dataclass(frozen=True, slots=True)
class _Plan:
    """The statements of a caller's policies whose Action covers one action, by kind."""

    scp_levels: tuple[tuple[tuple[AttachedPolicy, Statement], ...], ...]
    identity: tuple[tuple[AttachedPolicy, Statement], ...]


_PLANS: dict[tuple[int, str], tuple[Caller, _Plan]] = {}


def _plan(caller: Caller, action: str) -> _Plan:
    key = (id(caller), action)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is caller:
        return hit[1]
    levels = tuple(
        tuple((a, st) for a in level for st in statements_for_action(a.policy, action))
        for level in caller.scp_levels
    )
    others = [*caller.policies]
    if caller.boundary is not None:
        others.append(caller.boundary)
    if caller.session_policy is not None:
        others.append(caller.session_policy)
    identity = tuple((a, st) for a in others for st in statements_for_action(a.policy, action))
    plan = _Plan(scp_levels=levels, identity=identity)
    if len(_PLANS) > 100_000:
        _PLANS.clear()
    _PLANS[key] = (caller, plan)
    return plan


def _matches(statement: Statement, resource: str, context: Mapping[str, object]) -> bool:
    return statement.matches_resource(resource, context) and (
        not statement.conditions or statement.matches_conditions(context)
    )


# -- the decision ---------------------------------------------------------------------------


def evaluate_request(
    *,
    caller: Caller,
    action: str,
    resource: str,
    resource_account: str,
    resource_policy: AttachedPolicy | None,
    context: dict[str, object],
    resource_policy_required: bool = False,
    required_policy: str = "",
) -> Decision:
    """Decide one request. ``context`` keys are lowercase and already complete.

    ``resource_policy_required`` is for a role's trust policy and a KMS key's key policy: it
    must allow the caller even within one account (``required_policy`` names which, for the
    explanation; see :func:`required_resource_policy`).
    """
    plan = _plan(caller, action)
    denies: list[_Match] = []
    scp_allows: list[_Match] = []
    scp_ok = True
    for level in plan.scp_levels:
        allowed_here = False
        for attached, statement in level:
            if _matches(statement, resource, context):
                if statement.effect == "Deny":
                    denies.append((attached, statement, None))
                else:
                    scp_allows.append((attached, statement, None))
                    allowed_here = True
        scp_ok = scp_ok and allowed_here
    res_allows: list[_Match] = []
    if resource_policy is not None:
        for statement in statements_for_action(resource_policy.policy, action):
            if not statement.matches_resource(resource, context):
                continue
            grant = principal_grant(statement, caller)
            if grant is None:
                continue
            if statement.conditions and not statement.matches_conditions(context):
                continue
            (denies if statement.effect == "Deny" else res_allows).append(
                (resource_policy, statement, grant)
            )
    id_allows: list[_Match] = []
    b_allows: list[_Match] = []
    s_allows: list[_Match] = []
    for attached, statement in plan.identity:
        if _matches(statement, resource, context):
            if statement.effect == "Deny":
                denies.append((attached, statement, None))
            else:
                kind = attached.kind
                target = (
                    id_allows
                    if kind == "identity"
                    else b_allows
                    if kind == "permissions_boundary"
                    else s_allows
                )
                target.append((attached, statement, None))

    facts = _Facts(
        scp=None if not caller.scp_levels else scp_ok,
        resource=None if resource_policy is None else bool(res_allows),
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
            resource_policy is not None,
            resource_account,
            resource_policy_required,
        )
    return Decision(
        result=result,
        decided_by=decided_by,
        statements=tuple(MatchedStatement(source=a, statement=st, grant=g) for a, st, g in used),
        caller=caller,
        action=action,
        resource=resource,
        resource_account=resource_account,
        context=context,
        resource_policy=resource_policy,
        facts=facts,
        required_policy=required_policy if resource_policy_required else "",
    )


_Match = tuple[AttachedPolicy, Statement, "GrantKind | None"]


@dataclass(frozen=True, slots=True)
class _Facts:
    """Which boxes allowed (True), did not (False) or had no policy (None)."""

    scp: bool | None
    resource: bool | None
    identity: bool
    boundary: bool | None
    session: bool | None


def _status(decision: Decision) -> dict[str, StepStatus]:
    """What happened in each box of AWS's flow, for diagrams and explanations."""
    facts = decision.facts
    if facts is None:  # decided before any policy was read (the root user calling AssumeRole)
        return {}
    if decision.result == "ExplicitlyDenied":
        return {"deny": "deny"}

    def word(value: bool | None) -> StepStatus:
        return "absent" if value is None else "allow" if value else "no-allow"

    caller = decision.caller
    identity: StepStatus = (
        "absent" if caller.kind in ("service", "federated") else word(facts.identity)
    )
    if caller.kind == "root":
        identity = "allow"
    status: dict[str, StepStatus] = {
        "deny": "allow",
        "scp": word(facts.scp),
        "resource": word(facts.resource),
        "identity": identity,
        "permissions_boundary": word(facts.boundary),
        "session": word(facts.session),
    }
    last = _last_step(decision.result, decision.decided_by, caller, decision.cross_account)
    for kind in STEP_ORDER[STEP_ORDER.index(last) + 1 :]:
        status[kind] = "not-reached"
    return status


def _last_step(
    result: Result, decided_by: tuple[str, ...], caller: Caller, cross_account: bool
) -> str:
    """The box of AWS's flow where this decision was made; later boxes were not reached."""
    if result == "ExplicitlyDenied":
        return "deny"
    if decided_by == ("scp",):
        return "scp"
    if cross_account:  # both sides are always evaluated
        return "session"
    if decided_by == ("root",):
        return "session"  # the root user has no boundary and no session policy: passes through
    if result == "Allowed":
        return "resource" if decided_by == ("resource",) and caller.kind != "root" else "session"
    return max(decided_by, key=STEP_ORDER.index) if decided_by else "session"


_Outcome = tuple[Result, tuple[str, ...], list[_Match]]


def _decide(
    caller: Caller,
    facts: _Facts,
    scp_allows: list[_Match],
    res_allows: list[_Match],
    id_allows: list[_Match],
    b_allows: list[_Match],
    s_allows: list[_Match],
    has_resource_policy: bool,
    resource_account: str,
    required: bool,
) -> _Outcome:
    """AWS's flow after the deny step: the result, who decided, and the statements used."""
    if facts.scp is False:
        return "ImplicitlyDenied", ("scp",), []
    boundary_ok = facts.boundary is not False
    session_ok = facts.session is not False
    cross = caller.kind not in ("service", "federated") and caller.account != resource_account

    if caller.kind == "root":
        if not cross and required and not res_allows:  # e.g. a key policy that omits the account
            return "ImplicitlyDenied", ("resource",), []
        if not cross:
            return "Allowed", ("root",), scp_allows
        if res_allows:
            return "Allowed", ("resource",), scp_allows + res_allows
        return "ImplicitlyDenied", ("resource",), []

    if caller.kind in ("service", "federated"):  # only the resource (trust) policy can allow
        if res_allows:
            return "Allowed", ("resource",), res_allows
        return "ImplicitlyDenied", ("resource",), []

    via_identity = bool(id_allows) and boundary_ok and session_ok
    filters = scp_allows + b_allows + s_allows
    narrowed: tuple[str, ...] = ("permissions_boundary",) if not boundary_ok else ("session",)

    if not cross and required and not res_allows:
        return "ImplicitlyDenied", ("resource",) if via_identity else ("identity", "resource"), []
    if not cross:
        direct = [m for m in res_allows if m[2] == "direct"]
        role_grant = [m for m in res_allows if m[2] == "role"]
        if direct:
            by = ("identity", "resource") if via_identity else ("resource",)
            return "Allowed", by, scp_allows + direct + (id_allows if via_identity else [])
        if role_grant and boundary_ok and session_ok:
            by = ("identity", "resource") if via_identity else ("resource",)
            return "Allowed", by, filters + role_grant + (id_allows if via_identity else [])
        if via_identity:
            return "Allowed", ("identity",), filters + id_allows
        if role_grant or id_allows:  # something allowed, but a filter said no
            return "ImplicitlyDenied", narrowed, []
        delegated = any(m[2] == "account" for m in res_allows)
        by = ("identity", "resource") if has_resource_policy and not delegated else ("identity",)
        return "ImplicitlyDenied", by, []

    # cross-account: both sides must allow
    resource_side = bool(res_allows)
    if via_identity and resource_side:
        return "Allowed", ("identity", "resource"), filters + id_allows + res_allows
    if not resource_side and not id_allows:
        return "ImplicitlyDenied", ("identity", "resource"), []
    if not resource_side:
        if boundary_ok and session_ok:
            return "ImplicitlyDenied", ("resource",), []
        return "ImplicitlyDenied", narrowed, []
    if not id_allows:
        return "ImplicitlyDenied", ("identity",), []
    return "ImplicitlyDenied", narrowed, []


def _all_policies(
    caller: Caller, resource_policy: AttachedPolicy | None
) -> tuple[AttachedPolicy, ...]:
    out: list[AttachedPolicy] = [p for level in caller.scp_levels for p in level]
    if resource_policy is not None:
        out.append(resource_policy)
    out.extend(caller.policies)
    if caller.boundary is not None:
        out.append(caller.boundary)
    if caller.session_policy is not None:
        out.append(caller.session_policy)
    return tuple(out)
