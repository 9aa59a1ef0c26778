"""Judge every graded check again, outside the learner's kernel, before nbgrader saves a score.

nbgrader scores a grade cell by its outputs: an error means zero, anything else full marks.
The outputs come from the learner's kernel, where the learner's code ran first and could have
replaced ``check``, ``AssertionError``, IPython's traceback display or anything else. So after
the notebook has run, this preprocessor (in the instructor's nbgrader process, which never runs
the learner's code) re-does each grade cell's checks:

1. the cell's source is trusted: nbgrader's ``OverwriteCells`` restored it from the gradebook
   (and ``add_missing_cells`` put back a deleted one), so the ``check(kind, answer, key)``
   calls and their literal keys are the instructor's;
2. the answers come from the records ``check`` displayed in the kernel (plain JSON data, see
   :mod:`iamlab.course.grading`): a kernel can only ever *submit* an answer this way;
3. each answer is judged in this process with :func:`iamlab.course.checks.judge`, and the
   cell's outputs are rewritten to the trusted verdict: an ``AssertionError`` output naming the
   problem (zero points) or a ``✓`` line (full points). stderr noise is kept, as stdout, so it
   no longer zeroes a correct cell; a missing record (the kernel died, the cell timed out, the
   check was bypassed) is a failure that says so.
"""

# nbformat, nbconvert, nbgrader and IPython ship no (or partial) type information: calling
# them from typed code, and subclassing their classes, is what this module is for.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from iamlab.course.checks import Verdict, fail, judge
from iamlab.course.grading import ANSWER_MIME

NOTE = "(judged again by the grader, outside your kernel)"


@dataclass(frozen=True)
class Call:
    """One ``check(kind, answer, key)`` in a trusted grade cell."""

    kind: str
    key: Any


class UntrustedSource(ValueError):
    """A grade cell's check call is not in the literal form the verifier can replay."""


def trusted_calls(source: str) -> list[Call]:
    """Return the ``check(...)`` calls of a grade cell, in order (empty if it has none)."""
    # nbgrader's missing-cell notice is a comment, so the source still parses
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise UntrustedSource(f"the grade cell does not parse: {error}") from None
    nodes = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_check(n.func)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    calls = []
    for node in nodes:
        try:
            kind = ast.literal_eval(node.args[0])
            key_node = (
                node.args[2]
                if len(node.args) > 2
                else next(k.value for k in node.keywords if k.arg == "key")
            )
            key = ast.literal_eval(key_node)
        except (IndexError, StopIteration, ValueError, TypeError, SyntaxError):
            raise UntrustedSource(
                f"check(...) on line {node.lineno} does not have a literal kind and key"
            ) from None
        calls.append(Call(kind=kind, key=key))
    return calls


def _is_check(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "check") or (
        isinstance(func, ast.Attribute) and func.attr == "check"
    )


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
    calls: Sequence[Call], recorded: Sequence[dict[str, Any]], kernel_error: str = ""
) -> list[Verdict]:
    """Judge each call against its record, stopping at the first failure (as Python would)."""
    out: list[Verdict] = []
    for index, call in enumerate(calls):
        if index >= len(recorded):
            why = f" The kernel reported: {kernel_error}" if kernel_error else ""
            out.append(
                fail(
                    f"no answer was recorded for check {index + 1} of this cell: the "
                    f"cell stopped before it (an error above, a timeout, a crashed "
                    f"kernel) or the check was replaced.{why}"
                )
            )
            return out
        record = recorded[index]
        if record.get("kind") != call.kind:
            out.append(
                fail(
                    f"the answer recorded for check {index + 1} is for a "
                    f"{record.get('kind')!r} check, not {call.kind!r}: the cell's "
                    f"checks did not run as written"
                )
            )
            return out
        if "rejected" in record:
            out.append(fail(f"this answer cannot be graded: {record['rejected']}"))
            return out
        if "answer" not in record:
            out.append(fail(f"the record of check {index + 1} holds no answer"))
            return out
        verdict = judge(call.kind, record["answer"], call.key)
        out.append(verdict)
        if not verdict.passed:
            return out
    if len(recorded) > len(calls):
        out.append(
            fail(
                f"this cell recorded {len(recorded)} answers for {len(calls)} checks: "
                f"something other than the cell's checks displayed answer records"
            )
        )
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


class VerifyChecks(NbGraderPreprocessor):
    """Rewrite each grade cell's outputs to the verdicts judged outside the kernel."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        try:
            calls = trusted_calls(cell.source)
        except UntrustedSource as error:
            self.log.warning("%s: not verified: %s", cell.metadata.nbgrader["grade_id"], error)
            return cell, resources
        if not calls:
            return cell, resources
        outputs = list(cell.get("outputs", []))
        results = verdicts(calls, records(outputs), kernel_error(outputs))
        cell.outputs = rewrite_outputs(outputs, results)
        grade_id = cell.metadata.nbgrader["grade_id"]
        self.log.info(
            "%s: %s",
            grade_id,
            "verified: passed"
            if all(v.passed for v in results)
            else f"verified: failed ({results[-1].summary})",
        )
        return cell, resources
