"""The scenario bank: "user, group, role or root?" scenarios as data, with their explanations.

>>> from iamlab.scenarios import load_bank, ROLE
>>> bank = load_bank()                      # the packaged bank
>>> bank.by_id("Q11").answer == ROLE        # the order app on EC2
True

``load_bank("private.yaml")`` (or a folder of YAML files) loads an instructor's own bank; the
quiz widget, the graded ps01 and the notebooks all read the same schema (see
:mod:`iamlab.scenarios.loader`).
"""

from iamlab.scenarios.loader import (
    ANSWERS,
    GROUP,
    ROLE,
    ROOT,
    USER,
    Scenario,
    ScenarioBank,
    UnknownScenarioError,
    load_bank,
)

__all__ = [
    "ANSWERS",
    "GROUP",
    "ROLE",
    "ROOT",
    "USER",
    "Scenario",
    "ScenarioBank",
    "UnknownScenarioError",
    "load_bank",
]
