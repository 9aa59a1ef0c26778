"""Helpers the graded notebooks import: answer labels and the checker grade cells call.

>>> from iamlab.course import ROLE, check
>>> answers = {"S01": ROLE}
"""

from iamlab.course.grading import check, review
from iamlab.course.labels import (
    ALLOWED,
    EXPLICITLY_DENIED,
    GROUP,
    IMPLICITLY_DENIED,
    ROLE,
    ROOT,
    USER,
)

__all__ = [
    "ALLOWED",
    "EXPLICITLY_DENIED",
    "GROUP",
    "IMPLICITLY_DENIED",
    "ROLE",
    "ROOT",
    "USER",
    "check",
    "review",
]
