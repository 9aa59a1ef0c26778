"""Reading a lab (YAML, JSON or a dict) into accounts, principals and compiled policies.

Every problem raises :class:`~iamlab.errors.PolicyError` naming the place, e.g.
``accounts.111122223333.users.maria.inline_policies.NoRefunds.Statement[1].Effect``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Mapping
from importlib import resources as package_files
from pathlib import Path
from types import MappingProxyType
from typing import Any

from iamlab.errors import PolicyError, describe_type
from iamlab.model import arn as arns
from iamlab.model import quotas
from iamlab.model.documents import MAX_TEXT, check_tree, load_json, load_yaml
from iamlab.model.policy import Policy, parse_policy
from iamlab.model.principals import Account, AttachedPolicy, Group, Resource, Role, User
from iamlab.safe_repr import safe_repr

_ACCOUNT_KEYS = (
    "name",
    "description",
    "managed_policies",
    "users",
    "groups",
    "roles",
    "service_control_policies",
    "identity_providers",  # read by iamlab.model.federation.load_federation
)
_TOP_KEYS = ("accounts", "resources", "account_id", "title", "identity_center", *_ACCOUNT_KEYS)
_USER_KEYS = (
    "groups",
    "managed_policies",
    "inline_policies",
    "permissions_boundary",
    "tags",
    "path",
    "description",
)
_GROUP_KEYS = ("managed_policies", "inline_policies", "path", "description")
_ROLE_KEYS = (
    "trust_policy",
    "managed_policies",
    "inline_policies",
    "permissions_boundary",
    "max_session_duration",
    "tags",
    "path",
    "description",
)
_RESOURCE_KEYS = ("account", "policy", "description")
_USER_NAME = re.compile(r"\A[\w+=,.@\-]{1,64}\Z", re.ASCII)  # IAM names are ASCII (quotas page)
_GROUP_NAME = re.compile(r"\A[\w+=,.@\-]{1,128}\Z", re.ASCII)  # IAM names are ASCII (quotas page)
_POLICY_NAME = re.compile(r"\A[\w+=,.@\-]{1,128}\Z", re.ASCII)  # IAM names are ASCII (quotas page)
_PATH = re.compile(r"\A/([\x21-\x7e]*/)?\Z")


def read_lab_file(path: str | Path) -> dict[str, Any]:
    """Read YAML or JSON; syntax errors become PolicyError with the line number.

    The file is read only up to :data:`~iamlab.model.documents.MAX_TEXT` characters; what
    is read must stay within the ceilings of :mod:`iamlab.model.documents`.
    """
    path = Path(path)
    where = safe_repr(str(path), 200)[1:-1] if len(str(path)) > 200 else str(path)
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):  # a FIFO or a device could never end
                raise PolicyError(where, "a lab file must be a regular file")
            if info.st_size > 4 * MAX_TEXT:
                raise PolicyError(
                    where, f"the file is larger than iamlab reads ({MAX_TEXT:,} characters)"
                )
            raw = handle.read(info.st_size + 1)
    except FileNotFoundError:
        raise PolicyError(where, "no such lab file") from None
    except (OSError, ValueError) as exc:
        raise PolicyError(where, f"cannot read the lab file: {safe_repr(str(exc), 200)}") from None
    if len(raw) > 4 * MAX_TEXT:
        raise PolicyError(where, f"the file is larger than iamlab reads ({MAX_TEXT:,} characters)")
    data = load_json(raw, where) if path.suffix.lower() == ".json" else load_yaml(raw, where)
    if not isinstance(data, dict):
        raise PolicyError(
            where, "a lab file must hold a mapping with 'accounts' (or 'account_id') at the top"
        )
    return data


def _key_text(key: object) -> str:
    """A mapping key as text for places and IDs (YAML may give ints); bounded, never raises."""
    if isinstance(key, str):
        return key if len(key) <= 200 else safe_repr(key, 80)
    if isinstance(key, int) and not isinstance(key, bool) and key.bit_length() <= 64:
        return str(key)
    return safe_repr(key, 80)


def build_accounts(data: object) -> tuple[dict[str, Account], dict[str, Resource], str]:
    """Validate a lab mapping; return accounts by ID, resources by ARN and the lab's title."""
    if not isinstance(data, Mapping):
        raise PolicyError("lab", f"a lab must be a mapping, got {describe_type(data)}")
    check_tree(data, "lab")
    _check_keys(data, _TOP_KEYS, "", "lab (top level)")
    title = _opt_str(data, "title", "lab") or ""
    if "accounts" in data:
        if "account_id" in data:
            raise PolicyError(
                "account_id",
                "use either 'accounts:' or the single-account shorthand 'account_id:', not both",
            )
        extra = [k for k in _ACCOUNT_KEYS if k in data]
        if extra:
            raise PolicyError(extra[0], "with 'accounts:', put this key inside its account")
        raw_accounts = data["accounts"]
        if not isinstance(raw_accounts, Mapping) or not raw_accounts:
            raise PolicyError("accounts", "expected a mapping of 12-digit account IDs to accounts")
        items = [(_key_text(k), v, f"accounts.{_key_text(k)}") for k, v in raw_accounts.items()]
    elif "account_id" in data:
        body = {k: data[k] for k in _ACCOUNT_KEYS if k in data}
        items = [(_key_text(data["account_id"]), body, "")]
    else:
        raise PolicyError("lab", "a lab needs 'accounts:' (or 'account_id:' for one account)")

    accounts: dict[str, Account] = {}
    for account_id, raw, place in items:
        if not arns.ACCOUNT_ID.match(account_id):
            raise PolicyError(
                place or "account_id",
                f"{safe_repr(account_id)} is not a 12-digit account ID (quote it in YAML "
                f"so leading zeros survive)",
            )
        accounts[account_id] = _build_account(account_id, raw, place)
    resources = _build_resources(data.get("resources"), accounts)
    return accounts, resources, title


def _p(place: str, *more: str) -> str:
    return ".".join(p for p in (place, *more) if p)


def _build_account(account_id: str, raw: object, place: str) -> Account:
    if not isinstance(raw, Mapping):
        raise PolicyError(place or "lab", f"an account must be a mapping, got {describe_type(raw)}")
    _check_keys(raw, _ACCOUNT_KEYS, place, "account")
    name = _opt_str(raw, "name", place) or account_id
    managed: dict[str, Policy] = {}
    for pname, doc in _mapping(raw, "managed_policies", place).items():
        p_place = _p(place, "managed_policies", pname)
        _check_name(pname, _POLICY_NAME, p_place, "policy")
        managed[pname] = parse_policy(
            doc, name=pname, kind="identity", place=p_place, quota=_MANAGED_QUOTA
        )

    def attach(owner_raw: Mapping[str, Any], owner: str, o_place: str) -> list[AttachedPolicy]:
        out: list[AttachedPolicy] = []
        refs = _str_list(owner_raw, "managed_policies", o_place)
        for i, ref in enumerate(refs):
            policy = _resolve_managed(
                ref, managed, account_id, _p(o_place, f"managed_policies[{i}]")
            )
            out.append(
                AttachedPolicy(
                    kind="identity", name=policy.name, owner=owner, policy=policy, managed=True
                )
            )
        limit, what = _INLINE_QUOTA[owner.split(" ", 1)[0]]
        total = 0
        for pname, doc in _mapping(owner_raw, "inline_policies", o_place).items():
            i_place = _p(o_place, "inline_policies", pname)
            _check_name(pname, _POLICY_NAME, i_place, "policy")
            policy = parse_policy(
                doc, name=pname, kind="identity", place=i_place, quota=(limit, what)
            )
            total += policy.size
            quotas.check_size(total, limit, what, _p(o_place, "inline_policies"))
            out.append(AttachedPolicy(kind="identity", name=pname, owner=owner, policy=policy))
        return out

    def boundary(owner_raw: Mapping[str, Any], owner: str, o_place: str) -> AttachedPolicy | None:
        if owner_raw.get("permissions_boundary") is None:
            return None
        value = owner_raw["permissions_boundary"]
        b_place = _p(o_place, "permissions_boundary")
        if isinstance(value, str):
            policy = _resolve_managed(value, managed, account_id, b_place)
            policy = Policy(
                name=policy.name,
                kind="permissions_boundary",
                version=policy.version,
                statements=policy.statements,
                document=policy.document,
                place=policy.place,
            )
            name = policy.name
        else:
            name = "boundary"
            policy = parse_policy(
                value,
                name=name,
                kind="permissions_boundary",
                place=b_place,
                quota=_MANAGED_QUOTA,
            )
        return AttachedPolicy(
            kind="permissions_boundary",
            name=name,
            owner=owner,
            policy=policy,
            managed=isinstance(value, str),
        )

    groups: dict[str, Group] = {}
    for gname, graw in _mapping(raw, "groups", place).items():
        g_place = _p(place, "groups", gname)
        _check_name(gname, _GROUP_NAME, g_place, "group")
        if isinstance(graw, Mapping) and "groups" in graw:
            raise PolicyError(
                _p(g_place, "groups"),
                "groups cannot contain other groups: IAM "
                "groups do not nest (add users to each "
                "group instead)",
            )
        graw = _entity(graw, g_place, "group")
        _check_keys(graw, _GROUP_KEYS, g_place, "group")
        path = _path(graw, g_place)
        groups[gname] = Group(
            name=gname,
            account=account_id,
            arn=arns.group_arn(account_id, gname, path),
            policies=tuple(attach(graw, f"group {gname}", g_place)),
            description=_opt_str(graw, "description", g_place) or "",
        )

    users: dict[str, User] = {}
    for uname, uraw in _mapping(raw, "users", place).items():
        u_place = _p(place, "users", uname)
        _check_name(uname, _USER_NAME, u_place, "user")
        uraw = _entity(uraw, u_place, "user")
        _check_keys(uraw, _USER_KEYS, u_place, "user")
        member_of = _str_list(uraw, "groups", u_place)
        for i, gname in enumerate(member_of):
            if gname not in groups:
                known = ", ".join(sorted(groups)) or "none"
                raise PolicyError(
                    _p(u_place, f"groups[{i}]"),
                    f"no group named {safe_repr(gname)} in this account (groups: {known})",
                )
        if len(set(member_of)) != len(member_of):
            raise PolicyError(_p(u_place, "groups"), "a group is listed twice")
        path = _path(uraw, u_place)
        users[uname] = User(
            name=uname,
            account=account_id,
            arn=arns.user_arn(account_id, uname, path),
            groups=tuple(member_of),
            policies=tuple(attach(uraw, f"user {uname}", u_place)),
            permissions_boundary=boundary(uraw, f"user {uname}", u_place),
            tags=_tags(uraw, u_place),
            description=_opt_str(uraw, "description", u_place) or "",
        )

    roles: dict[str, Role] = {}
    for rname, rraw in _mapping(raw, "roles", place).items():
        r_place = _p(place, "roles", rname)
        _check_name(rname, _USER_NAME, r_place, "role")
        rraw = _entity(rraw, r_place, "role")
        _check_keys(rraw, _ROLE_KEYS, r_place, "role")
        if "trust_policy" not in rraw:
            raise PolicyError(
                _p(r_place, "trust_policy"),
                "missing: every role needs a trust policy saying who may assume it",
            )
        trust = parse_policy(
            rraw["trust_policy"],
            name=f"trust policy of {rname}",
            kind="trust",
            place=_p(r_place, "trust_policy"),
        )
        max_duration = rraw.get("max_session_duration", 3600)
        if (
            not isinstance(max_duration, int)
            or isinstance(max_duration, bool)
            or not 3600 <= max_duration <= 43200
        ):
            raise PolicyError(
                _p(r_place, "max_session_duration"),
                f"{safe_repr(max_duration)}: a role's maximum session duration is a whole "
                f"number of seconds from 3600 (1 hour) to 43200 (12 hours)",
            )
        path = _path(rraw, r_place)
        roles[rname] = Role(
            name=rname,
            account=account_id,
            arn=arns.role_arn(account_id, rname, path),
            trust_policy=trust,
            policies=tuple(attach(rraw, f"role {rname}", r_place)),
            permissions_boundary=boundary(rraw, f"role {rname}", r_place),
            max_session_duration=max_duration,
            tags=_tags(rraw, r_place),
            description=_opt_str(rraw, "description", r_place) or "",
        )

    levels = _build_scps(raw.get("service_control_policies"), place)
    return Account(
        id=account_id,
        name=name,
        managed_policies=MappingProxyType(managed),
        users=MappingProxyType(users),
        groups=MappingProxyType(groups),
        roles=MappingProxyType(roles),
        scp_levels=levels,
        description=_opt_str(raw, "description", place) or "",
    )


_LEVEL_NAMES = ("organization root", "organizational unit", "account")
_MANAGED_QUOTA = (quotas.MANAGED_POLICY, "a managed policy")
_INLINE_QUOTA = quotas.INLINE_TOTAL


def _build_scps(raw: object, place: str) -> tuple[tuple[AttachedPolicy, ...], ...]:
    if raw is None:
        return ()
    s_place = _p(place, "service_control_policies")
    if not isinstance(raw, list):
        raise PolicyError(
            s_place,
            "expected a list with one entry per level of the organization (root, OU, ..., account)",
        )
    levels = []
    for i, level in enumerate(raw):
        l_place = f"{s_place}[{i}]"
        docs = level if isinstance(level, list) else [level]
        if not docs:
            raise PolicyError(
                l_place, "a level needs at least one SCP (FullAWSAccess allows everything)"
            )
        where = (
            "organization root"
            if i == 0
            else "account"
            if i == len(raw) - 1 and i > 0
            else f"OU level {i}"
        )
        attached = []
        for j, doc in enumerate(docs):
            d_place = f"{l_place}[{j}]" if isinstance(level, list) else l_place
            name = doc.get("Id") if isinstance(doc, Mapping) else None
            name = name if isinstance(name, str) and 0 < len(name) <= 128 else f"SCP {j + 1}"
            policy = parse_policy(doc, name=name, kind="scp", place=d_place)
            attached.append(
                AttachedPolicy(kind="scp", name=name, owner=where, policy=policy, managed=True)
            )
        levels.append(tuple(attached))
    return tuple(levels)


def _build_resources(raw: object, accounts: Mapping[str, Account]) -> dict[str, Resource]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise PolicyError("resources", "expected a mapping of resource ARNs to resources")
    out: dict[str, Resource] = {}
    for rarn, body in raw.items():
        place = f"resources.{_key_text(rarn)}"
        parsed = arns.parse_arn(rarn, place, allow_wildcards=False)
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            raise PolicyError(
                place, f"expected a mapping with 'policy' and 'account', got {describe_type(body)}"
            )
        _check_keys(body, _RESOURCE_KEYS, place, "resource")
        account = body.get("account", parsed.account or None)
        if account is not None:
            account = _key_text(account)
            if not arns.ACCOUNT_ID.match(account):
                raise PolicyError(
                    f"{place}.account", f"{safe_repr(account)} is not a 12-digit account ID"
                )
            if parsed.account and parsed.account != account:
                raise PolicyError(
                    f"{place}.account",
                    f"the ARN says account {parsed.account}, but 'account' says {account}",
                )
        policy = None
        if body.get("policy") is not None:
            policy = parse_policy(
                body["policy"], name=f"policy on {rarn}", kind="resource", place=f"{place}.policy"
            )
        out[rarn] = Resource(
            arn=rarn,
            account=account or "",
            policy=policy,
            description=_opt_str(body, "description", place) or "",
        )
    return out


_AWS_MANAGED: dict[str, Policy] | None = None


def aws_managed_policies() -> dict[str, Policy]:
    """The few AWS managed policies shipped with iamlab, by name."""
    global _AWS_MANAGED
    if _AWS_MANAGED is None:
        text = package_files.files("iamlab.model").joinpath("aws_managed_policies.json")
        data = json.loads(text.read_text(encoding="utf-8"))
        _AWS_MANAGED = {
            name: parse_policy(doc, name=name, kind="identity", place=f"AWS managed {name}")
            for name, doc in data["policies"].items()
        }
    return _AWS_MANAGED


def _resolve_managed(ref: str, managed: Mapping[str, Policy], account: str, place: str) -> Policy:
    if ref.startswith("arn:"):
        parsed = arns.parse_arn(ref, place, allow_wildcards=False)
        name = parsed.resource_name
        if parsed.account == "aws":
            if name in aws_managed_policies():
                return aws_managed_policies()[name]
            raise PolicyError(
                place,
                f"{safe_repr(ref)}: iamlab ships only these AWS managed policies: "
                f"{', '.join(sorted(aws_managed_policies()))}",
            )
        if parsed.account != account:
            raise PolicyError(
                place,
                f"{safe_repr(ref)}: a customer managed policy must be in the same account "
                f"({account})",
            )
        ref = name
    if ref in managed:
        return managed[ref]
    if ref in aws_managed_policies():
        return aws_managed_policies()[ref]
    known = ", ".join(sorted(managed)) or "none"
    raise PolicyError(
        place,
        f"no managed policy named {safe_repr(ref)} in this account (customer "
        f"managed policies: {known}); define it under managed_policies",
    )


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], place: str, what: str) -> None:
    for key in raw:
        if key not in allowed:
            raise PolicyError(
                _p(place, _key_text(key)),
                f"unknown key for a {what}; expected one of {', '.join(allowed)}",
            )


def _entity(raw: object, place: str, what: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise PolicyError(place, f"a {what} must be a mapping (or empty), got {describe_type(raw)}")
    return raw


def _mapping(raw: Mapping[str, Any], key: str, place: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PolicyError(
            _p(place, key), f"expected a mapping of names, got {describe_type(value)}"
        )
    for name in value:
        if not isinstance(name, str):
            raise PolicyError(_p(place, key, _key_text(name)), "names must be strings")
        if len(name) > 200:
            raise PolicyError(
                _p(place, key, _key_text(name)),
                f"a name of {len(name):,} characters: IAM names have at most 128",
            )
    return value


def _str_list(raw: Mapping[str, Any], key: str, place: str) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise PolicyError(_p(place, key), f"expected a list of names, got {describe_type(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item:
            raise PolicyError(
                _p(place, f"{key}[{i}]"), f"expected a name, got {describe_type(item)}"
            )
    return value


def _opt_str(raw: Mapping[str, Any], key: str, place: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise PolicyError(_p(place, key), f"expected text, got {describe_type(value)}")
    return value


def _tags(raw: Mapping[str, Any], place: str) -> MappingProxyType[str, str]:
    value = raw.get("tags")
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        raise PolicyError(
            _p(place, "tags"),
            f"expected a mapping of tag keys to values, got {describe_type(value)}",
        )
    tags = {}
    for key, tag_value in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise PolicyError(
                _p(place, "tags", _key_text(key)), "a tag key is text of 1 to 128 characters"
            )
        if isinstance(tag_value, int) and not isinstance(tag_value, bool):
            tag_value = str(tag_value) if tag_value.bit_length() <= 64 else None
        elif isinstance(tag_value, float):
            tag_value = str(tag_value) if math.isfinite(tag_value) else None
        if not isinstance(tag_value, str) or len(tag_value) > 256:
            raise PolicyError(
                _p(place, "tags", key),
                f"a tag value is text of up to 256 characters, got {describe_type(tag_value)}",
            )
        tags[key] = tag_value
    return MappingProxyType(tags)


def _path(raw: Mapping[str, Any], place: str) -> str:
    value = raw.get("path", "/")
    if not isinstance(value, str) or not _PATH.match(value):
        raise PolicyError(
            _p(place, "path"),
            f"{safe_repr(value)} is not an IAM path: it starts and ends with '/', like /staff/",
        )
    return value


def _check_name(name: str, pattern: re.Pattern[str], place: str, what: str) -> None:
    if not pattern.match(name):
        raise PolicyError(
            place,
            f"{safe_repr(name)} is not a valid {what} name (letters, digits and +=,.@_- only)",
        )
