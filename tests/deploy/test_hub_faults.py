"""Faults on the course's hub: the exchange's disk full, a student's server killed mid-submit.

Root only. The hub of ``hub_server`` with two students and the exchange on a small disk of its
own (a 64 MB tmpfs). Through the students' servers (the Assignments tab's requests):

- disk full: one student's submission is in; the disk is filled; the other's submit fails
  with a message that says the disk is full and nothing was submitted; the first submission
  is untouched, and nothing half-written is left where collect would take it;
- a server killed while it copies a submission (2,000 files) into the exchange: the exchange
  then holds that submission whole or not at all, and collect takes no partial one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import class_burst
import course_material as course
import pytest
from hub_client import Student
from hub_server import Site, running_site

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.timeout(900)]

ASSIGNMENT = course.ASSIGNMENT
MANY = 2000  # files in the submission the server is killed copying


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[Site, dict[str, Student]]]:
    with running_site(students=2, exchange_size="64m") as hub:
        class_burst.release(hub)
        students = class_burst.log_in_all(hub)
        for student in students.values():
            student.action("fetch", course.course_id(), ASSIGNMENT)
        yield hub, students


def inbound(site: Site) -> Path:
    return site.exchange / course.course_id() / "inbound"


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_full_exchange_refuses_clearly_and_damages_nothing(
    site: tuple[Site, dict[str, Student]],
) -> None:
    """Disk full: does submit fail saying so, leaving the other submission and no half one?"""
    hub, students = site
    first, second = sorted(students)
    assert students[first].action("submit", course.course_id(), ASSIGNMENT)["success"] is True
    (before,) = [p for p in inbound(hub).iterdir() if p.name.startswith(f"{first}+")]
    kept = digest(before)
    filler = hub.exchange / "filler"
    with filler.open("wb") as f:  # all but 8 KB of the exchange's disk
        free = os.statvfs(hub.exchange)
        f.write(b"\0" * max(0, free.f_bavail * free.f_frsize - 8192))
    try:
        reply = students[second].action("submit", course.course_id(), ASSIGNMENT)
    finally:
        filler.unlink()
    assert reply["success"] is False
    assert "the exchange has no room for your submission" in reply["value"]
    assert "nothing was submitted" in reply["value"]
    assert digest(before) == kept, "the submission already in was changed"
    names = sorted(p.name for p in inbound(hub).iterdir())
    assert names == [before.name], f"a half-written submission was left: {names}"
    # with room again, the same student submits
    assert students[second].action("submit", course.course_id(), ASSIGNMENT)["success"] is True


def test_a_server_killed_mid_submit_leaves_all_or_nothing(
    site: tuple[Site, dict[str, Student]],
) -> None:
    """Server killed while copying: is the submission in the exchange whole, or absent?"""
    hub, students = site
    name = sorted(students)[0]
    account = next(a for a in hub.students if a.name == name)
    extra = account.home / ASSIGNMENT / "data"
    extra.mkdir()
    for i in range(MANY):
        (extra / f"{i:04d}.txt").write_text(f"{i}\n" * 200, encoding="utf-8")
    course.chown_tree(extra, account.uid, account.gid)
    before = {p.name for p in inbound(hub).iterdir()}
    pid = hub.server_pids()[name]

    def submit() -> None:
        # the server dies under the request: that is the point
        with contextlib.suppress(Exception):
            students[name].action("submit", course.course_id(), ASSIGNMENT)

    request = threading.Thread(target=submit)
    request.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        new = [p for p in inbound(hub).iterdir() if p.name not in before]
        if new:  # the copy has begun
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    else:
        pytest.fail("the submission never reached the exchange")
    request.join(120)
    time.sleep(1)
    new = [p for p in inbound(hub).iterdir() if p.name not in before]
    finished = [p for p in new if p.name.startswith(f"{name}+{ASSIGNMENT}+")]
    for folder in finished:  # a submission in place is a whole one
        files = {p.name for p in (folder / "data").iterdir()}
        assert len(files) == MANY, f"{folder.name} holds {len(files)} of {MANY} files"
        assert (folder / "timestamp.txt").read_text(encoding="utf-8")
        assert (folder / f"{ASSIGNMENT}.ipynb").is_file()
    staged = [p for p in new if p.name.startswith(".partial-")]
    assert finished or staged, "the kill should have found the copy under way or done"
    print(f"\nkilled mid-submit: {len(finished)} whole, {len(staged)} unfinished (hidden)")
    # collect takes the whole ones only, and nothing half-copied
    done = hub.runner.run(
        hub.grader, ["nbgrader", "collect", "--update", ASSIGNMENT], cwd=hub.course_dir
    )
    collected = hub.course_dir / "submitted" / name / ASSIGNMENT
    if finished:
        assert len(list((collected / "data").iterdir())) == MANY
    assert ".partial-" not in done.stdout + done.stderr
