"""Run every benchmark: ``python -m benchmarks`` (what ``make bench`` does).

Prints the machine first (CPU model, cores, Python), then imports each module
``benchmarks/bench_*.py`` in sorted order and calls its ``main() -> None``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
import time
from pathlib import Path

import benchmarks

CPUINFO = Path("/proc/cpuinfo")


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    """Return the CPU model name from /proc/cpuinfo, or what platform knows elsewhere."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "model name":
            return value.strip()
    return platform.processor() or platform.machine() or "unknown"


def usable_cores() -> int:
    """Return the cores this process may run on (the affinity mask where there is one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def describe_machine() -> str:
    """Return a short, multi-line description of the machine the figures come from."""
    return "\n".join(
        [
            f"cpu:    {cpu_model()}",
            f"cores:  {usable_cores()} usable ({os.cpu_count()} online)",
            f"python: {platform.python_implementation()} {platform.python_version()}"
            f" ({sys.executable})",
            f"system: {platform.system()} {platform.release()} {platform.machine()}",
        ]
    )


def benchmark_modules() -> list[str]:
    """Return the names of the ``bench_*`` modules in this package, sorted."""
    return sorted(
        f"{benchmarks.__name__}.{info.name}"
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )


def main() -> None:
    """Print the machine, then run each benchmark module's ``main()`` in order."""
    print(describe_machine(), flush=True)
    names = benchmark_modules()
    if not names:
        print("no benchmarks found (add benchmarks/bench_*.py with a main() -> None)")
        return
    for name in names:
        module = importlib.import_module(name)
        run = getattr(module, "main", None)
        if not callable(run):
            raise SystemExit(f"error: {name} has no main() function")
        print(f"\n== {name} ==", flush=True)
        started = time.perf_counter()
        run()
        print(f"-- {name}: {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
