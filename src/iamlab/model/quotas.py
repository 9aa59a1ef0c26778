"""What AWS refuses in a policy document before reading it: size, characters, JSON values.

Sizes (IAM and AWS STS quotas,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length,
and AWS Organizations quotas,
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html):

- a managed policy (customer managed, also used as a permissions boundary): 6,144 characters;
- the inline policies of one user together: 2,048; of a group: 5,120; of a role: 10,240;
- a role trust policy: 2,048 (the default quota; AWS raises it to at most 4,096 on request —
  iamlab models the default);
- a session policy passed to AssumeRole: 2,048
  (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html);
- a service control policy: 5,120 (Organizations quotas).

"IAM doesn't count white space when calculating the size of a policy": the size here is the
number of characters of the document written as compact JSON, without any white space.

Resource-based policies have quotas set by each service (an S3 bucket policy 20 KB, a KMS key
policy 32 KB); iamlab does not model each service and refuses only what no service accepts:
more than :data:`RESOURCE_CEILING` characters (a simplification).

Characters (IAM name requirements,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names):
"Policy documents can contain only the following Unicode characters: horizontal tab (U+0009),
linefeed (U+000A), carriage return (U+000D), and characters in the range U+0020 to U+00FF."
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from iamlab.errors import PolicyError
from iamlab.model.documents import DuplicatedKeys

if TYPE_CHECKING:
    from iamlab.model.principals import AttachedPolicy

MANAGED_POLICY = 6_144
USER_INLINE_TOTAL = 2_048
GROUP_INLINE_TOTAL = 5_120
ROLE_INLINE_TOTAL = 10_240
TRUST_POLICY = 2_048
SESSION_POLICY = 2_048
SCP = 5_120
RESOURCE_CEILING = 32_768
MAX_POLICY_DEPTH = 12  # a valid policy is at most 6 levels deep (Condition values)

# the most a policy of each kind may hold on its own; totals per entity are checked by the loader
KIND_QUOTA: dict[str, tuple[int, str]] = {
    "identity": (ROLE_INLINE_TOTAL, "an identity-based policy (a role's inline policies total)"),
    "permissions_boundary": (MANAGED_POLICY, "a managed policy used as a permissions boundary"),
    "trust": (TRUST_POLICY, "a role trust policy"),
    "session": (SESSION_POLICY, "a session policy"),
    "scp": (SCP, "a service control policy"),
    "resource": (RESOURCE_CEILING, "any resource-based policy (iamlab's ceiling)"),
}

_BAD_CHARACTER = re.compile(r"[^\t\n\r\x20-\xff]")
_WHITE = re.compile(r"[^\S\t\n\r]")
_ESCAPED = re.compile(r'["\\\t\n\r]')
_SCALARS = (str, int, float, bool, type(None))


def policy_size(document: object, place: str, *, limit: int) -> int:
    """The characters AWS counts in ``document`` (compact JSON, no white space).

    Walks the document without recursion and stops as soon as the count passes ``limit``
    (then returns a number > ``limit``). Raises :class:`PolicyError` for a value that is not
    JSON, a character AWS refuses, or nesting deeper than any valid policy.
    """
    size = 0
    stack: list[tuple[object, int, str]] = [(document, 0, place)]
    while stack:
        node, depth, where = stack.pop()
        if depth > MAX_POLICY_DEPTH:
            raise PolicyError(
                where if len(where) < 200 else place,
                f"nested more than {MAX_POLICY_DEPTH} levels deep (no valid policy is), or "
                f"it contains itself",
            )
        if isinstance(node, str):
            size += _text_size(node, where)
        elif isinstance(node, bool) or node is None:
            size += 4 if node in (True, None) else 5
        elif isinstance(node, int):
            if node.bit_length() > 128:
                raise PolicyError(where, "a number with more than 38 digits: no policy needs one")
            size += len(str(node))
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise PolicyError(where, f"{node} is not a number JSON can hold")
            size += len(repr(node))
        elif isinstance(node, DuplicatedKeys):
            raise PolicyError(
                f"{where}.{_key(node.duplicates[0])}",
                "this key appears twice in one object; a key may appear only once "
                "(with JSON's usual reading the last one would silently win)",
            )
        elif isinstance(node, Mapping):
            size += 2 + max(len(node) - 1, 0) + len(node)  # braces, commas, colons
            for key, value in node.items():
                if not isinstance(key, str):
                    raise PolicyError(
                        f"{where}.{_short(key)}",
                        f"a key in a policy is text, got {type(key).__name__}",
                    )
                key_where = f"{where}.{key}" if len(key) <= 80 else where
                size += _text_size(key, key_where)
                stack.append((value, depth + 1, key_where))
        elif isinstance(node, (list, tuple)):
            size += 2 + max(len(node) - 1, 0)
            for i, value in enumerate(node):
                stack.append((value, depth + 1, f"{where}[{i}]"))
        else:
            raise PolicyError(where, _not_json(node))
        if size > limit:
            return size
    return size


def _text_size(text: str, where: str) -> int:
    bad = _BAD_CHARACTER.search(text)
    if bad:
        char = bad.group()
        raise PolicyError(
            where,
            f"the character U+{ord(char):04X} at position {bad.start() + 1} is not allowed: "
            f"AWS policy documents may hold only tab, line feed, carriage return and "
            f"U+0020 to U+00FF",
        )
    # in JSON text " and \ are escaped, and tab, LF, CR are written \t, \n, \r (two visible
    # characters each); other white space (spaces) is not counted
    escapes = len(_ESCAPED.findall(text))
    return 2 + len(text) + escapes - len(_WHITE.findall(text))


def _not_json(node: object) -> str:
    if isinstance(node, _dt.date):
        shown = node.isoformat()
        return (
            f"YAML read {shown} as a date, not text: write '{shown}' in quotes "
            f"(policies are JSON, where dates are strings)"
        )
    return f"a {type(node).__name__} is not a JSON value (use text, numbers, true/false, lists)"


def _key(key: str) -> str:
    return key if len(key) <= 80 else _short(key)


def _short(key: object) -> str:
    from iamlab.safe_repr import safe_repr

    return safe_repr(key, 40)


def check_size(size: int, limit: int, what: str, place: str) -> None:
    """Refuse a policy (or a total) of ``size`` characters over the quota ``limit``."""
    if size > limit:
        source = "AWS Organizations quotas" if "service control" in what else "IAM and STS quotas"
        raise PolicyError(
            place,
            f"more than {limit:,} characters (not counting white space): AWS refuses {what} "
            f"over {limit:,} characters ({source})",
        )


INLINE_TOTAL = {
    "user": (USER_INLINE_TOTAL, "a user's inline policies (all together)"),
    "group": (GROUP_INLINE_TOTAL, "a group's inline policies (all together)"),
    "role": (ROLE_INLINE_TOTAL, "a role's inline policies (all together)"),
}


def check_inline_total(owner: str, policies: Iterable[AttachedPolicy], place: str) -> None:
    """Refuse inline policies of one user, group or role over their total quota."""
    limit, what = INLINE_TOTAL[owner]
    total = sum(p.policy.size for p in policies if p.kind == "identity" and not p.managed)
    check_size(total, limit, what, place)
