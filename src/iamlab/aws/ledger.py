"""What a lab session created, and how to take exactly that away again.

A :class:`Ledger` listens to every request a lab session sends (boto3's ``after-call`` event).
Each successful request that creates or attaches something adds one :class:`Created` entry that
knows its own undo call (``CreateUser`` -> ``DeleteUser``, ``AttachGroupPolicy`` ->
``DetachGroupPolicy``, ...). :meth:`Ledger.cleanup` runs the undo calls newest first, so that
memberships and attachments go before the users, groups and policies they join. It deletes
nothing that it did not see being created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from iamlab.errors import IamlabError

# Error codes that mean "already gone": cleanup counts these as done.
_GONE = {"NoSuchEntity", "NoSuchBucket", "NoSuchKey", "404", "NotFound"}


class CleanupError(IamlabError):
    """Some of what a lab session created could not be deleted. ``left`` lists it."""

    def __init__(self, message: str, left: list[Created]) -> None:
        self.left = left
        super().__init__(message)


@dataclass(frozen=True, slots=True, kw_only=True)
class Created:
    """One thing a lab session created (or attached), and the call that undoes it."""

    what: str  # "user iamlab-maria", "access key AKIA…WXYZ of iamlab-maria", ...
    service: str  # the boto3 client that undoes it: "iam" or "s3"
    undo: str  # the API operation, e.g. "DeleteUser"
    params: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.what


def mask_key_id(key_id: str) -> str:
    """AKIA…WXYZ: enough to recognise a key, never the whole ID (and never the secret)."""
    return f"{key_id[:4]}…{key_id[-4:]}" if len(key_id) > 8 else "…"


def _s(params: Mapping[str, Any], key: str) -> str:
    value = params.get(key)
    return value if isinstance(value, str) else ""


def entry_for(
    service: str, operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]
) -> Created | None:
    """The ledger entry for one successful request, or None when it creates nothing."""
    p = params
    if service == "iam":
        user, group, role = _s(p, "UserName"), _s(p, "GroupName"), _s(p, "RoleName")
        policy_arn, name = _s(p, "PolicyArn"), _s(p, "PolicyName")
        short = policy_arn.rsplit("/", 1)[-1]
        simple: dict[str, tuple[str, str, dict[str, str]]] = {
            "CreateUser": (f"user {user}", "DeleteUser", {"UserName": user}),
            "CreateGroup": (f"group {group}", "DeleteGroup", {"GroupName": group}),
            "CreateRole": (f"role {role}", "DeleteRole", {"RoleName": role}),
            "CreateLoginProfile": (
                f"console password of {user}",
                "DeleteLoginProfile",
                {"UserName": user},
            ),
            "AddUserToGroup": (
                f"membership of {user} in {group}",
                "RemoveUserFromGroup",
                {"UserName": user, "GroupName": group},
            ),
            "AttachUserPolicy": (
                f"policy {short} attached to {user}",
                "DetachUserPolicy",
                {"UserName": user, "PolicyArn": policy_arn},
            ),
            "AttachGroupPolicy": (
                f"policy {short} attached to {group}",
                "DetachGroupPolicy",
                {"GroupName": group, "PolicyArn": policy_arn},
            ),
            "AttachRolePolicy": (
                f"policy {short} attached to {role}",
                "DetachRolePolicy",
                {"RoleName": role, "PolicyArn": policy_arn},
            ),
            "PutUserPolicy": (
                f"inline policy {name} of {user}",
                "DeleteUserPolicy",
                {"UserName": user, "PolicyName": name},
            ),
            "PutGroupPolicy": (
                f"inline policy {name} of {group}",
                "DeleteGroupPolicy",
                {"GroupName": group, "PolicyName": name},
            ),
            "PutRolePolicy": (
                f"inline policy {name} of {role}",
                "DeleteRolePolicy",
                {"RoleName": role, "PolicyName": name},
            ),
            "PutUserPermissionsBoundary": (
                f"permissions boundary of {user}",
                "DeleteUserPermissionsBoundary",
                {"UserName": user},
            ),
            "PutRolePermissionsBoundary": (
                f"permissions boundary of {role}",
                "DeleteRolePermissionsBoundary",
                {"RoleName": role},
            ),
            "CreateInstanceProfile": (
                f"instance profile {_s(p, 'InstanceProfileName')}",
                "DeleteInstanceProfile",
                {"InstanceProfileName": _s(p, "InstanceProfileName")},
            ),
            "AddRoleToInstanceProfile": (
                f"{role} in instance profile {_s(p, 'InstanceProfileName')}",
                "RemoveRoleFromInstanceProfile",
                {"RoleName": role, "InstanceProfileName": _s(p, "InstanceProfileName")},
            ),
        }
        if operation in simple:
            what, undo, undo_params = simple[operation]
            return Created(what=what, service="iam", undo=undo, params=undo_params)
        if operation == "CreatePolicy":
            arn = str(parsed.get("Policy", {}).get("Arn", ""))
            return Created(
                what=f"managed policy {name}",
                service="iam",
                undo="DeletePolicy",
                params={"PolicyArn": arn},
            )
        if operation == "CreateAccessKey":
            key = parsed.get("AccessKey", {})
            owner = str(key.get("UserName") or user)
            key_id = str(key.get("AccessKeyId", ""))
            return Created(
                what=f"access key {mask_key_id(key_id)} of {owner}",
                service="iam",
                undo="DeleteAccessKey",
                params={"UserName": owner, "AccessKeyId": key_id},
            )
        return None
    if service == "s3":
        bucket = _s(p, "Bucket")
        if operation == "CreateBucket":
            return Created(
                what=f"bucket {bucket}",
                service="s3",
                undo="DeleteBucket",
                params={"Bucket": bucket},
            )
        if operation == "PutObject":
            key_name = _s(p, "Key")
            return Created(
                what=f"object s3://{bucket}/{key_name}",
                service="s3",
                undo="DeleteObject",
                params={"Bucket": bucket, "Key": key_name},
            )
        if operation == "PutBucketPolicy":
            return Created(
                what=f"bucket policy of {bucket}",
                service="s3",
                undo="DeleteBucketPolicy",
                params={"Bucket": bucket},
            )
    return None


def _snake(operation: str) -> str:
    out = []
    for i, ch in enumerate(operation):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class Ledger:
    """The list of what a lab session created, newest last."""

    def __init__(self) -> None:
        self.entries: list[Created] = []

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Created]:
        return iter(list(self.entries))

    def record(
        self, service: str, operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]
    ) -> Created | None:
        entry = entry_for(service, operation, params, parsed)
        if entry is not None and entry not in self.entries:
            self.entries.append(entry)
        return entry

    def cleanup(
        self, client_for: Callable[[str], Any], *, say: Callable[[str], None] | None = None
    ) -> list[Created]:
        """Undo every entry, newest first. Return what was undone; raise if anything is left.

        ``client_for(service)`` returns a boto3 client with the rights to undo (the session
        that created them). An entry whose target is already gone counts as undone.
        """
        done: list[Created] = []
        left: list[Created] = []
        problems: list[str] = []
        for entry in reversed(list(self.entries)):
            try:
                client = client_for(entry.service)
                _before_undo(client, entry)
                getattr(client, _snake(entry.undo))(**entry.params)
            except Exception as exc:
                if _error_code(exc) in _GONE:
                    done.append(entry)
                else:
                    left.append(entry)
                    problems.append(f"  - {entry}: {_error_code(exc) or type(exc).__name__}")
                    continue
            else:
                done.append(entry)
            if say is not None:
                say(f"removed {entry}")
        self.entries = [e for e in self.entries if e in left]
        if left:
            raise CleanupError(
                "could not delete everything the lab created; still there:\n"
                + "\n".join(problems)
                + "\nRun cleanup() again, or delete these by hand (IAM path /iam-study-lab/).",
                left,
            )
        return done


def _before_undo(client: Any, entry: Created) -> None:
    """What must go before the undo call itself: a policy's old versions, a bucket's objects."""
    if entry.undo == "DeletePolicy":
        versions = client.list_policy_versions(PolicyArn=entry.params["PolicyArn"])["Versions"]
        for version in versions:
            if not version.get("IsDefaultVersion"):
                client.delete_policy_version(
                    PolicyArn=entry.params["PolicyArn"], VersionId=version["VersionId"]
                )
    elif entry.undo == "DeleteBucket":
        # The bucket is the lab's own, so everything in it is too.
        listed = client.list_objects_v2(Bucket=entry.params["Bucket"])
        for item in listed.get("Contents", []):
            client.delete_object(Bucket=entry.params["Bucket"], Key=item["Key"])


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""
