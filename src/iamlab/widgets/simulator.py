"""The request simulator: pick who asks for what, toggle the context, see AWS's decision.

>>> from iamlab import Lab
>>> from iamlab.widgets import RequestSimulator
>>> sim = RequestSimulator(Lab.load("labs/coffee-shop.yaml"), principal="maria")  # doctest: +SKIP
>>> sim  # the last expression of a cell shows it                               # doctest: +SKIP
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import ipywidgets as widgets

from iamlab import arguments as args
from iamlab.diagrams import decision_path, naming
from iamlab.errors import IamlabError
from iamlab.model.evaluation import Decision
from iamlab.model.lab import Lab
from iamlab.model.matrix import known_actions, known_resources
from iamlab.widgets.badges import error_box, result_badge
from iamlab.widgets.controls import LABEL_STYLE, auto_width, combobox, format_time, parse_time
from iamlab.widgets.defaults import default_request
from iamlab.widgets.explanation import explanation_html
from iamlab.widgets.graphs import DiagramFormat, diagram_html

#: The MFA control: aws:MultiFactorAuthPresent true, false, or not in the request at all.
MFA_OPTIONS = (
    ("aws:MultiFactorAuthPresent = false (signed in without MFA)", False),
    ("aws:MultiFactorAuthPresent = true (signed in with MFA)", True),
    ("no aws:MultiFactorAuthPresent (long-term access keys)", None),
)


class RequestSimulator(widgets.VBox):  # type: ignore[misc]
    """Ask the lab one request at a time and see the decision, its explanation and its path.

    The controls are public so that a notebook or a test can drive them:
    ``principal``, ``action``, ``resource`` (text with suggestions), ``mfa`` (true, false or
    absent: :data:`MFA_OPTIONS`), ``secure_transport`` (a check box), ``source_ip`` and
    ``time`` (text). The views are
    ``badge``, ``explanation`` and ``diagram``; ``decision`` is the last decision (``None``
    when the input could not be evaluated, then ``error`` says why).

    ``diagram_format="dot"`` shows the diagram's DOT source instead of drawing it.
    """

    def __init__(
        self,
        lab: Lab,
        *,
        principal: str | None = None,
        action: str | None = None,
        resource: str | None = None,
        now: datetime | None = None,
        diagram_format: DiagramFormat = "svg",
    ) -> None:
        args.check_lab(lab, "RequestSimulator")
        for name, value in (("principal", principal), ("action", action), ("resource", resource)):
            args.check_text(value, "RequestSimulator", name, optional=True)
        args.check_moment(now, "RequestSimulator")
        args.check_choice(diagram_format, ("svg", "dot"), "RequestSimulator", "diagram_format")
        self.lab = lab
        self.diagram_format: DiagramFormat = diagram_format
        self.decision: Decision | None = None
        self.error = ""
        self.diagram_source = ""
        names = lab.principal_names()
        actions = known_actions(lab)
        resources = known_resources(lab)
        moment = now if now is not None else datetime.now(UTC).replace(second=0, microsecond=0)

        self.principal = combobox(
            "Principal", principal or names[0], names, "a user, role/NAME, root or an ARN"
        )
        usual_action, usual_resource = default_request(lab)
        self.action = combobox("Action", action or usual_action, actions, "service:Action")
        self.resource = combobox(
            "Resource",
            resource or usual_resource,
            resources,
            "an ARN, e.g. arn:aws:s3:::bucket/key",
        )
        # Three states, not two: with long-term access keys the key is absent from the request,
        # which a Bool condition treats differently from "false" (BoolIfExists, Null).
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
        self.mfa = widgets.Dropdown(
            options=MFA_OPTIONS,
            value=False,
            description="MFA",
            style=LABEL_STYLE,
            layout=auto_width(),
        )
        self.secure_transport = widgets.Checkbox(
            value=True,
            description="over HTTPS (aws:SecureTransport)",
            indent=False,
            layout=auto_width(),
        )
        self.source_ip = widgets.Text(
            value="",
            description="Source IP",
            placeholder="empty: not in the request",
            continuous_update=False,
            style=LABEL_STYLE,
        )
        self.time = widgets.Text(
            value=format_time(moment),
            description="Time (UTC)",
            continuous_update=False,
            style=LABEL_STYLE,
        )
        self.badge = widgets.HTML()
        self.explanation = widgets.HTML()
        self.diagram = widgets.HTML()

        controls = [self.principal, self.action, self.resource, self.source_ip, self.time]
        for control in (*controls, self.mfa, self.secure_transport):
            control.observe(self._changed, names="value")
        context_row = widgets.HBox([self.mfa, self.secure_transport])
        super().__init__(
            [
                widgets.HTML("<b>Request</b>"),
                *controls[:3],
                widgets.HTML("<b>Context</b>"),
                context_row,
                *controls[3:],
                self.badge,
                self.explanation,
                self.diagram,
            ]
        )
        self.add_class("iamlab-simulator")
        self.refresh()

    # -- what the controls say ------------------------------------------------------------

    def context(self) -> dict[str, object]:
        """The request context the controls describe (the time goes in as ``now``)."""
        ctx: dict[str, object] = {"aws:SecureTransport": bool(self.secure_transport.value)}
        if self.mfa.value is not None:
            ctx["aws:MultiFactorAuthPresent"] = bool(self.mfa.value)
        ip = self.source_ip.value.strip()
        if ip:
            ctx["aws:SourceIp"] = ip
        return ctx

    def now(self) -> datetime:
        return parse_time(self.time.value)

    # -- updating the views ---------------------------------------------------------------

    def _changed(self, change: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Evaluate the request the controls describe and update the views."""
        try:
            now = self.now()
            decision = self.lab.evaluate(
                self.principal.value.strip(),
                self.action.value.strip(),
                self.resource.value.strip(),
                context=self.context(),
                now=now,
            )
        except (IamlabError, ValueError) as exc:
            self._show_error(str(exc))
            return
        self.decision = decision
        self.error = ""
        decided = naming.decided_by_words(decision.decided_by) if decision.decided_by else ""
        self.badge.value = result_badge(
            decision.result, detail=f"decided by: {decided}" if decided else ""
        )
        self.explanation.value = explanation_html(decision)
        self._show_diagram(decision)

    def _show_error(self, message: str) -> None:
        self.decision = None
        self.error = message
        self.badge.value = error_box(message)
        self.explanation.value = ""
        self.diagram.value = ""
        self.diagram_source = ""

    def _show_diagram(self, decision: Decision) -> None:
        graph = decision_path(decision)
        self.diagram_source = graph.source
        self.diagram.value = diagram_html(graph, self.diagram_format)
