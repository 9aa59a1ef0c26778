"""The course in JupyterLab's dark theme: does every text a widget or explanation draws stay
legible?

A second JupyterLab, with a learner's settings and the theme set to "JupyterLab Dark" (as a
learner sets it in Settings → Theme), opens two notebooks that hold the course's HTML views —
03.02 (the request simulator and its explanation) and 04.03 (the federation explorer) — and
runs them. For every element that shows text in a widget view or a rendered explanation, the
test computes the contrast ratio of its text colour against the colour actually behind it (the
nearest ancestor with an opaque background) and asks for WCAG AA: 4.5:1, or 3:1 for large
text (24 px, or 18.66 px bold). The diagrams are images: that their ink reads on the dark
background is checked on their drawing, in tests/diagrams/test_diagram_style.py.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_page import new_page, run_all_cells, wait_for_kernel_idle, wait_for_notebook
from lab_server import ROOT, Server, running_jupyterlab, shut_down_kernel

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

COURSE_FILES = ("README.md", "notebooks", "labs")
THEME_SETTINGS = "@jupyterlab/apputils-extension/themes.jupyterlab-settings"
DARK = "JupyterLab Dark"
# notebook -> the CSS classes of the widget views it must show
NOTEBOOKS = {
    "notebooks/03.02-how-aws-decides.ipynb": ("iamlab-simulator",),
    "notebooks/04.03-how-people-and-pipelines-sign-in.ipynb": ("iamlab-federation-explorer",),
}
# Where the course draws text of its own: its widget views and their HTML explanations.
VIEWS = "[class*='iamlab-']"
# For each element of a view with text of its own: its colour, the colour behind it and size.
MEASURE_CONTRAST = """views => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const behind = e => { for (let n = e; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor); if (c && c.a >= 0.99) return c; }
    return parse(getComputedStyle(document.body).backgroundColor); };
  const lum = c => { const f = v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const seen = [];
  for (const view of views) for (const e of [view, ...view.querySelectorAll('*')]) {
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const box = e.getBoundingClientRect();
    if (!own || box.width === 0 || box.height === 0) continue;
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden' || Number(s.opacity) === 0) continue;
    let fg = parse(s.color), bg = behind(e);
    if (!fg || !bg) continue;
    if (fg.a < 1) fg = {r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a),
                        b: fg.b * fg.a + bg.b * (1 - fg.a), a: 1};
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    seen.push({ratio: (hi + 0.05) / (lo + 0.05), large: size >= 24 || (bold && size >= 18.66),
               text: e.textContent.trim().slice(0, 60), color: s.color,
               background: `rgb(${bg.r}, ${bg.g}, ${bg.b})`});
  }
  return seen;
}"""


@pytest.fixture(scope="module")
def dark_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """JupyterLab on a copy of the course, with a learner's settings and the dark theme."""
    base = tmp_path_factory.mktemp("dark-theme")
    root = base / "course"
    root.mkdir()
    for name in COURSE_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns(".*"))
        else:
            shutil.copy(ROOT / name, root / name)
    theme = base / "lab" / "settings" / THEME_SETTINGS  # the JUPYTERLAB_SETTINGS_DIR it uses
    theme.parent.mkdir(parents=True)
    theme.write_text(json.dumps({"theme": DARK}), encoding="utf-8")
    with running_jupyterlab(root, base, learner=True) as server:
        yield server


def _illegible(pg: Any, path: str, widgets: tuple[str, ...]) -> tuple[list[str], int]:
    """Texts of the notebook's views below WCAG AA contrast, and how many texts were measured."""
    panel = wait_for_notebook(pg)
    for css in widgets:
        panel.locator(f".{css}").first.wait_for(state="visible", timeout=60_000)
    texts = panel.locator(VIEWS).evaluate_all(MEASURE_CONTRAST)
    problems = [
        f"{path}: {t['text']!r} is {t['color']} on {t['background']}: contrast "
        f"{t['ratio']:.2f}:1, below {'3' if t['large'] else '4.5'}:1"
        for t in texts
        if t["ratio"] < (3.0 if t["large"] else 4.5)
    ]
    return problems, len(texts)


def test_widgets_and_explanations_stay_legible_in_the_dark_theme(
    dark_lab: Server, chromium: Any, shots: Path
) -> None:
    """With JupyterLab Dark, does every text of the simulator, the federation explorer and
    their explanations keep at least WCAG AA contrast against what is behind it?"""
    problems: list[str] = []
    pg = new_page(chromium, width=1280)
    try:
        for path, widgets in NOTEBOOKS.items():
            pg.goto(dark_lab.page_url(path))
            wait_for_notebook(pg)
            theme = pg.evaluate("document.body.dataset.jpThemeName")
            assert theme == DARK, f"JupyterLab shows the theme {theme!r}, not {DARK!r}"
            wait_for_kernel_idle(pg, dark_lab, path)
            run_all_cells(pg)
            wait_for_kernel_idle(pg, dark_lab, path)
            found, measured = _illegible(pg, path, widgets)
            assert measured >= 10, f"{path}: only {measured} texts measured in its views"
            problems += found
            pg.locator(f".{widgets[0]}").first.scroll_into_view_if_needed()
            pg.screenshot(path=shots / f"dark-{Path(path).stem}.png")
            shut_down_kernel(dark_lab, path)
    finally:
        pg.context.close()
    assert not problems, "\n".join(problems)
