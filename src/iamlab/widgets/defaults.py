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

#: Resources examined for a default request (each costs a look-up in the reference; a lab of
#: thousands of ARNs must not make a widget's first view wait).
MAX_RESOURCES = 100


def well_formed(action: str, resource: str) -> bool:
    """Does ``action`` act on resources like ``resource``, per the Service Authorization
    Reference? An action that takes no resource type is well formed only with ``"*"``."""
    prefix, _, name = action.partition(":")
    key = (prefix.lower(), name.lower())
    if resource == "*":
        return key in _no_resource_type()
    return key in _privileges_for(resource)


@functools.lru_cache(maxsize=4096)
def _privileges_for(resource: str) -> frozenset[tuple[str, str]]:
    """The (service prefix, action name) pairs, lowercase, that act on ARNs like this one."""
    from parliament import (
        get_privilege_matches_for_resource_type,
        get_resource_type_matches_from_arn,
    )

    try:
        matches = get_privilege_matches_for_resource_type(
            get_resource_type_matches_from_arn(resource)
        )
    except Exception:  # parliament raises bare Exceptions for ARNs it cannot split
        return frozenset()
    return frozenset((m["privilege_prefix"].lower(), m["privilege_name"].lower()) for m in matches)


@functools.cache
def _no_resource_type() -> frozenset[tuple[str, str]]:
    """The actions that take no resource type (they apply to ``"*"`` only)."""
    from parliament import iam_definition

    return frozenset(
        (service["prefix"].lower(), privilege["privilege"].lower())
        for service in iam_definition
        for privilege in service["privileges"]
        if all(not t["resource_type"] for t in privilege["resource_types"])
    )


def default_request(lab: Lab) -> tuple[str, str]:
    """The first (action, resource) of the lab's policies that is well formed, ("", "") if
    none is; listed resources come first, so the default is about the lab's own things.
    At most :data:`MAX_RESOURCES` resources are examined, each against every action."""
    actions, resources = known_actions(lab), known_resources(lab)
    for resource in resources[:MAX_RESOURCES]:
        for action in actions:
            if well_formed(action, resource):
                return action, resource
    return (actions[0] if actions else ""), (resources[0] if resources else "")
