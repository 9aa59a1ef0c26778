"""Parallel autograde: ps01 submissions per second at 1 and 2 jobs, and the scaling ratio.

``python -m benchmarks`` runs it (``make bench``). In a scratch course it releases ps01 and
hands in N submissions (default 24; set ``IAMLAB_BENCH_PARALLEL_SUBMISSIONS``): every third
one with one wrong answer per part. Then it autogrades them as ``make autograde JOBS=1`` and
``make autograde JOBS=2`` do (iamlab.course.parallel: each kernel in the bubblewrap sandbox,
every check verified outside it), each in its own copy of the course with its own SQLite
gradebook, and prints the throughput of each and their ratio (the goal: 1.8x or more at two
jobs on two cores). The load average is printed beside it: other work on the machine takes
cores from the second job.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from iamlab.course import parallel, pipeline
from iamlab.course.build import write_course
from iamlab.course.examples import hand_in, submission

ROOT = Path(__file__).resolve().parents[1]
LABELS = ("USER", "GROUP", "ROLE", "ROOT")


def one_wrong_per_part(course: Path) -> object:
    patches = {}
    for cell in submission(course, "ps01").cells:
        lines = cell.source.splitlines()
        at = next((n for n, line in enumerate(lines) if line.startswith("answers[")), None)
        if cell.id.startswith("answers_") and at is not None:
            head, label = lines[at].rsplit(" ", 1)
            lines[at] = f"{head} {LABELS[(LABELS.index(label) + 1) % len(LABELS)]}"
            patches[cell.id] = "\n".join(lines)
    return submission(course, "ps01", patches)


def graded_course(released: Path, name: str, count: int) -> Path:
    course = released.parent / name
    shutil.copytree(released, course)
    course.chmod(0o755)
    right, wrong = submission(course, "ps01"), one_wrong_per_part(course)
    for i in range(count):
        hand_in(course, f"student{i:04d}", "ps01", wrong if i % 3 == 2 else right)
    return course


def timed(course: Path, jobs: int) -> float:
    began = time.perf_counter()
    parallel.autograde(course, jobs=jobs, assignments=["ps01"])
    return time.perf_counter() - began


def main() -> None:
    count = int(os.environ.get("IAMLAB_BENCH_PARALLEL_SUBMISSIONS", "24"))
    from iamlab.course.sandbox import probe

    if probe() is not None:
        os.environ["IAMLAB_ALLOW_UNSANDBOXED"] = "1"
        print("bubblewrap unavailable: UNSANDBOXED")
    print(f"parallel autograde: {count} ps01 submissions, at 1 and 2 jobs", flush=True)
    with tempfile.TemporaryDirectory(prefix="iamlab-bench-parallel-") as tmp:
        Path(tmp).chmod(0o755)
        released = Path(tmp) / "released"
        released.mkdir(mode=0o755)
        shutil.copyfile(ROOT / "nbgrader_config.py", released / "nbgrader_config.py")
        write_course(released)
        pipeline.nbgrader(released, "generate_assignment", "ps01", "--force")
        seconds = {}
        for jobs in (1, 2):
            course = graded_course(released, f"jobs-{jobs}", count)
            load = os.getloadavg()[0]
            seconds[jobs] = timed(course, jobs)
            print(
                f"  {jobs} job{'s' if jobs > 1 else ''}: {count / seconds[jobs]:.2f} submissions/s "
                f"({count} in {seconds[jobs]:.0f} s; load average before: {load:.1f})",
                flush=True,
            )
    print(
        f"scaling at 2 jobs: {seconds[1] / seconds[2]:.2f}x "
        f"(goal >= 1.8x; {parallel.usable_cores()} usable cores)"
    )


if __name__ == "__main__":
    main()
