"""IAM Identity Center: permission sets become roles; signing in is a session of such a role.

https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html
https://docs.aws.amazon.com/singlesignon/latest/userguide/identity-center-and-iam-roles.html
https://docs.aws.amazon.com/singlesignon/latest/userguide/howtosessionduration.html
https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html

What iamlab models:

- A *permission set* (AWS and customer managed policies, an inline policy, a permissions
  boundary, a session duration of 1 to 12 hours, default 1 hour) assigned to a user or a group
  of the identity source in an account becomes, in that account, the IAM role
  ``AWSReservedSSO_<PermissionSet>_<suffix>`` on the path ``/aws-reserved/sso.amazonaws.com/``.
  The suffix is random in AWS; here it is derived from the names so that labs are repeatable.
- The role trusts Identity Center's SAML provider in the account
  (``AWSSSO_<id>_DO_NOT_DELETE``) for ``sts:AssumeRoleWithSAML`` and ``sts:TagSession``, on
  condition that ``SAML:aud`` is the AWS sign-in endpoint; signing in gives a session of the
  role named after the user, lasting the permission set's session duration.
- Identity Center manages these roles and updates them when the permission set changes; the
  IAM console refuses changes to them ("this role is only modifiable by AWS", AWS Knowledge
  Center). iamlab refuses IAM changes to any role under ``/aws-reserved/sso.amazonaws.com/``
  from any principal of the account (see :mod:`iamlab.model.aws_rules`).

Simplified: one Identity Center instance and one Region; customer managed policies are
looked up by name in each assigned account (as Identity Center does) and must exist there;
sign-in through the access portal is modelled as the AssumeRoleWithSAML it rests on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from iamlab.errors import PolicyError, describe_type
from iamlab.model import arn as arns
from iamlab.model.documents import _join as join_place
from iamlab.model.identity_providers import IdentityProviders, SamlProvider
from iamlab.model.loader import aws_managed_policies
from iamlab.model.policy import Policy, parse_policy
from iamlab.model.principals import Account, AttachedPolicy, Role
from iamlab.safe_repr import safe_repr

ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
ROLE_PREFIX = "AWSReservedSSO_"
SIGN_IN_AUDIENCE = "https://signin.aws.amazon.com/saml"
INLINE_POLICY_NAME = "AwsSSOInlinePolicy"
MIN_SESSION, MAX_SESSION, DEFAULT_SESSION = 3600, 43200, 3600
_PERMISSION_SET_NAME = re.compile(r"\A[\w+=,.@\-]{1,32}\Z")
_USER_NAME = re.compile(r"\A[\w+=,.@\-]{2,64}\Z")  # becomes the RoleSessionName
_GROUP_NAME = re.compile(r"\A[\w+=,.@\- ]{1,128}\Z")
_TOP_KEYS = ("users", "groups", "permission_sets", "assignments", "description")
_SET_KEYS = (
    "managed_policies",
    "inline_policy",
    "permissions_boundary",
    "session_duration",
    "description",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PermissionSet:
    name: str
    session_duration: int
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Assignment:
    account: str
    permission_set: str
    user: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityCenter:
    """One organization's Identity Center: its users, groups, permission sets, assignments."""

    users: Mapping[str, tuple[str, ...]]  # user -> groups
    permission_sets: Mapping[str, PermissionSet]
    assignments: tuple[Assignment, ...]
    roles: Mapping[tuple[str, str], str]  # (account, permission set) -> role ARN
    providers: Mapping[str, str]  # account -> ARN of Identity Center's SAML provider

    def accounts_for(self, user: str, permission_set: str) -> list[str]:
        """The accounts where ``user`` (directly or through a group) has ``permission_set``."""
        groups = set(self.users.get(user, ()))
        out: list[str] = []
        for a in self.assignments:
            if a.permission_set != permission_set or a.account in out:
                continue
            if a.user == user or (a.group is not None and a.group in groups):
                out.append(a.account)
        return out


def role_name(permission_set: str, account: str) -> str:
    suffix = hashlib.sha256(f"{permission_set}|{account}".encode()).hexdigest()[:16]
    return f"{ROLE_PREFIX}{permission_set}_{suffix}"


def provider_name(account: str) -> str:
    return f"AWSSSO_{hashlib.sha256(account.encode()).hexdigest()[:16]}_DO_NOT_DELETE"


def trust_document(provider_arn: str) -> dict[str, Any]:
    """The trust policy Identity Center gives the roles it creates."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": SIGN_IN_AUDIENCE}},
            }
        ],
    }


def build_identity_center(
    raw: object,
    accounts: dict[str, Account],
    providers: dict[str, IdentityProviders],
) -> IdentityCenter | None:
    """Validate ``identity_center``; add its roles to ``accounts`` and its SAML provider to
    ``providers`` (both changed in place). Problems raise PolicyError naming the place."""
    if raw is None:
        return None
    place = "identity_center"
    if not isinstance(raw, Mapping):
        raise PolicyError(place, f"expected a mapping, got {describe_type(raw)}")
    _keys(raw, _TOP_KEYS, place)
    groups: set[str] = set()
    for i, g in enumerate(_list(raw.get("groups"), f"{place}.groups")):
        _name(g, _GROUP_NAME, f"{place}.groups[{i}]", "group")
        groups.add(g)
    users: dict[str, tuple[str, ...]] = {}
    for uname, body in _mapping(raw.get("users"), f"{place}.users").items():
        u_place = join_place(f"{place}.users", uname)
        _name(uname, _USER_NAME, u_place, "user (2 to 64 of letters, digits, +=,.@_-)")
        body = _mapping(body, u_place)
        _keys(body, ("groups", "description"), u_place)
        member_of = _list(body.get("groups"), f"{u_place}.groups")
        for i, g in enumerate(member_of):
            _name(g, _GROUP_NAME, f"{u_place}.groups[{i}]", "group")
        groups.update(member_of)
        users[uname] = tuple(member_of)

    sets: dict[str, PermissionSet] = {}
    raw_sets = _mapping(raw.get("permission_sets"), f"{place}.permission_sets")
    bodies: dict[str, Mapping[str, Any]] = {}
    for sname, body in raw_sets.items():
        s_place = join_place(f"{place}.permission_sets", sname)
        _name(sname, _PERMISSION_SET_NAME, s_place, "permission set (1 to 32 characters)")
        body = bodies[sname] = _mapping(body, s_place)  # None: an empty permission set
        _keys(body, _SET_KEYS, s_place)
        duration = body.get("session_duration", DEFAULT_SESSION)
        if (
            isinstance(duration, bool)
            or not isinstance(duration, int)
            or not MIN_SESSION <= duration <= MAX_SESSION
        ):
            raise PolicyError(
                f"{s_place}.session_duration",
                f"{safe_repr(duration)}: a permission set's session duration is a whole number of "
                f"seconds from 3600 (1 hour) to 43200 (12 hours)",
            )
        description = body.get("description", "")
        sets[sname] = PermissionSet(
            name=sname, session_duration=duration, description=str(description)
        )

    assignments: list[Assignment] = []
    for i, item in enumerate(_list(raw.get("assignments"), f"{place}.assignments", text=False)):
        a_place = f"{place}.assignments[{i}]"
        item = _mapping(item, a_place)
        _keys(item, ("account", "permission_set", "user", "group"), a_place)
        raw_account = item.get("account", "")
        if isinstance(raw_account, bool) or not isinstance(raw_account, (str, int)):
            raise PolicyError(
                f"{a_place}.account", f"expected an account ID, got {describe_type(raw_account)}"
            )
        if isinstance(raw_account, int) and not 0 <= raw_account < 10**12:
            raise PolicyError(f"{a_place}.account", "an account ID has 12 digits")
        account = str(raw_account)
        if account not in accounts:
            raise PolicyError(
                f"{a_place}.account",
                f"{safe_repr(account)} is not an account of this lab ({', '.join(accounts)})",
            )
        pset = item.get("permission_set")
        if not isinstance(pset, str) or pset not in sets:
            raise PolicyError(
                f"{a_place}.permission_set",
                f"no permission set {safe_repr(pset)} (permission sets: "
                f"{', '.join(sets) or 'none'})",
            )
        user, group = item.get("user"), item.get("group")
        if (user is None) == (group is None):
            raise PolicyError(a_place, "an assignment names either a user or a group")
        for key, value in (("user", user), ("group", group)):
            if value is not None and not isinstance(value, str):
                raise PolicyError(
                    f"{a_place}.{key}", f"expected a name, got {describe_type(value)}"
                )
        if user is not None and user not in users:
            raise PolicyError(f"{a_place}.user", f"no Identity Center user {safe_repr(user)}")
        if group is not None and group not in groups:
            raise PolicyError(f"{a_place}.group", f"no Identity Center group {safe_repr(group)}")
        assignments.append(
            Assignment(account=account, permission_set=str(pset), user=user, group=group)
        )

    roles: dict[tuple[str, str], str] = {}
    saml_arns: dict[str, str] = {}
    for a in assignments:
        if (a.account, a.permission_set) in roles:
            continue
        provider = SamlProvider(account=a.account, name=provider_name(a.account))
        saml_arns[a.account] = provider.arn
        held = providers.get(a.account, IdentityProviders())
        providers[a.account] = dataclasses.replace(
            held, saml=MappingProxyType({**held.saml, provider.name: provider})
        )
        s_place = join_place(f"{place}.permission_sets", a.permission_set)
        role = _role(
            bodies[a.permission_set], sets[a.permission_set], accounts[a.account], provider
        )
        held_account = accounts[a.account]
        if role.name in held_account.roles:
            raise PolicyError(s_place, f"account {a.account} already has a role {role.name}")
        accounts[a.account] = dataclasses.replace(
            held_account, roles=MappingProxyType({**held_account.roles, role.name: role})
        )
        roles[(a.account, a.permission_set)] = role.arn
    return IdentityCenter(
        users=MappingProxyType(users),
        permission_sets=MappingProxyType(sets),
        assignments=tuple(assignments),
        roles=MappingProxyType(roles),
        providers=MappingProxyType(saml_arns),
    )


def _role(
    body: Mapping[str, Any], pset: PermissionSet, account: Account, idp: SamlProvider
) -> Role:
    place = f"identity_center.permission_sets.{pset.name}"
    name = role_name(pset.name, account.id)
    owner = f"role {name}"
    policies: list[AttachedPolicy] = []
    for i, ref in enumerate(_list(body.get("managed_policies"), f"{place}.managed_policies")):
        policy = _managed(ref, account, f"{place}.managed_policies[{i}]")
        policies.append(
            AttachedPolicy(
                kind="identity", name=policy.name, owner=owner, policy=policy, managed=True
            )
        )
    if body.get("inline_policy") is not None:
        policy = parse_policy(
            body["inline_policy"],
            name=INLINE_POLICY_NAME,
            kind="identity",
            place=f"{place}.inline_policy",
        )
        policies.append(
            AttachedPolicy(kind="identity", name=INLINE_POLICY_NAME, owner=owner, policy=policy)
        )
    boundary = None
    if body.get("permissions_boundary") is not None:
        ref = body["permissions_boundary"]
        b_place = f"{place}.permissions_boundary"
        if not isinstance(ref, str):
            raise PolicyError(
                b_place, "a permission set's boundary names a managed policy (AWS or customer)"
            )
        found = _managed(ref, account, b_place)
        policy = dataclasses.replace(found, kind="permissions_boundary")
        boundary = AttachedPolicy(
            kind="permissions_boundary", name=policy.name, owner=owner, policy=policy, managed=True
        )
    trust = parse_policy(
        trust_document(idp.arn),
        name=f"trust policy of {name}",
        kind="trust",
        place=f"{place} (trust)",
    )
    return Role(
        name=name,
        account=account.id,
        arn=arns.role_arn(account.id, name, ROLE_PATH),
        trust_policy=trust,
        policies=tuple(policies),
        permissions_boundary=boundary,
        max_session_duration=pset.session_duration,
        description=f"Created by IAM Identity Center for permission set {pset.name}",
    )


def _managed(ref: str, account: Account, place: str) -> Policy:
    if ref.startswith("arn:aws:iam::aws:policy/"):
        ref = ref.rsplit("/", 1)[-1]
        if ref not in aws_managed_policies():
            raise PolicyError(
                place,
                "iamlab ships only these AWS managed policies: "
                + ", ".join(sorted(aws_managed_policies())),
            )
    if ref in account.managed_policies:
        return account.managed_policies[ref]
    if ref in aws_managed_policies():
        return aws_managed_policies()[ref]
    raise PolicyError(
        place,
        f"no managed policy {safe_repr(ref)} in account {account.id}: Identity Center looks a "
        f"customer "
        f"managed policy up by name in every account the permission set is assigned to",
    )


def _keys(raw: Mapping[str, Any], allowed: tuple[str, ...], place: str) -> None:
    for key in raw:
        if key not in allowed:
            raise PolicyError(
                join_place(place, key), f"unknown key; expected one of {', '.join(allowed)}"
            )


def _mapping(raw: object, place: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise PolicyError(place, f"expected a mapping, got {describe_type(raw)}")
    for key in raw:
        if not isinstance(key, str):
            raise PolicyError(join_place(place, key), "names must be strings")
    return raw


def _list(raw: object, place: str, *, text: bool = True) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, str) and text:
        raw = [raw]
    if not isinstance(raw, list):
        raise PolicyError(place, f"expected a list, got {describe_type(raw)}")
    if text:
        for i, item in enumerate(raw):
            if not isinstance(item, str) or not item:
                raise PolicyError(f"{place}[{i}]", f"expected a name, got {describe_type(item)}")
    return raw


def _name(name: str, pattern: re.Pattern[str], place: str, what: str) -> None:
    if not pattern.match(name):
        raise PolicyError(place, f"{safe_repr(name)} is not a valid {what} name")
