"""Which gradebook a course uses: nbgrader's own setting, SQLite or PostgreSQL.

nbgrader reads ``CourseDirectory.db_url`` from its configuration files (every folder of
Jupyter's config path, then the course directory); when none sets it, the gradebook is
``gradebook.db`` (SQLite) in the course directory. The course's own steps (zero-scoring an
unreadable submission, the class report, the example scores) open the same gradebook.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_core.paths import jupyter_config_path
from traitlets.config import Config
from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader


def gradebook_url(course: Path) -> str:
    """The database URL nbgrader uses for the course in ``course``."""
    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(course)]:
        try:
            loaded = PyFileConfigLoader("nbgrader_config.py", path=folder).load_config()
        except ConfigFileNotFound:
            continue
        config.merge(loaded)
    url = config.get("CourseDirectory", {}).get("db_url")
    if isinstance(url, str) and url:
        return url
    return f"sqlite:///{course.resolve() / 'gradebook.db'}"
