"""Generated labs for benchmarks: realistic in shape, deterministic, any size.

``generated_lab()`` returns a lab in the lab format of DESIGN.md (a dict, ready for
``iamlab.Lab.from_dict``). It looks like a grown-up version of the coffee shop:

- one main account (``111122223333``) and a partner account (``444455556666``);
- customer managed policies per team, shared by groups and roles, with wildcards
  (``s3:Get*``), explicit denies and conditions (MFA, source IP, HTTPS, tags, dates);
- users in one to three groups, some with inline policies, some with a permissions boundary,
  every one tagged with a team;
- roles trusted by the account (some only with MFA), by AWS services, or by the partner
  account with an external ID; some roles with a boundary;
- buckets and tables with resource-based policies (deny without HTTPS, grants to roles,
  cross-account grants to the partner);
- optionally a two-level organization (service control policies).

``request_actions(n)`` and ``request_resources(data, n)`` give requests to ask about it;
``bucket_arn(i)`` and ``table_arn(i)`` name the generated buckets and tables.
Everything depends only on the arguments (``seed`` included), so figures are comparable
from run to run.
"""

from __future__ import annotations

import random
from typing import Any

ACCOUNT = "111122223333"
PARTNER = "444455556666"

# Real AWS actions, grouped by the resource they act on.
S3_OBJECT_ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:GetObjectAcl",
    "s3:PutObjectAcl",
    "s3:GetObjectTagging",
    "s3:PutObjectTagging",
    "s3:DeleteObjectTagging",
    "s3:GetObjectVersion",
    "s3:DeleteObjectVersion",
    "s3:GetObjectAttributes",
    "s3:RestoreObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:GetObjectRetention",
    "s3:PutObjectRetention",
    "s3:GetObjectLegalHold",
    "s3:PutObjectLegalHold",
    "s3:GetObjectVersionTagging",
    "s3:ReplicateObject",
)
S3_BUCKET_ACTIONS = (
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:GetBucketLocation",
    "s3:GetBucketVersioning",
    "s3:PutBucketVersioning",
    "s3:GetBucketTagging",
    "s3:PutBucketTagging",
    "s3:GetEncryptionConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:GetBucketLogging",
    "s3:PutBucketLogging",
    "s3:DeleteBucket",
    "s3:GetBucketAcl",
    "s3:PutBucketAcl",
    "s3:GetBucketCORS",
)
DYNAMODB_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:DescribeTable",
    "dynamodb:UpdateTable",
    "dynamodb:DeleteTable",
    "dynamodb:CreateBackup",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:ConditionCheckItem",
    "dynamodb:ListTagsOfResource",
    "dynamodb:TagResource",
    "dynamodb:UntagResource",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:PartiQLSelect",
)
OTHER_ACTIONS = (
    "iam:GetUser",
    "iam:ListUsers",
    "iam:GetRole",
    "iam:ListRoles",
    "iam:CreateUser",
    "iam:DeleteUser",
    "iam:AttachUserPolicy",
    "iam:PassRole",
    "iam:CreateAccessKey",
    "iam:ListAccessKeys",
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "cloudwatch:PutMetricData",
    "cloudwatch:DescribeAlarms",
    "logs:CreateLogGroup",
    "logs:PutLogEvents",
    "logs:GetLogEvents",
    "logs:DescribeLogGroups",
    "lambda:InvokeFunction",
    "lambda:GetFunction",
    "lambda:UpdateFunctionCode",
    "lambda:ListFunctions",
    "ec2:DescribeInstances",
    "ec2:StartInstances",
    "ec2:StopInstances",
    "ec2:TerminateInstances",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sns:Publish",
    "sns:Subscribe",
    "organizations:LeaveOrganization",
    "cloudtrail:StopLogging",
    "cloudtrail:LookupEvents",
)
# Interleaved, so that the first few already mix services and resource types.
ALL_ACTIONS = tuple(
    action
    for group in zip(
        S3_OBJECT_ACTIONS,
        DYNAMODB_ACTIONS,
        OTHER_ACTIONS[0::2],
        S3_BUCKET_ACTIONS,
        OTHER_ACTIONS[1::2],
        strict=True,
    )
    for action in group
)

TEAMS = ("floor", "kitchen", "finance", "management", "delivery", "marketing", "it", "audit")
OFFICE_NETWORKS = ("203.0.113.0/24", "198.51.100.0/24")


def _statement(sid: str, effect: str, actions: Any, resources: Any, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": effect, "Action": actions}
    if resources is not None:
        statement["Resource"] = resources
    statement.update(extra)
    return statement


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def bucket_arn(i: int) -> str:
    """The ARN of generated bucket ``i`` (listed in the lab when ``i < buckets``)."""
    return f"arn:aws:s3:::shop-data-{i:02d}"


def table_arn(i: int) -> str:
    """The ARN of generated DynamoDB table ``i`` (listed in the lab when ``i < tables``)."""
    return f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Table{i:02d}"


def generated_lab(
    users: int = 100,
    *,
    groups: int = 12,
    roles: int = 20,
    buckets: int = 8,
    tables: int = 4,
    partner_users: int = 5,
    scps: bool = True,
    seed: int = 7,
) -> dict[str, Any]:
    """A lab with ``users`` IAM users (plus ``roles`` roles and a partner account).

    The principals a learner can pick (``Lab.principal_names()``) number
    ``users + roles + partner_users + 1`` (the root user).
    """
    rng = random.Random(seed)
    bucket_arns = [bucket_arn(i) for i in range(buckets)]
    table_arns = [table_arn(i) for i in range(tables)]

    managed: dict[str, Any] = {}
    for t, team in enumerate(TEAMS):
        mine = [bucket_arns[(t + k) % buckets] for k in range(2)] if buckets else []
        table = table_arns[t % tables] if tables else None
        statements = []
        if mine:
            statements.append(
                _statement(
                    "ReadTeamBuckets",
                    "Allow",
                    ["s3:Get*", "s3:List*"],
                    [*mine, *(f"{b}/*" for b in mine)],
                )
            )
            statements.append(
                _statement(
                    "WriteFromTheOffice",
                    "Allow",
                    ["s3:PutObject", "s3:PutObjectTagging"],
                    f"{mine[0]}/{team}/*",
                    Condition={"IpAddress": {"aws:SourceIp": list(OFFICE_NETWORKS)}},
                )
            )
        if table:
            statements.append(
                _statement(
                    "UseTeamTable",
                    "Allow",
                    ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:Update*"],
                    table,
                )
            )
        statements.append(
            _statement("SeeMetrics", "Allow", ["cloudwatch:Get*", "cloudwatch:List*"], "*")
        )
        managed[f"{team.capitalize()}Access"] = _policy(*statements)

    managed["StaffBoundary"] = _policy(
        _statement("NoIamChanges", "Allow", "*", "*"),
        _statement(
            "NeverTouchIam",
            "Deny",
            ["iam:Create*", "iam:Delete*", "iam:Attach*", "iam:CreateAccessKey"],
            "*",
        ),
    )
    managed["ContractorBoundary"] = _policy(
        _statement(
            "SomeBucketsOnly",
            "Allow",
            "s3:*",
            [*bucket_arns[:2], *(f"{b}/*" for b in bucket_arns[:2])],
        ),
        _statement("Metrics", "Allow", "cloudwatch:Get*", "*"),
    )
    managed["RequireMfaForDeletes"] = _policy(
        _statement(
            "DenyDeletesWithoutMfa",
            "Deny",
            ["s3:Delete*", "dynamodb:Delete*"],
            "*",
            Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        )
    )
    managed["AssumeTeamRoles"] = _policy(
        _statement(
            "AssumeRolesTaggedForMyTeam",
            "Allow",
            "sts:AssumeRole",
            f"arn:aws:iam::{ACCOUNT}:role/*",
        )
    )
    managed["IamReadOnly"] = _policy(
        _statement("ReadIam", "Allow", ["iam:Get*", "iam:List*"], "*"),
    )

    # Everyone is in AllStaff: may try any role of the account (the trust policies decide).
    group_defs: dict[str, Any] = {
        "AllStaff": {
            "managed_policies": ["AssumeTeamRoles"],
            "inline_policies": {
                "WhoAmI": _policy(_statement("WhoAmI", "Allow", "sts:GetCallerIdentity", "*"))
            },
        }
    }
    group_names = [f"Team{g:02d}" for g in range(groups)]
    for g, name in enumerate(group_names):
        team = TEAMS[g % len(TEAMS)]
        attached = [f"{team.capitalize()}Access", "RequireMfaForDeletes"]
        if g % 4 == 1:
            attached.append("IamReadOnly")
        body: dict[str, Any] = {"managed_policies": attached}
        if g % 2 == 0:
            body["inline_policies"] = {
                "BusinessHours": _policy(
                    _statement(
                        "NoWritesAfterClosing",
                        "Deny",
                        ["s3:Put*", "dynamodb:PutItem"],
                        "*",
                        Condition={"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
                    )
                )
            }
        group_defs[name] = body

    user_defs: dict[str, Any] = {}
    for u in range(users):
        name = f"user{u:03d}"
        member_of = rng.sample(group_names, k=min(len(group_names), rng.choice((1, 1, 2, 3))))
        body = {"groups": ["AllStaff", *member_of], "tags": {"team": rng.choice(TEAMS)}}
        if u % 5 == 0:
            body["permissions_boundary"] = "StaffBoundary" if u % 10 else "ContractorBoundary"
        if u % 4 == 0 and bucket_arns:
            home = rng.choice(bucket_arns)
            body["inline_policies"] = {
                "OwnFolder": _policy(
                    _statement(
                        "OwnFolder",
                        "Allow",
                        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                        f"{home}/home/${{aws:username}}/*",
                    ),
                    _statement(
                        "TagMatchedTables",
                        "Allow",
                        "dynamodb:*",
                        "*",
                        Condition={"StringEquals": {"aws:PrincipalTag/team": "finance"}},
                    ),
                )
            }
        user_defs[name] = body

    role_defs: dict[str, Any] = {}
    for r in range(roles):
        name = f"Role{r:02d}"
        kind = r % 6
        statements = []
        if kind in (1, 5):  # people in the account
            statements.append(
                _statement(
                    "TrustAccount",
                    "Allow",
                    "sts:AssumeRole",
                    None,
                    Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                )
            )
        elif kind in (0, 2, 4):  # people in the account, with MFA
            statements.append(
                _statement(
                    "TrustAccountWithMfa",
                    "Allow",
                    "sts:AssumeRole",
                    None,
                    Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                )
            )
        else:  # a workload
            service = ("ec2.amazonaws.com", "lambda.amazonaws.com")[r % 2]
            statements.append(
                _statement(
                    "TrustService", "Allow", "sts:AssumeRole", None, Principal={"Service": service}
                )
            )
        if r % 3 == 0:  # the partner too, with an external ID (against the confused deputy)
            statements.append(
                _statement(
                    "TrustPartner",
                    "Allow",
                    "sts:AssumeRole",
                    None,
                    Principal={"AWS": f"arn:aws:iam::{PARTNER}:root"},
                    Condition={"StringEquals": {"sts:ExternalId": f"partner-{seed}-{r}"}},
                )
            )
        trust = _policy(*statements)
        team = TEAMS[r % len(TEAMS)]
        body = {
            "trust_policy": trust,
            "managed_policies": [f"{team.capitalize()}Access"],
            "max_session_duration": (3600, 7200, 14400, 43200)[r % 4],
            "tags": {"team": team},
        }
        if tables:
            body["inline_policies"] = {
                "Extra": _policy(
                    _statement(
                        "WriteOneTable",
                        "Allow",
                        ["dynamodb:PutItem", "dynamodb:DeleteItem"],
                        table_arns[r % tables],
                    )
                )
            }
        if r % 5 == 0:
            body["permissions_boundary"] = "StaffBoundary"
        role_defs[name] = body

    main: dict[str, Any] = {
        "name": "generated-shop",
        "managed_policies": managed,
        "groups": group_defs,
        "users": user_defs,
        "roles": role_defs,
    }
    if scps:
        main["service_control_policies"] = [
            _policy(_statement("FullAWSAccess", "Allow", "*", "*")),
            [
                _policy(_statement("FullAWSAccess", "Allow", "*", "*")),
                _policy(
                    _statement(
                        "StayInTheOrganization",
                        "Deny",
                        ["organizations:LeaveOrganization", "cloudtrail:StopLogging"],
                        "*",
                    )
                ),
            ],
        ]

    partner: dict[str, Any] = {
        "name": "partner",
        "users": {
            name: {
                "tags": {"team": "audit"},
                "inline_policies": {
                    "Audit": _policy(
                        _statement(
                            "AssumeAuditRoles",
                            "Allow",
                            "sts:AssumeRole",
                            f"arn:aws:iam::{ACCOUNT}:role/*",
                        ),
                        _statement("ReadSharedBuckets", "Allow", "s3:GetObject", "*"),
                    )
                },
            }
            for name in (f"partner{p:02d}" for p in range(partner_users))
        },
    }

    resources: dict[str, Any] = {}
    for i, name in enumerate(bucket_arns):
        statements = [
            _statement(
                "DenyInsecureTransport",
                "Deny",
                "s3:*",
                [name, f"{name}/*"],
                Principal="*",
                Condition={"Bool": {"aws:SecureTransport": "false"}},
            )
        ]
        if roles:
            statements.append(
                _statement(
                    "RoleReadsEverything",
                    "Allow",
                    ["s3:GetObject", "s3:ListBucket"],
                    [name, f"{name}/*"],
                    Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/Role{i % roles:02d}"},
                )
            )
        if i % 3 == 0:
            statements.append(
                _statement(
                    "PartnerReadsShared",
                    "Allow",
                    "s3:GetObject",
                    f"{name}/shared/*",
                    Principal={"AWS": f"arn:aws:iam::{PARTNER}:root"},
                )
            )
        resources[name] = {"account": ACCOUNT, "policy": _policy(*statements)}
    for i, table in enumerate(table_arns):
        resources[table] = {"account": ACCOUNT}
        if i % 2 == 1 and users:
            resources[table]["policy"] = _policy(
                _statement(
                    "OneUserReads",
                    "Allow",
                    ["dynamodb:GetItem", "dynamodb:Query"],
                    table,
                    Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/user{i:03d}"},
                )
            )

    accounts = {ACCOUNT: main}
    if partner_users:
        accounts[PARTNER] = partner
    return {"title": f"generated ({users} users)", "accounts": accounts, "resources": resources}


def request_actions(n: int = 100) -> list[str]:
    """``n`` distinct real actions (at most ``len(ALL_ACTIONS)``), services interleaved."""
    if not 0 <= n <= len(ALL_ACTIONS):
        raise ValueError(f"only {len(ALL_ACTIONS)} actions are catalogued, asked for {n}")
    return list(ALL_ACTIONS[:n])


def request_resources(data: dict[str, Any], n: int = 10) -> list[str]:
    """``n`` resource ARNs to ask about: buckets and objects in them, tables, one unlisted."""
    listed = list(data.get("resources", {}))
    out: list[str] = []
    for i, arn in enumerate(listed):
        if arn.startswith("arn:aws:s3:::"):
            out.append(f"{arn}/shared/report-{i}.csv" if i % 2 else arn)
        else:
            out.append(arn)
    out.append("arn:aws:s3:::somebody-elses-bucket/file.txt")
    i = 0
    while len(out) < n and listed:  # more objects in the listed buckets
        arn = listed[i % len(listed)]
        if arn.startswith("arn:aws:s3:::"):
            out.append(f"{arn}/home/user{i % 100:03d}/notes-{i}.txt")
        i += 1
    return out[:n]
