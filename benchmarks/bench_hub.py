"""A class's burst on the course's JupyterHub: submissions per minute, and the hub's p50/p95.

``python -m benchmarks`` runs it (``make bench``); root only (it creates Unix accounts and
runs the hub, as tests/deploy/test_hub_burst.py does, with the same code: class_burst.py).
Thirty students (``IAMLAB_BENCH_HUB_STUDENTS``) log in; then all at once fetch ps01 through
their server's nbgrader handler, save their answers and submit, while ``GET /hub/api/`` is
timed every quarter second. Prints the burst's submissions per minute and the latency.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

DEPLOY_TESTS = Path(__file__).resolve().parents[1] / "tests" / "deploy"


def main() -> None:
    count = int(os.environ.get("IAMLAB_BENCH_HUB_STUDENTS", "30"))
    if os.geteuid() != 0 or not shutil.which("configurable-http-proxy"):
        print("hub burst: skipped (needs root and configurable-http-proxy, as the hub tests)")
        return
    sys.path.insert(0, str(DEPLOY_TESTS))
    import class_burst
    from hub_server import running_site

    with running_site(students=count) as site:
        class_burst.release(site)
        began = time.monotonic()
        students = class_burst.log_in_all(site)
        print(f"  {count} logins (each starts a server): {time.monotonic() - began:.0f} s")
        result = class_burst.burst(site, students)
    probe = result.probe
    assert probe is not None
    done = count - len(result.errors)
    print(
        f"hub burst: {done} of {count} fetch+answer+submit in {result.seconds:.1f} s = "
        f"{done / result.seconds * 60:.0f} submissions/min"
    )
    print(
        f"GET /hub/api/ during the burst: p50 {probe.percentile(50) * 1000:.0f} ms, "
        f"p95 {probe.percentile(95) * 1000:.0f} ms ({len(probe.seconds)} requests, "
        f"{len(probe.failures)} failed)"
    )


if __name__ == "__main__":
    main()
