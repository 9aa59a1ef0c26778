"""A class's last minute before the deadline, on the hub: every student fetches and submits at once.

Used by ``test_hub_burst.py`` (nothing lost) and ``benchmarks/bench_hub.py`` (how fast). The
grader releases ps01 with nbgrader's command line; every student logs in (their server
starts); then all of them at the same moment fetch ps01 through their server's nbgrader
handler, save their answers and submit, while a probe times ``GET /hub/api/``. Answers
cycle through everything / the first part and the written answer / nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import course_material as course
from hub_client import LatencyProbe, Student
from hub_server import Site

ASSIGNMENT = course.ASSIGNMENT


def answer_sets() -> list[set[str]]:
    every_part = {c.grade_id for c in course.solution_cells()}
    first = {next(c.grade_id for c in course.solution_cells() if c.kind == "code")}
    written = {c.grade_id for c in course.solution_cells() if c.kind != "code"}
    return [every_part, first | written, set()]


@dataclass
class Burst:
    answered: dict[str, set[str]]
    replies: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    probe: LatencyProbe | None = None


def release(site: Site) -> None:
    for step in ("generate_assignment", "release_assignment"):
        site.runner.run(site.grader, ["nbgrader", step, ASSIGNMENT], cwd=site.course_dir)


def log_in_all(site: Site, workers: int = 6) -> dict[str, Student]:
    students = {a.name: Student(site, a.name) for a in site.students}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda s: s.log_in(), students.values()))
    return students


def _retrying(step: Any, patience: float) -> Any:
    """Do ``step()``; while the hub or its proxy is away, try again each second, as people do.

    Anything the way through the hub can answer while it restarts counts (refused, 5xx, a
    redirect to the hub's pages instead of the server's JSON); after ``patience`` s it raises.
    """
    import requests

    deadline = time.monotonic() + patience
    while True:
        try:
            return step()
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def _one_student(
    student: Student, answers: dict[str, str], fetch: bool = True, patience: float = 0
) -> Any:
    course_id = course.course_id()
    if fetch:
        _retrying(lambda: student.action("fetch", course_id, ASSIGNMENT), patience)
    path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    _retrying(lambda: student.save_answers(path, answers), patience)
    return _retrying(lambda: student.action("submit", course_id, ASSIGNMENT), patience)


def burst(
    site: Site,
    students: dict[str, Student],
    *,
    during: Any = None,
    answered: dict[str, set[str]] | None = None,
    fetch: bool = True,
    patience: float = 0,
) -> Burst:
    """Everyone (fetches,) answers and submits at once; ``during()`` runs meanwhile.

    ``patience``: how long each student keeps trying a step the hub does not answer.
    """
    sets = answer_sets()
    result = Burst(
        answered=answered or {name: sets[i % 3] for i, name in enumerate(sorted(students))}
    )
    with LatencyProbe(site.url) as probe, ThreadPoolExecutor(max_workers=len(students)) as pool:
        began = time.monotonic()
        futures = {
            name: pool.submit(
                _one_student, s, course.answers(result.answered[name]), fetch, patience
            )
            for name, s in students.items()
        }
        if during is not None:
            during()
        for name, future in futures.items():
            try:
                result.replies[name] = future.result()
            except Exception as error:  # recorded: the test says whose submission failed
                result.errors[name] = f"{type(error).__name__}: {str(error)[:300]}"
        result.seconds = time.monotonic() - began
    result.probe = probe
    return result


def collect(site: Site, update: bool = False) -> None:
    """The grader collects (``update``: the submissions newer than those collected)."""
    flags = ["--update"] if update else []
    site.runner.run(site.grader, ["nbgrader", "collect", *flags, ASSIGNMENT], cwd=site.course_dir)


def collect_and_grade(site: Site, jobs: int = 2) -> None:
    """The grader collects and autogrades everything (make autograde JOBS=2's command)."""
    collect(site)
    site.runner.run(
        site.grader,
        ["python", "-m", "iamlab.course", "autograde", "--jobs", str(jobs), ASSIGNMENT],
        cwd=site.course_dir,
        timeout=900,
    )


def inbound_folders(site: Site) -> list[Path]:
    return sorted((site.exchange / course.course_id() / "inbound").iterdir())


def scores(site: Site) -> dict[str, float]:
    from nbgrader.api import Gradebook

    gradebook = Gradebook(site.db_url, course_id=course.course_id())
    try:
        return {s.student.id: float(s.score) for s in gradebook.assignment_submissions(ASSIGNMENT)}
    finally:
        gradebook.close()


def submission_count(site: Site) -> int:
    from nbgrader.api import Gradebook

    gradebook = Gradebook(site.db_url, course_id=course.course_id())
    try:
        return len(gradebook.assignment_submissions(ASSIGNMENT))
    finally:
        gradebook.close()


def problems(
    site: Site,
    answered: dict[str, set[str]],
    names: Sequence[str],
    rounds: int = 1,
    graded: bool = True,
) -> list[str]:
    """What was lost, doubled, misdated or misgraded; empty when the term is whole.

    After ``rounds`` rounds each student has at least that many submissions in the exchange;
    the newest is the one collected and graded.
    """
    found = []
    inbound = inbound_folders(site)
    for name in names:
        account = next(a for a in site.students if a.name == name)
        mine = [p for p in inbound if p.name.startswith(f"{name}+{ASSIGNMENT}+")]
        if len(mine) < rounds or (rounds == 1 and len(mine) != 1):
            found.append(f"{name}: {len(mine)} submissions in the exchange after {rounds} rounds")
            continue
        own = [max(mine, key=lambda p: (p / "timestamp.txt").read_text())]
        if any(p.stat().st_uid != account.uid for p in mine):
            found.append(f"{name}: a submission is not theirs")
        collected = site.course_dir / "submitted" / name / ASSIGNMENT
        stamp = collected / "timestamp.txt"
        if not stamp.exists():
            found.append(f"{name}: not collected")
            continue
        if stamp.read_text() != (own[0] / "timestamp.txt").read_text():
            found.append(f"{name}: collected with another timestamp than their own")
        notebook = json.loads((collected / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
        sources = {
            c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"])
            for c in notebook["cells"]
        }
        for grade_id, text in course.answers(answered[name]).items():
            if sources.get(grade_id) != text:
                found.append(f"{name}: the collected {grade_id} is not their answer")
    if not graded:
        return found
    got = scores(site)
    for name in names:
        expected = course.expected_scores(answered[name])[0]
        if got.get(name) != expected:
            found.append(f"{name}: scored {got.get(name)}, earned {expected}")
    if submission_count(site) != len(names):
        found.append(f"the gradebook holds {submission_count(site)} submissions, not {len(names)}")
    return found
