"""The course the deployment tests run: the real ``source/ps01``, its answers and its scores.

Answers come from the instructor's notebook itself: a student who "knows the answers" gets
each solution cell's model solution (the ``### BEGIN SOLUTION`` markers removed); a cell left
alone keeps the released stub. Expected scores follow nbgrader's layout of the assignment: an
autograded test cell passes exactly when the solution cell before it was answered.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "ps01"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def course_config(path: Path) -> Config:
    """Load an nbgrader_config.py the way nbgrader does (it calls ``get_config()``)."""
    config = Config()
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    exec(code, {"get_config": lambda: config, "__file__": str(path)})
    return config


def course_id() -> str:
    return str(course_config(ROOT / "nbgrader_config.py").CourseDirectory.course_id)


def source_notebook(assignment: str = ASSIGNMENT) -> Path:
    return ROOT / "source" / assignment / f"{assignment}.ipynb"


def copy_course(dest: Path, assignment: str = ASSIGNMENT) -> None:
    """Copy what an instructor needs to release ``assignment``: config, header, source, labs."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    (dest / "source").mkdir(exist_ok=True)
    for entry in (ROOT / "source").iterdir():
        if entry.is_file():
            shutil.copy2(entry, dest / "source" / entry.name)  # the shared header notebook
    shutil.copytree(ROOT / "source" / assignment, dest / "source" / assignment)
    if (ROOT / "labs").is_dir():
        shutil.copytree(ROOT / "labs", dest / "labs")


def chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), uid, gid, follow_symlinks=False)


@dataclass(frozen=True, kw_only=True)
class Cell:
    grade_id: str
    kind: str  # "code" or "markdown"
    solution: bool
    autograded: bool  # a code cell with points
    points: float
    source: str


def _cells(notebook: Path) -> list[Cell]:
    data: dict[str, Any] = json.loads(notebook.read_text(encoding="utf-8"))
    cells = []
    for cell in data["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade_id"):
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        cells.append(
            Cell(
                grade_id=meta["grade_id"],
                kind=cell["cell_type"],
                solution=bool(meta.get("solution")),
                autograded=bool(meta.get("grade")) and cell["cell_type"] == "code",
                points=float(meta.get("points", 0) or 0) if meta.get("grade") else 0.0,
                source=source,
            )
        )
    return cells


def solution_cells(notebook: Path | None = None) -> list[Cell]:
    return [c for c in _cells(notebook or source_notebook()) if c.solution]


def model_answer(cell: Cell) -> str:
    """What a student who knows the answer writes in ``cell``."""
    if cell.kind != "code":
        return cell.source
    return "".join(
        line
        for line in cell.source.splitlines(keepends=True)
        if line.strip() not in SOLUTION_MARKERS
    )


def answers(answered: set[str], notebook: Path | None = None) -> dict[str, str]:
    """{grade_id: text} for the solution cells in ``answered``."""
    return {c.grade_id: model_answer(c) for c in solution_cells(notebook) if c.grade_id in answered}


def expected_scores(answered: set[str], notebook: Path | None = None) -> tuple[float, float]:
    """(autograded score, max score) of a submission that answers the cells in ``answered``."""
    score = total = 0.0
    last_solution: str | None = None
    for cell in _cells(notebook or source_notebook()):
        if cell.solution and cell.kind == "code":
            last_solution = cell.grade_id
        total += cell.points
        if cell.autograded and last_solution in answered:
            score += cell.points
    return score, total
