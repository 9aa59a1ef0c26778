"""The policy editor: edit a policy's JSON and see, on every edit, what it would change.

Invalid JSON shows its line and column; a policy AWS would reject shows the place
(``Statement[0].Effect``) and the problem; lint warnings are listed; and each chosen request
is evaluated twice, without and with the edited policy as an inline policy of the chosen
principal, so the table shows the policy's effect.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

import ipywidgets as widgets

from iamlab import arguments as args
from iamlab.errors import IamlabError, PolicyError
from iamlab.model.documents import json_loads
from iamlab.model.evaluation import Decision
from iamlab.model.lab import Lab
from iamlab.model.lint import LintFinding, lint_policy
from iamlab.model.policy import Policy
from iamlab.widgets.badges import badge, error_box, result_badge

Request = tuple[str, str]
Outcome = Decision | str  # a decision, or the error text of a request that could not run

LEARNER = "learner"
_LEARNER_ACCOUNT = "111122223333"
_STARTER: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadRecipes",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::coffee-recipes/*",
        }
    ],
}


def json_error_html(text: str, exc: json.JSONDecodeError) -> str:
    """The JSON error with its line and column, and the line itself with a caret under it."""
    lines = text.splitlines() or [""]
    line = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
    caret = " " * max(exc.colno - 1, 0) + "^"
    return (
        error_box(f"line {exc.lineno}, column {exc.colno}: {exc.msg}", title="✖ Invalid JSON")
        + f'<pre style="margin:0.3em 0">{escape(line)}\n{caret}</pre>'
    )


def _empty_lab() -> Lab:
    """A one-user lab: the policy alone, on a user with nothing else."""
    return Lab.from_dict({"account_id": _LEARNER_ACCOUNT, "users": {LEARNER: {}}})


class PolicyEditor(widgets.VBox):  # type: ignore[misc]
    """Edit an identity-based policy and see its validity, lint warnings and effect.

    ``document`` is the starting policy (JSON text or a dict). With ``lab`` (a :class:`Lab`
    or a lab in the lab format as a dict) the policy is added as an inline policy of
    ``principal`` (a user name or ``role/NAME``); without it, of a user who has no other
    policy. ``requests`` are ``(action, resource)`` pairs to evaluate on each edit.

    Public parts: ``editor`` (the text area), ``status``, ``lint`` and ``table`` (views),
    ``policy`` (the parsed :class:`Policy` or ``None``), ``findings`` (lint) and
    ``results`` (``(action, resource, without, with_policy)`` per request).
    """

    def __init__(
        self,
        document: str | Mapping[str, Any] | None = None,
        *,
        lab: Lab | Mapping[str, Any] | None = None,
        principal: str | None = None,
        requests: Sequence[Request] = (),
        name: str = "EditedPolicy",
        context: Mapping[str, object] | None = None,
        now: datetime | None = None,
    ) -> None:
        args.check_editor_arguments(document, lab, principal, requests, name, context, now)
        if isinstance(lab, Mapping):
            lab = Lab.from_dict(lab)
        self.lab: Lab = lab if lab is not None else _empty_lab()
        self.principal_name = principal or (LEARNER if lab is None else _first_user(self.lab))
        self.requests: list[Request] = [(a, r) for a, r in requests]
        self.name = name
        self.context = dict(context or {})
        self.now = now if now is not None else datetime.now(UTC).replace(microsecond=0)
        self.policy: Policy | None = None
        self.findings: list[LintFinding] = []
        self.results: list[tuple[str, str, Outcome, Outcome]] = []
        self.error = ""
        if document is None:
            document = _STARTER
        text = document if isinstance(document, str) else json.dumps(document, indent=2)

        self.editor = widgets.Textarea(
            value=text,
            layout=widgets.Layout(width="46em", height="18em"),
            continuous_update=True,
        )
        self.editor.add_class("iamlab-policy-text")
        self.status = widgets.HTML()
        self.lint = widgets.HTML()
        self.table = widgets.HTML()
        self.editor.observe(self._edited, names="value")
        title = f"<b>Inline policy {escape(name)}</b> of <code>{escape(self.principal_name)}</code>"
        super().__init__([widgets.HTML(title), self.editor, self.status, self.lint, self.table])
        self.add_class("iamlab-policy-editor")
        self.refresh()

    def _edited(self, change: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Re-read the text: validate, lint, and evaluate the requests."""
        text = self.editor.value
        self.policy = None
        self.findings = []
        self.results = []
        self.error = ""
        self.lint.value = ""
        self.table.value = ""
        try:
            document = json_loads(text)  # keeps duplicate keys, to refuse them with the place
        except json.JSONDecodeError as exc:
            self.error = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            self.status.value = json_error_html(text, exc)
            return
        try:
            self.policy = Policy.from_dict(document, name=self.name, place=self.name)
        except PolicyError as exc:
            self.error = str(exc)
            self.status.value = error_box(
                f"{exc.place}: {exc.problem}", title="✖ AWS would reject this policy"
            )
            return
        count = len(self.policy.statements)
        self.status.value = badge(
            "✔ Valid policy", "#1a7f37", detail=f"{count} statement{'s' * (count != 1)}"
        )
        self.findings = lint_policy(document, place=self.name)
        self.lint.value = _lint_html(self.findings)
        self._evaluate(self.policy)

    def _evaluate(self, policy: Policy) -> None:
        if not self.requests:
            return
        try:
            edited = self.lab.with_inline_policy(self.principal_name, policy)
        except IamlabError as exc:
            self.error = str(exc)
            self.table.value = error_box(str(exc), title="⚠ Cannot attach the policy")
            return
        for action, resource in self.requests:
            before = self._outcome(self.lab, action, resource)
            after = self._outcome(edited, action, resource)
            self.results.append((action, resource, before, after))
        self.table.value = _results_html(self.results)

    def _outcome(self, lab: Lab, action: str, resource: str) -> Outcome:
        try:
            return lab.evaluate(
                self.principal_name, action, resource, context=self.context, now=self.now
            )
        except IamlabError as exc:
            return str(exc)


def _first_user(lab: Lab) -> str:
    for user in lab.users():
        return user.name
    raise IamlabError("the lab has no IAM user to attach the policy to; pass principal=")


def _lint_html(findings: list[LintFinding]) -> str:
    if not findings:
        return '<div class="iamlab-lint">No lint warnings.</div>'
    items = "".join(f"<li>{escape(str(f))}</li>" for f in findings)
    return f'<div class="iamlab-lint"><b>⚠ Lint warnings</b><ul>{items}</ul></div>'


def _cell(outcome: Outcome) -> str:
    if isinstance(outcome, str):
        return f"⚠ {escape(outcome)}"
    return result_badge(outcome.result)


def _results_html(results: list[tuple[str, str, Outcome, Outcome]]) -> str:
    rows = []
    for action, resource, before, after in results:
        changed = (
            isinstance(before, Decision)
            and isinstance(after, Decision)
            and before.result != after.result
        )
        mark = "changed" if changed else ""
        rows.append(
            f"<tr><td><code>{escape(action)}</code></td><td><code>{escape(resource)}</code></td>"
            f"<td>{_cell(before)}</td><td>{_cell(after)}</td><td>{mark}</td></tr>"
        )
    head = (
        "<tr><th>Action</th><th>Resource</th><th>Without this policy</th>"
        "<th>With it</th><th></th></tr>"
    )
    return f'<table class="iamlab-results">{head}{"".join(rows)}</table>'
