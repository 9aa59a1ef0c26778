"""A real browser: the federation explorer in JupyterLab, in headless Chromium.

JupyterLab starts on a temporary copy of federation-explorer.ipynb and the labs (``lab_server``),
Playwright drives the system Chromium (``lab_page``); each step saves a screenshot under
``test-output/browser/`` (git-ignored).
"""

from __future__ import annotations

import json
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

NOTEBOOK = "tests/browser/federation-explorer.ipynb"
GITHUB = "token.actions.githubusercontent.com"


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("jupyterlab")
    course = base / "course"
    (course / "tests" / "browser").mkdir(parents=True)
    shutil.copy(ROOT / NOTEBOOK, course / NOTEBOOK)
    shutil.copytree(ROOT / "labs", course / "labs")
    with running_jupyterlab(course, base) as server:
        yield server


@pytest.fixture(scope="module")
def explorer(jupyterlab: Server, chromium: Any, shots: Path) -> Iterator[Any]:
    """The explorer, rendered in the notebook after Run All."""
    pg = new_page(chromium)
    try:
        pg.goto(jupyterlab.page_url(NOTEBOOK))
        wait_for_notebook(pg)
        wait_for_kernel_idle(pg, jupyterlab, NOTEBOOK)
        run_all_cells(pg)
        pg.wait_for_selector(".iamlab-federation-explorer", state="attached", timeout=120 * SECOND)
        wait_for_kernel_idle(pg, jupyterlab, NOTEBOOK)
        yield pg.locator(".iamlab-federation-explorer").first
    except Exception:
        save_failure(chromium, shots, "federation-")
        raise
    finally:
        pg.context.close()


def _expect(locator: Any, pattern: str) -> None:
    expect(locator).to_contain_text(re.compile(pattern), timeout=60 * SECOND)


def test_a_learner_watches_tokens_refused_then_lets_everyone_in(explorer: Any, shots: Path) -> None:
    """With the lab's trust policy only main gets in; a pull request is refused with the failing
    sub claim; after deleting the sub condition, every token gets in and the explorer warns."""
    summary = explorer.locator(".iamlab-federation-summary")
    _expect(summary, r"main branch\s*✔ gets in")
    _expect(summary, r"a pull request\s*○ refused\s*sub does not match")
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=shots / "federation-01-well-made-policy.png")

    explorer.get_by_role("button", name="a pull request").click()
    _expect(explorer.locator(".iamlab-federation-outcome"), "○ refused")
    _expect(explorer, r"FAILED : StringEquals token\.actions\.githubusercontent\.com:sub")
    explorer.screenshot(path=shots / "federation-02-pull-request-refused.png")

    textarea = explorer.locator("textarea").first
    policy = json.loads(textarea.input_value())
    del policy["Statement"][0]["Condition"]["StringEquals"][f"{GITHUB}:sub"]
    textarea.fill(json.dumps(policy, indent=2))
    textarea.blur()  # the editor sends its value when it loses focus (continuous_update=False)
    _expect(summary, r"another repository\s*✔ gets in")
    _expect(summary, r"a pull request\s*✔ gets in")
    _expect(explorer.locator(".iamlab-federation-outcome"), "careless")
    explorer.screenshot(path=shots / "federation-03-no-sub-condition.png")

    explorer.get_by_role("button", name="Reset the trust policy").click()
    _expect(summary, r"another repository\s*○ refused")
