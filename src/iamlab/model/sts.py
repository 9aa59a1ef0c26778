"""AWS STS sessions: what ``AssumeRole`` hands out, and the rules on how long it lasts.

https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html (role chaining)

- ``DurationSeconds`` runs from 900 (15 minutes) to the role's maximum session duration
  (3600 to 43200 seconds, default 3600); when omitted it is 3600.
- Role chaining (a role session assuming another role) is limited to one hour.
- The root user cannot assume a role.
- The session has the role's permissions (narrowed by any session policy), never the caller's.
- A source identity set when the first role was assumed persists in every chained session
  (id_credentials_temp_control-access_monitor.html).

Federated sessions (AssumeRoleWithWebIdentity, AssumeRoleWithSAML, Identity Center) are made
in :mod:`iamlab.model.federation`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from iamlab.arguments import check_moment
from iamlab.errors import PolicyError, ValidationError
from iamlab.model.policy import Policy
from iamlab.model.quotas import policy_size
from iamlab.safe_repr import safe_repr

if TYPE_CHECKING:
    from iamlab.model.caller import Caller
    from iamlab.model.evaluation import Decision
    from iamlab.model.principals import Role

MIN_DURATION = 900
DEFAULT_DURATION = 3600
CHAINING_LIMIT = 3600
SESSION_POLICY_LIMIT = 2048
_SESSION_NAME = re.compile(r"\A[\w+=,.@\-]{2,64}\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """Temporary security credentials. The secret parts never show in ``repr``."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime

    @property
    def masked_secret(self) -> str:
        return self.secret_access_key[:4] + "*" * 12


@dataclass(frozen=True, kw_only=True)
class Session:
    """A role session: a principal in its own right, with an ARN and an expiry."""

    arn: str
    role: Role
    session_name: str
    credentials: Credentials
    issued_at: datetime
    duration_seconds: int
    mfa_present: bool
    session_policy: Policy | None
    source_arn: str  # who assumed the role
    chained: bool
    caller: Caller = field(repr=False, compare=False)
    decision: Decision | None = field(default=None, repr=False, compare=False)
    """Why STS said yes: the trust check's Decision (``decision.explain()``)."""
    source_identity: str | None = None
    """Who is behind the session (``aws:SourceIdentity``); it persists through role chaining."""
    tags: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Session tags, seen by later requests as ``aws:PrincipalTag/KEY``."""

    @property
    def expiration(self) -> datetime:
        return self.credentials.expiration

    @property
    def account(self) -> str:
        return self.role.account

    def is_expired(self, now: datetime) -> bool:
        if type(now) is not datetime or now.tzinfo is None:
            check_moment(now, "Session.is_expired", optional=False)
        return now >= self.credentials.expiration

    def remaining(self, now: datetime) -> timedelta:
        """Time left before the credentials expire (zero once expired)."""
        check_moment(now, "Session.remaining", optional=False)
        return max(self.credentials.expiration - now, timedelta(0))

    def __str__(self) -> str:
        return self.arn


def check_session_name(name: object) -> str:
    if not isinstance(name, str) or not _SESSION_NAME.match(name):
        raise ValidationError(
            f"RoleSessionName {safe_repr(name)} is invalid: "
            f"use 2 to 64 characters from letters, digits "
            f"and +=,.@_-"
        )
    return name


def check_duration(duration: object, role: Role, *, chained: bool) -> int:
    if duration is None:
        return DEFAULT_DURATION
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise ValidationError(
            f"DurationSeconds must be a whole number of seconds, got {safe_repr(duration)}"
        )
    if duration < MIN_DURATION:
        raise ValidationError(
            f"DurationSeconds {duration} is below the minimum of "
            f"{MIN_DURATION} seconds (15 minutes)"
        )
    if chained and duration > CHAINING_LIMIT:
        raise ValidationError(
            f"DurationSeconds {duration} exceeds the 1 hour session limit for roles assumed by "
            f"role chaining (a role session assuming another role)"
        )
    if duration > role.max_session_duration:
        raise ValidationError(
            f"DurationSeconds {duration} exceeds the MaxSessionDuration set for role "
            f"{role.name} ({role.max_session_duration} seconds)"
        )
    return duration


def check_session_policy_size(document: object) -> None:
    if isinstance(document, str):  # JSON text: count it as written, without white space
        if len(document) > 4 * SESSION_POLICY_LIMIT:  # far too long, white space or not
            size = len(document)
        else:
            size = sum(1 for char in document if not char.isspace())
    else:  # a document: compact JSON, counted without recursion (bounded, never raises here)
        try:
            size = policy_size(document, "session_policy", limit=SESSION_POLICY_LIMIT)
        except PolicyError:
            return  # not a valid document: parsing it reports the place and the problem
    if size > SESSION_POLICY_LIMIT:
        raise ValidationError(
            f"the session policy has more than {SESSION_POLICY_LIMIT} characters; AWS allows "
            f"{SESSION_POLICY_LIMIT} (without white space)"
        )


def make_credentials(
    role_arn: str, session_name: str, issued: datetime, expires: datetime, serial: int
) -> Credentials:
    """AWS-shaped, deterministic credentials: ASIA... key ID, secret, token."""
    seed = f"{role_arn}|{session_name}|{issued.isoformat()}|{serial}".encode()
    digest = hashlib.sha512(seed).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    key_id = "ASIA" + "".join(alphabet[b % 32] for b in digest[:16])
    secret = base64.b64encode(digest[16:46]).decode()[:40]
    token = base64.b64encode(hashlib.sha512(seed + b"token").digest() * 3).decode()
    return Credentials(
        access_key_id=key_id,
        secret_access_key=secret,
        session_token="IQoJb3JpZ2luX2Vj" + token,
        expiration=expires,
    )
