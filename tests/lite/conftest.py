"""Fixtures of the JupyterLite tests: the site built once per run (``lite/build.py``, what
``make lite`` runs; its build time is printed), served on 127.0.0.1 under a path prefix, and
headless Chromium."""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from lite_site import CHROMIUM, CHROMIUM_ARGS, PREFIX, ROOT, Site, StaticHandler


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``lite/build.py`` into a temporary folder, served on 127.0.0.1 under PREFIX."""
    out = tmp_path_factory.mktemp("lite") / "site"
    started = time.monotonic()
    built = subprocess.run(
        [sys.executable, str(ROOT / "lite" / "build.py"), "--output", str(out)],
        check=False,
        timeout=900,
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        pytest.fail(f"lite/build.py failed:\n{(built.stdout + built.stderr)[-4000:]}")
    seconds = time.monotonic() - started
    print(f"\nlite: site built in {seconds:.1f} s")
    handler = functools.partial(StaticHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(out, f"http://127.0.0.1:{server.server_address[1]}{PREFIX}", seconds)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def chromium(playwright_session: Any) -> Iterator[Any]:
    """The system's Chromium, headless."""
    if not CHROMIUM.exists():
        pytest.fail(f"the JupyterLite tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    browser = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()
