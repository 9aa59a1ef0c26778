"""Everyone's nbgrader settings on the course's JupyterHub.

Installed with the rest of this folder as /usr/local/etc/jupyter/ (deploy/jupyterhub/README.md,
step 4). Students, graders and the formgrader service all read it. It names the course and
the exchange, the folder through which assignments go out to students and submissions come
back ("The exchange" in the guide).
"""

import os

c = get_config()  # noqa: F821 (nbgrader defines get_config when it loads this file)

# The same course id as the course's own nbgrader_config.py (tests/deploy checks they agree).
c.CourseDirectory.course_id = "iam-study-lab"

# Created by deploy/jupyterhub/setup-exchange.sh: mode 1777, with the course's folder in it
# owned by the grader account.
c.Exchange.root = "/srv/nbgrader/exchange"

# On the hub (a user's server, its terminals, the formgrader service: the hub gives each an API
# token), the courses a user sees are their hub groups `nbgrader-<course>` / `formgrade-<course>`
# (jupyterhub_config.py sets them at login). Outside the hub (`sudo -iu` on the command line),
# nbgrader's default: everyone sees this one course.
if os.environ.get("JUPYTERHUB_API_TOKEN"):
    c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
