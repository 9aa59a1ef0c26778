"""scripts/make_contents.py: is the contents page current, and is the script idempotent?"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "make_contents.py"
sys.path.insert(0, str(ROOT / "scripts"))

import make_contents  # noqa: E402 — a script, imported from its folder


def _notebook(folder: Path, name: str, title: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\nText."),
        nbformat.v4.new_code_cell("1"),
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    path = folder / name
    nbformat.write(nb, path)
    return path


@pytest.fixture
def course_folder(tmp_path: Path) -> Path:
    """Three tiny notebooks, written out of order, plus a file the script must ignore."""
    _notebook(tmp_path, "02.01-second.ipynb", "Second")
    _notebook(tmp_path, "00.00-start.ipynb", "Start")
    _notebook(tmp_path, "01.01-first.ipynb", "First")
    _notebook(tmp_path, "Untitled.ipynb", "Not part of the course")
    return tmp_path


def test_the_committed_contents_are_current() -> None:
    """Does `make_contents.py --check` find nothing to change in notebooks/?"""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_order_comes_from_the_names(course_folder: Path) -> None:
    """Are notebooks ordered by chapter.section, and are other files left out?"""
    names = [entry.path.name for entry in make_contents.course(course_folder)]
    assert names == ["00.00-start.ipynb", "01.01-first.ipynb", "02.01-second.ipynb"]


def test_links_point_to_the_neighbours(course_folder: Path) -> None:
    """Does each notebook link back to the previous one and on to the next?"""
    make_contents.main(["--folder", str(course_folder)])
    middle = nbformat.read(course_folder / "01.01-first.ipynb", as_version=4)
    top, bottom = middle.cells[0], middle.cells[-1]
    assert top.metadata["tags"] == ["navigation"] == bottom.metadata["tags"]
    assert "[00.00 Start](00.00-start.ipynb)" in top.source
    assert "[02.01 Second](02.01-second.ipynb)" in top.source
    first = nbformat.read(course_folder / "00.00-start.ipynb", as_version=4)
    assert "&lt;" not in first.cells[0].source  # nothing before the first notebook
    contents = (course_folder / "README.md").read_text(encoding="utf-8")
    assert contents.index("00.00-start") < contents.index("01.01-first") < contents.index("02.01")
    assert "Untitled" not in contents


def test_a_second_run_changes_nothing(course_folder: Path) -> None:
    """Is the script idempotent: navigation cells replaced, never added twice?"""
    assert make_contents.main(["--folder", str(course_folder)]) == 0
    first_pass = {p.name: p.read_text() for p in course_folder.iterdir()}
    assert make_contents.main(["--folder", str(course_folder), "--check"]) == 0
    make_contents.main(["--folder", str(course_folder)])
    assert {p.name: p.read_text() for p in course_folder.iterdir()} == first_pass
    nb = nbformat.read(course_folder / "01.01-first.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags.count(["navigation"]) == 2
    assert len(nb.cells) == 4


def test_check_mode_reports_and_changes_nothing(course_folder: Path) -> None:
    """Does --check exit 1 on a stale folder and leave every file as it was?"""
    before = {p.name: p.read_text() for p in course_folder.iterdir()}
    assert make_contents.main(["--folder", str(course_folder), "--check"]) == 1
    assert {p.name: p.read_text() for p in course_folder.iterdir()} == before


def test_a_new_notebook_is_linked_in(course_folder: Path) -> None:
    """After adding a notebook, do its neighbours' links change to include it?"""
    make_contents.main(["--folder", str(course_folder)])
    _notebook(course_folder, "01.02-inserted.ipynb", "Inserted")
    assert make_contents.main(["--folder", str(course_folder), "--check"]) == 1
    make_contents.main(["--folder", str(course_folder)])
    first = nbformat.read(course_folder / "01.01-first.ipynb", as_version=4)
    assert "[01.02 Inserted](01.02-inserted.ipynb)" in first.cells[-1].source
