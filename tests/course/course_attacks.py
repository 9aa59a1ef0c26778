"""The attack suite: submissions a determined student could hand in, each with the score it
must get (what its answers earn, never more) and, where useful, the evidence the graded
notebook, its ``not-graded.txt`` or the run's log must show.

Every attack is graded in the same ``nbgrader autograde`` run as the honest controls
(``control``, ``zz-control``: sorted before and after every attack), whose scores must not
move. ``notebook_attacks`` are notebooks (handed in as ``nbgrader collect`` would);
``folder_attacks`` change the submission folder itself (links, FIFOs, extra files, ids).
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.utils import compute_checksum

from iamlab.course.examples import hand_in, submission

GRADE_IDS = (
    "test_software_that_needs_aws_access_answers",
    "test_people_in_the_shop_answers",
    "test_outside_the_shop_answers",
    "test_only_the_root_user_answers",
)
FIRST, SECOND, THIRD, FOURTH = (
    "answers_software_that_needs_aws_access",
    "answers_people_in_the_shop",
    "answers_outside_the_shop",
    "answers_only_the_root_user",
)
NO_OP_CHECK = """
import iamlab.course, iamlab.course.grading

def passes(*args, **kwargs):
    print("✓ 4 of 4 right")

iamlab.course.check = iamlab.course.grading.check = passes
"""
ONE_WRONG = 'answers["S13"] = USER\nanswers["S14"] = ROOT\nanswers["S15"] = ROOT'
NBGRADER_REFUSED = "score: 0\nreason: "  # not-graded.txt
XSS = "window.PWNED = (window.PWNED || 0) + 1"


@dataclass(frozen=True)
class Attack:
    """One attack: what it tries, the ps01 score it must get, evidence to find (optional)."""

    tries: str
    score: float
    evidence: str = ""


def blank_except(code: str) -> dict[str, str]:
    """An unanswered submission whose first answer cell runs ``code``."""
    return {FIRST: code.strip("\n"), SECOND: "", THIRD: "", FOURTH: ""}


def notebook_attacks(course: Path) -> dict[str, tuple[Attack, Any]]:
    """student id -> (attack, ps01 notebook or raw file content)."""

    def nb(patches: dict[str, str] | None = None, solved: bool = True) -> Any:
        return submission(course, "ps01", patches, solved=solved)

    solved = {c.id: c.source for c in nb().cells}

    def before(cell_id: str, code: str) -> dict[str, str]:
        return {cell_id: code.strip("\n") + "\n\n" + solved[cell_id]}

    out: dict[str, tuple[Attack, Any]] = {}

    def add(student: str, attack: Attack, notebook: Any) -> None:
        out[student] = (attack, notebook)

    # ---- the answer key (§1): nothing in the kernel can read it
    add(
        "atk-key-hook",
        Attack("a pre_run_cell hook reads every cell's source for the key's labels", 0),
        nb(
            blank_except(
                r"""
import re
def steal(info):
    text = info.raw_cell
    for sid, label in re.findall(r'"(S\d+)": "(user|group|role|root)"', text):
        answers[sid] = label
get_ipython().events.register("pre_run_cell", steal)
"""
            ),
            solved=False,
        ),
    )
    add(
        "atk-key-history",
        Attack("reads the kernel's input history and globals for a key after each cell", 0),
        nb(
            blank_except(
                r"""
import re
def steal(result):
    text = "\n".join(get_ipython().user_ns.get("In", [])) + repr(globals())
    for sid, label in re.findall(r'"(S\d+)": "(user|group|role|root)"', text):
        answers[sid] = label
get_ipython().events.register("post_run_cell", steal)
"""
            ),
            solved=False,
        ),
    )
    add(
        "atk-key-file",
        Attack("opens keys/ps01.json by relative and absolute paths", 0, "no keys:"),
        nb(
            blank_except(
                f"""
import json
for path in ("../../../keys/ps01.json", "../../keys/ps01.json", "{course}/keys/ps01.json"):
    try:
        keys = json.load(open(path))
        for entry in keys.values():
            answers.update(entry["checks"][-1]["key"].get("expected", {{}}))
    except OSError as error:
        print("no keys:", error)
"""
            ),
            solved=False,
        ),
    )
    add(
        "atk-forged-record",
        Attack("replaces check() and displays its own records claiming all ROLE", 0),
        nb(
            blank_except(
                NO_OP_CHECK
                + """
from IPython.display import display
from iamlab.course.grading import ANSWER_MIME
def forge(result):
    guess = {f"S{i:02d}": "role" for i in range(1, 16)}
    display({ANSWER_MIME: {"kind": "labels", "answer": guess}}, raw=True)
get_ipython().events.register("post_run_cell", forge)
"""
            ),
            solved=False,
        ),
    )
    add(
        "atk-fake-verdict",
        Attack(
            "replaces check() and prints the grader's success line", 0, "no answer was recorded"
        ),
        nb(blank_except(NO_OP_CHECK), solved=False),
    )
    add(
        "atk-patch-worker",
        Attack("patches iamlab.course.judging/check in the kernel to always pass", 9),
        nb(
            {
                FIRST: solved[FIRST]
                + """
import iamlab.course.checks, iamlab.course.judging, iamlab.course.worker
from iamlab.course.checks import Verdict
iamlab.course.checks.judge = lambda *a, **k: Verdict(passed=True, summary="ok")
iamlab.course.judging.Judge.judge = lambda *a, **k: Verdict(passed=True, summary="ok")
""",
                FOURTH: ONE_WRONG,
            }
        ),
    )
    add(
        "atk-sys-modules",
        Attack("puts a fake iamlab.course module in sys.modules that records nothing", 0),
        nb(
            blank_except(
                """
import sys, types
fake = types.ModuleType("iamlab.course")
fake.check = lambda *a, **k: print("✓ 4 of 4 right")
sys.modules["iamlab.course"] = fake
"""
            ),
            solved=False,
        ),
    )
    add(
        "atk-builtins-import",
        Attack("replaces builtins.__import__ so the grade cell imports a fake check", 0),
        nb(
            blank_except(
                """
import builtins, types
real = builtins.__import__
fake = types.SimpleNamespace(check=lambda *a, **k: None)
def hooked(name, *args, **kwargs):
    return fake if name == "iamlab.course" else real(name, *args, **kwargs)
builtins.__import__ = hooked
"""
            ),
            solved=False,
        ),
    )
    add(
        "atk-one-wrong-hidden",
        Attack("one wrong answer, with the AssertionError display swallowed", 9),
        nb(
            {
                FIRST: solved[FIRST]
                + "\nget_ipython().showtraceback = lambda *a, **k: None"
                + "\nget_ipython().showsyntaxerror = lambda *a, **k: None",
                FOURTH: ONE_WRONG,
            }
        ),
    )
    add(
        "atk-exit-in-grade",
        Attack("makes the kernel exit cleanly right after each check is called", 9),
        nb(
            {
                FIRST: solved[FIRST]
                + """
import iamlab.course.grading, os
real = iamlab.course.grading.check
def check_then_quit(kind, answer, key=None):
    if "S13" in key.get("ids", []):
        os._exit(0)
    return real(kind, answer, key)
iamlab.course.check = iamlab.course.grading.check = check_then_quit
""",
            }
        ),
    )

    # ---- nbgrader metadata, cell ids, checksums (§1, §6)
    def tampered(*, solved_nb: bool = False, patches: dict[str, str] | None = None) -> Any:
        return nb(patches if patches is not None else blank_except(NO_OP_CHECK), solved=solved_nb)

    def grade_cells(notebook: Any) -> list[Any]:
        return [c for c in notebook.cells if c.id in GRADE_IDS]

    n = tampered()
    for cell in grade_cells(n):
        cell.metadata.nbgrader["solution"] = True
    add("atk-grade-as-solution", Attack("marks grade cells as solution cells", 0), n)
    n = tampered()
    for cell in grade_cells(n):
        cell.metadata.nbgrader["grade"] = False
    add("atk-grade-flag-off", Attack("turns grade cells' grade flag off", 0), n)
    n = tampered()
    for cell in grade_cells(n):
        cell.source = "print('✓ 4 of 4 right')"
        cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    add("atk-checksum-forged", Attack("rewrites grade cells with matching checksums", 0), n)
    n = tampered()
    for cell in grade_cells(n):
        cell.metadata.nbgrader["grade_id"] += "_x"
    add("atk-grade-id-renamed", Attack("renames every grade cell's grade_id", 0), n)
    n = tampered()
    for cell in grade_cells(n):
        cell.metadata.nbgrader["grade_id"] = cell.metadata.nbgrader["grade_id"].replace(
            "e", "\u0435"
        )  # a Cyrillic e
    add("atk-grade-id-homoglyph", Attack("grade ids with look-alike unicode letters", 0), n)
    n = tampered()
    for cell in grade_cells(n):
        cell.cell_type = "markdown"
        del cell["outputs"], cell["execution_count"]
    add("atk-grade-as-markdown", Attack("turns grade cells into markdown cells", 0), n)
    n = tampered()
    for cell in grade_cells(n):
        cell.source = "pass"
        cell.metadata.nbgrader["locked"] = False
    add("atk-unlocked", Attack("unlocks grade cells and empties them", 0), n)
    n = nb({FOURTH: ONE_WRONG})
    for cell in grade_cells(n):
        cell.metadata.nbgrader["points"] = 100
    add("atk-points-inflated", Attack("one wrong, every grade cell worth 100 points", 9), n)
    n = nb({FOURTH: ONE_WRONG})
    last = grade_cells(n)[-1]
    fake = copy.deepcopy(last)
    fake.source = "pass"
    fake.id = "copy-of-test"
    n.cells.insert(n.cells.index(last), fake)
    add(
        "atk-duplicate-grade",
        Attack("an empty copy of a grade cell first: nbgrader refuses it", 0, NBGRADER_REFUSED),
        n,
    )
    n = tampered()
    n.cells = [c for c in n.cells if c.id not in GRADE_IDS]
    add("atk-no-grade-cells", Attack("deletes every grade cell", 0), n)
    n = nb(solved=False)
    n.cells = []
    add("atk-no-cells", Attack("a notebook with no cells at all", 0), n)
    n = nb(solved=False)
    for cell in grade_cells(n):
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ 4 of 4 right\n")]
        cell.execution_count = 1
    add("atk-prefilled-outputs", Attack("grade cells handed in with passing outputs", 0), n)
    n = nb(solved=False)
    n.cells[1].metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "my_bonus",
        "locked": False,
        "points": 50,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    add("atk-own-grade-cell", Attack("adds a grade cell of its own worth 50 points", 0), n)
    n = nb({FOURTH: ONE_WRONG})
    answer_cell = next(c for c in n.cells if c.id == FIRST)
    answer_cell.metadata.nbgrader.update({"grade": True, "points": 30})
    add(
        "atk-answer-as-grade",
        Attack("an answer cell made a 30-point grade cell: refused", 0, NBGRADER_REFUSED),
        n,
    )
    blank_text = nbformat.writes(nb(solved=False))
    solved_cells = json.dumps(json.loads(nbformat.writes(nb()))["cells"])
    add(
        "atk-json-duplicate-keys",
        Attack("JSON with 'cells' twice: right answers first, the blank ones last", 0),
        blank_text.replace('"cells": [', f'"cells": {solved_cells}, "cells": [', 1),
    )
    raw = json.loads(nbformat.writes(nb()))
    raw["cells"][0]["id"] = "bad id <script>"
    raw["cells"][2]["id"] = raw["cells"][3]["id"]
    add(
        "atk-bad-cell-ids",
        Attack("invalid and duplicated cell ids: nbgrader refuses it", 0, NBGRADER_REFUSED),
        json.dumps(raw),
    )

    # ---- the kernel's folder and startup (§2)
    add(
        "atk-write-startup",
        Attack("writes IPython startup files and sitecustomize where it can", 0, "read-only"),
        nb(
            blank_except(
                """
import os
for path in ("sitecustomize.py", "../sitecustomize.py", os.path.expanduser("~/x.py")):
    try:
        open(path, "w").write("print('hi')")
        print("wrote", path)
    except OSError as error:
        print("read-only:", path, error)
"""
            ),
            solved=False,
        ),
    )

    # ---- bounds (§3)
    slow = nb()
    at = next(i for i, c in enumerate(slow.cells) if c.id == THIRD)
    for i in range(8):
        slow.cells.insert(at, nbformat.v4.new_code_cell(f"import time\ntime.sleep(9)  # {i}"))
    add(
        "atk-many-slow-cells",
        Attack(
            "eight 9 s cells, each under the cell timeout, past the notebook budget",
            6,
            "time budget",
        ),
        slow,
    )
    add(
        "atk-huge-output",
        Attack("prints a 20 MB line, then answers right", 12, "dropped by the grader"),
        nb(before(FIRST, 'print("x" * 20_000_000)')),
    )
    add(
        "atk-fill-tmp",
        Attack("fills /tmp with 200 MB, then answers right", 12, "tmp full:"),
        nb(
            before(
                FIRST,
                """
import os
try:
    for i in range(200):
        with open(f"/tmp/fill{i}", "wb") as f:
            f.write(b"x" * 1024**2)
except OSError as error:
    print("tmp full:", error)
""",
            )
        ),
    )
    add(
        "atk-fill-sockets",
        Attack("writes files into its socket folder, then answers right", 12, "socket folder:"),
        nb(
            before(
                FIRST,
                """
import os
from ipykernel import get_connection_file
folder = os.path.dirname(get_connection_file())
try:
    with open(os.path.join(folder, "fill"), "wb") as f:
        f.write(b"x" * 1024**2)
    print("socket folder: wrote")
except OSError as error:
    print("socket folder:", error)
""",
            )
        ),
    )
    add(
        "atk-tree-memory",
        Attack("four children of 200 MB each under a 512 MB tree limit", 12, "children killed:"),
        nb(
            before(
                FIRST,
                """
import os
pids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = bytearray(200 * 1024**2)
        for i in range(0, len(block), 4096):
            block[i] = 1
        import time; time.sleep(3)
        os._exit(0)
    pids.append(pid)
killed = sum(1 for pid in pids if os.waitpid(pid, 0)[1] != 0)
print(f"children killed: {killed}")
""",
            )
        ),
    )

    # ---- feedback and formgrader (§4): scored as answered; the browser test loads the pages
    add(
        "atk-xss",
        Attack("right answers, with script in markdown, HTML, SVG, JS and image outputs", 12),
        nb(
            {
                FIRST: solved[FIRST]
                + f"""
from IPython.display import HTML, Javascript, display
import iamlab
display(HTML('<img src=x onerror="{XSS}"><script>{XSS}</script>'))
display(HTML('<a href="javascript:{XSS}" id="xss-link">click</a>'))
svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="{XSS}"><script>{XSS}</script></svg>'
display({{"image/svg+xml": svg}}, raw=True)
display(Javascript("{XSS}"))
display({{"image/png": '"><script>{XSS}</script>', "text/plain": "png"}}, raw=True)
display({{"text/markdown": '<img src=y onerror="{XSS}">'}}, raw=True)
shop = {{"name": "shop", "users": {{"maria": {{}}}}}}
lab = iamlab.Lab.from_dict({{"accounts": {{"111122223333": shop}}}})
display(lab)
""",
                "written_answer": f'Roles. <img src=z onerror="{XSS}"> <script>{XSS}</script>'
                f' [me](javascript:{XSS}) <iframe srcdoc="<script>parent.{XSS}</script>"></iframe>',
            }
        ),
    )
    return out


def folder_attacks(course: Path, victim: str) -> dict[str, Attack]:
    """Make the attacks on the submission folder itself; return student id -> attack."""
    sub = course / "submitted"
    out: dict[str, Attack] = {}

    def folder(student: str) -> Path:
        path = sub / student / "ps01"
        path.mkdir(parents=True)
        return path

    def solved_nb(patches: dict[str, str] | None = None, solved: bool = True) -> str:
        return nbformat.writes(submission(course, "ps01", patches, solved=solved))

    folder("atk-link-source").joinpath("ps01.ipynb").symlink_to(
        course / "source" / "ps01" / "ps01.ipynb"
    )
    out["atk-link-source"] = Attack("ps01.ipynb links to source/", 0, "symbolic link")
    folder("atk-link-classmate").joinpath("ps01.ipynb").symlink_to(
        sub / victim / "ps01" / "ps01.ipynb"
    )
    out["atk-link-classmate"] = Attack("ps01.ipynb links to a classmate's", 0, "symbolic link")
    os.link(course / "source" / "ps01" / "ps01.ipynb", folder("atk-hardlink") / "ps01.ipynb")
    out["atk-hardlink"] = Attack("ps01.ipynb is a hard link to source/", 0, "hard link")
    os.mkfifo(folder("atk-fifo") / "ps01.ipynb")
    out["atk-fifo"] = Attack("ps01.ipynb is a FIFO (would block a reader)", 0, "not a regular")
    folder("atk-dev-zero").joinpath("ps01.ipynb").symlink_to("/dev/zero")
    out["atk-dev-zero"] = Attack("ps01.ipynb links to /dev/zero", 0, "symbolic link")
    (sub / "atk-folder-link").mkdir()
    (sub / "atk-folder-link" / "ps01").symlink_to(sub / victim / "ps01")
    out["atk-folder-link"] = Attack(
        "the assignment folder links to a classmate's", 0, "not a folder"
    )
    shadow = folder("atk-iamlab-package")
    shadow.joinpath("ps01.ipynb").write_text(solved_nb({FOURTH: ONE_WRONG}), encoding="utf-8")
    (shadow / "iamlab" / "course").mkdir(parents=True)
    (shadow / "iamlab" / "__init__.py").write_text("", encoding="utf-8")
    (shadow / "iamlab" / "course" / "__init__.py").write_text(
        "USER, GROUP, ROLE, ROOT = 'user', 'group', 'role', 'root'\n"
        "def check(*a, **k):\n    print('✓ 4 of 4 right')\nreview = check\n",
        encoding="utf-8",
    )
    out["atk-iamlab-package"] = Attack("one wrong, an iamlab/ package beside the notebook", 9)
    startup = folder("atk-startup-files")
    startup.joinpath("ps01.ipynb").write_text(solved_nb(solved=False), encoding="utf-8")
    for rel, text in {
        "sitecustomize.py": "import builtins; builtins.answers = {}",
        "usercustomize.py": "print('user')",
        "evil.pth": "import os; os.environ['X'] = '1'",
        ".ipython/profile_default/startup/00-answers.py": "answers = {'S01': 'role'}",
        "ipython_config.py": "c = get_config()",
    }.items():
        (startup / rel).parent.mkdir(parents=True, exist_ok=True)
        (startup / rel).write_text(text, encoding="utf-8")
    out["atk-startup-files"] = Attack("blank, with sitecustomize, .pth, IPython startup", 0)
    honest = folder("atk-scratch-copy")
    honest.joinpath("ps01.ipynb").write_text(solved_nb(), encoding="utf-8")
    honest.joinpath("ps01-Copy1.ipynb").write_text('{"not": "a notebook"', encoding="utf-8")
    out["atk-scratch-copy"] = Attack("honest: right answers and a broken scratch copy", 12)
    empty = folder("atk-no-notebook")
    empty.joinpath("notes.txt").write_text("I forgot to save", encoding="utf-8")
    out["atk-no-notebook"] = Attack("a folder with no notebook", 0, "there is no ps01.ipynb")
    folder("atk-empty-file").joinpath("ps01.ipynb").write_bytes(b"")
    out["atk-empty-file"] = Attack("an empty ps01.ipynb", 0, "not a readable notebook")
    hand_in(course, "atk-nested-notebook", "ps01", submission(course, "ps01", solved=False))
    nested = sub / "atk-nested-notebook" / "ps01" / "sub"
    nested.mkdir()
    nested.joinpath("ps01.ipynb").write_text(solved_nb(), encoding="utf-8")
    out["atk-nested-notebook"] = Attack("blank, a right notebook hidden in a subfolder", 0)
    for bad in ("atk*glob", "atk?one", "atk[ab]", "-atk-dash", "atk\nnewline", "atk\x1bescape"):
        folder(bad).joinpath("ps01.ipynb").write_text(solved_nb(), encoding="utf-8")
    return out


BAD_IDS = ("atk*glob", "atk?one", "atk[ab]", "-atk-dash", "atk\nnewline", "atk\x1bescape")
