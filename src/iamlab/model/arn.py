"""Amazon Resource Names: parsing, validation and the IAM/STS ARNs the model builds.

Format (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)::

    arn:partition:service:region:account-id:resource
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iamlab.errors import PolicyError
from iamlab.safe_repr import safe_repr

ACCOUNT_ID = re.compile(r"\A\d{12}\Z")
_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")
_SERVICE = re.compile(r"\A[a-z0-9*?][a-z0-9\-*?.]*\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Arn:
    """A parsed ARN. ``resource`` is everything after the fifth colon."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """The part of ``resource`` before the first ``/`` or ``:`` (``user`` in ``user/maria``)."""
        return re.split(r"[/:]", self.resource, maxsplit=1)[0]

    @property
    def resource_name(self) -> str:
        """The last path element of ``resource`` (``maria`` in ``user/staff/maria``)."""
        return re.split(r"[/:]", self.resource)[-1]


def parse_arn(text: object, place: str = "", *, allow_wildcards: bool = True) -> Arn:
    """Parse an ARN, raising :class:`PolicyError` that names ``place`` when it is malformed."""
    if not isinstance(text, str):
        raise PolicyError(place, f"expected an ARN string, got {type(text).__name__}")
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise PolicyError(
            place,
            f"{safe_repr(text)} is not an ARN: expected "
            f"arn:partition:service:region:account-id:resource",
        )
    _, partition, service, region, account, resource = parts
    if not allow_wildcards and ("*" in text or "?" in text):
        raise PolicyError(place, f"{safe_repr(text)}: wildcards are not allowed here")
    if partition not in _PARTITIONS and not (allow_wildcards and partition in ("*", "aws*")):
        raise PolicyError(
            place, f"{safe_repr(text)}: unknown partition {safe_repr(partition)} (expected 'aws')"
        )
    if not _SERVICE.match(service):
        raise PolicyError(
            place, f"{safe_repr(text)}: the service part {safe_repr(service)} is not a service name"
        )
    if account and not (ACCOUNT_ID.match(account) or account in ("aws",) or _has_wild(account)):
        raise PolicyError(
            place, f"{safe_repr(text)}: the account part {safe_repr(account)} is not a 12-digit ID"
        )
    if not resource:
        raise PolicyError(place, f"{safe_repr(text)}: the resource part is empty")
    return Arn(
        partition=partition, service=service, region=region, account=account, resource=resource
    )


def _has_wild(text: str) -> bool:
    return "*" in text or "?" in text


def root_arn(account: str) -> str:
    """The ARN AWS uses for an account (and its root user)."""
    return f"arn:aws:iam::{account}:root"


def user_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:user{path}{name}"


def group_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:group{path}{name}"


def role_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    """The ARN of a role session: ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``."""
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"
