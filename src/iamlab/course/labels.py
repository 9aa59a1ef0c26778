"""The labels graded answers use: plain strings, so an answer is plain data.

ps01 asks *which kind of identity* fits a scenario; ps03 asks *what AWS decides*. Learners
write ``answers = {"S01": ROLE, ...}`` with these constants; the graders compare strings.
"""

from __future__ import annotations

from typing import Final

# ps01: who (or what) should this be? The scenario bank's own labels.
from iamlab.scenarios import GROUP as GROUP
from iamlab.scenarios import ROLE as ROLE
from iamlab.scenarios import ROOT as ROOT
from iamlab.scenarios import USER as USER

IDENTITY_LABELS: Final = (USER, GROUP, ROLE, ROOT)

# ps03: what does AWS decide? (the three outcomes of the IAM policy simulator)
ALLOWED: Final = "Allowed"
IMPLICITLY_DENIED: Final = "ImplicitlyDenied"
EXPLICITLY_DENIED: Final = "ExplicitlyDenied"
DECISION_LABELS: Final = (ALLOWED, IMPLICITLY_DENIED, EXPLICITLY_DENIED)

# How a label is written in feedback: the name of the constant the learner types.
LABEL_NAMES: Final = {
    USER: "USER",
    GROUP: "GROUP",
    ROLE: "ROLE",
    ROOT: "ROOT",
    ALLOWED: "ALLOWED",
    IMPLICITLY_DENIED: "IMPLICITLY_DENIED",
    EXPLICITLY_DENIED: "EXPLICITLY_DENIED",
}


def label_name(value: object) -> str:
    """Return how the learner writes ``value`` (``ROLE`` for ``"role"``), or its repr."""
    if type(value) is str and value in LABEL_NAMES:
        return LABEL_NAMES[value]
    return repr(value)
