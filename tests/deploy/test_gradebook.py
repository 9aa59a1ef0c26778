"""The gradebook: SQLite in the course directory by default, PostgreSQL when a URL is given.

The grader's ~/.jupyter from deploy/jupyterhub/grader-jupyter/ is used as is (SQLite), and
with the URL line of its nbgrader_config.py filled in (PostgreSQL: a real server, started for
the test on a unix socket). Each time nbgrader releases the course's ps01 and autogrades two
submissions, and the scores are read back from the database the URL names.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import course_material as course
import pytest
import student_answers
from must_run import skip_unless_ci
from postgres_server import running_postgres, server_binaries

pytestmark = [pytest.mark.pipeline, pytest.mark.slow, pytest.mark.timeout(600)]

GRADER_JUPYTER = course.ROOT / "deploy" / "jupyterhub" / "grader-jupyter"  # ~grader/.jupyter
ASSIGNMENT = course.ASSIGNMENT


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if server_binaries() is None:
        skip_unless_ci("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        skip_unless_ci("psycopg is not installed (it is in the `test` dependency group)")
    # not pytest's tmp_path: under root that is closed to the server's own account
    base = Path(tempfile.mkdtemp(prefix="iamlab-pg-", dir="/tmp"))
    base.chmod(0o755)
    try:
        with running_postgres(base) as url:
            yield url
    finally:
        shutil.rmtree(base, ignore_errors=True)


def nbgrader(course_dir: Path, config_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stderr[-5000:]}"
    return done


def grade_two_submissions(tmp_path: Path, db_url: str | None) -> dict[str, float]:
    """Release ps01, autograde a full and an empty submission; return the scores by student."""
    course_dir, config_dir = tmp_path / "course", tmp_path / "jupyter-config"
    course.copy_course(course_dir)
    shutil.copytree(GRADER_JUPYTER, config_dir)
    if db_url is not None:
        with (config_dir / "nbgrader_config.py").open("a", encoding="utf-8") as f:
            f.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")

    nbgrader(course_dir, config_dir, "generate_assignment", ASSIGNMENT)
    every_part = {c.grade_id for c in course.solution_cells()}
    for student, answered in (("alice", every_part), ("bob", set())):
        folder = course_dir / "submitted" / student / ASSIGNMENT
        shutil.copytree(course_dir / "release" / ASSIGNMENT, folder)
        answers = tmp_path / f"{student}.json"
        answers.write_text(json.dumps(course.answers(answered)), encoding="utf-8")
        student_answers.main(str(answers), str(folder / f"{ASSIGNMENT}.ipynb"))
    nbgrader(course_dir, config_dir, "autograde", ASSIGNMENT)

    from nbgrader.api import Gradebook

    url = db_url or f"sqlite:///{course_dir / 'gradebook.db'}"
    with Gradebook(url, course_id=course.course_id()) as gradebook:
        scores = {s: gradebook.find_submission(ASSIGNMENT, s).score for s in ("alice", "bob")}
        gradebook.db.remove()
        gradebook.engine.dispose()
    return scores


def expected() -> dict[str, float]:
    every_part = {c.grade_id for c in course.solution_cells()}
    return {"alice": course.expected_scores(every_part)[0], "bob": 0.0}


def test_sqlite_by_default(tmp_path: Path) -> None:
    """With no URL given, do the grades go to gradebook.db in the course directory?"""
    assert grade_two_submissions(tmp_path, None) == expected()
    assert (tmp_path / "course" / "gradebook.db").is_file()


def test_postgresql_when_a_url_is_given(tmp_path: Path, postgres_url: str) -> None:
    """With a PostgreSQL URL, do the grades go to that database and nowhere else?"""
    assert grade_two_submissions(tmp_path, postgres_url) == expected()
    assert not (tmp_path / "course" / "gradebook.db").exists()
    import psycopg

    host = postgres_url.split("host=", 1)[1]
    with psycopg.connect(host=host, dbname="gradebook", user="gradebook") as conn:
        students = conn.execute("SELECT id FROM student ORDER BY id").fetchall()
    assert [s for (s,) in students] == ["alice", "bob"]
