"""The lab's corner of an AWS account: one IAM path, one name prefix, three services.

Everything the course creates lives under the IAM path ``/iam-study-lab/`` and has a name that
starts with ``iamlab-``, so that it can never be confused with (or overwrite) anything else in the
account. :func:`check_request` enforces that on every request a lab session sends, *before* the
request leaves the machine: a call that would touch something outside the lab's corner raises
:class:`OutsideTheLabError` and nothing is sent.

Paths and names: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
"""

from __future__ import annotations

from collections.abc import Mapping

from iamlab.errors import IamlabError

PATH = "/iam-study-lab/"
PREFIX = "iamlab-"
SERVICES = ("iam", "sts", "s3")

# IAM and S3 operations whose names start with these only read; everything else changes something.
_READS = ("Get", "List", "Head", "Simulate", "Generate", "Decode")
# Parameters that name an IAM entity the request acts on.
_ENTITY_NAMES = ("UserName", "GroupName", "RoleName", "InstanceProfileName")
# IAM operations that create an entity that has a path.
_CREATES_WITH_PATH = {
    "CreateUser": "UserName",
    "CreateGroup": "GroupName",
    "CreateRole": "RoleName",
    "CreatePolicy": "PolicyName",
    "CreateInstanceProfile": "InstanceProfileName",
}
_AWS_MANAGED_POLICY = "arn:aws:iam::aws:policy/"


class OutsideTheLabError(IamlabError):
    """A request would create or change something outside the lab's path and name prefix."""


def is_read(operation: str) -> bool:
    """Does this API operation only read (GetUser, ListBuckets, HeadObject, ...)?"""
    return operation.startswith(_READS)


def is_lab_policy_arn(arn: str) -> bool:
    """Is this the ARN of a customer managed policy the lab created (path and prefix)?"""
    return f":policy{PATH}{PREFIX}" in arn


def check_request(service: str, operation: str, params: Mapping[str, object]) -> None:
    """Raise :class:`OutsideTheLabError` unless the request stays inside the lab's corner.

    Reads are always allowed (in IAM, S3 and STS); changes must name only lab things.
    """
    if service not in SERVICES:
        raise OutsideTheLabError(
            f"{service}:{operation} — the lab sessions talk only to {', '.join(SERVICES)}; "
            f"use your own boto3 session for anything else"
        )
    if service == "sts" or is_read(operation):
        return
    if service == "s3":
        _check_s3(operation, params)
    else:
        _check_iam(operation, params)


def _check_iam(operation: str, params: Mapping[str, object]) -> None:
    where = f"iam:{operation}"
    created = _CREATES_WITH_PATH.get(operation)
    if created is not None:
        name = params.get(created)
        if not (isinstance(name, str) and name.startswith(PREFIX)):
            raise OutsideTheLabError(
                f"{where}: {created}={name!r} must start with {PREFIX!r} "
                f"(for example {PREFIX}maria), so that the lab can tell what is its own"
            )
        if params.get("Path") != PATH:
            raise OutsideTheLabError(
                f"{where}: pass Path={PATH!r} (got {params.get('Path')!r}): the lab creates "
                f"everything under one IAM path"
            )
    elif "Path" in params and params["Path"] != PATH:
        raise OutsideTheLabError(f"{where}: Path must be {PATH!r}, got {params['Path']!r}")
    for key in _ENTITY_NAMES:
        value = params.get(key)
        if value is not None and not (isinstance(value, str) and value.startswith(PREFIX)):
            raise OutsideTheLabError(
                f"{where}: {key}={value!r} is not one of the lab's own (names start with "
                f"{PREFIX!r}); the lab changes nothing else in the account"
            )
    arn = params.get("PolicyArn")
    if arn is not None:
        attaching = operation.startswith("Attach")
        ours = isinstance(arn, str) and is_lab_policy_arn(arn)
        aws_managed = isinstance(arn, str) and arn.startswith(_AWS_MANAGED_POLICY)
        if not (ours or (attaching and aws_managed)):
            raise OutsideTheLabError(
                f"{where}: PolicyArn={arn!r} is not a lab policy (path {PATH}, name "
                f"{PREFIX}...)" + ("" if not attaching else " nor an AWS managed policy")
            )
    boundary = params.get("PermissionsBoundary")
    if boundary is not None and not (
        isinstance(boundary, str)
        and (is_lab_policy_arn(boundary) or boundary.startswith(_AWS_MANAGED_POLICY))
    ):
        raise OutsideTheLabError(f"{where}: PermissionsBoundary={boundary!r} is not a lab policy")


def _check_s3(operation: str, params: Mapping[str, object]) -> None:
    bucket = params.get("Bucket")
    if not (isinstance(bucket, str) and bucket.startswith(PREFIX)):
        raise OutsideTheLabError(
            f"s3:{operation}: Bucket={bucket!r} is not one of the lab's own (bucket names start "
            f"with {PREFIX!r}); the lab changes nothing else in the account"
        )
