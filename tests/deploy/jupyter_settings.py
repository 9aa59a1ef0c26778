"""What Jupyter itself makes of a set of config folders: nbgrader's plugins and extensions.

Both are read the way Jupyter reads them when it starts, so the precedence of the user's,
the environment's and the system-wide folders is Jupyter's own, not re-implemented here.
"""

from __future__ import annotations

import re

NBGRADER_LAB = "@jupyter/nbgrader"
LAB_PLUGINS = {
    f"{NBGRADER_LAB}:{name}"
    for name in (
        "validate-assignment",
        "assignment-list",
        "course-list",
        "formgrader",
        "create-assignment",
        "menu",
    )
}
SERVER_EXTENSIONS = {
    f"nbgrader.server_extensions.{name}"
    for name in ("validate_assignment", "assignment_list", "course_list", "formgrader")
}


def lab(*names: str) -> set[str]:
    return {f"{NBGRADER_LAB}:{name}" for name in names}


def server(*names: str) -> set[str]:
    return {f"nbgrader.server_extensions.{name}" for name in names}


# `python -c` this: prints {extension: enabled} as the Jupyter server would load them.
EFFECTIVE_SERVER_EXTENSIONS = """
import json
from jupyter_server.serverapp import ServerApp
app = ServerApp()
app.parse_command_line([])
app.load_config_file()
app.find_server_extensions()
print(json.dumps({k: bool(v) for k, v in app.jpserver_extensions.items()}))
"""


def enabled_server_extensions(printed: str) -> set[str]:
    """The nbgrader server extensions switched on, from EFFECTIVE_SERVER_EXTENSIONS' output."""
    import json

    return {k for k, on in json.loads(printed).items() if on and k in SERVER_EXTENSIONS}


def disabled_lab_plugins(listing: str) -> set[str]:
    """The nbgrader plugins under "Disabled extensions:" in `jupyter labextension list`."""
    if "Disabled extensions:" not in listing:
        return set()
    section = listing.split("Disabled extensions:", 1)[1]
    return set(re.findall(r"^\s+(@jupyter/nbgrader:[a-z-]+)\s*$", section, re.MULTILINE))
