"""boto3 against an embedded AWS (moto) by default, a real account only on request.

- :func:`lab_session` — a :class:`LabSession`: ``.client("iam")``, ``.session_for(keys)``,
  ``.created``, ``.cleanup()``; a context manager that cleans up on the way out.
- :mod:`iamlab.aws.naming` — the lab's corner of an account: IAM path ``/iam-study-lab/``,
  names ``iamlab-...``; requests that leave it raise :class:`OutsideTheLabError`.
- :mod:`iamlab.aws.ledger` — what a session created, and how to delete exactly that.
- :mod:`iamlab.aws.embedded` — moto with the coffee shop's account ID and IAM authorization on.
"""

from iamlab.aws.embedded import ACCOUNT_ID, REGION, EmbeddedAWS
from iamlab.aws.ledger import CleanupError, Created, Ledger
from iamlab.aws.naming import PATH, PREFIX, OutsideTheLabError
from iamlab.aws.session import OPT_IN, LabSession, RealAwsRefused, lab_session

__all__ = [
    "ACCOUNT_ID",
    "OPT_IN",
    "PATH",
    "PREFIX",
    "REGION",
    "CleanupError",
    "Created",
    "EmbeddedAWS",
    "LabSession",
    "Ledger",
    "OutsideTheLabError",
    "RealAwsRefused",
    "lab_session",
]
