"""What the JupyterLite tests share: paths, the static server, a browser profile that may reach
nothing but 127.0.0.1.

The site is built by ``lite/build.py`` (what ``make lite`` runs) into a temporary folder; the
time it took is printed. Every page gets a Playwright route that aborts any request not to the
loopback address, and records it: a test then fails if the page tried to reach the internet.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
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


class StaticHandler(SimpleHTTPRequestHandler):
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
