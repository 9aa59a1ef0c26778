"""Everyone's nbgrader settings on the course's JupyterHub: install as /etc/jupyter/nbgrader_config.py.

Students, graders and the formgrader service all read this file. It names the course and
the exchange directory, the folder through which assignments go out to students and
submissions come back (deploy/jupyterhub/README.md, "The exchange").
"""

c = get_config()  # noqa: F821 (nbgrader defines get_config when it loads this file)

# The same course id as the course's own nbgrader_config.py (tests/deploy checks they agree).
c.CourseDirectory.course_id = "iam-study-lab"

# Created by deploy/jupyterhub/setup-exchange.sh: mode 1777, with the course's folder in it
# owned by the grader account.
c.Exchange.root = "/srv/nbgrader/exchange"
