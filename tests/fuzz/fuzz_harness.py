"""The fuzzer's property, checked on every generated call: only documented errors escape,
and each call's CPU time and (for hostile files) traced memory is recorded.

Documented errors are :class:`iamlab.IamlabError` and its subclasses (PolicyError,
ValidationError and its ArgumentTypeError, AccessDeniedError, ExpiredTokenError,
UnknownPrincipalError). Anything else is an *escape* and fails the test.

The counts are printed at the end of the session (see conftest.py): inputs, escapes, calls
over :data:`SLOW_SECONDS` of CPU, and the largest traced peak on hostile files.
"""

from __future__ import annotations

import contextlib
import os
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings

import iamlab
from iamlab.safe_repr import safe_repr

_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "database": None,
}
settings.register_profile("fuzz-ci", derandomize=True, max_examples=60, **_COMMON)
settings.register_profile("fuzz-campaign", max_examples=1500, **_COMMON)
FUZZ = settings(settings.get_profile(os.environ.get("IAMLAB_FUZZ_PROFILE", "fuzz-ci")))

SLOW_SECONDS = 2.0
MESSAGE_CEILING = 20_000  # characters in one error message (a bounded rendering, never the input)
MEMORY_CEILING = 256 * 1024 * 1024  # bytes traced while refusing one hostile file


@dataclass
class Record:
    inputs: int = 0
    escapes: list[str] = field(default_factory=list)
    slow: list[tuple[float, str]] = field(default_factory=list)
    slowest: float = 0.0
    slowest_call: str = ""
    peak_memory: int = 0
    longest_message: int = 0
    longest_label: str = ""
    outcomes: dict[str, int] = field(default_factory=dict)


RECORD = Record()


def call(label: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``function``; return its result, or None when it raised a documented error."""
    RECORD.inputs += 1
    started = time.process_time()
    try:
        result = function(*args, **kwargs)
        outcome = "ok"
    except iamlab.IamlabError as exc:
        result = None
        outcome = type(exc).__name__
        message = str(exc)  # the message itself must render, and stay short
        if len(message) > RECORD.longest_message:
            RECORD.longest_message, RECORD.longest_label = len(message), f"{label}: {message[:60]}"
        assert len(message) < MESSAGE_CEILING, f"{label}: a {len(message):,}-character message"
    except Exception as exc:  # an escape: the property is broken
        spent = time.process_time() - started
        what = f"{label}: {type(exc).__name__}: {safe_repr(str(exc), 200)} (args {safe_repr(args)})"
        RECORD.escapes.append(what)
        raise AssertionError(f"undocumented error escaped after {spent:.2f} s: {what}") from exc
    spent = time.process_time() - started
    if spent > RECORD.slowest:
        RECORD.slowest, RECORD.slowest_call = spent, f"{label} {safe_repr(args, 60)}"
    if spent > SLOW_SECONDS:
        RECORD.slow.append((spent, f"{label} {safe_repr(args)}"))
    RECORD.outcomes[outcome] = RECORD.outcomes.get(outcome, 0) + 1
    return result


def call_traced(label: str, function: Callable[..., Any], *args: Any) -> Any:
    """Like :func:`call`, then once more under tracemalloc for the memory peak (tracing slows
    Python down several times, so the CPU time is measured on the untraced call)."""
    result = call(label, function, *args)
    tracemalloc.start()
    try:
        with contextlib.suppress(iamlab.IamlabError):
            function(*args)
        return result
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        RECORD.peak_memory = max(RECORD.peak_memory, peak)
        assert peak < MEMORY_CEILING, f"{label}: {peak / 1e6:.0f} MB traced"


def summary() -> str:
    r = RECORD
    slow = ", ".join(f"{s:.1f} s {what[:80]}" for s, what in sorted(r.slow, reverse=True)[:5])
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r.outcomes.items(), key=lambda i: -i[1]))
    return (
        f"fuzz: {r.inputs:,} inputs; {len(r.escapes)} escapes; "
        f"{len(r.slow)} calls over {SLOW_SECONDS:.0f} s CPU (slowest {r.slowest:.2f} s: "
        f"{r.slowest_call})"
        f"{': ' + slow if slow else ''}; "
        f"peak traced memory on hostile files {r.peak_memory / 1e6:.1f} MB "
        f"(ceiling {MEMORY_CEILING / 1e6:.0f} MB); longest error message "
        f"{r.longest_message:,} characters ({r.longest_label})\n      outcomes: {outcomes}"
    )
