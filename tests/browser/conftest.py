"""Fixtures of the browser tests: the screenshot folder and one headless Chromium.

The JupyterLab server of each test module is started with ``lab_server.running_jupyterlab``
on the files that module needs; the page helpers are in ``lab_page``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_page import CHROMIUM, launch_chromium
from lab_server import ROOT

SHOTS = ROOT / "test-output" / "browser"


@pytest.fixture(scope="session")
def shots() -> Path:
    """``test-output/browser/`` (git-ignored), emptied once per test run."""
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture(scope="session")
def chromium(playwright_session: Any) -> Iterator[Any]:
    """The system's Chromium, headless, closed at the end of the run even after a failure."""
    if not CHROMIUM.exists():
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    browser = launch_chromium(playwright_session)
    try:
        yield browser
    finally:
        browser.close()
