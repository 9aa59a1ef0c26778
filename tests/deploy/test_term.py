"""A real term on this machine, as deploy/jupyterhub/README.md sets one up (root only).

Unix accounts for a grader (the instructor's account that owns the course directory) and
three students; the exchange made by the guide's ``setup-exchange.sh``; everyone's and the
grader's nbgrader_config.py copied from ``deploy/jupyterhub/``; the course's real ``ps01``.
Then nbgrader's own commands, each run by the account that would run it on the hub:

    grader    generate_assignment, release_assignment
    students  fetch_assignment, answer (all / one part / nothing), submit; one also validates,
              and one submits a second time *as someone else*
    grader    collect, autograde, generate_feedback, release_feedback, export
    students  fetch_feedback

The checks: the scores, each student's feedback is their own, no student can read another's
submission or feedback, and a submission made in someone else's name is not collected.
Skipped, with the reason, when not root; under CI=true it fails instead of skipping.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import course_material as course
import pytest
from jupyter_settings import (
    EFFECTIVE_SERVER_EXTENSIONS,
    disabled_lab_plugins,
    enabled_server_extensions,
    lab,
    server,
)
from must_run import skip_unless_ci
from unix_accounts import Account, Accounts, Runner, missing_tools, sweep_stale_accounts

pytestmark = [pytest.mark.pipeline, pytest.mark.slow, pytest.mark.timeout(600)]

HERE = Path(__file__).resolve().parent
DEPLOY = course.ROOT / "deploy" / "jupyterhub"
ASSIGNMENT = course.ASSIGNMENT
COURSE_FOLDER = "iam-study-lab"  # the course directory's name in the grader's home (the guide's)


@dataclass
class Term:
    base: Path
    exchange: Path
    course_id: str
    course_dir: Path
    tools: Path
    grader: Account
    students: list[Account]
    runner: Runner
    answered: dict[str, set[str]]
    log: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def run(
        self,
        step: str,
        account: Account,
        *command: str,
        cwd: Path | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        done = self.runner.run(account, command, cwd=cwd, check=check)
        self.seconds[step] = time.monotonic() - started
        self.log[step] = done
        return done

    def nbgrader(
        self, step: str, account: Account, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        cwd = self.course_dir if account == self.grader else account.home
        return self.run(step, account, "nbgrader", *args, cwd=cwd, check=check)

    def probe(self, account: Account, *paths: str | Path) -> dict[str, str]:
        done = self.runner.run(
            account, ["python", str(self.tools / "probe_access.py"), *map(str, paths)]
        )
        return json.loads(done.stdout)


def require_root_and_tools() -> None:
    if os.geteuid() != 0:
        skip_unless_ci("the term test creates Unix accounts: run it as root (CI does)")
    missing = missing_tools()
    if missing:
        skip_unless_ci(f"the term test needs {', '.join(missing)} (util-linux, passwd)")
    if not course.source_notebook().exists():
        pytest.fail(f"the course's {ASSIGNMENT} is missing: {course.source_notebook()}")


def _world_readable_dir(path: Path, mode: int = 0o755) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(mode)
    return path


def _copy_config(source: Path, dest: Path, uid: int = 0, gid: int = 0) -> None:
    """Copy one of the guide's config folders as `cp -r` would: folders 0755, files 0644."""
    shutil.copytree(source, dest, dirs_exist_ok=True)
    course.chown_tree(dest, uid, gid)
    for parent, dirs, files in os.walk(dest):
        for name in dirs:
            Path(parent, name).chmod(0o755)
        for name in files:
            Path(parent, name).chmod(0o644)
    dest.chmod(0o755)


def _set_up(base: Path, accounts: Accounts) -> Term:
    _world_readable_dir(base / "home")  # where Accounts makes the homes
    system_config = base / "etc-jupyter"
    tools = _world_readable_dir(base / "tools")
    stage = base / ".stage"
    stage.mkdir(mode=0o700)
    exchange = base / "srv" / "nbgrader" / "exchange"
    _world_readable_dir(exchange.parent)
    course_id = course.course_id()

    grader = accounts.add("grader")
    students = [accounts.add(f"s{i}") for i in (1, 2, 3)]

    # The system-wide Jupyter config (everyone's), as the guide installs it; the exchange moved
    # into the test's folder.
    _copy_config(DEPLOY / "etc-jupyter", system_config)
    with (system_config / "nbgrader_config.py").open("a", encoding="utf-8") as f:
        f.write(f"\n# the term test's exchange\nc.Exchange.root = {str(exchange)!r}\n")

    # The exchange, made by the guide's script.
    subprocess.run(
        [str(DEPLOY / "setup-exchange.sh"), str(exchange), course_id, grader.name],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )

    # The course directory in the grader's home, and the grader's own ~/.jupyter.
    course_dir = grader.home / COURSE_FOLDER
    course.copy_course(course_dir)
    course.chown_tree(grader.home, grader.uid, grader.gid)
    _copy_config(DEPLOY / "grader-jupyter", grader.home / ".jupyter", grader.uid, grader.gid)

    # The students' tools: the answer and probe scripts, and what each student answers.
    for script in ("student_answers.py", "probe_access.py"):
        shutil.copy2(HERE / script, tools / script)
        (tools / script).chmod(0o644)
    every_part = {c.grade_id for c in course.solution_cells()}
    first_part = {next(c.grade_id for c in course.solution_cells() if c.kind == "code")}
    written = {c.grade_id for c in course.solution_cells() if c.kind != "code"}
    answered = {
        students[0].name: every_part,
        students[1].name: first_part | written,
        students[2].name: set(),
    }
    for student in students:
        answers = tools / f"{student.name}.json"
        answers.write_text(json.dumps(course.answers(answered[student.name])), encoding="utf-8")
        answers.chmod(0o644)

    runner = Runner(stage=stage, system_config=system_config)
    return Term(
        base=base,
        exchange=exchange,
        course_id=course_id,
        course_dir=course_dir,
        tools=tools,
        grader=grader,
        students=students,
        runner=runner,
        answered=answered,
    )


def _student_works(term: Term, student: Account) -> None:
    name = student.name
    term.nbgrader(f"fetch_assignment {name}", student, "fetch_assignment", ASSIGNMENT)
    notebook = student.home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    term.run(
        f"answer {name}",
        student,
        "python",
        str(term.tools / "student_answers.py"),
        str(term.tools / f"{name}.json"),
        str(notebook),
    )
    if student == term.students[0]:  # the one who answered everything checks first
        term.nbgrader(f"validate {name}", student, "validate", str(notebook))
    term.nbgrader(f"submit {name}", student, "submit", ASSIGNMENT)


def _walk_the_term(term: Term) -> None:
    grader, students = term.grader, term.students
    term.nbgrader("generate_assignment", grader, "generate_assignment", ASSIGNMENT)
    term.nbgrader("release_assignment", grader, "release_assignment", ASSIGNMENT)
    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        list(pool.map(lambda s: _student_works(term, s), students))
    # The third student submits once more, in the first student's name.
    term.nbgrader(
        "submit as someone else", students[2], "submit", ASSIGNMENT, f"--student={students[0].name}"
    )
    term.nbgrader("collect", grader, "collect", ASSIGNMENT)
    term.nbgrader("autograde", grader, "autograde", ASSIGNMENT)
    term.nbgrader("generate_feedback", grader, "generate_feedback", ASSIGNMENT)
    term.nbgrader("release_feedback", grader, "release_feedback", ASSIGNMENT)
    term.nbgrader("export", grader, "export", "--to", "grades.csv")
    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        list(
            pool.map(
                lambda s: term.nbgrader(
                    f"fetch_feedback {s.name}", s, "fetch_feedback", ASSIGNMENT
                ),
                students,
            )
        )


@pytest.fixture(scope="module")
def term() -> Iterator[Term]:
    require_root_and_tools()
    sweep_stale_accounts()
    base = _world_readable_dir(Path(tempfile.mkdtemp(prefix="iamlab-term-", dir="/tmp")))
    accounts = Accounts(base / "home")
    try:
        started = time.monotonic()
        term = _set_up(base, accounts)
        _walk_the_term(term)
        term.seconds["whole term"] = time.monotonic() - started
        print(
            "\nterm test, seconds per step: "
            + ", ".join(f"{k} {v:.1f}" for k, v in term.seconds.items())
        )
        yield term
    finally:
        try:
            accounts.close()
        finally:
            shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------- the checks


def test_scores_are_what_each_student_earned(term: Term) -> None:
    """Does the gradebook hold, for each student, the score their answers earn?"""
    with (term.course_dir / "grades.csv").open(encoding="utf-8", newline="") as f:
        rows = {
            row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == ASSIGNMENT
        }
    assert sorted(rows) == sorted(s.name for s in term.students)
    for student in term.students:
        score, max_score = course.expected_scores(term.answered[student.name])
        row = rows[student.name]
        assert float(row["max_score"]) == max_score
        assert float(row["score"]) == score, f"{student.name}: {row}"
    scores = [float(rows[s.name]["score"]) for s in term.students]
    assert scores[0] > scores[1] > scores[2] == 0, "the three students should differ"


def test_the_gradebook_is_sqlite_in_the_course_directory(term: Term) -> None:
    """With no URL given, is the gradebook the SQLite file in the course directory?"""
    gradebook = term.course_dir / "gradebook.db"
    assert gradebook.is_file()
    assert gradebook.stat().st_uid == term.grader.uid
    assert gradebook.read_bytes()[:16] == b"SQLite format 3\x00"


def test_validate_works_for_a_student(term: Term) -> None:
    """Does `nbgrader validate` (the Validate button) pass the full answers, as the student?"""
    output = term.log[f"validate {term.students[0].name}"].stdout
    assert "Success! Your notebook passes all the tests." in output


def test_each_student_fetches_only_their_own_feedback(term: Term) -> None:
    """Does each student get one feedback file, with their own score and their own answers?"""
    for student in term.students:
        files = sorted((student.home / ASSIGNMENT / "feedback").glob("*/*.html"))
        assert [f.name for f in files] == [f"{ASSIGNMENT}.html"], files
        html = files[0].read_text(encoding="utf-8")
        score, max_score = course.expected_scores(term.answered[student.name])
        assert f"Score: {score:.1f} / {max_score:.1f}" in html, (
            f"{student.name}'s feedback does not show their score {score:g} / {max_score:g}"
        )
        for other in term.students:
            if other != student:
                assert other.name not in html


def test_no_student_can_read_another_students_work(term: Term) -> None:
    """Can a student list the exchange's submissions, or open another's notebook or feedback?"""
    inbound = term.exchange / term.course_id / "inbound"
    feedback = term.exchange / term.course_id / "feedback"
    for student in term.students:
        targets: list[str | Path] = [
            inbound,
            f"{inbound}/*",
            feedback,
            f"{feedback}/*.html",
            term.course_dir,
            term.course_dir / "gradebook.db",
        ]
        for other in term.students:
            if other == student:
                continue
            nb = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
            targets += [
                f"{inbound}/{other.name}+{ASSIGNMENT}+*",
                other.home,
                other.home / nb,
                f"{other.home}/.local/share/jupyter/nbgrader_cache/{term.course_id}/*/{nb}",
                f"{other.home}/{ASSIGNMENT}/feedback/*/{ASSIGNMENT}.html",
                term.course_dir / "submitted" / other.name / nb,
                term.course_dir / "autograded" / other.name / nb,
                term.course_dir / "feedback" / other.name / ASSIGNMENT / f"{ASSIGNMENT}.html",
            ]
        results = term.probe(student, *targets)
        readable = [path for path, result in results.items() if result == "read"]
        assert readable == [], f"{student.name} could read {readable}"
    # the probe itself works: a student reads their own notebook and the released assignment
    own = term.probe(
        term.students[0],
        term.students[0].home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        term.exchange / term.course_id / "outbound" / ASSIGNMENT,
    )
    assert set(own.values()) == {"read"}, own


def test_a_submission_in_someone_elses_name_is_not_collected(term: Term) -> None:
    """Is the folder the third student submitted as the first left out of collect, with an error?"""
    first, third = term.students[0], term.students[2]
    inbound = term.exchange / term.course_id / "inbound"
    named_first = [p for p in inbound.iterdir() if p.name.startswith(f"{first.name}+")]
    owners = sorted(p.stat().st_uid for p in named_first)
    assert owners == sorted([first.uid, third.uid]), "both submissions should be in the exchange"
    collect = term.log["collect"]
    assert "Not collecting" in collect.stdout + collect.stderr
    collected = term.course_dir / "submitted" / first.name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    cells = json.loads(collected.read_text(encoding="utf-8"))["cells"]
    sources = {
        c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"]) for c in cells
    }
    for grade_id, text in course.answers(term.answered[first.name]).items():
        assert sources[grade_id] == text, f"collected {grade_id} is not {first.name}'s answer"


def test_the_exchange_has_the_modes_the_guide_describes(term: Term) -> None:
    """Are the exchange's folders as deploy/jupyterhub/README.md says (1777, 0755, 2733, 0711)?"""
    course_root = term.exchange / term.course_id
    expected = {
        term.exchange: 0o1777,
        course_root: 0o755,
        course_root / "outbound": 0o755,
        course_root / "inbound": 0o2733,
        course_root / "feedback": 0o711,
    }
    actual = {path: stat.S_IMODE(path.stat().st_mode) for path in expected}
    assert {str(k): oct(v) for k, v in actual.items()} == {
        str(k): oct(v) for k, v in expected.items()
    }
    assert course_root.stat().st_uid == term.grader.uid


@pytest.mark.parametrize(
    ("who", "enabled", "disabled"),
    [
        pytest.param(
            "student",
            server("validate_assignment", "assignment_list"),
            lab("formgrader", "create-assignment", "course-list"),
            id="student",
        ),
        pytest.param(
            "grader",
            server("validate_assignment", "assignment_list", "formgrader"),
            lab("course-list"),
            id="grader",
        ),
    ],
)
def test_each_account_gets_its_own_nbgrader_tools(
    term: Term, who: str, enabled: set[str], disabled: set[str]
) -> None:
    """Does a student get Validate and the assignment list only, and the grader the formgrader?"""
    account = term.grader if who == "grader" else term.students[0]
    shown = term.runner.run(account, ["python", "-c", EFFECTIVE_SERVER_EXTENSIONS])
    assert enabled_server_extensions(shown.stdout) == enabled
    listing = term.runner.run(account, ["jupyter", "labextension", "list"])
    assert disabled_lab_plugins(listing.stdout + listing.stderr) == disabled
