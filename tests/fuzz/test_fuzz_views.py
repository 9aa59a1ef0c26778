"""Fuzz the views' trust in the model: the HTML explanation and the batched access matrix.

- explanation_html: whatever text a lab, a policy or a request holds (condition values,
  Sids, resources, actions, context values) is markup-free in the page. The page is parsed
  with the standard library's HTML parser, and every element and attribute it finds must be
  one the renderer writes itself; no input text may appear as an element or attribute.
- access_matrix: every cell of a matrix over a small generated lab is what Lab.evaluate says
  (the batched computation must never change an answer).
"""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import fuzz_strategies as fs
from fuzz_harness import FUZZ, call
from hypothesis import given
from hypothesis import strategies as st

import iamlab
from iamlab.model.matrix import access_matrix
from iamlab.widgets.explanation import explanation_html

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

# what the renderer writes itself (widgets/explanation.py)
TAGS = {"div", "p", "b", "code", "ol", "ul", "li", "span", "em", "details", "summary", "wbr"}
ATTRIBUTES = {"class", "style", "data-step", "data-status", "aria-hidden"}
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "<b>bold</b>",
    "&lt;already escaped&gt;",
    "</li></ol><iframe>",
    "<!-- comment -->",
    "<svg/onload=alert(1)>",
]
markup_text = st.one_of(st.sampled_from(MARKUP), fs.text).map(lambda t: t.replace("\x00", ""))


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def parsed(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def _lab(value: str, sid: str) -> dict[str, Any]:
    """The shop where ``value`` sits in condition values, a Sid and a title."""
    lab = fs.good_lab()
    lab["title"] = value
    account = lab["accounts"][fs.ACCOUNT]
    account["users"]["maria"]["inline_policies"]["Assume"] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": value}},
            },
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::coffee-recipes/secret/*",
                "Condition": {"StringLike": {"s3:prefix": [value, "*"]}},
            },
        ],
    }
    return lab


@FUZZ
@given(markup_text, st.sampled_from(["Read", "A1", "Sid1"]) | markup_text, markup_text, st.data())
def test_no_markup_from_input_reaches_the_explanation(
    value: str, sid: str, typed: str, data: st.DataObject
) -> None:
    """Does the HTML explanation escape everything that came from the lab or the request?"""
    lab = call("Lab.from_dict", iamlab.Lab.from_dict, _lab(value, sid))
    if lab is None:  # refused (an AWS-refused character, say): nothing to render
        lab = iamlab.Lab.from_dict(_lab("floor", "Read"))
    action = data.draw(st.sampled_from(["s3:GetObject", "s3:ListBucket", f"s3:{typed}"]))
    resource = data.draw(
        st.sampled_from(
            [
                "arn:aws:s3:::coffee-recipes/a",
                "arn:aws:s3:::coffee-recipes/secret/x",
                f"arn:aws:s3:::coffee-recipes/{typed}",
            ]
        )
    )
    context = {"s3:prefix": typed, "aws:SourceIp": typed, "aws:UserAgent": value}
    for principal in ("maria", "diego", "role/CoffeeMachineOperator"):
        decision = call(
            "Lab.evaluate", lab.evaluate, principal, action, resource, context=context, now=NOW
        )
        if decision is None:
            continue
        html = call("explanation_html", explanation_html, decision)
        page = parsed(html)
        assert page.tags <= TAGS, page.tags - TAGS
        assert page.attributes <= ATTRIBUTES, page.attributes - ATTRIBUTES
        assert not page.comments, page.comments


def test_the_markup_check_sees_what_a_missing_escape_would_let_through() -> None:
    """The control: the parser finds an input's element and attribute when text is not escaped."""
    page = parsed('<p class="x">' + MARKUP[1] + "</p>")
    assert "img" in page.tags and "onerror" in page.attributes
    safe = explanation_html(
        iamlab.Lab.from_dict(_lab(MARKUP[1], "Read")).evaluate(
            "maria", "s3:GetObject", "arn:aws:s3:::coffee-recipes/a", now=NOW
        )
    )
    assert "img" not in parsed(safe).tags and "&quot;&gt;&lt;img" in safe


# -- the batched access matrix --------------------------------------------------------------

MATRIX_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "sts:AssumeRole", "iam:PassRole"]
MATRIX_RESOURCES = [
    "arn:aws:s3:::coffee-recipes/latte.md",
    "arn:aws:s3:::coffee-recipes/home/maria/notes.md",
    "arn:aws:s3:::team-floor/a",
    f"arn:aws:iam::{fs.ACCOUNT}:role/CoffeeMachineOperator",
    "*",
]
small_statement = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.sampled_from(fs.ACTIONS) | st.lists(st.sampled_from(fs.ACTIONS), max_size=3),
        "Resource": st.sampled_from(fs.RESOURCES)
        | st.lists(st.sampled_from(fs.RESOURCES), min_size=1, max_size=2),
    },
    optional={
        "Condition": st.sampled_from(
            [
                {"StringEquals": {"aws:PrincipalTag/team": "floor"}},
                {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                {"StringLike": {"aws:username": "m*"}},
                {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                {"Null": {"aws:PrincipalTag/team": "true"}},
            ]
        )
    },
)
small_policy = st.builds(
    lambda statements: {"Version": "2012-10-17", "Statement": statements},
    st.lists(small_statement, min_size=1, max_size=3),
)
MATRIX_SLOTS = [
    ("accounts", fs.ACCOUNT, "managed_policies", "BaristaTools"),
    ("accounts", fs.ACCOUNT, "users", "maria", "inline_policies", "Assume"),
    ("accounts", fs.ACCOUNT, "users", "maria", "permissions_boundary"),
    ("accounts", fs.ACCOUNT, "users", "diego", "inline_policies", "Own"),
    ("accounts", fs.ACCOUNT, "roles", "CoffeeMachineOperator", "inline_policies", "Run"),
    ("accounts", fs.ACCOUNT, "groups", "Baristas", "inline_policies", "Shared"),
]


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(MATRIX_SLOTS), small_policy), min_size=1, max_size=4),
    st.sampled_from([None, {"aws:MultiFactorAuthPresent": True, "aws:SourceIp": "203.0.113.9"}]),
)
def test_every_matrix_cell_is_what_evaluate_says(
    changes: list[tuple[tuple[str, ...], dict[str, Any]]], context: dict[str, Any] | None
) -> None:
    """Over a small generated lab, is each cell of the batched matrix (result, deciders,
    explanation) identical to Lab.evaluate, or the same error?"""
    data = fs.good_lab()
    for path, policy in changes:
        data = fs._put(data, path, policy)
    lab = call("Lab.from_dict", iamlab.Lab.from_dict, data)
    if lab is None:
        return
    principals = [*lab.principal_names(), "nobody"]
    matrix = call(
        "access_matrix",
        access_matrix,
        lab,
        principals,
        MATRIX_ACTIONS,
        MATRIX_RESOURCES,
        context=context,
        now=NOW,
    )
    assert matrix is not None
    for p in principals:
        for a in MATRIX_ACTIONS:
            for r in MATRIX_RESOURCES:
                try:
                    expected = lab.evaluate(p, a, r, context=context, now=NOW)
                except iamlab.IamlabError as exc:
                    assert matrix.result(p, a, r) == "Error"
                    assert str(matrix.outcome(p, a, r)) == str(exc)
                    continue
                got = matrix.cell(p, a, r)
                assert (got.result, got.decided_by) == (expected.result, expected.decided_by), (
                    p,
                    a,
                    r,
                )
                assert got.explain() == expected.explain(), (p, a, r)
