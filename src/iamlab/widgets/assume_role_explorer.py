"""The assume-role explorer: become a role, watch the credentials expire, chain roles.

Time is simulated: the explorer starts at ``start`` and a slider moves its clock forward, so
a learner can see a session run out without waiting for it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html import escape

import ipywidgets as widgets

from iamlab import arguments as args
from iamlab.diagrams import assume_role_sequence
from iamlab.errors import AccessDeniedError, ExpiredTokenError, IamlabError
from iamlab.model.evaluation import Decision
from iamlab.model.lab import Lab
from iamlab.model.matrix import known_actions, known_resources
from iamlab.model.sts import CHAINING_LIMIT, MIN_DURATION, Session
from iamlab.widgets.badges import badge, error_box, pre, result_badge
from iamlab.widgets.controls import LABEL_STYLE, auto_width, combobox, format_time, wide
from iamlab.widgets.defaults import default_request
from iamlab.widgets.explanation import explanation_html
from iamlab.widgets.graphs import diagram_html


def countdown_text(session: Session, now: datetime) -> str:
    """``expires in 14:00`` (minutes:seconds, or h:mm:ss beyond an hour) or ``EXPIRED``."""
    if session.is_expired(now):
        return f"EXPIRED at {format_time(session.expiration)}"
    left = int(session.remaining(now).total_seconds())
    hours, rest = divmod(left, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"expires in {hours}:{minutes:02d}:{seconds:02d}"
    return f"expires in {minutes:02d}:{seconds:02d}"


def _trusted_services(lab: Lab) -> list[str]:
    """AWS services named in the lab's trust policies (they can be callers of AssumeRole)."""
    found: dict[str, None] = {}
    for role in lab.roles():
        for statement in role.trust_policy.statements:
            if statement.principals is not None and not statement.not_principal:
                found.update(dict.fromkeys(sorted(statement.principals.service)))
    return list(found)


def _role_choices(lab: Lab) -> list[tuple[str, str]]:
    """(label, reference) for every role: the name in the first account, the ARN elsewhere."""
    first = lab.account().id
    return [(r.name if r.account == first else r.arn, r.arn) for r in lab.roles()]


class AssumeRoleExplorer(widgets.VBox):  # type: ignore[misc]
    """Assume a role as a caller, see the temporary credentials and their expiry, use them.

    Public controls: ``caller``, ``role``, ``duration`` (seconds), ``mfa``, ``external_id``,
    ``session_name``, ``assume_button``; ``clock`` (minutes since ``start``);
    ``request_action`` and ``request_resource``; ``chain_role``, ``chain_duration`` and
    ``chain_button``. Views: ``outcome``, ``explanation``, ``credentials``, ``diagram``,
    ``countdown``, ``request_result`` and ``chain_result``. ``session`` is the current
    session (``None`` before a successful assume), ``sessions`` all of them in order.
    The secret access key and the session token are never shown, only a masked secret.
    """

    def __init__(
        self,
        lab: Lab,
        *,
        start: datetime | None = None,
        caller: str | None = None,
        role: str | None = None,
    ) -> None:
        args.check_lab(lab, "AssumeRoleExplorer")
        args.check_moment(start, "AssumeRoleExplorer", "start", naive_is_utc=True)
        args.check_text(caller, "AssumeRoleExplorer", "caller", optional=True)
        args.check_text(role, "AssumeRoleExplorer", "role", optional=True)
        self.lab = lab
        self.start = (
            start if start is not None else datetime.now(UTC).replace(second=0, microsecond=0)
        )
        if self.start.tzinfo is None:
            self.start = self.start.replace(tzinfo=UTC)
        self.session: Session | None = None
        self.sessions: list[Session] = []
        self.decision: Decision | None = None
        self.error = ""

        callers = [*lab.principal_names(), *_trusted_services(lab)]
        roles = _role_choices(lab)
        if not roles:
            raise IamlabError("this lab has no role to assume")
        self.caller = combobox(
            "Caller",
            caller or callers[0],
            callers,
            "a user, role/NAME (chaining), a service or an ARN",
        )
        self.role = widgets.Dropdown(
            options=roles, description="Role", style=LABEL_STYLE, layout=wide()
        )
        if role is not None:
            self.role.value = self.lab.role(role).arn
        self.duration = widgets.IntSlider(
            value=MIN_DURATION,
            min=MIN_DURATION,
            max=3600,
            step=300,
            description="Duration (s)",
            style=LABEL_STYLE,
            layout=wide(),
        )
        self.mfa = widgets.Checkbox(
            value=False,
            indent=False,
            description="the caller signed in with MFA",
            layout=auto_width(),
        )
        self.external_id = widgets.Text(
            value="",
            description="External ID",
            style=LABEL_STYLE,
            placeholder="empty: none (sts:ExternalId)",
        )
        self.session_name = widgets.Text(
            value="explorer", description="Session name", style=LABEL_STYLE
        )
        self.assume_button = widgets.Button(
            description="Assume role", button_style="primary", icon="user-secret"
        )
        self.outcome = widgets.HTML()
        self.explanation = widgets.HTML()
        self.credentials = widgets.HTML()
        self.diagram = widgets.HTML()

        self.clock = widgets.IntSlider(
            value=0,
            min=0,
            max=90,
            step=1,
            style=LABEL_STYLE,
            description="Clock (min)",
            layout=wide(),
            continuous_update=False,
        )
        self.clock.add_class("iamlab-clock")
        self.clock_label = widgets.HTML()
        self.countdown = widgets.HTML()

        actions, resources = known_actions(lab), known_resources(lab)
        usual_action, usual_resource = default_request(lab)
        self.request_action = combobox("Action", usual_action, actions, "service:Action")
        self.request_resource = combobox("Resource", usual_resource, resources, "an ARN")
        self.request_result = widgets.HTML()

        self.chain_role = widgets.Dropdown(
            options=roles, description="Next role", style=LABEL_STYLE, layout=wide()
        )
        self.chain_duration = widgets.BoundedIntText(
            value=CHAINING_LIMIT,
            min=MIN_DURATION,
            max=43200,
            step=300,
            style=LABEL_STYLE,
            description="Duration (s)",
        )
        self.chain_button = widgets.Button(
            description="Assume from this session", icon="link", layout=auto_width()
        )
        self.chain_result = widgets.HTML()

        self.role.observe(self._role_changed, names="value")
        self.assume_button.on_click(lambda _: self.assume())
        self.chain_button.on_click(lambda _: self.chain())
        self.clock.observe(self._clock_moved, names="value")
        for control in (self.request_action, self.request_resource):
            control.observe(lambda _: self._refresh_request(), names="value")

        super().__init__(
            [
                widgets.HTML("<b>1. Assume a role</b> (sts:AssumeRole)"),
                self.caller,
                self.role,
                self.duration,
                widgets.HBox([self.mfa, self.external_id]),
                self.session_name,
                self.assume_button,
                self.outcome,
                self.explanation,
                self.credentials,
                self.diagram,
                widgets.HTML("<b>2. The clock</b> (simulated: move it forward)"),
                self.clock,
                self.clock_label,
                self.countdown,
                widgets.HTML("<b>3. Make a request</b> with the session's credentials"),
                self.request_action,
                self.request_resource,
                self.request_result,
                widgets.HTML(
                    f"<b>4. Role chaining</b>: from this session, assume another role "
                    f"(at most {CHAINING_LIMIT} seconds, one hour)"
                ),
                self.chain_role,
                self.chain_duration,
                widgets.HBox([self.chain_button]),
                self.chain_result,
            ]
        )
        self.add_class("iamlab-assume-role-explorer")
        self._role_changed(None)
        self._show_clock()

    # -- time -----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The simulated time: ``start`` plus the clock's minutes."""
        return self.start + timedelta(minutes=int(self.clock.value))

    def _clock_moved(self, change: object) -> None:
        self._show_clock()
        if self.session is not None:
            self._show_session_diagram(self.session)
        self._refresh_request()

    def _show_clock(self) -> None:
        self.clock_label.value = (
            f"Now: <code>{format_time(self.now())}</code> (start + {self.clock.value} min)"
        )
        if self.session is None:
            self.countdown.value = "No session yet."
            return
        text = countdown_text(self.session, self.now())
        colour = "#b3261e" if self.session.is_expired(self.now()) else "#1a7f37"
        self.countdown.value = badge(text, colour)

    # -- assuming ---------------------------------------------------------------------------

    def _role_changed(self, change: object) -> None:
        role = self.lab.role(self.role.value)
        self.duration.max = role.max_session_duration
        self.duration.value = min(max(self.duration.value, MIN_DURATION), self.duration.max)

    def assume(self) -> Session | None:
        """Call AssumeRole with what the controls say, at the clock's time."""
        now = self.now()
        caller = self.caller.value.strip()
        external = self.external_id.value.strip() or None
        context: dict[str, object] = {"aws:MultiFactorAuthPresent": bool(self.mfa.value)}
        try:
            session = self.lab.assume_role(
                caller,
                self.role.value,
                session_name=self.session_name.value.strip(),
                duration_seconds=int(self.duration.value),
                context=context,
                external_id=external,
                now=now,
            )
        except AccessDeniedError as exc:
            self._refused(exc)
            return None
        except IamlabError as exc:
            self._failed(str(exc))
            return None
        if external is not None:
            context["sts:ExternalId"] = external
        self._start_session(session, now, self._why_allowed(caller, session, context, now))
        self.outcome.value = badge(
            "✔ AssumeRole allowed", "#1a7f37", detail=f"{session.source_arn} is now {session.arn}"
        )
        return session

    def chain(self) -> Session | None:
        """From the current session, assume ``chain_role`` (role chaining: one hour at most)."""
        if self.session is None:
            self.chain_result.value = error_box(
                "assume a role first: chaining starts from a role session", title="⚠ No session"
            )
            return None
        now = self.now()
        previous = self.session
        try:
            session = self.lab.assume_role(
                previous,
                self.chain_role.value,
                session_name=self.session_name.value.strip(),
                duration_seconds=int(self.chain_duration.value),
                now=now,
            )
        except AccessDeniedError as exc:
            detail = explanation_html(exc.decision) if exc.decision is not None else ""
            self.chain_result.value = error_box(str(exc), title="✖ AccessDenied") + detail
            return None
        except ExpiredTokenError as exc:
            self.chain_result.value = error_box(str(exc), title="✖ ExpiredToken")
            return None
        except IamlabError as exc:
            self.chain_result.value = error_box(str(exc), title=f"✖ {type(exc).__name__}")
            return None
        self.chain_result.value = badge(
            "✔ Chained", "#1a7f37", detail=f"{session.source_arn} is now {session.arn}"
        )
        self._start_session(session, now, self._why_allowed(previous, session, {}, now))
        return session

    def _why_allowed(
        self,
        caller: str | Session,
        session: Session,
        context: dict[str, object],
        now: datetime,
    ) -> Decision | None:
        """The decision that allowed the AssumeRole, asked of the model again.

        ``Lab.evaluate`` checks sts:AssumeRole on a role against its trust policy, as
        ``assume_role`` does. A session that carries its own decision is preferred.
        """
        carried: Decision | None = getattr(session, "decision", None)
        if carried is not None:
            return carried
        context = {"sts:RoleSessionName": session.session_name, **context}
        try:
            decision = self.lab.evaluate(
                caller, "sts:AssumeRole", session.role.arn, context=context, now=now
            )
        except IamlabError:
            return None
        return decision if decision.allowed else None

    def _start_session(self, session: Session, now: datetime, decision: Decision | None) -> None:
        self.session = session
        self.sessions.append(session)
        self.error = ""
        self.decision = decision
        if decision is not None:
            self.explanation.value = explanation_html(decision)
        else:
            self.explanation.value = pre(
                f"AWS allowed sts:AssumeRole: the trust policy of {session.role.name} lets "
                f"{session.source_arn} assume it.\n\n"
                f"Trust policy of {session.role.name}:\n"
                f"{_json(session.role.trust_policy.document)}"
            )
        self.credentials.value = _credentials_html(session)
        minutes_left = int((session.expiration - self.start).total_seconds() // 60)
        self.clock.max = max(self.clock.max, minutes_left + 30)
        self._show_clock()
        self._show_session_diagram(session)
        self._refresh_request()

    def _refused(self, exc: AccessDeniedError) -> None:
        self.session = None
        self.decision = exc.decision
        self.error = str(exc)
        self.outcome.value = error_box(str(exc), title="✖ AccessDenied: AssumeRole refused")
        self.explanation.value = explanation_html(exc.decision) if exc.decision else ""
        self.credentials.value = ""
        self._show_clock()
        self._refresh_request()
        if exc.decision is not None:
            self.diagram.value = diagram_html(
                assume_role_sequence(decision=exc.decision, now=self.now())
            )
        else:
            self.diagram.value = ""

    def _failed(self, message: str) -> None:
        self.session = None
        self.decision = None
        self.error = message
        self.outcome.value = error_box(message, title="✖ AssumeRole failed")
        self.explanation.value = ""
        self.credentials.value = ""
        self.diagram.value = ""
        self._show_clock()
        self._refresh_request()

    def _show_session_diagram(self, session: Session) -> None:
        self.diagram.value = diagram_html(assume_role_sequence(session, now=self.now()))

    # -- using the session ------------------------------------------------------------------

    def _refresh_request(self) -> None:
        if self.session is None:
            self.request_result.value = "No session: assume a role first."
            return
        try:
            decision = self.lab.evaluate(
                self.session,
                self.request_action.value.strip(),
                self.request_resource.value.strip(),
                context={"aws:SecureTransport": True},
                now=self.now(),
            )
        except ExpiredTokenError as exc:
            self.request_result.value = error_box(str(exc), title="✖ ExpiredToken")
            return
        except IamlabError as exc:
            self.request_result.value = error_box(str(exc))
            return
        self.request_result.value = result_badge(
            decision.result, detail=f"as {self.session.arn}"
        ) + explanation_html(decision)


def _json(document: object) -> str:
    return json.dumps(document, indent=2)


def _credentials_html(session: Session) -> str:
    creds = session.credentials
    rows = [
        ("Session ARN", session.arn),
        ("Access key ID", creds.access_key_id),
        ("Secret access key", creds.masked_secret),
        ("Session token", "(hidden)"),
        ("Expiration", format_time(session.expiration)),
        (
            "Duration",
            f"{session.duration_seconds} s"
            + (" (role chaining: one hour at most)" if session.chained else ""),
        ),
    ]
    body = "".join(
        f"<tr><th style='text-align:left'>{escape(k)}</th><td><code>{escape(v)}</code></td></tr>"
        for k, v in rows
    )
    return f'<table class="iamlab-credentials">{body}</table>'
