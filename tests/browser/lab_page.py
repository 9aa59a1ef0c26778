"""Driving JupyterLab's page in headless Chromium the way a learner does: menus, tabs, cells.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, or ``IAMLAB_CHROMIUM``): browser
downloads do not work here. The helpers act on the notebook in the current tab, so that the
tests work with several notebooks open.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path
from typing import Any

from lab_server import Server, kernel_ready
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
VIEWPORT = {"width": 1400, "height": 2400}
CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the current tab
PROMPTS = f"[...document.querySelectorAll('{CURRENT} .jp-CodeCell .jp-InputArea-prompt')]"
# Outputs stored in a notebook file are untrusted (an SVG shows as its text) until their cell
# runs; so "every cell has run" is: every prompt has a number and no output is untrusted.
UNTRUSTED = f"document.querySelectorAll('{CURRENT} .jp-OutputArea-output[data-mime-type]"
UNTRUSTED += ":not(.jp-mod-trusted)')"
ALL_RUN = f"{PROMPTS}.every(p => /\\[\\d+\\]/.test(p.textContent)) && !{UNTRUSTED}.length"
# A cell that raises stops Run All Cells: the cells below it are left unrun.
ERRORS = f"document.querySelectorAll('{CURRENT} .jp-OutputArea-output.jp-mod-trusted"
ERRORS += '[data-mime-type="application/vnd.jupyter.stderr"]\')'
QUEUED = f"{PROMPTS}.some(p => /\\[\\*\\]/.test(p.textContent))"
FINISHED = f"() => !{QUEUED} && ({ALL_RUN} || {ERRORS}.length > 0)"
STARTED = f"() => {QUEUED} || ({FINISHED})()"


def launch_chromium(playwright: Any) -> Any:
    """Headless Chromium from the system, not a Playwright download."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


def new_page(browser: Any, *, width: int = VIEWPORT["width"]) -> Any:
    """A tall page (widgets below the fold render) with generous timeouts for 2 busy cores."""
    context = browser.new_context(viewport={"width": width, "height": VIEWPORT["height"]})
    context.set_default_timeout(60 * SECOND)
    return context.new_page()


def notebook(pg: Any) -> Any:
    """The notebook panel in the current tab (hidden tabs carry ``lm-mod-hidden``)."""
    return pg.locator(CURRENT)


def wait_for_notebook(pg: Any) -> Any:
    """The current tab's notebook, once its cells are on the page."""
    pg.wait_for_selector(f"{CURRENT} .jp-Cell", timeout=120 * SECOND)
    return notebook(pg)


def menu(pg: Any, top: str, item: str) -> None:
    """Click ``top`` in the menu bar, then ``item`` in the menu it opens."""
    pg.locator(".lm-MenuBar-item", has_text=re.compile(f"^{re.escape(top)}$")).click()
    pg.locator(
        ".lm-Menu-content .lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")
    ).click()


def wait_for_kernel_idle(pg: Any, server: Server, path: str | None = None) -> None:
    """The kernel (of ``path``, if given) is connected and idle, on the server and in the
    current notebook's toolbar."""
    deadline = time.monotonic() + 120
    while not kernel_ready(server, path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the kernel of {path or 'the notebook'} was not idle in 120 s")
        time.sleep(0.5)
    notebook(pg).locator(
        ".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator[data-status='idle']"
    ).wait_for(state="attached", timeout=120 * SECOND)


def run_all_cells(pg: Any) -> None:
    """Run → Run All Cells, from the menu bar; once more if nothing started (a slow kernel).
    Returns when every code cell of the current notebook shows an execution count, or when
    a cell has stopped the run with an error."""
    for attempt in range(3):
        menu(pg, "Run", "Run All Cells")
        try:
            pg.wait_for_function(STARTED, timeout=30 * SECOND)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    pg.wait_for_function(FINISHED, timeout=180 * SECOND)


def current_path(pg: Any, *, other_than: str = "", seconds: float = 60) -> str:
    """The path (from the root) of the document in the current tab, as its tooltip says, once
    it is not ``other_than``; "" if no such tab comes in ``seconds``."""
    tab = pg.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        title = tab.first.get_attribute("title") if tab.count() else ""
        match = re.search(r"^Path: (.+)$", title or "", re.MULTILINE)
        if match and match[1] != other_than:
            return match[1]
        time.sleep(0.2)
    return ""


def close_tab(pg: Any, path: str) -> None:
    """Close the tab of ``path`` with its × icon, discarding unsaved changes if asked."""
    tab = pg.locator(f'.lm-DockPanel-tabBar .lm-TabBar-tab[title*="Path: {path}"]')
    tab.locator(".lm-TabBar-tabCloseIcon").click()
    discard = pg.locator(".jp-Dialog .jp-Dialog-button", has_text=re.compile("^Discard$"))
    deadline = time.monotonic() + 30
    while tab.count():  # a notebook that ran has changed: JupyterLab asks before closing it
        if discard.count():
            discard.click()
        if time.monotonic() > deadline:
            raise TimeoutError(f"the tab of {path} did not close in 30 s")
        time.sleep(0.2)


def save_failure(browser: Any, shots: Path, prefix: str) -> None:
    """A full-page screenshot of every page, best effort (the page may be broken)."""
    for i, context in enumerate(browser.contexts):
        for j, pg in enumerate(context.pages):
            with contextlib.suppress(Exception):
                pg.screenshot(path=shots / f"{prefix}failure-{i}-{j}.png", full_page=True)
