"""The JupyterLite site (issue 14): build time, size, first load and reload to a ready kernel.

Builds the site with ``lite/build.py`` into a temporary folder (time), measures its size (bytes
and gzip-compressed, what a static host sends), serves it on 127.0.0.1 and opens
``00.00-start-here`` in headless Chromium with every other address blocked:

- first load: a fresh browser profile (cold cache) until the status bar shows the Pyodide kernel
  idle. Target <= 15 s.
- reload: the same profile (warm HTTP cache, service worker installed), the page reloaded, until
  the kernel is idle again. Target <= 8 s.

Both are CPU-bound (WebAssembly compilation, unpacking the wheels, importing IPython), so they
depend on how busy the machine's cores are: the median of RUNS is reported, with the load average.
(e) breaks a kernel start down, outside the browser (``lite/kernel_start.mjs`` under Node), for
the site as built and for one whose wheels are not byte-compiled (``--no-pycompile``): what
byte-compiling at build time saves on every visit.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("IAMLAB_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
RUNS = 3
READY = (
    "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
    ".some(e => /\\(Pyodide\\) \\| Idle/.test(e.textContent))"
)
START = "lab/index.html?path=notebooks/00.00-start-here.ipynb"


class Handler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the http.server API
        **SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


def site_size(site: Path) -> tuple[int, int]:
    """Bytes of the site, and bytes once each file is gzip-compressed."""
    files = [p for p in site.rglob("*") if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    packed = sum(len(gzip.compress(p.read_bytes(), compresslevel=6)) for p in files)
    return raw, packed


def load_times(url: str) -> tuple[float, float]:
    """Seconds to a ready kernel: cold (new profile), then after a reload (same profile)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        try:
            context = browser.new_context()
            context.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(url) else r.abort(),
            )
            page = context.new_page()
            started = time.monotonic()
            page.goto(url + START)
            page.wait_for_function(READY, timeout=180_000)
            cold = time.monotonic() - started
            started = time.monotonic()
            page.reload()
            page.wait_for_function(READY, timeout=180_000)
            warm = time.monotonic() - started
            context.close()
        finally:
            browser.close()
    return cold, warm


def kernel_start(site: Path) -> dict[str, float]:
    """Seconds per phase of a kernel start under Node (lite/kernel_start.mjs)."""
    out = subprocess.run(
        ["node", str(ROOT / "lite" / "kernel_start.mjs"), str(site)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT / "lite",
    ).stdout
    phases: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return phases


def build_site(site: Path, *options: str) -> float:
    """Build the site into ``site``; seconds it took."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(ROOT / "lite" / "build.py"), "--output", str(site), *options],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build = build_site(site)
        raw, packed = site_size(site)
        print(f"(a) make lite: build {build:.1f} s (npm ci, wheels, jupyter lite build)")
        print(
            f"(b) site size {raw / 1e6:.1f} MB, {packed / 1e6:.1f} MB gzip-compressed"
            f"   target <= 45 MB"
        )
        print(f"    load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
        if not CHROMIUM.exists():
            print(f"(c) load times: skipped, no Chromium at {CHROMIUM}")
            return
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(site))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/"
            runs = [load_times(url) for _ in range(RUNS)]
        finally:
            server.shutdown()
            server.server_close()
        cold = [c for c, _ in runs]
        warm = [w for _, w in runs]
        print(
            f"(c) first load to a ready kernel, cold cache: median {statistics.median(cold):.1f} s"
            f" (runs: {', '.join(f'{c:.1f}' for c in cold)})   target <= 15 s"
        )
        print(
            f"(d) reload to a ready kernel: median {statistics.median(warm):.1f} s"
            f" (runs: {', '.join(f'{w:.1f}' for w in warm)})   target <= 8 s"
        )
        print(f"    load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
        plain = Path(tmp) / "plain"
        build_site(plain, "--no-pycompile")
        for label, path in (("byte-compiled (as built)", site), ("not byte-compiled", plain)):
            phases = kernel_start(path)
            print(
                f"(e) kernel start under Node, wheels {label}: "
                + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items())
                + f"; total {sum(phases.values()):.2f} s"
            )


if __name__ == "__main__":
    main()
