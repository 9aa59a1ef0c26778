"""The graded course end to end, with real nbgrader commands (marker: pipeline).

One scratch course is released once; then one gradebook holds a whole class: the example
submissions of ``make examples``, a correct ``control`` submission, the integrity cases
(``int-*``: blank, wrong, tampered, crashing ... notebooks) and the sandbox cases (``sbx-*``:
notebooks that try to reach the network, the gradebook, ``source/``, other students or the
instructor's home, or to exhaust processes, memory and CPU). Everything is autograded in one
``nbgrader autograde`` run per assignment, and the tests below assert on the results.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from course_attacks import BAD_IDS, folder_attacks, notebook_attacks

from iamlab.course import pipeline
from iamlab.course.banks import ASSIGNMENTS
from iamlab.course.cells import HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END
from iamlab.course.examples import (
    EXAMPLES,
    example_notebooks,
    hand_in,
    normalise,
    scores_csv,
    submission,
)
from iamlab.course.intake import INTAKE
from iamlab.course.pipeline import NOT_GRADED
from iamlab.course.sandbox import make_cgroups, remove_cgroups

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PS01_AUTO = 12  # the four autograded parts of ps01, 3 points each
TIMEOUT = 10  # seconds per cell in these tests (the course's default is 30)
NOTEBOOK_BUDGET = 40  # seconds per notebook in these tests (the course's default is 600)
TREE_MEMORY = 512 * 1024**2  # memory of a kernel's process tree in these tests
JUDGE_TIMEOUT = 5  # seconds to judge one answer in these tests (the course's default is 20)
SLOW_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket", "sts:AssumeRole"],
            "Resource": "arn:aws:s3:::" + "*a" * 24 + "X",
        }
    ],
}


# ------------------------------------------------------------------------------- release


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch course directory, released once (as `make release` does)."""
    root = tmp_path_factory.mktemp("course")
    root.chmod(0o755)  # the sandboxed kernel runs as nobody when the tests run as root
    shutil.copyfile(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    pipeline.release(root)
    return root


def release_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted((root / "release").rglob("*"))
        if p.is_file()
    }


def test_is_the_committed_release_what_nbgrader_generates_twice(course: Path) -> None:
    """Is release/ current and deterministic? (Regenerate it with `make release`.)"""
    first = release_files(course)
    for name in ASSIGNMENTS:
        pipeline.nbgrader(course, "generate_assignment", name, "--force")
    assert release_files(course) == first, "generate_assignment is not deterministic"
    assert first == release_files(ROOT), "release/ is not current: run `make release`"


def regions(text: str, begin: str, end: str) -> list[str]:
    found, inside, current = [], False, []
    for line in text.splitlines():
        if begin in line:
            inside, current = True, []
        elif end in line:
            inside = False
            found.append("\n".join(current))
        elif inside:
            current.append(line)
    return found


def test_does_no_solution_or_hidden_test_reach_release() -> None:
    for name in ASSIGNMENTS:
        source = nbformat.read(ROOT / "source" / name / f"{name}.ipynb", 4)
        released = nbformat.read(ROOT / "release" / name / f"{name}.ipynb", 4)
        released_text = "\n".join(c.source for c in released.cells)
        secrets = []
        for cell in source.cells:
            meta = cell.metadata.get("nbgrader", {})
            secrets += regions(cell.source, SOLUTION_BEGIN, SOLUTION_END)
            secrets += regions(cell.source, HIDDEN_BEGIN, HIDDEN_END)
            if meta.get("solution") and cell.cell_type == "markdown":
                secrets.append(cell.source)
        assert secrets
        public = "\n".join(c.source for c in source.cells)
        for secret in secrets:
            public = public.replace(secret, "")
        for secret in secrets:
            for line in secret.splitlines():
                line = line.strip()
                # a line long enough to be a real leak, and not also written in the open
                if len(line) > 12 and line not in public:
                    assert line not in released_text, f"{name}: leaked {line!r}"


def validate(course: Path, folder: str, *invert: str) -> str:
    paths = [f"{folder}/{a}/{a}.ipynb" for a in ASSIGNMENTS]
    return pipeline.nbgrader(course, "validate", *invert, *paths, check=False).stdout


def test_does_every_source_notebook_pass_all_its_tests(course: Path) -> None:
    out = validate(course, "source")
    assert out.count("Success! Your notebook passes all the tests.") == len(ASSIGNMENTS), out


def test_does_every_release_notebook_pass_none_of_its_tests(course: Path) -> None:
    out = validate(course, "release", "--invert")
    assert out.count("Success! The notebook does not pass any tests.") == len(ASSIGNMENTS), out


# ------------------------------------------------------------------------------- the class


@pytest.fixture(scope="module")
def answers_server() -> Iterator[int]:
    """A TCP server on the host's loopback that hands out ps01's right answers."""
    source = nbformat.read(ROOT / "source" / "ps01" / "ps01.ipynb", 4)
    right = dict(
        re.findall(r'answers\["(S\d+)"\] = ([A-Z]+)', "\n".join(c.source for c in source.cells))
    )
    payload = json.dumps(right).encode()
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(payload)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


# What a cheating notebook does when it *can* get the answers: fill them all in.
USE_ANSWERS = """
def use(found):
    for sid, label in found.items():
        answers[sid] = {"USER": USER, "GROUP": GROUP, "ROLE": ROLE, "ROOT": ROOT}[label]
"""
STEAL_FROM_NOTEBOOK = (
    USE_ANSWERS
    + """
import json, re
def steal(path):
    text = open(path).read()
    use(dict(re.findall(r'answers\\[\\\\"(S\\d+)\\\\"\\] = ([A-Z]+)', text)))
    print("stole from", path)
"""
)


def attack(code: str) -> dict[str, str]:
    """A ps01 submission whose first answer cell tries ``code``, then answers nothing."""
    return {
        "answers_software_that_needs_aws_access": code + "\nprint(sorted(answers))",
        "answers_people_in_the_shop": "",
        "answers_outside_the_shop": "",
        "answers_only_the_root_user": "",
    }


def cases(course: Path, port: int, home: Path) -> dict[str, Any]:
    """student id -> ps01 notebook (or raw file content) for the integrity and sandbox cases."""
    nb = lambda patches=None, solved=True: submission(course, "ps01", patches, solved=solved)  # noqa: E731
    out: dict[str, Any] = {"control": nb()}
    out["int-blank"] = nb(solved=False)
    out["int-one-wrong"] = nb(
        {
            "answers_only_the_root_user": (
                'answers["S13"] = USER\nanswers["S14"] = ROOT\nanswers["S15"] = ROOT'
            )
        }
    )
    edited = nb()
    next(
        c for c in edited.cells if c.id == "test_software_that_needs_aws_access_answers"
    ).source = "pass"
    out["int-test-edited"] = edited
    deleted = nb()
    deleted.cells = [c for c in deleted.cells if c.id != "test_people_in_the_shop_answers"]
    out["int-test-deleted"] = deleted
    reordered = nb()
    test_a = next(
        c for c in reordered.cells if c.id == "test_software_that_needs_aws_access_answers"
    )
    reordered.cells.remove(test_a)
    reordered.cells.insert(3, test_a)  # right after the setup cell: before any answer
    out["int-reordered"] = reordered
    solved = {c.id: c.source for c in submission(course, "ps01").cells}

    def before(cell_id: str, code: str) -> dict[str, str]:
        """Part of a correct submission: ``code`` runs first in the answer cell ``cell_id``."""
        return {cell_id: code.strip("\n") + "\n\n" + solved[cell_id]}

    out["int-infinite-loop"] = nb(before("answers_people_in_the_shop", "while True:\n    pass"))
    out["int-kernel-crash"] = nb({"answers_outside_the_shop": "import os\n\nos._exit(1)"})
    out["int-memory-error"] = nb(
        {"answers_software_that_needs_aws_access": "block = bytearray(10**13)"}
    )
    out["int-stderr-noise"] = nb(
        before(
            "answers_software_that_needs_aws_access",
            (
                "import sys\n\nprint('warming up', file=sys.stderr)\n"
                "get_ipython().events.register('post_run_cell', "
                "lambda result: print('noise after every cell', file=sys.stderr))"
            ),
        )
    )
    out["int-invalid-json"] = '{"cells": [ this is not JSON'
    out["int-wrong-type"] = nb(
        {
            "answers_software_that_needs_aws_access": (
                "class Yes(str):\n    def __eq__(self, other):\n        return True\n\n"
                "    __hash__ = str.__hash__\n\n\n"
                'for sid in ["S01", "S02", "S03", "S04"]:\n    answers[sid] = Yes("anything")'
            )
        }
    )
    out["int-replace-helpers"] = nb(
        {
            "answers_software_that_needs_aws_access": (
                "import json, subprocess\nimport iamlab\nimport iamlab.course.checks\n\n"
                "iamlab.course.checks.judge = lambda *a, **k: iamlab.course.checks.Verdict("
                "passed=True, summary='fine')\n"
                "iamlab.Lab.evaluate = lambda *a, **k: None\n"
                "verdict = json.dumps({'passed': True, 'summary': 'all right (honest!)'})\n"
                "subprocess.run = lambda *a, **k: subprocess.CompletedProcess(a, 0, verdict, '')\n"
                "get_ipython().showtraceback = lambda *a, **k: None\n"
                'for sid in ["S01", "S02", "S03", "S04"]:\n    answers[sid] = USER'
            )
        }
    )
    out["int-bypass-check"] = nb(
        {
            "answers_software_that_needs_aws_access": (
                "import iamlab.course\nimport iamlab.course.grading\n\n\n"
                "def passes(*args, **kwargs):\n    print('✓ all right (honest!)')\n\n\n"
                "iamlab.course.check = iamlab.course.grading.check = passes\n"
                'for sid in ["S01", "S02", "S03", "S04"]:\n    answers[sid] = USER'
            )
        }
    )
    out["int-read-others"] = nb(
        attack(
            STEAL_FROM_NOTEBOOK
            + f"""
import glob
for path in glob.glob("../../*/ps01/*.ipynb") + glob.glob("{course}/submitted/*/ps01/*.ipynb"):
    try:
        steal(path)
    except Exception as error:
        print("could not read", path, error)
"""
        ),
        solved=False,
    )
    out["sbx-network-local"] = nb(
        attack(
            USE_ANSWERS
            + f"""
import json, socket
try:
    use(json.loads(socket.create_connection(("127.0.0.1", {port}), timeout=3).recv(4096)))
except OSError as error:
    print("no network:", error)
"""
        ),
        solved=False,
    )
    out["sbx-network-any"] = nb(
        attack(
            USE_ANSWERS
            + """
import socket
try:
    socket.create_connection(("1.1.1.1", 53), timeout=3)
    use({"S01": "ROLE", "S02": "ROLE", "S03": "ROLE", "S04": "USER"})
except OSError as error:
    print("no network:", error)
"""
        ),
        solved=False,
    )
    out["sbx-gradebook"] = nb(
        attack(
            USE_ANSWERS
            + f"""
import sqlite3
try:
    db = sqlite3.connect("file:{course}/gradebook.db?mode=ro", uri=True)
    text = " ".join(row[0] for row in db.execute("select source from source_cell"))
    import re
    use(dict(re.findall(r'answers\\[\\"(S\\d+)\\"\\] = ([A-Z]+)', text)))
except Exception as error:
    print("no gradebook:", error)
"""
        ),
        solved=False,
    )
    out["sbx-source"] = nb(
        attack(
            STEAL_FROM_NOTEBOOK
            + f"""
try:
    steal("{course}/source/ps01/ps01.ipynb")
except OSError as error:
    print("no source:", error)
"""
        ),
        solved=False,
    )
    out["sbx-home"] = nb(
        attack(
            STEAL_FROM_NOTEBOOK
            + f"""
try:
    steal("{home}/answers.ipynb")
except OSError as error:
    print("no home:", error)
"""
        ),
        solved=False,
    )
    out["sbx-fork-bomb"] = nb(
        before(
            "answers_software_that_needs_aws_access",
            """
import os, time

forked = 0
try:
    for _ in range(10_000):
        if os.fork() == 0:
            time.sleep(20)
            os._exit(0)
        forked += 1
except OSError as error:
    print(f"fork bomb stopped after {forked} processes: {error}")
""",
        )
    )
    out["sbx-memory"] = nb(
        before(
            "answers_software_that_needs_aws_access",
            """
try:
    hog = bytearray(8 * 1024**3)
    print("allocated 8 GiB")
except MemoryError:
    print("MemoryError: 8 GiB refused")
""",
        )
    )
    out["sbx-cpu"] = nb(
        {
            "answers_people_in_the_shop": """
while True:  # burns CPU and swallows the grader's interrupt
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
"""
        }
    )
    return out


@pytest.fixture(scope="module")
def graded(
    course: Path, answers_server: int, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The whole class, autograded once (sandboxed) with feedback; returns scores and paths."""
    home = tmp_path_factory.mktemp("instructor-home")
    shutil.copyfile(ROOT / "source" / "ps01" / "ps01.ipynb", home / "answers.ipynb")
    for (student, name), nb in example_notebooks(course).items():
        hand_in(course, student, name, nb)
    for student, nb in cases(course, answers_server, home).items():
        hand_in(course, student, "ps01", nb)
    hand_in(course, "zz-control", "ps01", submission(course, "ps01"))
    attacks = {}
    for student, (attack, nb) in notebook_attacks(course).items():
        hand_in(course, student, "ps01", nb)
        attacks[student] = attack
    attacks.update(folder_attacks(course, victim="control"))
    slow = f"barista_policy = {json.dumps(SLOW_POLICY)}"
    hand_in(
        course, "atk-slow-policy", "ps02", submission(course, "ps02", {"answer_baristas": slow})
    )
    pipeline.autograde(
        course,
        force=True,
        env={"HOME": str(home)},
        extra_args=[
            f"--Execute.timeout={TIMEOUT}",
            f"--SandboxedExecute.notebook_timeout={NOTEBOOK_BUDGET}",
            "--SandboxedKernelManager.cpu_seconds=60",
            f"--SandboxedKernelManager.tree_memory_bytes={TREE_MEMORY}",
            f"--VerifyChecks.judge_timeout={JUDGE_TIMEOUT}",
        ],
    )
    pipeline.feedback(course)
    rows = list(csv.DictReader(io.StringIO(scores_csv(course))))
    totals: dict[tuple[str, str], float] = {}
    for row in rows:
        if row["score"]:
            key = (row["student"], row["assignment"])
            totals[key] = totals.get(key, 0) + float(row["score"])
    return {"course": course, "rows": rows, "totals": totals, "attacks": attacks}


def total(graded: dict[str, Any], student: str, assignment: str = "ps01") -> float:
    return graded["totals"].get((student, assignment), 0.0)


def outputs_of(graded: dict[str, Any], student: str) -> str:
    path = graded["course"] / "autograded" / student / "ps01" / "ps01.ipynb"
    return path.read_text(encoding="utf-8")


def test_are_the_examples_graded_as_committed(graded: dict[str, Any]) -> None:
    """Is autograded/ current? (Regenerate it with `make examples`.)"""
    course = graded["course"]
    assert scores_csv(course, EXAMPLES) == (ROOT / "autograded" / "scores.csv").read_text(
        encoding="utf-8"
    )
    for student in EXAMPLES:
        for name in ASSIGNMENTS:
            for src, committed in (
                (course / "autograded" / student / name / f"{name}.ipynb", f"{name}.ipynb"),
                (course / "feedback" / student / name / f"{name}.html", f"{name}.html"),
            ):
                assert (
                    normalise(src.read_bytes(), course)
                    == (ROOT / "autograded" / student / name / committed).read_bytes()
                ), f"autograded/{student}/{name}/{committed} is not current: run make examples"


def test_do_the_examples_score_perfect_partial_and_zero(graded: dict[str, Any]) -> None:
    assert [total(graded, "example-perfect", a) for a in ASSIGNMENTS] == [12, 9, 11, 9]
    assert [total(graded, "example-partial", a) for a in ASSIGNMENTS] == [6, 6, 3, 2]
    assert [total(graded, "example-broken", a) for a in ASSIGNMENTS] == [0, 0, 0, 0]


def test_does_the_feedback_name_what_went_wrong(graded: dict[str, Any]) -> None:
    html = (graded["course"] / "feedback" / "example-partial" / "ps02" / "ps02.html").read_text(
        encoding="utf-8"
    )
    assert "should be denied, but is allowed: maria → s3:DeleteObject" in html
    assert "BEGIN HIDDEN TESTS" not in html  # the answer keys stay private
    # ps04: the trust policy with no sub condition, named by the tokens it let in
    html = (graded["course"] / "feedback" / "example-partial" / "ps04" / "ps04.html").read_text(
        encoding="utf-8"
    )
    assert "should be refused, but is admitted: a fork&#39;s main" in html or (
        "should be refused, but is admitted: a fork's main" in html
    )


INTEGRITY = {
    "control": (PS01_AUTO, "the correct submission beside every case"),
    "int-blank": (0, "nothing answered"),
    "int-one-wrong": (9, "S13 wrong: part D fails, the rest passes"),
    "int-test-edited": (PS01_AUTO, "nbgrader restores the grade cell from the gradebook"),
    "int-test-deleted": (PS01_AUTO, "nbgrader adds the deleted grade cell back"),
    "int-reordered": (9, "part A's test ran before its answers"),
    "int-infinite-loop": (9, "part B's cell is interrupted at the timeout"),
    "int-kernel-crash": (6, "parts A and B were graded before the crash; C and D did not run"),
    "int-memory-error": (9, "part A raised MemoryError"),
    "int-stderr-noise": (PS01_AUTO, "stderr no longer zeroes a correct cell"),
    "int-invalid-json": (0, "not a notebook: zero, with the reason recorded"),
    "int-wrong-type": (9, "always-equal objects are refused"),
    "int-replace-helpers": (9, "judge, evaluate, the checker and tracebacks were replaced"),
    "int-bypass-check": (0, "check() was replaced: no answer was recorded at all"),
    "int-read-others": (0, "other students' notebooks are not there"),
    "sbx-network-local": (0, "no network, not even the host's loopback"),
    "sbx-network-any": (0, "no network"),
    "sbx-gradebook": (0, "no gradebook"),
    "sbx-source": (0, "no source/"),
    "sbx-home": (0, "no instructor's home"),
    "sbx-fork-bomb": (PS01_AUTO, "the process limit stops the bomb; grading goes on"),
    "sbx-memory": (PS01_AUTO, "the memory limit refuses 8 GiB; grading goes on"),
    "sbx-cpu": (3, "the cell that cannot be interrupted is stopped; later parts do not run"),
}


@pytest.mark.parametrize("student", sorted(INTEGRITY))
def test_does_each_case_get_its_explainable_score(graded: dict[str, Any], student: str) -> None:
    expected, why = INTEGRITY[student]
    assert total(graded, student) == expected, why


def test_is_every_case_recorded_in_the_gradebook(graded: dict[str, Any]) -> None:
    students = {row["student"] for row in graded["rows"] if row["assignment"] == "ps01"}
    assert set(INTEGRITY) <= students


def test_does_the_invalid_notebook_get_its_reason_written(graded: dict[str, Any]) -> None:
    note = graded["course"] / "autograded" / "int-invalid-json" / "ps01" / NOT_GRADED
    assert "not a readable notebook" in note.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("student", "evidence"),
    [
        ("int-kernel-crash", "the kernel died while cell"),
        ("int-infinite-loop", "KeyboardInterrupt"),
        ("int-memory-error", "MemoryError"),
        ("int-wrong-type", "a subclass of str"),
        ("int-replace-helpers", "judged by the grader, outside your kernel"),
        ("int-bypass-check", "no answer was recorded"),
        ("int-stderr-noise", "[stderr] noise after every cell"),
        ("sbx-network-local", "no network:"),
        ("sbx-gradebook", "no gradebook:"),
        ("sbx-source", "no source:"),
        ("sbx-home", "no home:"),
        ("sbx-memory", "MemoryError: 8 GiB refused"),
        ("sbx-cpu", "did not stop when interrupted"),
    ],
)
def test_does_the_graded_notebook_show_what_happened(
    graded: dict[str, Any], student: str, evidence: str
) -> None:
    assert evidence in outputs_of(graded, student)


def test_was_the_fork_bomb_stopped_early(graded: dict[str, Any]) -> None:
    found = re.search(
        r"fork bomb stopped after (\d+) processes", outputs_of(graded, "sbx-fork-bomb")
    )
    assert found and int(found.group(1)) < 64


def test_does_the_report_show_what_the_class_gets_wrong(graded: dict[str, Any]) -> None:
    pytest.importorskip("matplotlib")
    out = graded["course"] / "report"
    written = {p.name for p in pipeline_report(graded["course"], out)}
    assert {"tests.csv", "items.csv", "report.md", "report.png"} <= written
    items = list(csv.DictReader(io.StringIO((out / "items.csv").read_text(encoding="utf-8"))))
    s13 = next(r for r in items if r["assignment"] == "ps01" and r["item"].startswith("S13"))
    assert 0 < float(s13["share"]) < 1  # int-one-wrong missed it, the control did not
    assert "| ps02 |" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "report.png").read_bytes().startswith(b"\x89PNG")


def pipeline_report(course: Path, out: Path) -> list[Path]:
    from iamlab.course.report import write_report

    return write_report(course, out=out)


# ------------------------------------------------------------------------- the attack suite


def evidence_of(graded: dict[str, Any], student: str) -> str:
    """Everything the run left about ``student``: the graded notebook and not-graded.txt."""
    folder = graded["course"] / "autograded" / student / "ps01"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*")) if p.is_file()]
    return "\n".join(texts)


def test_does_each_attack_get_what_its_answers_earn(graded: dict[str, Any]) -> None:
    """Each attack scores what its answers earn (never more), with its evidence shown."""
    wrong = []
    for student, attack in sorted(graded["attacks"].items()):
        got = total(graded, student)
        if got != attack.score:
            wrong.append(f"{student} ({attack.tries}): scored {got}, should be {attack.score}")
        elif attack.evidence and attack.evidence not in evidence_of(graded, student):
            wrong.append(f"{student} ({attack.tries}): no {attack.evidence!r} in its results")
    assert not wrong, "\n".join(wrong)
    assert len(graded["attacks"]) >= 40


def test_do_the_controls_keep_their_scores_beside_every_attack(graded: dict[str, Any]) -> None:
    assert total(graded, "control") == PS01_AUTO
    assert total(graded, "zz-control") == PS01_AUTO  # graded after every attack
    assert total(graded, "example-perfect", "ps02") == 9  # graded beside the slow policy


def test_is_every_attack_recorded_in_the_gradebook(graded: dict[str, Any]) -> None:
    students = {row["student"] for row in graded["rows"] if row["assignment"] == "ps01"}
    assert set(graded["attacks"]) <= students


def test_are_bad_student_ids_skipped_and_never_graded(graded: dict[str, Any]) -> None:
    students = {row["student"] for row in graded["rows"]}
    course = graded["course"]
    for bad in BAD_IDS:
        assert bad not in students
        assert not (course / "autograded" / bad).exists()
        assert not (course / INTAKE / bad).exists()


def test_is_a_policy_that_holds_the_judge_scored_zero_while_the_run_goes_on(
    graded: dict[str, Any],
) -> None:
    assert total(graded, "atk-slow-policy", "ps02") == 6
    path = graded["course"] / "autograded" / "atk-slow-policy" / "ps02" / "ps02.ipynb"
    text = path.read_text(encoding="utf-8")
    # the judge's time limit, or (once the engine's matcher is linear) the plain verdict
    assert f"longer than {JUDGE_TIMEOUT} s" in text or "should be allowed, but is" in text


def test_is_a_huge_output_capped_in_the_graded_notebook(graded: dict[str, Any]) -> None:
    path = graded["course"] / "autograded" / "atk-huge-output" / "ps01" / "ps01.ipynb"
    assert path.stat().st_size < 3 * 1024**2


def test_was_the_socket_folder_read_only_and_the_tree_memory_bounded(
    graded: dict[str, Any],
) -> None:
    import os

    if os.geteuid() != 0:
        pytest.skip("the socket folder is locked and cgroups are made only when grading as root")
    assert "socket folder: [Errno 13]" in evidence_of(graded, "atk-fill-sockets")
    probe = make_cgroups("iamlab-test-probe", TREE_MEMORY, 8)
    remove_cgroups(probe)
    if not probe:
        pytest.skip("no cgroup can be made here: only per-process limits apply")
    found = re.search(r"children killed: (\d)", evidence_of(graded, "atk-tree-memory"))
    assert found and int(found.group(1)) >= 1


@pytest.mark.browser
def test_does_no_student_script_run_in_the_feedback_or_the_graded_notebook(
    graded: dict[str, Any], tmp_path: Path, playwright_session: Any
) -> None:
    """In Chromium: the feedback page and the graded notebook as the formgrader renders it."""
    import os

    from nbconvert import HTMLExporter

    chromium = Path(os.environ.get("IAMLAB_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        pytest.fail(f"this test needs Chromium at {chromium} (apt-get install chromium)")
    course = graded["course"]
    feedback = course / "feedback" / "atk-xss" / "ps01" / "ps01.html"
    notebook = nbformat.read(course / "autograded" / "atk-xss" / "ps01" / "ps01.ipynb", 4)
    rendered = tmp_path / "graded.html"
    rendered.write_text(HTMLExporter().from_notebook_node(notebook)[0], encoding="utf-8")
    browser = playwright_session.chromium.launch(
        executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"], headless=True
    )
    try:
        for page_file in (feedback, rendered):
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_timeout(1500)
            for link in page.locator("a").all():
                href = link.get_attribute("href") or ""
                assert not href.lower().lstrip().startswith("javascript:"), href
            assert page.evaluate("window.PWNED === undefined"), page_file.name
            assert dialogs == []
            # the course's own diagram is still shown, as an image
            shown = page.evaluate(
                "Array.from(document.images).filter(i => "
                "i.src.startsWith('data:image/svg+xml') && i.naturalWidth > 0).length"
            )
            assert shown >= 1, f"no diagram displayed in {page_file.name}"
            page.close()
    finally:
        browser.close()
    assert "Roles." in feedback.read_text(encoding="utf-8")  # the answer is still shown
