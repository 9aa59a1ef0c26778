"""A decision explained as a page (widgets): the six steps as a list, the deciding one marked.

The plain-text :meth:`Decision.explain` stays what ``print`` shows; this is its HTML view,
built from the decision's structured data (``steps``, ``decided_by``, ``statements``,
``policies``) and :func:`iamlab.model.explain.why_not`, never by parsing that text:

- the request, the result in words and what decided it ("decided by: the permissions
  boundary", never a raw kind);
- AWS's six steps in order (explicit deny, SCPs, resource-based policy, identity-based
  policies, permissions boundary, session policy), each with the outcome mark the diagrams use
  (✔ allows, ✖ denies or decides no, ∅ none, – not reached or not needed);
- the deciding step(s) highlighted, with the statements that decided named under them;
- the statements that did not match folded under a ``<details>`` summary, each with why.

Everything that came from a lab or a policy (names, Sids, ARNs, condition values) is escaped;
text wraps between words only (ARNs may break after ``/`` and ``:``, never inside a word).
"""

from __future__ import annotations

import re
from html import escape

from iamlab.diagrams import naming, style
from iamlab.model.evaluation import STEP_ORDER, Decision, MatchedStatement
from iamlab.model.explain import why_not

#: Each step's name in the list.
STEP_NAMES = {
    "deny": "Explicit deny",
    "scp": "Service control policies (SCPs)",
    "resource": "Resource-based policy",
    "identity": "Identity-based policies",
    "permissions_boundary": "Permissions boundary",
    "session": "Session policy",
}
#: The whole block: normal word wrapping only (no break inside a word).
_BOX = (
    "white-space:normal;word-break:normal;overflow-wrap:normal;hyphens:manual;"
    "line-height:1.45;max-width:100%"
)
_DECIDING = "border-left:4px solid {colour};padding:0.15em 0.5em;margin:0.15em 0;font-weight:600"
_PLAIN = "border-left:4px solid transparent;padding:0.15em 0.5em;margin:0.15em 0"


#: A word longer than this (an ARN) gets break chances after its ``/`` and ``:``.
_LONG_WORD = 28


def text(value: object) -> str:
    """``value`` escaped for HTML; in a word longer than a short line (an ARN), break chances
    (``<wbr>``) after ``/`` and ``:`` so it wraps at its separators, never inside a word."""
    words = re.split(r"(\s+)", str(value))
    out = []
    for word in words:
        escaped = escape(word, quote=True)
        if len(word) > _LONG_WORD:
            escaped = escaped.replace("/", "/<wbr>").replace(":", ":<wbr>")
        out.append(escaped)
    return "".join(out)


def explanation_html(decision: Decision) -> str:
    """The decision as HTML: the request, the steps with their marks, the statements."""
    caller = decision.caller
    who, kind_words = naming.caller_caption(caller)
    outcome = style.OUTCOME_TEXT[decision.result]
    by = naming.decided_by_words(decision.decided_by)
    parts = [
        f'<div class="iamlab-explanation" style="{_BOX}">',
        f"<p><b>Request:</b> {text(who)} ({text(kind_words)}) wants "
        f"<code>{text(decision.action)}</code> on <code>{text(decision.resource)}</code></p>",
        f'<p class="iamlab-result"><b>{escape(outcome)}</b>' + _decided_by(decision, by) + "</p>",
    ]
    notes = []
    if caller.simulated:
        notes.append(
            "A role makes requests through a session; this request was evaluated as a "
            "session of the role with no session policy."
        )
    if decision.cross_account:
        notes.append(
            f"Cross-account request (caller in {caller.account}, resource in "
            f"{decision.resource_account}): both sides must allow it."
        )
    if decision.note:
        notes.append(decision.note)
    parts.extend(f'<p class="iamlab-note">{text(note)}</p>' for note in notes)
    parts.append('<ol class="iamlab-steps" style="padding-left:1.6em;margin:0.3em 0">')
    parts.extend(_step_item(decision, kind) for kind in STEP_ORDER)
    parts.append("</ol>")
    parts.append(_non_matching(decision))
    parts.append("</div>")
    return "".join(parts)


def _step_name(decision: Decision, kind: str) -> str:
    trust = decision.resource_policy
    if kind == "resource" and trust is not None and trust.name == "trust policy":
        return "Resource-based policy (the role's trust policy)"
    return STEP_NAMES[kind]


def _decided_by(decision: Decision, by: str) -> str:
    """ " — decided by: ...", in words; for an implicit deny it says that none of them allowed."""
    if not decision.decided_by:
        return ""
    if decision.result == "ImplicitlyDenied" and len(decision.decided_by) > 1:
        return f" — decided by: {text(by)} (none of them allows it, and nothing else does)"
    return f" — decided by: {text(by)}"


def deciding_steps(decision: Decision) -> list[str]:
    """The steps that decided: the explicit-deny step for an explicit deny, else the kinds of
    ``decided_by`` (an allow is decided by what allowed it)."""
    status = {s.kind: s.status for s in decision.steps}
    if status.get("deny") == "deny":
        return ["deny"]
    return [k for k in STEP_ORDER if k in decision.decided_by]


def _step_item(decision: Decision, kind: str) -> str:
    status = {s.kind: s.status for s in decision.steps}[kind]
    deciding = kind in deciding_steps(decision)
    mark, words = _finding(decision, kind, status, deciding)
    colour = style.OUTCOME_COLOUR[decision.result]
    attrs = (
        f'class="iamlab-step iamlab-deciding" data-step="{kind}" data-status="{status}" '
        f'style="{_DECIDING.format(colour=colour)}"'
        if deciding
        else f'class="iamlab-step" data-step="{kind}" data-status="{status}" style="{_PLAIN}"'
    )
    flag = " <em>(deciding)</em>" if deciding else ""
    item = (
        f'<li {attrs}><span class="iamlab-mark" aria-hidden="true">{mark}</span> '
        f"<b>{_step_name(decision, kind)}</b>: {text(words)}{flag}"
    )
    matched = [
        (m.effect, naming.statement_name(m), m.grant) for m in _matched(decision, kind)
    ] or _also_matching(decision, kind, status)
    if matched:
        item += '<ul style="margin:0.1em 0;padding-left:1.4em;font-weight:normal">'
        for effect, where, grant in matched:
            css = "iamlab-statement iamlab-deciding-statement" if deciding else "iamlab-statement"
            item += f'<li class="{css}">{text(effect)} in {text(where)}'
            if grant:
                item += f" — it {text(_GRANT_WORDS[grant])}"
            item += "</li>"
        item += "</ul>"
    return item + "</li>"


_GRANT_WORDS = {
    "direct": "names the caller directly",
    "role": "names the role (so the role's boundary and session policy still apply)",
    "account": "names the caller's account (whose own identity-based policies decide)",
}


def _matched(decision: Decision, kind: str) -> list[MatchedStatement]:
    if kind == "deny":
        return [m for m in decision.statements if m.effect == "Deny"]
    return [m for m in decision.statements if m.kind == kind and m.effect == "Allow"]


def _also_matching(decision: Decision, kind: str, status: str) -> list[tuple[str, str, None]]:
    """Statements of a step that allowed without being among those that decided (the trust
    policy of a role assumed within its account, say): found as the plain text finds them."""
    if status != "allow" or kind == "deny":
        return []
    return [
        (st.effect, f"{st.label} in {naming.policy_name(attached)}", None)
        for attached in decision.policies
        if attached.kind == kind
        for st in attached.policy.statements
        if st.effect == "Allow" and why_not(st, attached, decision) is None
    ]


def _finding(decision: Decision, kind: str, status: str, deciding: bool) -> tuple[str, str]:
    """(mark, words) for what one step found, in the diagrams' vocabulary."""
    if status == "not-reached":
        return style.SKIP, "not reached"
    if kind == "deny":
        if status == "deny":
            return style.FAIL, "a Deny statement matched; an explicit deny always wins"
        count = len(decision.policies)
        return (
            style.PASS,
            f"no Deny matched (of {count} applicable polic{'y' if count == 1 else 'ies'})",
        )
    if kind == "identity" and decision.caller.kind == "root":
        return style.PASS, "the root user has full access to its own account"
    if status == "allow":
        return style.PASS, "allows it"
    if status == "absent":
        return style.NONE, {
            "scp": "none apply to this account",
            "resource": "the resource has no resource-based policy",
            "identity": "none (a service has no identity-based policies)",
            "permissions_boundary": "none set",
            "session": "none",
        }[kind]
    if deciding:
        return style.FAIL, "does not allow it"
    return style.SKIP, "does not allow it (not needed: another policy allows it)"


def _non_matching(decision: Decision) -> str:
    matched = {(id(m.source.policy), m.statement.index) for m in decision.statements}
    rows = []
    for attached in decision.policies:
        for statement in attached.policy.statements:
            if (id(attached.policy), statement.index) in matched:
                continue
            reason = why_not(statement, attached, decision)
            if reason is None:
                continue
            rows.append(
                f'<li class="iamlab-statement">{text(statement.effect)} in '
                f"{text(statement.label)} of {text(attached.title)}: {text(reason)}</li>"
            )
    if not rows:
        return ""
    count = len(rows)
    return (
        '<details class="iamlab-non-matching"><summary>'
        f"{count} statement{'s' if count != 1 else ''} did not match, and why</summary>"
        f'<ul style="padding-left:1.4em;margin:0.2em 0">{"".join(rows)}</ul></details>'
    )
