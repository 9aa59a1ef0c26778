"""Hypothesis strategies for hostile input: values, policies, labs, lab files and API calls.

Everything is built from the one world (the coffee shop, 111122223333) and then bent: a value
replaced by a hostile one, a pattern with thousands of stars, a number with thousands of
digits, a character AWS refuses, a cycle, ten thousand levels.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import yaml
from hypothesis import strategies as st

from iamlab.model.conditions import OPERATORS

ACCOUNT = "111122223333"
PARTNER = "444455556666"


def deep_list(levels: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(levels):
        node.append([])
        node = node[0]
    return root


def cycle() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("broken __repr__")

    def __str__(self) -> str:
        raise RuntimeError("broken __str__")


# values that broke the contract before: each one a class of attack, built fresh per example
HOSTILE_FACTORIES: list[Any] = [
    lambda: deep_list(10_000),
    cycle,
    lambda: 10**5000,
    lambda: -(10**400),
    lambda: 1e400,
    lambda: float("nan"),
    lambda: "x" * 200_000,
    lambda: "*a" * 5_000 + "*b",
    lambda: "?*" * 5_000,
    lambda: "${" * 50_000,
    lambda: "arn:aws:s3:::a\x00b",
    lambda: "a\x01b",
    lambda: "\u202eevil",
    lambda: "\U0001f600",
    lambda: "\u00b2",
    lambda: "9" * 30,
    lambda: "0001-01-01T00:00:00+14:00",
    lambda: datetime.max.replace(tzinfo=UTC),
    lambda: datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
    lambda: datetime(2026, 11, 28, 9, 0),  # naive
    lambda: date(2012, 10, 17),
    lambda: {1, 2},
    lambda: frozenset({"a"}),
    lambda: b"\xff\xfe",
    lambda: bytearray(b"{}"),
    lambda: object(),
    BrokenRepr,
    lambda: ["s3:GetObject"] * 3,
    lambda: {"": None},
    lambda: {1: 2},
    lambda: (),
    lambda: None,
    lambda: True,
    lambda: -1,
    lambda: 2**63,
]

hostile = st.sampled_from(HOSTILE_FACTORIES).map(lambda make: make())

text = st.text(
    alphabet=st.sampled_from(
        [*"abcXYZ019:/*?$.{}-_ @,=+'\"\\", "\x00", "\x01", "\t", "\n", "é", "\u202e", "😀"]
    ),
    max_size=24,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
)
json_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
anything = st.one_of(hostile, json_like, text)

ACTIONS = [
    "s3:GetObject",
    "s3:*",
    "*",
    "s3:Get*",
    "sts:AssumeRole",
    "iam:PassRole",
    "ec2:?escribe*",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::coffee-recipes/*",
    "arn:aws:s3:::coffee-recipes/home/${aws:username}/*",
    "arn:aws:s3:::team-${aws:PrincipalTag/team}/*",
    "arn:aws:s3:::a${*}b${?}c${$}",
    f"arn:aws:iam::{ACCOUNT}:role/*",
    f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders",
]
CONDITION_KEYS = [
    "aws:username",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalTag/team",
    "aws:PrincipalArn",
    "s3:max-keys",
    "aws:TagKeys",
]
operator_names = st.builds(
    lambda q, base, if_exists: f"{q}{base}{'IfExists' if if_exists else ''}",
    st.sampled_from(["", "", "ForAllValues:", "ForAnyValue:", "ForEveryValue:"]),
    st.sampled_from(sorted(OPERATORS)),
    st.booleans(),
)
condition_values = st.one_of(
    st.sampled_from(
        [
            "maria",
            "*",
            "a*b?c",
            "${aws:username}",
            "203.0.113.0/24",
            "2026-11-28T09:00:00Z",
            "true",
            "false",
            "10",
            "1e400",
            "nan",
            "²",
            "9" * 30,
            "AAAA",
            f"arn:aws:iam::{ACCOUNT}:*",
            "${aws:PrincipalTag/team}/*",
            "0001-01-01T00:00:00+14:00",
        ]
    ),
    st.integers(),
    st.floats(),
    st.booleans(),
    text,
)
conditions = st.dictionaries(
    operator_names,
    st.dictionaries(
        st.sampled_from(CONDITION_KEYS) | text,
        condition_values | st.lists(condition_values, max_size=3),
        min_size=1,
        max_size=2,
    ),
    min_size=1,
    max_size=2,
)


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``value``, sometimes a hostile value instead."""
    return st.one_of(value, value, value, anything)


statement = st.fixed_dictionaries(
    {
        "Effect": _maybe(st.sampled_from(["Allow", "Deny"])),
        "Action": _maybe(st.sampled_from(ACTIONS) | st.lists(st.sampled_from(ACTIONS), max_size=3)),
        "Resource": _maybe(
            st.sampled_from(RESOURCES)
            | st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=3)
        ),
    },
    optional={
        "Sid": _maybe(st.sampled_from(["Read", "Write", "A1"])),
        "Condition": _maybe(conditions),
    },
)
policies = st.fixed_dictionaries(
    {
        "Version": _maybe(st.sampled_from(["2012-10-17", "2008-10-17"])),
        "Statement": _maybe(st.lists(statement, min_size=1, max_size=3)),
    },
    optional={"Id": _maybe(st.sampled_from(["policy-1"]))},
)
trust_policies = st.builds(
    lambda principal, extra: {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}
        ],
    },
    _maybe(
        st.sampled_from(
            [
                {"AWS": ACCOUNT},
                {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                "*",
                {"Service": "ec2.amazonaws.com"},
                {"AWS": f"arn:aws:iam::{ACCOUNT}:user/*"},
            ]
        )
    ),
    st.one_of(st.just({}), st.fixed_dictionaries({"Condition": conditions})),
)


def good_lab() -> dict[str, Any]:
    read = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::coffee-recipes/*",
            }
        ],
    }
    assume = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
    return {
        "accounts": {
            ACCOUNT: {
                "name": "coffee-shop",
                "managed_policies": {"BaristaTools": read},
                "groups": {"Baristas": {"managed_policies": ["BaristaTools"]}},
                "users": {
                    "maria": {
                        "groups": ["Baristas"],
                        "inline_policies": {"Assume": assume},
                        "tags": {"team": "floor"},
                    },
                    "diego": {},
                },
                "roles": {"CoffeeMachineOperator": {"trust_policy": trust}},
            },
            PARTNER: {"name": "bean-supplier", "users": {"partner": {}}},
        },
        "resources": {"arn:aws:s3:::coffee-recipes": {"account": ACCOUNT}},
    }


# places in good_lab() where a generated policy, or any value, can go
LAB_SLOTS = [
    ("accounts", ACCOUNT, "managed_policies", "BaristaTools"),
    ("accounts", ACCOUNT, "users", "maria", "inline_policies", "Assume"),
    ("accounts", ACCOUNT, "users", "maria", "permissions_boundary"),
    ("accounts", ACCOUNT, "users", "maria", "tags"),
    ("accounts", ACCOUNT, "users", "maria", "groups"),
    ("accounts", ACCOUNT, "users", "maria", "path"),
    ("accounts", ACCOUNT, "users", "diego"),
    ("accounts", ACCOUNT, "roles", "CoffeeMachineOperator", "trust_policy"),
    ("accounts", ACCOUNT, "roles", "CoffeeMachineOperator", "max_session_duration"),
    ("accounts", ACCOUNT, "service_control_policies"),
    ("accounts", ACCOUNT, "name"),
    ("accounts", PARTNER),
    ("resources", "arn:aws:s3:::coffee-recipes", "policy"),
    ("resources", "arn:aws:s3:::coffee-recipes"),
    ("resources",),
    ("accounts",),
    ("title",),
]


def _put(lab: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    node: Any = lab
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node
    if isinstance(node, dict):
        node[path[-1]] = value
    return lab


@st.composite
def labs(draw: st.DrawFn) -> dict[str, Any]:
    """good_lab() with one to three slots replaced by a policy or any value."""
    lab = good_lab()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(LAB_SLOTS))
        value = draw(st.one_of(policies, trust_policies, st.lists(policies, max_size=2), anything))
        lab = _put(lab, path, value)
    return lab


def billion_laughs(levels: int) -> str:
    lines = ["a0: &a0 ['lol','lol','lol','lol','lol','lol','lol','lol','lol']"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


HOSTILE_FILES = [
    billion_laughs(9),
    billion_laughs(5),
    "a: &a [*a]\n",  # a YAML alias cycle
    "[" * 50_000 + "]" * 50_000,
    "{" * 10_000,
    f"account_id: '{ACCOUNT}'\nusers: {{maria: {{}}, maria: {{}}}}\n",
    f"account_id: '{ACCOUNT}'\nmanaged_policies:\n  P:\n    Version: 2012-10-17\n"
    "    Statement: []\n",
    "!!python/object/apply:os.system ['true']\n",
    f"account_id: {ACCOUNT}\nusers: {{maria: {{tags: {{t: 2026-02-30}}}}}}\n",
    "account_id: 1" + "0" * 5000 + "\n",
    "\x00\x01\x02",
    '{"account_id": NaN}',
    "- a\n- b\n",
    "",
]


# by index: a strategy's repr must stay small (Hypothesis prints it when a test fails)
hostile_files = st.sampled_from(range(len(HOSTILE_FILES))).map(lambda i: HOSTILE_FILES[i])


@st.composite
def lab_texts(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes) of a lab file: a hostile file, or good YAML/JSON with bytes mutated."""
    if draw(st.booleans()):
        body = draw(hostile_files).encode("utf-8")
        return draw(st.sampled_from([".yaml", ".json"])), body
    lab = draw(labs())
    try:
        as_json = draw(st.booleans())
        body = (json.dumps(lab) if as_json else yaml.safe_dump(lab)).encode("utf-8")
    except (ValueError, TypeError, RecursionError, yaml.YAMLError):
        body = b"{}"
        as_json = True
    for _ in range(draw(st.integers(0, 3))):
        if not body:
            break
        at = draw(st.integers(0, len(body) - 1))
        byte = draw(st.binary(min_size=0, max_size=2))
        body = body[:at] + byte + body[at + 1 :]
    return (".json" if as_json else ".yaml"), body


principals = _maybe(
    st.sampled_from(
        [
            "maria",
            "diego",
            "root",
            "role/CoffeeMachineOperator",
            "Baristas",
            f"arn:aws:iam::{ACCOUNT}:user/maria",
            f"arn:aws:iam::{PARTNER}:user/partner",
            f"arn:aws:sts::{ACCOUNT}:assumed-role/CoffeeMachineOperator/s",
            "ec2.amazonaws.com",
            "mario",
        ]
    )
)
actions = _maybe(st.sampled_from(ACTIONS))
resources = _maybe(
    st.sampled_from(
        [
            "arn:aws:s3:::coffee-recipes/latte.md",
            f"arn:aws:iam::{ACCOUNT}:role/CoffeeMachineOperator",
            "arn:aws:s3:::team-*/a",
            "*",
            "arn:aws:s3:::" + "a" * 10_000,
        ]
    )
)
_context_dicts = st.dictionaries(
    st.sampled_from(CONDITION_KEYS) | text, _maybe(condition_values), max_size=3
)
contexts = st.one_of(st.none(), _context_dicts, _context_dicts, anything)
moments = st.one_of(
    st.none(),
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(),
    st.just(datetime(2026, 11, 28, 9, 0, tzinfo=UTC)),
    anything,
)


def as_json(value: Any) -> str:
    """JSON text of ``value``, or "{}" for what JSON cannot hold (cycles, sets, 10,000 levels)."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return "{}"


def copy_or(value: Any) -> Any:
    """A deep copy when there is one (cycles and 10,000 levels have none: use as is)."""
    try:
        return copy.deepcopy(value)
    except (RecursionError, TypeError, ValueError):
        return value
