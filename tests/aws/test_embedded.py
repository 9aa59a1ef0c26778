"""The embedded AWS: moto with the coffee shop's account and IAM authorization switched on."""

from __future__ import annotations

import json
import os

import pytest
from botocore.exceptions import ClientError

from iamlab.aws import ACCOUNT_ID, PATH, EmbeddedAWS, LabSession


def _allow(action: str, resource: str) -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _trust_account(account: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "sts:AssumeRole",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_it_is_the_coffee_shops_account(embedded_aws: LabSession) -> None:
    """Does the embedded AWS answer as account 111122223333 in us-east-1?"""
    identity = embedded_aws.client("sts").get_caller_identity()
    assert identity["Account"] == ACCOUNT_ID == "111122223333"
    assert embedded_aws.region == "us-east-1"
    assert embedded_aws.mode == "embedded"


def test_a_new_user_is_denied_until_a_policy_allows(embedded_aws: LabSession) -> None:
    """Is a new IAM user refused (AccessDenied) until a policy allows the action, as in AWS?"""
    iam = embedded_aws.client("iam")
    iam.create_user(UserName="iamlab-maria", Path=PATH)
    maria = embedded_aws.session_for(iam.create_access_key(UserName="iamlab-maria")["AccessKey"])
    with pytest.raises(ClientError) as denied:
        maria.client("iam").list_users()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    iam.put_user_policy(
        UserName="iamlab-maria", PolicyName="SeeUsers", PolicyDocument=_allow("iam:ListUsers", "*")
    )
    names = [u["UserName"] for u in maria.client("iam").list_users()["Users"]]
    assert "iamlab-maria" in names


def test_an_account_principal_trusts_users_whose_policies_allow(embedded_aws: LabSession) -> None:
    """With the account as trusted principal, may a user assume the role only once allowed?"""
    iam = embedded_aws.client("iam")
    iam.create_user(UserName="iamlab-maria", Path=PATH)
    maria = embedded_aws.session_for(iam.create_access_key(UserName="iamlab-maria")["AccessKey"])
    role = iam.create_role(
        RoleName="iamlab-CoffeeMachineOperator",
        Path=PATH,
        AssumeRolePolicyDocument=_trust_account(ACCOUNT_ID),
    )["Role"]
    sts = maria.client("sts")
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="morning-shift")
    iam.put_user_policy(
        UserName="iamlab-maria",
        PolicyName="BecomeOperator",
        PolicyDocument=_allow("sts:AssumeRole", role["Arn"]),
    )
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="morning-shift")
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    expected = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/iamlab-CoffeeMachineOperator/morning-shift"
    assert answer["AssumedRoleUser"]["Arn"] == expected


def test_another_accounts_principal_is_not_trusted(embedded_aws: LabSession) -> None:
    """Does a trust policy naming the partner's account keep the shop's own users out?"""
    iam = embedded_aws.client("iam")
    iam.create_user(UserName="iamlab-maria", Path=PATH)
    maria = embedded_aws.session_for(iam.create_access_key(UserName="iamlab-maria")["AccessKey"])
    role = iam.create_role(
        RoleName="iamlab-PartnerAuditor",
        Path=PATH,
        AssumeRolePolicyDocument=_trust_account("444455556666"),
    )["Role"]
    iam.put_user_policy(
        UserName="iamlab-maria", PolicyName="Try", PolicyDocument=_allow("sts:AssumeRole", "*")
    )
    with pytest.raises(ClientError):
        maria.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="sneaky")


def test_stopping_restores_the_environment() -> None:
    """After stop(), are the fake credentials, the account ID and moto's settings gone?"""
    from moto import settings

    before = dict(os.environ)
    count = settings.INITIAL_NO_AUTH_ACTION_COUNT
    embedded = EmbeddedAWS().start()
    assert os.environ["MOTO_ACCOUNT_ID"] == ACCOUNT_ID
    assert settings.INITIAL_NO_AUTH_ACTION_COUNT == 3
    embedded.stop()
    assert dict(os.environ) == before
    assert count == settings.INITIAL_NO_AUTH_ACTION_COUNT
