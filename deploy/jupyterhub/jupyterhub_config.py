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

import os

c = get_config()  # noqa: F821 (JupyterHub defines get_config when it loads this file)

# ---------------------------------------------------------------- this server's names
# Edit the defaults here, or set the IAMLAB_HUB_* variables in the systemd unit's environment
# (tests/deploy/hub_server.py does that to run this very file with its own accounts).
SITE = os.environ
COURSE = "iam-study-lab"  # the course id, as in etc-jupyter/nbgrader_config.py
GRADER = SITE.get("IAMLAB_HUB_GRADER", f"grader-{COURSE}")  # owns the course directory
COURSE_DIR = SITE.get("IAMLAB_HUB_COURSE_DIR", f"/home/{GRADER}/{COURSE}")
ENV_BIN = SITE.get("IAMLAB_HUB_ENV_BIN", "/opt/iamlab/venv/bin")  # the course's Python (step 1)
# on 127.0.0.1 only; the hub's proxy is the way in
FORMGRADER_PORT = int(SITE.get("IAMLAB_HUB_FORMGRADER_PORT", "9999"))
STUDENTS_GROUP = SITE.get("IAMLAB_HUB_STUDENTS_GROUP", "iamlab-students")  # Unix groups (step 2)
INSTRUCTORS_GROUP = SITE.get("IAMLAB_HUB_INSTRUCTORS_GROUP", "iamlab-instructors")
# Who grades: the instructors' and teaching assistants' user names. Edit, then restart the hub.
GRADERS = SITE.get("IAMLAB_HUB_GRADERS", "instructor1").split(",")

# ---------------------------------------------------------------- the hub itself
# Listen on localhost behind a reverse proxy that terminates HTTPS (README.md, "HTTPS"), or
# set c.JupyterHub.ssl_cert / ssl_key and bind_url = "https://:443" to serve HTTPS directly.
c.JupyterHub.bind_url = "http://127.0.0.1:8000"
c.JupyterHub.cookie_secret_file = "/srv/jupyterhub/jupyterhub_cookie_secret"
c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"
# A restart of the hub (and its proxy) leaves the users' servers running: the new hub finds
# them again, and nobody loses a kernel or an upload. The systemd unit's KillMode=process
# keeps systemd from stopping them too.
c.JupyterHub.cleanup_servers = False

# ---------------------------------------------------------------- who may log in
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {STUDENTS_GROUP, INSTRUCTORS_GROUP}
c.PAMAuthenticator.admin_users = set()  # nobody needs hub admin rights to teach


# nbgrader's JupyterHubAuthPlugin (etc-jupyter/nbgrader_config.py) shows a student the
# courses of their hub groups `nbgrader-<course>` (students) and `formgrade-<course>` (graders).
# The hub sets them at each login from the Unix groups and GRADERS, so a change there takes
# effect at the next login; nobody edits hub groups by hand.
def course_groups(authenticator, handler, authentication):
    import grp
    import pwd

    name = authentication["name"]
    try:
        gids = os.getgrouplist(name, pwd.getpwnam(name).pw_gid)
    except KeyError:
        gids = []
    unix_groups = {grp.getgrgid(gid).gr_name for gid in gids}
    groups = []
    if STUDENTS_GROUP in unix_groups:
        groups.append(f"nbgrader-{COURSE}")
    if name in GRADERS:
        groups.append(f"formgrade-{COURSE}")
    authentication["groups"] = groups
    return authentication


c.Authenticator.manage_groups = True
c.Authenticator.post_auth_hook = course_groups

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
c.JupyterHub.load_roles = [
    {
        "name": f"formgrade-{COURSE}",
        "groups": [f"formgrade-{COURSE}"],
        "scopes": [f"access:services!service={COURSE}"],
    },
    # Each user's server: JupyterHub's defaults, plus reading its own user's groups (what
    # JupyterHubAuthPlugin asks the hub when a student fetches, submits or lists assignments).
    {
        "name": "server",
        "scopes": [
            "users:activity!user",
            "access:servers!server",
            "read:users:name!user",
            "read:users:groups!user",
        ],
    },
]
