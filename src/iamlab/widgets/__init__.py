"""Widgets for the course: thin ipywidgets views over :mod:`iamlab.model`.

Each is a container widget: put an instance last in a cell to show it. None calls
``display()`` itself.

- :class:`RequestSimulator` — pick a request, toggle the context, see the decision and why.
- :class:`PolicyEditor` — edit a policy's JSON; errors, lint and effect on each edit.
- :class:`AssumeRoleExplorer` — assume a role, watch the credentials expire, chain roles.
- :class:`ScenarioQuiz` — user, group, role or root? Scenarios with instant feedback.
- :class:`AccessMatrix` — who can do what, as a colour grid; click a cell for the reason.
"""

from iamlab.widgets.assume_role_explorer import AssumeRoleExplorer
from iamlab.widgets.matrix import AccessMatrix
from iamlab.widgets.policy_editor import PolicyEditor
from iamlab.widgets.quiz import ScenarioQuiz
from iamlab.widgets.simulator import RequestSimulator

__all__ = [
    "AccessMatrix",
    "AssumeRoleExplorer",
    "PolicyEditor",
    "RequestSimulator",
    "ScenarioQuiz",
]
