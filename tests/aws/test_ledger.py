"""The ledger: does it record what was created and undo exactly that, newest first?"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from iamlab.aws.ledger import CleanupError, Ledger, entry_for

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class RecordingClient:
    """A stand-in boto3 client that records the calls made on it."""

    def __init__(self, fail: dict[str, str] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail or {}

    def __getattr__(self, name: str) -> Any:
        def call(**params: Any) -> dict[str, Any]:
            self.calls.append((name, params))
            if name in self.fail:
                error = {"Error": {"Code": self.fail[name], "Message": "no"}}
                raise ClientError(error, name)
            if name == "list_policy_versions":
                return {"Versions": [{"VersionId": "v1", "IsDefaultVersion": True}]}
            if name == "list_objects_v2":
                return {"Contents": [{"Key": "latte.md"}]}
            return {}

        return call


def test_an_access_key_is_recorded_without_its_secret() -> None:
    """Does the ledger name an access key by a masked ID, never by its secret?"""
    parsed = {
        "AccessKey": {
            "UserName": "iamlab-maria",
            "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "SecretAccessKey": SECRET,
        }
    }
    entry = entry_for("iam", "CreateAccessKey", {"UserName": "iamlab-maria"}, parsed)
    assert entry is not None
    assert str(entry) == "access key AKIA…MPLE of iamlab-maria"
    assert SECRET not in repr(entry)
    assert entry.undo == "DeleteAccessKey"


def test_reads_are_not_recorded() -> None:
    """Does a request that creates nothing leave the ledger alone?"""
    ledger = Ledger()
    assert ledger.record("iam", "ListUsers", {}, {"Users": []}) is None
    assert len(ledger) == 0


def test_cleanup_undoes_newest_first() -> None:
    """Are memberships and attachments undone before the users and groups they join?"""
    ledger = Ledger()
    ledger.record("iam", "CreateUser", {"UserName": "iamlab-maria"}, {})
    ledger.record("iam", "CreateGroup", {"GroupName": "iamlab-Baristas"}, {})
    ledger.record(
        "iam", "AddUserToGroup", {"UserName": "iamlab-maria", "GroupName": "iamlab-Baristas"}, {}
    )
    client = RecordingClient()
    ledger.cleanup(lambda service: client)
    assert [name for name, _ in client.calls] == [
        "remove_user_from_group",
        "delete_group",
        "delete_user",
    ]
    assert len(ledger) == 0


def test_a_bucket_is_emptied_before_it_is_deleted() -> None:
    """Does cleanup empty a bucket the lab created before deleting it?"""
    ledger = Ledger()
    ledger.record("s3", "CreateBucket", {"Bucket": "iamlab-b"}, {})
    client = RecordingClient()
    ledger.cleanup(lambda service: client)
    assert [name for name, _ in client.calls] == [
        "list_objects_v2",
        "delete_object",
        "delete_bucket",
    ]


def test_already_gone_counts_as_cleaned_up() -> None:
    """If the learner deleted something by hand, does cleanup accept NoSuchEntity as done?"""
    ledger = Ledger()
    ledger.record("iam", "CreateUser", {"UserName": "iamlab-maria"}, {})
    done = ledger.cleanup(lambda service: RecordingClient(fail={"delete_user": "NoSuchEntity"}))
    assert [str(e) for e in done] == ["user iamlab-maria"]
    assert len(ledger) == 0


def test_a_failure_does_not_stop_the_rest_and_is_reported() -> None:
    """Does one failing undo still let the others run, and say what is left?"""
    ledger = Ledger()
    ledger.record("iam", "CreateUser", {"UserName": "iamlab-maria"}, {})
    ledger.record("iam", "CreateGroup", {"GroupName": "iamlab-Baristas"}, {})
    client = RecordingClient(fail={"delete_group": "DeleteConflict"})
    with pytest.raises(CleanupError, match="group iamlab-Baristas: DeleteConflict") as caught:
        ledger.cleanup(lambda service: client)
    assert [name for name, _ in client.calls] == ["delete_group", "delete_user"]
    assert [str(e) for e in caught.value.left] == ["group iamlab-Baristas"]
    assert [str(e) for e in ledger] == ["group iamlab-Baristas"]
