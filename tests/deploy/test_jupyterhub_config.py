"""The JupyterHub guide's files agree with each other and with the course.

The hub, the system-wide and the grader's settings, the exchange script and the systemd unit
each repeat a few names (the course id, the grader account, the exchange folder, the
environment); a rename in one file and not the others would break a real deployment in ways
no single file shows. test_term.py runs these files for real; this checks what it cannot
(the hub's own config) and is cheap enough to run everywhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from course_material import course_config, course_id
from nbgrader.exchange.default.collect import ExchangeCollect

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "deploy" / "jupyterhub"
SETUP_EXCHANGE = HUB / "setup-exchange.sh"


@pytest.fixture(scope="module")
def hub() -> Any:
    return course_config(HUB / "jupyterhub_config.py")


def script_defaults() -> dict[str, str]:
    """The defaults setup-exchange.sh gives its three arguments."""
    text = SETUP_EXCHANGE.read_text(encoding="utf-8")
    return dict(re.findall(r'^(\w+)="\$\{\d:-([^}]*)\}"$', text, re.MULTILINE))


def test_the_formgrader_service_is_the_course(hub: Any) -> None:
    """Is the formgrader service named after the course, run as its grader, in its directory?"""
    (service,) = hub.JupyterHub.services
    defaults = script_defaults()
    assert service["name"] == course_id() == defaults["course"]
    assert service["user"] == defaults["grader"]
    assert service["cwd"] == f"/home/{defaults['grader']}/{course_id()}"
    assert service["environment"]["JUPYTERHUB_DEFAULT_URL"] == "/lab"
    assert service["url"].startswith("http://127.0.0.1:")


def test_graders_and_only_graders_reach_the_formgrader(hub: Any) -> None:
    """Does exactly one role grant access to the service, to the formgrade group only?"""
    (service,) = hub.JupyterHub.services
    roles = [
        r
        for r in hub.JupyterHub.load_roles
        if f"access:services!service={service['name']}" in r["scopes"]
    ]
    assert len(roles) == 1
    assert roles[0]["scopes"] == [f"access:services!service={service['name']}"]
    assert roles[0]["groups"] == [f"formgrade-{service['name']}"]
    assert not roles[0].get("users")


def test_hub_groups_come_from_login_not_from_hand_edits(hub: Any) -> None:
    """Does each login set the course's hub groups: formgrade- for GRADERS, nothing else here?"""
    assert hub.Authenticator.manage_groups is True
    hook = hub.Authenticator.post_auth_hook
    course = course_id()
    # instructor1 (GRADERS' default) has no Unix account on this machine: only the grader group
    assert hook(None, None, {"name": "instructor1"})["groups"] == [f"formgrade-{course}"]
    # root is in neither course group nor GRADERS
    assert hook(None, None, {"name": "root"})["groups"] == []


def test_each_server_may_read_its_own_users_groups_and_no_more(hub: Any) -> None:
    """Is the server role JupyterHub's default plus reading its own user's name and groups?"""
    (server,) = [r for r in hub.JupyterHub.load_roles if r["name"] == "server"]
    assert sorted(server["scopes"]) == sorted(
        [
            "users:activity!user",
            "access:servers!server",
            "read:users:name!user",
            "read:users:groups!user",
        ]
    )


def test_everything_runs_from_one_environment(hub: Any) -> None:
    """Do the hub, each server, the service and the systemd unit use the same environment?"""
    env_bin = str(Path(hub.Spawner.cmd[0]).parent)
    (service,) = hub.JupyterHub.services
    assert Path(service["command"][0]).parent == Path(env_bin)
    unit = (HUB / "jupyterhub.service").read_text(encoding="utf-8")
    assert f"ExecStart={env_bin}/jupyterhub " in unit
    assert f"PATH={env_bin}:" in unit
    assert hub.Spawner.environment["PATH"].startswith(f"{env_bin}:")
    assert hub.Spawner.default_url == "/lab"


def test_everyones_nbgrader_config_names_the_course_and_the_exchange() -> None:
    """Does the system-wide nbgrader_config.py use the course's id and the script's exchange?"""
    config = course_config(HUB / "etc-jupyter" / "nbgrader_config.py")
    assert config.CourseDirectory.course_id == course_id()
    assert config.Exchange.root == script_defaults()["root"]


def test_the_grader_collects_only_genuine_submissions() -> None:
    """Does the grader's config install the owner-checking collect, and leave SQLite the default?"""
    config = course_config(HUB / "grader-jupyter" / "nbgrader_config.py")
    collect = config.ExchangeFactory.collect
    assert isinstance(collect, type) and issubclass(collect, ExchangeCollect)
    assert collect is not ExchangeCollect
    assert "db_url" not in config.CourseDirectory


@pytest.mark.parametrize("path", sorted(p.relative_to(HUB) for p in HUB.rglob("*.json")), ids=str)
def test_json_settings_parse(path: Path) -> None:
    """Is each JSON settings file valid JSON with a known top-level key?"""
    data = json.loads((HUB / path).read_text(encoding="utf-8"))
    assert set(data) <= {"ServerApp", "disabledExtensions"}


def test_setup_exchange_is_an_executable_shell_script() -> None:
    """Is setup-exchange.sh executable, valid sh, and does it refuse to run unprivileged?"""
    assert os.access(SETUP_EXCHANGE, os.X_OK)
    subprocess.run(["sh", "-n", str(SETUP_EXCHANGE)], check=True, timeout=60)
    if os.geteuid() != 0:
        done = subprocess.run(
            [str(SETUP_EXCHANGE)], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 1 and "run as root" in done.stderr


def test_the_guide_names_every_file_it_installs() -> None:
    """Does deploy/jupyterhub/README.md mention each file of its folder?"""
    guide = (HUB / "README.md").read_text(encoding="utf-8")
    files = [p for p in HUB.iterdir() if p.name != "README.md"]
    absent = [p.name for p in files if p.name not in guide]
    assert absent == [], f"the guide does not mention {absent}"
    defaults = script_defaults()
    assert (
        f"setup-exchange.sh {defaults['root']} {defaults['course']} {defaults['grader']}" in guide
    )
