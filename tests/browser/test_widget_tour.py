"""A real browser: JupyterLab in headless Chromium runs widget-tour.ipynb and we click around.

JupyterLab starts on a temporary copy of the notebook (token, loopback only, its own HOME and
Jupyter folders, no news or update checks), Playwright drives the system Chromium (browser
downloads do not work here), and every step saves a screenshot under
``test-output/browser/`` (git-ignored). JupyterLab is shut down even when a step fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "tests/browser/widget-tour.ipynb"
SHOTS = ROOT / "test-output" / "browser"
CHROMIUM = Path(os.environ.get("IAMLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECOND = 1000  # Playwright counts in milliseconds
# JupyterLab settings for a quiet, predictable page: no news or update notifications, and
# every cell kept in the page (no windowing) so that widgets below the fold are rendered.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@dataclass(frozen=True)
class Server:
    url: str
    token: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _copy_course(root: Path) -> None:
    """The notebook and the lab file it loads, at the same relative places as in the repo."""
    (root / "tests" / "browser").mkdir(parents=True)
    shutil.copy(ROOT / NOTEBOOK, root / NOTEBOOK)
    shutil.copytree(ROOT / "labs", root / "labs")


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
    return env


def _write_settings(settings_dir: Path) -> None:
    for name, values in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _get(url: str, timeout: float = 5) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        status: int = response.status
        return status


def _stop(process: subprocess.Popen[bytes], url: str, token: str) -> None:
    """Ask JupyterLab to shut down (it stops its kernels), then make sure its group is gone."""
    if process.poll() is None:
        try:
            request = urllib.request.Request(
                f"{url}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"}
            )
            urllib.request.urlopen(request, timeout=10).close()
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


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.fail(f"the browser test needs Chromium at {CHROMIUM} (apt-get install chromium)")
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "course"
    _copy_course(root)
    env = _environment(base)
    _write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    token = secrets.token_hex(24)
    port = _free_port()
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
    log = base / "jupyterlab.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited early:\n{log.read_text(errors='replace')}")
            try:
                if _get(f"{url}/api/status?token={token}") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not start in 120 s:\n{log.read_text(errors='replace')}"
                )
            time.sleep(0.5)
        yield Server(url=url, token=token, log=log)
    finally:
        _stop(process, url, token)


@pytest.fixture(scope="module")
def shots() -> Path:
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture(scope="module")
def page(jupyterlab: Server, shots: Path) -> Iterator[Any]:
    """The notebook open in JupyterLab, all cells run, every widget rendered."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 2400})
            context.set_default_timeout(60 * SECOND)
            pg = context.new_page()
            pg.goto(f"{jupyterlab.url}/lab/tree/{NOTEBOOK}?token={jupyterlab.token}")
            pg.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120 * SECOND)
            _wait_for_kernel_idle(pg, jupyterlab)
            _run_all_cells(pg)
            for widget in (
                "iamlab-simulator",
                "iamlab-policy-editor",
                "iamlab-assume-role-explorer",
                "iamlab-quiz",
                "iamlab-access-matrix",
            ):
                pg.wait_for_selector(f".{widget}", state="attached", timeout=120 * SECOND)
            _wait_for_kernel_idle(pg, jupyterlab)
            pg.screenshot(path=shots / "01-notebook-after-run-all.png")
            yield pg
        except Exception:
            _save_failure(browser, shots)
            raise
        finally:
            browser.close()


def _save_failure(browser: Any, shots: Path) -> None:
    for i, context in enumerate(browser.contexts):
        for j, pg in enumerate(context.pages):
            with contextlib.suppress(Exception):  # best effort: the page may be broken
                pg.screenshot(path=shots / f"failure-{i}-{j}.png", full_page=True)


def _kernel_ready(server: Server) -> bool:
    """The server has a kernel that is idle and that the page is connected to."""
    request = urllib.request.Request(
        f"{server.url}/api/kernels", headers={"Authorization": f"token {server.token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        kernels = json.load(response)
    return any(k.get("execution_state") == "idle" and k.get("connections", 0) > 0 for k in kernels)


def _wait_for_kernel_idle(pg: Any, server: Server) -> None:
    """The kernel is connected and idle, on the server and in the notebook's toolbar."""
    deadline = time.monotonic() + 120
    while not _kernel_ready(server):
        if time.monotonic() > deadline:
            raise TimeoutError("the notebook's kernel did not become idle in 120 s")
        time.sleep(0.5)
    pg.wait_for_selector(
        ".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator[data-status='idle']",
        state="attached",
        timeout=120 * SECOND,
    )


ALL_RUN = (
    "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
    ".every(p => /\\[\\d+\\]/.test(p.textContent))"
)


def _run_all_cells(pg: Any) -> None:
    """Run → Run All Cells, from the menu bar; once more if nothing started (a slow kernel)."""
    for attempt in range(3):
        pg.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        pg.locator(
            ".lm-Menu-content .lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")
        ).click()
        try:
            pg.wait_for_function(
                "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
                ".some(p => /\\[(\\d+|\\*)\\]/.test(p.textContent))",
                timeout=30 * SECOND,
            )
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    pg.wait_for_function(ALL_RUN, timeout=180 * SECOND)


def _widget(pg: Any, name: str) -> Any:
    return pg.locator(f".{name}").first


def _shot(widget: Any, shots: Path, name: str) -> None:
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=shots / f"{name}.png")


def _expect_text(locator: Any, pattern: str) -> None:
    expect(locator).to_contain_text(re.compile(pattern), timeout=60 * SECOND)


def test_simulator_badge_follows_the_principal_and_https(page: Any, shots: Path) -> None:
    """Does the simulator's badge go from Allowed (maria) to denied (alex), and to an explicit
    deny when maria's request is not over HTTPS?"""
    sim = _widget(page, "iamlab-simulator")
    badge = sim.locator(".iamlab-badge").first
    _expect_text(badge, "✔ Allowed")
    _shot(sim, shots, "02-simulator-maria-allowed")
    principal = sim.locator("input:not([type=checkbox])").first
    principal.fill("alex")
    principal.press("Enter")
    _expect_text(badge, "Implicitly denied")
    assert "IAM user alex" in sim.inner_text()
    _shot(sim, shots, "03-simulator-alex-implicitly-denied")
    principal.fill("maria")
    principal.press("Enter")
    _expect_text(badge, "✔ Allowed")
    sim.get_by_label("over HTTPS (aws:SecureTransport)").uncheck()
    _expect_text(badge, "Explicitly denied")
    _expect_text(sim, "DenyInsecureTransport")
    _shot(sim, shots, "04-simulator-without-https-explicitly-denied")


def test_explorer_mfa_then_clock_past_expiry(page: Any, shots: Path) -> None:
    """Is priya refused BreakGlassAdmin without MFA, allowed with it, capped at an hour when
    chaining, and do the credentials expire (EXPIRED, ExpiredToken) when the clock moves past
    the end of the session?"""
    explorer = _widget(page, "iamlab-assume-role-explorer")
    assume = explorer.get_by_role("button", name="Assume role")
    assume.click()
    _expect_text(explorer, "AccessDenied")
    _shot(explorer, shots, "05-explorer-refused-without-mfa")
    explorer.get_by_label("the caller signed in with MFA").check()
    assume.click()
    _expect_text(explorer, "AssumeRole allowed")
    _expect_text(explorer, r"expires in 15:00")
    _expect_text(explorer, "Secret access key")
    assert re.search(r"ASIA[A-Z2-7]{16}", explorer.inner_text())
    _expect_text(explorer, r"✔ Allowed")  # the request with the fresh credentials
    _shot(explorer, shots, "06-explorer-assumed-with-mfa")
    chain_duration = explorer.get_by_label("Duration (s)").last
    chain_duration.fill("7200")
    chain_duration.press("Enter")
    explorer.get_by_role("button", name="Assume from this session").click()
    _expect_text(explorer, "exceeds the 1 hour session limit")
    readout = explorer.locator(".iamlab-clock .widget-readout")  # the clock's editable readout
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("20")
    page.keyboard.press("Enter")
    _expect_text(explorer, "EXPIRED")
    _expect_text(explorer, "ExpiredToken")
    _shot(explorer, shots, "07-explorer-clock-past-expiry")


def test_quiz_gives_feedback(page: Any, shots: Path) -> None:
    """Does answering the first question show Correct or Not quite, with an explanation?"""
    quiz = _widget(page, "iamlab-quiz")
    _expect_text(quiz, r"Question 1 of \d+")
    quiz.locator(".iamlab-answer-role").click()
    _expect_text(quiz, r"✔ Correct|✖ Not quite")
    assert quiz.locator(".iamlab-answer-user").is_disabled()
    _expect_text(quiz, r"score so far: [01]")
    _shot(quiz, shots, "08-quiz-answered")


def test_matrix_cell_click_explains(page: Any, shots: Path) -> None:
    """Does clicking an explicitly denied cell of the matrix show why?"""
    matrix = _widget(page, "iamlab-access-matrix")
    cells = matrix.locator(".iamlab-cell-ExplicitlyDenied")
    assert cells.count() >= 1
    assert matrix.locator(".iamlab-cell-Allowed").count() >= 1
    cells.first.click()
    _expect_text(matrix, "Explicit deny: YES")
    _shot(matrix, shots, "09-matrix-cell-explained")


def test_policy_editor_reacts_to_typing(page: Any, shots: Path) -> None:
    """Does breaking the JSON show the line and column, and fixing it the effect table?"""
    editor = _widget(page, "iamlab-policy-editor")
    _expect_text(editor, "✔ Valid policy")
    _expect_text(editor, "changed")
    area = editor.locator("textarea")
    area.fill('{"Version": "2012-10-17", "Statement": [}')
    _expect_text(editor, r"Invalid JSON.*line 1, column 41")
    _shot(editor, shots, "10-policy-editor-invalid-json")
    area.fill(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "s3:DeleteObjct", "Resource": "*"}]}'
    )
    _expect_text(editor, "Lint warnings")
    _expect_text(editor, "s3:DeleteObjct")
    _shot(editor, shots, "11-policy-editor-lint-warning")
