"""Hypothesis profiles for the fuzzer, and its counts at the end of the session.

The profiles are registered in fuzz_harness.py and applied by each fuzz test (``@FUZZ``),
never globally, so the rest of the suite keeps its own Hypothesis settings.

- ``fuzz-ci`` (the default): derandomized (a fixed seed), a few dozen examples per test,
  so ``make test`` is repeatable and quick;
- ``fuzz-campaign``: ``make fuzz`` (``IAMLAB_FUZZ_PROFILE=fuzz-campaign``) — many more
  examples, random seeds (printed on failure).
"""

from __future__ import annotations

from typing import Any

from fuzz_harness import RECORD, summary


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if RECORD.inputs:
        terminalreporter.write_line(summary())
