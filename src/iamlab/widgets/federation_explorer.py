"""The federation explorer: edit a role's trust policy, pick an OIDC token, see who gets in.

A thin view over :func:`iamlab.model.federation.check_tokens`: every token is checked
against the trust policy in the editor, no session is made, and the role in the lab is not
changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

import ipywidgets as widgets

from iamlab.arguments import check_explorer_arguments
from iamlab.errors import IamlabError
from iamlab.model.claims import claim_checks, unchecked_subject
from iamlab.model.evaluation import Decision
from iamlab.model.federation import check_tokens
from iamlab.model.lab import Lab
from iamlab.model.policy import Policy, parse_policy
from iamlab.safe_repr import safe_repr
from iamlab.widgets.badges import badge, error_box, pre


class FederationExplorer(widgets.VBox):  # type: ignore[misc]
    """Try OIDC tokens against a role's trust policy.

    Public controls: ``policy`` (the trust policy's JSON, editable), ``token`` (which token),
    ``reset_button``. Views: ``claims`` (the chosen token), ``outcome``, ``explanation``,
    ``summary`` (every token: in or out). ``decisions`` maps each token's label to its
    Decision, or to the error text when STS would not accept the token.
    """

    def __init__(
        self,
        lab: Lab,
        role: str,
        tokens: Mapping[str, Mapping[str, Any]],
        *,
        now: datetime | None = None,
    ) -> None:
        check_explorer_arguments(lab, role, tokens, now)
        if not tokens:
            raise IamlabError("FederationExplorer needs at least one token to try")
        self.lab = lab
        self.role = lab.role(role)
        self.tokens = dict(tokens)
        self.now = now or datetime.now(UTC)
        self.decisions: dict[str, Decision | str] = {}
        self.error = ""
        self.original = json.dumps(self.role.trust_policy.document, indent=2)
        self.policy = widgets.Textarea(
            value=self.original,
            description="Trust policy",
            continuous_update=False,
            layout=widgets.Layout(width="46em", height="18em"),
            style={"description_width": "9em"},
        )
        self.token = widgets.ToggleButtons(
            options=list(self.tokens),
            description="Token",
            style={"description_width": "9em", "button_width": "auto"},
        )
        self.reset_button = widgets.Button(
            description="Reset the trust policy", layout=widgets.Layout(width="auto")
        )
        self.claims = widgets.HTML()
        self.outcome = widgets.HTML()
        self.summary = widgets.HTML()
        self.explanation = widgets.HTML()
        self.policy.observe(lambda _: self.refresh(), names="value")
        self.token.observe(lambda _: self.refresh(), names="value")
        self.reset_button.on_click(lambda _: self.reset())
        super().__init__(
            [
                widgets.HTML(f"<b>Role {escape(self.role.name)}</b> ({escape(self.role.arn)})"),
                self.policy,
                self.reset_button,
                self.token,
                self.claims,
                self.outcome,
                self.summary,
                self.explanation,
            ]
        )
        self.add_class("iamlab-federation-explorer")
        self.summary.add_class("iamlab-federation-summary")
        self.outcome.add_class("iamlab-federation-outcome")
        self.refresh()

    def reset(self) -> None:
        self.policy.value = self.original

    def _draft(self) -> Policy | None:
        try:
            return parse_policy(
                self.policy.value, name="draft trust policy", kind="trust", place="trust policy"
            )
        except IamlabError as exc:
            self.error = str(exc)
            return None

    def refresh(self) -> None:
        """Check every token against the trust policy in the editor."""
        self.error = ""
        label = self.token.value
        self.claims.value = pre(_claims_text(self.tokens[label]))
        draft = self._draft()
        if draft is None:
            self.decisions = {}
            self.outcome.value = error_box(self.error, title="⚠ The trust policy is not valid")
            self.summary.value = ""
            self.explanation.value = ""
            return
        checked = check_tokens(self.lab, self.role, self.tokens, trust_policy=draft, now=self.now)
        self.decisions = {
            name: str(d) if isinstance(d, IamlabError) else d for name, d in checked.items()
        }
        chosen = self.decisions[label]
        if isinstance(chosen, str):
            self.outcome.value = error_box(chosen, title="⚠ STS does not accept this token")
            self.explanation.value = ""
        else:
            self.outcome.value = _verdict(chosen)
            self.explanation.value = pre(chosen.explain())
        self.summary.value = self._summary()

    def _summary(self) -> str:
        rows = []
        for name, decision in self.decisions.items():
            if isinstance(decision, str):
                verdict, why = "⚠ refused by STS", decision.split(":", 1)[0]
            elif decision.allowed:
                verdict, why = "✔ gets in", ""
            else:
                verdict = f"{_REFUSED[decision.result][0]} refused"
                failed = [c.claim for c in claim_checks(decision) if not c.held]
                why = f"{', '.join(failed)} does not match" if failed else decision.result
            rows.append(
                f"<tr><td{_PAD}>{escape(name)}</td><td{_PAD}><b>{escape(verdict)}</b></td>"
                f"<td{_PAD}>{escape(why)}</td></tr>"
            )
        return (
            f'<table class="iamlab-federation-table"><tr><th{_PAD}>token</th>'
            f"<th{_PAD}>with this trust policy</th><th{_PAD}>why</th></tr>"
            + "".join(rows)
            + "</table>"
        )


def _claims_text(token: object) -> str:
    """The token as indented JSON; what JSON cannot hold (a cycle, a set, NaN) as a bounded
    rendering: the explorer shows tokens STS refuses too."""
    try:
        shown = json.dumps(token, indent=2, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return safe_repr(token, 2_000)
    return shown if len(shown) <= 40_000 else shown[:40_000] + "\n..."


# The course's marks: ✖ a Deny matched (explicitly denied), ○ nothing allowed it (implicitly).
_REFUSED = {"ExplicitlyDenied": ("✖", "#b3261e"), "ImplicitlyDenied": ("○", "#8a5300")}


_PAD = ' style="padding:0.15em 1em 0.15em 0;text-align:left"'


def _verdict(decision: Decision) -> str:
    if decision.allowed:
        html = badge("✔ gets in", "#1a7f37", detail="STS would return credentials")
        if unchecked_subject(decision):
            html += (
                "<br>"
                + badge("⚠ careless", "#b3261e")
                + " no condition on sub: any repository on GitHub gets in"
            )
        return html
    mark, colour = _REFUSED[decision.result]
    return badge(f"{mark} refused", colour, detail="AccessDenied: no credentials")
