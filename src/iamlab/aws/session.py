"""``lab_session()``: a boto3 session on the embedded AWS, or — only when asked — a real account.

>>> from iamlab.aws import lab_session
>>> with lab_session() as aws:                       # doctest: +SKIP
...     iam = aws.client("iam")
...     iam.create_user(UserName="iamlab-maria", Path="/iam-study-lab/")
... # leaving the block deletes exactly what was created, also after an error

The embedded AWS (moto) is the default. A real account needs both an explicit opt-in and a
named profile: ``IAMLAB_REAL_AWS=1`` and ``AWS_PROFILE=name`` (or ``profile="name"``). Then
``lab_session`` shows the account ID and the identity it signs in as, warns about cost and
safety, and changes nothing until the learner types the account ID back. In both modes every
request is checked before it is sent (:mod:`iamlab.aws.naming`: IAM path ``/iam-study-lab/``,
names ``iamlab-...``) and every creation is recorded (:mod:`iamlab.aws.ledger`), so that
:meth:`LabSession.cleanup` deletes exactly what the session created. Secrets are never printed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Literal

from iamlab.aws.embedded import ACCOUNT_ID, REGION, EmbeddedAWS
from iamlab.aws.ledger import Created, Ledger
from iamlab.aws.naming import PATH, PREFIX, check_request
from iamlab.errors import IamlabError

OPT_IN = "IAMLAB_REAL_AWS"
Mode = Literal["embedded", "real"]
# IAM is eventually consistent: a new user, key or policy can take a few seconds to work.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
SETTLE_SECONDS = 10.0


class RealAwsRefused(IamlabError):
    """Real-account mode was asked for but not fully opted into, or the learner said no."""


WARNING = """\
IAM Study Lab is about to use a REAL AWS account.

  account  {account}
  as       {arn}
  profile  {profile}, region {region}

What it will do: create IAM users, groups, roles and policies under the IAM path {path}
with names that start with {prefix}, one S3 bucket {prefix}... with a few bytes in it, and
temporary credentials for a role. It refuses any change outside that path and prefix, and it
deletes exactly what it created when you call cleanup() or leave a `with` block (also after an
error). If the kernel dies first, delete leftovers by hand: everything is under {path}.

Cost: IAM and STS are free; the S3 bucket holds a few bytes for a few minutes (a fraction of a
cent at most). Safety: use a sandbox account, never production. The lab creates an access key
for a test user; it is never printed and is deleted by cleanup().
"""


class LabSession:
    """A boto3 session for the lab, with its safety net. Build it with :func:`lab_session`."""

    def __init__(
        self,
        session: Any,
        *,
        mode: Mode,
        account_id: str,
        caller_arn: str,
        embedded: EmbeddedAWS | None = None,
        settle_seconds: float = 0.0,
    ) -> None:
        self.mode: Mode = mode
        self.account_id = account_id
        self.caller_arn = caller_arn
        self.region: str = session.region_name or REGION
        self.ledger = Ledger()
        self._embedded = embedded
        self._settle_seconds = settle_seconds
        self._watch(session)
        self.session = session

    # -- the safety net ----------------------------------------------------------------------

    def _watch(self, session: Any) -> None:
        """Check every request before it is sent; record every successful creation."""
        events = session.events
        # boto3 hands the same ``context`` dict to both events: keep the caller's own
        # parameters there for the ledger, then check them.
        events.register_first("before-parameter-build", _stash_params)
        events.register("before-parameter-build", self._check)
        events.register("after-call", self._record)

    @staticmethod
    def _names(model: Any) -> tuple[str, str]:
        return model.service_model.service_name, model.name

    def _check(self, params: Mapping[str, object], model: Any, **_: Any) -> None:
        service, operation = self._names(model)
        check_request(service, operation, params)

    def _record(
        self, http_response: Any, parsed: Mapping[str, Any], model: Any, context: Any, **_: Any
    ) -> None:
        if http_response is None or http_response.status_code >= 300:
            return
        service, operation = self._names(model)
        params = context.get("iamlab_params", {}) if isinstance(context, dict) else {}
        self.ledger.record(service, operation, params, parsed)

    # -- using it ----------------------------------------------------------------------------

    def client(self, service: str) -> Any:
        """``boto3.client(service)`` for this session (region and credentials included)."""
        return self.session.client(service)

    def session_for(self, credentials: Mapping[str, Any]) -> Any:
        """A boto3 session signed with ``credentials``: an ``AccessKey`` from CreateAccessKey or
        the ``Credentials`` of an AssumeRole response. Same safety net as this session."""
        import boto3

        session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials.get("SessionToken"),
            region_name=self.region,
        )
        self._watch(session)
        return session

    def settle(self) -> None:
        """Wait for IAM's eventual consistency in a real account (no wait when embedded)."""
        if self._settle_seconds:
            time.sleep(self._settle_seconds)

    @property
    def created(self) -> list[Created]:
        """What this session created and has not cleaned up yet, oldest first."""
        return list(self.ledger)

    def cleanup(self, *, quiet: bool = False) -> list[Created]:
        """Delete exactly what this session created, newest first; return what was deleted."""
        say = None if quiet else print
        clients: dict[str, Any] = {}

        def client_for(service: str) -> Any:
            if service not in clients:
                clients[service] = self.session.client(service)
            return clients[service]

        return self.ledger.cleanup(client_for, say=say)

    def close(self) -> None:
        """Clean up, then stop the embedded AWS (if this session started it)."""
        try:
            self.cleanup(quiet=True)
        finally:
            if self._embedded is not None:
                self._embedded.stop()
                self._embedded = None

    def __enter__(self) -> LabSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "embedded AWS (moto)" if self.mode == "embedded" else "REAL AWS"
        return (
            f"<LabSession {where}: account {self.account_id}, {self.region}, "
            f"as {self.caller_arn}; {len(self.ledger)} things to clean up>"
        )


def _stash_params(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["iamlab_params"] = dict(params)


def real_mode_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Has the learner opted into a real account (``IAMLAB_REAL_AWS=1``)?"""
    return (os.environ if environ is None else environ).get(OPT_IN) == "1"


def lab_session(
    *,
    profile: str | None = None,
    region: str = REGION,
    environ: Mapping[str, str] | None = None,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = print,
    session_factory: Callable[..., Any] | None = None,
) -> LabSession:
    """The course's boto3 session: the embedded AWS unless a real account is fully opted into.

    Real mode needs ``IAMLAB_REAL_AWS=1`` *and* a named profile (``profile=`` or
    ``AWS_PROFILE``); it shows the account and asks before anything changes.
    ``environ``, ``ask``, ``say`` and ``session_factory`` exist so that tests can drive it.
    """
    env = os.environ if environ is None else environ
    if not real_mode_requested(env):
        return _embedded_session(region)
    name = profile or env.get("AWS_PROFILE")
    if not name:
        raise RealAwsRefused(
            f"{OPT_IN}=1 asks for a real AWS account, but no profile is named: set AWS_PROFILE "
            f"(or pass profile='name') to the profile of a sandbox account. Nothing was changed."
        )
    if session_factory is None:
        import boto3

        session_factory = boto3.Session
    session = session_factory(profile_name=name, region_name=region)
    identity = session.client("sts").get_caller_identity()
    account, arn = identity["Account"], identity["Arn"]
    if arn.endswith(":root"):
        raise RealAwsRefused(
            f"profile {name!r} signs in as the root user of {account}. Use an IAM Identity "
            f"Center user or an administrator role instead; the root user is for the few tasks "
            f"only it can do. Nothing was changed."
        )
    say(
        WARNING.format(
            account=account, arn=arn, profile=name, region=region, path=PATH, prefix=PREFIX
        )
    )
    answer = ask(f"Type the account ID ({account}) to go ahead, anything else to stop: ")
    if answer.strip() != account:
        raise RealAwsRefused(f"stopped at your request: nothing was changed in {account}")
    return LabSession(
        session, mode="real", account_id=account, caller_arn=arn, settle_seconds=SETTLE_SECONDS
    )


def _embedded_session(region: str) -> LabSession:
    import boto3

    embedded = EmbeddedAWS().start()
    session = boto3.Session(region_name=region, **embedded.admin_credentials)
    arn = f"arn:aws:iam::{ACCOUNT_ID}:user{PATH}iamlab-admin"
    return LabSession(
        session, mode="embedded", account_id=ACCOUNT_ID, caller_arn=arn, embedded=embedded
    )
