"""Test-only Unix accounts, and running a command as one of them (root only).

Accounts are named ``iamlab-t-<token>-<role>`` and record the test's process id in their
comment field, so that accounts left behind by a test that was killed can be recognised and
removed by the next run (:func:`sweep_stale_accounts`). :class:`Accounts` removes its own
accounts, their processes and their homes when it closes, whatever happened before.

The accounts run the project's own interpreter and venv. Each command runs in a private mount
namespace (:class:`Runner`): where the interpreter, the venv or the package source live
somewhere another user cannot reach (a pyenv Python under ``/root``, a clone in root's home),
the folder that blocks the way is covered by an empty read-only tmpfs and only those folders
are bound back, read-only, at their own paths; and the test's system-wide Jupyter config is
shown at /usr/local/etc/jupyter. Nothing on the machine changes mode or content.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PREFIX = "iamlab-t-"
COMMENT = "iamlab test account, pid {pid}"
COMMENT_PID = re.compile(r"^iamlab test account, pid (\d+)$")
TOOLS = ("useradd", "userdel", "setpriv", "unshare", "mount", "env")


@dataclass(frozen=True, kw_only=True)
class Account:
    name: str
    uid: int
    gid: int
    home: Path


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


# ---------------------------------------------------------------- accounts


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _zombie(proc: Path) -> bool:
    stat_line = (proc / "stat").read_text()
    return stat_line.rsplit(")", 1)[1].split()[0] == "Z"


def _kill_processes_of(uid: int) -> None:
    """SIGKILL each process (by its pid) that runs as ``uid``: test accounts only."""
    for _ in range(20):
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    # a zombie is dead already: only its parent can reap it
                    if entry.stat().st_uid == uid and not _zombie(entry):
                        pids.append(int(entry.name))
                except OSError:
                    continue
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def remove_account(name: str) -> None:
    """Remove a test account, its processes, its home and its own group."""
    if not name.startswith(PREFIX):
        raise ValueError(f"refusing to remove {name!r}: not a test account")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    _kill_processes_of(entry.pw_uid)
    subprocess.run(["userdel", "--remove", name], capture_output=True, check=False, timeout=60)
    shutil.rmtree(entry.pw_dir, ignore_errors=True)


def sweep_stale_accounts() -> list[str]:
    """Remove the test accounts whose test process is gone; return their names."""
    removed = []
    for entry in pwd.getpwall():
        match = COMMENT_PID.match(entry.pw_gecos)
        if entry.pw_name.startswith(PREFIX) and match and not _pid_alive(int(match[1])):
            remove_account(entry.pw_name)
            removed.append(entry.pw_name)
    # a test's extra groups (Accounts.add_group) left with no member and nobody's own group
    primary = {entry.pw_gid for entry in pwd.getpwall()}
    for group in grp.getgrall():
        if group.gr_name.startswith(PREFIX) and not group.gr_mem and group.gr_gid not in primary:
            subprocess.run(
                ["groupdel", group.gr_name], capture_output=True, check=False, timeout=60
            )
            removed.append(group.gr_name)
    return removed


class Accounts:
    """Creates test accounts under ``homes``; ``close()`` removes every one of them."""

    def __init__(self, homes: Path) -> None:
        self.homes = homes
        self.token = secrets.token_hex(2)
        self.created: list[str] = []
        self.groups: list[str] = []

    def add(self, role: str) -> Account:
        name = f"{PREFIX}{self.token}-{role}"
        home = self.homes / name
        # the name goes into `created` first: close() then removes it even if useradd half-failed
        self.created.append(name)
        subprocess.run(
            [
                "useradd",
                "--create-home",
                "--home-dir",
                str(home),
                "--shell",
                "/bin/sh",
                "--user-group",
                "--comment",
                COMMENT.format(pid=os.getpid()),
                name,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        home.chmod(0o700)  # as the guide asks: homes closed to other users
        entry = pwd.getpwnam(name)
        return Account(name=name, uid=entry.pw_uid, gid=entry.pw_gid, home=home)

    def add_group(self, role: str, members: Iterable[Account]) -> str:
        """A Unix group ``iamlab-t-<token>-<role>`` with ``members``; removed by close()."""
        name = f"{PREFIX}{self.token}-{role}"
        self.groups.append(name)
        users = ",".join(m.name for m in members)
        subprocess.run(
            ["groupadd", *(["--users", users] if users else []), name],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return name

    def set_password(self, account: Account, password: str) -> None:
        """Give ``account`` a password (PAM logins, as the guide's `chpasswd`)."""
        subprocess.run(
            ["chpasswd"],
            input=f"{account.name}:{password}\n",
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def close(self) -> None:
        errors = []
        for group in reversed(self.groups):
            done = subprocess.run(["groupdel", group], capture_output=True, text=True, timeout=60)
            if done.returncode not in (0, 6):  # 6: no such group
                errors.append(f"{group}: {done.stderr.strip()}")
        self.groups.clear()
        for name in reversed(self.created):
            try:
                remove_account(name)
            except Exception as error:  # keep removing the others
                errors.append(f"{name}: {error}")
        self.created.clear()
        if errors:
            raise RuntimeError("could not remove test accounts: " + "; ".join(errors))

    def __enter__(self) -> Accounts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- reaching the venv


def python_folders() -> list[Path]:
    """The folders a user needs to run this interpreter, its venv and an editable iamlab."""
    import iamlab

    folders = [
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(os.path.realpath(sys.executable)).parents[1],
        Path(iamlab.__file__).resolve().parents[1],
    ]
    resolved: list[Path] = []
    for folder in folders:
        real = Path(os.path.realpath(folder))
        if real not in resolved:
            resolved.append(real)
    return [p for p in resolved if not any(p != q and p.is_relative_to(q) for q in resolved)]


def first_closed_folder(path: Path) -> Path | None:
    """The outermost folder on the way to ``path`` that others cannot pass, or None."""
    for folder in [*reversed(Path(path).parents), Path(path)]:
        if folder != Path("/") and not folder.stat().st_mode & stat.S_IXOTH:
            return folder
    return None


@dataclass(frozen=True, kw_only=True)
class Exposure:
    """Folders to cover with an empty tmpfs, and what to bind read-only under each.

    ``covers`` maps a folder to the (source, target) pairs bound inside it; for the Python
    folders source and target are the same path.
    """

    covers: Mapping[Path, tuple[tuple[Path, Path], ...]]

    @classmethod
    def plan(cls, folders: Iterable[Path], extra: Mapping[Path, tuple[Path, Path]]) -> Exposure:
        covers: dict[Path, list[tuple[Path, Path]]] = {}
        for folder in folders:
            closed = first_closed_folder(folder)
            if closed is not None:
                covers.setdefault(closed, []).append((folder, folder))
        for cover, pair in extra.items():
            covers.setdefault(cover, []).append(pair)
        return cls(covers={k: tuple(v) for k, v in covers.items()})

    def shell(self, stage: Path) -> str:
        """Shell commands (run as root inside the new mount namespace) that set it up."""
        q = shlex.quote
        lines = ["set -eu"]
        staged: list[tuple[Path, Path]] = []
        for pairs in self.covers.values():
            for source, target in pairs:
                slot = stage / str(len(staged))
                staged.append((slot, target))
                lines.append(f"mount --bind {q(str(source))} {q(str(slot))}")
        for cover in self.covers:
            lines.append(f"mount -t tmpfs -o mode=0755,size=64k iamlab-cover {q(str(cover))}")
        for slot, target in staged:
            t = q(str(target))
            lines += [
                f"mkdir -p {t}",
                f"mount --bind {q(str(slot))} {t}",
                f"mount -o remount,bind,ro {t}",
            ]
        for cover in self.covers:
            lines.append(f"mount -o remount,ro {q(str(cover))}")
        return "\n".join(lines)

    def slots(self) -> int:
        return sum(len(v) for v in self.covers.values())


class Runner:
    """Runs commands as test accounts, with the venv's tools first on PATH.

    ``system_config`` is shown to them as /usr/local/etc/jupyter, the first system-wide Jupyter
    config folder (the lowest priority, below the user's and the environment's): it stands for
    the folder the guide installs deploy/jupyterhub/etc-jupyter/ into.
    """

    SYSTEM_CONFIG = Path("/usr/local/etc/jupyter")

    def __init__(self, *, stage: Path, system_config: Path) -> None:
        self.exposure = Exposure.plan(
            python_folders(), {self.SYSTEM_CONFIG.parent: (system_config, self.SYSTEM_CONFIG)}
        )
        self.stage = stage
        for i in range(self.exposure.slots()):
            (stage / str(i)).mkdir(parents=True, exist_ok=True)
        self.venv_bin = Path(sys.executable).parent

    def env(self, account: Account, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {
            "HOME": str(account.home),
            "USER": account.name,
            "LOGNAME": account.name,
            "SHELL": "/bin/sh",
            "LANG": "C.UTF-8",
            "PATH": f"{self.venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
            **(extra or {}),
        }

    def argv(
        self,
        account: Account,
        command: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
    ) -> list[str]:
        as_user = [
            "setpriv",
            f"--reuid={account.uid}",
            f"--regid={account.gid}",
            "--init-groups",
            "--",
            "env",
            "-i",
            "-C",
            str(cwd),
            *(f"{k}={v}" for k, v in self.env(account, env).items()),
            *command,
        ]
        script = self.exposure.shell(self.stage) + '\nexec "$@"'
        return [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            script,
            "iamlab-as-user",
            *as_user,
        ]

    def run(
        self,
        account: Account,
        command: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 300,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        argv = self.argv(account, command, cwd=cwd or account.home, env=env)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(
                f"as {account.name} in {cwd or account.home}: {shlex.join(command)} "
                f"exited {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n"
                f"--- stderr\n{done.stderr[-6000:]}"
            )
        return done
