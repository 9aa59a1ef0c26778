"""Do the course's own steps open the gradebook nbgrader is configured to use?

nbgrader's CourseDirectory.db_url: https://nbgrader.readthedocs.io/en/stable/configuration/config_options.html
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlab.course.gradebook import gradebook_url


@pytest.fixture
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A course folder, with the user's own Jupyter config folder out of the way."""
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "user-config"))
    course = tmp_path / "course"
    course.mkdir()
    return course


def test_default_is_sqlite_in_the_course(isolated_config: Path) -> None:
    """Without a db_url, is the gradebook gradebook.db (SQLite) in the course folder?"""
    assert gradebook_url(isolated_config) == f"sqlite:///{isolated_config / 'gradebook.db'}"


def test_course_config_db_url_wins(isolated_config: Path) -> None:
    """With db_url set in the course's nbgrader_config.py, is that URL used (e.g. PostgreSQL)?"""
    url = "postgresql+psycopg://grader@/gradebook?host=/run/postgresql"
    (isolated_config / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.db_url = {url!r}\n", encoding="utf-8"
    )
    assert gradebook_url(isolated_config) == url


def test_user_config_applies_when_the_course_is_silent(isolated_config: Path) -> None:
    """Is a db_url in the user's Jupyter config folder honoured, as nbgrader itself does?"""
    user = isolated_config.parent / "user-config"
    user.mkdir()
    (user / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.db_url = 'sqlite:////srv/course/gradebook.db'\n",
        encoding="utf-8",
    )
    assert gradebook_url(isolated_config) == "sqlite:////srv/course/gradebook.db"
