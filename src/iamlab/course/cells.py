"""The notebook cells the course's source notebooks are made of, with their nbgrader metadata."""

# nbformat ships no type information.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import nbformat

from iamlab.course.banks import BankError, need

PART_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
GRADED_NOTE = "# Graded when you hand in: the grader judges your answer outside this notebook."
KERNEL_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def nbgrader_meta(
    grade_id: str,
    *,
    grade: bool = False,
    solution: bool = False,
    locked: bool = False,
    points: int | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def markdown(cell_id: str, text: str, nbgrader: dict[str, Any] | None = None) -> Any:
    cell = nbformat.v4.new_markdown_cell(text.strip("\n"))
    cell.id = cell_id
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def code(cell_id: str, source: str, nbgrader: dict[str, Any] | None = None) -> Any:
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    cell.id = cell_id
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def literal(value: object, indent: int = 0, width: int = 96) -> str:
    """Return ``value`` as a Python literal in the style ruff formats code.

    Short values stay on one line; longer dicts and lists put one item per line with a
    trailing comma. The result is ``ast.literal_eval``-able.
    """
    one_line = flat(value)
    if len(one_line) + indent <= width or not isinstance(value, dict | list) or not value:
        return one_line
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{flat(k)}: {literal(v, indent + 4, width)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{literal(v, indent + 4, width)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def flat(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flat(k)}: {flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flat(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    raise BankError(f"{value!r} ({type(value).__name__}) cannot be written into a notebook")


def solution_cell(cell_id: str, body: str, hint: str = "") -> Any:
    lines = [hint] if hint else []
    lines += [SOLUTION_BEGIN, body.strip("\n"), SOLUTION_END]
    return code(cell_id, "\n".join(lines), nbgrader_meta(cell_id, solution=True))


def grade_cell(grade_id: str, question: str, points: int, visible: str) -> Any:
    """A grade cell: its one visible check records the answer; the key is not in the cell.

    The answer is judged against the key of ``grade_id`` (:mod:`iamlab.course.keys`) by the
    grader, outside the learner's kernel, after the notebook has run.
    """
    question = question.replace('"""', "'''")
    lines = [
        f'"""{question}"""',
        "from iamlab.course import check",
        "",
        visible,
        GRADED_NOTE,
    ]
    return code(
        grade_id, "\n".join(lines), nbgrader_meta(grade_id, grade=True, locked=True, points=points)
    )


def heading(assignment: str, bank: Mapping[str, Any], where: str) -> Any:
    goals = "\n".join(f"- {g}" for g in bank.get("goals", ()))
    lines = [f"# {assignment} — {need(bank, 'title', where)}", ""]
    if goals:
        lines += ["**Learning goals.** After this assignment you can:", "", goals, ""]
    if bank.get("before"):
        lines += [f"**Before you start.** {bank['before']}", ""]
    if bank.get("time"):
        lines += [f"**Time.** About {bank['time']}.", ""]
    if bank.get("intro"):
        lines += [str(bank["intro"]).strip()]
    return markdown("title", "\n".join(lines))


def part_title(index: int, title: str, points: int) -> str:
    unit = "point" if points == 1 else "points"
    return f"## Part {PART_LETTERS[index]} ({points} {unit}): {title}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def notebook(cells: list[Any]) -> Any:
    nb = nbformat.v4.new_notebook(cells=cells, metadata=dict(KERNEL_METADATA))
    nb.nbformat_minor = 5
    nbformat.validate(nb)
    return nb
