"""``python -I -m iamlab.course.worker``: the grader's judging worker.

Reads one request per line, ``{"kind": ..., "answer": ..., "key": ...}`` as JSON, on standard
input, and writes each verdict as one line of JSON on standard output. The grader
(:mod:`iamlab.course.judging`) runs it outside every learner's kernel, under a memory limit,
and gives each answer a time limit: an answer that holds the worker longer is scored zero
and the worker is replaced.
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys

from iamlab.course.checks import fail, judge

MEMORY_BYTES = 2 * 1024**3


def limit_memory(limit: int = MEMORY_BYTES) -> None:
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit is in place already
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def serve() -> None:
    limit_memory()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            verdict = judge(request["kind"], request["answer"], request["key"])
        except (ValueError, KeyError, TypeError) as error:
            verdict = fail(f"the checker got a malformed request: {error}")
        except MemoryError:
            verdict = fail("judging this answer needed more memory than the grader allows")
        sys.stdout.write(json.dumps(verdict.to_dict(), ensure_ascii=False) + "\n")
        sys.stdout.flush()


def main() -> None:
    serve()


if __name__ == "__main__":
    main()
