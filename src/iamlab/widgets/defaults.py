"""What a widget shows before the learner types anything: a request a learner might really make.

An action applies to some resource types only (``s3:GetObject`` to an object, not to a bucket;
``cloudwatch:GetMetricData`` to none, it takes ``"*"``). :func:`well_formed` asks parliament's
copy of AWS's Service Authorization Reference whether an ARN is of a type the action accepts,
and :func:`default_request` picks the first (action, resource) of the lab that is.

https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import functools

from iamlab.model.lab import Lab
from iamlab.model.matrix import known_actions, known_resources


@functools.lru_cache(maxsize=4096)
def well_formed(action: str, resource: str) -> bool:
    """Does ``action`` act on resources like ``resource``, per the Service Authorization
    Reference? An action that takes no resource type is well formed only with ``"*"``."""
    from parliament import (
        get_privilege_matches_for_resource_type,
        get_resource_type_matches_from_arn,
    )

    prefix, _, name = action.partition(":")
    if resource == "*":
        return _takes_no_resource_type(prefix.lower(), name.lower())
    try:
        matches = get_privilege_matches_for_resource_type(
            get_resource_type_matches_from_arn(resource)
        )
    except Exception:  # parliament raises bare Exceptions for ARNs it cannot split
        return False
    return any(
        m["privilege_prefix"].lower() == prefix.lower()
        and m["privilege_name"].lower() == name.lower()
        for m in matches
    )


def _takes_no_resource_type(prefix: str, name: str) -> bool:
    from parliament import iam_definition

    for service in iam_definition:
        if service["prefix"].lower() != prefix:
            continue
        for privilege in service["privileges"]:
            if privilege["privilege"].lower() == name:
                return all(not t["resource_type"] for t in privilege["resource_types"])
    return False


def default_request(lab: Lab) -> tuple[str, str]:
    """The first (action, resource) of the lab's policies that is well formed, ("", "") if
    none is; listed resources come first, so the default is about the lab's own things."""
    actions, resources = known_actions(lab), known_resources(lab)
    for resource in resources:
        for action in actions:
            if well_formed(action, resource):
                return action, resource
    return (actions[0] if actions else ""), (resources[0] if resources else "")
