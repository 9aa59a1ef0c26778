"""The errors `iamlab` raises. Every one derives from :class:`IamlabError`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iamlab.model.evaluation import Decision


class IamlabError(Exception):
    """Base class of every error raised by iamlab."""


class PolicyError(IamlabError, ValueError):
    """A lab or a policy is malformed.

    ``place`` is the path to the offending field, e.g.
    ``users.maria.inline_policies.NoRefunds.Statement[1].Effect``; ``problem`` says what is wrong.
    """

    def __init__(self, place: str, problem: str) -> None:
        self.place = place
        self.problem = problem
        super().__init__(f"{place}: {problem}" if place else problem)


class ValidationError(IamlabError, ValueError):
    """An API call was given a parameter AWS would reject (like STS's ValidationError)."""


class ArgumentTypeError(ValidationError, TypeError):
    """A public function or widget was given an argument of the wrong type.

    iamlab's rule for programming errors: a wrong argument raises :class:`ValidationError`
    naming the function and the parameter; when it is the argument's *type* that is wrong,
    the error is this subclass, which is also a :class:`TypeError` (so both
    ``except iamlab.IamlabError`` and ``except TypeError`` catch it).
    """


class AccessDeniedError(IamlabError):
    """A request (such as sts:AssumeRole) was refused. ``decision`` says why."""

    def __init__(self, message: str, decision: Decision | None = None) -> None:
        self.decision = decision
        super().__init__(message)


class ExpiredTokenError(IamlabError):
    """A session's temporary credentials were used after their expiration (AWS: ExpiredToken)."""


class InvalidIdentityTokenError(IamlabError):
    """A web identity token or SAML assertion STS cannot accept (AWS: InvalidIdentityToken):
    its issuer is not an identity provider of the role's account, its audience is not one
    the provider lists, or its claims are malformed."""


class UnknownPrincipalError(IamlabError, LookupError):
    """A principal, role or policy name that the lab does not contain."""


def describe_type(value: object) -> str:
    """How an error message names what it got: "an object", "a list", "a string", ..."""
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
        int: "a number",
        float: "a number",
    }
    return names.get(type(value), type(value).__name__)
