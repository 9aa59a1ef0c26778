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

Values that cannot be read as the operator's type (which we decide, following the docs):

- in the *policy* (``NumericLessThan: "ten"``, ``1e400``, ``NaN``, ``"²"``, a date that does
  not exist): the policy is refused with a PolicyError naming the place, as IAM's policy
  validation reports a value whose type does not match its operator as an error
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html);
- in the *request* (a context value such as ``aws:EpochTime = "²"`` or a date out of range):
  that value does not match, the same as a key with no value ("the values do not match and
  the condition is false", and true for a negated operator; condition operators page).
  Numbers are compared as double-precision floats; dates in UTC.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from iamlab.errors import PolicyError, describe_type
from iamlab.model.matching import Glob, Piece, glob_of, split_pieces
from iamlab.model.variables import Template, has_variables, parse_template
from iamlab.safe_repr import safe_repr

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
        raise PolicyError(
            place, f"a condition operator must be a string, got {describe_type(name)}"
        )
    qualifier = None
    rest = name
    if ":" in name:
        qualifier, _, rest = name.partition(":")
        if qualifier not in SET_QUALIFIERS:
            raise PolicyError(
                place,
                f"unknown set operator {safe_repr(qualifier)} in {safe_repr(name)}: "
                "use ForAllValues or ForAnyValue",
            )
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in OPERATORS:
        raise PolicyError(
            place,
            f"unknown condition operator {safe_repr(name)} (see the list of condition operators)",
        )
    family, negated = OPERATORS[base]
    if base == "Null" and (if_exists or qualifier):
        raise PolicyError(
            place, f"{safe_repr(name)}: Null takes no IfExists suffix and no set operator"
        )
    return Operator(
        name=name,
        base=base,
        family=family,
        negated=negated,
        if_exists=if_exists,
        qualifier=qualifier,
    )


# -- value conversion ---------------------------------------------------------------------


_NUMBER = re.compile(r"\A[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z", re.ASCII)
_EPOCH = re.compile(r"\A\d{1,12}\Z", re.ASCII)  # up to year 33658: any later is out of range
_MAX_TEXT = 4096  # a request or policy value longer than this is not read as a number or date


def _as_text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 128 else None
    if isinstance(value, float):
        return str(value) if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.isoformat()
    return None


def _to_number(value: object) -> float | None:
    """A finite number, or None: inf, nan, 1e400 and non-ASCII digits ('²') are not numbers."""
    if isinstance(value, bool):
        return None
    number: float
    if isinstance(value, int):
        if value.bit_length() > 1000:
            return None
        number = float(value)  # at most about 1e301: no overflow
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_TEXT or not _NUMBER.match(text):
            return None
        number = float(text)
    else:
        return None
    return number if math.isfinite(number) else None


def _to_date(value: object) -> datetime | None:
    """A UTC datetime, or None for anything that is not a date AWS could read (or is out of
    the range a datetime holds, like ``0001-01-01T00:00:00+14:00``)."""
    try:
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        elif isinstance(value, bool):
            return None
        elif isinstance(value, (int, float)):
            if not (isinstance(value, int) or math.isfinite(value)) or abs(value) > 1e12:
                return None
            moment = datetime.fromtimestamp(value, tz=UTC)
        elif isinstance(value, str):
            text = value.strip()
            if len(text) > 64:
                return None
            if _EPOCH.match(text):
                moment = datetime.fromtimestamp(int(text), tz=UTC)
            else:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
        else:
            return None
        return moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
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


@dataclass(frozen=True, slots=True)
class ArnPattern:
    """An ArnLike/ArnEquals value: six wildcard parts (or one, when it has no five colons).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    (each of the six colon-delimited parts is matched separately; wildcards allowed).
    """

    parts: tuple[Glob, ...]

    @classmethod
    def from_pieces(cls, pieces: Sequence[Piece]) -> ArnPattern:
        split = split_pieces(pieces, ":", 5)
        if len(split) != 6:  # e.g. "*": compare the whole text
            return cls((glob_of(tuple(pieces)),))
        return cls(tuple(glob_of(tuple(part)) for part in split))

    def matches(self, request: str) -> bool:
        got = _arn_parts(request)
        if got is None:
            return False
        if len(self.parts) == 1:
            return self.parts[0].match(request)
        return all(p.match(g) for p, g in zip(self.parts, got, strict=True))


def _string_pattern(value: object) -> Glob | None:
    text = _as_text(value)
    return None if text is None else Glob(((text, True),))


def _arn_pattern(value: object) -> ArnPattern | None:
    text = _as_text(value)
    return None if text is None else ArnPattern.from_pieces([(text, True)])


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


_COMPARE: dict[str, Compare] = {
    "StringEquals": lambda r, p: r == p,
    "StringNotEquals": lambda r, p: r == p,
    "StringEqualsIgnoreCase": lambda r, p: r.lower() == p.lower(),
    "StringNotEqualsIgnoreCase": lambda r, p: r.lower() == p.lower(),
    "StringLike": lambda r, p: p.match(r),
    "StringNotLike": lambda r, p: p.match(r),
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
    "ArnEquals": lambda r, p: p.matches(r),
    "ArnLike": lambda r, p: p.matches(r),
    "ArnNotEquals": lambda r, p: p.matches(r),
    "ArnNotLike": lambda r, p: p.matches(r),
}
_STRING_PATTERNS = frozenset({"StringLike", "StringNotLike"})


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
        shown = ", ".join(safe_repr(v) for v in self.raw_values[:20])
        if len(self.raw_values) > 20:
            shown += f", ... ({len(self.raw_values)} values)"
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
        operator = self.operator
        parse = _POLICY_PARSERS[operator.family]
        for value in self.values:
            if not isinstance(value, Template):
                out.append(value)
                continue
            parsed: object = None
            if operator.family == "Arn":
                pieces = value.render_pieces(context)
                parsed = None if pieces is None else ArnPattern.from_pieces(pieces)
            elif operator.base in _STRING_PATTERNS:
                pieces = value.render_pieces(context)
                parsed = None if pieces is None else glob_of(pieces)
            else:
                rendered = value.render(context)
                parsed = parse(rendered) if rendered is not None else None
            if parsed is not None:
                out.append(parsed)
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
    parsed: object
    if operator.family == "Arn":
        parsed = _arn_pattern(value)
    elif operator.base in _STRING_PATTERNS:
        parsed = _string_pattern(value)
    else:
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
        raise PolicyError(place, f"{operator.name} expects {expected}, got {safe_repr(value)}")
    return parsed
