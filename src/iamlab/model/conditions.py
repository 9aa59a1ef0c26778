"""The Condition element: operators, set qualifiers, ``...IfExists`` and missing keys.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html

Rules implemented here:

- Several operators in one Condition block, and several keys under one operator, must all
  match (AND); several values for one key match when any one does (OR).
- A key missing from the request context makes a positive operator false and a negated
  operator (``StringNotEquals``, ``NotIpAddress``, ...) true; ``...IfExists`` makes it true.
- ``ForAllValues:`` is true when every request value matches (and when the key is missing or
  empty); ``ForAnyValue:`` is true when at least one does (false when the key is missing).
- Condition key names are case-insensitive; values compare as each operator says.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from iamlab.errors import PolicyError, describe_type
from iamlab.model.matching import glob_match
from iamlab.model.variables import Template, has_variables, parse_template

# operator -> (family, negated)
OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("String", False),
    "StringNotEquals": ("String", True),
    "StringEqualsIgnoreCase": ("String", False),
    "StringNotEqualsIgnoreCase": ("String", True),
    "StringLike": ("String", False),
    "StringNotLike": ("String", True),
    "NumericEquals": ("Numeric", False),
    "NumericNotEquals": ("Numeric", True),
    "NumericLessThan": ("Numeric", False),
    "NumericLessThanEquals": ("Numeric", False),
    "NumericGreaterThan": ("Numeric", False),
    "NumericGreaterThanEquals": ("Numeric", False),
    "DateEquals": ("Date", False),
    "DateNotEquals": ("Date", True),
    "DateLessThan": ("Date", False),
    "DateLessThanEquals": ("Date", False),
    "DateGreaterThan": ("Date", False),
    "DateGreaterThanEquals": ("Date", False),
    "Bool": ("Bool", False),
    "BinaryEquals": ("Binary", False),
    "IpAddress": ("IpAddress", False),
    "NotIpAddress": ("IpAddress", True),
    "ArnEquals": ("Arn", False),
    "ArnLike": ("Arn", False),
    "ArnNotEquals": ("Arn", True),
    "ArnNotLike": ("Arn", True),
    "Null": ("Null", False),
}
SET_QUALIFIERS = ("ForAllValues", "ForAnyValue")

Compare = Callable[[Any, Any], bool]


@dataclass(frozen=True, slots=True, kw_only=True)
class Operator:
    """A parsed condition operator such as ``ForAnyValue:StringLikeIfExists``."""

    name: str  # as written in the policy
    base: str  # StringLike
    family: str  # String
    negated: bool
    if_exists: bool
    qualifier: str | None  # ForAllValues | ForAnyValue | None


def parse_operator(name: object, place: str) -> Operator:
    if not isinstance(name, str):
        raise PolicyError(place, f"a condition operator must be a string, got {name!r}")
    qualifier = None
    rest = name
    if ":" in name:
        qualifier, _, rest = name.partition(":")
        if qualifier not in SET_QUALIFIERS:
            raise PolicyError(
                place,
                f"unknown set operator {qualifier!r} in {name!r}: use ForAllValues or ForAnyValue",
            )
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in OPERATORS:
        raise PolicyError(
            place, f"unknown condition operator {name!r} (see the list of condition operators)"
        )
    family, negated = OPERATORS[base]
    if base == "Null" and (if_exists or qualifier):
        raise PolicyError(place, f"{name!r}: Null takes no IfExists suffix and no set operator")
    return Operator(
        name=name,
        base=base,
        family=family,
        negated=negated,
        if_exists=if_exists,
        qualifier=qualifier,
    )


# -- value conversion ---------------------------------------------------------------------


def _as_text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return None


def _to_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _to_date(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text), tz=UTC)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _to_bool(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    return None


def _to_network(value: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def _to_address(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        network = _to_network(value)
        return network.network_address if network and network.num_addresses == 1 else None


def _to_bytes(value: object) -> bytes | None:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
    return None


def _arn_parts(value: object) -> list[str] | None:
    if not isinstance(value, str):
        return None
    parts = value.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


_POLICY_PARSERS: dict[str, Callable[[object], Any]] = {
    "String": _as_text,
    "Numeric": _to_number,
    "Date": _to_date,
    "Bool": _to_bool,
    "Binary": _to_bytes,
    "IpAddress": _to_network,
    "Arn": _as_text,
    "Null": _to_bool,
}
_REQUEST_PARSERS: dict[str, Callable[[object], Any]] = {
    "String": _as_text,
    "Numeric": _to_number,
    "Date": _to_date,
    "Bool": _to_bool,
    "Binary": _to_bytes,
    "IpAddress": _to_address,
    "Arn": _as_text,
}


def _arn_like(request: str, pattern: str) -> bool:
    got = _arn_parts(request)
    want = pattern.split(":", 5)
    if got is None:
        return False
    if len(want) != 6:  # e.g. "*": compare the whole text
        return glob_match(pattern, request)
    return all(glob_match(p, g) for p, g in zip(want, got, strict=True))


_COMPARE: dict[str, Compare] = {
    "StringEquals": lambda r, p: r == p,
    "StringNotEquals": lambda r, p: r == p,
    "StringEqualsIgnoreCase": lambda r, p: r.lower() == p.lower(),
    "StringNotEqualsIgnoreCase": lambda r, p: r.lower() == p.lower(),
    "StringLike": lambda r, p: glob_match(p, r),
    "StringNotLike": lambda r, p: glob_match(p, r),
    "NumericEquals": lambda r, p: r == p,
    "NumericNotEquals": lambda r, p: r == p,
    "NumericLessThan": lambda r, p: r < p,
    "NumericLessThanEquals": lambda r, p: r <= p,
    "NumericGreaterThan": lambda r, p: r > p,
    "NumericGreaterThanEquals": lambda r, p: r >= p,
    "DateEquals": lambda r, p: r == p,
    "DateNotEquals": lambda r, p: r == p,
    "DateLessThan": lambda r, p: r < p,
    "DateLessThanEquals": lambda r, p: r <= p,
    "DateGreaterThan": lambda r, p: r > p,
    "DateGreaterThanEquals": lambda r, p: r >= p,
    "Bool": lambda r, p: r == p,
    "BinaryEquals": lambda r, p: r == p,
    "IpAddress": lambda r, p: r.version == p.version and r in p,
    "NotIpAddress": lambda r, p: r.version == p.version and r in p,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
    "ArnNotEquals": _arn_like,
    "ArnNotLike": _arn_like,
}
_PATTERN_OPERATORS = frozenset(
    {"StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConditionClause:
    """One ``operator: {key: values}`` pair of a Condition block."""

    operator: Operator
    key: str  # as written
    values: tuple[object, ...]  # policy values, parsed for the family (or Templates)
    raw_values: tuple[object, ...]  # as written, for explanations

    @property
    def key_lower(self) -> str:
        return self.key.lower()

    def describe(self) -> str:
        shown = ", ".join(repr(v) for v in self.raw_values)
        return f"{self.operator.name} {self.key} [{shown}]"

    def matches(self, context: Mapping[str, object]) -> bool:
        """Does this clause hold for the request context? (Keys in ``context`` are lowercase.)"""
        op = self.operator
        present = context.get(self.key.lower())
        if op.family == "Null":
            missing = present is None or present == [] or present == ()
            return all((v == "true") == missing for v in self.values)
        if present is None:
            if op.if_exists or op.qualifier == "ForAllValues":
                return True
            if op.qualifier == "ForAnyValue":
                return False
            return op.negated
        request_values = list(present) if isinstance(present, (list, tuple, set)) else [present]
        policy_values = self._policy_values(context)
        parse = _REQUEST_PARSERS[op.family]
        compare = _COMPARE[op.base]

        def holds(raw: object) -> bool:
            value = parse(raw)
            hit = value is not None and any(compare(value, p) for p in policy_values)
            return not hit if op.negated else hit

        if op.qualifier == "ForAllValues":
            return all(holds(v) for v in request_values)
        if op.qualifier == "ForAnyValue":
            return any(holds(v) for v in request_values)
        if len(request_values) == 1:
            return holds(request_values[0])
        results = [holds(v) for v in request_values]
        return all(results) if op.negated else any(results)

    def _policy_values(self, context: Mapping[str, object]) -> list[object]:
        out: list[object] = []
        parse = _POLICY_PARSERS[self.operator.family]
        pattern = self.operator.base in _PATTERN_OPERATORS
        for value in self.values:
            if isinstance(value, Template):
                rendered = value.render(context, pattern=pattern)
                parsed = parse(rendered) if rendered is not None else None
                if parsed is not None:
                    out.append(parsed)
            else:
                out.append(value)
        return out


def parse_condition(block: object, place: str, *, variables: bool) -> tuple[ConditionClause, ...]:
    """Parse a Condition element into clauses; ``variables`` is False under Version 2008-10-17."""
    if not isinstance(block, dict):
        raise PolicyError(place, f"Condition must be an object, got {describe_type(block)}")
    clauses = []
    for op_name, keys in block.items():
        op_place = f"{place}.{op_name}"
        operator = parse_operator(op_name, op_place)
        if not isinstance(keys, dict) or not keys:
            raise PolicyError(
                op_place, f"expected an object of condition keys, got {describe_type(keys)}"
            )
        for key, raw in keys.items():
            key_place = f"{op_place}.{key}"
            if not isinstance(key, str) or not key:
                raise PolicyError(key_place, "a condition key must be a non-empty string")
            raw_values = raw if isinstance(raw, list) else [raw]
            if not raw_values:
                raise PolicyError(key_place, "a condition key needs at least one value")
            parsed = tuple(
                _parse_value(
                    operator,
                    v,
                    f"{key_place}[{i}]" if isinstance(raw, list) else key_place,
                    variables,
                )
                for i, v in enumerate(raw_values)
            )
            clauses.append(
                ConditionClause(
                    operator=operator, key=key, values=parsed, raw_values=tuple(raw_values)
                )
            )
    return tuple(clauses)


def _parse_value(operator: Operator, value: object, place: str, variables: bool) -> object:
    if isinstance(value, (dict, list)) or value is None:
        raise PolicyError(
            place,
            f"a condition value must be a string, number or boolean, got {describe_type(value)}",
        )
    if variables and isinstance(value, str) and has_variables(value):
        return parse_template(value, place)
    parsed = _POLICY_PARSERS[operator.family](value)
    if parsed is None:
        expected = {
            "Numeric": "a number",
            "Date": "a date (ISO 8601) or epoch seconds",
            "Bool": "true or false",
            "Binary": "base64 text",
            "IpAddress": "an IP address or CIDR",
            "Null": "true or false",
            "String": "a string",
            "Arn": "a string",
        }[operator.family]
        raise PolicyError(place, f"{operator.name} expects {expected}, got {value!r}")
    return parsed
