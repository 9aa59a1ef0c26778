"""What a grade cell calls: ``check(kind, answer, key)``.

The function runs inside the learner's kernel, where the learner's code could have replaced
anything, so it trusts nothing there:

1. the answer is copied into plain JSON data (:func:`iamlab.course.answers.plain`); anything
   else is refused with the reason;
2. the copy is *recorded* as a display output of MIME type :data:`ANSWER_MIME`, so that the
   instructor's side can judge it again, outside the kernel (:mod:`iamlab.course.verify`);
3. the copy is judged by ``python -I -m iamlab.course.check`` in a fresh interpreter, so a
   monkeypatched ``iamlab`` in the kernel has no effect on the verdict the learner sees.

A failed check raises ``AssertionError`` with the verdict's message (which names the
scenario or the request that went wrong); a passed one prints its summary.
"""

# nbformat, nbconvert, nbgrader and IPython ship no (or partial) type information: calling
# them from typed code, and subclassing their classes, is what this module is for.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from iamlab.course.answers import AnswerError, plain
from iamlab.course.checks import Verdict

ANSWER_MIME = "application/vnd.iamlab.answer+json"
# The folder that holds the `iamlab` package, put first on the checker's sys.path (isolated
# mode ignores PYTHONPATH, so a source checkout works as well as an installed package).
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from iamlab.course.check import main; main()"
CHECK_TIMEOUT = 60


def check(kind: str, answer: object, key: dict[str, Any] | None = None) -> None:
    """Judge ``answer`` (raise ``AssertionError`` with the reason when it is not right)."""
    __tracebackhide__ = True
    try:
        data = plain(narrow(kind, answer, key or {}))
    except AnswerError as error:
        _record({"kind": kind, "rejected": str(error)})
        raise AssertionError(f"this answer cannot be graded: {error}") from None
    _record({"kind": kind, "answer": data})
    verdict = run_isolated(kind, data, key or {})
    if not verdict.passed:
        raise AssertionError(verdict.message())
    print("✓ " + verdict.message())


def narrow(kind: str, answer: object, key: dict[str, Any]) -> object:
    """For label checks, keep only this check's ids, so one bad value costs one part only.

    Only an exact ``dict`` is narrowed (its methods cannot be overridden); anything else is
    passed on whole and refused by :func:`plain` if it is not plain data.
    """
    if type(answer) is not dict or kind not in ("labels", "label-shape"):
        return answer
    ids = key.get("expected") or key.get("ids") or ()
    return {k: dict.__getitem__(answer, k) for k in ids if dict.__contains__(answer, k)}


def run_isolated(kind: str, answer: object, key: dict[str, Any]) -> Verdict:
    """Judge in a fresh ``python -I`` interpreter; return its verdict."""
    request = json.dumps({"kind": kind, "answer": answer, "key": key})
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME")}
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _BOOT, _PACKAGE_PARENT],
            input=request,
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT,
            env=env,
            check=False,
        )
        return Verdict.from_dict(json.loads(done.stdout))
    except (OSError, ValueError, KeyError, TypeError, subprocess.SubprocessError) as error:
        # no fresh interpreter (say, the process limit is reached): judge here instead. The
        # verdict shown may then be tampered with, but when the notebook is autograded the
        # recorded answer is judged again outside the kernel (iamlab.course.verify).
        from iamlab.course.checks import judge

        verdict = judge(kind, answer, key)
        note = f"(judged in this kernel: the checker could not start: {type(error).__name__})"
        return Verdict(
            passed=verdict.passed, summary=verdict.summary, problems=(*verdict.problems, note)
        )


def _record(payload: dict[str, Any]) -> None:
    try:
        from IPython.display import display
    except ImportError:  # not in a kernel: nothing to record
        return
    display({ANSWER_MIME: payload, "text/plain": f"<answer recorded: {payload['kind']}>"}, raw=True)


def review(kind: str, answer: object, key: dict[str, Any] | None = None) -> None:
    """Self-check: print what the checker says about ``answer`` (never raises, never graded)."""
    from iamlab.course.checks import judge

    try:
        data = plain(narrow(kind, answer, key or {}))
    except AnswerError as error:
        print(f"✗ this answer cannot be graded: {error}")
        return
    verdict = judge(kind, data, key or {})
    print(("✓ " if verdict.passed else "✗ ") + verdict.message())
