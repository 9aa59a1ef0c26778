"""Policies and statements: parsing AWS JSON at the edge, validating with precise places.

Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
Elements: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from iamlab.arguments import check_choice, check_text, wrong_type
from iamlab.errors import PolicyError, describe_type
from iamlab.model import quotas
from iamlab.model.arn import ACCOUNT_ID, parse_arn, root_arn
from iamlab.model.conditions import ConditionClause, parse_condition
from iamlab.model.documents import load_json
from iamlab.model.matching import Matcher, compile_globs, glob_of, has_wildcard
from iamlab.model.variables import Template, has_variables, parse_template
from iamlab.safe_repr import safe_repr

PolicyKind = Literal["scp", "resource", "identity", "permissions_boundary", "session", "trust"]
KIND_LABELS: dict[str, str] = {
    "scp": "service control policy",
    "resource": "resource-based policy",
    "identity": "identity-based policy",
    "permissions_boundary": "permissions boundary",
    "session": "session policy",
    "trust": "role trust policy",
    "root": "root user",
}
VERSIONS = ("2012-10-17", "2008-10-17")
_STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
_ACTION = re.compile(r"\A[A-Za-z0-9\-*?]+:[A-Za-z0-9*?\-_]+\Z")
_SID = re.compile(r"\A[A-Za-z0-9 _\-.]*\Z")
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_SERVICE_PRINCIPAL = re.compile(r"\A[a-z0-9][a-z0-9\-.]*\.amazonaws\.com(\.cn)?\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Principals:
    """A parsed Principal/NotPrincipal element. AWS principals are normalised to ARNs."""

    everyone: bool = False
    aws: frozenset[str] = frozenset()
    service: frozenset[str] = frozenset()
    federated: frozenset[str] = frozenset()
    canonical_user: frozenset[str] = frozenset()

    def names(self) -> list[str]:
        if self.everyone:
            return ["*"]
        return sorted(self.aws | self.service | self.federated | self.canonical_user)


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One statement, compiled for fast matching. ``raw`` is the statement as written."""

    index: int
    sid: str | None
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: the element is absent (trust policies)
    not_resource: bool
    principals: Principals | None
    not_principal: bool
    conditions: tuple[ConditionClause, ...]
    raw: Mapping[str, Any]
    _action_match: Matcher = field(repr=False, compare=False)
    _resource_match: Matcher | None = field(repr=False, compare=False)
    _resource_templates: tuple[Template, ...] = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        """``Sid "ReadRecipes"`` or ``statement 2`` (1-based), for explanations."""
        return f'Sid "{self.sid}"' if self.sid else f"statement {self.index + 1}"

    def matches_action(self, action: str) -> bool:
        return self._action_match(action) != self.not_action

    def matches_resource(self, resource: str, context: Mapping[str, object]) -> bool:
        if self.resources is None:
            return True
        if self._resource_match is not None:
            hit = self._resource_match(resource)
        else:
            hit = False
            for template in self._resource_templates:
                pieces = template.render_pieces(context)
                if pieces is not None and glob_of(pieces).match(resource):
                    hit = True
                    break
        return hit != self.not_resource

    def failing_condition(self, context: Mapping[str, object]) -> ConditionClause | None:
        """The first condition clause that does not hold, or None when all hold."""
        for clause in self.conditions:
            if not clause.matches(context):
                return clause
        return None

    def matches_conditions(self, context: Mapping[str, object]) -> bool:
        return all(clause.matches(context) for clause in self.conditions)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """A policy document of a given kind, with its statements compiled."""

    name: str
    kind: PolicyKind
    version: str
    statements: tuple[Statement, ...]
    document: Mapping[str, Any]
    place: str = ""
    size: int = 0  # characters AWS counts against the quotas (no white space)

    @classmethod
    def from_json(
        cls,
        text: str | bytes,
        *,
        name: str = "policy",
        kind: PolicyKind = "identity",
        place: str = "",
    ) -> Policy:
        """Parse a policy from JSON text (``str``, or UTF-8 ``bytes``).

        Invalid JSON, a key given twice, text that is not UTF-8: a PolicyError with the place.
        """
        _check_call("Policy.from_json", name, kind, place)
        if not isinstance(text, (str, bytes, bytearray)):
            raise wrong_type("Policy.from_json", "text", "JSON text (str or bytes)", text)
        document = load_json(text, place or name)
        return cls.from_dict(document, name=name, kind=kind, place=place)

    @classmethod
    def from_dict(
        cls,
        document: object,
        *,
        name: str = "policy",
        kind: PolicyKind = "identity",
        place: str = "",
    ) -> Policy:
        """Validate and compile a policy document (a dict as AWS's JSON)."""
        _check_call("Policy.from_dict", name, kind, place)
        return parse_policy(document, name=name, kind=kind, place=place or name)


def _check_call(function: str, name: object, kind: object, place: object) -> None:
    check_text(name, function, "name", limit=1024)
    check_choice(kind, quotas.KIND_QUOTA, function, "kind")
    check_text(place, function, "place", empty=True, limit=4096)


def parse_policy(
    document: object,
    *,
    name: str,
    kind: PolicyKind,
    place: str,
    quota: tuple[int, str] | None = None,
) -> Policy:
    """Check and compile ``document``; ``quota`` (characters, what) overrides the kind's."""
    if isinstance(document, (str, bytes, bytearray)):
        document = load_json(document, place)
    if not isinstance(document, dict):
        raise PolicyError(
            place,
            f"a policy must be an object with Version and Statement, got {describe_type(document)}",
        )
    limit, what = quota or quotas.KIND_QUOTA[kind]
    size = quotas.policy_size(document, place, limit=limit)
    quotas.check_size(size, limit, what, place)
    for key in document:
        if key not in ("Version", "Id", "Statement"):
            hint = " (did you mean Statement?)" if str(key).lower().startswith("statement") else ""
            raise PolicyError(
                f"{place}.{key}",
                f"unknown policy element{hint}; a policy has Version, Id and Statement",
            )
    version = document.get("Version", "2008-10-17")
    if isinstance(version, _dt.date):  # policy_size refuses dates; kept for from_dict callers
        version = version.isoformat()
    if version not in VERSIONS:
        raise PolicyError(
            f"{place}.Version",
            f'{safe_repr(version)} is not a policy language version; use "2012-10-17"',
        )
    if "Id" in document and not isinstance(document["Id"], str):
        raise PolicyError(f"{place}.Id", f"the Id is text, got {describe_type(document['Id'])}")
    if "Statement" not in document:
        raise PolicyError(f"{place}.Statement", "missing: a policy needs at least one statement")
    raw_statements = document["Statement"]
    listed = isinstance(raw_statements, list)
    if not listed:
        raw_statements = [raw_statements]
    if not raw_statements:
        raise PolicyError(f"{place}.Statement", "empty: a policy needs at least one statement")
    statements = []
    sids: set[str] = set()
    for i, raw in enumerate(raw_statements):
        s_place = f"{place}.Statement[{i}]" if listed else f"{place}.Statement"
        statement = _parse_statement(raw, i, s_place, kind, version == "2012-10-17")
        if statement.sid:
            if statement.sid in sids:
                raise PolicyError(
                    f"{s_place}.Sid",
                    f"duplicate Sid {safe_repr(statement.sid)}; "
                    "each Sid must be unique in a policy",
                )
            sids.add(statement.sid)
        statements.append(statement)
    return Policy(
        name=name,
        kind=kind,
        version=version,
        statements=tuple(statements),
        document=document,
        place=place,
        size=size,
    )


def _parse_statement(
    raw: object, index: int, place: str, kind: PolicyKind, variables: bool
) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError(place, f"a statement must be an object, got {describe_type(raw)}")
    for key in raw:
        if key not in _STATEMENT_KEYS:
            raise PolicyError(
                f"{place}.{key}",
                f"unknown statement element; expected one of {', '.join(_STATEMENT_KEYS)}",
            )
    sid = raw.get("Sid")
    if sid is not None and (not isinstance(sid, str) or not _SID.match(sid)):
        raise PolicyError(
            f"{place}.Sid",
            f"{safe_repr(sid)} is not a valid Sid (letters, digits, spaces, '_', '-' and '.')",
        )
    effect = raw.get("Effect")
    if effect is None:
        raise PolicyError(
            f"{place}.Effect", 'missing: every statement needs "Effect": "Allow" or "Deny"'
        )
    if effect not in ("Allow", "Deny"):
        raise PolicyError(
            f"{place}.Effect",
            f'{safe_repr(effect)} is not "Allow" or "Deny" (the value is case-sensitive)',
        )

    actions, not_action = _either(raw, "Action", "NotAction", place, required=True)
    assert actions is not None
    for i, action in enumerate(actions):
        a_place = f"{place}.{'NotAction' if not_action else 'Action'}"
        if action != "*" and not _ACTION.match(action):
            raise PolicyError(
                f"{a_place}[{i}]" if len(actions) > 1 else a_place,
                f"{safe_repr(action)} is not an action: "
                "write service:ActionName, like s3:GetObject",
            )

    resource_required = kind not in ("trust",)
    resources, not_resource = _either(
        raw, "Resource", "NotResource", place, required=resource_required
    )
    if kind == "trust" and resources is not None:
        raise PolicyError(
            f"{place}.{'NotResource' if not_resource else 'Resource'}",
            "a trust policy has no Resource: the role itself is the resource",
        )
    templates: list[Template] = []
    if resources is not None:
        for i, resource in enumerate(resources):
            r_place = f"{place}.{'NotResource' if not_resource else 'Resource'}"
            r_place = f"{r_place}[{i}]" if len(resources) > 1 else r_place
            if resource != "*":
                parse_arn(resource, r_place)
            if variables and has_variables(resource):
                templates.append(parse_template(resource, r_place))

    principals, not_principal = _parse_principal_element(raw, place, kind)

    conditions: tuple[ConditionClause, ...] = ()
    if "Condition" in raw:
        conditions = parse_condition(raw["Condition"], f"{place}.Condition", variables=variables)

    resource_match: Matcher | None = None
    if resources is not None and not templates:
        resource_match = compile_globs(tuple(resources))
    elif resources is not None:
        literal = tuple(r for r in resources if not (variables and has_variables(r)))
        templates.extend(parse_template(r, place) for r in literal)
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=tuple(actions),
        not_action=not_action,
        resources=tuple(resources) if resources is not None else None,
        not_resource=not_resource,
        principals=principals,
        not_principal=not_principal,
        conditions=conditions,
        raw=raw,
        _action_match=compile_globs(tuple(actions), ignore_case=True),
        _resource_match=resource_match,
        _resource_templates=tuple(templates),
    )


def _either(
    raw: Mapping[str, Any], name: str, not_name: str, place: str, *, required: bool
) -> tuple[list[str] | None, bool]:
    if name in raw and not_name in raw:
        raise PolicyError(
            f"{place}.{not_name}", f"a statement has either {name} or {not_name}, not both"
        )
    key = name if name in raw else not_name if not_name in raw else None
    if key is None:
        if required:
            raise PolicyError(
                f"{place}.{name}", f"missing: the statement needs {name} (or {not_name})"
            )
        return None, False
    value = raw[key]
    values = value if isinstance(value, list) else [value]
    if not values:
        raise PolicyError(f"{place}.{key}", "empty list: give at least one value")
    for i, item in enumerate(values):
        if not isinstance(item, str) or not item:
            where = f"{place}.{key}[{i}]" if isinstance(value, list) else f"{place}.{key}"
            raise PolicyError(where, f"expected a non-empty string, got {describe_type(item)}")
    return list(values), key == not_name


def _parse_principal_element(
    raw: Mapping[str, Any], place: str, kind: PolicyKind
) -> tuple[Principals | None, bool]:
    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError(
            f"{place}.NotPrincipal", "a statement has either Principal or NotPrincipal, not both"
        )
    key = "Principal" if "Principal" in raw else "NotPrincipal" if "NotPrincipal" in raw else None
    takes_principal = kind in ("resource", "trust")
    if key is None:
        if takes_principal:
            raise PolicyError(
                f"{place}.Principal",
                "missing: a resource-based or trust policy must say who it applies to",
            )
        return None, False
    if not takes_principal:
        raise PolicyError(
            f"{place}.{key}",
            f"a {KIND_LABELS[kind]} cannot have {key}: the "
            f"principal is whoever the policy is attached to",
        )
    p_place = f"{place}.{key}"
    if key == "NotPrincipal" and raw.get("Effect") != "Deny":
        raise PolicyError(p_place, 'NotPrincipal may only be used with "Effect": "Deny"')
    return parse_principals(raw[key], p_place), key == "NotPrincipal"


def parse_principals(value: object, place: str) -> Principals:
    if value == "*":
        return Principals(everyone=True)
    if not isinstance(value, dict) or not value:
        raise PolicyError(
            place,
            f'expected "*" or an object such as {{"AWS": ...}} or '
            f'{{"Service": ...}}, got {describe_type(value)}',
        )
    found: dict[str, set[str]] = {t: set() for t in _PRINCIPAL_TYPES}
    everyone = False
    for ptype, entries in value.items():
        t_place = f"{place}.{ptype}"
        if ptype not in _PRINCIPAL_TYPES:
            raise PolicyError(
                t_place, f"unknown principal type; use one of {', '.join(_PRINCIPAL_TYPES)}"
            )
        items = entries if isinstance(entries, list) else [entries]
        if not items:
            raise PolicyError(t_place, "empty list: name at least one principal")
        for i, item in enumerate(items):
            i_place = f"{t_place}[{i}]" if isinstance(entries, list) else t_place
            if not isinstance(item, str) or not item:
                raise PolicyError(i_place, f"expected a string, got {describe_type(item)}")
            if ptype == "AWS":
                if item == "*":
                    everyone = True
                    continue
                found["AWS"].add(_normalise_aws_principal(item, i_place))
            elif ptype == "Service":
                if not _SERVICE_PRINCIPAL.match(item):
                    raise PolicyError(
                        i_place,
                        f"{safe_repr(item)} is not a service principal (like ec2.amazonaws.com)",
                    )
                found["Service"].add(item)
            else:
                found[ptype].add(item)
    return Principals(
        everyone=everyone,
        aws=frozenset(found["AWS"]),
        service=frozenset(found["Service"]),
        federated=frozenset(found["Federated"]),
        canonical_user=frozenset(found["CanonicalUser"]),
    )


def _normalise_aws_principal(item: str, place: str) -> str:
    if ACCOUNT_ID.match(item):
        return root_arn(item)
    if not item.startswith("arn:"):
        raise PolicyError(
            place,
            f"{safe_repr(item)} is not an AWS principal: use an account ID, an "
            f'ARN of a user, role or role session, or "*"',
        )
    if has_wildcard(item):
        raise PolicyError(
            place,
            f"{safe_repr(item)}: a Principal cannot contain wildcards except a lone "
            f'"*" (use a condition on aws:PrincipalArn instead)',
        )
    arn = parse_arn(item, place)
    rtype = arn.resource_type
    if arn.service == "iam" and rtype == "group":
        raise PolicyError(
            place,
            f"{safe_repr(item)} is a group: groups are not principals and cannot "
            f"be named in a Principal element; name the users or use a "
            f"role",
        )
    allowed = {
        ("iam", "root"),
        ("iam", "user"),
        ("iam", "role"),
        ("sts", "assumed-role"),
        ("sts", "federated-user"),
        ("iam", "saml-provider"),
        ("iam", "oidc-provider"),
    }
    if (arn.service, rtype) not in allowed:
        raise PolicyError(
            place,
            f"{safe_repr(item)} is not a principal ARN (users, roles, role "
            f"sessions and accounts can be principals)",
        )
    return item
