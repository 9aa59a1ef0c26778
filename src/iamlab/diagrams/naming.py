"""How diagrams name things in words: statements, conditions, resources, callers, checks.

Kept apart from the drawing so the words are the same in every diagram.
"""

from __future__ import annotations

from collections.abc import Iterable

from iamlab.model.caller import Caller
from iamlab.model.conditions import ConditionClause
from iamlab.model.evaluation import MatchedStatement
from iamlab.model.policy import KIND_LABELS, Statement
from iamlab.model.principals import AttachedPolicy

from . import style

#: The question each box of AWS's evaluation flow asks.
STEP_QUESTIONS = {
    "deny": "Does any policy explicitly Deny it?",
    "scp": "Do the SCPs allow it? (every level of the organization)",
    "resource": "Does a resource-based policy allow it?",
    "identity": "Does an identity-based policy allow it?",
    "permissions_boundary": "Does the permissions boundary allow it?",
    "session": "Does the session policy allow it?",
}

#: The words for a policy kind in "decided by ..." lines.
KIND_WORDS = {**KIND_LABELS, "root": "the root user's special rules"}


def statement_name(matched: MatchedStatement) -> str:
    """``Sid "ReadRecipes" in BaristaTools (group Baristas)``: where a statement lives."""
    return f"{matched.statement.label} in {policy_name(matched.source)}"


def policy_name(attached: AttachedPolicy) -> str:
    """How a policy is named: ``BaristaTools (group Baristas)``, ``the trust policy of ...``."""
    if attached.kind == "identity":
        return f"{attached.name} ({attached.owner})"
    if attached.kind == "resource" and attached.name == "trust policy":
        return f"the trust policy of {attached.owner}"
    if attached.kind == "resource":
        return f"the resource-based policy on {resource_caption(attached.name)[0]}"
    if attached.kind == "permissions_boundary":
        return f"permissions boundary {attached.name} ({attached.owner})"
    if attached.kind == "session":
        return f"the session policy ({attached.owner})"
    return f"SCP {attached.name} ({attached.owner})"


def condition_note(clause: ConditionClause) -> str:
    """A short note for a condition: ``MFA required``, ``ExternalId required``, or the test."""
    key = clause.key.lower()
    values = ", ".join(str(v) for v in clause.raw_values)
    if key == "aws:multifactorauthpresent" and clause.operator.base == "Bool":
        wants_true = any(str(v).lower() == "true" for v in clause.raw_values)
        return "MFA required" if wants_true != clause.operator.negated else "only without MFA"
    if key == "sts:externalid":
        return "ExternalId required"
    if key == "aws:securetransport" and clause.operator.base == "Bool":
        insecure = any(str(v).lower() == "false" for v in clause.raw_values)
        return "if not HTTPS" if insecure else "HTTPS only"
    if key == "aws:sourceip":
        return f"source IP {'not ' if clause.operator.negated else ''}in {values}"
    return f"if {clause.operator.name} {clause.key} {values}"


def condition_notes(statement: Statement) -> list[str]:
    return [condition_note(c) for c in statement.conditions]


def actions_caption(statement: Statement, limit: int = 2) -> str:
    """``s3:GetObject, s3:ListBucket`` or ``everything except iam:*`` (NotAction)."""
    shown = style.shorten(statement.actions, limit)
    return f"all actions except {shown}" if statement.not_action else shown


_RESOURCE_KINDS = {
    "s3": "S3 bucket",
    "dynamodb": "DynamoDB table",
    "lambda": "Lambda function",
    "sqs": "SQS queue",
    "sns": "SNS topic",
    "kms": "KMS key",
    "iam": "IAM resource",
    "secretsmanager": "secret",
}


def resource_caption(arn: str) -> tuple[str, str]:
    """(short name, kind in words) for a resource ARN: ``("coffee-recipes", "S3 bucket")``."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return arn, "resource"
    service, resource = parts[2], parts[5]
    kind = _RESOURCE_KINDS.get(service, f"{service} resource")
    if service == "s3" and "/" in resource:
        return resource, "S3 object"
    name = resource.split("/", 1)[1] if "/" in resource else resource.split(":")[-1]
    return name or resource, kind


def caller_caption(caller: Caller) -> tuple[str, str]:
    """(name, kind in words) for the caller of a request."""
    if caller.kind == "user":
        return caller.name, "IAM user"
    if caller.kind == "session":
        return caller.name, "role session" + (
            " (role evaluated directly)" if caller.simulated else ""
        )
    if caller.kind == "root":
        return "root user", f"of account {caller.account}"
    if caller.kind == "federated":  # iamlab.model.federation: a token or assertion's holder
        return caller.name, "identity provider (federation)"
    return caller.name, "AWS service"


def caller_kind(caller: Caller) -> str:
    """The style kind for a caller node."""
    kinds = {"user": "user", "session": "session", "root": "root", "federated": "external"}
    return kinds.get(caller.kind, "service")


def decided_by_words(kinds: Iterable[str]) -> str:
    return ", ".join(KIND_WORDS.get(k, k) for k in kinds) or "nothing"
