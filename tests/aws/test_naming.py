"""The lab's corner of an account: does every change stay under /iam-study-lab/ and iamlab-?"""

from __future__ import annotations

import pytest

from iamlab.aws.naming import PATH, OutsideTheLabError, check_request

OURS = "arn:aws:iam::111122223333:policy/iam-study-lab/iamlab-BaristaTools"


def test_reads_are_always_allowed() -> None:
    """Can a lab session read anything in IAM and S3 (reads change nothing)?"""
    check_request("iam", "GetUser", {"UserName": "somebody-else"})
    check_request("iam", "ListUsers", {})
    check_request("s3", "GetObject", {"Bucket": "somebody-elses-bucket", "Key": "x"})
    check_request("sts", "GetCallerIdentity", {})


def test_a_user_needs_the_prefix_and_the_path() -> None:
    """Is CreateUser refused without the iamlab- prefix, or without the lab's path?"""
    check_request("iam", "CreateUser", {"UserName": "iamlab-maria", "Path": PATH})
    with pytest.raises(OutsideTheLabError, match="must start with 'iamlab-'"):
        check_request("iam", "CreateUser", {"UserName": "maria", "Path": PATH})
    with pytest.raises(OutsideTheLabError, match="Path"):
        check_request("iam", "CreateUser", {"UserName": "iamlab-maria"})


def test_changes_to_other_entities_are_refused() -> None:
    """Is deleting or changing an entity that is not the lab's own refused before sending?"""
    with pytest.raises(OutsideTheLabError, match="not one of the lab's own"):
        check_request("iam", "DeleteUser", {"UserName": "the-real-admin"})
    with pytest.raises(OutsideTheLabError):
        check_request("iam", "AddUserToGroup", {"UserName": "iamlab-maria", "GroupName": "Admins"})


def test_policies_the_lab_may_attach() -> None:
    """May the lab attach its own policies and AWS managed ones, but delete only its own?"""
    check_request("iam", "AttachGroupPolicy", {"GroupName": "iamlab-Baristas", "PolicyArn": OURS})
    aws_managed = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    check_request("iam", "AttachRolePolicy", {"RoleName": "iamlab-R", "PolicyArn": aws_managed})
    with pytest.raises(OutsideTheLabError):
        check_request("iam", "DeletePolicy", {"PolicyArn": aws_managed})
    with pytest.raises(OutsideTheLabError):
        foreign = "arn:aws:iam::111122223333:policy/Prod"
        check_request("iam", "AttachUserPolicy", {"UserName": "iamlab-m", "PolicyArn": foreign})


def test_s3_changes_only_in_lab_buckets() -> None:
    """Are S3 writes limited to buckets whose names start with iamlab-?"""
    check_request("s3", "PutObject", {"Bucket": "iamlab-coffee-recipes-111122223333", "Key": "k"})
    with pytest.raises(OutsideTheLabError, match="Bucket"):
        check_request("s3", "DeleteBucket", {"Bucket": "production-data"})


def test_other_services_are_refused() -> None:
    """Does a lab session refuse services the course does not use (EC2, ...)?"""
    with pytest.raises(OutsideTheLabError, match="only to iam, sts, s3"):
        check_request("ec2", "DescribeInstances", {})
