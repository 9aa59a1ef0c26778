"""The breadth check: is a policy judged by *everything* it allows, not by a list of probes?

Hand-written requests say what a policy must allow and a few things it must not; a policy can
pass them and still allow far more (``NotAction``, ``s3:*Object*``, ``role/Coffee*``, ``*:*``
with a few Denies). So the judge also evaluates the policy over the whole request space of
the task, and fails it with the first request it allows that the task does not need:

- identity policies: every action of each service the task involves (from the IAM
  definition data that parliament ships), on each resource the task names and on their
  siblings (another object of the bucket, a bucket or role whose name only starts the same,
  the same table in another region), with and without the request contexts the task uses;
  what is allowed must fall in the task's *scope* (its required requests, each object key
  widened to ``bucket/*``, plus what the bank's ``also_allowed`` adds);
- trust policies: every principal of every account of the lab (and services such as
  ``lambda.amazonaws.com``) assuming the role, without MFA, with MFA and with MFA false;
  who may assume is the scope's ``callers`` under its ``context``; ``must`` callers (for
  example every user of the supplier's account, including ones the self-check never names)
  must be allowed.

The key (``breadth`` in the policy check's key) is written by :func:`identity_breadth` and
:func:`trust_breadth`; :func:`over_broad` returns the first problem, or ``None``.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

SERVICES = ("lambda.amazonaws.com", "ec2.amazonaws.com")
CONTEXTS: tuple[dict[str, str] | None, ...] = (
    None,
    {"aws:MultiFactorAuthPresent": "true"},
    {"aws:MultiFactorAuthPresent": "false"},
)


@cache
def service_actions(service: str) -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    """Every action of ``service`` (``s3`` ...) with the ARN patterns of its resource types.

    From parliament's IAM definition data (the Service Authorization Reference): an action
    with no resource type is requested on ``*`` only (an empty pattern tuple).
    """
    spec = importlib.util.find_spec("parliament")
    if spec is None or not spec.submodule_search_locations:
        return ()
    path = Path(next(iter(spec.submodule_search_locations))) / "iam_definition.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = next((e for e in data if e.get("prefix") == service), None)
    if entry is None:
        return ()
    arns = {r["resource"]: _arn_pattern(r["arn"]) for r in entry.get("resources", ())}
    out = []
    for privilege in entry.get("privileges", ()):
        types = [t["resource_type"].rstrip("*") for t in privilege.get("resource_types", ())]
        patterns = tuple(arns[t] for t in types if t in arns)
        out.append((f"{service}:{privilege['privilege']}", patterns))
    return tuple(out)


def _arn_pattern(template: str) -> re.Pattern[str]:
    """``arn:${Partition}:s3:::${BucketName}/${ObjectName}`` as a regular expression."""

    def part(found: re.Match[str]) -> str:
        name = found.group(1)
        if name == "Partition":
            return "aws"
        return ".+" if "Path" in name or name in ("ObjectName", "Key") else "[^/:]+"

    pieces = re.split(r"(\$\{[^}]+\})", template)
    text = "".join(
        part(re.fullmatch(r"\$\{([^}]+)\}", p)) if p.startswith("${") else re.escape(p)  # type: ignore[arg-type]
        for p in pieces
    )
    return re.compile(text)


def siblings(arn: str) -> list[str]:
    """``arn`` and the resources beside it that a too-broad pattern would also match."""
    out = [arn]
    if arn.startswith("arn:aws:s3:::"):
        bucket, _, key = arn.removeprefix("arn:aws:s3:::").partition("/")
        out += [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}-other"]
        out += [f"arn:aws:s3:::{bucket}/zz-other-object", f"arn:aws:s3:::{bucket}-other/x"]
        if key:
            out.append(f"arn:aws:s3:::{bucket}x/{key}")
    else:
        head = arn.rpartition("/")[0]
        if head:
            out += [f"{arn}X", f"{head}/Other", f"{arn}/index/ByDate"]
        parts = arn.split(":")
        if len(parts) > 4 and parts[3]:
            out.append(":".join([*parts[:3], "eu-west-1", *parts[4:]]))
    return out


def identity_breadth(
    member: str, requests: Sequence[Mapping[str, Any]], also_allowed: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The breadth key of an identity policy part, from its requests."""
    scope = [
        {"action": str(r["action"]), "resource": _widen(str(r["resource"]))}
        for r in requests
        if r.get("expect", "allow") == "allow"
    ]
    scope += [{"action": str(a["action"]), "resource": str(a["resource"])} for a in also_allowed]
    resources: list[str] = []
    for r in requests:
        for arn in siblings(str(r["resource"])):
            if arn not in resources:
                resources.append(arn)
    services = sorted({str(r["action"]).split(":", 1)[0] for r in requests})
    contexts = [None, json.dumps({"aws:MultiFactorAuthPresent": "true"})]
    contexts += sorted({json.dumps(r["context"]) for r in requests if r.get("context")})
    return {
        "principal": member,
        "services": services,
        "resources": [*resources, "*"],
        "contexts": [json.loads(c) if c else None for c in contexts],
        "scope": scope,
    }


def _widen(arn: str) -> str:
    if arn.startswith("arn:aws:s3:::") and "/" in arn:
        return arn.split("/", 1)[0] + "/*"
    return arn


def trust_breadth(lab: Mapping[str, Any], breadth: Mapping[str, Any]) -> dict[str, Any]:
    """The breadth key of a trust policy part (``breadth`` as the bank gives it)."""
    callers: list[str] = []
    for account, data in dict(lab.get("accounts", {})).items():
        for user in dict(data.get("users", {})):
            callers.append(f"arn:aws:iam::{account}:user/{user}")
        for role in dict(data.get("roles", {})):
            callers.append(f"arn:aws:iam::{account}:role/{role}")
    for account, users in dict(breadth.get("hidden_users", {})).items():
        for user in users:
            callers.append(f"arn:aws:iam::{account}:user/{user}")
    return {
        "callers": [*callers, *SERVICES],
        "hidden_users": dict(breadth.get("hidden_users", {})),
        "role": str(breadth["role"]),
        "scope": [dict(s) for s in breadth.get("scope", ())],
        "must": [dict(s) for s in breadth.get("must", ())],
    }


def _in_scope(request: Mapping[str, Any], scope: Sequence[Mapping[str, Any]]) -> bool:
    for allowed in scope:
        if "action" in allowed:
            if str(request["action"]).lower() == str(allowed["action"]).lower() and (
                fnmatch.fnmatchcase(str(request["resource"]), str(allowed["resource"]))
            ):
                return True
        elif fnmatch.fnmatchcase(str(request["caller"]), str(allowed["caller"])):
            want = allowed.get("context") or {}
            got = request.get("context") or {}
            if all(got.get(k) == v for k, v in want.items()):
                return True
    return False


def _text(request: Mapping[str, Any]) -> str:
    extra = ""
    if request.get("context"):
        extra = " with " + ", ".join(f"{k}={v}" for k, v in request["context"].items())
    if "caller" in request:
        return f"{request['caller']} assumes role {request['role']}{extra}"
    return f"{request['principal']} → {request['action']} on {request['resource']}{extra}"


def over_broad(lab: Any, breadth: Mapping[str, Any]) -> str | None:
    """The first thing the policy allows beyond its scope (or fails to allow), else None."""
    import iamlab

    if "callers" in breadth:
        for caller in breadth["callers"]:
            for context in CONTEXTS:
                request = {"caller": caller, "role": breadth["role"], "context": context}
                try:
                    lab.assume_role(caller, breadth["role"], context=context)
                    allowed = True
                except iamlab.IamlabError:
                    allowed = False
                if allowed and not _in_scope(request, breadth["scope"]):
                    return f"allows more than the task asks: {_text(request)}"
                if not allowed and _in_scope(request, breadth.get("must", ())):
                    return f"should be allowed, but is denied: {_text(request)}"
        return None
    resources = list(breadth["resources"])
    for service in breadth["services"]:
        for action, patterns in service_actions(service):
            for resource in resources:
                fits = any(p.fullmatch(resource) for p in patterns) if patterns else resource == "*"
                if not fits:
                    continue
                for context in breadth.get("contexts", [None]):
                    try:
                        decision = lab.evaluate(
                            breadth["principal"], action, resource, context=context
                        )
                    except iamlab.IamlabError:
                        continue
                    if not decision.allowed or _allowed_by_aws(action, resource):
                        continue
                    request = {
                        "principal": breadth["principal"],
                        "action": action,
                        "resource": resource,
                        "context": context,
                    }
                    if not _in_scope(request, breadth["scope"]):
                        return f"allows more than the task needs: {_text(request)}"
    return None


def _allowed_by_aws(action: str, resource: str) -> bool:
    """AWS allows it whatever the policies say (sts:GetCallerIdentity): not the policy's doing."""
    from iamlab.model.aws_rules import rule_for

    rule = rule_for(action, resource)
    return rule is not None and rule[0] == "Allowed"
