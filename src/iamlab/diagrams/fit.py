"""How big a diagram comes out on screen: its width and its smallest text, in CSS pixels.

JupyterLab shows an SVG output at its own size (1 pt = 4/3 px); Graphviz writes the size in
the ``<svg>`` element and, when ``size`` scaled the drawing down, a ``scale(...)`` on the
graph. :func:`measure` reads both, so tests and the notebooks' checks can say whether a
diagram fits a notebook column (:data:`COLUMN_PX`) at a readable size (:data:`MIN_TEXT_PX`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: JupyterLab's notebook column at 1280 px with the file browser open.
COLUMN_PX = 848
#: The smallest text that reads on screen.
MIN_TEXT_PX = 10.5

_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_SCALE = re.compile(r'<g id="graph0" class="graph" transform="scale\(([\d.]+)')
_FONT = re.compile(r'font-size="([\d.]+)"')


@dataclass(frozen=True)
class Size:
    width_px: float
    height_px: float
    smallest_text_px: float

    @property
    def fits(self) -> bool:
        return self.width_px <= COLUMN_PX and self.smallest_text_px >= MIN_TEXT_PX


def measure(svg: str) -> Size:
    """The on-screen size of a Graphviz SVG and the size of its smallest text."""
    size = _SIZE.search(svg)
    if size is None:
        raise ValueError("not a Graphviz SVG: its <svg> element has no width/height in pt")
    scale = _SCALE.search(svg)
    factor = float(scale[1]) if scale else 1.0
    fonts = [float(f) for f in _FONT.findall(svg)] or [14.0]
    return Size(
        width_px=float(size[1]) * 4 / 3,
        height_px=float(size[2]) * 4 / 3,
        smallest_text_px=min(fonts) * factor * 4 / 3,
    )
