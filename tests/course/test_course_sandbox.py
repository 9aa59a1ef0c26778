"""The sandbox that students' kernels run in (iamlab.course.sandbox), tested directly.

The pipeline tests (test_course_pipeline.py) prove the same restrictions through nbgrader
autograde; these run one Python command in the sandbox each, so they are quick.
"""

from __future__ import annotations

import ast
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from iamlab.course import sandbox
from iamlab.course.sandbox import Limits, SandboxUnavailable, bwrap_argv, require_sandbox

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder with a gradebook, source/ and two students' submissions."""
    tmp_path.chmod(0o755)
    for rel in (
        "gradebook.db",
        "source/ps01/ps01.ipynb",
        "submitted/bob/ps01/ps01.ipynb",
        "submitted/alice/ps01/ps01.ipynb",
    ):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("secret", encoding="utf-8")
    for folder in tmp_path.rglob("*"):
        if folder.is_dir():
            folder.chmod(0o755)
    return tmp_path


def run_sandboxed(course: Path, code: str, limits: Limits | None = None) -> str:
    work = course / "submitted" / "alice" / "ps01"
    argv = bwrap_argv(
        [sys.executable, "-c", code], workdir=work, socket_dir=work, limits=limits or Limits()
    )
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    return done.stdout + done.stderr


@pytest.fixture
def listening_server() -> Iterator[int]:
    """A TCP server on the host's 127.0.0.1 that answers every connection with 'leak'."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"leak")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield port
    server.close()


def test_does_the_kernel_see_its_own_folder_and_nothing_else_of_the_course(course: Path) -> None:
    out = run_sandboxed(
        course,
        f"""
import os
print("own:", open("ps01.ipynb").read())
for path in ["{course}/gradebook.db", "{course}/source", "{course}/submitted/bob",
             "{ROOT}/source"]:
    print(path, "visible" if os.path.exists(path) else "hidden")
home = "{Path.home()}"
print("home:", sorted(os.listdir(home)) if os.path.isdir(home) else [])
""",
    )
    assert "own: secret" in out
    assert "visible" not in out, out
    # the home shows only the folders of the Python the kernel runs on (pyenv, uv ...), if any
    home = Path.home()
    needed = {
        p.resolve().relative_to(home).parts[0]
        for p in sandbox.python_paths()
        if p.resolve().is_relative_to(home)
    }
    seen = ast.literal_eval(out.split("home:")[1].strip())
    assert set(seen) <= needed, f"the sandbox shows {seen} of the instructor's home"


def test_is_the_submission_folder_read_only(course: Path) -> None:
    out = run_sandboxed(course, "open('other.ipynb', 'w')")
    assert "Read-only file system" in out or "Permission denied" in out


def test_is_there_no_network_not_even_the_hosts_loopback(
    course: Path, listening_server: int
) -> None:
    out = run_sandboxed(
        course,
        f"""
import socket
for address in [("127.0.0.1", {listening_server}), ("1.1.1.1", 53)]:
    try:
        print(socket.create_connection(address, timeout=3).recv(4))
    except OSError as error:
        print("blocked", error)
""",
    )
    assert "leak" not in out
    assert out.count("blocked") == 2, out


def test_is_a_fork_bomb_stopped_by_the_process_limit(course: Path) -> None:
    out = run_sandboxed(
        course,
        """
import os, time
n = 0
try:
    for _ in range(500):
        if os.fork() == 0:
            time.sleep(5)
            os._exit(0)
        n += 1
except OSError as error:
    print("stopped after", n, error)
""",
        Limits(processes=24),
    )
    assert "stopped after" in out, out
    assert int(out.split("stopped after")[1].split()[0]) < 24


def test_is_memory_limited(course: Path) -> None:
    out = run_sandboxed(
        course,
        """
try:
    block = bytearray(8 * 1024**3)
    print("allocated")
except MemoryError:
    print("MemoryError")
""",
    )
    assert "MemoryError" in out and "allocated" not in out


def test_is_cpu_time_limited(course: Path) -> None:
    out = run_sandboxed(course, "while True: pass", Limits(cpu_seconds=2))
    # RLIMIT_CPU ends the process with SIGXCPU; bwrap reports the death
    assert "allocated" not in out


@pytest.mark.skipif(os.geteuid() != 0, reason="only root is dropped to nobody")
def test_does_root_run_students_code_as_nobody(course: Path) -> None:
    assert run_sandboxed(course, "import os; print(os.getuid())").strip() == "65534"


def test_does_grading_stop_when_the_sandbox_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.probe.cache_clear()
    monkeypatch.delenv(sandbox.ALLOW_ENV, raising=False)
    try:
        with pytest.raises(SandboxUnavailable, match="IAMLAB_ALLOW_UNSANDBOXED=1"):
            require_sandbox()
        monkeypatch.setenv(sandbox.ALLOW_ENV, "1")
        assert require_sandbox() is False
    finally:
        sandbox.probe.cache_clear()
