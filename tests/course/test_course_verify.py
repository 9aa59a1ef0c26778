"""Each grade cell is judged outside the kernel, by a key the kernel never sees (course.verify)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from nbformat.notebooknode import from_dict

from iamlab.course.checks import judge
from iamlab.course.grading import ANSWER_MIME
from iamlab.course.judging import Judge
from iamlab.course.keys import entry, read_keys
from iamlab.course.verify import records, rewrite_outputs, verdicts

ROOT = Path(__file__).resolve().parents[2]
SHAPE = {"ids": ["S01"], "labels": ["user", "role"]}
ENTRY = entry("label-shape", ("label-shape", SHAPE), ("labels", {"expected": {"S01": "role"}}))


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


def test_does_no_grade_cell_of_the_course_hold_its_key() -> None:
    """The key is on the instructor's side only: no source or release grade cell has it."""
    for assignment in ("ps01", "ps02", "ps03", "ps04"):
        keys = read_keys(ROOT, assignment)
        assert keys, f"keys/{assignment}.json is missing: run make release"
        for folder in ("source", "release"):
            text = (ROOT / folder / assignment / f"{assignment}.ipynb").read_text("utf-8")
            for grade_id, key in keys.items():
                private = json.dumps(key["checks"][-1]["key"], ensure_ascii=False)
                assert grade_id in text
                assert '"labels"' not in text and "HIDDEN TESTS" not in text
                for value in json.loads(private).get("expected", {}).values():
                    assert f"answer is {value}" not in text
            assert 'check(\\"policy\\"' not in text and 'check(\\"labels\\"' not in text


def test_does_a_right_answer_pass_whatever_the_kernel_printed() -> None:
    results = verdicts(ENTRY, records([record("label-shape", {"S01": "role"})]), judge)
    assert len(results) == 2 and all(v.passed for v in results)


def test_does_a_wrong_answer_fail_even_if_the_kernel_showed_no_error() -> None:
    """A kernel whose check was replaced shows no error; the recorded answer still fails."""
    recorded = [record("label-shape", {"S01": "user"})]
    outputs = rewrite_outputs(recorded, verdicts(ENTRY, records(recorded), judge))
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert len(errors) == 1 and "the answer is ROLE" in errors[0]["evalue"]


def test_is_a_grade_cell_without_a_key_a_failure() -> None:
    results = verdicts(None, records([record("label-shape", {"S01": "role"})]), judge)
    assert not results[0].passed and "no answer key" in results[0].summary


def test_is_a_missing_record_a_failure_that_says_why() -> None:
    results = verdicts(ENTRY, [], judge, "NameError: name 'answers' is not defined")
    assert not results[-1].passed
    assert "no answer was recorded" in results[-1].summary
    assert "NameError" in results[-1].summary


def test_are_extra_records_an_integrity_failure() -> None:
    recorded = [record("label-shape", {"S01": "role"}), record("label-shape", {"S01": "role"})]
    assert not verdicts(ENTRY, records(recorded), judge)[-1].passed


def test_is_a_record_of_another_kind_a_failure() -> None:
    recorded = [record("labels", {"S01": "role"})]
    assert "not 'label-shape'" in verdicts(ENTRY, records(recorded), judge)[0].summary


def test_is_a_rejected_answer_a_failure_with_its_reason() -> None:
    results = verdicts(ENTRY, records([record("label-shape", rejected="answer is a tuple")]), judge)
    assert not results[0].passed and "tuple" in results[0].summary


def test_does_stderr_noise_no_longer_zero_a_right_answer() -> None:
    noise = from_dict({"output_type": "stream", "name": "stderr", "text": "DeprecationWarning\n"})
    recorded = [record("label-shape", {"S01": "role"})]
    outputs = rewrite_outputs([noise, *recorded], verdicts(ENTRY, records(recorded), judge))
    assert not any(o.get("name") == "stderr" or o["output_type"] == "error" for o in outputs)
    assert any("[stderr] DeprecationWarning" in o.get("text", "") for o in outputs)


def test_does_the_judging_worker_agree_with_the_judge() -> None:
    key = ENTRY["checks"][1]["key"]
    with Judge() as worker:
        assert worker.judge("labels", {"S01": "role"}, key).passed
        assert not worker.judge("labels", {"S01": "user"}, key).passed


def test_is_an_answer_that_holds_the_judge_scored_zero_and_the_next_one_judged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A judge that does not answer in time: zero with the reason, and a fresh worker after."""
    import iamlab.course.judging as judging

    slow = "import sys, time; time.sleep(60)"
    with Judge(timeout=1) as worker:
        monkeypatch.setattr(judging, "_BOOT", slow)
        began = time.monotonic()
        verdict = worker.judge("labels", {"S01": "role"}, ENTRY["checks"][1]["key"])
        assert time.monotonic() - began < 10
        assert not verdict.passed and "longer than 1 s" in verdict.summary
        monkeypatch.undo()
        assert worker.judge("labels", {"S01": "role"}, ENTRY["checks"][1]["key"]).passed


def test_does_a_course_copied_without_keys_use_the_public_keys_only_if_unchanged(
    tmp_path: Path,
) -> None:
    """A course copied with source/ but not keys/ (some hub setups): public keys, if unchanged."""
    import shutil

    from iamlab.course.build import public_keys

    (tmp_path / "source" / "ps01").mkdir(parents=True)
    shutil.copyfile(ROOT / "source/ps01/ps01.ipynb", tmp_path / "source/ps01/ps01.ipynb")
    assert public_keys(tmp_path, "ps01") == read_keys(ROOT, "ps01")
    edited = (tmp_path / "source/ps01/ps01.ipynb").read_text("utf-8").replace("S01", "Q01")
    (tmp_path / "source/ps01/ps01.ipynb").write_text(edited, encoding="utf-8")
    assert public_keys(tmp_path, "ps01") == {}
