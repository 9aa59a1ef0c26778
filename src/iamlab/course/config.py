"""The course's nbgrader settings, applied by ``nbgrader_config.py`` with ``configure(c)``.

- Every assignment starts with the shared header notebook ``source/header.ipynb``.
- Released code cells read ``# YOUR CODE HERE`` / ``raise NotImplementedError()``.
- ``nbgrader autograde`` runs each submission's kernel in the bubblewrap sandbox
  (:mod:`iamlab.course.sandbox`) and judges every grade cell against its key in ``keys/``, outside
  the kernel (:mod:`iamlab.course.verify`) before the scores are saved.
- Each submission is checked and copied to ``intake/`` before nbgrader grades it
  (:mod:`iamlab.course.intake`, run by ``python -m iamlab.course autograde``).
- The graded notebook and the feedback are sanitised (:mod:`iamlab.course.sanitize`): no
  student HTML or script runs in the formgrader or the feedback page.
"""

from __future__ import annotations

from typing import Any

CELL_TIMEOUT = 30  # seconds one cell may run before the kernel is interrupted


def configure(c: Any) -> None:
    """Apply the course's settings to nbgrader's config object ``c``."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearHiddenTests,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    from iamlab.course.sandbox import SandboxedExecute
    from iamlab.course.sanitize import SanitizeNotebook
    from iamlab.course.verify import VerifyChecks

    c.IncludeHeaderFooter.header = "source/header.ipynb"
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.record_timing = False  # graded notebooks are committed: no timestamps in them
    c.Execute.coalesce_streams = True  # and no output split differently from run to run
    # a grade cell the student deleted is put back (from the gradebook) and run
    c.OverwriteCells.add_missing_cells = True
    c.Autograde.autograde_preprocessors = [
        SandboxedExecute,
        VerifyChecks,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SanitizeNotebook,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    c.GenerateFeedback.preprocessors = [
        GetGrades,
        ClearHiddenTests,
        SanitizeNotebook,
        CSSHTMLHeaderPreprocessor,
    ]
