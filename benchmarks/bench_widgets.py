"""Widget speed: a simulator interaction, and the access matrix (issue 3).

(a) One interaction of the request simulator on a generated lab of 100 users: the principal
    drop-down changes, the widget evaluates the request, writes the explanation and builds
    the decision-path diagram's DOT source. Target: median and p95 under 50 ms. Drawing the
    diagram as SVG (Graphviz's ``dot``, a separate process) is reported too, for information.
(b) The access matrix of 50 principals × 100 actions × 10 resources (50,000 decisions),
    through ``iamlab.model.matrix.access_matrix``, which computes them in batches (per
    principal and action, across the resources; every cell identical to ``Lab.evaluate``,
    tests/model/test_matrix_batch.py). Target: under 0.3 s (issue 11).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

import iamlab
from benchmarks.labs import generated_lab, request_actions, request_resources
from iamlab.model.matrix import access_matrix
from iamlab.widgets import AccessMatrix, RequestSimulator

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
CONTEXT = {"aws:SecureTransport": True, "aws:SourceIp": "203.0.113.9"}
INTERACTIONS = 60
MATRIX_RUNS = 3


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0..1) by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def simulator_interactions(lab: iamlab.Lab, fmt: str, count: int) -> list[float]:
    """Milliseconds per change of the principal drop-down, over ``count`` changes."""
    names = [n for n in lab.principal_names() if n.startswith("user")]
    sim = RequestSimulator(
        lab,
        principal=names[0],
        action="s3:GetObject",
        resource="arn:aws:s3:::shop-data-01/shared/menu.pdf",
        now=NOW,
        diagram_format=fmt,  # type: ignore[arg-type]
    )
    sim.source_ip.value = CONTEXT["aws:SourceIp"]
    times = []
    for i in range(count):
        name = names[(i + 1) % len(names)]
        started = time.perf_counter()
        sim.principal.value = name
        times.append((time.perf_counter() - started) * 1000)
        if sim.decision is None or not sim.diagram_source:
            raise SystemExit(f"error: the simulator showed no decision for {name}: {sim.error}")
    return times


def main() -> None:
    data = generated_lab(users=100)
    lab = iamlab.Lab.from_dict(data)
    print(f"lab: {lab!r}")

    dot = simulator_interactions(lab, "dot", INTERACTIONS)
    print(
        f"(a) simulator interaction (decision + explanation + diagram DOT source), "
        f"{len(dot)} changes of the principal: median {statistics.median(dot):.1f} ms, "
        f"p95 {percentile(dot, 0.95):.1f} ms, max {max(dot):.1f} ms   target < 50 ms"
    )
    svg = simulator_interactions(lab, "svg", 20)
    print(
        f"    the same, drawing the diagram as SVG with Graphviz's dot, {len(svg)} changes: "
        f"median {statistics.median(svg):.1f} ms, p95 {percentile(svg, 0.95):.1f} ms "
        f"(for information; dot runs as a separate process)"
    )

    principals = lab.principal_names()[:50]
    actions = request_actions(100)
    resources = request_resources(data, 10)
    cells = len(principals) * len(actions) * len(resources)
    runs = []
    matrix = None
    for _ in range(MATRIX_RUNS):
        started = time.perf_counter()
        matrix = access_matrix(lab, principals, actions, resources, context=CONTEXT, now=NOW)
        runs.append(time.perf_counter() - started)
    assert matrix is not None and len(matrix) == cells
    counts = ", ".join(f"{k} {v:,}" for k, v in sorted(matrix.counts().items()))
    best, median = min(runs), statistics.median(runs)
    print(
        f"(b) access matrix {len(principals)} principals × {len(actions)} actions × "
        f"{len(resources)} resources = {cells:,} decisions: median {median:.2f} s, best "
        f"{best:.2f} s of {MATRIX_RUNS} ({cells / median:,.0f} decisions/s)   target < 0.3 s"
    )
    print(f"    outcomes: {counts}")
    started = time.perf_counter()
    AccessMatrix(lab, principals, actions, resources, context=CONTEXT, now=NOW)
    print(
        f"    the AccessMatrix widget for it (decisions + first grid): "
        f"{time.perf_counter() - started:.2f} s"
    )
