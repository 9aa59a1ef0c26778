"""Fixtures for the headless widget tests: the coffee shop and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import iamlab

ROOT = Path(__file__).resolve().parents[2]
NINE_AM = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def coffee_shop_lab() -> iamlab.Lab:
    return iamlab.Lab.load(ROOT / "labs" / "coffee-shop.yaml")


@pytest.fixture
def nine_am() -> datetime:
    return NINE_AM
