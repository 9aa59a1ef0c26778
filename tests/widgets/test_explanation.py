"""The HTML explanation the widgets show (src/iamlab/widgets/explanation.py), read headless.

The six steps of AWS's evaluation are a list with their marks, the deciding step and its
statements are marked, statements that did not match are folded under <details>, text wraps
between words only, and everything that came from a lab or a request is escaped.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

import iamlab
from iamlab.model.evaluation import STEP_ORDER
from iamlab.model.matrix import known_actions
from iamlab.widgets import AssumeRoleExplorer, RequestSimulator
from iamlab.widgets.defaults import default_request, well_formed
from iamlab.widgets.explanation import explanation_html

RECIPE = "arn:aws:s3:::coffee-recipes/latte.md"


class _Elements(HTMLParser):
    """Every element with its attributes, and every tag name, for the tests to look at."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def steps(html: str) -> list[dict[str, str]]:
    return [a for t, a in elements(html) if t == "li" and "iamlab-step" in a.get("class", "")]


def test_every_step_is_listed_in_aws_order(coffee_shop_lab):
    """Are the six steps there, once each, in AWS's order, each with a mark?"""
    html = explanation_html(coffee_shop_lab.evaluate("maria", "s3:GetObject", RECIPE))
    assert [s["data-step"] for s in steps(html)] == list(STEP_ORDER)
    assert html.count('class="iamlab-mark"') == len(STEP_ORDER)


@pytest.mark.parametrize(
    ("principal", "action", "deciding"),
    [
        ("maria", "s3:DeleteObject", ["deny"]),  # NoRecipeDeletes: an explicit deny
        ("jordan", "dynamodb:GetItem", ["permissions_boundary"]),  # ContractorBoundary
        ("alex", "s3:GetObject", ["resource", "identity"]),  # neither side allows it
    ],
)
def test_the_deciding_step_is_marked(coffee_shop_lab, principal, action, deciding):
    """Is the step that decided (and only it) marked, with the deciding statement named?"""
    resource = (
        "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"
        if action.startswith("dynamodb")
        else RECIPE
    )
    decision = coffee_shop_lab.evaluate(principal, action, resource)
    html = explanation_html(decision)
    marked = [s["data-step"] for s in steps(html) if "iamlab-deciding" in s["class"]]
    assert marked == deciding, decision.explain()
    if deciding == ["deny"]:
        assert "iamlab-deciding-statement" in html and "NeverDeleteRecipes" in html


def test_decided_by_is_said_in_words(coffee_shop_lab):
    """Does the result line say "permissions boundary" in words, never the raw kind?"""
    decision = coffee_shop_lab.evaluate(
        "jordan", "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"
    )
    assert decision.decided_by == ("permissions_boundary",)
    html = explanation_html(decision)
    assert "permissions_boundary" not in html.replace('data-step="permissions_boundary"', "")
    assert "decided by: permissions boundary" in html


def test_statements_that_did_not_match_are_folded(coffee_shop_lab):
    """Are the non-matching statements inside a <details> with a summary, each with why?"""
    html = explanation_html(coffee_shop_lab.evaluate("alex", "s3:GetObject", RECIPE))
    start = html.index("<details")
    assert "<summary>" in html[start:] and "did not match, and why" in html[start:]
    assert "does not include s3:GetObject" in html[start:]


def test_text_wraps_between_words_only(coffee_shop_lab):
    """Does the block forbid breaks inside words, and give long ARNs break chances only
    after their separators?"""
    html = explanation_html(coffee_shop_lab.evaluate("maria", "s3:GetObject", RECIPE))
    assert "word-break:normal" in html and "overflow-wrap:normal" in html
    assert "break-all" not in html and "anywhere" not in html
    assert "coffee-recipes/<wbr>latte.md" in html  # a break chance after "/", not inside a word
    assert "s3:GetObject" in html  # a short word gets none


def test_everything_from_a_lab_or_request_is_escaped():
    """Do markup in a condition value and in a request's resource stay text? (Names are
    checked when the lab loads: AWS's characters only.)"""
    evil = '<img src=x onerror="alert(1)">'
    lab = iamlab.Lab.from_dict(
        {
            "accounts": {
                "111122223333": {
                    "name": "shop",
                    "users": {
                        "eve": {
                            "inline_policies": {
                                "EvilPolicy": {
                                    "Version": "2012-10-17",
                                    "Statement": [
                                        {
                                            "Sid": "Tagged",
                                            "Effect": "Allow",
                                            "Action": "s3:GetObject",
                                            "Resource": "*",
                                            "Condition": {"StringEquals": {"aws:UserAgent": evil}},
                                        }
                                    ],
                                }
                            }
                        }
                    },
                }
            }
        }
    )
    html = explanation_html(lab.evaluate("eve", "s3:GetObject", f"arn:aws:s3:::b/{evil}"))
    tags = {t for t, _ in elements(html)}
    assert "img" not in tags and "b" in tags  # <b> only from the explanation's own markup
    assert evil not in html and "onerror=&quot;alert(1)&quot;" in html
    assert not any("onerror" in attrs for _, attrs in elements(html))


def test_the_widgets_show_the_html_explanation(coffee_shop_lab):
    """Does the simulator's explanation use the list of steps, not a <pre> block?"""
    sim = RequestSimulator(
        coffee_shop_lab, principal="maria", action="s3:GetObject", resource=RECIPE
    )
    assert "iamlab-steps" in sim.explanation.value and "<pre" not in sim.explanation.value


def test_well_formed_knows_which_resources_an_action_takes():
    """Does parliament's data say GetObject takes an object, not a bucket, and
    GetMetricData only "*"? (so the test below can fail)"""
    assert well_formed("s3:GetObject", RECIPE)
    assert not well_formed("s3:GetObject", "arn:aws:s3:::coffee-recipes")
    assert not well_formed("cloudwatch:GetMetricData", "arn:aws:s3:::coffee-recipes")
    assert well_formed("cloudwatch:GetMetricData", "*")


def test_every_widget_default_request_is_well_formed(coffee_shop_lab, nine_am):
    """Is each widget's default (action, resource) one AWS would accept as a pair?"""
    sim = RequestSimulator(coffee_shop_lab)
    explorer = AssumeRoleExplorer(coffee_shop_lab, start=nine_am)
    pairs = {
        "RequestSimulator": (sim.action.value, sim.resource.value),
        "AssumeRoleExplorer": (explorer.request_action.value, explorer.request_resource.value),
        "default_request": default_request(coffee_shop_lab),
    }
    for widget, (action, resource) in pairs.items():
        assert action in known_actions(coffee_shop_lab), widget
        assert well_formed(action, resource), f"{widget}: {action} on {resource}"


def _many(count: int, well_formed_at: int | None) -> iamlab.Lab:
    """A lab whose policies name ``count`` actions and ARNs that do not go together (a
    service iamlab has never heard of), and one s3:GetObject on an object if asked."""
    statements = [
        {"Effect": "Allow", "Action": f"zz{i}:Do", "Resource": f"arn:aws:zz{i}:::thing{i}"}
        for i in range(count)
    ]
    if well_formed_at is not None:
        statements[well_formed_at] = {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::aaa-first/object",
        }
    policies = {
        f"M{j}": {"Version": "2012-10-17", "Statement": statements[j * 50 : (j + 1) * 50]}
        for j in range(count // 50)
    }
    return iamlab.Lab.from_dict(
        {"account_id": "111122223333", "users": {"u": {}}, "managed_policies": policies}
    )


def test_the_default_request_examines_a_bounded_number_of_resources(monkeypatch):
    """A lab naming 2,000 actions and 2,000 ARNs, none a pair AWS would accept, used to make
    the widgets try 4 million look-ups (hours) before their first view; at most
    MAX_RESOURCES resources are looked up. The control: a pair among them is still found."""
    import iamlab.widgets.defaults as defaults

    looked_up: list[str] = []
    real = defaults._privileges_for

    def counting(resource: str) -> frozenset[tuple[str, str]]:
        looked_up.append(resource)
        return real(resource)

    monkeypatch.setattr(defaults, "_privileges_for", counting)
    action, resource = defaults.default_request(_many(2_000, None))
    assert len(set(looked_up)) <= defaults.MAX_RESOURCES  # each ARN looked up once (cached)
    assert action and resource  # still a request to show: the first of each
    assert defaults.default_request(_many(2_000, 10)) == (
        "s3:GetObject",
        "arn:aws:s3:::aaa-first/object",
    )
