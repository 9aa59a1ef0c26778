"""The data-driven corpus: every rule of IAM evaluation as a case in tests/model/cases/*.yaml.

Each case file has a ``title``, a default ``doc`` link (the IAM User Guide page the rules come
from), a default ``lab`` (a file in ``labs/`` or a key of the file's inline ``labs:``) and a list
of ``cases``. A case is one of three kinds:

- ``request``: ``lab.evaluate(principal, action, resource, context=..., now=...)`` and
  ``expect: {result, decided_by?, explain_contains?}`` (or ``expect: {error: ...}``);
- ``assume_role``: ``lab.assume_role(caller, role, ...)`` and
  ``expect: {ok: true, expiration?, arn?, access_key_prefix?}`` or ``expect: {error: ...}``;
- ``load``: a lab dict that must fail to load, ``expect: {error: ..., error_contains?}``;
- ``web_identity``, ``saml``, ``sign_in``: ``lab.assume_role_with_web_identity(role, token=...)``,
  ``lab.assume_role_with_saml(role, provider=..., assertion=...)``, ``lab.sign_in(user,
  permission_set=..., account=...)``, with the expectations of ``assume_role`` plus
  ``source_identity?``, ``role_arn?`` and ``explain_contains?`` (the trust decision's text,
  also checked on a refusal).

A principal written ``{session: <assume spec>}`` (or ``{web_identity: ...}``, ``{saml: ...}``,
``{sign_in: ...}``) is first assumed, then used as the principal
(add ``by_arn: true`` to use the session's ARN string rather than the session object).
When a request on a session gives no ``now``, the ``now`` of its assume spec is used, so that
a session made "at 10:00" is also used at 10:00 rather than at the wall-clock time.

``decided_by`` is compared as a set (the order of policy kinds is the engine's to choose).
``error_contains`` is a case-insensitive substring of the error message.

Only the public API of ``iamlab`` is used here (see DESIGN.md).
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

import iamlab

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = Path(__file__).resolve().parent / "cases"
LABS_DIR = ROOT / "labs"

RESULTS = {"Allowed", "ImplicitlyDenied", "ExplicitlyDenied"}
POLICY_KINDS = {"scp", "resource", "identity", "permissions_boundary", "session", "root", "aws"}
ERRORS = {
    "IamlabError",
    "PolicyError",
    "AccessDeniedError",
    "ExpiredTokenError",
    "ValidationError",
    "InvalidIdentityTokenError",
    "UnknownPrincipalError",
}
FEDERATED_KINDS = ("web_identity", "saml", "sign_in")
CASE_KINDS = ("request", "assume_role", "load", *FEDERATED_KINDS)

# The documentation a case may cite: the IAM User Guide, and the STS and Organizations pages
# that the IAM rules rest on. Listing the pages catches typos in links.
DOC_PAGES = {
    "/IAM/latest/UserGuide/": {
        "access_policies.html",
        "access_policies_boundaries.html",
        "access_policies_identity-vs-resource.html",
        "access_policies_managed-vs-inline.html",
        "id_credentials_mfa_configure-api-require.html",
        "id_credentials_temp_request.html",
        "id_credentials_temp_use-resources.html",
        "id_groups.html",
        "id_roles.html",
        "id_roles_common-scenarios_third-party.html",
        "id_roles_compare-resource-policies.html",
        "id_roles_create_for-service.html",
        "id_roles_create_for-user_externalid.html",
        "id_roles_manage-assume.html",
        "id_roles_update-role-settings.html",
        "id_roles_use.html",
        "id_roles_use_permissions-to-switch.html",
        "id_root-user.html",
        "id_users.html",
        "id_session-tags.html",
        "reference_identifiers.html",
        "reference_policies_condition-keys.html",
        "reference_policies_condition-logic-multiple-context-keys-or-values.html",
        "reference_policies_condition-single-vs-multi-valued-context-keys.html",
        "reference_policies_elements_action.html",
        "reference_policies_elements_condition.html",
        "reference_policies_elements_condition_operators.html",
        "reference_policies_elements_effect.html",
        "reference_policies_elements_notaction.html",
        "reference_policies_elements_notprincipal.html",
        "reference_policies_elements_notresource.html",
        "reference_policies_elements_principal.html",
        "reference_policies_elements_resource.html",
        "reference_policies_elements_statement.html",
        "reference_policies_elements_version.html",
        "reference_policies_evaluation-logic.html",
        "reference_policies_evaluation-logic-cross-account.html",
        "reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html",
        "reference_policies_evaluation-logic_policy-eval-basics.html",
        "reference_policies_evaluation-logic_policy-eval-denyallow.html",
        "reference_policies_evaluation-logic_policy-eval-reqcontext.html",
        "reference_policies_variables.html",
        "id_roles_terms-and-concepts.html",
        "id_roles_providers_oidc.html",
        "id_roles_providers_create_oidc.html",
        "id_roles_providers_saml.html",
        "id_roles_providers_create_saml.html",
        "id_roles_create_for-idp_oidc.html",
        "id_roles_create_for-idp_saml.html",
        "id_credentials_temp_control-access_monitor.html",
        "reference_policies_iam-condition-keys.html",
    },
    "/STS/latest/APIReference/": {
        "API_AssumeRole.html",
        "API_AssumeRoleWithWebIdentity.html",
        "API_AssumeRoleWithSAML.html",
        "API_GetCallerIdentity.html",
    },
    "/singlesignon/latest/userguide/": {
        "permissionsetsconcept.html",
        "identity-center-and-iam-roles.html",
        "howtosessionduration.html",
    },
    "/kms/latest/developerguide/": {
        "key-policies.html",
        "control-access.html",
    },
    "/kms/latest/APIReference/": {
        "API_CreateAlias.html",
    },
    "/organizations/latest/userguide/": {
        "orgs_manage_policies_scps.html",
        "orgs_manage_policies_scps_evaluation.html",
        "orgs_manage_policies_scps_examples_general.html",
        "orgs_manage_policies_scps_syntax.html",
    },
}


# --- loading the corpus -------------------------------------------------------------------


def _case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


@cache
def _load_file(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        data: dict[str, Any] = yaml.safe_load(f)
    return data


def _all_cases() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, case) for path in _case_files() for case in _load_file(path).get("cases") or []]


def _doc_of(path: Path, case: dict[str, Any]) -> str | None:
    return case.get("doc") or _load_file(path).get("doc")


ALL_CASES = _all_cases()


# --- labs -------------------------------------------------------------------------------


@cache
def _lab_from_file(name: str) -> iamlab.Lab:
    return iamlab.Lab.load(LABS_DIR / f"{name}.yaml")


@cache
def _inline_lab(path: Path, name: str) -> iamlab.Lab:
    return iamlab.Lab.from_dict(copy.deepcopy(_load_file(path)["labs"][name]))


def _lab_for(path: Path, case: dict[str, Any]) -> iamlab.Lab:
    name = case.get("lab") or _load_file(path).get("lab")
    assert name, f"{path.name}: case {case['id']} has no lab"
    if name in (_load_file(path).get("labs") or {}):
        return _inline_lab(path, name)
    return _lab_from_file(name)


# --- running a case ---------------------------------------------------------------------


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def _principal(lab: iamlab.Lab, spec: Any) -> Any:
    """A principal as the engine takes it: a string, or a session made from an assume spec.

    ``{session: spec, by_arn: true}`` passes the new session's ARN string instead of the object.
    """
    if isinstance(spec, dict) and "session" in spec:
        session = _assume(lab, spec["session"])
        return session.arn if spec.get("by_arn") else session
    for kind in FEDERATED_KINDS:
        if isinstance(spec, dict) and kind in spec:
            session = _federate(lab, kind, spec[kind])
            return session.arn if spec.get("by_arn") else session
    return spec


def _federate(lab: iamlab.Lab, kind: str, spec: dict[str, Any]) -> Any:
    now = _time(spec.get("now"))
    if kind == "web_identity":
        return lab.assume_role_with_web_identity(
            spec["role"],
            token=spec["token"],
            session_name=spec.get("session_name", "iamlab-case"),
            duration_seconds=spec.get("duration_seconds"),
            now=now,
        )
    if kind == "saml":
        return lab.assume_role_with_saml(
            spec["role"],
            provider=spec["provider"],
            assertion=spec["assertion"],
            session_name=spec.get("session_name"),
            duration_seconds=spec.get("duration_seconds"),
            now=now,
        )
    return lab.sign_in(
        spec["user"], permission_set=spec["permission_set"], account=spec.get("account"), now=now
    )


def _assume(lab: iamlab.Lab, spec: dict[str, Any]) -> Any:
    return lab.assume_role(
        _principal(lab, spec["caller"]),
        spec["role"],
        session_name=spec.get("session_name", "iamlab-case"),
        duration_seconds=spec.get("duration_seconds"),
        session_policy=spec.get("session_policy"),
        context=spec.get("context"),
        now=_time(spec.get("now")),
    )


def _expect_error(expect: dict[str, Any]) -> type[BaseException]:
    name = expect["error"]
    assert name in ERRORS, f"unknown error name {name!r}"
    error: type[BaseException] = getattr(iamlab, name)
    return error


def _check_error_message(
    excinfo: pytest.ExceptionInfo[BaseException], expect: dict[str, Any]
) -> None:
    wanted = expect.get("error_contains")
    if wanted:
        assert str(wanted).lower() in str(excinfo.value).lower(), str(excinfo.value)
    if isinstance(excinfo.value, iamlab.AccessDeniedError):
        decision = excinfo.value.decision
        assert decision is not None, "AccessDeniedError should carry the Decision"
        assert not decision.allowed


def _run_request(lab: iamlab.Lab, case: dict[str, Any]) -> None:
    request = case["request"]
    expect = case["expect"]
    spec = request["principal"]
    now = request.get("now")
    if now is None and isinstance(spec, dict) and "session" in spec:
        now = spec["session"].get("now")

    def evaluate() -> Any:
        principal = _principal(lab, spec)
        return lab.evaluate(
            principal,
            request["action"],
            request["resource"],
            context=request.get("context"),
            now=_time(now),
        )

    if now is None and isinstance(spec, dict):
        now = next((spec[k].get("now") for k in FEDERATED_KINDS if k in spec), None)
    if "error" in expect:
        with pytest.raises(_expect_error(expect)) as excinfo:
            evaluate()
        _check_error_message(excinfo, expect)
        return

    decision = evaluate()
    explanation = decision.explain()
    assert decision.result == expect["result"], explanation
    assert decision.allowed is (expect["result"] == "Allowed"), explanation
    if "decided_by" in expect:
        assert set(decision.decided_by) == set(expect["decided_by"]), (
            f"decided_by {decision.decided_by!r}\n{explanation}"
        )
    for text in expect.get("explain_contains") or []:
        assert text in explanation, explanation


def _run_assume(lab: iamlab.Lab, case: dict[str, Any]) -> None:
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(_expect_error(expect)) as excinfo:
            _assume(lab, case["assume_role"])
        _check_error_message(excinfo, expect)
        return

    assert expect.get("ok") is True, "an assume_role case expects ok: true or an error"
    session = _assume(lab, case["assume_role"])
    if "arn" in expect:
        assert session.arn == expect["arn"]
    if "access_key_prefix" in expect:
        assert session.credentials.access_key_id.startswith(expect["access_key_prefix"])
    expiration = session.credentials.expiration
    assert expiration.tzinfo is not None, "credentials expire at a timezone-aware time"
    if "expiration" in expect:
        assert expiration == _time(expect["expiration"])


def _run_federated(lab: iamlab.Lab, kind: str, case: dict[str, Any]) -> None:
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(_expect_error(expect)) as excinfo:
            _federate(lab, kind, case[kind])
        _check_error_message(excinfo, expect)
        if isinstance(excinfo.value, iamlab.AccessDeniedError) and excinfo.value.decision:
            for text in expect.get("explain_contains") or []:
                assert text in excinfo.value.decision.explain(), excinfo.value.decision.explain()
        return
    assert expect.get("ok") is True, "a federated case expects ok: true or an error"
    session = _federate(lab, kind, case[kind])
    if "arn" in expect:
        assert session.arn == expect["arn"]
    if "role_arn" in expect:
        assert session.role.arn == expect["role_arn"]
    if "expiration" in expect:
        assert session.credentials.expiration == _time(expect["expiration"])
    if "source_identity" in expect:
        assert session.source_identity == expect["source_identity"]
    assert session.credentials.access_key_id.startswith("ASIA")
    for text in expect.get("explain_contains") or []:
        assert text in session.decision.explain(), session.decision.explain()


def _run_load(case: dict[str, Any]) -> None:
    expect = case["expect"]
    with pytest.raises(_expect_error(expect)) as excinfo:
        iamlab.Lab.from_dict(copy.deepcopy(case["load"]))
    _check_error_message(excinfo, expect)


@pytest.mark.parametrize(
    ("path", "case"),
    ALL_CASES,
    ids=[case["id"] for _, case in ALL_CASES],
)
def test_case(path: Path, case: dict[str, Any]) -> None:
    """Does iamlab decide this case the way the AWS documentation says AWS does?"""
    if "load" in case:
        _run_load(case)
        return
    lab = _lab_for(path, case)
    if "request" in case:
        _run_request(lab, case)
    elif "assume_role" in case:
        _run_assume(lab, case)
    else:
        _run_federated(lab, next(k for k in FEDERATED_KINDS if k in case), case)


# --- the corpus itself ------------------------------------------------------------------


def test_case_ids_are_unique() -> None:
    """Is every case id used once across all case files?"""
    counts = Counter(case["id"] for _, case in ALL_CASES)
    assert [name for name, n in counts.items() if n > 1] == []


def test_corpus_is_large_enough() -> None:
    """Does the corpus still hold at least 150 cases?"""
    assert len(ALL_CASES) >= 150


@pytest.mark.parametrize("path", _case_files(), ids=lambda p: p.stem)
def test_case_file_shape(path: Path) -> None:
    """Does the case file have a title, a default doc link and well-formed cases?"""
    data = _load_file(path)
    assert set(data) <= {"title", "doc", "lab", "labs", "cases"}, sorted(data)
    assert data.get("title"), "a case file needs a title"
    assert data.get("cases"), "a case file needs cases"
    for case in data["cases"]:
        where = f"{path.name}: {case.get('id')}"
        assert case.get("id") and case.get("title"), f"{where}: id and title are required"
        kinds = [kind for kind in CASE_KINDS if kind in case]
        assert len(kinds) == 1, f"{where}: exactly one of {CASE_KINDS}"
        expect = case.get("expect") or {}
        if "error" in expect:
            assert expect["error"] in ERRORS, where
        elif "request" in case:
            assert expect.get("result") in RESULTS, where
            assert set(expect.get("decided_by") or []) <= POLICY_KINDS, where
        elif "assume_role" in case or any(k in case for k in FEDERATED_KINDS):
            assert expect.get("ok") is True, where
        else:
            pytest.fail(f"{where}: a load case must expect an error")


@pytest.mark.parametrize(
    ("path", "case"),
    ALL_CASES,
    ids=[case["id"] for _, case in ALL_CASES],
)
def test_case_cites_aws_documentation(path: Path, case: dict[str, Any]) -> None:
    """Does the case cite a page of the IAM User Guide (or the STS/Organizations docs)?"""
    doc = _doc_of(path, case)
    assert doc, "each case needs a doc link, in the case or at the top of its file"
    assert doc.startswith("https://docs.aws.amazon.com/"), doc
    parts = urlsplit(doc)
    folder, _, page = parts.path.rpartition("/")
    assert page in DOC_PAGES.get(folder + "/", set()), f"not a known documentation page: {doc}"


@pytest.mark.parametrize("path", sorted(LABS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_lab_file_loads(path: Path) -> None:
    """Does every example lab in labs/ load?"""
    assert iamlab.Lab.load(path) is not None
