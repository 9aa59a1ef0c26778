"""Fixtures shared by every test folder, named by intent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import iamlab

ROOT = Path(__file__).resolve().parents[1]
COFFEE_SHOP = ROOT / "labs" / "coffee-shop.yaml"
MORNING = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def coffee_shop_lab() -> iamlab.Lab:
    """The course's one world: the coffee shop (111122223333) and its supplier (444455556666)."""
    return iamlab.Lab.load(COFFEE_SHOP)


@pytest.fixture
def morning() -> datetime:
    """A fixed, timezone-aware moment: 09:00 UTC on 2026-11-28."""
    return MORNING


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Any]:
    """One Playwright for the whole run. Its sync API refuses to start while another one is
    alive ("using Playwright Sync API inside the asyncio loop"), and tests/browser, tests/course,
    tests/deploy and tests/lite all drive Chromium: each launches its browser from this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
