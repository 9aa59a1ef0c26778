"""When a deployment test may skip, and when it must fail instead (CI runs everything)."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def skip_unless_ci(reason: str) -> NoReturn:
    """Skip with ``reason`` on a developer's machine; fail in CI, where everything must run."""
    if in_ci():
        pytest.fail(f"CI=true, so this test must run, but: {reason}", pytrace=False)
    pytest.skip(reason)
