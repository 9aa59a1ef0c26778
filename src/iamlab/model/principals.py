"""The identities in a lab: accounts, users, groups, roles and resources.

https://docs.aws.amazon.com/IAM/latest/UserGuide/id.html — users, groups and roles.
A group is a collection of users; it is not a principal and cannot contain other groups
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from iamlab.model.policy import Policy, PolicyKind

_EMPTY: MappingProxyType[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachedPolicy:
    """A policy as it applies to a request: its kind, where it comes from, and the document."""

    kind: PolicyKind
    name: str
    owner: str  # "user maria", "group Baristas", "role CoffeeMachineOperator", ...
    policy: Policy
    managed: bool = False

    @property
    def title(self) -> str:
        """How explanations name it: "managed policy BaristaTools (group Baristas)"."""
        if self.kind == "identity":
            how = "managed" if self.managed else "inline"
            return f"{how} policy {self.name} ({self.owner})"
        if self.kind == "resource":
            return (
                f"the {self.name} ({self.owner})"
                if self.name == "trust policy"
                else (f"the resource-based policy on {self.name}")
            )
        if self.kind == "permissions_boundary":
            return f"permissions boundary {self.name} ({self.owner})"
        if self.kind == "session":
            return f"the session policy ({self.owner})"
        name = self.name if self.name.startswith("SCP") else f"SCP {self.name}"
        return f"{name} ({self.owner})"


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """An IAM user: a long-term identity in one account. New users have no permissions."""

    name: str
    account: str
    arn: str
    groups: tuple[str, ...] = ()
    policies: tuple[AttachedPolicy, ...] = ()  # its own inline and managed policies
    permissions_boundary: AttachedPolicy | None = None
    tags: MappingProxyType[str, str] = field(default_factory=lambda: _EMPTY)
    description: str = ""

    kind: Literal["user"] = "user"


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """An IAM group: attaches policies to many users at once. Not a principal."""

    name: str
    account: str
    arn: str
    policies: tuple[AttachedPolicy, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    """An IAM role: an identity with no long-term credentials, assumed for a session."""

    name: str
    account: str
    arn: str
    trust_policy: Policy
    policies: tuple[AttachedPolicy, ...] = ()
    permissions_boundary: AttachedPolicy | None = None
    max_session_duration: int = 3600
    tags: MappingProxyType[str, str] = field(default_factory=lambda: _EMPTY)
    description: str = ""

    kind: Literal["role"] = "role"


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """A resource listed in the lab, optionally with a resource-based policy."""

    arn: str
    account: str
    policy: Policy | None = None
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """One AWS account of the lab."""

    id: str
    name: str
    managed_policies: MappingProxyType[str, Policy]
    users: MappingProxyType[str, User]
    groups: MappingProxyType[str, Group]
    roles: MappingProxyType[str, Role]
    scp_levels: tuple[tuple[AttachedPolicy, ...], ...] = ()
    description: str = ""
