"""Example submissions, graded: what ``make examples`` writes to ``autograded/``.

Three learners hand in each assignment: ``example-perfect`` (the instructor's solutions),
``example-partial`` (classic mistakes: an IAM user for a person or a pipeline, ``s3:*``, a
trust policy without MFA, a session that keeps the caller's permissions, an OIDC trust policy
with no ``sub`` condition) and ``example-broken`` (a syntax error, then nothing). They are
autograded in a scratch copy of the course, exactly as students are, and the graded notebooks,
their HTML feedback and a ``scores.csv`` are copied to ``autograded/``.

:func:`submission` (fill a released notebook's answer cells) is also what the tests use to
make their integrity and sandbox cases.
"""

# nbformat, nbconvert, nbgrader and IPython ship no (or partial) type information: calling
# them from typed code, and subclassing their classes, is what this module is for.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat

from iamlab.course import pipeline
from iamlab.course.banks import ASSIGNMENTS
from iamlab.course.cells import SOLUTION_BEGIN, SOLUTION_END
from iamlab.course.gradebook import gradebook_url

Patch = Mapping[str, str]

PARTIAL: dict[str, Patch] = {
    "ps01": {
        "answers_software_that_needs_aws_access": (
            'answers["S01"] = ROLE\nanswers["S02"] = ROLE\n'
            'answers["S03"] = USER  # the pipeline gets access keys\nanswers["S04"] = USER'
        ),
        "answers_people_in_the_shop": (
            'answers["S05"] = GROUP\nanswers["S06"] = GROUP\n'
            'answers["S07"] = USER  # one IAM user per person\nanswers["S08"] = ROLE\n'
            'answers["S09"] = ROLE'
        ),
        "written_answer": "The owner should not use root every day. They should make an IAM "
        "user with admin rights and turn on MFA.",
    },
    "ps02": {
        "answer_baristas": (
            'barista_policy = {\n    "Version": "2012-10-17",\n    "Statement": [\n'
            '        {"Effect": "Allow", "Action": "s3:*",\n'
            '         "Resource": "arn:aws:s3:::coffee-recipes*"},\n'
            '        {\n            "Effect": "Allow",\n            "Action": "sts:AssumeRole",\n'
            '            "Resource": "arn:aws:iam::111122223333:role/CoffeeMachineOperator",\n'
            "        },\n    ],\n}"
        ),
    },
    "ps03": {
        "answer_trust": (
            'trust_policy = {\n    "Version": "2012-10-17",\n    "Statement": [\n'
            '        {\n            "Effect": "Allow",\n'
            '            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},\n'
            '            "Action": "sts:AssumeRole",\n        }\n    ],\n}'
        ),
        "answer_predictions": (
            "predictions = {\n"
            '    "P1": ALLOWED,\n    "P2": IMPLICITLY_DENIED,\n    "P3": ALLOWED,\n'
            '    "P4": ALLOWED,  # the session keeps maria\'s permissions?\n'
            '    "P5": EXPLICITLY_DENIED,\n    "P6": EXPLICITLY_DENIED,\n'
            '    "P7": IMPLICITLY_DENIED,\n    "P8": ALLOWED,\n    "P9": EXPLICITLY_DENIED,\n}'
        ),
    },
    "ps04": {
        # the classic mistake: no condition on the sub claim, so any repository's job gets in
        "answer_deploy": (
            'trust_policy = {\n    "Version": "2012-10-17",\n    "Statement": [\n'
            '        {\n            "Effect": "Allow",\n            "Principal": {\n'
            '                "Federated": "arn:aws:iam::111122223333:oidc-provider/'
            'token.actions.githubusercontent.com"\n            },\n'
            '            "Action": "sts:AssumeRoleWithWebIdentity",\n'
            '            "Condition": {"StringEquals": {\n'
            '                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"\n'
            "            }},\n        }\n    ],\n}"
        ),
        "answer_sessions": (
            "predictions = {\n"
            '    "Q1": ALLOWED,\n    "Q2": IMPLICITLY_DENIED,\n    "Q3": ALLOWED,\n'
            '    "Q4": ALLOWED,\n    "Q5": ALLOWED,  # alex keeps what the other sets allow?\n'
            '    "Q6": IMPLICITLY_DENIED,\n}'
        ),
    },
}

EXAMPLES = ("example-perfect", "example-partial", "example-broken")


def solutions(source_nb: Any) -> dict[str, str]:
    """The answer of each solution cell of an instructor notebook, as a student would write it."""
    out = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            if cell.cell_type == "code":
                out[cell.id] = "\n".join(
                    line
                    for line in cell.source.splitlines()
                    if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END)
                )
            else:
                out[cell.id] = cell.source
    return out


def submission(
    course: Path, assignment: str, patches: Patch | None = None, *, solved: bool = True
) -> Any:
    """A released notebook with its answer cells filled in.

    ``solved`` fills every answer cell with the instructor's solution first; ``patches``
    (cell id -> source) then replace individual cells (any cell, not only answer cells).
    """
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", 4)
    answers = (
        solutions(nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", 4))
        if solved
        else {}
    )
    answers.update(patches or {})
    for cell in release.cells:
        if cell.id in answers:
            cell.source = answers[cell.id]
    return release


def broken(course: Path, assignment: str) -> Any:
    nb = submission(course, assignment, solved=False)
    first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = first.source.replace("raise NotImplementedError()", "this is not Python (yet")
    return nb


def hand_in(course: Path, student: str, assignment: str, notebook: Any | str | bytes) -> Path:
    """Put a notebook (or raw file content) where ``nbgrader collect`` would: submitted/."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    if isinstance(notebook, str | bytes):
        path.write_bytes(notebook.encode() if isinstance(notebook, str) else notebook)
    else:
        nbformat.write(notebook, path)
    return path


def example_notebooks(course: Path) -> dict[tuple[str, str], Any]:
    makers: dict[str, Callable[[str], Any]] = {
        "example-perfect": lambda a: submission(course, a),
        "example-partial": lambda a: submission(course, a, PARTIAL.get(a)),
        "example-broken": lambda a: broken(course, a),
    }
    return {(student, a): make(a) for student, make in makers.items() for a in ASSIGNMENTS}


def regenerate(repo: Path, scratch: Path | None = None) -> Path:
    """Autograde the examples in a scratch course; copy the results to ``repo/autograded``."""
    with tempfile.TemporaryDirectory(prefix="iamlab-examples-") as tmp:
        course = scratch or Path(tmp) / "course"
        course.mkdir(parents=True, exist_ok=True)
        course.chmod(0o755)
        pipeline.copy_course(repo, course)
        for name in ASSIGNMENTS:
            pipeline.nbgrader(course, "generate_assignment", name, "--force")
        for (student, name), nb in example_notebooks(course).items():
            hand_in(course, student, name, nb)
        pipeline.autograde(course, force=True)
        pipeline.feedback(course)
        target = repo / "autograded"
        for student in EXAMPLES:
            shutil.rmtree(target / student, ignore_errors=True)
            for name in ASSIGNMENTS:
                folder = target / student / name
                folder.mkdir(parents=True)
                for src in (
                    (course / "autograded" / student / name / f"{name}.ipynb"),
                    (course / "feedback" / student / name / f"{name}.html"),
                ):
                    dest = folder / src.name
                    dest.write_bytes(normalise(src.read_bytes(), course))
        (target / "scores.csv").write_text(scores_csv(course, EXAMPLES), encoding="utf-8")
        print(f"wrote {target}")
    return target


def normalise(data: bytes, course: Path) -> bytes:
    """Replace the scratch course's path by ``COURSE`` so the output does not depend on it."""
    return data.replace(str(course.resolve()).encode(), b"COURSE")


def scores_csv(course: Path, students: tuple[str, ...] | None = None) -> str:
    """One row per (student, assignment, grade cell): the auto score and the maximum."""
    from nbgrader.api import Gradebook, MissingEntry

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "assignment", "cell", "score", "max_score"])
    with Gradebook(gradebook_url(course)) as gb:
        for student in students or sorted(s.id for s in gb.students):
            for name in ASSIGNMENTS:
                try:
                    nb = gb.find_submission_notebook(name, name, student)
                except MissingEntry:
                    continue
                for grade in sorted(nb.grades, key=lambda g: g.name):
                    score = (
                        grade.score
                        if grade.auto_score is not None or grade.manual_score is not None
                        else ""
                    )
                    writer.writerow([student, name, grade.name, _num(score), _num(grade.max_score)])
    return out.getvalue()


def _num(value: object) -> str:
    if value == "" or value is None:
        return ""
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else f"{number:g}"
