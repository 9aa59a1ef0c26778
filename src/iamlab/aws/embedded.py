"""An embedded AWS for the course: moto, in this Python process, with IAM authorization on.

:class:`EmbeddedAWS` starts moto's ``mock_aws`` (every boto3 request in the process then goes to
moto instead of the internet), sets the coffee shop's account ID (``MOTO_ACCOUNT_ID``), and turns
on moto's IAM authorization (``INITIAL_NO_AUTH_ACTION_COUNT``) after creating one administrator,
``iamlab-admin``, whose access key signs the lab session's requests. From then on, moto checks
every request against the caller's IAM policies, so a new user gets ``AccessDenied`` until a
policy allows the action — as in AWS.

moto's authorization is a simplification of AWS's (https://docs.getmoto.org/en/latest/docs/iam.html):
it reads identity-based policies and role trust policies, not resource-based policies,
permissions boundaries or most conditions, and it never expires temporary credentials. One rule
that the course needs is added here: a trust policy whose principal is an account
(``arn:aws:iam::111122223333:root``) trusts every identity of that account whose own policies
allow ``sts:AssumeRole`` — moto 5 only matches a principal ARN exactly.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
"""

from __future__ import annotations

import json
import os
from typing import Any
from unittest import mock

ACCOUNT_ID = "111122223333"
REGION = "us-east-1"
ADMIN = "iamlab-admin"
# Never real: boto3 signs with these only when nothing else is given, and moto accepts them.
FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "MOTO_ACCOUNT_ID": ACCOUNT_ID,
}
_ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}
# Requests sent before authorization starts: CreateUser, PutUserPolicy, CreateAccessKey.
_BOOTSTRAP_REQUESTS = 3


def _account_principal_aware(original: Any) -> Any:
    """Wrap moto's principal check so that an account principal covers its identities."""

    def check(self: Any, principal: str) -> bool:
        if original(self, principal):
            return True
        expected = (self._statement.get("Principal") or {}).get("AWS")
        names = [expected] if isinstance(expected, str) else list(expected or [])
        account = principal.split(":")[4] if principal.count(":") >= 5 else ""
        return bool(account) and (f"arn:aws:iam::{account}:root" in names or account in names)

    return check


class EmbeddedAWS:
    """moto, started with the lab's account, region and an administrator. Stop it when done."""

    def __init__(self) -> None:
        self._patches: list[Any] = []
        self._mock: Any = None
        self._saved_auth: tuple[float, int] | None = None
        self.admin_credentials: dict[str, str] = {}

    @property
    def running(self) -> bool:
        return self._mock is not None

    def start(self) -> EmbeddedAWS:
        from moto import mock_aws, settings
        from moto.core.authorization import ActionAuthenticatorMixin
        from moto.iam.access_control import IAMPolicyStatement

        if self.running:
            return self
        env = mock.patch.dict(os.environ, FAKE_ENVIRONMENT)
        env.start()
        self._patches.append(env)
        trust = mock.patch.object(
            IAMPolicyStatement,
            "_check_principal",
            _account_principal_aware(IAMPolicyStatement._check_principal),
        )
        trust.start()
        self._patches.append(trust)
        self._mock = mock_aws()
        self._mock.start()
        self._saved_auth = (
            settings.INITIAL_NO_AUTH_ACTION_COUNT,
            ActionAuthenticatorMixin.request_count,
        )
        # What moto's @set_initial_no_auth_action_count(n) decorator does, for a whole session.
        settings.INITIAL_NO_AUTH_ACTION_COUNT = _BOOTSTRAP_REQUESTS
        ActionAuthenticatorMixin.request_count = 0
        try:
            self.admin_credentials = self._create_admin()
        except BaseException:
            self.stop()
            raise
        return self

    def _create_admin(self) -> dict[str, str]:
        import boto3

        iam = boto3.client(
            "iam",
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        iam.create_user(UserName=ADMIN, Path="/iam-study-lab/")
        iam.put_user_policy(
            UserName=ADMIN, PolicyName="Everything", PolicyDocument=json.dumps(_ADMIN_POLICY)
        )
        key = iam.create_access_key(UserName=ADMIN)["AccessKey"]
        return {
            "aws_access_key_id": key["AccessKeyId"],
            "aws_secret_access_key": key["SecretAccessKey"],
        }

    def stop(self) -> None:
        """Stop moto, forget everything in it, and restore the environment."""
        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin

        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if self._saved_auth is not None:
            settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = (
                self._saved_auth
            )
            self._saved_auth = None
        while self._patches:
            self._patches.pop().stop()
        self.admin_credentials = {}
