"""Fuzz the widgets' constructors and the text a learner types into them.

Widgets are built headless (ipywidgets without a front end); the property is the engine's:
only iamlab's documented errors escape, whatever the arguments or the typed text.
"""

from __future__ import annotations

import functools
from typing import Any

import fuzz_strategies as fs
from fuzz_harness import FUZZ, call
from hypothesis import given
from hypothesis import strategies as st

import iamlab
from iamlab.scenarios import load_bank
from iamlab.widgets import (
    AccessMatrix,
    AssumeRoleExplorer,
    PolicyEditor,
    RequestSimulator,
    ScenarioQuiz,
)


@functools.cache
def coffee_shop() -> iamlab.Lab:
    return iamlab.Lab.from_dict(fs.good_lab())


lab_or_not = st.one_of(st.just("lab"), st.just("lab"), fs.anything)


def _lab(value: Any) -> Any:
    return coffee_shop() if value == "lab" else value


@FUZZ
@given(
    lab_or_not,
    fs.principals | st.none(),
    fs.actions | st.none(),
    fs.resources | st.none(),
    fs.moments,
    st.sampled_from(["svg", "dot", "png", None]),
    fs.text | fs.anything,
)
def test_request_simulator(
    lab: Any, principal: Any, action: Any, resource: Any, now: Any, fmt: Any, typed: Any
) -> None:
    """Does RequestSimulator build or refuse, and survive any typed time, principal or ARN?"""
    widget = call(
        "RequestSimulator",
        RequestSimulator,
        _lab(lab),
        principal=principal,
        action=action,
        resource=resource,
        now=now,
        diagram_format=fmt,
    )
    if widget is not None and isinstance(typed, str):
        for control in (widget.time, widget.principal, widget.resource, widget.source_ip):
            call("RequestSimulator typed", setattr, control, "value", typed)


@FUZZ
@given(lab_or_not, fs.moments, fs.principals | st.none(), fs.anything | st.none())
def test_assume_role_explorer(lab: Any, start: Any, caller: Any, role: Any) -> None:
    """Does AssumeRoleExplorer build or refuse any arguments cleanly?"""
    widget = call(
        "AssumeRoleExplorer", AssumeRoleExplorer, _lab(lab), start=start, caller=caller, role=role
    )
    if widget is not None:
        call("AssumeRoleExplorer.assume", widget.assume)


@FUZZ
@given(
    fs.text | fs.principals.filter(lambda v: isinstance(v, str)),
    fs.text,
    fs.text,
    fs.text | fs.resources.filter(lambda v: isinstance(v, str)),
)
def test_text_typed_into_the_assume_role_explorer(
    caller: str, name: str, external: str, resource: str
) -> None:
    """Does the explorer survive any typed caller, session name, external ID or resource?"""
    widget = AssumeRoleExplorer(coffee_shop(), caller="maria")
    for control, value in (
        (widget.caller, caller),
        (widget.session_name, name),
        (widget.external_id, external),
        (widget.request_resource, resource),
    ):
        call("AssumeRoleExplorer typed", setattr, control, "value", value)
    call("AssumeRoleExplorer.assume", widget.assume)
    call("AssumeRoleExplorer.chain", widget.chain)


@FUZZ
@given(
    lab_or_not,
    st.lists(fs.principals, max_size=2) | st.none() | fs.anything,
    st.lists(fs.actions, max_size=2) | st.none(),
    st.lists(fs.resources, max_size=2) | st.none(),
    fs.contexts,
    fs.moments,
    st.integers() | fs.anything,
)
def test_access_matrix_widget(
    lab: Any,
    principals: Any,
    actions: Any,
    resources: Any,
    context: Any,
    now: Any,
    max_buttons: Any,
) -> None:
    """Does the AccessMatrix widget build or refuse any arguments cleanly?"""
    call(
        "AccessMatrix",
        AccessMatrix,
        _lab(lab),
        principals,
        actions,
        resources,
        context=context,
        now=now,
        max_buttons=max_buttons,
    )


@FUZZ
@given(
    fs.policies | fs.text | fs.anything | st.none(),
    lab_or_not | st.none(),
    fs.principals | st.none(),
    st.lists(st.tuples(fs.actions, fs.resources), max_size=2) | fs.anything,
    fs.text | fs.anything,
    fs.contexts,
    fs.moments,
)
def test_policy_editor(
    document: Any, lab: Any, principal: Any, requests: Any, name: Any, context: Any, now: Any
) -> None:
    """Does PolicyEditor build or refuse any arguments cleanly?"""
    call(
        "PolicyEditor",
        PolicyEditor,
        document,
        lab=_lab(lab),
        principal=principal,
        requests=requests,
        name=name,
        context=context,
        now=now,
    )


@FUZZ
@given(
    st.one_of(
        fs.policies.map(fs.as_json),
        fs.text,
        fs.hostile_files,
    )
)
def test_text_pasted_into_the_policy_editor(text: str) -> None:
    """Does the editor survive any pasted text (the learner's policy from the internet)?"""
    editor = PolicyEditor(
        lab=coffee_shop(),
        principal="maria",
        requests=[("s3:GetObject", "arn:aws:s3:::coffee-recipes/a")],
    )
    call("PolicyEditor typed", setattr, editor.editor, "value", text)


@FUZZ
@given(
    st.just("bank") | fs.anything | st.none(),
    fs.anything | st.booleans(),
    st.integers() | st.none() | fs.anything,
    fs.text | fs.anything,
)
def test_scenario_quiz(bank: Any, shuffle: Any, seed: Any, notebooks: Any) -> None:
    """Does ScenarioQuiz build or refuse any arguments cleanly?"""
    scenarios = list(load_bank())[:3] if bank == "bank" else bank
    call("ScenarioQuiz", ScenarioQuiz, scenarios, shuffle=shuffle, seed=seed, notebooks=notebooks)
