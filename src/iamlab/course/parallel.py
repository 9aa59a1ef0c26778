"""Autograde a class in parallel: one ``nbgrader autograde`` process per batch of students.

nbgrader grades one submission at a time. With ``jobs`` > 1 the students who handed in an
assignment are split into batches and each batch is graded by its own, unchanged
``nbgrader autograde`` run (``--CourseDirectory.student_id_exclude`` leaves the other
batches' students out), at most ``jobs`` runs at a time, all against the course's one
gradebook. Everything that makes a grade stays as it is: nbgrader's own autograde step,
each kernel in its own bubblewrap sandbox, every check verified outside the kernel (the
course's ``nbgrader_config.py``), and the zero-with-a-reason for a submission nbgrader could
not grade at all (:func:`iamlab.course.pipeline.record_ungraded`, once all batches are done).
As with one job, the submissions are checked and copied to ``intake/`` first
(:mod:`iamlab.course.intake`), and the runs grade only those copies; a student id is plain
(no comma), so the batches' ``student_id_exclude`` lists split cleanly.

The gradebook:

- PostgreSQL (the guide's choice for a class): concurrent writers are what it is for.
- SQLite (the default ``gradebook.db``): its writers take turns. The processes share the file,
  each with a busy timeout of :data:`SQLITE_BUSY_SECONDS` (sqlite3's own default is 5 s), so
  that a writer waits for the lock instead of failing; grading itself (the kernels) still runs
  in parallel, only the short writes of the grades are serialised.

When the gradebook fails under a run (the database restarted, unreachable: SQLAlchemy's
errors in nbgrader's log), nothing is recorded for that run's students and the command fails
naming them; nbgrader has removed what it could not save, so running it again grades exactly
those (nbgrader skips the submissions already autograded) and leaves the others alone.

``jobs`` = 1 is exactly :func:`iamlab.course.pipeline.autograde`.
"""

# nbgrader ships no type information.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from iamlab.course import pipeline
from iamlab.course.build import ASSIGNMENTS
from iamlab.course.gradebook import gradebook_url
from iamlab.course.intake import INTAKE, stage

SQLITE_BUSY_SECONDS = 120
MAX_BATCH = 25  # students per nbgrader run: a run that fails takes at most this many with it
# how nbgrader's log shows the database failing under it (down, unreachable, locked)
GRADEBOOK_FAILED = re.compile(
    r"sqlalchemy\.exc\.(OperationalError|InterfaceError|DisconnectionError|PendingRollbackError)"
)


@dataclass(frozen=True)
class BatchRun:
    """One ``nbgrader autograde`` run: the students it graded and how it ended."""

    students: tuple[str, ...]
    returncode: int
    output: str


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def batches(students: Sequence[str], jobs: int, max_batch: int = MAX_BATCH) -> list[list[str]]:
    """Split ``students`` round-robin into at least ``jobs`` batches of at most ``max_batch``."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    if not students:
        return []
    count = min(len(students), max(jobs, -(-len(students) // max_batch)))
    return [list(students[i::count]) for i in range(count)]


def worker_db_url(course: Path) -> str | None:
    """The gradebook URL each run is given, or None to leave nbgrader's setting as it is.

    Only a SQLite URL without options of its own is changed: the same file, with a busy timeout.
    """
    url = gradebook_url(course)
    if url.startswith("sqlite:") and "?" not in url:
        return f"{url}?timeout={SQLITE_BUSY_SECONDS}"
    return None


def _prepare_gradebook(course: Path) -> None:
    """Open the gradebook once, so that its tables exist before the runs start together."""
    from nbgrader.api import Gradebook

    gradebook = Gradebook(gradebook_url(course))
    gradebook.close()


def _run_batch(
    course: Path,
    assignment: str,
    batch: Sequence[str],
    everyone: Sequence[str],
    args: Sequence[str],
    env: dict[str, str] | None,
) -> BatchRun:
    mine = set(batch)
    others = [s for s in everyone if s not in mine]
    exclude = [f"--CourseDirectory.student_id_exclude={','.join(others)}"] if others else []
    done: subprocess.CompletedProcess[str] = pipeline.nbgrader(
        course, "autograde", assignment, *exclude, *args, check=False, env=env
    )
    return BatchRun(tuple(batch), done.returncode, done.stdout + done.stderr)


def autograde(
    course: Path,
    *,
    jobs: int,
    assignments: Sequence[str] | None = None,
    force: bool = False,
    env: dict[str, str] | None = None,
    extra_args: Sequence[str] = (),
) -> list[BatchRun]:
    """Autograde ``submitted/`` with up to ``jobs`` nbgrader processes at once.

    Returns the runs (empty when ``jobs`` is 1: that is :func:`pipeline.autograde` itself).
    """
    if jobs < 1:
        raise pipeline.PipelineError(f"JOBS must be 1 or more, not {jobs}")
    if jobs == 1:
        pipeline.autograde(
            course, assignments=assignments, force=force, env=env, extra_args=extra_args
        )
        return []
    from iamlab.course.sandbox import require_sandbox

    require_sandbox()
    course = Path(course)
    runs: list[BatchRun] = []
    for name in assignments or ASSIGNMENTS:
        # the same intake as one job: only checked copies in intake/ reach nbgrader
        notebooks = sorted(p.name for p in (course / "source" / name).glob("*.ipynb"))
        students, refused = stage(course, name, notebooks)
        for refusal in refused:
            if not refusal.zero:
                print(f"{name}: {refusal.student}: {refusal.reason}", file=sys.stderr)
        if not students:
            print(f"{name}: no submissions in {course / 'submitted'}")
            for student, reason in pipeline.record_ungraded(course, name, refused):
                print(f"{name}: {student} scored 0: {reason}")
            continue
        _prepare_gradebook(course)
        args = [
            f"--CourseDirectory.submitted_directory={INTAKE}",
            *(["--force"] if force else []),
            *extra_args,
        ]
        url = worker_db_url(course)
        if url is not None:
            args.append(f"--CourseDirectory.db_url={url}")
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [
                pool.submit(_run_batch, course, name, group, students, args, env)
                for group in batches(students, jobs)
            ]
            done = [future.result() for future in futures]
        for run in done:
            print(
                f"{name}: autograded {len(run.students)} in one run "
                f"(nbgrader exit status {run.returncode})"
            )
            if run.returncode != 0:
                print("\n".join(run.output.strip().splitlines()[-15:]), file=sys.stderr)
        runs += done
        broken = [
            run for run in done if run.returncode != 0 and GRADEBOOK_FAILED.search(run.output)
        ]
        if broken:
            students_hit = sorted(s for run in broken for s in run.students)
            raise pipeline.PipelineError(
                f"{name}: the gradebook failed while {len(broken)} of {len(done)} nbgrader "
                f"runs were grading; the submissions of {', '.join(students_hit)} may not be "
                f"graded (nothing was recorded for them). Run the same command again once "
                f"the gradebook is back: it grades what is missing and keeps the rest."
            )
        for student, reason in pipeline.record_ungraded(course, name, refused):
            print(f"{name}: {student} scored 0: {reason}")
    return runs
