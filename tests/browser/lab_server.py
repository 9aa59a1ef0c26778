"""A JupyterLab server for the browser tests: started on a folder, asked about, and stopped.

JupyterLab runs with a token on 127.0.0.1 only, with its own HOME and Jupyter folders (nothing
of the user's leaks in), no news or update checks, the kernel on this interpreter with
``iamlab`` importable, and never a real AWS account. It runs in its own process group, which is
asked to shut down (that stops its kernels) and then killed if it does not.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 120
# JupyterLab settings for a quiet, predictable page: no news or update notifications, and
# every cell kept in the page (no windowing) so that widgets below the fold are rendered.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


class JupyterLabError(RuntimeError):
    """JupyterLab did not start, or did not answer as expected; the message holds its log."""


@dataclass(frozen=True)
class Server:
    url: str
    token: str
    root: Path
    log: Path

    def page_url(self, path: str) -> str:
        """The URL a learner opens to see ``path`` (relative to the root) in JupyterLab."""
        return f"{self.url}/lab/tree/{path}?token={self.token}"

    def api(self, endpoint: str, method: str = "GET") -> Any:
        """The JSON answer of the REST API (``None`` when it answers with no body)."""
        request = urllib.request.Request(
            f"{self.url}/api/{endpoint}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def kernel_ready(server: Server, path: str | None = None) -> bool:
    """Is there an idle kernel that a page is connected to (the one of ``path``, if given)?"""
    if path is None:
        kernels = server.api("kernels")
    else:
        kernels = [s["kernel"] for s in server.api("sessions") if s.get("path") == path]
    return any(k.get("execution_state") == "idle" and k.get("connections", 0) > 0 for k in kernels)


def shut_down_kernel(server: Server, path: str) -> None:
    """End the session (and so the kernel) of the notebook at ``path``, if it has one."""
    for session in server.api("sessions"):
        if session.get("path") == path:
            server.api(f"sessions/{urllib.parse.quote(session['id'])}", method="DELETE")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(base: Path) -> dict[str, str]:
    """Everything Jupyter reads or writes goes under ``base``; nothing of the user's leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    dirs = {
        "HOME": base / "home",
        "JUPYTER_CONFIG_DIR": base / "jupyter" / "config",
        "JUPYTER_DATA_DIR": base / "jupyter" / "data",
        "JUPYTER_RUNTIME_DIR": base / "jupyter" / "runtime",
        "IPYTHONDIR": base / "ipython",
        "JUPYTERLAB_SETTINGS_DIR": base / "lab" / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": base / "lab" / "workspaces",
        "XDG_CONFIG_HOME": base / "home" / ".config",
        "XDG_CACHE_HOME": base / "home" / ".cache",
    }
    for value in dirs.values():
        value.mkdir(parents=True, exist_ok=True)
    env.update({k: str(v) for k, v in dirs.items()})
    # the kernel is `python -m ipykernel_launcher`: make it this interpreter, with iamlab
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
    )
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["IAMLAB_REAL_AWS"] = ""  # the hands-on notebook uses the embedded AWS, as in `make test`
    return env


def _write_settings(settings_dir: Path) -> None:
    for name, values in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _command(root: Path, token: str, port: int) -> list[str]:
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        f"--ServerApp.token={token}",
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.disable_check_xsrf=False",
    ]  # fmt: skip
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    return command


def _wait_until_up(process: subprocess.Popen[bytes], server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise JupyterLabError(f"JupyterLab exited early:\n{server.log_text()}")
        try:
            server.api("status")
            return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise JupyterLabError(
                f"JupyterLab did not start in {START_SECONDS} s:\n{server.log_text()}"
            )
        time.sleep(0.5)


def _stop(process: subprocess.Popen[bytes], server: Server) -> None:
    """Ask JupyterLab to shut down (it stops its kernels), then make sure its group is gone."""
    if process.poll() is None:
        try:
            server.api("shutdown", method="POST")
            process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            continue


def _write_learner_settings(env: dict[str, str]) -> None:
    """A learner's Jupyter, as `make lab` and Binder give it: postBuild's settings only."""
    subprocess.run(
        ["bash", str(ROOT / "postBuild"), "--settings-only"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip


@contextmanager
def running_jupyterlab(root: Path, base: Path, *, learner: bool = False) -> Iterator[Server]:
    """JupyterLab serving the folder ``root``; its settings, HOME and log live under ``base``.
    ``learner``: with the settings `make lab` uses (nbgrader's Validate only, no news)."""
    env = _environment(base)
    if learner:
        _write_learner_settings(env)
    _write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    token = secrets.token_hex(24)
    port = _free_port()
    server = Server(
        url=f"http://127.0.0.1:{port}", token=token, root=root, log=base / "jupyterlab.log"
    )
    with server.log.open("wb") as out:
        process = subprocess.Popen(
            _command(root, token, port), cwd=root, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_up(process, server)
        yield server
    finally:
        _stop(process, server)
