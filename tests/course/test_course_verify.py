"""Each check is judged again outside the kernel, from its recorded answer (course.verify)."""

from __future__ import annotations

from typing import Any

import pytest
from nbformat.notebooknode import from_dict

from iamlab.course.grading import ANSWER_MIME
from iamlab.course.verify import (
    UntrustedSource,
    records,
    rewrite_outputs,
    trusted_calls,
    verdicts,
)

CELL = '''"""Is S01 right?"""
from iamlab.course import check

check("label-shape", answers, {"ids": ["S01"], "labels": ["user", "role"]})
### BEGIN HIDDEN TESTS
check("labels", answers, {"expected": {"S01": "role"}})
### END HIDDEN TESTS'''


def record(kind: str, answer: object = None, **extra: object) -> Any:
    payload: dict[str, object] = {"kind": kind, **extra}
    if answer is not None:
        payload["answer"] = answer
    return from_dict(
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {ANSWER_MIME: payload, "text/plain": "<answer recorded>"},
        }
    )


def test_are_the_checks_read_from_the_trusted_source_in_order() -> None:
    calls = trusted_calls(CELL)
    assert [c.kind for c in calls] == ["label-shape", "labels"]
    assert calls[1].key == {"expected": {"S01": "role"}}


def test_is_a_check_without_a_literal_key_refused() -> None:
    with pytest.raises(UntrustedSource):
        trusted_calls("check('labels', answers, make_key())")


def test_does_a_right_answer_pass_whatever_the_kernel_printed() -> None:
    calls = trusted_calls(CELL)
    results = verdicts(
        calls, records([record("label-shape", {"S01": "role"}), record("labels", {"S01": "role"})])
    )
    assert all(v.passed for v in results)


def test_does_a_wrong_answer_fail_even_if_the_kernel_showed_no_error() -> None:
    """A kernel whose check was replaced shows no error; the recorded answer still fails."""
    calls = trusted_calls(CELL)
    recorded = [record("label-shape", {"S01": "user"}), record("labels", {"S01": "user"})]
    outputs = rewrite_outputs(recorded, verdicts(calls, records(recorded)))
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert len(errors) == 1 and "the answer is ROLE" in errors[0]["evalue"]


def test_is_a_missing_record_a_failure_that_says_why() -> None:
    results = verdicts(trusted_calls(CELL), [], "NameError: name 'answers' is not defined")
    assert not results[-1].passed
    assert "no answer was recorded" in results[-1].summary
    assert "NameError" in results[-1].summary


def test_are_extra_records_an_integrity_failure() -> None:
    calls = trusted_calls(CELL)
    recorded = [
        record("label-shape", {"S01": "role"}),
        record("labels", {"S01": "role"}),
        record("labels", {"S01": "role"}),
    ]
    assert not verdicts(calls, records(recorded))[-1].passed


def test_is_a_rejected_answer_a_failure_with_its_reason() -> None:
    calls = trusted_calls(CELL)
    results = verdicts(calls, records([record("label-shape", rejected="answer is a tuple")]))
    assert not results[0].passed and "tuple" in results[0].summary


def test_does_stderr_noise_no_longer_zero_a_right_answer() -> None:
    calls = trusted_calls(CELL)
    noise = from_dict({"output_type": "stream", "name": "stderr", "text": "DeprecationWarning\n"})
    recorded = [record("label-shape", {"S01": "role"}), record("labels", {"S01": "role"})]
    outputs = rewrite_outputs([noise, *recorded], verdicts(calls, records(recorded)))
    assert not any(o.get("name") == "stderr" or o["output_type"] == "error" for o in outputs)
    assert any("[stderr] DeprecationWarning" in o.get("text", "") for o in outputs)
