"""Identity providers of an account: the OIDC and SAML providers a role can trust.

https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html

- An OIDC provider is named by its URL without ``https://`` (a host, optionally with a path):
  ``arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com``. It lists the
  audiences (client IDs) whose tokens it accepts.
- A SAML provider has a name: ``arn:aws:iam::ACCOUNT:saml-provider/CorpIdP``.
- A provider belongs to one account; a role can only be assumed through a provider of the
  role's own account.

Lab format (inside an account)::

    identity_providers:
      oidc:
        token.actions.githubusercontent.com: {audiences: [sts.amazonaws.com]}
      saml:
        CorpIdP: {issuer: "https://idp.coffee-shop.example/saml"}   # issuer: optional
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from iamlab.errors import PolicyError, describe_type
from iamlab.model.documents import _join as join_place

_OIDC_URL = re.compile(
    r"\A[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+(/[\w\-.~/]*)?\Z"
)
_SAML_NAME = re.compile(r"\A[\w.\-]{1,128}\Z")
_MAX_AUDIENCES = 100  # IAM's ClientIDList limit (CreateOpenIDConnectProvider)
_MAX_AUDIENCE_LENGTH = 255


@dataclass(frozen=True, slots=True, kw_only=True)
class OidcProvider:
    """An IAM OIDC identity provider: its URL (host and optional path) and audiences."""

    account: str
    url: str  # without https://, e.g. token.actions.githubusercontent.com
    audiences: tuple[str, ...]

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:oidc-provider/{self.url}"

    @property
    def issuer(self) -> str:
        return f"https://{self.url}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SamlProvider:
    """An IAM SAML identity provider, with the issuer its metadata names (if given)."""

    account: str
    name: str
    issuer: str = ""

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:saml-provider/{self.name}"


_NO_OIDC: MappingProxyType[str, OidcProvider] = MappingProxyType({})
_NO_SAML: MappingProxyType[str, SamlProvider] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityProviders:
    """The identity providers of one account, by URL (OIDC) and by name (SAML)."""

    oidc: Mapping[str, OidcProvider] = field(default_factory=lambda: _NO_OIDC)
    saml: Mapping[str, SamlProvider] = field(default_factory=lambda: _NO_SAML)

    def arns(self) -> list[str]:
        return [p.arn for p in self.oidc.values()] + [p.arn for p in self.saml.values()]


NO_PROVIDERS = IdentityProviders()


def issuer_url(issuer: str) -> str:
    """The provider URL IAM names an issuer by: ``https://`` and a final ``/`` removed."""
    return issuer.removeprefix("https://").rstrip("/")


def build_identity_providers(raw: object, account: str, place: str) -> IdentityProviders:
    """Validate an account's ``identity_providers`` (``place`` is where it sits in the lab)."""
    if raw is None:
        return NO_PROVIDERS
    if not isinstance(raw, Mapping):
        raise PolicyError(
            place, f"expected a mapping with 'oidc' and/or 'saml', got {describe_type(raw)}"
        )
    for key in raw:
        if key not in ("oidc", "saml"):
            raise PolicyError(join_place(place, key), "unknown key; expected oidc or saml")
    oidc: dict[str, OidcProvider] = {}
    for url, body in _named(raw.get("oidc"), f"{place}.oidc").items():
        p_place = join_place(f"{place}.oidc", url)
        if url.startswith(("https://", "http://")):
            raise PolicyError(
                p_place, "name an OIDC provider by its URL without https:// (as its ARN does)"
            )
        if len(url) > 255 or not _OIDC_URL.match(url):
            raise PolicyError(
                p_place,
                "not an OIDC provider URL: a host name, optionally with a path, "
                "e.g. token.actions.githubusercontent.com",
            )
        body = _body(body, p_place, ("audiences", "description"))
        audiences = body.get("audiences")
        if not isinstance(audiences, list) or not audiences:
            raise PolicyError(
                f"{p_place}.audiences",
                "an OIDC provider lists at least one audience (client ID), "
                "e.g. [sts.amazonaws.com] for GitHub Actions",
            )
        if len(audiences) > _MAX_AUDIENCES:
            raise PolicyError(
                f"{p_place}.audiences", f"at most {_MAX_AUDIENCES} audiences per provider"
            )
        for i, audience in enumerate(audiences):
            if not isinstance(audience, str) or not 1 <= len(audience) <= _MAX_AUDIENCE_LENGTH:
                raise PolicyError(
                    f"{p_place}.audiences[{i}]",
                    f"an audience is text of 1 to {_MAX_AUDIENCE_LENGTH} characters",
                )
        oidc[url] = OidcProvider(account=account, url=url, audiences=tuple(audiences))
    saml: dict[str, SamlProvider] = {}
    for name, body in _named(raw.get("saml"), f"{place}.saml").items():
        p_place = join_place(f"{place}.saml", name)
        if not _SAML_NAME.match(name):
            raise PolicyError(
                p_place, "not a SAML provider name (1 to 128 letters, digits and ._-)"
            )
        body = _body(body, p_place, ("issuer", "description"))
        issuer = body.get("issuer", "")
        if not isinstance(issuer, str):
            raise PolicyError(f"{p_place}.issuer", f"expected text, got {describe_type(issuer)}")
        saml[name] = SamlProvider(account=account, name=name, issuer=issuer)
    return IdentityProviders(oidc=MappingProxyType(oidc), saml=MappingProxyType(saml))


def _named(raw: object, place: str) -> Mapping[str, object]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise PolicyError(place, f"expected a mapping of providers, got {describe_type(raw)}")
    for key in raw:
        if not isinstance(key, str):
            raise PolicyError(join_place(place, key), "provider names must be strings")
    return raw


def _body(raw: object, place: str, keys: tuple[str, ...]) -> Mapping[str, object]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise PolicyError(place, f"expected a mapping, got {describe_type(raw)}")
    for key in raw:
        if key not in keys:
            raise PolicyError(
                join_place(place, key), f"unknown key; expected one of {', '.join(keys)}"
            )
    return raw
