"""Answers are copied into plain JSON data before anything judges them (iamlab.course.answers)."""

from __future__ import annotations

import math

import pytest

from iamlab.course import ROLE
from iamlab.course.answers import AnswerError, plain


class AlwaysEqual(str):
    """A string that claims to equal anything: the classic way to fool ``==``."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


class EqualsEverything:
    def __eq__(self, other: object) -> bool:
        return True


def test_does_plain_data_come_back_unchanged() -> None:
    answer = {"S01": ROLE, "n": 3, "x": 1.5, "ok": True, "none": None, "list": ["a", {"b": 1}]}
    assert plain(answer) == answer


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"S01": AlwaysEqual("role")}, "subclass of str"),
        (EqualsEverything(), "EqualsEverything"),
        ({"S01": ("role",)}, "tuple"),
        ({1: "role"}, "use strings as keys"),
        ({"S01": {"role"}}, "set"),
        ({"x": math.nan}, "finite"),
        (b"role", "bytes"),
    ],
)
def test_is_anything_but_plain_data_refused_with_a_reason(answer: object, reason: str) -> None:
    with pytest.raises(AnswerError, match=reason):
        plain(answer)


def test_is_a_deeply_nested_answer_refused() -> None:
    deep: list[object] = []
    for _ in range(50):
        deep = [deep]
    with pytest.raises(AnswerError, match="nested"):
        plain(deep)


def test_does_an_always_equal_object_fail_a_label_check() -> None:
    """Could an object whose __eq__ says yes pass as the right label? No: it is refused."""
    from iamlab.course.grading import check

    with pytest.raises(AssertionError, match="cannot be graded"):
        check("labels", {"S01": AlwaysEqual("x")}, {"expected": {"S01": "role"}})
