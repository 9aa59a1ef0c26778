"""What a grade cell calls: ``check(kind, answer, public_key)``.

The function runs inside the learner's kernel, where the learner's code could have replaced
anything, so nothing it computes is trusted for a score, and it is given no answer key:

1. the answer is copied into plain JSON data (:func:`iamlab.course.answers.plain`); anything
   else is refused with the reason;
2. the copy is *recorded* as a display output of MIME type :data:`ANSWER_MIME`: this is all
   a kernel can do, submit an answer. After the run the grader judges the recorded answer
   against the key it keeps on the instructor's side, outside the kernel
   (:mod:`iamlab.course.verify`);
3. the copy is checked here against the cell's *public* key (are all the answers there, each
   a label? does the policy parse?), so the learner sees at once what is malformed.

A malformed answer raises ``AssertionError`` with the reason; a well-formed one prints so.
"""

# IPython ships partial type information.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

from typing import Any

from iamlab.course.answers import AnswerError, plain
from iamlab.course.checks import judge

ANSWER_MIME = "application/vnd.iamlab.answer+json"
PUBLIC_KINDS = ("label-shape", "policy-shape")


def check(kind: str, answer: object, key: dict[str, Any] | None = None) -> None:
    """Record ``answer`` for grading; raise ``AssertionError`` if it is not well formed."""
    __tracebackhide__ = True
    try:
        data = plain(narrow(kind, answer, key or {}))
    except AnswerError as error:
        _record({"kind": kind, "rejected": str(error)})
        raise AssertionError(f"this answer cannot be graded: {error}") from None
    _record({"kind": kind, "answer": data})
    if kind not in PUBLIC_KINDS:
        print("✓ answer recorded: it is judged when your work is graded")
        return
    verdict = judge(kind, data, key or {})
    if not verdict.passed:
        raise AssertionError(verdict.message())
    print("✓ " + verdict.message() + " (graded when you hand in)")


def narrow(kind: str, answer: object, key: dict[str, Any]) -> object:
    """For label checks, keep only this check's ids, so one bad value costs one part only.

    Only an exact ``dict`` is narrowed (its methods cannot be overridden); anything else is
    passed on whole and refused by :func:`plain` if it is not plain data.
    """
    if type(answer) is not dict or kind not in ("labels", "label-shape"):
        return answer
    ids = key.get("expected") or key.get("ids") or ()
    return {k: dict.__getitem__(answer, k) for k in ids if dict.__contains__(answer, k)}


def _record(payload: dict[str, Any]) -> None:
    try:
        from IPython.display import display
    except ImportError:  # not in a kernel: nothing to record
        return
    display({ANSWER_MIME: payload, "text/plain": f"<answer recorded: {payload['kind']}>"}, raw=True)


def review(kind: str, answer: object, key: dict[str, Any] | None = None) -> None:
    """Self-check: print what the checker says about ``answer`` (never raises, never graded)."""
    try:
        data = plain(narrow(kind, answer, key or {}))
    except AnswerError as error:
        print(f"✗ this answer cannot be graded: {error}")
        return
    verdict = judge(kind, data, key or {})
    print(("✓ " if verdict.passed else "✗ ") + verdict.message())
