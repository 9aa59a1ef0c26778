"""The grader account's nbgrader settings.

Installed with the rest of this folder as ~grader-iam-study-lab/.jupyter/ (the guide, step 5).
The grader account owns the course directory; instructors and teaching assistants work in it
through the formgrader service or `sudo -iu grader-iam-study-lab`. nbgrader reads this file
after the system-wide one and before the course's own nbgrader_config.py, which it reads from
the folder it runs in: always run nbgrader from the course directory.

Three settings belong to the deployment rather than to the course:

- the gradebook: SQLite (`gradebook.db` in the course directory) unless a URL is given;
- collecting: a submission is taken only from the student it names, and only if it holds no
  link or special file (OwnerCheckedCollect);
- no hub groups: the grader account is not a hub user, so the formgrader (a hub service run
  as this account) works on the course of this directory, with nbgrader's default plugin.
"""

import os
import pwd

from iamlab.course.exchange import CheckedCollect

c = get_config()  # noqa: F821 (nbgrader defines get_config when it loads this file)

# ---------------------------------------------------------------- the gradebook
# SQLite by default. For PostgreSQL, give its URL here, for example over the local socket with
# peer authentication (the database role has the grader account's name, so no password):
#
# c.CourseDirectory.db_url = (
#     "postgresql+psycopg://grader-iam-study-lab@/iam_study_lab?host=/var/run/postgresql"
# )
#
# `pip install "psycopg[binary]==3.3.9"` in the course's environment first.
#
# On Kubernetes (deploy/kubernetes/) the URL comes from a secret, through the environment:
if os.environ.get("IAMLAB_GRADEBOOK_URL"):
    c.CourseDirectory.db_url = os.environ["IAMLAB_GRADEBOOK_URL"]


# ---------------------------------------------------------------- collecting
class OwnerCheckedCollect(CheckedCollect):
    """nbgrader's collect, taking each submission only from the student whose name it bears,
    and never one that holds a symbolic link, device, FIFO or hard link (CheckedCollect).

    Any student can run `nbgrader submit ps01 --student=someone-else`, which leaves a folder
    named after someone else in the exchange. nbgrader 0.9.6's own collect only warns
    ("cheating attempt?") and collects it, so the newest such folder would replace the real
    student's work. Here a folder whose Unix owner is not the student it names is never
    collected: the student's own newest submission is, and the refusal is logged as an error.
    """

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        try:
            record["owner"] = pwd.getpwuid(os.stat(path).st_uid).pw_name
        except (KeyError, OSError):
            record["owner"] = None
        if record["owner"] != record["username"]:
            self.log.error(
                "Not collecting %s: it names %s but belongs to %s (submitted as someone else)",
                record["filename"],
                record["username"],
                record["owner"],
            )
        return record

    def _sort_by_timestamp(self, records):
        newest_first = super()._sort_by_timestamp(records)
        # a stable sort: the student's own submissions first, each group newest first
        return sorted(newest_first, key=lambda record: record["owner"] != record["username"])

    def init_src(self):
        super().init_src()
        # a student with no submission of their own has nothing collected
        self.src_records = [r for r in self.src_records if r["owner"] == r["username"]]


c.ExchangeFactory.collect = OwnerCheckedCollect

# ---------------------------------------------------------------- no hub groups
# everyone's config (etc-jupyter/) turns on JupyterHubAuthPlugin on the hub; not for this account
c.Authenticator.plugin_class = "nbgrader.auth.NoAuthPlugin"
