"""PostgreSQL restarted while a class is autograded: a loud failure, then a re-run completes it.

A class of eight is handed in and autograded with two jobs against a real PostgreSQL server;
as soon as the first submissions are graded, the server stops at once (as a crash would)
and comes back some seconds later. The run must fail with an error naming the gradebook,
record nothing false (no zero for a submission it could not save), and the same command run
again must grade everything: each submission once, every grade what one job gives.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_server import restart_postgres, running_postgres, server_binaries
from test_parallel_autograde import ASSIGNMENT, course_with_class, grades, released  # noqa: F401

from iamlab.course import parallel, pipeline
from iamlab.course.examples import hand_in, submission

pytestmark = [pytest.mark.pipeline, pytest.mark.slow, pytest.mark.timeout(900)]

CLASS = 8
DOWN = 8  # seconds the server stays down: the submissions graded meanwhile cannot be saved


@pytest.fixture(scope="module")
def postgres() -> Iterator[tuple[Path, str]]:
    from must_run import skip_unless_ci

    if server_binaries() is None:
        skip_unless_ci("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="iamlab-pg-", dir="/tmp"))
    base.chmod(0o755)
    try:
        with running_postgres(base) as url:
            yield base, url
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_restart_mid_run_fails_loudly_and_a_rerun_completes(
    released: Path,  # noqa: F811
    postgres: tuple[Path, str],
) -> None:
    """Does the run fail naming the gradebook, and the re-run grade each submission once?"""
    base, url = postgres
    course = course_with_class(released, "restarted", url)
    shutil.rmtree(course / "submitted")
    right, blank = submission(course, ASSIGNMENT), submission(course, ASSIGNMENT, solved=False)
    for i in range(CLASS):
        hand_in(course, f"student{i}", ASSIGNMENT, blank if i % 2 else right)

    failure: list[BaseException] = []

    def grade() -> None:
        try:
            parallel.autograde(course, jobs=2, assignments=[ASSIGNMENT])
        except BaseException as error:  # the outcome is what this test checks
            failure.append(error)

    run = threading.Thread(target=grade)
    run.start()
    deadline = time.monotonic() + 300
    graded = course / "autograded"
    while time.monotonic() < deadline and run.is_alive():
        if len(list(graded.glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"))) >= 2:
            break
        time.sleep(0.2)
    assert run.is_alive(), "the run ended before the restart: nothing was in flight"
    restart_postgres(base, down=DOWN)
    run.join(600)
    assert not run.is_alive()

    assert len(failure) == 1 and isinstance(failure[0], pipeline.PipelineError), failure
    assert "the gradebook failed" in str(failure[0])
    assert not list(graded.glob(f"*/{ASSIGNMENT}/{pipeline.NOT_GRADED}")), "no false zeros"

    parallel.autograde(course, jobs=2, assignments=[ASSIGNMENT])
    found = grades(course)
    students = {student for student, _nb, _cell in found}
    assert students == {f"student{i}" for i in range(CLASS)}
    per_student = {s: sum(1 for k in found if k[0] == s) for s in students}
    assert len(set(per_student.values())) == 1, f"grades per submission differ: {per_student}"
    perfect = {k[2]: v for k, v in found.items() if k[0] == "student0"}
    for i in range(0, CLASS, 2):
        assert {k[2]: v for k, v in found.items() if k[0] == f"student{i}"} == perfect
    assert sum(v[0] or 0 for k, v in found.items() if k[0] == "student1") == 0
    assert sum(v[0] or 0 for v in perfect.values()) > 0
