"""Thirty students submit in the same minute on the course's hub: nothing is lost (root only).

Thirty Unix students log in (PAM) and their servers start; then all of them at once fetch
ps01 through their server's nbgrader handler (the Assignments tab's Fetch), save their
answers and submit (its Submit), while a probe times ``GET /hub/api/``. The grader collects
and autogrades with two jobs. Every submission must be in the exchange once, be collected
once with its own timestamp and its own answers, and score what it earns; every probe
request must be answered. The figures (burst seconds, p50/p95) are printed; ``make bench``
(benchmarks/bench_hub.py) reports them as throughput.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import class_burst
import pytest
from hub_client import Student
from hub_server import Site, running_site

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.timeout(1200)]

STUDENTS = 30


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[Site, dict[str, Student]]]:
    """The hub with thirty students logged in (their servers started) and ps01 released."""
    with running_site(students=STUDENTS) as site:
        class_burst.release(site)
        began = time.monotonic()
        students = class_burst.log_in_all(site)
        print(f"\n{STUDENTS} logins (servers started) in {time.monotonic() - began:.0f} s")
        yield site, students


@pytest.fixture(scope="module")
def term(site: tuple[Site, dict[str, Student]]) -> tuple[Site, class_burst.Burst]:
    hub, students = site
    result = class_burst.burst(hub, students)
    class_burst.collect_and_grade(hub)
    probe = result.probe
    assert probe is not None
    print(
        f"\nburst: {STUDENTS} fetch+save+submit in {result.seconds:.1f} s; GET /hub/api/ "
        f"during it: p50 {probe.percentile(50) * 1000:.0f} ms, p95 "
        f"{probe.percentile(95) * 1000:.0f} ms ({len(probe.seconds)} requests)"
    )
    return hub, result


def test_every_student_submitted(term: tuple[Site, class_burst.Burst]) -> None:
    """Did each of the thirty fetch and submit without an error from their server?"""
    _, result = term
    assert result.errors == {}
    assert len(result.replies) == STUDENTS
    failed = {n: r for n, r in result.replies.items() if r.get("success") is not True}
    assert failed == {}


def test_nothing_is_lost_doubled_or_misgraded(term: tuple[Site, class_burst.Burst]) -> None:
    """Is each submission collected once, with its own timestamp and answers, scored right?"""
    site, result = term
    assert class_burst.problems(site, result.answered, sorted(result.answered)) == []
    assert len(class_burst.inbound_folders(site)) == STUDENTS


def test_the_hub_answers_throughout_the_burst(term: tuple[Site, class_burst.Burst]) -> None:
    """Was every GET /hub/api/ during the burst answered (none failed or timed out)?"""
    _, result = term
    assert result.probe is not None
    assert result.probe.failures == []
    assert len(result.probe.seconds) >= 5, "the probe should have run throughout the burst"


def test_a_hub_restart_mid_burst_loses_and_doubles_nothing(
    site: tuple[Site, dict[str, Student]], term: tuple[Site, class_burst.Burst]
) -> None:
    """Hub and proxy restarted while all resubmit: servers go on, each newest one collected?"""
    hub, students = site
    servers_before = hub.server_pids()

    def restart() -> None:
        time.sleep(1.0)
        hub.stop()
        hub.start()

    every_part = class_burst.answer_sets()[0]
    again = class_burst.burst(
        hub,
        students,
        during=restart,
        answered={name: every_part for name in students},
        fetch=False,
        patience=180,
    )
    assert again.errors == {}
    assert {n: r for n, r in again.replies.items() if r.get("success") is not True} == {}
    assert hub.server_pids() == servers_before, "the students' servers should have gone on"
    # what was collected is each student's newest submission (round 1 graded the scores)
    class_burst.collect(hub, update=True)
    found = class_burst.problems(hub, again.answered, sorted(students), rounds=2, graded=False)
    assert found == []
