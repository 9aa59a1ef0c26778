"""lab_session(): embedded by default, a real account only when fully opted into, always tidy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from iamlab.aws import PATH, LabSession, RealAwsRefused, lab_session

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _never(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("real mode must not create a boto3 session here")


def _never_asked(prompt: str) -> str:
    raise AssertionError("nobody should be asked anything here")


class FakeSts:
    def __init__(self, arn: str) -> None:
        self.arn = arn

    def get_caller_identity(self) -> dict[str, str]:
        return {"Account": "999988887777", "Arn": self.arn, "UserId": "AIDAEXAMPLE"}


class FakeSession:
    """Stands in for boto3.Session(profile_name=...) in the refusal tests: no network."""

    def __init__(self, arn: str) -> None:
        self.arn = arn
        self.clients: list[str] = []

    def __call__(self, **kwargs: Any) -> FakeSession:
        self.kwargs = kwargs
        return self

    def client(self, service: str) -> FakeSts:
        self.clients.append(service)
        assert service == "sts", "nothing but sts:GetCallerIdentity before the learner agrees"
        return FakeSts(self.arn)


def test_without_the_opt_in_a_profile_is_not_enough() -> None:
    """With AWS_PROFILE set but no IAMLAB_REAL_AWS=1, does it stay on the embedded AWS?"""
    with lab_session(
        environ={"AWS_PROFILE": "sandbox"}, ask=_never_asked, session_factory=_never
    ) as aws:
        assert aws.mode == "embedded"
        assert aws.account_id == "111122223333"


def test_the_opt_in_without_a_profile_is_refused() -> None:
    """With IAMLAB_REAL_AWS=1 but no profile, is real mode refused before any session?"""
    with pytest.raises(RealAwsRefused, match="no profile is named"):
        lab_session(environ={"IAMLAB_REAL_AWS": "1"}, ask=_never_asked, session_factory=_never)


def test_only_exactly_1_opts_in() -> None:
    """Do values such as "true" or "yes" leave the learner on the embedded AWS?"""
    env = {"IAMLAB_REAL_AWS": "true", "AWS_PROFILE": "sandbox"}
    with lab_session(environ=env, ask=_never_asked, session_factory=_never) as aws:
        assert aws.mode == "embedded"


def test_real_mode_shows_the_account_and_stops_unless_confirmed() -> None:
    """Does real mode show the account and the caller, warn, and stop on a wrong answer?"""
    said: list[str] = []
    fake = FakeSession("arn:aws:iam::999988887777:user/alice")
    with pytest.raises(RealAwsRefused, match="nothing was changed"):
        lab_session(
            environ={"IAMLAB_REAL_AWS": "1", "AWS_PROFILE": "sandbox"},
            ask=lambda prompt: "yes",
            say=said.append,
            session_factory=fake,
        )
    assert fake.kwargs == {"profile_name": "sandbox", "region_name": "us-east-1"}
    assert fake.clients == ["sts"]
    text = "\n".join(said)
    assert "999988887777" in text and "arn:aws:iam::999988887777:user/alice" in text
    assert "/iam-study-lab/" in text and "Cost" in text and "sandbox account" in text


def test_real_mode_refuses_the_root_user() -> None:
    """Does real mode refuse a profile that signs in as the root user?"""
    fake = FakeSession("arn:aws:iam::999988887777:root")
    with pytest.raises(RealAwsRefused, match="root user"):
        lab_session(
            environ={"IAMLAB_REAL_AWS": "1", "AWS_PROFILE": "owner"},
            ask=_never_asked,
            session_factory=fake,
        )


def test_confirmed_real_mode_works_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Confirmed with the account ID, does real mode run (here against moto) and clean up?"""
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[sandbox]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    said: list[str] = []
    with mock_aws():
        aws = lab_session(
            environ={"IAMLAB_REAL_AWS": "1", "AWS_PROFILE": "sandbox"},
            ask=lambda prompt: "123456789012",
            say=said.append,
        )
        assert aws.mode == "real" and aws.account_id == "123456789012"
        aws._settle_seconds = 0  # moto needs no waiting for eventual consistency
        iam = aws.client("iam")
        iam.create_user(UserName="iamlab-maria", Path=PATH)
        iam.create_user(UserName="iamlab-diego", Path=PATH)
        aws.close()
        left = boto3.client("iam", region_name="us-east-1").list_users()["Users"]
        assert left == []
    assert all(SECRET not in line for line in said)
    assert SECRET not in repr(aws)


def test_cleanup_runs_after_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the learner's code fails inside `with lab_session()`, is everything still removed?"""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    with mock_aws():  # outlives the lab session, so we can look afterwards
        with pytest.raises(RuntimeError, match="learner"), lab_session() as aws:
            iam = aws.client("iam")
            iam.create_user(UserName="iamlab-maria", Path=PATH)
            iam.create_group(GroupName="iamlab-Baristas", Path=PATH)
            iam.add_user_to_group(GroupName="iamlab-Baristas", UserName="iamlab-maria")
            policy = iam.create_policy(
                PolicyName="iamlab-BaristaTools",
                Path=PATH,
                PolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
                        ],
                    }
                ),
            )["Policy"]
            iam.attach_group_policy(GroupName="iamlab-Baristas", PolicyArn=policy["Arn"])
            iam.create_access_key(UserName="iamlab-maria")
            aws.client("s3").create_bucket(Bucket="iamlab-coffee-recipes-111122223333")
            raise RuntimeError("the learner's mistake")
        assert aws.created == []
        iam = boto3.client("iam", region_name="us-east-1")
        users = [u["UserName"] for u in iam.list_users(PathPrefix=PATH)["Users"]]
        assert users == ["iamlab-admin"]  # only the embedded AWS's own administrator
        assert iam.list_groups()["Groups"] == []
        assert iam.list_policies(Scope="Local")["Policies"] == []
        assert boto3.client("s3", region_name="us-east-1").list_buckets()["Buckets"] == []


def test_cleanup_leaves_what_it_did_not_create(monkeypatch: pytest.MonkeyPatch) -> None:
    """Does cleanup delete only the session's own creations, even with the same prefix?"""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    with mock_aws():
        with lab_session() as aws:
            untracked = boto3.client(
                "iam",
                region_name="us-east-1",
                **aws._embedded.admin_credentials,  # type: ignore[union-attr]
            )
            untracked.create_user(UserName="iamlab-from-a-previous-run", Path=PATH)
            aws.client("iam").create_user(UserName="iamlab-maria", Path=PATH)
            assert [str(c) for c in aws.created] == ["user iamlab-maria"]
        users = boto3.client("iam", region_name="us-east-1").list_users(PathPrefix=PATH)["Users"]
        assert sorted(u["UserName"] for u in users) == [
            "iamlab-admin",
            "iamlab-from-a-previous-run",
        ]


def test_the_guard_stops_a_request_before_it_is_sent(embedded_aws: LabSession) -> None:
    """Is a change outside the lab's corner refused without anything being created?"""
    from iamlab.aws import OutsideTheLabError

    with pytest.raises(OutsideTheLabError):
        embedded_aws.client("iam").create_user(UserName="maria", Path=PATH)
    names = [u["UserName"] for u in embedded_aws.client("iam").list_users()["Users"]]
    assert "maria" not in names
    assert embedded_aws.created == []


def test_repr_and_created_never_show_secrets(embedded_aws: LabSession) -> None:
    """Do the session's repr and its list of creations leave out every secret?"""
    iam = embedded_aws.client("iam")
    iam.create_user(UserName="iamlab-maria", Path=PATH)
    key = iam.create_access_key(UserName="iamlab-maria")["AccessKey"]
    shown = repr(embedded_aws) + " ".join(str(c) for c in embedded_aws.created)
    assert key["SecretAccessKey"] not in shown
    assert key["AccessKeyId"] not in shown
    assert isinstance(embedded_aws, LabSession)
