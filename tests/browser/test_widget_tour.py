"""A real browser: JupyterLab in headless Chromium runs widget-tour.ipynb and we click around.

JupyterLab starts on a temporary copy of the notebook (``lab_server``: token, loopback only, its
own HOME and Jupyter folders, no news or update checks), Playwright drives the system Chromium
(``lab_page``; browser downloads do not work here), and every step saves a screenshot under
``test-output/browser/`` (git-ignored). JupyterLab is shut down even when a step fails.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_page import (
    SECOND,
    new_page,
    run_all_cells,
    save_failure,
    wait_for_kernel_idle,
    wait_for_notebook,
)
from lab_server import ROOT, Server, running_jupyterlab
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

NOTEBOOK = "tests/browser/widget-tour.ipynb"
WIDGETS = (
    "iamlab-simulator",
    "iamlab-policy-editor",
    "iamlab-assume-role-explorer",
    "iamlab-quiz",
    "iamlab-access-matrix",
)


def _copy_course(root: Path) -> None:
    """The notebook and the lab file it loads, at the same relative places as in the repo."""
    (root / "tests" / "browser").mkdir(parents=True)
    shutil.copy(ROOT / NOTEBOOK, root / NOTEBOOK)
    shutil.copytree(ROOT / "labs", root / "labs")


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("jupyterlab")
    _copy_course(base / "course")
    with running_jupyterlab(base / "course", base) as server:
        yield server


@pytest.fixture(scope="module")
def page(jupyterlab: Server, chromium: Any, shots: Path) -> Iterator[Any]:
    """The notebook open in JupyterLab, all cells run, every widget rendered."""
    pg = new_page(chromium)
    try:
        pg.goto(jupyterlab.page_url(NOTEBOOK))
        wait_for_notebook(pg)
        wait_for_kernel_idle(pg, jupyterlab, NOTEBOOK)
        run_all_cells(pg)
        for widget in WIDGETS:
            pg.wait_for_selector(f".{widget}", state="attached", timeout=120 * SECOND)
        wait_for_kernel_idle(pg, jupyterlab, NOTEBOOK)
        pg.screenshot(path=shots / "01-notebook-after-run-all.png")
        yield pg
    except Exception:
        save_failure(chromium, shots, "tour-")
        raise
    finally:
        pg.context.close()


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
    assert "alex (IAM user)" in sim.inner_text()
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
    _expect_text(matrix, "Explicit deny: a Deny statement matched")
    _expect_text(matrix, "NeverDeleteRecipes")
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
