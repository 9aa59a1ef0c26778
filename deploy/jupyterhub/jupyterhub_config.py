"""JupyterHub for one IAM Study Lab course on one server.

Install as /etc/jupyterhub/jupyterhub_config.py (deploy/jupyterhub/README.md, step 6). The hub
runs as root: it starts each user's server as that user, and the formgrader as the grader
account. People log in with their Unix accounts (PAM); the course's Unix groups decide who may.

- Students get JupyterLab in their home folder, with nbgrader's Assignments list (fetch,
  submit, fetch feedback) and Validate button; the instructor's tools are turned off for them
  by the system-wide config (etc-jupyter/).
- The course directory belongs to one grader account. Its JupyterLab, with the formgrader,
  runs as a JupyterHub service that instructors and teaching assistants open from the hub's
  Services menu; they never need the grader account's password.
"""

c = get_config()  # noqa: F821 (JupyterHub defines get_config when it loads this file)

COURSE = "iam-study-lab"  # the course id, as in etc-jupyter/nbgrader_config.py
GRADER = f"grader-{COURSE}"  # the Unix account that owns the course directory
COURSE_DIR = f"/home/{GRADER}/{COURSE}"
ENV_BIN = "/opt/iamlab/venv/bin"  # the course's Python environment (step 1)
FORMGRADER_PORT = 9999  # on 127.0.0.1 only; the hub's proxy is the way in
STUDENTS_GROUP = "iamlab-students"  # Unix groups (step 2)
INSTRUCTORS_GROUP = "iamlab-instructors"
# Who grades: the instructors' and teaching assistants' user names. Edit, then restart the hub.
GRADERS = ["instructor1"]

# ---------------------------------------------------------------- the hub itself
# Listen on localhost behind a reverse proxy that terminates HTTPS (README.md, "HTTPS"), or
# set c.JupyterHub.ssl_cert / ssl_key and bind_url = "https://:443" to serve HTTPS directly.
c.JupyterHub.bind_url = "http://127.0.0.1:8000"
c.JupyterHub.cookie_secret_file = "/srv/jupyterhub/jupyterhub_cookie_secret"
c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"

# ---------------------------------------------------------------- who may log in
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {STUDENTS_GROUP, INSTRUCTORS_GROUP}
c.PAMAuthenticator.admin_users = set()  # nobody needs hub admin rights to teach

# ---------------------------------------------------------------- each user's own server
c.JupyterHub.spawner_class = "localprocess"  # as the user, in their home folder
c.Spawner.cmd = [f"{ENV_BIN}/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"PATH": f"{ENV_BIN}:/usr/local/bin:/usr/bin:/bin"}

# ---------------------------------------------------------------- the formgrader service
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{FORMGRADER_PORT}",
        "command": [f"{ENV_BIN}/jupyterhub-singleuser"],
        "user": GRADER,
        "cwd": COURSE_DIR,  # nbgrader reads the course's nbgrader_config.py from here
        "environment": {
            "JUPYTERHUB_DEFAULT_URL": "/lab",
            "PATH": f"{ENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        },
        "oauth_no_confirm": True,
    }
]
c.JupyterHub.load_groups = {f"formgrade-{COURSE}": {"users": GRADERS}}
c.JupyterHub.load_roles = [
    {
        "name": f"formgrade-{COURSE}",
        "groups": [f"formgrade-{COURSE}"],
        "scopes": [f"access:services!service={COURSE}"],
    }
]
