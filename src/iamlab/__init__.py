"""iamlab: a faithful, explainable model of AWS IAM for the IAM Study Lab course.

Usage::

    import iamlab
    lab = iamlab.Lab.load("labs/coffee-shop.yaml")
    decision = lab.evaluate("maria", "s3:GetObject", "arn:aws:s3:::coffee-recipes/latte.md")
    decision.result      # "Allowed"
    print(decision.explain())
"""

from iamlab.errors import (
    AccessDeniedError,
    ExpiredTokenError,
    IamlabError,
    InvalidIdentityTokenError,
    PolicyError,
    UnknownPrincipalError,
    ValidationError,
)
from iamlab.model.evaluation import Decision, MatchedStatement
from iamlab.model.lab import Lab
from iamlab.model.policy import Policy, Statement
from iamlab.model.sts import Credentials, Session

__all__ = [
    "AccessDeniedError",
    "Credentials",
    "Decision",
    "ExpiredTokenError",
    "IamlabError",
    "InvalidIdentityTokenError",
    "Lab",
    "MatchedStatement",
    "Policy",
    "PolicyError",
    "Session",
    "Statement",
    "UnknownPrincipalError",
    "ValidationError",
]
__version__ = "0.1.0"


# A bare Lab or Decision at the end of a notebook cell draws itself (the account map, the
# decision path). The model knows nothing of diagrams: the display is attached here, from above,
# and imports iamlab.diagrams only when a notebook first shows one.
def _lab_display(self: Lab, include: object = None, exclude: object = None) -> dict[str, str]:
    from iamlab.diagrams.display import lab_bundle

    return lab_bundle(self)


def _decision_display(
    self: Decision, include: object = None, exclude: object = None
) -> dict[str, str]:
    from iamlab.diagrams.display import decision_bundle

    return decision_bundle(self)


setattr(Lab, "_repr_mimebundle_", _lab_display)  # noqa: B010 — an attribute mypy cannot see
setattr(Decision, "_repr_mimebundle_", _decision_display)  # noqa: B010
