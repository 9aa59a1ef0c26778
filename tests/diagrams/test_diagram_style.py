"""The shared visual vocabulary (src/iamlab/diagrams/style.py) and what every diagram carries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

import iamlab
from iamlab.diagrams import (
    account_map,
    assume_role_sequence,
    cross_account,
    decision_path,
    style,
)

JUPYTERLAB_DARK = "#111111"  # --jp-layout-color0 of JupyterLab's dark theme
WHITE = "#FFFFFF"


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_in_every_filled_shape_has_strong_contrast():
    """Is the dark ink readable (WCAG AA, 4.5:1) on every fill, on any theme?"""
    fills = [attrs["fillcolor"] for attrs in style.KINDS.values()]
    fills += [attrs["fillcolor"] for attrs in style.OUTCOME_NODE.values()]
    fills += [style.CARD]
    for fill in fills:
        assert contrast(style.INK, fill) >= 4.5, fill


def test_lines_show_on_light_cards_and_on_the_dark_theme():
    """Do the grey lines keep at least 4:1 against white, the cards and JupyterLab dark?"""
    for background in (WHITE, style.CARD, JUPYTERLAB_DARK):
        assert contrast(style.LINE_GREY, background) >= 4.0, background


def test_the_palette_is_okabe_ito():
    """Are the strong colours the eight of the Okabe–Ito palette?"""
    assert {
        style.ORANGE,
        style.SKY_BLUE,
        style.BLUISH_GREEN,
        style.YELLOW,
        style.BLUE,
        style.VERMILION,
        style.REDDISH_PURPLE,
        style.BLACK,
    } == {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


def test_outcomes_differ_in_more_than_colour():
    """Can the three outcomes be told apart by marker, words and shape or line style alone?"""
    texts = set(style.OUTCOME_TEXT.values())
    assert len(texts) == 3
    assert len({t.split()[0] for t in texts}) == 3  # ✔ ○ ✖
    looks = {(a["shape"], a["style"]) for a in style.OUTCOME_NODE.values()}
    assert len(looks) == 3


def test_every_kind_has_its_own_shape_and_words():
    """Do user, group, role, root, service, policy, resource and STS look different?"""
    kinds = ("user", "group", "role", "root", "service", "policy", "resource", "sts")
    looks = {(style.KINDS[k]["shape"], style.KINDS[k].get("peripheries", "1")) for k in kinds}
    assert len(looks) == len(kinds)
    for kind in kinds:
        assert style.KIND_WORDS[kind]


def test_node_ids_are_dot_ids_and_never_collide():
    """Do ARN-ish names become [A-Za-z0-9_] IDs that stay distinct?"""
    first = style.node_id("user", "111122223333", "ci-deployer")
    second = style.node_id("user", "111122223333", "ci_deployer")
    assert re.fullmatch(r"\w+", first) and first != second
    assert style.node_id("user", "111122223333", "maria") == "user_111122223333_maria"


def test_labels_are_never_read_as_html():
    """Does a name that looks like an HTML label stay plain text?"""
    graph = style.new_graph(title="t", description="d")
    graph.node("n", style.lines("<b>not bold</b>"))
    assert 'n [label="<b>not bold</b>"]' in graph.source


def test_titles_and_edge_labels_escape_markup():
    """Are <, > and & escaped inside the HTML-like title and edge labels?"""
    assert "&lt;script&gt;" in style.title_label("<script>")
    assert "a &amp; b" in style.edge_label("a & b")


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(45, "45 s"), (720, "12 min"), (3600, "1 h"), (3900, "1 h 5 min"), (43200, "12 h")],
)
def test_durations_read_naturally(seconds, words):
    """Are durations written as a person would say them?"""
    assert style.duration_words(seconds) == words


def all_diagrams(lab: iamlab.Lab, now):
    session = lab.assume_role("maria", "CoffeeMachineOperator", session_name="shift", now=now)
    decision = lab.evaluate("priya", "s3:GetObject", "arn:aws:s3:::bean-supplier-catalog/a")
    try:
        lab.assume_role("alex", "CoffeeMachineOperator", now=now)
    except iamlab.AccessDeniedError as error:
        refused = error.decision
    return {
        "account map": account_map(lab),
        "account map with focus": account_map(lab, focus="maria"),
        "decision path": decision_path(decision),
        "assume-role sequence": assume_role_sequence(session, now=now + timedelta(minutes=5)),
        "refused assume-role sequence": assume_role_sequence(decision=refused),
        "cross-account": cross_account(lab, decision),
    }


def test_every_diagram_has_a_title_and_a_description(coffee_shop_lab, opening_time):
    """Does each diagram carry a visible title, a tooltip and a DOT comment describing it?"""
    for name, graph in all_diagrams(coffee_shop_lab, opening_time).items():
        source = graph.source
        first = source.splitlines()[0]
        assert first.startswith("// ") and len(first) > 40, name
        description = first[3:]
        assert description.endswith("."), name
        assert f'tooltip="{description}"' in source.replace('\\"', '"'), name
        assert re.search(r"label=<<table .*<b>.+</b>", source), name
        assert "bgcolor=transparent" in source, name


def test_no_text_sits_on_the_transparent_background(coffee_shop_lab, opening_time):
    """Is every node inside a light card, so its surroundings read on a dark theme too?"""
    for name, graph in all_diagrams(coffee_shop_lab, opening_time).items():
        source = graph.source
        assert "subgraph cluster_" in source, name
        for line in source.splitlines():
            if re.match(r"^\t\w+ -> \w+ \[label=", line):  # edge labels carry their own card
                assert f'bgcolor="{style.CARD}"' in line, (name, line)
