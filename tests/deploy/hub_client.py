"""A student on the hub without a browser: what the Assignments tab sends, with ``requests``.

The login form (PAM), which starts the student's server; then the server's own nbgrader
handlers (``POST /user/<name>/assignments/fetch`` and ``.../submit``, as the tab's buttons
do) and its contents API (``PUT /user/<name>/api/contents/...``, as the editor saves). All on
127.0.0.1, through the hub's proxy.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from hub_server import Site


class Student:
    def __init__(self, site: Site, name: str) -> None:
        self.site = site
        self.name = name
        self.http = requests.Session()
        self.base = f"{site.url}/user/{name}"

    def log_in(self, timeout: float = 240) -> None:
        """Log in at the login page; wait until the student's server answers."""
        login = f"{self.site.url}/hub/login"
        self.http.get(login, timeout=60).raise_for_status()
        form = {
            "username": self.name,
            "password": self.site.passwords[self.name],
            "_xsrf": self.http.cookies.get("_xsrf", path="/hub/") or "",
        }
        self.http.post(login, data=form, timeout=timeout).raise_for_status()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.http.get(f"{self.base}/lab", timeout=60)
            if reply.ok and reply.url.startswith(self.base):
                return
            time.sleep(1)
        raise TimeoutError(f"{self.name}'s server did not start within {timeout:.0f} s")

    def _headers(self) -> dict[str, str]:
        xsrf = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")
        return {"X-XSRFToken": xsrf or ""}

    def action(self, action: str, course_id: str, assignment: str) -> Any:
        """The Assignments tab's Fetch / Submit / Fetch Feedback: the server's JSON answer."""
        reply = self.http.post(
            f"{self.base}/assignments/{action}",
            data={"course_id": course_id, "assignment_id": assignment},
            headers=self._headers(),
            timeout=300,
        )
        reply.raise_for_status()
        return reply.json()

    def save_answers(self, path: str, answers: dict[str, str]) -> None:
        """Fill the answer cells and save the notebook, as the editor does."""
        url = f"{self.base}/api/contents/{path}"
        reply = self.http.get(url, params={"content": "1"}, headers=self._headers(), timeout=60)
        reply.raise_for_status()
        model = reply.json()
        for cell in model["content"]["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell["source"] = answers[grade_id]
        body = {"type": "notebook", "format": "json", "content": model["content"]}
        self.http.put(url, json=body, headers=self._headers(), timeout=60).raise_for_status()


@dataclass
class LatencyProbe:
    """Times ``GET /hub/api/`` every ``interval`` seconds in a thread while it runs."""

    url: str
    interval: float = 0.25
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> LatencyProbe:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def _run(self) -> None:
        with requests.Session() as http:
            while not self._stop.is_set():
                began = time.perf_counter()
                try:
                    http.get(f"{self.url}/hub/api/", timeout=30).raise_for_status()
                    self.seconds.append(time.perf_counter() - began)
                except requests.RequestException as error:
                    self.failures.append(str(error)[:200])
                self._stop.wait(self.interval)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        if not ordered:
            return float("nan")
        if len(ordered) == 1:
            return ordered[0]
        return statistics.quantiles(ordered, n=100, method="inclusive")[int(p) - 1]
