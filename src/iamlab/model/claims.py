"""Tokens and assertions as claims: reading them, the condition keys they become, and what a
trust policy checked in them.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html

A token (OIDC) or an assertion (SAML) is plain JSON-like data of bounded size; anything else
is an ``InvalidIdentityToken``. The OIDC claims AWS documents become condition keys named
``URL:claim`` (when the token has ``azp``, ``URL:aud`` is the ``azp`` and ``URL:oaud`` the
``aud``); other claims are not condition keys. Session tags come from the
``https://aws.amazon.com/tags`` claim, a source identity from
``https://aws.amazon.com/source_identity``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iamlab.errors import InvalidIdentityTokenError, ValidationError
from iamlab.model.evaluation import Decision
from iamlab.model.identity_providers import OidcProvider
from iamlab.safe_repr import safe_repr

# the OIDC claims AWS turns into condition keys URL:claim (reference_policies_iam-condition-keys)
OIDC_KEYS = ("aud", "oaud", "sub", "amr", "email")
TAGS_CLAIM = "https://aws.amazon.com/tags"
SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"
SAML_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"
_MAX_TOKEN = 20_000  # WebIdentityToken: up to 20,000 characters
_MAX_CLAIMS = 200
_MAX_TAGS = 50


# -- what the trust policy checked ----------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimCheck:
    """One condition of a trust statement on the token or assertion, and whether it held."""

    statement: str  # the statement's label
    condition: str  # the clause as written: StringEquals token...:sub ['repo:...']
    claim: str  # the claim the key comes from: sub, aud, ...
    value: object  # what the token gave (None: absent)
    held: bool
    is_key: bool  # False: AWS does not make this claim a condition key


def claim_checks(decision: Decision) -> list[ClaimCheck]:
    """For a federated trust decision: each condition on the provider's keys (and sts: keys)
    in the statements that name the provider, with the claim it read and whether it held."""
    rp = decision.resource_policy
    if rp is None or decision.caller.kind != "federated":
        return []
    provider = decision.caller.arn
    prefix = f"{_oidc_url(provider).lower()}:" if _oidc_url(provider) else "saml:"
    out: list[ClaimCheck] = []
    for statement in rp.policy.statements:
        principals = statement.principals
        if principals is None or provider not in principals.federated:
            continue
        for clause in statement.conditions:
            if not clause.key_lower.startswith((prefix, "sts:")):
                continue
            claim = clause.key.split(":", 1)[1] if ":" in clause.key else clause.key
            out.append(
                ClaimCheck(
                    statement=statement.label,
                    condition=clause.describe(),
                    claim=claim,
                    value=decision.context.get(clause.key_lower),
                    held=clause.matches(decision.context),
                    is_key=prefix == "saml:"
                    or not clause.key_lower.startswith(prefix)
                    or claim.lower() in OIDC_KEYS,
                )
            )
    return out


def unchecked_subject(decision: Decision) -> bool:
    """Does a trust statement allow this OIDC provider without a condition on ``URL:sub``?

    The documented risk: without it, any workflow of any repository of the provider (for
    GitHub: anyone on GitHub) with a token for an accepted audience can assume the role
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html)."""
    rp = decision.resource_policy
    url = _oidc_url(decision.caller.arn)
    if rp is None or not url or decision.caller.kind != "federated":
        return False
    key = f"{url.lower()}:sub"
    return any(
        s.effect == "Allow"
        and s.principals is not None
        and decision.caller.arn in s.principals.federated
        and not any(c.key_lower == key for c in s.conditions)
        for s in rp.policy.statements
    )


def _oidc_url(provider_arn: str) -> str:
    return provider_arn.split(":oidc-provider/", 1)[1] if ":oidc-provider/" in provider_arn else ""


# -- reading tokens and assertions ----------------------------------------------------------


def read_token(token: object) -> dict[str, Any]:
    if not isinstance(token, Mapping):
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: a token is a mapping of claims (iss, sub, aud, ...), "
            f"got {type(token).__name__}"
        )
    claims = _plain(token, "token")
    for claim in ("iss", "sub"):
        if not isinstance(claims.get(claim), str) or not claims[claim]:
            raise InvalidIdentityTokenError(
                f"InvalidIdentityToken: the token's {safe_repr(claim)} claim is missing or not text"
            )
    aud = claims.get("aud")
    if not (isinstance(aud, str) and aud) and not (
        isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud)
    ):
        raise InvalidIdentityTokenError(
            "InvalidIdentityToken: the token's 'aud' claim is missing (text or a list of text)"
        )
    if not claims["iss"].startswith("https://"):
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: the issuer {safe_repr(claims['iss'])} is not an https:// URL"
        )
    return claims


def read_assertion(assertion: object) -> dict[str, Any]:
    if not isinstance(assertion, Mapping):
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: an assertion is a mapping of attributes (saml:aud, "
            f"saml:sub, ...), got {type(assertion).__name__}"
        )
    attributes = _plain(assertion, "assertion")
    for key in attributes:
        if not key.lower().startswith("saml:") and not key.startswith(SAML_ATTRIBUTE):
            raise InvalidIdentityTokenError(
                f"InvalidIdentityToken: assertion attribute {safe_repr(key[:80])} is neither a "
                f"saml: "
                f"key nor an {SAML_ATTRIBUTE}... attribute"
            )
    return attributes


def _plain(raw: Mapping[Any, Any], what: str) -> dict[str, Any]:
    """Claims as plain JSON data of bounded size, or InvalidIdentityTokenError."""
    if len(raw) > _MAX_CLAIMS:
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: the {what} has {len(raw)} claims; iamlab accepts {_MAX_CLAIMS}"
        )
    try:
        text = json.dumps(raw, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: the {what} must hold only text, numbers, booleans, lists "
            f"and mappings with text keys"
        ) from None
    if len(text) > _MAX_TOKEN:
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: the {what} is {len(text)} characters; STS accepts {_MAX_TOKEN}"
        )
    claims: dict[str, Any] = json.loads(text)
    return claims


def oidc_keys(provider: OidcProvider, claims: Mapping[str, Any]) -> dict[str, object]:
    prefix = provider.url.lower() + ":"
    keys: dict[str, object] = {}
    for claim in ("sub", "amr", "email"):
        if claim in claims:
            keys[prefix + claim] = claims[claim]
    if "azp" in claims:
        keys[prefix + "aud"] = claims["azp"]
        keys[prefix + "oaud"] = claims["aud"]
    else:
        keys[prefix + "aud"] = claims["aud"]
    return keys


def oidc_extras(claims: Mapping[str, Any]) -> tuple[dict[str, str], str | None]:
    tags: dict[str, str] = {}
    raw = claims.get(TAGS_CLAIM)
    if raw is not None:
        principal_tags = raw.get("principal_tags") if isinstance(raw, dict) else None
        if not isinstance(principal_tags, dict):
            raise InvalidIdentityTokenError(
                f"InvalidIdentityToken: the {TAGS_CLAIM} claim holds "
                f'{{"principal_tags": {{"KEY": ["VALUE"]}}}}'
            )
        for key, value in principal_tags.items():
            tags[key] = str(single_value(value, f"{TAGS_CLAIM} principal_tags.{key}"))
    check_tags(tags, f"the token's {TAGS_CLAIM} claim")
    source = claims.get(SOURCE_IDENTITY_CLAIM)
    if source is not None and not isinstance(source, str):
        raise InvalidIdentityTokenError(
            f"InvalidIdentityToken: the {SOURCE_IDENTITY_CLAIM} claim must be text"
        )
    return tags, source


def single_value(value: object, where: str) -> object:
    if isinstance(value, list):
        if len(value) != 1:
            raise InvalidIdentityTokenError(f"InvalidIdentityToken: {where} must hold one value")
        value = value[0]
    if isinstance(value, (dict, list)):
        raise InvalidIdentityTokenError(f"InvalidIdentityToken: {where} must be text")
    return value


def check_tags(tags: Mapping[str, str], where: str) -> None:
    if len(tags) > _MAX_TAGS:
        raise ValidationError(f"{where}: {len(tags)} session tags; AWS allows {_MAX_TAGS}")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or len(value) > 256:
            raise ValidationError(
                f"{where}: session tag {safe_repr(key[:40])}: keys are 1 to 128 characters, "
                f"values up to 256"
            )


def as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]
