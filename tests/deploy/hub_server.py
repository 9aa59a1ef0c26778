"""The course's JupyterHub, set up and started for a test as deploy/jupyterhub/README.md does.

Root only. What the guide installs, from the guide's own files, with a test's names:

- Unix accounts with passwords (PAM logins): a grader account, instructors, students, and the
  two course groups (test-named; ``jupyterhub_config.py`` reads the names from ``IAMLAB_HUB_*``);
- the exchange made by ``setup-exchange.sh``; everyone's settings from ``etc-jupyter/`` (shown
  at /usr/local/etc/jupyter in the hub's private mount namespace, so nothing on the machine
  changes; the exchange's folder is the test's); the grader's ``grader-jupyter/`` in its home,
  with the gradebook's PostgreSQL URL filled in; the course directory in the grader's home;
- the hub started with the command, working directory and PATH of ``jupyterhub.service`` and
  the config file ``deploy/jupyterhub/jupyterhub_config.py`` itself. Command-line options
  move what must not collide on a shared machine: the ports (all on 127.0.0.1), the hub's
  database and cookie secret (into the test's folder).

:data:`USED` records which of the guide's files, settings and commands this module uses;
``test_hub_guide.py`` compares it with the guide.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import course_material as course
import requests
from unix_accounts import Account, Accounts, Runner

DEPLOY = course.ROOT / "deploy" / "jupyterhub"
UNIT = DEPLOY / "jupyterhub.service"
CONFIG = DEPLOY / "jupyterhub_config.py"
COURSE_FOLDER = "iam-study-lab"  # the course directory's name in the grader's home (the guide's)
UNIT_ENV_BIN = "/opt/iamlab/venv/bin"
UNIT_CONFIG = "/etc/jupyterhub/jupyterhub_config.py"
LOCAL = "127.0.0.1"

# The guide's files and commands this harness (and the tests on it) use.
USED = {
    "files": {
        "jupyterhub_config.py",
        "jupyterhub.service",
        "setup-exchange.sh",
        "etc-jupyter/",
        "grader-jupyter/",
        "etc-jupyter/nbgrader_config.py",
        "grader-jupyter/nbgrader_config.py",
    },
    "commands": {"groupadd", "useradd", "chpasswd", "chmod 0700 /home/*", "setup-exchange.sh"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCAL, 0))
        return int(s.getsockname()[1])


def unit_settings(unit: Path = UNIT) -> tuple[list[str], str, dict[str, str]]:
    """The systemd unit's ExecStart (split), WorkingDirectory and Environment."""
    text = unit.read_text(encoding="utf-8")
    values = dict(re.findall(r"^(ExecStart|WorkingDirectory)=(.*)$", text, re.MULTILINE))
    env = dict(line.split("=", 1) for line in re.findall(r"^Environment=(.*)$", text, re.MULTILINE))
    return shlex.split(values["ExecStart"]), values["WorkingDirectory"], env


@dataclass
class Site:
    """One course's hub on this machine: its accounts, folders and the running hub."""

    base: Path
    accounts: Accounts
    grader: Account
    instructors: list[Account]
    students: list[Account]
    passwords: dict[str, str]
    groups: dict[str, str]  # "students" / "instructors" -> the Unix group's name
    exchange: Path
    course_dir: Path
    system_config: Path
    runner: Runner
    db_url: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{LOCAL}:{self.port}"

    @property
    def hub_dir(self) -> Path:
        return self.base / "srv" / "jupyterhub"

    def environment(self) -> dict[str, str]:
        _, _, unit_env = unit_settings()
        venv_bin = str(Path(sys.executable).parent)
        return {
            **{k: v.replace(UNIT_ENV_BIN, venv_bin) for k, v in unit_env.items()},
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "IAMLAB_HUB_GRADER": self.grader.name,
            "IAMLAB_HUB_COURSE_DIR": str(self.course_dir),
            "IAMLAB_HUB_ENV_BIN": venv_bin,
            "IAMLAB_HUB_FORMGRADER_PORT": str(self.formgrader_port),
            "IAMLAB_HUB_STUDENTS_GROUP": self.groups["students"],
            "IAMLAB_HUB_INSTRUCTORS_GROUP": self.groups["instructors"],
            "IAMLAB_HUB_GRADERS": ",".join(a.name for a in self.instructors),
        }

    formgrader_port: int = field(default_factory=free_port)
    # the hub's own API and the proxy's: the same across restarts (the servers know them)
    hub_api_port: int = field(default_factory=free_port)
    proxy_api_port: int = field(default_factory=free_port)
    exchange_mounted: bool = False

    def argv(self) -> list[str]:
        exec_start, _, _ = unit_settings()
        venv_bin = str(Path(sys.executable).parent)
        command = [
            arg.replace(UNIT_ENV_BIN, venv_bin).replace(UNIT_CONFIG, str(CONFIG))
            for arg in exec_start
        ]
        command += [
            f"--JupyterHub.bind_url=http://{LOCAL}:{self.port}",
            f"--JupyterHub.hub_bind_url=http://{LOCAL}:{self.hub_api_port}",
            f"--ConfigurableHTTPProxy.api_url=http://{LOCAL}:{self.proxy_api_port}",
            f"--JupyterHub.cookie_secret_file={self.hub_dir / 'jupyterhub_cookie_secret'}",
            f"--JupyterHub.db_url=sqlite:///{self.hub_dir / 'jupyterhub.sqlite'}",
        ]
        env = [f"{k}={v}" for k, v in self.environment().items()]
        script = self.runner.exposure.shell(self.runner.stage) + '\nexec "$@"'
        return [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            script,
            "iamlab-hub",
            "env",
            "-i",
            "-C",
            str(self.hub_dir),
            *env,
            *command,
        ]

    def start(self, timeout: float = 120) -> None:
        """Start the hub (and, through it, the proxy and the formgrader service)."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("the hub is already running")
        self.hub_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.log = self.base / f"hub-{int(time.time() * 1000)}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.argv(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/hub/api/", timeout=5).ok:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"the hub did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 60) -> None:
        """Stop the hub; it stops the proxy, the users' servers and the service."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)

    def server_pids(self) -> dict[str, int]:
        """Each user's server process, from the hub's database (the spawner's state)."""
        import json as json_module
        import sqlite3

        with sqlite3.connect(self.hub_dir / "jupyterhub.sqlite") as db:
            rows = db.execute(
                "SELECT users.name, spawners.state FROM spawners "
                "JOIN users ON users.id = spawners.user_id WHERE spawners.server_id IS NOT NULL"
            ).fetchall()
        return {name: int(json_module.loads(state or "{}").get("pid", 0)) for name, state in rows}

    def log_tail(self, lines: int = 60) -> str:
        if self.log is None or not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        try:
            self.stop()
        finally:
            try:
                self.accounts.close()
            finally:
                if self.exchange_mounted:
                    subprocess.run(["umount", "--lazy", str(self.exchange)], check=False)


def _world_readable_dir(path: Path, mode: int = 0o755) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(mode)
    return path


def copy_config(source: Path, dest: Path, uid: int = 0, gid: int = 0) -> None:
    """Copy one of the guide's config folders as `cp -r` would: folders 0755, files 0644."""
    shutil.copytree(source, dest, dirs_exist_ok=True)
    course.chown_tree(dest, uid, gid)
    for parent, dirs, files in os.walk(dest):
        for name in dirs:
            Path(parent, name).chmod(0o755)
        for name in files:
            Path(parent, name).chmod(0o644)
    dest.chmod(0o755)


def set_up(
    base: Path, *, students: int, instructors: int, db_url: str, exchange_size: str | None = None
) -> Site:
    """Steps 2 to 6 of the guide in ``base``: accounts, exchange, settings, course directory."""
    _world_readable_dir(base / "home")
    accounts = Accounts(base / "home")
    try:
        grader = accounts.add("grader")
        teachers = [accounts.add(f"i{i}") for i in range(1, instructors + 1)]
        learners = [accounts.add(f"s{i}") for i in range(1, students + 1)]
        passwords = {}
        for account in [*teachers, *learners]:
            passwords[account.name] = secrets.token_urlsafe(12)
            accounts.set_password(account, passwords[account.name])
        groups = {
            "students": accounts.add_group("students", learners),
            "instructors": accounts.add_group("instructors", teachers),
        }
        exchange = base / "srv" / "nbgrader" / "exchange"
        _world_readable_dir(exchange.parent)
        if exchange_size is not None:  # a small disk of its own (the disk-full fault)
            exchange.mkdir()
            subprocess.run(
                [
                    "mount",
                    "-t",
                    "tmpfs",
                    "-o",
                    f"size={exchange_size}",
                    "iamlab-exchange",
                    exchange,
                ],
                check=True,
                timeout=60,
            )
        system_config = base / "etc-jupyter"
        copy_config(DEPLOY / "etc-jupyter", system_config)
        with (system_config / "nbgrader_config.py").open("a", encoding="utf-8") as f:
            f.write(f"\n# the test's exchange\nc.Exchange.root = {str(exchange)!r}\n")
        subprocess.run(
            [str(DEPLOY / "setup-exchange.sh"), str(exchange), course.course_id(), grader.name],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        course_dir = grader.home / COURSE_FOLDER
        course.copy_course(course_dir)
        course.chown_tree(grader.home, grader.uid, grader.gid)
        jupyter_dir = grader.home / ".jupyter"
        copy_config(DEPLOY / "grader-jupyter", jupyter_dir, grader.uid, grader.gid)
        with (jupyter_dir / "nbgrader_config.py").open("a", encoding="utf-8") as f:
            f.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
        stage = base / ".stage"
        stage.mkdir(mode=0o700)
        runner = Runner(stage=stage, system_config=system_config)
        return Site(
            base=base,
            accounts=accounts,
            grader=grader,
            instructors=teachers,
            students=learners,
            passwords=passwords,
            groups=groups,
            exchange=exchange,
            course_dir=course_dir,
            system_config=system_config,
            runner=runner,
            db_url=db_url,
            exchange_mounted=exchange_size is not None,
        )
    except BaseException:
        accounts.close()
        if exchange_size is not None:
            subprocess.run(["umount", "--lazy", str(base / "srv/nbgrader/exchange")], check=False)
        raise


def require_root_and_tools() -> None:
    """Skip (fail under CI) where a hub cannot be set up: not root, or a tool missing."""
    from must_run import skip_unless_ci
    from postgres_server import server_binaries
    from unix_accounts import missing_tools

    if os.geteuid() != 0:
        skip_unless_ci("the hub tests create Unix accounts and run a hub as root (CI does)")
    missing = missing_tools() + [
        tool
        for tool in ("configurable-http-proxy", "chpasswd", "groupadd")
        if not shutil.which(tool)
    ]
    if missing:
        skip_unless_ci(
            f"the hub tests need {', '.join(missing)} "
            "(npm install -g configurable-http-proxy; passwd)"
        )
    if server_binaries() is None:
        skip_unless_ci("the hub tests need PostgreSQL (apt-get install postgresql)")


@contextlib.contextmanager
def running_site(
    *, students: int, instructors: int = 1, exchange_size: str | None = None
) -> Iterator[Site]:
    """A PostgreSQL gradebook, the guide's set-up and the hub, started; all removed after."""
    from postgres_server import running_postgres
    from unix_accounts import sweep_stale_accounts

    require_root_and_tools()
    sweep_stale_accounts()
    base = _world_readable_dir(Path(tempfile.mkdtemp(prefix="iamlab-hub-", dir="/tmp")))
    try:
        pg = _world_readable_dir(base / "pg")
        with running_postgres(pg) as db_url:
            site = set_up(
                base,
                students=students,
                instructors=instructors,
                db_url=db_url,
                exchange_size=exchange_size,
            )
            try:
                site.start()
                yield site
            finally:
                site.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)
