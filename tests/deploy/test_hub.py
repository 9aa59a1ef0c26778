"""A term on the course's real JupyterHub, in a browser (root only; markers: hub, browser, slow).

The hub is the guide's (``hub_server``: JupyterHub from PyPI, configurable-http-proxy from npm,
``deploy/jupyterhub/`` as installed, PAM logins of real Unix accounts, nbgrader's
JupyterHubAuthPlugin with the course's hub groups, the formgrader as a hub service run as the
grader account, the exchange made by ``setup-exchange.sh``, the gradebook on PostgreSQL).
Headless Chromium (the system's) does what people do, on the hub's own pages:

    instructor  logs in at the login page; formgrader: Generate, Release
    students    log in; Nbgrader > Assignment List: Fetch ps01; answer it (saved through
                their server's contents API, as the editor saves); Validate; Submit
    instructor  formgrader: Collect; Manage Submissions: Autograde each (in the sandbox);
                Generate Feedback, Release Feedback
    students    Assignment List: Fetch Feedback, open it
    a student   opens the formgrader's URL

Screenshots of each step go to test-output/hub/.
"""

from __future__ import annotations

import re
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import course_material as course
import pytest
from hub_server import Site, running_site

pytestmark = [pytest.mark.hub, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

ASSIGNMENT = course.ASSIGNMENT
SHOTS = course.ROOT / "test-output" / "hub"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECOND = 1000
SERVICE = course.course_id()

# The buttons the walk presses, and the nbgrader command each runs (test_hub_guide.py holds
# the guide's "Running a term" to these).
BUTTONS = {
    "formgrader: Generate (td.assign)": "generate_assignment",
    "formgrader: Release (td.release)": "release_assignment",
    "Assignments tab: Fetch": "fetch_assignment",
    "Assignments tab: Validate": "validate",
    "Assignments tab: Submit": "submit",
    "formgrader: Collect (td.collect)": "collect",
    "formgrader: Autograde (td.autograde)": "autograde",
    "formgrader: Generate Feedback (td.generate-feedback)": "generate_feedback",
    "formgrader: Release Feedback (td.release-feedback)": "release_feedback",
    "Assignments tab: Fetch Feedback": "fetch_feedback",
}

SAVE_ANSWERS = """
async ([path, answers]) => {
  const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1];
  const base = location.pathname.split('/lab')[0];
  const headers = {'X-XSRFToken': xsrf, 'Content-Type': 'application/json'};
  let r = await fetch(`${base}/api/contents/${path}?content=1`, {headers});
  if (!r.ok) return r.status;
  const model = await r.json();
  for (const cell of model.content.cells) {
    const id = ((cell.metadata || {}).nbgrader || {}).grade_id;
    if (id in answers) cell.source = answers[id];
  }
  r = await fetch(`${base}/api/contents/${path}`, {method: 'PUT', headers,
    body: JSON.stringify({type: 'notebook', format: 'json', content: model.content})});
  return r.status;
}
"""


@dataclass
class Walk:
    site: Site
    answered: dict[str, set[str]]
    texts: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)


class Browser:
    def __init__(self, chromium: Any, site: Site) -> None:
        self.chromium = chromium
        self.site = site
        self.step = 0

    def shot(self, page: Any, name: str) -> None:
        self.step += 1
        page.screenshot(path=str(SHOTS / f"{self.step:02d}-{name}.png"))

    def login(self, who: str, next_path: str) -> Any:
        """A new browser context; log in as ``who`` at the hub's login page."""
        context = self.chromium.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(120 * SECOND)
        page = context.new_page()
        page.goto(f"{self.site.url}/hub/login?next={next_path}")
        page.fill("#username_input", who)
        page.fill("#password_input", self.site.passwords[who])
        self.shot(page, f"login-{who}")
        page.click("#login_submit")
        return page

    def formgrader(self, page: Any, what: str, step: str, row: int = 0) -> str:
        """Click ``step`` in a row of the formgrader's table; return the dialog it shows."""
        page.locator(f"#main-table tr:nth-child({row + 1}) td.{step} a").click()
        dialog = page.wait_for_selector(".modal-dialog .modal-body", timeout=300 * SECOND)
        page.wait_for_function(
            "() => !/please wait/i.test(document.querySelector('.modal-dialog').innerText)",
            timeout=300 * SECOND,
        )
        text = str(dialog.inner_text())
        self.shot(page, f"formgrader-{what}-{step}")
        page.click(".modal-footer button")
        page.wait_for_selector(".modal-dialog", state="detached")
        return text


def open_assignment_list(page: Any) -> None:
    page.wait_for_selector(".lm-MenuBar-itemLabel:text('Nbgrader')")
    page.click(".lm-MenuBar-itemLabel:text('Nbgrader')")
    page.click(".lm-Menu-itemLabel:text('Assignment List')")
    page.wait_for_selector("#released_assignments_list")


def dialog_text(page: Any) -> str:
    dialog = page.wait_for_selector(".jp-Dialog-content", timeout=300 * SECOND)
    text = str(dialog.inner_text())
    return text


def _student_works(b: Browser, walk: Walk, name: str) -> None:
    page = b.login(name, "/hub/")
    page.wait_for_url(f"**/user/{name}/lab**")
    open_assignment_list(page)
    page.click(
        f"#released_assignments_list .list_item:has-text('{ASSIGNMENT}') button:text('Fetch')"
    )
    page.wait_for_selector("#fetched_assignments_list .list_item")
    b.shot(page, f"fetched-{name}")
    status = page.evaluate(
        SAVE_ANSWERS, [f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb", course.answers(walk.answered[name])]
    )
    walk.statuses[f"save {name}"] = int(status)
    # the notebook's row (expand the assignment) has Validate
    page.click(f"#fetched_assignments_list a:text('{ASSIGNMENT}')")
    page.click("#fetched_assignments_list button:text('Validate')")
    walk.texts[f"validate {name}"] = dialog_text(page)
    b.shot(page, f"validated-{name}")
    page.click(".jp-Dialog-footer button")
    page.click("#fetched_assignments_list button:text('Submit')")
    page.wait_for_selector("#submitted_assignments_list .list_item")
    walk.texts[f"submitted {name}"] = str(page.inner_text("#submitted_assignments_list"))
    b.shot(page, f"submitted-{name}")
    page.context.close()


def _instructor_grades(b: Browser, walk: Walk, name: str) -> None:
    site = walk.site
    page = b.login(name, f"/services/{SERVICE}/formgrader/manage_submissions/{ASSIGNMENT}")
    page.wait_for_selector("#main-table td.autograde a")
    b.shot(page, "formgrader-submissions")
    for row in range(page.locator("#main-table tr").count()):
        student = page.locator(f"#main-table tr:nth-child({row + 1}) td.student-id").inner_text()
        walk.texts[f"autograde {student.strip()}"] = b.formgrader(page, student, "autograde", row)
    walk.texts["submissions"] = str(page.inner_text("#main-table"))
    b.shot(page, "formgrader-autograded")
    page.goto(f"{site.url}/services/{SERVICE}/formgrader/manage_assignments")
    page.wait_for_selector("#main-table td.generate-feedback a")
    walk.texts["generate feedback"] = b.formgrader(page, ASSIGNMENT, "generate-feedback")
    page.wait_for_selector("#main-table td.release-feedback a")
    walk.texts["release feedback"] = b.formgrader(page, ASSIGNMENT, "release-feedback")
    page.context.close()


def _student_reads_feedback(b: Browser, walk: Walk, name: str) -> None:
    page = b.login(name, "/hub/")
    page.wait_for_url(f"**/user/{name}/lab**")
    open_assignment_list(page)
    page.click("#submitted_assignments_list button:text('Fetch Feedback')")
    page.wait_for_selector("#submitted_assignments_list a:has-text('view feedback')")
    b.shot(page, f"feedback-fetched-{name}")
    page.click("#submitted_assignments_list a:has-text('view feedback')")  # the file browser
    page.wait_for_selector(f".jp-DirListing-item:has-text('{ASSIGNMENT}.html')")
    b.shot(page, f"feedback-folder-{name}")
    # open it as "Open in New Browser Tab" does: the file, served by the student's own server
    account = next(s for s in walk.site.students if s.name == name)
    (html,) = (account.home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html")
    path = urllib.parse.quote(str(html.relative_to(account.home)))
    feedback = page.context.new_page()
    feedback.goto(f"{walk.site.url}/user/{name}/files/{path}")
    walk.texts[f"feedback {name}"] = str(feedback.inner_text("body"))
    b.shot(feedback, f"feedback-{name}")
    # and a student who opens the formgrader's address is refused by the hub
    response = page.goto(f"{walk.site.url}/services/{SERVICE}/formgrader")
    walk.statuses[f"formgrader {name}"] = response.status
    walk.texts[f"formgrader {name}"] = str(page.inner_text("body"))
    b.shot(page, f"formgrader-refused-{name}")
    page.context.close()


@pytest.fixture(scope="module")
def walk(playwright_session: Any) -> Iterator[Walk]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"the hub's browser test needs Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    with running_site(students=2, instructors=1) as site:
        first, second = (s.name for s in site.students)
        every_part = {c.grade_id for c in course.solution_cells()}
        walk = Walk(site=site, answered={first: every_part, second: set()})
        instructor = site.instructors[0].name
        started = time.monotonic()
        chromium = playwright_session.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        b = Browser(chromium, site)
        try:
            page = b.login(instructor, f"/services/{SERVICE}/formgrader/manage_assignments")
            page.wait_for_selector("#main-table td.assign a")
            walk.texts["generate"] = b.formgrader(page, ASSIGNMENT, "assign")
            page.wait_for_selector("#main-table td.release a")
            walk.texts["release"] = b.formgrader(page, ASSIGNMENT, "release")
            page.context.close()
            for student in (first, second):
                _student_works(b, walk, student)
            page = b.login(instructor, f"/services/{SERVICE}/formgrader/manage_assignments")
            page.wait_for_selector("#main-table td.collect a")
            walk.texts["collect"] = b.formgrader(page, ASSIGNMENT, "collect")
            page.context.close()
            _instructor_grades(b, walk, instructor)
            for student in (first, second):
                _student_reads_feedback(b, walk, student)
        except Exception:
            for context in chromium.contexts:
                for open_page in context.pages:
                    b.shot(open_page, "failure")
            (SHOTS / "hub.log").write_text(site.log_tail(400), encoding="utf-8")
            raise
        finally:
            chromium.close()
        print(f"\nhub browser walk: {time.monotonic() - started:.0f} s")
        yield walk


def _scores(site: Site) -> dict[str, float]:
    from nbgrader.api import Gradebook

    gradebook = Gradebook(site.db_url, course_id=course.course_id())
    try:
        return {s.student.id: float(s.score) for s in gradebook.assignment_submissions(ASSIGNMENT)}
    finally:
        gradebook.close()


def test_the_formgrader_releases_through_the_exchange(walk: Walk) -> None:
    """Did Generate and Release succeed, leaving ps01 in the exchange's outbound folder?"""
    assert "Successfully" in walk.texts["generate"], walk.texts["generate"]
    assert "Successfully released" in walk.texts["release"], walk.texts["release"]
    outbound = walk.site.exchange / SERVICE / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert outbound.is_file()


def test_students_fetch_validate_and_submit_in_the_assignments_tab(walk: Walk) -> None:
    """Did each student fetch into their home, save answers, validate and submit?"""
    first, second = (s for s in walk.site.students)
    for student in (first, second):
        assert walk.statuses[f"save {student.name}"] == 200
        assert (student.home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
        assert re.search(r"\d{4}-\d{2}-\d{2}", walk.texts[f"submitted {student.name}"])
    assert "Success! Your notebook passes all the tests." in walk.texts[f"validate {first.name}"]
    assert "failed" in walk.texts[f"validate {second.name}"].lower()
    inbound = walk.site.exchange / SERVICE / "inbound"
    owners = sorted(p.stat().st_uid for p in inbound.iterdir())
    assert owners == sorted([first.uid, second.uid])


def test_the_formgrader_collects_and_autogrades_in_the_sandbox(walk: Walk) -> None:
    """Were both submissions collected and autograded, with the scores their answers earn?"""
    assert "Successfully collected" in walk.texts["collect"], walk.texts["collect"]
    site = walk.site
    expected = {
        name: course.expected_scores(answered)[0] for name, answered in walk.answered.items()
    }
    assert _scores(site) == expected
    assert expected[site.students[0].name] > 0 == expected[site.students[1].name]
    for student in site.students:
        graded = site.course_dir / "autograded" / student.name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert graded.is_file()
    # the course's own steps ran inside the formgrader's autograde: every check re-judged
    # outside the kernel (VerifyChecks logs each), the kernel in bubblewrap (SandboxedExecute
    # refuses to start one without it, and nothing here allows that)
    log = walk.texts[f"autograde {site.students[0].name}"]
    assert "Successfully autograded" in log
    assert log.count("verified: passed") == 4, log
    assert "Applying preprocessor: SandboxedExecute" in log
    assert "WITHOUT a sandbox" not in log


def test_each_student_sees_their_own_feedback_only(walk: Walk) -> None:
    """Does each student's feedback page show their score and no other student's name?"""
    site = walk.site
    for student in site.students:
        text = walk.texts[f"feedback {student.name}"]
        score, max_score = course.expected_scores(walk.answered[student.name])
        assert f"Score: {score:.1f} / {max_score:.1f}" in text
        for other in site.students:
            if other != student:
                assert other.name not in text
        files = sorted((student.home / ASSIGNMENT / "feedback").glob("*/*.html"))
        assert [f.name for f in files] == [f"{ASSIGNMENT}.html"]


def test_a_student_opening_the_formgrader_gets_403(walk: Walk) -> None:
    """Does the hub refuse the formgrader service to a student (403), naming the service?"""
    for student in walk.site.students:
        assert walk.statuses[f"formgrader {student.name}"] == 403
        assert (
            f"permission to access JupyterHub service {SERVICE}"
            in (walk.texts[f"formgrader {student.name}"])
        )


def test_course_membership_comes_from_hub_groups(walk: Walk) -> None:
    """Did login put students in nbgrader-<course> and the grader in formgrade-<course>?"""
    import sqlite3

    site = walk.site
    with sqlite3.connect(site.hub_dir / "jupyterhub.sqlite") as db:
        rows = db.execute(
            "SELECT groups.name, users.name FROM user_group_map "
            "JOIN groups ON groups.id = user_group_map.group_id "
            "JOIN users ON users.id = user_group_map.user_id"
        ).fetchall()
    members: dict[str, list[str]] = {}
    for group, user in rows:
        members.setdefault(group, []).append(user)
    assert {k: sorted(v) for k, v in members.items()} == {
        f"nbgrader-{SERVICE}": sorted(s.name for s in site.students),
        f"formgrade-{SERVICE}": [site.instructors[0].name],
    }
