"""The self-study notebooks keep the course's shape (STYLE.md): names, opening, closing, tasks.

nbval (in the same test run) executes them; these tests read them as documents.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from iamlab.scenarios import load_bank

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NAME = re.compile(r"\A\d\d\.\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb\Z")
# The scenario bank's `section` fields and the issue name these; they must not move.
REQUIRED = [
    "00.00-start-here",
    "01.01-the-root-user",
    "02.01-iam-users-and-credentials",
    "02.02-groups",
    "03.01-policies",
    "03.02-how-aws-decides",
    "03.03-boundaries-and-conditions",
    "04.01-roles-and-temporary-credentials",
    "04.02-roles-for-services-and-other-accounts",
    "05.01-choosing-user-group-or-role",
    "06.01-hands-on-with-boto3",
    "07.01-glossary",
]
WIDGETS = ("RequestSimulator", "PolicyEditor", "AssumeRoleExplorer", "ScenarioQuiz", "AccessMatrix")
DIAGRAMS = ("account_map", "decision_path", "assume_role_sequence", "cross_account")
WIDGET_CALL = re.compile(r"\b(" + "|".join(WIDGETS) + r")\(")
PATHS = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if NAME.match(p.name))


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _authored(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The cells a person wrote: everything but the generated navigation cells."""
    return [c for c in nb.cells if "navigation" not in c.metadata.get("tags", [])]


def _markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in _authored(nb) if c.cell_type == "markdown")


def _headings(nb: nbformat.NotebookNode) -> list[str]:
    return re.findall(r"^#+ (.+)$", _markdown(nb), flags=re.MULTILINE)


def _section(text: str, heading: str) -> str:
    after = text.split(f"## {heading}\n", 1)[1]
    return after.split("\n## ", 1)[0]


@pytest.fixture(params=PATHS, ids=[p.stem for p in PATHS])
def notebook(request: pytest.FixtureRequest) -> tuple[Path, nbformat.NotebookNode]:
    return request.param, _read(request.param)


def test_the_course_has_its_notebooks() -> None:
    """Are all the notebooks the course promises there, under their agreed names?"""
    assert [p.stem for p in PATHS if p.stem in REQUIRED] == REQUIRED
    assert not [p.name for p in NOTEBOOKS.glob("*.ipynb") if not NAME.match(p.name)]


def test_cells_have_ids_and_the_format_is_valid(
    notebook: tuple[Path, nbformat.NotebookNode],
) -> None:
    """Does every cell have an id (nbformat 4.5), so nbformat never has to invent one?"""
    path, nb = notebook
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    ids = [cell.get("id") for cell in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), path.name


def test_length(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    """Is each notebook short and single-purpose: 20 to 45 cells of its own?"""
    path, nb = notebook
    assert 20 <= len(_authored(nb)) <= 45, f"{path.name}: {len(_authored(nb))} cells"


def test_opening(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    """Title, three learning goals with a verb each, a link back, and the time it takes?"""
    path, nb = notebook
    first = _authored(nb)[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), path.name
    goals = first.source.split("**Learning goals.**", 1)[1].split("**Before you start.**", 1)[0]
    bullets = re.findall(r"^- \*([a-z ]+)\*", goals, flags=re.MULTILINE)
    assert len(bullets) == 3, f"{path.name}: learning goals {bullets}"
    assert "**Time.**" in first.source
    index = PATHS.index(path)
    if index:
        before = first.source.split("**Before you start.**", 1)[1].split("**Time.**", 1)[0]
        assert f"({PATHS[index - 1].name})" in before, f"{path.name} must link back"


def test_closing(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    """Key points (3-6), check your understanding (5-10 questions), going further?"""
    path, nb = notebook
    text = _markdown(nb)
    assert _headings(nb)[-3:] == ["Key points", "Check your understanding", "Going further"]
    points = re.findall(r"^- ", _section(text, "Key points"), flags=re.MULTILINE)
    assert 3 <= len(points) <= 6, f"{path.name}: {len(points)} key points"
    questions = _section(text, "Check your understanding").split("<details>", 1)[0]
    count = len(re.findall(r"^\d+\. ", questions, flags=re.MULTILINE))
    assert 5 <= count <= 10, f"{path.name}: {count} questions"


def test_every_widget_is_followed_by_a_task(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    """Does the first markdown cell after each widget give the learner a task?"""
    path, nb = notebook
    cells = _authored(nb)
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and WIDGET_CALL.search(cell.source):
            following = next(c for c in cells[i + 1 :] if c.cell_type == "markdown")
            assert "**Task.**" in following.source, f"{path.name}: widget in cell {cell.id}"


def test_links_to_the_aws_documentation_are_https(
    notebook: tuple[Path, nbformat.NotebookNode],
) -> None:
    """Does every notebook cite the AWS documentation, always over HTTPS?"""
    path, nb = notebook
    text = _markdown(nb)
    assert "http://docs.aws" not in text
    assert "https://docs.aws.amazon.com/" in text, f"{path.name} cites no AWS page"


def test_imports_are_explicit(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    """No `import *`, no path hacks: the notebooks import from the installed package."""
    path, nb = notebook
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import *" not in code and "sys.path" not in code, path.name


def test_stored_outputs_are_clean(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    """Every code cell ran; no errors, no widget views, no timings are stored."""
    path, nb = notebook
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{path.name}: cell {cell.id} never ran"
        assert "execution" not in cell.metadata
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name}: cell {cell.id}"
            assert output.get("name") != "stderr", f"{path.name}: cell {cell.id} wrote to stderr"
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})


def test_every_widget_and_diagram_is_used() -> None:
    """Does the course use each widget and each diagram at least once?"""
    code = "\n".join(c.source for p in PATHS for c in _read(p).cells if c.cell_type == "code")
    missing = [name for name in (*WIDGETS, *DIAGRAMS) if f"{name}(" not in code]
    assert missing == []


def test_the_scenario_banks_sections_exist() -> None:
    """Does every `section` of the scenario bank point at a heading that exists?"""
    headings = {p.name: {h.replace(" ", "-") for h in _headings(_read(p))} for p in PATHS}
    broken = []
    for scenario in load_bank():
        if ".ipynb#" not in scenario.section:
            continue
        name, anchor = scenario.section.removeprefix("notebooks/").split("#", 1)
        if anchor not in headings.get(name, set()):
            broken.append(f"{scenario.id}: {scenario.section}")
    assert broken == []
