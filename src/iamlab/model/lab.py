"""A lab: one or more AWS accounts with their users, groups, roles and resources.

``Lab`` is the public entry point: load a lab, evaluate requests, assume roles.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from iamlab import arguments as args
from iamlab.errors import (
    AccessDeniedError,
    ExpiredTokenError,
    PolicyError,
    UnknownPrincipalError,
    ValidationError,
)
from iamlab.model import arn as arns
from iamlab.model import aws_rules, federation, sts
from iamlab.model.caller import Caller, unique_id
from iamlab.model.evaluation import Decision, evaluate_request, required_resource_policy
from iamlab.model.federation import Federation, load_federation
from iamlab.model.loader import build_accounts, read_lab_file
from iamlab.model.policy import _SERVICE_PRINCIPAL, Policy, parse_policy
from iamlab.model.principals import Account, AttachedPolicy, Resource, Role, User
from iamlab.model.quotas import check_inline_total
from iamlab.model.sts import Session
from iamlab.safe_repr import safe_repr

PrincipalLike = str | Session
_ASSUME_ROLE = "sts:AssumeRole"


class Lab:
    """AWS accounts to experiment with. Build it with :meth:`load` or :meth:`from_dict`."""

    def __init__(
        self,
        accounts: Mapping[str, Account],
        resources: Mapping[str, Resource],
        *,
        title: str = "",
        source: str = "",
        federation: Federation | None = None,
    ) -> None:
        if not accounts:
            raise PolicyError("accounts", "a lab needs at least one account")
        self.accounts: Mapping[str, Account] = dict(accounts)
        self.resources: Mapping[str, Resource] = dict(resources)
        self.title = title
        self.source = source
        self.federation = federation or Federation()
        self.default_account: Account = next(iter(self.accounts.values()))
        self._callers: dict[str, Caller] = {}
        self._sessions: dict[str, Session] = {}
        self._serial = 0
        # resource lookups: longest listed prefix first
        self._resource_keys = sorted(self.resources, key=len, reverse=True)
        self._resource_memo: dict[str, Resource | None] = {}
        self._resource_policies: dict[str, AttachedPolicy] = {}

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> Lab:
        """Load a lab from a YAML or JSON file."""
        path = args.check_path(path, "Lab.load")
        data = read_lab_file(path)
        accounts, resources, title = build_accounts(data)
        accounts, federated = load_federation(data, accounts)
        return cls(
            accounts,
            resources,
            title=title or Path(path).stem,
            source=str(path),
            federation=federated,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Lab:
        """Build a lab from a mapping in the lab format (see DESIGN.md)."""
        accounts, resources, title = build_accounts(data)
        accounts, federated = load_federation(data, accounts)
        return cls(accounts, resources, title=title, federation=federated)

    # -- queries ----------------------------------------------------------------------------

    def account(self, account_id: str | None = None) -> Account:
        args.check_text(account_id, "Lab.account", "account_id", optional=True)
        if account_id is None:
            return self.default_account
        try:
            return self.accounts[account_id]
        except KeyError:
            raise UnknownPrincipalError(
                f"no account {account_id} in this lab (accounts: {', '.join(self.accounts)})"
            ) from None

    def users(self) -> Iterator[User]:
        for account in self.accounts.values():
            yield from account.users.values()

    def roles(self) -> Iterator[Role]:
        for account in self.accounts.values():
            yield from account.roles.values()

    def user(self, name: str) -> User:
        args.check_text(name, "Lab.user", "name")
        caller = self._resolve(name)
        if caller.kind != "user":
            raise UnknownPrincipalError(f"{safe_repr(name)} is not an IAM user")
        return self._find_user(caller.arn)

    def role(self, name_or_arn: str, account: str | None = None) -> Role:
        args.check_text(name_or_arn, "Lab.role", "name_or_arn")
        args.check_text(account, "Lab.role", "account", optional=True)
        return self._find_role(name_or_arn, account or self.default_account.id)

    def principal_names(self) -> list[str]:
        """Names a learner can pick: users, roles (as role/NAME) and root, in lab order."""
        out: list[str] = []
        multi = len(self.accounts) > 1
        for account in self.accounts.values():
            here = account is self.default_account or not multi
            out.extend(u.name if here else u.arn for u in account.users.values())
            out.extend(f"role/{r.name}" if here else r.arn for r in account.roles.values())
        out.append("root")
        return out

    def resource_for(self, resource_arn: str) -> Resource | None:
        """The listed resource that covers ``resource_arn`` (itself or a parent), if any."""
        if type(resource_arn) is not str:
            args.check_text(resource_arn, "Lab.resource_for", "resource_arn")
        if resource_arn in self._resource_memo:
            return self._resource_memo[resource_arn]
        found = self.resources.get(resource_arn)
        if found is None:
            for key in self._resource_keys:
                if resource_arn.startswith(key) and resource_arn[len(key)] in "/:":
                    found = self.resources[key]
                    break
        if len(self._resource_memo) > 50_000:
            self._resource_memo.clear()
        self._resource_memo[resource_arn] = found
        return found

    def _attached_resource_policy(self, listed: Resource | None) -> AttachedPolicy | None:
        if listed is None or listed.policy is None:
            return None
        attached = self._resource_policies.get(listed.arn)
        if attached is None:
            attached = AttachedPolicy(
                kind="resource",
                name=listed.arn,
                owner=f"resource {listed.arn}",
                policy=listed.policy,
            )
            self._resource_policies[listed.arn] = attached
        return attached

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())

    def with_inline_policy(self, principal: str, policy: Policy) -> Lab:
        """A copy of this lab where ``principal`` (a user or ``role/NAME``) also has ``policy``
        as an inline policy. This lab is not changed; the copy shares everything else."""
        args.check_text(principal, "Lab.with_inline_policy", "principal")
        args.check_instance(
            policy,
            Policy,
            "Lab.with_inline_policy",
            "policy",
            "an iamlab.Policy (Policy.from_json)",
        )
        if principal.startswith("role/") or ":role/" in principal:
            role = self.role(principal)
            account = self.account(role.account)
            attached = AttachedPolicy(
                kind="identity", name=policy.name, owner=f"role {role.name}", policy=policy
            )
            check_inline_total("role", (*role.policies, attached), f"role {role.name}")
            new_role = dataclasses.replace(role, policies=(*role.policies, attached))
            new_account = dataclasses.replace(
                account, roles=MappingProxyType({**account.roles, role.name: new_role})
            )
        else:
            user = self.user(principal)
            account = self.account(user.account)
            attached = AttachedPolicy(
                kind="identity", name=policy.name, owner=f"user {user.name}", policy=policy
            )
            check_inline_total("user", (*user.policies, attached), f"user {user.name}")
            new_user = dataclasses.replace(user, policies=(*user.policies, attached))
            new_account = dataclasses.replace(
                account, users=MappingProxyType({**account.users, user.name: new_user})
            )
        accounts = {**self.accounts, new_account.id: new_account}
        return Lab(
            accounts,
            self.resources,
            title=self.title,
            source=self.source,
            federation=self.federation,
        )

    # -- evaluation -------------------------------------------------------------------------

    def evaluate(
        self,
        principal: PrincipalLike,
        action: str,
        resource: str,
        *,
        context: Mapping[str, object] | None = None,
        now: datetime | None = None,
    ) -> Decision:
        """Decide whether ``principal`` may perform ``action`` on ``resource``."""
        if type(principal) is not str or len(principal) > args.MAX_NAME:  # fast when fine
            args.check_principal(principal, "Lab.evaluate")
        if type(action) is not str or len(action) > args.MAX_NAME:
            args.check_text(action, "Lab.evaluate", "action")
        if type(resource) is not str or len(resource) > args.MAX_NAME:
            args.check_text(resource, "Lab.evaluate", "resource")
        if context is not None and type(context) is not dict:
            args.check_context(context, "Lab.evaluate")  # a dict's items: in _request_context
        if not isinstance(action, str) or ":" not in action:
            raise ValidationError(
                f"action {safe_repr(action)} should look like service:ActionName, e.g. s3:GetObject"
            )
        if not isinstance(resource, str) or not (resource == "*" or resource.startswith("arn:")):
            raise ValidationError(
                f"resource {safe_repr(resource)} should be an ARN, e.g. "
                f"arn:aws:s3:::coffee-recipes/latte.md"
            )
        now = _now(now)
        caller = self._resolve(principal, now=now)
        if caller.kind == "service":
            raise ValidationError(
                f"{caller.name} is a service principal: services act by "
                f"assuming a role (use assume_role), not directly"
            )
        listed = self.resource_for(resource)
        res_account = (
            listed.account
            if listed and listed.account
            else _arn_account(resource) or caller.account
        )
        resource_policy = self._attached_resource_policy(listed)
        # a role's trust policy, a KMS key's key policy: must allow even within one account
        required = required_resource_policy(action, resource)
        if required == "trust policy":
            trusting = self._trust_policy_for(action, resource)
            if trusting is None:
                required = None
            else:
                resource_policy, res_account = trusting
        ctx = _request_context(caller, res_account, context, now)
        ruled = aws_rules.decide(caller, action, resource, res_account, ctx)
        if ruled is not None:
            return ruled
        return evaluate_request(
            caller=caller,
            action=action,
            resource=resource,
            resource_account=res_account,
            resource_policy=resource_policy,
            context=ctx,
            resource_policy_required=required is not None,
            required_policy=required or "",
        )

    def _trust_policy_for(self, action: str, resource: str) -> tuple[AttachedPolicy, str] | None:
        """For an AssumeRole-family action on a role of the lab: the role's trust policy."""
        if ":role/" not in resource:
            return None
        for account in self.accounts.values():
            for role in account.roles.values():
                if role.arn == resource:
                    return self._trust(role), role.account
        return None

    def _trust(self, role: Role) -> AttachedPolicy:
        return AttachedPolicy(
            kind="resource",
            name="trust policy",
            owner=f"role {role.name}",
            policy=role.trust_policy,
        )

    def assume_role(
        self,
        caller: PrincipalLike,
        role: str,
        *,
        session_name: str = "iamlab",
        duration_seconds: int | None = None,
        session_policy: Mapping[str, Any] | str | None = None,
        context: Mapping[str, object] | None = None,
        now: datetime | None = None,
        external_id: str | None = None,
    ) -> Session:
        """Call STS AssumeRole as ``caller``; return the new session or raise why not."""
        args.check_principal(caller, "Lab.assume_role", "caller")
        args.check_text(role, "Lab.assume_role", "role")
        args.check_text(session_name, "Lab.assume_role", "session_name", empty=True)
        args.check_int(
            duration_seconds,
            "Lab.assume_role",
            "duration_seconds",
            low=0,
            high=10**9,
            optional=True,
        )
        if session_policy is not None and not isinstance(session_policy, (Mapping, str)):
            raise args.wrong_type(
                "Lab.assume_role", "session_policy", "a policy (dict or JSON text)", session_policy
            )
        args.check_context(context, "Lab.assume_role")
        args.check_text(external_id, "Lab.assume_role", "external_id", optional=True)
        now = _now(now)
        who = self._resolve(caller, now=now, for_assume=True)
        target = self._find_role(role, who.account or self.default_account.id)
        check = sts.check_session_name(session_name)
        chained = who.kind == "session"
        duration = sts.check_duration(duration_seconds, target, chained=chained)
        parsed_session_policy: Policy | None = None
        if session_policy is not None:
            sts.check_session_policy_size(session_policy)
            parsed_session_policy = parse_policy(
                session_policy, name="session policy", kind="session", place="session_policy"
            )
        extra: dict[str, object] = dict(context or {})
        extra.setdefault("sts:RoleSessionName", check)
        source_identity = who.base_context.get("aws:sourceidentity")
        if isinstance(source_identity, str):  # it persists through role chaining
            extra.setdefault("sts:SourceIdentity", source_identity)
        if external_id is not None:
            extra["sts:ExternalId"] = external_id
        trust = self._trust(target)
        if who.kind == "root":
            decision = _root_cannot_assume(who, target)
            raise AccessDeniedError(
                f"the root user ({who.arn}) cannot assume a role: AWS denies AssumeRole with "
                f"root user credentials. Sign in as an IAM user or role first.",
                decision,
            )
        ctx = _request_context(who, target.account, extra, now)
        decision = evaluate_request(
            caller=who,
            action=_ASSUME_ROLE,
            resource=target.arn,
            resource_account=target.account,
            resource_policy=trust,
            context=ctx,
            resource_policy_required=True,
        )
        if not decision.allowed:
            raise AccessDeniedError(
                f"{who.arn} is not authorized to perform: sts:AssumeRole on resource: "
                f"{target.arn} ({decision.result}; decided by "
                f"{', '.join(decision.decided_by) or 'nothing'}). See .decision.explain().",
                decision,
            )
        mfa = _truthy(ctx.get("aws:multifactorauthpresent"))
        self._serial += 1
        expires = now + timedelta(seconds=duration)
        session_arn = arns.assumed_role_arn(target.account, target.name, check)
        credentials = sts.make_credentials(target.arn, check, now, expires, self._serial)
        session_caller = self._session_caller(
            target, session_arn, check, now, expires, mfa, parsed_session_policy
        )
        if isinstance(source_identity, str):
            session_caller.base_context["aws:sourceidentity"] = source_identity
        session = Session(
            arn=session_arn,
            role=target,
            session_name=check,
            credentials=credentials,
            issued_at=now,
            duration_seconds=duration,
            mfa_present=mfa,
            session_policy=parsed_session_policy,
            source_arn=who.arn,
            chained=chained,
            caller=session_caller,
            decision=decision,
            source_identity=source_identity if isinstance(source_identity, str) else None,
        )
        self._sessions[session_arn] = session
        return session

    # -- federation (iamlab.model.federation) -----------------------------------------------

    def assume_role_with_web_identity(
        self,
        role: str,
        *,
        token: Mapping[str, Any],
        session_name: str = "iamlab",
        duration_seconds: int | None = None,
        session_policy: Mapping[str, Any] | str | None = None,
        now: datetime | None = None,
    ) -> Session:
        """Call STS AssumeRoleWithWebIdentity with an OIDC token (a mapping of claims)."""
        _check_federated_call(
            "Lab.assume_role_with_web_identity",
            role,
            session_name,
            duration_seconds,
            session_policy,
        )
        now = _now(now)
        target = self._find_role(role, self.default_account.id)
        self._serial += 1
        session = federation.assume_role_with_web_identity(
            self,
            target,
            token,
            session_name=session_name,
            duration_seconds=duration_seconds,
            session_policy=session_policy,
            now=now,
            serial=self._serial,
        )
        self._sessions[session.arn] = session
        return session

    def assume_role_with_saml(
        self,
        role: str,
        *,
        provider: str,
        assertion: Mapping[str, Any],
        session_name: str | None = None,
        duration_seconds: int | None = None,
        session_policy: Mapping[str, Any] | str | None = None,
        now: datetime | None = None,
    ) -> Session:
        """Call STS AssumeRoleWithSAML through ``provider`` (a SAML provider name or ARN)."""
        function = "Lab.assume_role_with_saml"
        _check_federated_call(function, role, session_name, duration_seconds, session_policy)
        args.check_text(provider, function, "provider")
        now = _now(now)
        target = self._find_role(role, self.default_account.id)
        self._serial += 1
        session = federation.assume_role_with_saml(
            self,
            target,
            provider,
            assertion,
            session_name=session_name,
            duration_seconds=duration_seconds,
            session_policy=session_policy,
            now=now,
            serial=self._serial,
        )
        self._sessions[session.arn] = session
        return session

    def sign_in(
        self,
        user: str,
        *,
        permission_set: str,
        account: str | None = None,
        now: datetime | None = None,
    ) -> Session:
        """Sign in through IAM Identity Center: a session of the permission set's role."""
        args.check_text(user, "Lab.sign_in", "user")
        args.check_text(permission_set, "Lab.sign_in", "permission_set")
        args.check_text(account, "Lab.sign_in", "account", optional=True)
        now = _now(now)
        self._serial += 1
        session = federation.sign_in(
            self, user, permission_set, account, now=now, serial=self._serial
        )
        self._sessions[session.arn] = session
        return session

    # -- resolving principals ---------------------------------------------------------------

    def _resolve(
        self, principal: object, *, now: datetime | None = None, for_assume: bool = False
    ) -> Caller:
        if isinstance(principal, Session):
            if now is not None and principal.is_expired(now):
                raise ExpiredTokenError(
                    f"ExpiredToken: the security token of session {principal.arn} expired at "
                    f"{principal.expiration.isoformat()} (now: {now.isoformat()}); assume the "
                    f"role again for new credentials"
                )
            return principal.caller
        if not isinstance(principal, str) or not principal:
            raise ValidationError(
                f"a principal is a user name, role/NAME, root, an ARN or a "
                f"session, got {safe_repr(principal)}"
            )
        cached = self._callers.get(principal)
        if cached is not None:
            return cached
        caller = self._build_caller(principal, now=now, for_assume=for_assume)
        if caller.kind != "session":
            self._callers[principal] = caller
        return caller

    def _build_caller(self, text: str, *, now: datetime | None, for_assume: bool) -> Caller:
        if text == "root":
            return self._root_caller(self.default_account)
        if _SERVICE_PRINCIPAL.match(text):
            return Caller(
                kind="service",
                name=text,
                arn=text,
                account="",
                base_context={"aws:principalservicename": text},
            )
        if text.startswith("arn:"):
            parsed = arns.parse_arn(text, "principal", allow_wildcards=False)
            if parsed.service == "iam" and parsed.resource == "root":
                return self._root_caller(self.account(parsed.account))
            if parsed.service == "sts" and parsed.resource_type == "assumed-role":
                session = self._sessions.get(text)
                if session is None:
                    raise UnknownPrincipalError(
                        f"no session {text} in this lab: create it with lab.assume_role(...) first"
                    )
                return self._resolve(session, now=now)
            if parsed.service == "iam" and parsed.resource_type == "user":
                return self._user_caller(self._find_user(text))
            if parsed.service == "iam" and parsed.resource_type == "role":
                return self._simulated_role_caller(self._find_role(text, parsed.account))
            if parsed.service == "iam" and parsed.resource_type == "group":
                raise ValidationError(
                    f"{text} is a group: groups are not principals and "
                    f"cannot make requests; pick one of its users"
                )
            raise ValidationError(f"{text} is not a user, role, role session or root ARN")
        kind, _, name = text.partition("/")
        if name and kind == "role":
            return self._simulated_role_caller(self._find_role(name, self.default_account.id))
        if name and kind == "user":
            text = name
        elif name and kind == "group":
            raise ValidationError(f"{text}: groups are not principals; pick one of its users")
        matches = [a.users[text] for a in self.accounts.values() if text in a.users]
        if len(matches) == 1:
            return self._user_caller(matches[0])
        if len(matches) > 1:
            raise ValidationError(
                f"user name {safe_repr(text)} exists in several accounts; use its ARN"
            )
        if any(text in a.groups for a in self.accounts.values()):
            raise ValidationError(
                f"{safe_repr(text)} is a group: groups are not principals and cannot "
                f"make requests; pick one of its users"
            )
        if any(text in a.roles for a in self.accounts.values()):
            raise ValidationError(
                f"{safe_repr(text)} is a role: write role/{text} or assume it with "
                f"lab.assume_role(...)"
            )
        known = ", ".join(u.name for u in self.users()) or "none"
        raise UnknownPrincipalError(f"no user named {safe_repr(text)} in this lab (users: {known})")

    def _find_user(self, user_arn: str) -> User:
        for account in self.accounts.values():
            for user in account.users.values():
                if user.arn == user_arn:
                    return user
        raise UnknownPrincipalError(f"no user {user_arn} in this lab")

    def _find_role(self, ref: str, account_id: str) -> Role:
        if not isinstance(ref, str) or not ref:
            raise ValidationError(
                f"a role is a name, role/NAME or a role ARN, got {safe_repr(ref)}"
            )
        if ref.startswith("arn:"):
            parsed = arns.parse_arn(ref, "role", allow_wildcards=False)
            if parsed.service != "iam" or parsed.resource_type != "role":
                raise ValidationError(f"{ref} is not a role ARN")
            account = self.account(parsed.account)
            for role in account.roles.values():
                if role.arn == ref or role.name == parsed.resource_name:
                    return role
            raise UnknownPrincipalError(f"no role {ref} in this lab")
        name = ref.removeprefix("role/")
        account = self.account(account_id)
        if name in account.roles:
            return account.roles[name]
        known = ", ".join(account.roles) or "none"
        raise UnknownPrincipalError(
            f"no role named {safe_repr(name)} in account {account.id} "
            f"(roles: {known}); for another account use the role ARN"
        )

    def _user_caller(self, user: User) -> Caller:
        account = self.accounts[user.account]
        policies = list(user.policies)
        for group_name in user.groups:
            policies.extend(account.groups[group_name].policies)
        context: dict[str, object] = {
            "aws:username": user.name,
            "aws:userid": unique_id("AIDA", user.arn),
            "aws:principalarn": user.arn,
            "aws:principalaccount": user.account,
            "aws:principaltype": "User",
        }
        context.update({f"aws:principaltag/{k.lower()}": v for k, v in user.tags.items()})
        return Caller(
            kind="user",
            name=user.name,
            arn=user.arn,
            account=user.account,
            policies=tuple(policies),
            boundary=user.permissions_boundary,
            scp_levels=account.scp_levels,
            base_context=context,
        )

    def _root_caller(self, account: Account) -> Caller:
        root = arns.root_arn(account.id)
        context: dict[str, object] = {
            "aws:principalarn": root,
            "aws:principalaccount": account.id,
            "aws:principaltype": "Account",
            "aws:userid": account.id,
        }
        return Caller(
            kind="root",
            name="root",
            arn=root,
            account=account.id,
            scp_levels=account.scp_levels,
            base_context=context,
        )

    def _session_caller(
        self,
        role: Role,
        session_arn: str,
        session_name: str,
        issued: datetime,
        expires: datetime | None,
        mfa: bool,
        session_policy: Policy | None,
        *,
        simulated: bool = False,
    ) -> Caller:
        account = self.accounts[role.account]
        context: dict[str, object] = {
            "aws:userid": f"{unique_id('AROA', role.arn)}:{session_name}",
            "aws:principalarn": role.arn,
            "aws:principalaccount": role.account,
            "aws:principaltype": "AssumedRole",
            "aws:tokenissuetime": _iso(issued),
            "aws:multifactorauthpresent": mfa,
        }
        context.update({f"aws:principaltag/{k.lower()}": v for k, v in role.tags.items()})
        attached = None
        if session_policy is not None:
            attached = AttachedPolicy(
                kind="session",
                name="session policy",
                owner=f"session {session_name}",
                policy=session_policy,
            )
        return Caller(
            kind="session",
            name=f"{role.name}/{session_name}",
            arn=session_arn,
            account=role.account,
            role_arn=role.arn,
            policies=role.policies,
            boundary=role.permissions_boundary,
            session_policy=attached,
            scp_levels=account.scp_levels,
            base_context=context,
            expiration=expires,
            simulated=simulated,
        )

    def _simulated_role_caller(self, role: Role) -> Caller:
        name = "iamlab-simulated"
        return self._session_caller(
            role,
            arns.assumed_role_arn(role.account, role.name, name),
            name,
            datetime(2000, 1, 1, tzinfo=UTC),
            None,
            False,
            None,
            simulated=True,
        )

    # -- display ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{a.name} ({a.id}): {_count(len(a.users), 'user')}, "
            f"{_count(len(a.groups), 'group')}, {_count(len(a.roles), 'role')}"
            for a in self.accounts.values()
        )
        title = f"{self.title} — " if self.title else ""
        return f"<Lab {title}{counts}; {_count(len(self.resources), 'resource')}>"

    # A bare lab draws itself in a notebook: iamlab/__init__.py gives Lab its
    # _repr_mimebundle_ (the account map), so that the model imports no view.


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _check_federated_call(
    function: str,
    role: object,
    session_name: object,
    duration_seconds: object,
    session_policy: object,
) -> None:
    """The arguments every federated AssumeRole call shares (the token or assertion itself is
    read by :mod:`iamlab.model.claims`: what STS would not accept is InvalidIdentityToken)."""
    args.check_text(role, function, "role")
    args.check_text(session_name, function, "session_name", optional=True, empty=True)
    args.check_int(duration_seconds, function, "duration_seconds", low=0, high=10**9, optional=True)
    if session_policy is not None and not isinstance(session_policy, (Mapping, str)):
        raise args.wrong_type(
            function, "session_policy", "a policy (dict or JSON text)", session_policy
        )


def _now(now: datetime | None) -> datetime:
    return args.check_moment(now, "Lab", "now") or datetime.now(UTC)


_LAST_ISO: list[tuple[datetime, str]] = []


def _iso(moment: datetime) -> str:
    """ISO 8601 in UTC, as AWS writes aws:CurrentTime (the last answer is remembered)."""
    if _LAST_ISO and _LAST_ISO[0][0] == moment:
        return _LAST_ISO[0][1]
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _LAST_ISO[:] = [(moment, text)]
    return text


def _arn_account(resource: str) -> str:
    parts = resource.split(":", 5)
    return parts[4] if len(parts) == 6 and arns.ACCOUNT_ID.match(parts[4]) else ""


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


_PLAIN_VALUES = frozenset({str, int, float, bool, type(None)})


def _request_context(
    caller: Caller, resource_account: str, extra: Mapping[str, object] | None, now: datetime
) -> dict[str, object]:
    ctx = caller.base_context.copy()
    ctx["aws:currenttime"] = _iso(now)
    ctx["aws:epochtime"] = int(now.timestamp())
    if resource_account:
        ctx["aws:resourceaccount"] = resource_account
    if extra:
        for key, value in extra.items():
            if type(key) is not str or type(value) not in _PLAIN_VALUES:
                args.check_context({key: value}, "Lab.evaluate")
            if isinstance(value, datetime):
                value = _iso(value)
            if value is None:
                ctx.pop(key.lower(), None)
            else:
                ctx[key.lower()] = value
    return ctx


def _root_cannot_assume(caller: Caller, role: Role) -> Decision:
    return Decision(
        result="ImplicitlyDenied",
        decided_by=("root",),
        statements=(),
        caller=caller,
        action=_ASSUME_ROLE,
        resource=role.arn,
        resource_account=role.account,
        context={},
        note="the root user cannot assume a role; AWS refuses AssumeRole called "
        "with root user credentials",
    )
