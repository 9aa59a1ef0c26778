"""Does iamlab refuse what AWS refuses: policy sizes, duplicate keys, YAML dates?

Sizes: IAM and AWS STS quotas,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length
("IAM doesn't count white space when calculating the size of a policy"), and AWS Organizations
quotas (SCPs), https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamlab
from iamlab.model import quotas

ACCOUNT = "111122223333"
ROOT = Path(__file__).resolve().parents[2]


def sized(size: int, **statement: Any) -> dict[str, Any]:
    """A policy of exactly ``size`` characters without white space (padded in its Sid)."""
    body = {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", **statement}
    document = {"Version": "2012-10-17", "Statement": [body]}
    body["Sid"] = "x" * (size - compact_size(document))
    assert compact_size(document) == size
    return document


def compact_size(document: object) -> int:
    """An independent count: the compact JSON text, white space removed."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return len("".join(text.split()))


TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}],
}


def lab(**account: Any) -> iamlab.Lab:
    return iamlab.Lab.from_dict({"account_id": ACCOUNT, **account})


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(alphabet=' \t\nab"\\é:{}', max_size=8),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(alphabet='ab "', max_size=4), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_policy_size_counts_compact_json_without_white_space(document: object) -> None:
    """Is the size the number of characters of the compact JSON, white space not counted?"""
    assert quotas.policy_size(document, "p", limit=10**9) == compact_size(document)


@pytest.mark.parametrize(
    ("build", "limit"),
    [
        (lambda doc: lab(managed_policies={"Big": doc}), quotas.MANAGED_POLICY),
        (lambda doc: lab(users={"maria": {"inline_policies": {"Big": doc}}}), 2_048),
        (lambda doc: lab(groups={"Baristas": {"inline_policies": {"Big": doc}}}), 5_120),
        (
            lambda doc: lab(roles={"R": {"trust_policy": TRUST, "inline_policies": {"B": doc}}}),
            10_240,
        ),
        (lambda doc: lab(service_control_policies=[doc]), 5_120),
        (lambda doc: lab(users={"maria": {"permissions_boundary": doc}}), 6_144),
    ],
    ids=["managed", "user-inline", "group-inline", "role-inline", "scp", "boundary"],
)
def test_a_policy_at_the_quota_loads_and_one_more_character_is_refused(
    build: Any, limit: int
) -> None:
    """Does a policy of exactly the quota load, and one character more fail naming the quota?"""
    build(sized(limit))
    with pytest.raises(iamlab.PolicyError, match=f"{limit:,}"):
        build(sized(limit + 1))


def test_trust_policy_quota() -> None:
    """Is a trust policy over 2,048 characters refused (the default quota)?"""
    statement = TRUST["Statement"][0]
    big = {"Version": "2012-10-17", "Statement": [{**statement, "Sid": "x" * 2_100}]}
    with pytest.raises(iamlab.PolicyError, match="2,048") as info:
        lab(roles={"R": {"trust_policy": big}})
    assert info.value.place == "roles.R.trust_policy"
    lab(roles={"R": {"trust_policy": TRUST}})


def test_inline_policies_of_a_user_count_together() -> None:
    """Are two 1,100-character inline policies of one user refused (2,048 in total)?"""
    with pytest.raises(iamlab.PolicyError, match="2,048") as info:
        lab(users={"maria": {"inline_policies": {"A": sized(1_100), "B": sized(1_100)}}})
    assert info.value.place == "users.maria.inline_policies"
    lab(users={"maria": {"inline_policies": {"A": sized(1_000), "B": sized(1_000)}}})


def test_white_space_is_not_counted() -> None:
    """Does a 6,000-character policy with 1,000 spaces of indentation still load as managed?"""
    text = json.dumps(sized(6_000), indent=400)
    assert len(text) > 6_144 + 1_000
    lab(managed_policies={"Big": json.loads(text)})
    assert iamlab.Policy.from_json(text).size == 6_000


def test_scp_quota_names_organizations() -> None:
    """Does an oversized SCP name the Organizations quotas page?"""
    with pytest.raises(iamlab.PolicyError, match="Organizations"):
        lab(service_control_policies=[sized(5_121)])


# -- duplicate keys ---------------------------------------------------------------------------


def test_duplicate_key_in_json_is_refused_with_its_place() -> None:
    """Is "Effect":"Deny","Effect":"Allow" refused, naming Statement[0].Effect?"""
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Effect": "Allow", '
        '"Action": "s3:*", "Resource": "*"}]}'
    )
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Policy.from_json(text, name="NoRefunds")
    assert info.value.place == "NoRefunds.Statement[0].Effect"
    assert "twice" in info.value.problem


def test_a_second_statement_key_is_refused() -> None:
    """Is a policy with two Statement keys refused (the second would replace the first)?"""
    text = '{"Version": "2012-10-17", "Statement": [], "Statement": []}'
    with pytest.raises(iamlab.PolicyError, match="twice"):
        iamlab.Policy.from_json(text)


def test_duplicate_key_in_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    """Is a YAML mapping with a key twice refused, naming the file and the line?"""
    path = tmp_path / "lab.yaml"
    path.write_text(
        f"account_id: '{ACCOUNT}'\nusers:\n  maria: {{}}\n  maria: {{tags: {{a: b}}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Lab.load(path)
    assert str(path) in str(info.value) and "line 4" in str(info.value)


def test_duplicate_key_in_a_json_lab_file_is_refused(tmp_path: Path) -> None:
    """Is a JSON lab with a key twice refused with the place?"""
    path = tmp_path / "lab.json"
    path.write_text(f'{{"account_id": "{ACCOUNT}", "users": {{}}, "users": {{}}}}', "utf-8")
    with pytest.raises(iamlab.PolicyError, match="users") as info:
        iamlab.Lab.load(path)
    assert "twice" in info.value.problem


def test_unquoted_yaml_version_gets_a_friendly_error(tmp_path: Path) -> None:
    """Does Version: 2012-10-17 unquoted (a YAML date) say to write it in quotes?"""
    path = tmp_path / "lab.yaml"
    path.write_text(
        f"account_id: '{ACCOUNT}'\nmanaged_policies:\n  Read:\n    Version: 2012-10-17\n"
        "    Statement: [{Effect: Allow, Action: 's3:GetObject', Resource: '*'}]\n",
        encoding="utf-8",
    )
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Lab.load(path)
    assert info.value.place.endswith("managed_policies.Read.Version")
    assert "'2012-10-17' in quotes" in info.value.problem


@pytest.mark.parametrize("path", sorted((ROOT / "labs").glob("*.yaml")), ids=lambda p: p.name)
def test_the_course_labs_are_within_every_quota(path: Path) -> None:
    """Do the course's own labs load under the quotas and duplicate-key rules?"""
    assert iamlab.Lab.load(path).accounts


def test_with_inline_policy_keeps_the_users_total() -> None:
    """Does adding a 1,100-character inline policy to a user who has 1,000 fail (2,048)?"""
    existing = lab(users={"maria": {"inline_policies": {"A": sized(1_000)}}})
    with pytest.raises(iamlab.PolicyError, match="2,048"):
        existing.with_inline_policy("maria", iamlab.Policy.from_dict(sized(1_100)))
    assert existing.with_inline_policy("maria", iamlab.Policy.from_dict(sized(1_000)))


def test_the_editors_reading_keeps_duplicates_for_the_policy_check() -> None:
    """Does json_loads (the policy editor's reader) keep a duplicate key for from_dict to
    refuse with its place, instead of silently keeping the last one?"""
    from iamlab.model.documents import json_loads

    document = json_loads(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Effect": "Allow", '
        '"Action": "s3:*", "Resource": "*"}}'
    )
    with pytest.raises(iamlab.PolicyError) as info:
        iamlab.Policy.from_dict(document, name="Edited")
    assert info.value.place == "Edited.Statement.Effect"
