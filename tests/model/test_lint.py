"""Does the lint step, built on parliament, report likely mistakes as warnings?

https://github.com/duo-labs/parliament (the linter); a policy with an unknown action is valid
(AWS accepts it) but never matches a request.
"""

from __future__ import annotations

import pytest

import iamlab
from iamlab.model.lint import lint_lab, lint_policy


def test_unknown_action_is_a_warning_naming_the_action() -> None:
    """Is a misspelt action (s3:GetObjekt) reported as UNKNOWN_ACTION with its text?"""
    findings = lint_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}],
        },
        place="P",
    )
    assert [f.issue for f in findings] == ["UNKNOWN_ACTION"]
    assert "s3:GetObjekt" in str(findings[0])


def test_unknown_service_prefix_is_a_warning() -> None:
    """Is a made-up service prefix reported?"""
    findings = lint_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "coffee:Brew", "Resource": "*"}],
        }
    )
    assert "UNKNOWN_PREFIX" in {f.issue for f in findings}


def test_a_clean_policy_has_no_findings() -> None:
    """Does a correct, narrow policy lint clean (so the linter is not just noisy)?"""
    findings = lint_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::coffee-recipes/*",
                }
            ],
        }
    )
    assert findings == []


def test_lint_lab_names_the_place_in_the_lab() -> None:
    """Does lint_lab say which policy in the lab a warning comes from?"""
    lab = iamlab.Lab.from_dict(
        {
            "account_id": "111122223333",
            "users": {
                "maria": {
                    "inline_policies": {
                        "Typo": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "dynamodb:PutIten", "Resource": "*"}
                            ],
                        }
                    }
                }
            },
        }
    )
    findings = lint_lab(lab)
    assert any(f.place.startswith("users.maria.inline_policies.Typo") for f in findings)


def test_trust_policies_are_linted_without_false_alarms(coffee_shop_lab: iamlab.Lab) -> None:
    """Are trust policies (which have no Resource) not reported as malformed?"""
    assert not [f for f in lint_lab(coffee_shop_lab) if f.issue == "MALFORMED"]


def test_invalid_json_is_a_policy_error_not_a_lint_finding() -> None:
    """Is text that is not JSON a PolicyError with the line, not a crash in the linter?"""
    with pytest.raises(iamlab.PolicyError, match="line 1"):
        lint_policy('{"Version": "2012-10-17",,}')
