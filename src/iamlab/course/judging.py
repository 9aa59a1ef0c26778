"""The judging step outside the learner's kernel: one worker process, a time limit per answer.

The grader never judges an answer in its own process: a hostile answer (a policy whose
wildcards make matching slow, a huge answer) could hold or exhaust it, and with it every
student after. :class:`Judge` keeps one ``python -I -m iamlab.course.worker`` worker for the
whole grading run (started once: the cost of an interpreter is paid once, not per answer),
sends it one answer at a time and waits at most ``timeout`` seconds for the verdict. An answer
that takes longer, or kills the worker, is scored zero with the reason; the worker is stopped
and a fresh one judges the next answer.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from iamlab.course.checks import Verdict, fail

JUDGE_TIMEOUT = 20.0  # seconds one answer may take to judge
MAX_VERDICT_BYTES = 1024**2
# The folder that holds the `iamlab` package, put first on the worker's sys.path (isolated
# mode ignores PYTHONPATH, so a source checkout works as well as an installed package).
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from iamlab.course.worker import main; main()"


class Judge:
    """A judging worker with a time limit per answer; use as a context manager."""

    def __init__(self, timeout: float = JUDGE_TIMEOUT) -> None:
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""

    def __enter__(self) -> Judge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, _PACKAGE_PARENT],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            self._buffer = b""
        return self._proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def judge(self, kind: str, answer: object, key: Any) -> Verdict:
        """The verdict on ``answer``; a failed one when judging is too slow or breaks."""
        request = json.dumps({"kind": kind, "answer": answer, "key": key}, ensure_ascii=False)
        try:
            proc = self._start()
            assert proc.stdin is not None
            proc.stdin.write(request.encode() + b"\n")
            proc.stdin.flush()
            line = self._readline(proc, time.monotonic() + self.timeout)
            return Verdict.from_dict(json.loads(line))
        except TimeoutError:
            self.close()
            return fail(
                f"judging this answer took longer than {self.timeout:g} s, the grader's "
                f"limit (a policy whose patterns are too costly to evaluate?): scored zero"
            )
        except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
            self.close()
            return fail(f"the grader could not judge this answer ({type(error).__name__})")

    def _readline(self, proc: subprocess.Popen[bytes], deadline: float) -> bytes:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError("the judging worker stopped")
            self._buffer += chunk
            if len(self._buffer) > MAX_VERDICT_BYTES:
                raise ValueError("verdict too large")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line
