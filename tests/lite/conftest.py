"""Fixtures of the JupyterLite tests: the site built once per run, served on 127.0.0.1, and
headless Chromium that may reach nothing but that server.

The site is built by ``lite/build.py`` (what ``make lite`` runs) into a temporary folder; the
time it took is printed. Every page gets a Playwright route that aborts any request not to the
loopback address, and records it: a test then fails if the page tried to reach the internet.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
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
LOOPBACK = re.compile(r"^(https?|wss?)://127\.0\.0\.1(:\d+)?/")
# GitHub Pages serves a project site under /REPO/: the tests serve it under a prefix too.
PREFIX = "/iam-study-lab/"


@dataclass
class Site:
    """The built site, where it is served, and what the pages tried to reach outside."""

    path: Path
    url: str
    build_seconds: float
    blocked: list[str] = field(default_factory=list)


class _Handler(SimpleHTTPRequestHandler):
    """Static files under PREFIX, with the MIME types module workers and wasm need."""

    extensions_map = {  # noqa: RUF012 - the http.server API
        **SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
    }

    def translate_path(self, path: str) -> str:
        if not path.startswith(PREFIX):
            return str(Path(self.directory) / "no-such-file")
        return super().translate_path("/" + path[len(PREFIX) :])

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``lite/build.py`` into a temporary folder, served on 127.0.0.1 under PREFIX."""
    out = tmp_path_factory.mktemp("lite") / "site"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(ROOT / "lite" / "build.py"), "--output", str(out)],
        check=True,
        timeout=900,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.monotonic() - started
    print(f"\nlite: site built in {seconds:.1f} s")
    handler = functools.partial(_Handler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(out, f"http://127.0.0.1:{server.server_address[1]}{PREFIX}", seconds)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """The system's Chromium, headless."""
    if not CHROMIUM.exists():
        pytest.fail(f"the JupyterLite tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def offline_context(browser: Any, site: Site) -> Any:
    """A fresh browser profile (cold cache) whose requests beyond 127.0.0.1 are aborted."""
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    context.set_default_timeout(60_000)

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if LOOPBACK.match(url) or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            site.blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    return context
