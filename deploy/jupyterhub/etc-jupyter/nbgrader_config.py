"""Everyone's nbgrader settings on the course's JupyterHub.

Installed with the rest of this folder as /usr/local/etc/jupyter/ (deploy/jupyterhub/README.md,
step 4). Students, graders and the formgrader service all read it. It names the course and
the exchange, the folder through which assignments go out to students and submissions come
back ("The exchange" in the guide).
"""

import errno
import os
import secrets
import shutil
from stat import S_IRGRP, S_IROTH, S_IRUSR, S_IRWXG, S_IRWXO, S_IRWXU, S_IWUSR, S_IXGRP, S_IXOTH

from nbgrader.exchange.abc import ExchangeError
from nbgrader.exchange.default.submit import ExchangeSubmit

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


# ---------------------------------------------------------------- submitting
class AtomicSubmit(ExchangeSubmit):
    """nbgrader's submit, all or nothing: the exchange holds a whole submission or none.

    nbgrader 0.9.6 copies a submission straight into its final folder in inbound/, then
    writes its timestamp: a server killed (or a disk filled) half-way leaves a partial
    submission that the next collect takes. Here it is copied into a hidden folder of
    inbound/ first (a name collect never matches) and renamed into place in one step; only
    then is the student's own record (the cache) written, so a student is never told that a
    submission went in when it did not. A full disk gives a message saying so.
    """

    def copy_files(self):
        self.init_release()
        secret = secrets.token_hex(64)
        dest_path = os.path.join(self.inbound_path, self.assignment_filename)
        if self.add_random_string:
            cache_path = os.path.join(self.cache_path, self.assignment_filename.rsplit("+", 1)[0])
        else:
            cache_path = os.path.join(self.cache_path, self.assignment_filename)
        self.log.info("Source: %s", self.src_path)
        self.log.info("Destination: %s", dest_path)
        self.check_filename_diff()
        staging = os.path.join(self.inbound_path, f".partial-{secrets.token_hex(8)}")
        try:
            self._write(staging, secret)
            os.rename(staging, dest_path)  # the submission appears whole, or not at all
        except OSError as error:
            shutil.rmtree(staging, ignore_errors=True)
            # shutil.copytree gathers its errors into one shutil.Error, without an errno
            full = error.errno in (errno.ENOSPC, errno.EDQUOT) or any(
                os.strerror(code) in str(error) for code in (errno.ENOSPC, errno.EDQUOT)
            )
            if full:
                raise ExchangeError(
                    "the exchange has no room for your submission (its disk is full): "
                    "nothing was submitted. Tell your instructor, then submit again."
                ) from error
            raise
        os.makedirs(self.cache_path, exist_ok=True)
        shutil.rmtree(cache_path, ignore_errors=True)
        self.do_copy(self.src_path, cache_path)
        with open(os.path.join(cache_path, "timestamp.txt"), "w") as fh:
            fh.write(self.timestamp)
        with open(os.path.join(cache_path, "submission_secret.txt"), "w") as fh:
            fh.write(secret)
        self.log.info(
            "Submitted as: %s %s %s",
            self.coursedir.course_id,
            self.coursedir.assignment_id,
            self.timestamp,
        )

    def _write(self, folder, secret):
        self.do_copy(self.src_path, folder)
        with open(os.path.join(folder, "timestamp.txt"), "w") as fh:
            fh.write(self.timestamp)
        with open(os.path.join(folder, "submission_secret.txt"), "w") as fh:
            fh.write(secret)
        self.set_perms(
            folder,
            fileperms=S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH,
            dirperms=S_IRUSR | S_IWUSR | S_IRWXU | S_IRGRP | S_IXGRP | S_IROTH | S_IXOTH,
        )
        # as nbgrader: 0777 so the instructor can remove it later; hidden by its random name
        os.chmod(folder, S_IRWXU | S_IRWXG | S_IRWXO)


c.ExchangeFactory.submit = AtomicSubmit
