"""Engine speed: decisions per second on a fixed, realistic mix, and lab loading time.

Targets (issue 2): at least 50,000 decisions/s on one core; a 1,000-user lab loading in
under a second. Run with ``make bench``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

import iamlab
from benchmarks.labs import ACCOUNT, PARTNER, generated_lab, request_actions, request_resources

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def request_mix(
    lab: iamlab.Lab, data: dict[str, Any]
) -> list[tuple[Any, str, str, dict[str, object]]]:
    """A fixed mix: users with and without boundaries, role sessions, cross-account, root."""
    mfa = {"aws:MultiFactorAuthPresent": True}
    sessions: list[iamlab.Session] = []
    for i in range(100):  # the first users that may assume some role, one session each
        for r in range(20):
            try:
                sessions.append(
                    lab.assume_role(
                        f"user{i:03d}", f"Role{r:02d}", session_name=f"s{i}", now=NOW, context=mfa
                    )
                )
                break
            except iamlab.AccessDeniedError:
                continue
        if len(sessions) == 4:
            break
    callers: list[Any] = [f"user{i:03d}" for i in range(0, 100, 6)]
    callers += sessions
    callers += [f"arn:aws:iam::{PARTNER}:user/partner00", "root"]
    contexts: list[dict[str, object]] = [
        {"aws:SourceIp": "203.0.113.9", "aws:SecureTransport": "true"},
        {"aws:SourceIp": "192.0.2.1", "aws:SecureTransport": "true", **mfa},
        {"aws:SourceIp": "198.51.100.7", "aws:SecureTransport": "false"},
        {},
    ]
    pairs = list(zip(request_actions(30), request_resources(data, 30) * 3, strict=False))
    pairs.append(("s3:GetObject", f"{request_resources(data, 1)[0]}/home/user000/a.txt"))
    pairs.append(("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/user006"))
    mix = []
    i = 0
    for caller in callers:
        for action, resource in pairs:
            mix.append((caller, action, resource, contexts[i % len(contexts)]))
            i += 1
    return mix


def decisions_per_second(
    lab: iamlab.Lab, mix: list[tuple[Any, str, str, dict[str, object]]], *, seconds: float = 3.0
) -> tuple[float, dict[str, int]]:
    outcomes: dict[str, int] = {}
    for caller, action, resource, context in mix:  # warm-up and the outcome mix
        result = lab.evaluate(caller, action, resource, context=context, now=NOW).result
        outcomes[result] = outcomes.get(result, 0) + 1
    # CPU time of this process: what one core does, even while the machine is busy
    done = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        for caller, action, resource, context in mix:
            lab.evaluate(caller, action, resource, context=context, now=NOW)
        done += len(mix)
    return done / (time.process_time() - started), outcomes


def load_seconds(users: int) -> tuple[float, float]:
    """Median seconds to build a lab of ``users`` users from a dict and from a YAML file."""
    data = generated_lab(users=users, groups=20, roles=50)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lab.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        from_dict, from_file = [], []
        for _ in range(5):
            started = time.perf_counter()
            iamlab.Lab.from_dict(data)
            from_dict.append(time.perf_counter() - started)
            started = time.perf_counter()
            iamlab.Lab.load(path)
            from_file.append(time.perf_counter() - started)
    return statistics.median(from_dict), statistics.median(from_file)


def main() -> None:
    data = generated_lab(users=100)
    lab = iamlab.Lab.from_dict(data)
    mix = request_mix(lab, data)
    rate, outcomes = decisions_per_second(lab, mix)
    print(
        f"decisions/s (one core, {len(mix)} distinct requests in the mix, "
        f"outcomes {outcomes}): {rate:,.0f}   target >= 50,000"
    )
    explain_started = time.perf_counter()
    for caller, action, resource, context in mix:
        lab.evaluate(caller, action, resource, context=context, now=NOW).explain()
    per_explain = (time.perf_counter() - explain_started) / len(mix) * 1000
    print(f"decision + explain(): {per_explain:.2f} ms each (explanations are built on demand)")
    from_dict, from_file = load_seconds(1000)
    print(
        f"1,000-user lab: {from_dict:.3f} s from a dict, {from_file:.3f} s from YAML   target < 1 s"
    )
