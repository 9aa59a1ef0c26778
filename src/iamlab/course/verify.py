"""Judge every grade cell outside the learner's kernel, against a key the kernel never sees.

nbgrader scores a grade cell by its outputs: an error means zero, anything else full marks.
The outputs come from the learner's kernel, where the learner's code ran first and could have
replaced anything. So after the notebook has run, this preprocessor (in the instructor's
nbgrader process, which never runs the learner's code) decides each grade cell itself:

1. the key is the instructor's: looked up by the cell's ``grade_id`` in the course's
   ``keys/<assignment>.json`` (:mod:`iamlab.course.keys`); no key is ever in a grade cell, so
   nothing in the kernel can read it;
2. the answer is the one record the cell's visible ``check`` displayed in the kernel (plain
   JSON data, see :mod:`iamlab.course.grading`): a kernel can only ever *submit* an answer;
3. each of the key's checks judges that answer in the judging worker
   (:class:`iamlab.course.judging.Judge`: a separate process, a time limit per answer), and
   the cell's outputs are rewritten to the verdict: an ``AssertionError`` output naming the
   problem (zero points) or a ``✓`` line (full points). What the kernel printed or raised in
   the cell never decides. stderr noise is kept, as stdout; a missing record (the kernel
   died, the cell timed out, the check was bypassed) is a failure that says so, and so is a
   grade cell the course has no key for.
"""

# nbformat, nbconvert, nbgrader and IPython ship no (or partial) type information: calling
# them from typed code, and subclassing their classes, is what this module is for.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import atexit
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float

from iamlab.course.answers import MAX_CHARS
from iamlab.course.checks import Verdict, fail
from iamlab.course.grading import ANSWER_MIME
from iamlab.course.judging import JUDGE_TIMEOUT, Judge
from iamlab.course.keys import Keys, read_keys

NOTE = "(judged by the grader, outside your kernel)"

JudgeFn = Callable[[str, object, Any], Verdict]


def records(outputs: Sequence[Any]) -> list[dict[str, Any]]:
    """The answer records a cell's outputs hold, in order."""
    found = []
    for output in outputs:
        if output.get("output_type") in ("display_data", "execute_result"):
            data = output.get("data", {})
            if ANSWER_MIME in data and isinstance(data[ANSWER_MIME], dict):
                found.append(dict(data[ANSWER_MIME]))
    return found


def verdicts(
    entry: Mapping[str, Any] | None,
    recorded: Sequence[dict[str, Any]],
    judge: JudgeFn,
    kernel_error: str = "",
) -> list[Verdict]:
    """Judge the cell's one recorded answer by each check of its key, stopping at a failure."""
    if entry is None or not isinstance(entry.get("checks"), list) or not entry["checks"]:
        return [
            fail(
                "the grader has no answer key for this grade cell, so it cannot score it "
                "(the instructor runs `make release` to write keys/)"
            )
        ]
    if not recorded:
        why = f" The kernel reported: {kernel_error}" if kernel_error else ""
        return [
            fail(
                "no answer was recorded in this cell: the cell stopped before its check (an "
                "error above, a timeout, a crashed kernel) or the check was replaced." + why
            )
        ]
    if len(recorded) > 1:
        return [
            fail(
                f"this cell recorded {len(recorded)} answers for its one check: something "
                f"other than the cell's check displayed answer records"
            )
        ]
    record = recorded[0]
    if record.get("kind") != entry.get("record"):
        return [
            fail(
                f"the answer recorded is for a {str(record.get('kind'))[:40]!r} check, not "
                f"{entry.get('record')!r}: the cell's check did not run as written"
            )
        ]
    if "rejected" in record:
        return [fail(f"this answer cannot be graded: {str(record['rejected'])[:2000]}")]
    if "answer" not in record:
        return [fail("the record holds no answer")]
    answer = record["answer"]
    if len(json.dumps(answer, ensure_ascii=False)) > MAX_CHARS:
        return [fail(f"the answer is too large to grade (at most {MAX_CHARS} characters)")]
    out: list[Verdict] = []
    for check in entry["checks"]:
        verdict = judge(str(check.get("kind")), answer, check.get("key"))
        out.append(verdict)
        if not verdict.passed:
            break
    return out


def rewrite_outputs(outputs: Sequence[Any], results: Sequence[Verdict]) -> list[Any]:
    """The cell's new outputs: records, other output (stderr as stdout), then the verdicts."""
    kept: list[Any] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "error":
            continue
        if kind == "stream":
            text = "".join(output.get("text", ""))
            if output.get("name") == "stderr":
                lines = "".join(f"[stderr] {line}\n" for line in text.splitlines())
                kept.append(from_dict({"output_type": "stream", "name": "stdout", "text": lines}))
            elif not text.startswith(("✓ ", "✗ ")):
                kept.append(output)
            continue
        kept.append(output)
    passed = [v for v in results if v.passed]
    if passed:
        kept.append(
            from_dict(
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": "".join(f"✓ {v.message()}\n" for v in passed),
                }
            )
        )
    failed = [v for v in results if not v.passed]
    if failed:
        message = failed[0].message()
        kept.append(
            from_dict(
                {
                    "output_type": "error",
                    "ename": "AssertionError",
                    "evalue": message,
                    "traceback": [f"AssertionError: {message}", NOTE],
                }
            )
        )
    return kept


def kernel_error(outputs: Sequence[Any]) -> str:
    for output in outputs:
        if output.get("output_type") == "error":
            return f"{output.get('ename', '')}: {output.get('evalue', '')}".strip(": ")
    return ""


def to_plain(value: Any) -> Any:
    """A notebook node (dict subclasses) as plain JSON data."""
    return json.loads(json.dumps(value))


class VerifyChecks(NbGraderPreprocessor):
    """Rewrite each grade cell's outputs to the verdict judged outside the kernel."""

    judge_timeout = Float(
        JUDGE_TIMEOUT, config=True, help="seconds the grader may spend judging one answer"
    )

    _judge: Judge | None = None
    _keys: Keys
    _course: Path = Path()

    def _worker(self) -> Judge:
        if self._judge is None:
            self._judge = Judge(self.judge_timeout)
            atexit.register(self._judge.close)
        return self._judge

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> Any:
        from nbgrader.coursedir import CourseDirectory

        root = Path(CourseDirectory(config=self.config).root)
        assignment = str(resources.get("nbgrader", {}).get("assignment", ""))
        self._keys = read_keys(root, assignment)
        if not self._keys:
            from iamlab.course.build import public_keys

            self._keys = public_keys(root, assignment)
        return super().preprocess(nb, resources)

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = str(meta.get("grade_id", "")) if isinstance(meta, dict) else ""
        # every code cell the course has a key for is judged, whatever its flags say (nbgrader
        # does not restore `grade` or `solution`); any other code grade cell scores zero
        if cell.cell_type != "code" or (grade_id not in self._keys and not utils.is_grade(cell)):
            return cell, resources
        outputs = list(cell.get("outputs", []))
        results = verdicts(
            self._keys.get(grade_id),
            [to_plain(r) for r in records(outputs)],
            self._worker().judge,
            kernel_error(outputs),
        )
        cell.outputs = rewrite_outputs(outputs, results)
        self.log.info(
            "%s: %s",
            grade_id,
            "verified: passed"
            if all(v.passed for v in results)
            else f"verified: failed ({results[-1].summary})",
        )
        return cell, resources
