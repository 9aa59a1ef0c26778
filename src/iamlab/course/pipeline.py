"""The instructor's pipeline: release, autograde, feedback, examples (``python -m iamlab.course``).

Each step runs nbgrader's own command line in the course directory, as an instructor would,
with the venv's tools first on PATH (nbgrader starts ``alembic``).
"""

# nbformat, nbconvert, nbgrader and IPython ship no (or partial) type information: calling
# them from typed code, and subclassing their classes, is what this module is for.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from iamlab.course.build import ASSIGNMENTS, write_course
from iamlab.course.gradebook import gradebook_url
from iamlab.course.intake import INTAKE, Refusal, stage
from iamlab.course.keys import KEYS_FOLDER

PIPELINE_TIMEOUT = 3600


class PipelineError(RuntimeError):
    """A pipeline step failed; the message says which and why."""


def tool_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def nbgrader(
    course: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in ``course``; raise :class:`PipelineError` when it fails."""
    argv = [sys.executable, "-m", "nbgrader", *args]
    done = subprocess.run(
        argv,
        cwd=course,
        env=tool_env(env),
        capture_output=True,
        text=True,
        timeout=PIPELINE_TIMEOUT,
        check=False,
    )
    if check and done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise PipelineError(f"nbgrader {' '.join(args)} failed in {course}:\n{tail}")
    return done


def repo_root() -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "nbgrader_config.py").exists() and (parent / "labs").is_dir():
            return parent
    return None


def _same(a: Path, b: Path | None) -> bool:
    return b is not None and a.resolve() == b.resolve()


def release(
    course: Path, *, bank: Path | None = None, assignments: Sequence[str] | None = None
) -> None:
    """Build ``source/`` from the banks and generate ``release/`` for each assignment."""
    course = Path(course)
    repo = repo_root()
    if bank is not None:
        if _same(course, repo):
            raise PipelineError(
                "a private bank builds a separate course directory, so its answers never land "
                "in this repository: give one outside it, e.g. make release BANK=... "
                "COURSE=~/iam-course-private"
            )
        if repo is not None and bank.resolve().is_relative_to(repo.resolve()):
            raise PipelineError(
                f"the private bank {bank} is inside the repository {repo}: "
                f"keep it outside, where it cannot be committed by mistake"
            )
    course.mkdir(parents=True, exist_ok=True)
    for path in write_course(course, bank):
        print(f"wrote {path}")
    for name in assignments or ASSIGNMENTS:
        nbgrader(course, "generate_assignment", name, "--force")
        print(f"released {course / 'release' / name}")


def autograde(
    course: Path,
    *,
    assignments: Sequence[str] | None = None,
    force: bool = False,
    env: dict[str, str] | None = None,
    extra_args: Sequence[str] = (),
) -> None:
    """Autograde every submission in ``submitted/`` (checked, then sandboxed).

    Each submission is checked and copied to ``intake/`` first (:mod:`iamlab.course.intake`):
    nbgrader grades only that copy, never what a student's folder links to.
    """
    from iamlab.course.sandbox import require_sandbox

    require_sandbox()
    course = Path(course)
    for name in assignments or ASSIGNMENTS:
        notebooks = sorted(p.name for p in (course / "source" / name).glob("*.ipynb"))
        staged, refused = stage(course, name, notebooks)
        for refusal in refused:
            if not refusal.zero:
                print(f"{name}: {refusal.student}: {refusal.reason}", file=sys.stderr)
        if not staged:
            print(f"{name}: no submissions in {course / 'submitted'}")
            continue
        args = [
            "autograde",
            name,
            f"--CourseDirectory.submitted_directory={INTAKE}",
            *(["--force"] if force else []),
            *extra_args,
        ]
        done = nbgrader(course, *args, check=False, env=env)
        print(f"{name}: autograded (nbgrader exit status {done.returncode})")
        if done.returncode != 0:
            # nbgrader goes on past a broken submission and reports it at the end
            print(
                "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:]), file=sys.stderr
            )
        for student, reason in record_ungraded(course, name, refused):
            print(f"{name}: {student} scored 0: {reason}")


NOT_GRADED = "not-graded.txt"


def record_ungraded(
    course: Path, assignment: str, refused: Sequence[Refusal] = ()
) -> list[tuple[str, str]]:
    """Give zero, with the reason, to each submission nbgrader could not grade at all.

    nbgrader skips a submission whose notebook it cannot read (invalid JSON, not a notebook)
    or that the intake refused (missing, a link, a device ...), and leaves its grades empty;
    the course records zero and writes the reason to
    ``autograded/<student>/<assignment>/not-graded.txt`` so the run's outcome is complete.
    """
    from nbgrader.api import Gradebook, MissingEntry

    reasons: dict[str, list[str]] = {}
    for refusal in refused:
        if refusal.zero:
            reasons.setdefault(refusal.student, []).append(refusal.reason)
    staged = {folder.parent.name for folder in (course / INTAKE).glob(f"*/{assignment}")}
    recorded = []
    with Gradebook(gradebook_url(course)) as gb:
        for student in sorted(staged | set(reasons)):
            graded = course / "autograded" / student / assignment
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                gb.update_or_create_student(student)
                submission = gb.update_or_create_submission(assignment, student)
            lost = [nb for nb in submission.notebooks if not (graded / f"{nb.name}.ipynb").exists()]
            unscored = [
                g
                for nb in submission.notebooks
                for g in nb.grades
                if g.auto_score is None and g.manual_score is None and g.cell.cell_type == "code"
            ]
            if not lost and not unscored and student not in reasons:
                continue
            for notebook in lost:
                for grade in notebook.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            for grade in unscored:
                grade.auto_score = 0
            gb.db.commit()
            reason = "; ".join(reasons.get(student, ())) or _unreadable(
                course / INTAKE / student / assignment
            )
            graded.mkdir(parents=True, exist_ok=True)
            (graded / NOT_GRADED).write_text(f"score: 0\nreason: {reason}\n", encoding="utf-8")
            recorded.append((student, reason))
    return recorded


def _unreadable(folder: Path) -> str:
    """Why nbgrader could not grade the notebooks in ``folder``."""
    import nbformat

    for nb in sorted(folder.glob("*.ipynb")):
        try:
            nbformat.read(nb, as_version=4)
        except Exception as error:  # any unreadable notebook, whatever nbformat raises
            return f"{nb.name} is not a readable notebook: {str(error)[:300]}"
    return "nbgrader could not grade this submission (see its log)"


def feedback(course: Path, *, assignments: Sequence[str] | None = None) -> None:
    course = Path(course)
    for name in assignments or ASSIGNMENTS:
        if not any((course / "autograded").glob(f"*/{name}")):
            continue
        nbgrader(course, "generate_feedback", name, "--force")
        print(f"{name}: feedback in {course / 'feedback'}")


def report(course: Path, *, out: Path | None = None) -> None:
    from iamlab.course.report import write_report

    for path in write_report(Path(course), out=out):
        print(f"wrote {path}")


def copy_course(src: Path, dest: Path) -> None:
    """Copy the parts of a course directory that grading needs (config, source, release, keys)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "nbgrader_config.py", dest / "nbgrader_config.py")
    for folder in ("source", "release", KEYS_FOLDER):
        if (src / folder).exists():
            shutil.copytree(src / folder, dest / folder, dirs_exist_ok=True)
