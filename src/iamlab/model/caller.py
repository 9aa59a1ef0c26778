"""Who is asking: a resolved principal with everything evaluation needs, computed once.

The request context keys filled in from the principal follow
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from iamlab.model import arn as arns
from iamlab.model.principals import AttachedPolicy

CallerKind = Literal["user", "session", "root", "service", "federated"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """A principal ready for evaluation.

    ``arn`` is the ARN AWS would show as the caller (for a session: the assumed-role ARN);
    ``role_arn`` is set for sessions. ``policies`` are the identity-based policies that apply.
    """

    kind: CallerKind
    name: str
    arn: str
    account: str  # "" for a service principal
    role_arn: str | None = None
    policies: tuple[AttachedPolicy, ...] = ()
    boundary: AttachedPolicy | None = None
    session_policy: AttachedPolicy | None = None
    scp_levels: tuple[tuple[AttachedPolicy, ...], ...] = ()
    base_context: dict[str, object] = field(default_factory=dict, compare=False)
    expiration: datetime | None = None
    simulated: bool = False  # a role evaluated directly, as an implicit session

    @property
    def account_root(self) -> str:
        return arns.root_arn(self.account) if self.account else ""

    @property
    def display(self) -> str:
        return {
            "user": f"IAM user {self.name}",
            "session": f"role session {self.name}",
            "root": f"the root user of account {self.account}",
            "service": f"the service {self.name}",
            "federated": f"a user of the identity provider {self.name}",
        }[self.kind]


def unique_id(prefix: str, *parts: str, length: int = 17) -> str:
    """A stable, AWS-shaped unique ID such as AIDA... (users) or AROA... (roles)."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    body = "".join(alphabet[b % 32] for b in digest[:length])
    return prefix + body
