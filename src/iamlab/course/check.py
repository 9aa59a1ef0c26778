"""``python -m iamlab.course.check``: judge one answer in a fresh interpreter.

Reads ``{"kind": ..., "answer": ..., "key": ...}`` as JSON on standard input and writes the
verdict as JSON on standard output. The graded notebooks run it with ``python -I`` (isolated
mode) so nothing the learner's code did to ``iamlab`` inside the kernel can change a verdict.
"""

from __future__ import annotations

import json
import sys

from iamlab.course.checks import fail, judge


def main() -> None:
    try:
        request = json.loads(sys.stdin.read())
        verdict = judge(request["kind"], request["answer"], request["key"])
    except (ValueError, KeyError, TypeError) as error:
        verdict = fail(f"the checker got a malformed request: {error}")
    sys.stdout.write(json.dumps(verdict.to_dict(), ensure_ascii=False))


if __name__ == "__main__":
    main()
