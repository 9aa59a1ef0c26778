"""A real, throwaway PostgreSQL server for the gradebook tests.

It listens on a unix socket in a temporary folder only (no TCP), trusts local connections,
and keeps nothing: the data folder is removed when the server stops. PostgreSQL refuses to
run as root, so under root the server runs as a test-only account (removed afterwards, see
:mod:`unix_accounts`); otherwise as the user running the tests.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from unix_accounts import Account, Accounts, sweep_stale_accounts

SUPERUSER = "gradebook"
DATABASE = "gradebook"


def server_binaries() -> Path | None:
    """The folder of the newest installed PostgreSQL's initdb and pg_ctl (Debian's layout first)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)],
    )
    for folder in reversed(candidates):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _as(account: Account | None, argv: list[str]) -> list[str]:
    if account is None:
        return argv
    return [
        "setpriv",
        f"--reuid={account.uid}",
        f"--regid={account.gid}",
        "--init-groups",
        "--",
        "env",
        "-i",
        f"HOME={account.home}",
        f"USER={account.name}",
        "PATH=/usr/bin:/bin",
        "LANG=C.UTF-8",
        *argv,
    ]


def _run(argv: list[str], timeout: float = 120) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv[-6:])} failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )


@contextmanager
def running_postgres(base: Path) -> Iterator[str]:
    """Start a server in ``base`` (a folder others can enter); yield a URL to its database."""
    binaries = server_binaries()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL's initdb and pg_ctl are not installed")
    with ExitStack() as stack:
        account: Account | None = None
        if os.geteuid() == 0:
            sweep_stale_accounts()
            homes = base / "home"
            homes.mkdir(mode=0o755)
            account = stack.enter_context(Accounts(homes)).add("pg")
        data, socket_dir, log = base / "data", base / "socket", base / "server.log"
        for folder in (data, socket_dir):
            folder.mkdir(mode=0o700)
            if account is not None:
                os.chown(folder, account.uid, account.gid)
        socket_dir.chmod(0o755)
        if account is not None:
            log.touch()
            os.chown(log, account.uid, account.gid)
        _run(
            _as(
                account,
                [
                    str(binaries / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    SUPERUSER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            )
        )
        options = _options(socket_dir)
        _run(
            _as(
                account,
                [
                    str(binaries / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ],
            )
        )
        stack.callback(_stop, binaries, account, data)
        import psycopg

        with psycopg.connect(
            host=str(socket_dir), dbname="postgres", user=SUPERUSER, autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        yield f"postgresql+psycopg://{SUPERUSER}@/{DATABASE}?host={socket_dir}"


def _options(socket_dir: Path) -> str:
    return (
        f"-k {socket_dir} -c listen_addresses='' -c fsync=off "
        "-c full_page_writes=off -c synchronous_commit=off"
    )


def _stop(binaries: Path, account: Account | None, data: Path) -> None:
    done = subprocess.run(
        _as(
            account,
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "-w",
                "-t",
                "60",
                "stop",
            ],
        ),
        capture_output=True,
        timeout=90,
        check=False,
    )
    pid_file = data / "postmaster.pid"
    if done.returncode != 0 and pid_file.exists():
        pid = int(pid_file.read_text().split()[0])  # the server's own pid, nothing else
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def restart_postgres(base: Path, down: float = 0) -> None:
    """Stop the server of ``running_postgres(base)`` at once (as a crash), ``down`` seconds.

    Then start it again with the same options, as the data folder's owner (the test account
    under root).
    """
    import pwd
    import time

    binaries = server_binaries()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL's pg_ctl is not installed")
    data = base / "data"
    account = None
    if os.geteuid() == 0:
        entry = pwd.getpwuid(data.stat().st_uid)
        account = Account(
            name=entry.pw_name, uid=entry.pw_uid, gid=entry.pw_gid, home=Path(entry.pw_dir)
        )
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-w", "-t", "60"]
    _run(_as(account, [*pg_ctl, "-m", "immediate", "stop"]))
    time.sleep(down)
    log = str(base / "server.log")
    _run(_as(account, [*pg_ctl, "-l", log, "-o", _options(base / "socket"), "start"]))
