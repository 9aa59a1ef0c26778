"""Federated sign-in: AssumeRoleWithWebIdentity (OIDC), AssumeRoleWithSAML and Identity Center.

https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html

The rules:

- A token (OIDC) is plain claims: ``iss``, ``sub``, ``aud`` and any others. No signature is
  modelled. Its issuer must be an OIDC provider of the *role's* account and its audience one
  the provider lists, or STS answers ``InvalidIdentityToken``; a token past its ``exp`` is
  ``ExpiredToken``.
- The role's trust policy must allow ``sts:AssumeRoleWithWebIdentity`` (or
  ``sts:AssumeRoleWithSAML``) for the ``Federated`` principal, the provider's ARN. Its
  conditions see the keys AWS documents for the provider: ``URL:aud``, ``URL:sub``,
  ``URL:amr``, ``URL:email``, ``URL:oaud`` for OIDC (when the token has ``azp``, ``URL:aud``
  is the ``azp`` and ``URL:oaud`` the ``aud``), and ``saml:aud``, ``saml:sub``,
  ``saml:sub_type``, ``saml:iss``, ``saml:namequalifier``, ``saml:doc``... for SAML. Other
  claims (GitHub's ``repository``, ``ref``, ``environment``) are not condition keys: AWS does
  not support custom OIDC claims, so a trust policy can only check them through ``sub``.
- Session tags come from the token's ``https://aws.amazon.com/tags`` claim (or the SAML
  ``PrincipalTag:KEY`` attributes) and need ``sts:TagSession`` in the trust policy; a source
  identity comes from ``https://aws.amazon.com/source_identity`` (or the SAML
  ``SourceIdentity`` attribute) and needs ``sts:SetSourceIdentity``.
- ``DurationSeconds`` runs from 900 to the role's maximum session duration (default 3600).
- The session is ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``; its requests carry
  ``aws:FederatedProvider`` (the OIDC provider's ARN), ``aws:SourceIdentity`` and
  ``aws:PrincipalTag/KEY`` for its session tags.

Simplified: iamlab makes the token's keys available to the trust policy only, not to the
session's later requests; ``aws:FederatedProvider`` is set for OIDC sessions only; the SAML
``SessionNotOnOrAfter`` limit and transitive tag keys are not modelled; nor are the checks IAM
makes when a trust policy is *written*, such as the identity-provider controls that make it
refuse, for recognized shared OIDC providers, a new trust policy that does not evaluate the
required claims (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc_secure-by-default.html):
iamlab decides requests against whatever trust policy the lab holds.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from iamlab import arguments as args
from iamlab.errors import (
    AccessDeniedError,
    ExpiredTokenError,
    IamlabError,
    InvalidIdentityTokenError,
    UnknownPrincipalError,
    ValidationError,
)
from iamlab.model import arn as arns
from iamlab.model import sts
from iamlab.model.caller import Caller
from iamlab.model.claims import (
    SAML_ATTRIBUTE,
    as_list,
    check_tags,
    oidc_extras,
    oidc_keys,
    read_assertion,
    read_token,
    single_value,
)
from iamlab.model.evaluation import Decision, evaluate_request
from iamlab.model.identity_center import SIGN_IN_AUDIENCE, IdentityCenter, build_identity_center
from iamlab.model.identity_providers import (
    NO_PROVIDERS,
    IdentityProviders,
    OidcProvider,
    SamlProvider,
    build_identity_providers,
    issuer_url,
)
from iamlab.model.policy import Policy, parse_policy
from iamlab.model.principals import Account, AttachedPolicy, Role
from iamlab.model.sts import Session
from iamlab.safe_repr import safe_repr

if TYPE_CHECKING:
    from iamlab.model.lab import Lab

WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
SAML = "sts:AssumeRoleWithSAML"
TAG_SESSION = "sts:TagSession"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"
MAX_TOKENS = 1_000  # tokens checked at once (a lesson compares four; ps04 judges 288)
_SOURCE_IDENTITY = re.compile(r"\A[\w+=,.@\-]{2,64}\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Federation:
    """The identity providers of each account and the organization's Identity Center."""

    providers: Mapping[str, IdentityProviders] = field(default_factory=dict)
    identity_center: IdentityCenter | None = None

    def of(self, account: str) -> IdentityProviders:
        return self.providers.get(account, NO_PROVIDERS)


def load_federation(
    data: Mapping[str, Any], accounts: dict[str, Account]
) -> tuple[dict[str, Account], Federation]:
    """Read ``identity_providers`` (per account) and ``identity_center`` (top level)."""
    if "accounts" in data and isinstance(data["accounts"], Mapping):
        raw = [
            (str(k), v.get("identity_providers"), f"accounts.{k}.identity_providers")
            for k, v in data["accounts"].items()
            if isinstance(v, Mapping)
        ]
    else:
        raw = [(str(data.get("account_id")), data.get("identity_providers"), "identity_providers")]
    providers = {
        account: build_identity_providers(body, account, place)
        for account, body, place in raw
        if body is not None
    }
    accounts = dict(accounts)
    center = build_identity_center(data.get("identity_center"), accounts, providers)
    return accounts, Federation(providers=MappingProxyType(providers), identity_center=center)


# -- the calls ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Request:
    """A federated AssumeRole call, read and checked, before the trust policy is asked."""

    target: Role
    provider_arn: str
    action: str
    keys: Mapping[str, object]  # the provider's condition keys (lowercase), from the claims
    session_name: str
    tags: Mapping[str, str]
    source_identity: str | None
    session_keys: Mapping[str, object]  # what the session's requests carry besides tags
    what: str  # "token" or "assertion"


def assume_role_with_web_identity(
    lab: Lab,
    target: Role,
    token: object,
    *,
    session_name: str,
    duration_seconds: int | None,
    session_policy: Mapping[str, Any] | str | None,
    now: datetime,
    serial: int,
) -> Session:
    request = _web_identity_request(lab, target, token, session_name, now)
    return _issue(lab, request, duration_seconds, session_policy, now, serial)


def check_web_identity(
    lab: Lab,
    target: Role,
    token: object,
    *,
    trust_policy: Policy | None = None,
    now: datetime | None = None,
) -> Decision:
    """The trust check of AssumeRoleWithWebIdentity alone, with no session made: the Decision,
    allowed or not (``trust_policy`` replaces the role's own, to try a draft). A token STS
    would not accept still raises (InvalidIdentityTokenError, ExpiredTokenError)."""
    _check_trust_arguments("check_web_identity", lab, target, trust_policy, now)
    moment = now or datetime.now(UTC)
    request = _web_identity_request(lab, target, token, "iamlab", moment)
    return _trust_decision(request, moment, trust_policy or target.trust_policy)


def check_tokens(
    lab: Lab,
    target: Role,
    tokens: Mapping[str, object],
    *,
    trust_policy: Policy | None = None,
    now: datetime | None = None,
) -> dict[str, Decision | IamlabError]:
    """Each token's trust check (see :func:`check_web_identity`), by label: its Decision, or
    the error STS would answer (InvalidIdentityToken, ExpiredToken, ...). For views and for
    grading a trust policy by the tokens it must admit and refuse."""
    _check_trust_arguments("check_tokens", lab, target, trust_policy, now)
    if not isinstance(tokens, Mapping):
        raise args.wrong_type("check_tokens", "tokens", "a mapping of labels to tokens", tokens)
    if len(tokens) > MAX_TOKENS:
        raise ValidationError(
            f"check_tokens(tokens=...): {len(tokens):,} tokens; at most {MAX_TOKENS}"
        )
    out: dict[str, Decision | IamlabError] = {}
    for label, token in tokens.items():
        args.check_text(label, "check_tokens", "tokens key", limit=128)
        try:
            out[label] = check_web_identity(lab, target, token, trust_policy=trust_policy, now=now)
        except IamlabError as exc:
            out[label] = exc
    return out


def _check_trust_arguments(
    function: str, lab: object, target: object, trust_policy: object, now: object
) -> None:
    args.check_lab(lab, function)
    args.check_instance(target, Role, function, "target", "an iamlab Role (lab.role(...))")
    if trust_policy is not None:
        args.check_instance(
            trust_policy, Policy, function, "trust_policy", "an iamlab.Policy (Policy.from_json)"
        )
    args.check_moment(now, function)


def _web_identity_request(
    lab: Lab, target: Role, token: object, session_name: str, now: datetime
) -> _Request:
    claims = read_token(token)
    provider = _oidc_provider(lab.federation.of(target.account), claims["iss"], target)
    audiences = as_list(claims["aud"])
    azp = claims.get("azp")
    if not any(a in provider.audiences for a in [*audiences, *([azp] if azp else [])]):
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: Incorrect token audience: the token is for "
            f"{_shown(audiences)}, and the OIDC provider {provider.arn} lists "
            f"{', '.join(provider.audiences)}"
        )
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool) and now.timestamp() >= exp:
        raise ExpiredTokenError(
            f"ExpiredToken: the token expired at {_moment(exp)} (now: {now.isoformat()})"
        )
    tags, source_identity = oidc_extras(claims)
    return _Request(
        target=target,
        provider_arn=provider.arn,
        action=WEB_IDENTITY,
        keys=oidc_keys(provider, claims),
        session_name=session_name,
        tags=tags,
        source_identity=source_identity,
        session_keys={"aws:federatedprovider": provider.arn},
        what="token",
    )


def assume_role_with_saml(
    lab: Lab,
    target: Role,
    provider: str,
    assertion: object,
    *,
    session_name: str | None,
    duration_seconds: int | None,
    session_policy: Mapping[str, Any] | str | None,
    now: datetime,
    serial: int,
) -> Session:
    request = _saml_request(lab, target, provider, assertion, session_name)
    return _issue(lab, request, duration_seconds, session_policy, now, serial)


def _saml_request(
    lab: Lab, target: Role, provider: str, assertion: object, session_name: str | None
) -> _Request:
    idp = _saml_provider(lab.federation.of(target.account), provider, target)
    attributes = read_assertion(assertion)
    keys: dict[str, object] = {}
    tags: dict[str, str] = {}
    source_identity: str | None = None
    name = session_name
    for key, value in attributes.items():
        if key.startswith(SAML_ATTRIBUTE):
            attribute = key[len(SAML_ATTRIBUTE) :]
            if attribute == "RoleSessionName" and name is None:
                name = str(value)
            elif attribute == "SourceIdentity":
                source_identity = str(value)
            elif attribute.startswith("PrincipalTag:"):
                tags[attribute.removeprefix("PrincipalTag:")] = str(single_value(value, key))
        else:
            keys[key.lower()] = value
    if name is None:
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: the assertion has no {SAML_ATTRIBUTE}RoleSessionName "
            f"attribute (and no session_name was given)"
        )
    issuer = str(keys.get("saml:iss") or idp.issuer)
    if issuer:
        keys.setdefault("saml:iss", issuer)
        digest = hashlib.sha1(f"{issuer}{idp.account}/{idp.name}".encode()).digest()
        keys.setdefault("saml:namequalifier", base64.b64encode(digest).decode())
    keys.setdefault("saml:doc", f"{idp.account}/{idp.name}")
    check_tags(tags, "the assertion's PrincipalTag attributes")
    return _Request(
        target=target,
        provider_arn=idp.arn,
        action=SAML,
        keys=keys,
        session_name=name,
        tags=tags,
        source_identity=source_identity,
        session_keys={},
        what="assertion",
    )


def sign_in(
    lab: Lab,
    user: str,
    permission_set: str,
    account: str | None,
    *,
    now: datetime,
    serial: int,
) -> Session:
    """Identity Center: a session of the permission set's role in ``account``, named ``user``."""
    center = lab.federation.identity_center
    if center is None:
        raise ValidationError("this lab has no identity_center: add one to sign in through it")
    if not isinstance(user, str) or user not in center.users:
        known = ", ".join(center.users) or "none"
        raise UnknownPrincipalError(f"no Identity Center user {safe_repr(user)} (users: {known})")
    if not isinstance(permission_set, str) or permission_set not in center.permission_sets:
        known = ", ".join(center.permission_sets) or "none"
        raise UnknownPrincipalError(
            f"no permission set {safe_repr(permission_set)} in Identity Center (permission sets: "
            f"{known})"
        )
    if account is not None and not isinstance(account, str):
        raise ValidationError(f"account is a 12-digit account ID, got {safe_repr(account)}")
    where = center.accounts_for(user, permission_set)
    if account is None and not where:
        account = lab.default_account.id  # refused below: not assigned
    if account is None:
        if len(where) != 1:
            raise ValidationError(
                f"{user} has {permission_set} in {len(where)} accounts "
                f"({', '.join(where) or 'none'}): say which with account="
            )
        account = where[0]
    if account not in where:
        note = (
            f"{user} is not assigned the permission set {permission_set} in account "
            f"{account} (assigned in: {', '.join(where) or 'no account'}); the access portal "
            f"shows only the accounts and permission sets assigned to the user or their groups"
        )
        provider = center.providers.get(account) or f"IAM Identity Center user {user}"
        refused = Decision(
            result="ImplicitlyDenied",
            decided_by=("aws",),
            statements=(),
            caller=Caller(
                kind="federated",
                name=f"IAM Identity Center (user {user})",
                arn=provider,
                account="",
            ),
            action=SAML,
            resource=f"permission set {permission_set} in account {account}",
            resource_account=account,
            context={},
            note=note,
        )
        raise AccessDeniedError(note, refused)
    role = lab.role(center.roles[(account, permission_set)], account)
    assertion = {
        "saml:aud": SIGN_IN_AUDIENCE,
        "saml:sub": user,
        "saml:sub_type": "persistent",
    }
    request = _saml_request(lab, role, center.providers[account], assertion, user)
    duration = center.permission_sets[permission_set].session_duration
    return _issue(lab, request, duration, None, now, serial)


# -- the shared core ------------------------------------------------------------------------


def _trust_decision(request: _Request, now: datetime, trust_policy: Policy) -> Decision:
    """Ask the trust policy: the action, then sts:TagSession and sts:SetSourceIdentity when
    the call carries tags or a source identity. The first refusal, or the last allow."""
    target = request.target
    name = sts.check_session_name(request.session_name)
    source_identity = request.source_identity
    if source_identity is not None and (
        not _SOURCE_IDENTITY.match(source_identity) or source_identity.lower().startswith("aws:")
    ):
        raise ValidationError(
            f"source identity {safe_repr(source_identity)} is invalid: 2 to 64 of letters, digits "
            f"and "
            f"+=,.@_-, not starting with aws:"
        )
    caller = _federated_caller(request.provider_arn)
    ctx: dict[str, object] = {
        "aws:currenttime": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:epochtime": int(now.timestamp()),
        "aws:resourceaccount": target.account,
        "sts:rolesessionname": name,
        **request.keys,
    }
    if source_identity is not None:
        ctx["sts:sourceidentity"] = source_identity
    if request.tags:
        ctx["aws:tagkeys"] = list(request.tags)
        ctx.update({f"aws:requesttag/{k.lower()}": v for k, v in request.tags.items()})
    trust = AttachedPolicy(
        kind="resource", name="trust policy", owner=f"role {target.name}", policy=trust_policy
    )
    actions = [request.action]
    if request.tags:
        actions.append(TAG_SESSION)
    if source_identity is not None:
        actions.append(SET_SOURCE_IDENTITY)
    decision: Decision | None = None
    for one in actions:
        decision = evaluate_request(
            caller=caller,
            action=one,
            resource=target.arn,
            resource_account=target.account,
            resource_policy=trust,
            context=ctx,
            resource_policy_required=True,
            required_policy="trust policy",
        )
        if not decision.allowed:
            break
    assert decision is not None
    return decision


_CALLERS: dict[str, Caller] = {}


def _federated_caller(provider_arn: str) -> Caller:
    """The caller of a federated call: the provider (one object per provider, so that the
    engine's per-caller plans are reused)."""
    caller = _CALLERS.get(provider_arn)
    if caller is None:
        caller = Caller(
            kind="federated",
            name=provider_arn.split("-provider/", 1)[-1],
            arn=provider_arn,
            account="",
        )
        if len(_CALLERS) > 1_000:
            _CALLERS.clear()
        _CALLERS[provider_arn] = caller
    return caller


def _issue(
    lab: Lab,
    request: _Request,
    duration_seconds: int | None,
    session_policy: Mapping[str, Any] | str | None,
    now: datetime,
    serial: int,
) -> Session:
    """Check the call's parameters and the trust policy; make the session or raise why not."""
    target = request.target
    name = sts.check_session_name(request.session_name)
    duration = sts.check_duration(duration_seconds, target, chained=False)
    parsed: Policy | None = None
    if session_policy is not None:
        sts.check_session_policy_size(session_policy)
        parsed = parse_policy(
            session_policy, name="session policy", kind="session", place="session_policy"
        )
    decision = _trust_decision(request, now, target.trust_policy)
    if not decision.allowed:
        why = {
            TAG_SESSION: f" (the {request.what} carries session tags, so the trust policy "
            f"must also allow {TAG_SESSION})",
            SET_SOURCE_IDENTITY: f" (the {request.what} sets a source identity, so the trust "
            f"policy must also allow {SET_SOURCE_IDENTITY})",
        }.get(decision.action, "")
        raise AccessDeniedError(
            f"AccessDenied: Not authorized to perform {decision.action}: the trust policy of "
            f"{target.arn} does not allow {request.provider_arn}{why}. "
            f"See .decision.explain().",
            decision,
        )
    expires = now + timedelta(seconds=duration)
    session_arn = arns.assumed_role_arn(target.account, target.name, name)
    session_caller = lab._session_caller(target, session_arn, name, now, expires, False, parsed)
    extra: dict[str, object] = dict(request.session_keys)
    if request.source_identity is not None:
        extra["aws:sourceidentity"] = request.source_identity
    extra.update({f"aws:principaltag/{k.lower()}": v for k, v in request.tags.items()})
    session_caller.base_context.update(extra)
    return Session(
        arn=session_arn,
        role=target,
        session_name=name,
        credentials=sts.make_credentials(target.arn, name, now, expires, serial),
        issued_at=now,
        duration_seconds=duration,
        mfa_present=False,
        session_policy=parsed,
        source_arn=request.provider_arn,
        chained=False,
        caller=session_caller,
        decision=decision,
        source_identity=request.source_identity,
        tags=MappingProxyType(dict(request.tags)),
    )


def _shown(texts: list[object]) -> str:
    """A token's values for a message: each as written up to 80 characters, six at most."""
    shown = [str(t) if len(str(t)) <= 80 else safe_repr(t, 80) for t in texts[:6]]
    return ", ".join(shown) + (f" and {len(texts) - 6} more" if len(texts) > 6 else "")


def _moment(epoch: float) -> str:
    """A token's ``exp`` (seconds since 1970) as ISO 8601, or as written when no date is that."""
    try:
        return datetime.fromtimestamp(epoch, UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return f"{safe_repr(epoch)} seconds since 1970"


def _oidc_provider(providers: IdentityProviders, issuer: str, target: Role) -> OidcProvider:
    url = issuer_url(issuer)
    found = providers.oidc.get(url)
    if found is None:
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: No OpenIDConnect provider found in your account for "
            f"{issuer} (the role {target.name} is in account {target.account}, whose OIDC "
            f"providers are: {', '.join(providers.oidc) or 'none'})"
        )
    return found


def _saml_provider(providers: IdentityProviders, ref: object, target: Role) -> SamlProvider:
    if not isinstance(ref, str) or not ref:
        raise ValidationError(f"provider is a SAML provider name or ARN, got {safe_repr(ref)}")
    name = ref
    if ref.startswith("arn:"):
        parsed = arns.parse_arn(ref, "provider", allow_wildcards=False)
        if parsed.service != "iam" or parsed.resource_type != "saml-provider":
            raise ValidationError(f"{ref} is not a SAML provider ARN")
        if parsed.account != target.account:
            raise InvalidIdentityTokenError(
                f"InvalidIdentityToken: the SAML provider {ref} is in account "
                f"{parsed.account}, but the role {target.name} is in {target.account}: a role "
                f"trusts only providers of its own account"
            )
        name = parsed.resource_name
    found = providers.saml.get(name)
    if found is None:
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: no SAML provider {safe_repr(name)} in account {target.account} "
            f"(SAML providers: {', '.join(providers.saml) or 'none'})"
        )
    return found
