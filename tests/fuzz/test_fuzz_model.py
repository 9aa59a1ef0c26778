"""Fuzz the engine: labs, policies, lab files and every public function, with hostile input.

The property (fuzz_harness.call): only iamlab's documented errors escape; CPU per call and
the traced memory of hostile files are recorded and printed at the end of the session.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fuzz_strategies as fs
from fuzz_harness import FUZZ, call, call_traced
from hypothesis import given
from hypothesis import strategies as st

import iamlab
from iamlab.model.lint import lint_lab, lint_policy
from iamlab.model.matrix import access_matrix, known_actions, known_resources

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@functools.cache
def coffee_shop() -> iamlab.Lab:
    return iamlab.Lab.from_dict(fs.good_lab())


@FUZZ
@given(fs.labs())
def test_any_lab_dict_loads_or_is_refused(data: dict[str, Any]) -> None:
    """Does Lab.from_dict accept or refuse every mutated lab with a documented error?"""
    lab = call("Lab.from_dict", iamlab.Lab.from_dict, data)
    if lab is not None:
        call("lint_lab", lint_lab, lab)
        call("known_actions", known_actions, lab)
        call("known_resources", known_resources, lab)
        call(
            "Lab.evaluate",
            lab.evaluate,
            "maria",
            "s3:GetObject",
            "arn:aws:s3:::coffee-recipes/a",
            now=NOW,
        )


@FUZZ
@given(
    fs.policies | fs.trust_policies | fs.anything,
    st.sampled_from(
        ["identity", "resource", "trust", "scp", "session", "permissions_boundary", "nonsense", 7]
    ),
)
def test_any_policy_document_parses_or_is_refused(document: Any, kind: Any) -> None:
    """Does Policy.from_dict / from_json / lint accept or refuse any document cleanly?"""
    policy = call("Policy.from_dict", iamlab.Policy.from_dict, document, kind=kind)
    call("lint_policy", lint_policy, document)
    if policy is not None:
        text = fs.as_json(document)
        call("Policy.from_json", iamlab.Policy.from_json, text, kind=kind)
        call("Policy.from_json(bytes)", iamlab.Policy.from_json, text.encode("utf-8"), kind=kind)


@FUZZ
@given(st.one_of(fs.text, st.binary(max_size=64), fs.anything))
def test_any_json_text_parses_or_is_refused(text: Any) -> None:
    """Does Policy.from_json refuse any text or bytes with a documented error?"""
    call("Policy.from_json", iamlab.Policy.from_json, text)


@FUZZ
@given(fs.lab_texts())
def test_any_lab_file_loads_or_is_refused(tmp_path_factory: Any, file: tuple[str, bytes]) -> None:
    """Does Lab.load refuse every hostile or mutated file in bounded memory?"""
    suffix, body = file
    path = Path(tmp_path_factory.mktemp("lab")) / f"lab{suffix}"
    path.write_bytes(body)
    call_traced("Lab.load", iamlab.Lab.load, path)


@FUZZ
@given(fs.principals, fs.actions, fs.resources, fs.contexts, fs.moments)
def test_evaluate_with_any_arguments(
    principal: Any, action: Any, resource: Any, context: Any, now: Any
) -> None:
    """Does Lab.evaluate answer or refuse any arguments with a documented error?"""
    lab = coffee_shop()
    decision = call(
        "Lab.evaluate", lab.evaluate, principal, action, resource, context=context, now=now
    )
    if decision is not None:
        call("Decision.explain", decision.explain)


@FUZZ
@given(
    fs.principals,
    st.one_of(
        st.sampled_from(["CoffeeMachineOperator", "role/CoffeeMachineOperator"]), fs.anything
    ),
    st.one_of(st.sampled_from(["s1", "maria-session"]), fs.anything),
    st.one_of(st.none(), st.integers(), fs.anything),
    st.one_of(st.none(), fs.policies, fs.anything),
    fs.contexts,
    fs.moments,
    st.one_of(st.none(), fs.text, fs.anything),
)
def test_assume_role_with_any_arguments(
    caller: Any,
    role: Any,
    name: Any,
    duration: Any,
    session_policy: Any,
    context: Any,
    now: Any,
    external_id: Any,
) -> None:
    """Does Lab.assume_role return a session or refuse any arguments cleanly?"""
    lab = iamlab.Lab.from_dict(fs.good_lab())
    session = call(
        "Lab.assume_role",
        lab.assume_role,
        caller,
        role,
        session_name=name,
        duration_seconds=duration,
        session_policy=session_policy,
        context=context,
        now=now,
        external_id=external_id,
    )
    if session is not None:
        call("Session.remaining", session.remaining, now)
        call("Session.is_expired", session.is_expired, now)
        call("Lab.evaluate(session)", lab.evaluate, session, "s3:GetObject", "*", now=now)


@FUZZ
@given(
    st.one_of(st.just("lab"), fs.anything),
    st.one_of(st.lists(fs.principals, max_size=3), fs.anything),
    st.one_of(st.lists(fs.actions, max_size=3), fs.anything),
    st.one_of(st.lists(fs.resources, max_size=3), fs.anything),
    fs.contexts,
    fs.moments,
)
def test_access_matrix_with_any_arguments(
    lab: Any, principals: Any, actions: Any, resources: Any, context: Any, now: Any
) -> None:
    """Does access_matrix compute or refuse any arguments cleanly?"""
    target = coffee_shop() if lab == "lab" else lab
    call(
        "access_matrix",
        access_matrix,
        target,
        principals,
        actions,
        resources,
        context=context,
        now=now,
    )


@FUZZ
@given(fs.principals, fs.actions, fs.resources)
def test_matrix_cells_with_any_arguments(principal: Any, action: Any, resource: Any) -> None:
    """Do an AccessMatrix's outcome / cell / result refuse any key cleanly?"""
    matrix = access_matrix(coffee_shop(), ["maria", "diego"], ["s3:GetObject"], ["*"], now=NOW)
    for method in (matrix.outcome, matrix.cell, matrix.result):
        call("AccessMatrix." + method.__name__, method, principal, action, resource)
    call("Lab.resource_for", coffee_shop().resource_for, resource)


@FUZZ
@given(st.sampled_from(["user", "role", "account", "with_inline_policy"]), fs.anything, fs.policies)
def test_other_lab_methods_with_any_arguments(method: str, value: Any, document: Any) -> None:
    """Do Lab.user / role / account / with_inline_policy refuse any argument cleanly?"""
    lab = coffee_shop()
    if method == "with_inline_policy":
        policy = call("Policy.from_dict", iamlab.Policy.from_dict, document)
        call(method, lab.with_inline_policy, value, policy if policy is not None else value)
        call(method, lab.with_inline_policy, "maria", value)
    else:
        call(method, getattr(lab, method), value)
