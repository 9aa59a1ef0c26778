"""Fixtures for the diagram tests: the coffee shop, a fixed clock, and DOT-reading helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

import iamlab

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def coffee_shop_lab() -> iamlab.Lab:
    return iamlab.Lab.load(ROOT / "labs" / "coffee-shop.yaml")


@pytest.fixture
def opening_time() -> datetime:
    """08:00 UTC on a Monday: the shop opens."""
    return datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _statement(source: str, head: str, *, bare: bool = False) -> str:
    """The one DOT line declaring node ``head`` (with attributes) or the edge ``head``."""
    attrs = r"(?: \[.*)?" if bare else r" \[.*"
    pattern = re.compile(rf"^\s*{re.escape(head)}{attrs}$", re.MULTILINE)
    found = pattern.findall(source)
    assert len(found) == 1, f"expected one statement for {head!r}, found {len(found)}"
    return found[0]


@pytest.fixture
def node_line() -> Callable[[str, str], str]:
    """``node_line(source, "user_111122223333_maria")``: that node's DOT line.

    Label line breaks (``\\n``) become spaces, so a test can look for a phrase that the
    diagram happened to wrap.
    """
    return lambda source, node: _statement(source, node).replace("\\n", " ")


@pytest.fixture
def edge_line() -> Callable[[str, str, str], str]:
    """``edge_line(source, tail, head)``: the DOT line of the edge tail -> head."""
    return lambda source, tail, head: _statement(source, f"{tail} -> {head}", bare=True)
