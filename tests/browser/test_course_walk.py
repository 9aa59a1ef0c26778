"""A learner's walk through the course in JupyterLab, from start here to the glossary.

The repository's course files are copied into a temporary folder with the same layout, and
JupyterLab opens the notebook ``make lab`` opens (the README's first command). In each notebook
the learner runs every cell (Run → Run All Cells), sees no error, sees its diagrams and widgets,
sees every output whole (none wider than the notebook column at
1280 px with the file browser open, SVG diagrams included; no widget explanation breaks a word),
and clicks the *Next* link at the bottom, which opens the next notebook in a new tab; the old
tab is closed and its kernel shut down. The walk ends at the notebook without a *Next* link,
and the notebooks seen must be the contents page's, in its order; its *Contents* link opens
that page. One screenshot per notebook
goes to ``test-output/browser/walk-NN-<name>.png``; the time per notebook to ``walk.txt``, the
widest output of each notebook against its column to ``widths.txt``. JupyterLab runs with a
learner's settings (`make lab`'s: nbgrader's Validate only, no news pop-up).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from lab_page import (
    SECOND,
    close_tab,
    current_path,
    new_page,
    run_all_cells,
    save_failure,
    wait_for_kernel_idle,
    wait_for_notebook,
)
from lab_server import ROOT, Server, running_jupyterlab, shut_down_kernel
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

COURSE_FILES = ("README.md", "notebooks", "labs")  # what `make lab` shows and the notebooks read
# The screen the course is written for: 1280 px wide, JupyterLab's file browser open.
SCREEN_WIDTH = 1280
# For each output: its column (the output area's width) and how wide its content is, counting
# what overflows it: scrolled content, drawn images and SVGs (their right edge), tables.
MEASURE_OUTPUTS = """outputs => outputs.map(o => {
  const box = o.getBoundingClientRect();
  let right = box.left + o.scrollWidth, drawn = 0;
  for (const e of o.querySelectorAll('img, svg, table, pre, .iamlab-diagram')) {
    const r = e.getBoundingClientRect();
    right = Math.max(right, r.left + Math.max(r.width, e.scrollWidth || 0));
    if (e.matches('img, svg')) drawn = Math.max(drawn, r.width);
  }
  const cell = o.closest('.jp-Cell');
  const index = cell ? [...cell.parentElement.children].indexOf(cell) : -1;
  return {cell: index, column: Math.round(box.width), width: Math.round(right - box.left),
          drawn: Math.round(drawn)};
})"""
# A widget explanation must wrap between words only: no CSS that breaks inside a word, and no
# content wider than the explanation.
MEASURE_EXPLANATIONS = """boxes => boxes.map(b => {
  const s = getComputedStyle(b);
  return {wordBreak: s.wordBreak, overflowWrap: s.overflowWrap,
          overflow: b.scrollWidth - b.clientWidth, text: b.innerText.slice(0, 80)};
})"""
INSTRUCTOR_MENU = ".lm-MenuBar-item"
CONTENTS_LINK = re.compile(r"^- \[(?P<label>\d\d\.\d\d [^\]]+)\]\((?P<name>[^)]+\.ipynb)\)$", re.M)
# the CSS class each widget of iamlab.widgets puts on its view
WIDGET_CLASSES = {
    "AccessMatrix": "iamlab-access-matrix",
    "AssumeRoleExplorer": "iamlab-assume-role-explorer",
    "PolicyEditor": "iamlab-policy-editor",
    "RequestSimulator": "iamlab-simulator",
    "ScenarioQuiz": "iamlab-quiz",
}
WIDGET_IMPORT = re.compile(r"^from iamlab\.widgets import (\([^)]*\)|.*)$", re.M)
ERRORS = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
# JupyterLab shows an SVG output (a diagram of iamlab.diagrams) as an <img> of a data: URL, and
# an untrusted one not at all; a Mermaid block of a markdown cell becomes such an <img> too.
SVG_IMAGE = "img[src^='data:image/svg+xml']"
DIAGRAMS = f".jp-OutputArea-output[data-mime-type='image/svg+xml'] {SVG_IMAGE}"
MERMAID = f".jp-RenderedMermaid {SVG_IMAGE}"
DRAWN = "images => images.filter(i => i.complete && i.naturalWidth > 0).length"
# After the kernel is idle, how long widgets and diagrams may take to appear: all of a notebook's
# together, and not long when a cell has failed (the cells below it did not run).
SHOW_SECONDS = 30
SHOW_SECONDS_AFTER_ERROR = 3
NEXT_LINK_SECONDS = 30
CONTENTS = "notebooks/README.md"


@dataclass(frozen=True)
class Stop:
    """A notebook of the course as the contents page lists it, and what it should show."""

    path: str  # from the repository root, as JupyterLab names it
    label: str  # the link text: "02.02 Groups: permissions for a team"
    diagrams: int  # SVG outputs stored in the file
    mermaid: int  # Mermaid diagrams in its markdown cells
    widgets: tuple[str, ...]  # CSS classes of the widget views its cells make


def _start_notebook() -> str:
    """The notebook `make lab` opens, checked to be what the README's first command runs."""
    quickstart = (ROOT / "README.md").read_text(encoding="utf-8").split("## Quickstart", 1)[1]
    first_command = quickstart.split("```", 2)[1].strip().splitlines()[0]
    assert first_command == "make lab", f"the README's first command is {first_command!r}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^START_NOTEBOOK := (\S+)$", makefile, re.M)
    assert match, "the Makefile no longer names START_NOTEBOOK"
    return match[1]


def _stop(path: str, label: str) -> Stop:
    nb = nbformat.read(ROOT / path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    diagrams = sum(
        "image/svg+xml" in output.get("data", {}) for cell in code for output in cell.outputs
    )
    widgets: list[str] = []
    for cell in code:
        for imported in WIDGET_IMPORT.findall(cell.source):
            for name in filter(None, (n.strip(" \n()") for n in imported.split(","))):
                assert name in WIDGET_CLASSES, f"{path} uses {name}: add its CSS class above"
                widgets.append(WIDGET_CLASSES[name])
    mermaid = sum(
        cell.source.count("```mermaid") for cell in nb.cells if cell.cell_type == "markdown"
    )
    return Stop(path, label, diagrams, mermaid, tuple(widgets))


def _contents() -> list[Stop]:
    """The course in the order of its contents page, notebooks/README.md."""
    text = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    return [_stop(f"notebooks/{m['name']}", m["label"]) for m in CONTENTS_LINK.finditer(text)]


@pytest.fixture(scope="module")
def course_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """JupyterLab on a copy of the course, laid out as in the repository (`make lab`'s root)."""
    base = tmp_path_factory.mktemp("course-walk")
    root = base / "course"
    root.mkdir()
    for name in COURSE_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns(".*"))
        else:
            shutil.copy(ROOT / name, root / name)
    with running_jupyterlab(root, base, learner=True) as server:
        yield server


def _open_file_browser(pg: Any) -> None:
    """The left sidebar shows the file browser (as on a learner's first visit)."""
    browser = pg.locator("#filebrowser")
    if not browser.is_visible():
        pg.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='filebrowser']").click()
    browser.wait_for(state="visible")


def _too_wide(panel: Any, stop: Stop) -> tuple[list[str], str]:
    """Outputs wider than their column (and the widest one), and broken-word explanations."""
    problems = []
    sizes = panel.locator(".jp-OutputArea-output").evaluate_all(MEASURE_OUTPUTS)
    for size in sizes:
        if size["width"] > size["column"] + 1:
            problems.append(
                f"{stop.path} cell {size['cell']}: an output {size['width']} px wide in a "
                f"{size['column']} px column"
            )
    for box in panel.locator(".iamlab-explanation").evaluate_all(MEASURE_EXPLANATIONS):
        if box["wordBreak"] != "normal" or box["overflowWrap"] != "normal" or box["overflow"] > 1:
            problems.append(f"{stop.path}: a widget explanation may break words: {box}")
    widest = max(sizes, key=lambda s: s["drawn"], default=None)
    summary = (
        f"{len(problems)} too wide; widest diagram {widest['drawn']} px in a "
        f"{widest['column']} px column (cell {widest['cell']})"
        if widest
        else "no outputs"
    )
    return problems, f"{summary}  {stop.path}"


def _instructor_tools(pg: Any) -> list[str]:
    """A learner's JupyterLab has no Nbgrader menu (formgrader, Create Assignment...)."""
    menus = [t.strip() for t in pg.locator(INSTRUCTOR_MENU).all_inner_texts()]
    return [
        f"the learner's JupyterLab shows the {m!r} menu" for m in menus if "nbgrader" in m.lower()
    ]


def _problems_in_outputs(panel: Any, stop: Stop) -> list[str]:
    """What a learner would see go wrong in the notebook after running it."""
    problems = []
    for error in panel.locator(ERRORS).all_inner_texts():
        problems.append(f"{stop.path}: an error output:\n{error.strip()[:2000]}")
    wait = SHOW_SECONDS_AFTER_ERROR if problems else SHOW_SECONDS
    deadline = time.monotonic() + wait
    for text in panel.locator(".jp-OutputArea-output").all_inner_texts():
        if "Error displaying widget" in text:
            problems.append(f"{stop.path}: a widget did not display: {text.strip()[:300]}")
    for css in dict.fromkeys(stop.widgets):
        try:
            panel.locator(f".{css}").first.wait_for(state="visible", timeout=_left(deadline))
        except PlaywrightTimeout:
            problems.append(f"{stop.path}: the widget .{css} did not render")
    for selector, wanted, what in (
        (DIAGRAMS, stop.diagrams, "diagram output(s)"),
        (MERMAID, stop.mermaid, "Mermaid diagram(s)"),
    ):
        drawn = _drawn(panel, selector, wanted, deadline)
        if drawn < wanted:
            problems.append(f"{stop.path}: {drawn} of its {wanted} {what} drawn")
    return problems


def _left(deadline: float) -> float:
    """Milliseconds until ``deadline``, for Playwright (at least one)."""
    return max(1.0, (deadline - time.monotonic()) * SECOND)


def _drawn(panel: Any, selector: str, wanted: int, deadline: float) -> int:
    """How many images of ``selector`` the browser has drawn, waiting until there are ``wanted``
    or ``deadline`` (a ``time.monotonic()``) has passed."""
    while (drawn := panel.locator(selector).evaluate_all(DRAWN)) < wanted:
        if time.monotonic() > deadline:
            break
        time.sleep(0.25)
    return int(drawn)


def _screenshot(pg: Any, panel: Any, stop: Stop, step: int, shots: Path) -> None:
    """The page, scrolled to the notebook's first widget (or diagram) when it shows one."""
    candidates = [f".{css}" for css in stop.widgets[:1]] + [DIAGRAMS, MERMAID]
    shown = [panel.locator(c).first for c in candidates if panel.locator(c).count()]
    if shown:
        shown[0].scroll_into_view_if_needed()
    slug = Path(stop.path).stem.split("-", 1)[1]
    pg.screenshot(path=shots / f"walk-{step:02d}-{slug}.png")


def _navigation(panel: Any) -> tuple[str, str]:
    """The text of the navigation cells at the top and the bottom of the notebook."""
    cells = panel.locator(".jp-MarkdownCell .jp-RenderedMarkdown")
    return cells.first.inner_text().strip(), cells.last.inner_text().strip()


def _next_link(panel: Any) -> Any | None:
    """The *Next* link of the bottom navigation cell (after "Contents"), if there is one."""
    links = panel.locator(".jp-MarkdownCell .jp-RenderedMarkdown").last.locator("a")
    texts = [text.strip() for text in links.all_inner_texts()]
    assert "Contents" in texts, f"the last cell is not a navigation cell: {texts}"
    index = texts.index("Contents") + 1
    return links.nth(index) if index < len(texts) else None


def _follow(pg: Any, link: Any, leaving: str) -> str:
    """Click ``link``; the path of the notebook JupyterLab opens in the new current tab."""
    link.scroll_into_view_if_needed()
    link.click()
    return current_path(pg, other_than=leaving, seconds=NEXT_LINK_SECONDS)


def _contents_link_works(pg: Any, last: Stop) -> list[str]:
    """At the end of the course, does *Contents* open the contents page, rendered, listing it?"""
    link = pg.locator(".jp-MarkdownCell .jp-RenderedMarkdown a", has_text=re.compile("^Contents$"))
    opened = _follow(pg, link.last, last.path)
    if opened != CONTENTS:
        return [f"{last.path}: the Contents link opened {opened or 'nothing'}, not {CONTENTS}"]
    page = pg.locator(".lm-DockPanel-widget:not(.lm-mod-hidden) .jp-RenderedMarkdown")
    try:
        page.get_by_role("link", name=last.label).wait_for(timeout=NEXT_LINK_SECONDS * SECOND)
    except PlaywrightTimeout:
        return [f"{CONTENTS} does not show as a page with a link to {last.label!r}"]
    return []


def test_a_learner_follows_the_next_links_from_start_here_to_the_glossary(
    course_lab: Server, chromium: Any, shots: Path
) -> None:
    """Opening the notebook `make lab` opens, running each notebook and clicking its Next link:
    does the learner see every notebook of the contents, in order, each without an error and
    with its diagrams and widgets, and end at the one without a Next link (whose Contents link
    leads back to the contents page)?"""
    contents = _contents()
    by_path = {stop.path: stop for stop in contents}
    start = _start_notebook()
    assert contents and contents[0].path == start, "the contents do not begin where `make lab` does"
    opened: list[str] = []
    problems: list[str] = []
    timings: list[str] = []
    widths: list[str] = []
    pg = new_page(chromium, width=SCREEN_WIDTH)
    try:
        pg.goto(course_lab.page_url(start))
        wait_for_notebook(pg)
        _open_file_browser(pg)
        problems += _instructor_tools(pg)
        path = start
        while path:
            began = time.monotonic()
            opened.append(path)
            stop = by_path.get(path) or _stop(path, "not in the contents")
            panel = wait_for_notebook(pg)
            assert current_path(pg) == path
            wait_for_kernel_idle(pg, course_lab, path)
            run_all_cells(pg)
            wait_for_kernel_idle(pg, course_lab, path)
            problems += _problems_in_outputs(panel, stop)
            wide, summary = _too_wide(panel, stop)
            problems += wide
            widths.append(summary)
            _screenshot(pg, panel, stop, len(opened), shots)
            top, bottom = _navigation(panel)
            if top != bottom:
                problems.append(f"{path}: top and bottom navigation differ: {top!r} / {bottom!r}")
            link = _next_link(panel)
            following = ""
            if link is not None:
                label = link.inner_text().strip()
                following = _follow(pg, link, path)
                if not following:
                    problems.append(f"{path}: the Next link {label!r} opened nothing")
                elif following in by_path and by_path[following].label != label:
                    problems.append(f"{path}: the Next link {label!r} opened {following}")
                close_tab(pg, path)
            shut_down_kernel(course_lab, path)
            timings.append(f"{time.monotonic() - began:5.1f} s  {path}")
            path = following
        problems += _contents_link_works(pg, contents[-1])
    except Exception:
        save_failure(chromium, shots, "walk-")
        raise
    finally:
        pg.context.close()
        (shots / "walk.txt").write_text("\n".join(timings) + "\n", encoding="utf-8")
        (shots / "widths.txt").write_text("\n".join(widths) + "\n", encoding="utf-8")
    if opened != [stop.path for stop in contents]:
        problems.append(
            "the notebooks opened, in order, are not the contents':\n"
            + "\n".join(f"  {stop.path}" for stop in contents)
            + "\nbut:\n"
            + "\n".join(f"  {path}" for path in opened)
        )
    if course_lab.api("sessions"):
        problems.append("a kernel of the walk is still running")
    assert not problems, "\n\n".join(problems)
