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
