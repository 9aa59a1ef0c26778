"""Autograde throughput: seconds per ps01 submission, and the overhead above plain nbgrader.

``python -m benchmarks`` runs it (``make bench``). In a scratch course it releases ps01 and a
trivial one-cell assignment, hands in N ps01 submissions (default 100; set
``IAMLAB_BENCH_SUBMISSIONS``) in a deterministic mix of right and wrong answers, and
autogrades them the way ``make autograde`` does: each kernel in the bubblewrap sandbox,
every check verified outside the kernel. The baseline is nbgrader's own autograde, with its
default configuration (no sandbox, no verification), of the trivial notebook.

Slow on purpose (minutes): it prints progress after each batch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from iamlab.course import pipeline
from iamlab.course.build import write_course
from iamlab.course.examples import hand_in, submission

ROOT = Path(__file__).resolve().parents[1]
BATCH = 10
LABELS = ("USER", "GROUP", "ROLE", "ROOT")


def submissions(course: Path, count: int) -> list[nbformat.NotebookNode]:
    """``count`` ps01 notebooks: every third one has one wrong answer per part."""
    out = []
    for i in range(count):
        patches = {}
        if i % 3 == 2:
            nb = submission(course, "ps01")
            for cell in nb.cells:
                lines = cell.source.splitlines()
                at = next((n for n, line in enumerate(lines) if line.startswith("answers[")), None)
                if cell.id.startswith("answers_") and at is not None:
                    head, label = lines[at].rsplit(" ", 1)
                    lines[at] = f"{head} {LABELS[(LABELS.index(label) + 1) % len(LABELS)]}"
                    patches[cell.id] = "\n".join(lines)
        out.append(submission(course, "ps01", patches))
    return out


def trivial_course(root: Path) -> None:
    """nbgrader's baseline: one assignment, one notebook, one grade cell, default config."""
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n", encoding="utf-8")
    cell = nbformat.v4.new_code_cell('"""Is True true?"""\nassert True')
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "test_trivial",
        "locked": True,
        "points": 1,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    nb = nbformat.v4.new_notebook(
        cells=[cell],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    (root / "source" / "trivial").mkdir(parents=True)
    nbformat.write(nb, root / "source" / "trivial" / "trivial.ipynb")
    pipeline.nbgrader(root, "generate_assignment", "trivial", "--force")


def autograde_in_batches(
    course: Path, assignment: str, notebooks: list[object], extra: list[str]
) -> float:
    """Hand in and autograde ``notebooks`` BATCH at a time; return the total seconds."""
    spent = 0.0
    for start in range(0, len(notebooks), BATCH):
        for i, nb in enumerate(notebooks[start : start + BATCH], start):
            hand_in(course, f"student{i:04d}", assignment, nb)
        began = time.perf_counter()
        done = pipeline.nbgrader(course, "autograde", assignment, *extra, check=False)
        spent += time.perf_counter() - began
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
        graded = min(start + BATCH, len(notebooks))
        print(
            f"  {assignment}: {graded}/{len(notebooks)} graded, "
            f"{spent / graded:.2f} s per submission so far",
            flush=True,
        )
    return spent


def main() -> None:
    count = int(os.environ.get("IAMLAB_BENCH_SUBMISSIONS", "100"))
    baseline_count = max(BATCH, count // 5)
    print(
        f"autograde: {count} ps01 submissions (sandboxed, verified) against "
        f"{baseline_count} trivial ones (plain nbgrader)",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="iamlab-bench-") as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        Path(tmp).chmod(0o755)
        course.chmod(0o755)
        shutil.copyfile(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
        write_course(course)
        pipeline.nbgrader(course, "generate_assignment", "ps01", "--force")
        from iamlab.course.sandbox import probe

        sandboxed = probe() is None
        env_note = "" if sandboxed else " (bubblewrap unavailable: UNSANDBOXED)"
        if not sandboxed:
            os.environ["IAMLAB_ALLOW_UNSANDBOXED"] = "1"
        ours = autograde_in_batches(course, "ps01", submissions(course, count), [])

        base = Path(tmp) / "trivial"
        trivial_course(base)
        nb = nbformat.read(base / "release" / "trivial" / "trivial.ipynb", 4)
        theirs = autograde_in_batches(base, "trivial", [nb] * baseline_count, [])

    per_ours, per_base = ours / count, theirs / baseline_count
    print(
        f"ps01, sandboxed and verified{env_note}: {per_ours:.2f} s per submission "
        f"({count} in {ours:.0f} s)"
    )
    print(
        f"nbgrader baseline (trivial notebook):   {per_base:.2f} s per submission "
        f"({baseline_count} in {theirs:.0f} s)"
    )
    print(
        f"overhead above the baseline:            {per_ours - per_base:+.2f} s per submission "
        f"({per_ours / per_base:.1f}x)"
    )
    if shutil.which("bwrap"):
        version = subprocess.run(
            ["bwrap", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        print(f"sandbox: {version}")


if __name__ == "__main__":
    main()
