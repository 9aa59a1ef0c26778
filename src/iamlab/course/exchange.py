"""The course's collect for nbgrader's exchange (on a hub): no link or special file is copied.

nbgrader's collect copies each submission from the exchange into ``submitted/`` with the
grader's rights, following symbolic links: a link handed in to the gradebook, to ``source/`` or
to a classmate's notebook would be copied as that file's content, and a FIFO would block the
copy. :class:`CheckedCollect` refuses a submission folder holding any symbolic link, device,
FIFO, socket or hard link (:func:`iamlab.course.intake.unsafe_entries`), logs why, and copies
the others. ``make autograde`` checks ``submitted/`` again before nbgrader grades it.

Use it with ``c.ExchangeFactory.collect = "iamlab.course.exchange.CheckedCollect"`` (or make a
deployment's own collect class a subclass of it).
"""

# nbgrader ships no type information.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbgrader.exchange.default.collect import ExchangeCollect

from iamlab.course.intake import unsafe_entries


class CheckedCollect(ExchangeCollect):
    """nbgrader's collect, refusing submissions that hold links or special files."""

    def do_copy(self, src: Any, dest: Any, log: Any = None) -> None:
        problems = unsafe_entries(Path(src))
        if problems:
            self.log.error(
                "Not collecting %s: %s", src, "; ".join(problems[:5]) or "not a plain folder"
            )
            return
        super().do_copy(src, dest, log)
