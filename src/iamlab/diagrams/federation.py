"""The federated sign-in sequence: identity provider → token → STS → trust check → session.

https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html

Drawn top to bottom so that it fits a notebook's column. For a session that was issued (from
``assume_role_with_web_identity``, ``assume_role_with_saml`` or ``sign_in``) the trust check
lists each condition on the token's claims with ✔; for a refusal, pass the ``decision`` of the
:class:`~iamlab.AccessDeniedError` and the failing claim is drawn with ✖. The secret access key
and the session token never appear.
"""

from __future__ import annotations

import graphviz

from iamlab.arguments import check_instance
from iamlab.errors import ValidationError
from iamlab.model.claims import ClaimCheck, claim_checks, unchecked_subject
from iamlab.model.evaluation import Decision
from iamlab.model.identity_center import ROLE_PREFIX, SIGN_IN_AUDIENCE
from iamlab.model.sts import Session

from . import style

_TOKEN_CLAIMS = ("iss", "aud", "sub")


def federated_sequence(
    session: Session | None = None, *, decision: Decision | None = None
) -> graphviz.Digraph:
    """Draw how a federated session came to be (``session``) or why it was refused."""
    if (session is None) == (decision is None):
        raise ValidationError(
            "federated_sequence needs exactly one of: a Session (from a federated call such "
            "as lab.assume_role_with_web_identity) or decision= (from AccessDeniedError.decision)"
        )
    if session is not None:
        check_instance(session, Session, "federated_sequence", "session", "an iamlab Session")
    if decision is not None:
        check_instance(decision, Decision, "federated_sequence", "decision", "an iamlab Decision")
    trust = session.decision if session is not None else decision
    if trust is None or trust.caller.kind != "federated":
        raise ValidationError(
            "federated_sequence draws sessions made through an identity provider; for "
            "sts:AssumeRole use assume_role_sequence"
        )
    return _draw(trust, session)


def _provider_words(decision: Decision) -> tuple[str, str, str, str]:
    """(who issues, what kind, what it hands over, the STS call)."""
    arn = decision.caller.arn
    name = decision.caller.name
    if ":oidc-provider/" in arn:
        who = "GitHub Actions" if name == "token.actions.githubusercontent.com" else name
        return who, "OIDC identity provider", "OIDC token", "AssumeRoleWithWebIdentity"
    if name.startswith("AWSSSO_"):
        return (
            "IAM Identity Center",
            "access portal sign-in",
            "SAML assertion",
            "AssumeRoleWithSAML",
        )
    return name, "SAML identity provider", "SAML assertion", "AssumeRoleWithSAML"


def _short(role_name: str) -> str:
    """``permission set Bookkeeping`` for Identity Center's long role names, else the name."""
    if role_name.startswith(ROLE_PREFIX) and role_name.count("_") >= 2:
        return "permission set " + role_name.removeprefix(ROLE_PREFIX).rsplit("_", 1)[0]
    return role_name


def _claim_rows(decision: Decision, what: str) -> list[str]:
    ctx = decision.context
    rows = [f"{what} (claims, not signed here)"]
    if what == "OIDC token":
        prefix = decision.caller.name.lower() + ":"
        rows.append(f"iss https://{decision.caller.name}")
        for claim in ("aud", "sub"):
            value = ctx.get(prefix + claim)
            if value is not None:
                rows.extend(style.wrap(f"{claim} {value}", 48))
    else:
        for key in ("saml:aud", "saml:sub", "saml:sub_type"):
            value = ctx.get(key)
            if value is not None:
                rows.extend(style.wrap(f"{key} {value}", 48))
    return rows


def _check_rows(checks: list[ClaimCheck]) -> list[str]:
    rows: list[str] = []
    for check in checks:
        mark = style.PASS if check.held else style.FAIL
        rows.extend(style.wrap(f"{mark} {check.condition}", 48))
        if not check.held:
            shown = "absent" if check.value is None else str(check.value)
            rows.extend(style.wrap(f"   the {check.claim} is {shown}", 48))
    return rows


def _draw(decision: Decision, session: Session | None) -> graphviz.Digraph:
    who, kind, what, call = _provider_words(decision)
    role_name = decision.resource.rsplit("/", 1)[-1]
    short = _short(role_name)
    allowed = session is not None
    checks = claim_checks(decision)
    title = f"Sign-in: {who} → {short}" if allowed else f"Sign-in refused: {who} ✖ {short}"
    description = (
        f"{who} ({kind}) hands a {what} to the caller, who sends it to AWS STS with "
        f"{call} for the role {decision.resource}; STS checks the role's trust policy"
        + (
            f", which allows it, and returns temporary credentials that sign requests as "
            f"{session.arn}."
            if session is not None
            else f", which refuses it ({decision.result}), so no credentials are issued."
        )
    )
    graph = style.new_graph(title=title, description=description, rankdir="TB")
    body = style.card("federation")
    body.node(
        "idp", style.lines(who, kind), **style.node_attrs("external", tooltip=decision.caller.arn)
    )
    body.node("token", style.lines(*_claim_rows(decision, what)), **style.node_attrs("credentials"))
    body.node("sts", style.lines("AWS STS", call), **style.node_attrs("sts"))
    trust_rows = [*style.wrap(role_name, 30), "IAM role: trust policy checked"]
    trust_rows.extend(_check_rows(checks))
    if unchecked_subject(decision):
        trust_rows.append(f"{style.FAIL} no condition on sub: any repository gets in")
    role_attrs = style.node_attrs("role", tooltip=decision.resource)
    if not allowed:
        role_attrs.update(color=style.OUTCOME_COLOUR[decision.result], penwidth="3")
    body.node("role", style.lines(*trust_rows), **role_attrs)
    if session is not None:
        cred_rows = [
            "temporary credentials",
            f"AccessKeyId {session.credentials.access_key_id}",
            f"SecretAccessKey {session.credentials.masked_secret}",
            "SessionToken (not shown)",
            f"expires {session.expiration:%Y-%m-%d %H:%M} UTC "
            f"({style.duration_words(session.duration_seconds)})",
        ]
        body.node("credentials", style.lines(*cred_rows), **style.node_attrs("credentials"))
        request_rows = ["requests signed as", *style.wrap(session.arn.split(":", 5)[-1], 48)]
        if session.source_identity:
            request_rows.append(f"source identity {session.source_identity}")
        if session.tags:
            request_rows.extend(
                style.wrap(
                    "session tags " + ", ".join(f"{k}={v}" for k, v in session.tags.items()), 48
                )
            )
        body.node("request", style.lines(*request_rows), **style.node_attrs("session"))
    else:
        body.node(
            "credentials",
            style.lines("temporary credentials", "(none issued: AccessDenied)"),
            **style.node_attrs("credentials", **style.DIMMED, style="filled,dashed"),
        )
        body.node(
            "request",
            style.lines("no session of the role"),
            **style.node_attrs("session", **style.DIMMED, style="filled,dashed"),
        )
    graph.subgraph(body)
    step1 = "1. signs the user in" if what == "SAML assertion" else "1. issues a token to the job"
    graph.edge("idp", "token", style.edge_label(step1), **style.PATH)
    sts_call = [f"2. sts:{call}", f"with the {what.split()[-1]}, for the role"]
    if what == "SAML assertion" and decision.context.get("saml:aud") == SIGN_IN_AUDIENCE:
        sts_call.append(f"for {SIGN_IN_AUDIENCE}")
    graph.edge("token", "sts", style.edge_label(*sts_call), **style.PATH)
    verdict = f"{style.PASS} allowed" if allowed else f"{style.FAIL} refused"
    graph.edge("sts", "role", style.edge_label("3. trust check", verdict), **style.PATH)
    if allowed:
        graph.edge("role", "credentials", style.edge_label("4. STS returns"), **style.PATH)
        graph.edge("credentials", "request", style.edge_label("5. signs requests"), **style.PATH)
    else:
        graph.edge("role", "credentials", style.edge_label("4. nothing returned"), **style.OFF_PATH)
        graph.edge("credentials", "request", style.edge_label("5. no requests"), **style.OFF_PATH)
    return graph
