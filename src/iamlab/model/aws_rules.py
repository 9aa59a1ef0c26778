"""Requests AWS decides itself, before and whatever any policy of the account says.

Such a decision has ``decided_by == ("aws",)`` and a ``note`` saying why:

- ``sts:GetCallerIdentity`` needs no permission and cannot be denied: "No permissions are
  required to perform this operation. If an administrator attaches a policy to your identity
  that explicitly denies access to the sts:GetCallerIdentity action, you can still perform
  this operation" (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
- **AWS managed policies** (``arn:aws:iam::aws:policy/...``) are created and maintained by AWS:
  "You cannot change the permissions defined in AWS managed policies"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html).
  No principal of an account, not even its root user, can create or delete their versions,
  set their default version, tag them or delete them.
- The ``alias/aws/`` prefix of KMS alias names is reserved for AWS managed keys: "The alias
  name cannot begin with alias/aws/"
  (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html).
- Roles that IAM Identity Center creates (path ``/aws-reserved/sso.amazonaws.com/``) are
  managed by Identity Center, which updates them whenever the permission set changes
  (https://docs.aws.amazon.com/singlesignon/latest/userguide/identity-center-and-iam-roles.html);
  IAM refuses changes made to them directly ("Cannot perform the operation on the protected
  role ... this role is only modifiable by AWS", AWS Knowledge Center). iamlab refuses the IAM
  actions that change a role, for every principal of the account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from iamlab.model.caller import Caller
from iamlab.model.evaluation import Decision, Result

_AWS_MANAGED_POLICY = re.compile(r"\Aarn:aws[\w-]*:iam::aws:policy/")
_POLICY_CHANGES = frozenset(
    {
        "iam:createpolicyversion",
        "iam:deletepolicyversion",
        "iam:setdefaultpolicyversion",
        "iam:tagpolicy",
        "iam:untagpolicy",
        "iam:deletepolicy",
    }
)
_RESERVED_ALIAS = re.compile(r"\Aarn:aws[\w-]*:kms:[^:]*:\d{12}:alias/aws/")
_ALIAS_CHANGES = frozenset({"kms:createalias", "kms:updatealias", "kms:deletealias"})
_SSO_ROLE = re.compile(r"\Aarn:aws[\w-]*:iam::\d{12}:role/aws-reserved/sso\.amazonaws\.com/")
_ROLE_CHANGES = frozenset(
    {
        "iam:deleterole",
        "iam:updaterole",
        "iam:updateroledescription",
        "iam:updateassumerolepolicy",
        "iam:putrolepolicy",
        "iam:deleterolepolicy",
        "iam:attachrolepolicy",
        "iam:detachrolepolicy",
        "iam:putrolepermissionsboundary",
        "iam:deleterolepermissionsboundary",
        "iam:tagrole",
        "iam:untagrole",
    }
)


_RULE_ACTIONS = frozenset(
    {"sts:getcalleridentity", *_POLICY_CHANGES, *_ALIAS_CHANGES, *_ROLE_CHANGES}
)
_RULED: dict[str, str] = {}  # action as written -> its lowercase name if a rule may apply, or ""


def rule_for(action: str, resource: str) -> tuple[Result, str] | None:
    """The result and the reason when AWS decides ``action`` on ``resource`` by itself."""
    lowered = _RULED.get(action)
    if lowered is None:
        lowered = action.lower()
        lowered = lowered if lowered in _RULE_ACTIONS else ""
        if len(_RULED) > 10_000:
            _RULED.clear()
        _RULED[action] = lowered
    if not lowered:
        return None
    if lowered == "sts:getcalleridentity":
        return (
            "Allowed",
            "sts:GetCallerIdentity needs no permission: AWS allows it even when a policy "
            "explicitly denies it (it only says who the caller is)",
        )
    if lowered in _POLICY_CHANGES and _AWS_MANAGED_POLICY.match(resource):
        return (
            "ImplicitlyDenied",
            f"{resource} is an AWS managed policy: AWS creates and maintains it, and no "
            f"principal of an account (not even the root user) can change it — copy it into "
            f"a customer managed policy to change it",
        )
    if lowered in _ALIAS_CHANGES and _RESERVED_ALIAS.match(resource):
        return (
            "ImplicitlyDenied",
            "alias names that begin with alias/aws/ are reserved for AWS managed keys: no "
            "one can create, update or delete such an alias",
        )
    if lowered in _ROLE_CHANGES and _SSO_ROLE.match(resource):
        return (
            "ImplicitlyDenied",
            "the role was created by IAM Identity Center for a permission set, and only "
            "Identity Center changes it: edit the permission set instead",
        )
    return None


def decide(
    caller: Caller,
    action: str,
    resource: str,
    resource_account: str,
    context: Mapping[str, object],
) -> Decision | None:
    """A Decision made by AWS itself (``decided_by == ("aws",)``), or None to evaluate."""
    found = rule_for(action, resource)
    if found is None:
        return None
    result, note = found
    return Decision(
        result=result,
        decided_by=("aws",),
        statements=(),
        caller=caller,
        action=action,
        resource=resource,
        resource_account=resource_account,
        context=context,
        note=note,
    )
