"""The access matrix: who can do what, as a colour grid; click a cell to see why.

The decisions come from :func:`iamlab.model.matrix.access_matrix`; this module only draws
them. Each cell shows a symbol as well as a colour, the same as in the diagrams and badges
(:data:`iamlab.diagrams.style.OUTCOME_TEXT`): ✔ allowed, ✖ explicitly denied, ○ implicitly
denied; ⚠ the request could not be evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

import ipywidgets as widgets

from iamlab import arguments as args
from iamlab.errors import IamlabError
from iamlab.model.lab import Lab
from iamlab.model.matrix import AccessMatrix as Matrix
from iamlab.model.matrix import access_matrix, known_actions
from iamlab.widgets.badges import error_box, result_badge
from iamlab.widgets.explanation import explanation_html

# result -> (marker, background, text colour, words)
CELL_STYLES: dict[str, tuple[str, str, str, str]] = {
    "Allowed": ("✔", "#1a7f37", "#ffffff", "allowed"),
    "ExplicitlyDenied": ("✖", "#b3261e", "#ffffff", "explicitly denied"),
    "ImplicitlyDenied": ("○", "#d0d7de", "#24292f", "implicitly denied"),
    "Error": ("⚠", "#8a5300", "#ffffff", "cannot be evaluated"),
}
_CELL = "2.2em"


def legend_html() -> str:
    items = "".join(
        f'<span style="display:inline-block;min-width:1.6em;text-align:center;'
        f'background:{bg};color:{fg};border-radius:0.3em;margin:0 0.3em">{marker}</span>'
        f"{escape(words)} "
        for marker, bg, fg, words in CELL_STYLES.values()
    )
    return f'<div class="iamlab-legend">{items}</div>'


def _vertical(text: str) -> str:
    return (
        '<div style="writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;'
        f'font-size:85%;margin:0 auto">{escape(text)}</div>'
    )


class AccessMatrix(widgets.VBox):  # type: ignore[misc]
    """Principals × actions for one resource at a time (a drop-down picks the resource).

    Public parts: ``matrix`` (the model's :class:`iamlab.model.matrix.AccessMatrix`),
    ``resource`` (the drop-down), ``grid`` (the grid of cell buttons, or an HTML table when
    there are more than ``max_buttons`` cells), ``cells`` ((principal, action) -> Button for
    the shown resource), ``selection`` and ``explanation`` (what a click shows).
    :meth:`select` does what clicking a cell does.
    """

    def __init__(
        self,
        lab: Lab,
        principals: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        resources: Sequence[str] | None = None,
        *,
        context: Mapping[str, object] | None = None,
        now: datetime | None = None,
        max_buttons: int = 400,
    ) -> None:
        args.check_lab(lab, "AccessMatrix")
        args.check_matrix_arguments("AccessMatrix", principals, actions, resources, context, now)
        args.check_int(max_buttons, "AccessMatrix", "max_buttons", low=0, high=100_000)
        self.lab = lab
        principals = list(principals) if principals is not None else lab.principal_names()
        actions = list(actions) if actions is not None else known_actions(lab)
        resources = list(resources) if resources is not None else list(lab.resources)
        if not (principals and actions and resources):
            raise IamlabError("an access matrix needs at least one principal, action and resource")
        self.max_buttons = max_buttons
        self.now = now if now is not None else datetime.now(UTC).replace(microsecond=0)
        self.matrix: Matrix = access_matrix(
            lab, principals, actions, resources, context=context, now=self.now
        )
        self.cells: dict[tuple[str, str], Any] = {}
        self.selected: tuple[str, str, str] | None = None

        self.resource = widgets.Dropdown(
            options=resources,
            value=resources[0],
            description="Resource",
            layout=widgets.Layout(width="46em"),
        )
        self.summary = widgets.HTML()
        self.grid: Any = widgets.HTML()
        self.grid_box = widgets.Box([self.grid], layout=widgets.Layout(overflow="auto"))
        self.selection = widgets.HTML("Click a cell to see why.")
        self.explanation = widgets.HTML()
        self.resource.observe(lambda _: self._draw(), names="value")
        super().__init__(
            [
                self.resource,
                widgets.HTML(legend_html()),
                self.summary,
                self.grid_box,
                self.selection,
                self.explanation,
            ]
        )
        self.add_class("iamlab-access-matrix")
        self._draw()

    # -- drawing --------------------------------------------------------------------------

    def _draw(self) -> None:
        resource = self.resource.value
        m = self.matrix
        counts = {k: 0 for k in CELL_STYLES}
        for p in m.principals:
            for a in m.actions:
                counts[m.result(p, a, resource)] += 1
        self.summary.value = (
            f"<code>{escape(resource)}</code>: "
            + ", ".join(f"{n} {CELL_STYLES[k][3]}" for k, n in counts.items() if n)
            + f" (of {len(m.principals) * len(m.actions)} requests)"
        )
        self.cells = {}
        if len(m.principals) * len(m.actions) > self.max_buttons:
            self.grid = widgets.HTML(self._table_html(resource))
            self.grid_box.children = [
                widgets.HTML(
                    f"<i>{len(m.principals) * len(m.actions)} cells: too many to click; "
                    f"call .select(principal, action) to see one.</i>"
                ),
                self.grid,
            ]
            return
        children: list[Any] = [widgets.HTML("")]
        children.extend(widgets.HTML(_vertical(a)) for a in m.actions)
        for p in m.principals:
            children.append(widgets.HTML(f"<code>{escape(p)}</code>"))
            for a in m.actions:
                children.append(self._button(p, a, resource))
        self.grid = widgets.GridBox(
            children,
            layout=widgets.Layout(
                grid_template_columns=f"max-content repeat({len(m.actions)}, {_CELL})",
                grid_gap="2px",
                align_items="center",
            ),
        )
        self.grid_box.children = [self.grid]

    def _button(self, principal: str, action: str, resource: str) -> Any:
        result = self.matrix.result(principal, action, resource)
        marker, bg, fg, words = CELL_STYLES[result]
        button = widgets.Button(
            description=marker,
            tooltip=f"{principal} · {action}: {words}",
            layout=widgets.Layout(width=_CELL, height=_CELL, padding="0"),
        )
        button.style.button_color = bg
        button.style.text_color = fg
        button.add_class(f"iamlab-cell-{result}")
        button.on_click(lambda _: self.select(principal, action, resource))
        self.cells[(principal, action)] = button
        return button

    def _table_html(self, resource: str) -> str:
        m = self.matrix
        head = "<tr><th></th>" + "".join(f"<th>{_vertical(a)}</th>" for a in m.actions) + "</tr>"
        rows = []
        for p in m.principals:
            cells = []
            for a in m.actions:
                marker, bg, fg, words = CELL_STYLES[m.result(p, a, resource)]
                cells.append(
                    f'<td title="{escape(p)} · {escape(a)}: {words}" '
                    f'style="background:{bg};color:{fg};text-align:center;width:{_CELL}">'
                    f"{marker}</td>"
                )
            rows.append(f"<tr><th><code>{escape(p)}</code></th>{''.join(cells)}</tr>")
        return f'<table class="iamlab-matrix">{head}{"".join(rows)}</table>'

    # -- a cell ---------------------------------------------------------------------------

    def select(self, principal: str, action: str, resource: str | None = None) -> None:
        """Show the explanation of one cell (what clicking it does)."""
        resource = resource if resource is not None else self.resource.value
        self.selected = (principal, action, resource)
        try:
            found = self.matrix.outcome(principal, action, resource)
        except IamlabError as exc:
            self.selection.value = error_box(str(exc))
            self.explanation.value = ""
            return
        where = f"<code>{escape(principal)}</code> → <code>{escape(action)}</code> on "
        where += f"<code>{escape(resource)}</code>"
        if isinstance(found, IamlabError):
            self.selection.value = where
            self.explanation.value = error_box(str(found))
            return
        self.selection.value = f"{where} {result_badge(found.result)}"
        self.explanation.value = explanation_html(found)
