"""nbgrader's configuration of the IAM Study Lab course (this folder is the course directory).

Portable on purpose: no absolute paths; nbgrader runs from the folder that holds this file
(`make release`, `make autograde` ... do that). What the course adds to nbgrader's defaults
(the shared header notebook, the sandboxed kernels, the verification of every check outside
the kernel) lives in `iamlab.course.config`, documented in docs/instructors.md.
"""

from iamlab.course.config import configure

c = get_config()  # noqa: F821 (nbgrader defines get_config when it loads this file)
c.CourseDirectory.course_id = "iam-study-lab"
configure(c)
