"""Parallel autograding (``make autograde JOBS=N``, iamlab.course.parallel) grades like one job.

One released ps01 is copied into three course directories and the same class of submissions
handed in to each: the instructor's answers, the classic mistakes, one wrong answer per
part, nothing answered, a syntax error, and a file that is not a notebook. The first is
graded with one job (nbgrader's own single run), the second with two jobs on its SQLite
gradebook, the third with two jobs on a real PostgreSQL server. Every grade of every cell,
and every zero-with-a-reason, must be the same in all three.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from must_run import skip_unless_ci
from postgres_server import running_postgres, server_binaries

from iamlab.course import parallel, pipeline
from iamlab.course.build import write_course
from iamlab.course.examples import PARTIAL, broken, hand_in, submission
from iamlab.course.gradebook import gradebook_url

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "ps01"
LABELS = ("USER", "GROUP", "ROLE", "ROOT")

Grades = dict[tuple[str, str, str], tuple[float | None, float | None, bool | None]]


def one_wrong_per_part(course: Path) -> nbformat.NotebookNode:
    """The instructor's answers with the first label of every answer cell shifted by one."""
    patches = {}
    for cell in submission(course, ASSIGNMENT).cells:
        lines = cell.source.splitlines()
        at = next((n for n, line in enumerate(lines) if line.startswith("answers[")), None)
        if cell.id.startswith("answers_") and at is not None:
            head, label = lines[at].rsplit(" ", 1)
            lines[at] = f"{head} {LABELS[(LABELS.index(label) + 1) % len(LABELS)]}"
            patches[cell.id] = "\n".join(lines)
    return submission(course, ASSIGNMENT, patches)


def the_class(course: Path) -> dict[str, object]:
    return {
        "perfect": submission(course, ASSIGNMENT),
        "partial": submission(course, ASSIGNMENT, PARTIAL[ASSIGNMENT]),
        "one-wrong": one_wrong_per_part(course),
        "blank": submission(course, ASSIGNMENT, solved=False),
        "broken": broken(course, ASSIGNMENT),
        "not-a-notebook": b'{"cells": [',
        "perfect-2": submission(course, ASSIGNMENT),
    }


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parallel")
    root.chmod(0o755)  # the sandboxed kernel runs as nobody when the tests run as root
    course = root / "released"
    course.mkdir(mode=0o755)
    shutil.copyfile(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    write_course(course)
    pipeline.nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course


def course_with_class(released: Path, name: str, db_url: str | None = None) -> Path:
    course = released.parent / name
    shutil.copytree(released, course)
    course.chmod(0o755)
    if db_url is not None:
        (course / "gradebook.db").unlink()
        with (course / "nbgrader_config.py").open("a", encoding="utf-8") as f:
            f.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
        pipeline.nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for student, notebook in the_class(course).items():
        hand_in(course, student, ASSIGNMENT, notebook)
    return course


def grades(course: Path) -> Grades:
    """Every grade of every submission: (auto score, manual score, needs manual grade)."""
    from nbgrader.api import Gradebook

    out: Grades = {}
    gradebook = Gradebook(gradebook_url(course))
    try:
        for sub in gradebook.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    out[(sub.student.id, nb.name, grade.name)] = (
                        grade.auto_score,
                        grade.manual_score,
                        grade.needs_manual_grade,
                    )
    finally:
        gradebook.close()
    return out


def not_graded(course: Path) -> dict[str, str]:
    return {
        p.parents[1].name: p.read_text(encoding="utf-8")
        for p in (course / "autograded").glob(f"*/{ASSIGNMENT}/{pipeline.NOT_GRADED}")
    }


def totals(found: Grades) -> dict[str, float]:
    out: dict[str, float] = {}
    for (student, _nb, _cell), (auto, manual, _needs) in found.items():
        out[student] = out.get(student, 0.0) + (manual if manual is not None else auto or 0.0)
    return out


@pytest.fixture(scope="module")
def one_job(released: Path) -> Path:
    course = course_with_class(released, "one-job")
    assert parallel.autograde(course, jobs=1, assignments=[ASSIGNMENT]) == []
    return course


@pytest.mark.pipeline
@pytest.mark.slow
def test_two_jobs_on_sqlite_grade_exactly_as_one(released: Path, one_job: Path) -> None:
    """Do two nbgrader processes on one SQLite gradebook give every cell the same grade?"""
    course = course_with_class(released, "two-jobs-sqlite")
    runs = parallel.autograde(course, jobs=2, assignments=[ASSIGNMENT])
    assert len(runs) == 2, "two jobs should be two nbgrader runs"
    assert sorted(s for run in runs for s in run.students) == sorted(the_class(course))
    expected = grades(one_job)
    assert grades(course) == expected
    assert not_graded(course) == not_graded(one_job)
    # the class is graded at all, and differently per student: equal grades mean something
    scores = totals(expected)
    assert scores["perfect"] == scores["perfect-2"] > scores["partial"] > scores["blank"] == 0
    assert scores["one-wrong"] < scores["perfect"]
    assert set(not_graded(one_job)) == {"not-a-notebook"}


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if server_binaries() is None:
        skip_unless_ci("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="iamlab-pg-", dir="/tmp"))
    base.chmod(0o755)
    try:
        with running_postgres(base) as url:
            yield url
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.pipeline
@pytest.mark.slow
def test_two_jobs_on_postgresql_grade_exactly_as_one(
    released: Path, one_job: Path, postgres_url: str
) -> None:
    """Do two nbgrader processes on a PostgreSQL gradebook give every cell the same grade?"""
    course = course_with_class(released, "two-jobs-postgres", postgres_url)
    assert parallel.worker_db_url(course) is None, "a PostgreSQL URL is used as it is"
    runs = parallel.autograde(course, jobs=2, assignments=[ASSIGNMENT])
    assert len(runs) == 2
    assert grades(course) == grades(one_job)
    assert not_graded(course) == not_graded(one_job)
    assert not (course / "gradebook.db").exists()


# ---------------------------------------------------------------- the batches (fast)


def test_batches_cover_every_student_once() -> None:
    """Is each student in exactly one batch, with at least `jobs` batches of at most the cap?"""
    students = [f"s{i:03d}" for i in range(53)]
    for jobs in (2, 3, 7):
        groups = parallel.batches(students, jobs, max_batch=10)
        assert sorted(s for g in groups for s in g) == students
        assert len(groups) >= jobs
        assert max(len(g) for g in groups) <= 10
        assert max(len(g) for g in groups) - min(len(g) for g in groups) <= 1
    assert parallel.batches(["a"], 4) == [["a"]]
    assert parallel.batches([], 2) == []
    with pytest.raises(ValueError, match="at least 1"):
        parallel.batches(students, 0)


def test_jobs_below_one_is_a_clear_error(tmp_path: Path) -> None:
    """Does JOBS=0 fail with a message naming JOBS, before grading anything?"""
    with pytest.raises(pipeline.PipelineError, match="JOBS must be 1 or more"):
        parallel.autograde(tmp_path, jobs=0)


def test_sqlite_runs_wait_for_the_lock(tmp_path: Path) -> None:
    """Is a plain SQLite gradebook given a busy timeout, and a URL with options left alone?"""
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n", encoding="utf-8")
    url = parallel.worker_db_url(tmp_path)
    assert url == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}?timeout=120"
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.db_url = 'sqlite:///x.db?timeout=3'\n",
        encoding="utf-8",
    )
    assert parallel.worker_db_url(tmp_path) is None


def test_a_failing_gradebook_is_recognised_in_nbgraders_log() -> None:
    """Are SQLAlchemy's connection errors recognised, and its warnings not?"""
    down = (
        "    sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection is bad: "
        "connection to server on socket failed: No such file or directory"
    )
    locked = "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked"
    warning = "api.py:2229: SAWarning: Object of type <SubmittedAssignment> not in session"
    assert parallel.GRADEBOOK_FAILED.search(down)
    assert parallel.GRADEBOOK_FAILED.search(locked)
    assert not parallel.GRADEBOOK_FAILED.search(warning)
    assert not parallel.GRADEBOOK_FAILED.search("NameError: name 'x' is not defined")
