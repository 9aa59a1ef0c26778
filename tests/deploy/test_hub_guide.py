"""The guide's steps are the tests' steps: deploy/jupyterhub/README.md names nothing they skip.

Every file of deploy/jupyterhub/, every shell command of the guide's code blocks, every
``c.Section.setting`` and every ``nbgrader`` command of "Running a term" must be used by the
hub tests (``hub_server.py``, ``test_hub.py``) or the term test (``test_term.py``), or be
listed in :data:`NOT_RUN` with the reason, which the guide's "What the tests prove" repeats.
A step added to the guide and to no test fails here; so does a stale :data:`NOT_RUN` entry.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import course_material as course
import hub_server
import pytest
import test_hub

HERE = Path(__file__).resolve().parent
HUB = course.ROOT / "deploy" / "jupyterhub"
GUIDE = HUB / "README.md"

# What the guide names and the tests cannot run here, with the reason (the guide says it too).
NOT_RUN = {
    "scale-out.md": "a document, not an installed file",
    "apt-get": "the system packages: .ci/run installs them before the tests",
    "npm": "configurable-http-proxy: .ci/run installs it before the tests",
    "python3": "the course's venv: the tests run in the project's .venv (make venv)",
    "/opt/iamlab/venv/bin/pip": "the course's venv: the tests run in the project's .venv",
    "systemctl": "no systemd under the tests: the hub runs the unit's ExecStart in its "
    "WorkingDirectory with its Environment instead",
    "sudo": "PostgreSQL's createuser/createdb: the tests start their own throwaway server "
    "(postgres_server.py) with its own role and database",
    "c.JupyterHub.ssl_cert": "no certificate: the tests serve plain HTTP on 127.0.0.1",
    "c.JupyterHub.ssl_key": "no certificate: the tests serve plain HTTP on 127.0.0.1",
}

# The guide's shell commands the set-up runs, and what does it (unix_accounts, hub_server).
SHELL = {
    "groupadd": "Accounts.add_group runs groupadd",
    "useradd": "Accounts.add runs useradd",
    "passwd": "Accounts.set_password runs chpasswd (the guide's alternative)",
    "chmod": "Accounts.add closes each home (0700)",
    "sh": "set_up runs setup-exchange.sh",
    "mkdir": "copy_config makes the folders",
    "cp": "copy_config copies etc-jupyter/ and grader-jupyter/ as cp -r does",
    "cd": "the course directory is the grader's, as the guide's",
    "git": "course.copy_course copies the course's files (a clone's content)",
    "chown": "course.chown_tree gives the grader account its home",
}


def strings_in(*modules: Path) -> set[str]:
    """Every string constant in these Python files (what they name and run)."""
    found: set[str] = set()
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def guide_shell_commands(text: str) -> set[str]:
    commands = set()
    for block in code_blocks(text):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith(("/opt/iamlab/venv/ ", "c.", '"', ")")) or "  " in line:
                continue  # the folder tree and the Python snippet are not commands
            for part in re.split(r"\s*(?:&&|;)\s*", line):
                if part:
                    commands.add(part.split()[0])
    return commands


def guide_settings(text: str) -> set[str]:
    return set(re.findall(r"\bc\.[A-Z]\w*\.\w+", text))


def guide_nbgrader_commands(text: str) -> set[str]:
    term = text.split("## Running a term", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`nbgrader (\w+)", term))


def settings_set_by(*files: Path) -> set[str]:
    found = set()
    for file in files:
        found |= set(re.findall(r"^\s*(c\.[A-Z]\w*\.\w+)\s*=", file.read_text(), re.MULTILINE))
    return found


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_every_file_the_guide_installs_is_used(guide: str) -> None:
    """Is each file or folder of deploy/jupyterhub/ that the guide names one the tests use?"""
    used = strings_in(HERE / "hub_server.py", HERE / "test_term.py")
    named = {p.name for p in HUB.iterdir() if p.name != "README.md" and p.name in guide}
    unused = {n for n in named if n not in used and n not in NOT_RUN}
    assert unused == set(), f"the guide names {unused}, which no test uses"
    assert {f.rstrip("/") for f in hub_server.USED["files"] if "/" not in f.rstrip("/")} <= used


def test_every_shell_command_of_the_guide_is_run_or_said_why_not(guide: str) -> None:
    """Does the set-up do each command of the guide's code blocks (or say why it cannot)?"""
    commands = guide_shell_commands(guide)
    assert {"groupadd", "useradd", "sh", "systemctl"} <= commands, "the parser lost the steps"
    unexplained = commands - set(SHELL) - set(NOT_RUN)
    assert unexplained == set(), f"the guide runs {unexplained}, which the tests do not"
    ran = strings_in(HERE / "unix_accounts.py", HERE / "hub_server.py")
    for tool in ("groupadd", "useradd", "chpasswd"):
        assert tool in ran, f"{tool}: {SHELL.get(tool, tool)}, but no test module runs it"


def test_every_setting_the_guide_names_is_set_in_the_files_the_hub_loads(guide: str) -> None:
    """Is each c.X.y of the guide set by a file the hub test loads (or said why not)?"""
    loaded = settings_set_by(
        HUB / "jupyterhub_config.py",
        HUB / "etc-jupyter" / "nbgrader_config.py",
        HUB / "grader-jupyter" / "nbgrader_config.py",
    )
    # the hub test sets the gradebook URL in the grader's nbgrader_config.py, as the guide says
    loaded.add("c.CourseDirectory.db_url")
    named = guide_settings(guide)
    assert "c.CourseDirectory.db_url" in named, "the parser lost the gradebook's URL"
    missing = named - loaded - set(NOT_RUN)
    assert missing == set(), f"the guide names {missing}, which the hub does not load"


def test_every_step_of_a_term_is_done_by_a_test(guide: str) -> None:
    """Is each nbgrader command of "Running a term" done by the browser test or the term test?"""
    commands = guide_nbgrader_commands(guide)
    assert {"collect", "autograde", "submit"} <= commands, "the parser lost the table"
    by_button = set(test_hub.BUTTONS.values())
    by_cli = strings_in(HERE / "test_term.py")
    missing = {c for c in commands if c not in by_button and c not in by_cli}
    assert missing == set(), f"no test runs nbgrader {missing}"
    assert by_button >= {"generate_assignment", "release_assignment", "fetch_assignment"}


def test_what_is_not_run_is_named_by_the_guide_and_said_in_it(guide: str) -> None:
    """Is every NOT_RUN entry still in the guide, and its reason in "What the tests prove"?"""
    proves = guide.split("## What the tests prove", 1)[1].split("\n## ", 1)[0]
    for name in NOT_RUN:
        assert name in guide, f"NOT_RUN lists {name}, which the guide no longer names"
        assert name.split("/")[-1].removeprefix("c.JupyterHub.") in proves, (
            f"'What the tests prove' does not say that {name} is not run"
        )
