"""What the class gets wrong: ``make report`` (``python -m iamlab.course report``).

Reads the gradebook (per test: how many students earned its points) and the autograded
notebooks (per item: each scenario or prediction, and each request a policy is judged on,
re-judged from the answers the students' kernels recorded), and writes to ``report/``:

- ``tests.csv`` and ``items.csv``: one row per test / item with the share of students right;
- ``report.md``: both tables as markdown, hardest first;
- ``report.png``: the items as a bar chart (when matplotlib is installed).
"""

# nbformat, nbconvert, nbgrader and IPython ship no (or partial) type information: calling
# them from typed code, and subclassing their classes, is what this module is for.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from iamlab.course.build import ASSIGNMENTS
from iamlab.course.gradebook import gradebook_url
from iamlab.course.judging import Judge
from iamlab.course.keys import read_keys
from iamlab.course.verify import JudgeFn, records, to_plain


@dataclass(frozen=True, kw_only=True)
class Row:
    assignment: str
    test: str
    item: str
    students: int
    right: int

    @property
    def share(self) -> float:
        return self.right / self.students if self.students else 0.0


def test_rows(course: Path) -> list[Row]:
    """Per grade cell: how many graded students earned all of its points."""
    from nbgrader.api import Gradebook, MissingEntry

    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    with Gradebook(gradebook_url(course)) as gb:
        for assignment in ASSIGNMENTS:
            try:
                subs = gb.assignment_submissions(assignment)
            except MissingEntry:
                continue
            for sub in subs:
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        if grade.auto_score is None and grade.manual_score is None:
                            continue
                        count = counts[(assignment, grade.name)]
                        count[0] += 1
                        count[1] += int(grade.score >= grade.max_score)
    return [
        Row(assignment=a, test=t, item="", students=n, right=r)
        for (a, t), (n, r) in sorted(counts.items())
    ]


def item_results(cell: Any, entry: Any, judge: JudgeFn) -> dict[str, bool]:
    """For one autograded grade cell: each item its key judges (scenario, request) -> right?"""
    recorded = [to_plain(r) for r in records(cell.get("outputs", []))]
    record = recorded[0] if len(recorded) == 1 else {}
    answer = record.get("answer")
    out: dict[str, bool] = {}
    checks = entry.get("checks", []) if isinstance(entry, dict) else []
    for check in checks:
        kind, key = check.get("kind"), check.get("key", {})
        if kind == "labels":
            for item, want in key["expected"].items():
                got = answer.get(item) if isinstance(answer, dict) else None
                out[item] = type(got) is str and got == want
        elif kind == "policy":
            for field in ("requests", "assume"):
                for req in key.get(field, ()):
                    single = {**key, "requests": [], "assume": [], field: [req], "breadth": {}}
                    who = req.get("principal") or req.get("caller")
                    what = req.get("action") or f"assume {req.get('role')}"
                    where = req.get("resource", "")
                    label = f"{req['expect']}: {who} {what} {where}".strip()
                    out[label] = answer is not None and judge("policy", answer, single).passed
        elif kind == "tokens":  # ps04: each listed token admitted or refused as it should be
            for token in key.get("tokens", ()):
                single = {**key, "tokens": [token], "breadth": {}}
                label = f"{token['expect']}: {token['label']}"
                out[label] = answer is not None and judge("tokens", answer, single).passed
    return out


def item_rows(course: Path) -> list[Row]:
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    with Judge() as judge:
        for assignment in ASSIGNMENTS:
            keys = read_keys(course, assignment)
            for path in sorted((course / "autograded").glob(f"*/{assignment}/*.ipynb")):
                try:
                    nb = nbformat.read(path, as_version=4)
                except Exception:  # an unreadable graded notebook counts as no answers
                    continue
                for cell in nb.cells:
                    meta = cell.get("metadata", {}).get("nbgrader", {})
                    grade_id = str(meta.get("grade_id", ""))
                    if cell.cell_type != "code" or grade_id not in keys:
                        continue
                    for item, right in item_results(cell, keys[grade_id], judge.judge).items():
                        count = counts[(assignment, grade_id, item)]
                        count[0] += 1
                        count[1] += int(right)
    return [
        Row(assignment=a, test=t, item=i, students=n, right=r)
        for (a, t, i), (n, r) in counts.items()
    ]


def to_csv(rows: list[Row], *, items: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head = ["assignment", "test", *(["item"] if items else []), "students", "right", "share"]
    writer.writerow(head)
    for r in rows:
        writer.writerow(
            [
                r.assignment,
                r.test,
                *([r.item] if items else []),
                r.students,
                r.right,
                f"{r.share:.2f}",
            ]
        )
    return out.getvalue()


def to_markdown(tests: list[Row], items: list[Row]) -> str:
    lines = [
        "# What the class gets wrong",
        "",
        "Share of graded students who got each test (all its points) and each item "
        "right, hardest first.",
        "",
        "## Tests",
        "",
        "| assignment | test | students | right | share |",
        "|---|---|---:|---:|---:|",
    ]
    for r in sorted(tests, key=lambda r: (r.share, r.assignment, r.test)):
        lines.append(f"| {r.assignment} | `{r.test}` | {r.students} | {r.right} | {r.share:.0%} |")
    lines += [
        "",
        "## Scenarios, predictions and requests",
        "",
        "| assignment | item | test | students | right | share |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in sorted(items, key=lambda r: (r.share, r.assignment, r.item)):
        lines.append(
            f"| {r.assignment} | {r.item} | `{r.test}` | {r.students} | {r.right} | {r.share:.0%} |"
        )
    return "\n".join(lines) + "\n"


def plot(items: list[Row], path: Path) -> bool:
    """Draw the items' shares as horizontal bars; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = sorted(items, key=lambda r: (-r.share, r.assignment, r.item))
    labels = [f"{r.assignment} {r.item}"[:70] for r in rows]
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.28 * len(rows) + 1)))
    ax.barh(range(len(rows)), [100 * r.share for r in rows], color="#4c72b0")
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("students right (%)")
    ax.set_title("What the class gets wrong (hardest at the bottom)")
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return True


def write_report(course: Path, out: Path | None = None) -> list[Path]:
    course = Path(course)
    out = Path(out) if out is not None else course / "report"
    out.mkdir(parents=True, exist_ok=True)
    tests, items = test_rows(course), item_rows(course)
    files: Mapping[str, str] = {
        "tests.csv": to_csv(tests, items=False),
        "items.csv": to_csv(
            sorted(items, key=lambda r: (r.assignment, r.test, r.item)), items=True
        ),
        "report.md": to_markdown(tests, items),
    }
    written = []
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    if plot(items, out / "report.png"):
        written.append(out / "report.png")
    else:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
    return written
