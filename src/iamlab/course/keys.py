"""The answer keys of the graded course, kept on the instructor's side only.

A grade cell holds no key: its one visible check records the learner's answer as plain data,
and the grader (:mod:`iamlab.course.verify`, outside the learner's kernel) looks the key up by
the cell's ``grade_id`` in ``keys/<assignment>.json`` of the course directory. That folder is
written by ``make release`` next to ``source/`` (never inside ``source/<assignment>/``, which
nbgrader copies into ``release/``), so no key ever reaches a student's kernel or release.

A key file maps each grade id to ``{"record": kind, "checks": [{"kind": ..., "key": ...}]}``:
the kind of answer the cell records, and the checks the answer must pass, in order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from iamlab.course.banks import BankError, need
from iamlab.course.breadth import identity_breadth, trust_breadth

KEYS_FOLDER = "keys"

Keys = dict[str, dict[str, Any]]


def entry(record: str, *checks: tuple[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One grade cell's key: the answer kind it records, and its checks in order."""
    return {"record": record, "checks": [{"kind": k, "key": dict(v)} for k, v in checks]}


def keys_path(course: Path, assignment: str) -> Path:
    return Path(course) / KEYS_FOLDER / f"{assignment}.json"


def write_keys(course: Path, assignment: str, keys: Keys) -> Path:
    path = keys_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_keys(course: Path, assignment: str) -> Keys:
    """The keys of ``assignment``, or an empty mapping when there are none."""
    path = keys_path(course, assignment)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def policy_key(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The answer key of a policy part: a small lab, where the answer goes, the requests."""
    kind = str(part.get("policy_kind", "identity"))
    if "attach" in part:
        attach = part["attach"]
        account = str(part.get("account", "111122223333"))
        group, member = need(attach, "group", where), need(attach, "member", where)
        lab = {
            "accounts": {
                account: {
                    "name": "coffee-shop",
                    "groups": {group: {}},
                    "users": {member: {"groups": [group]}},
                }
            }
        }
        place = ["accounts", account, "groups", group, "inline_policies", "YourPolicy"]
        requests = [{"principal": member, **_request(r)} for r in part.get("requests", ())]
    else:
        lab = dict(need(part, "lab", where))
        place = [str(p) for p in need(part, "place", where)]
        requests = [_request(r) for r in part.get("requests", ())]
    key: dict[str, Any] = {"lab": lab, "place": place, "policy_kind": kind}
    if requests:
        key["requests"] = requests
    if part.get("assume"):
        key["assume"] = [dict(a) for a in part["assume"]]
    if "attach" in part:
        key["breadth"] = identity_breadth(
            str(part["attach"]["member"]), key.get("requests", []), part.get("also_allowed", ())
        )
    elif part.get("breadth"):
        key["breadth"] = trust_breadth(lab, part["breadth"])
    if not requests and not part.get("assume"):
        raise BankError(f"{where}: a policy part needs 'requests' or 'assume'")
    return key


def _request(raw: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: raw[k] for k in ("principal", "action", "resource", "context") if k in raw}
    out["expect"] = raw.get("expect", "allow")
    if raw.get("why"):
        out["why"] = raw["why"]
    return out


def examples_key(key: Mapping[str, Any]) -> dict[str, Any]:
    """The visible self-check's key: the same lab, only the requests that must be allowed."""
    small = {k: key[k] for k in ("lab", "place", "policy_kind")}
    for field in ("requests", "assume"):
        allowed = [r for r in key.get(field, ()) if r["expect"] == "allow"]
        if allowed:
            small[field] = allowed
    return small


def predictions_key(part: Mapping[str, Any], lab_root: Path, where: str) -> dict[str, Any]:
    import iamlab

    lab_file = lab_root / str(need(part, "lab_file", where))
    expected: dict[str, str] = {}
    titles: dict[str, str] = {}
    why: dict[str, str] = {}
    for i, req in enumerate(need(part, "requests", where)):
        place = f"{where}: requests[{i}]"
        lab = iamlab.Lab.load(lab_file)
        principal: Any = (
            lab.sign_in(**req["sign_in"]) if req.get("sign_in") else need(req, "who", place)
        )
        if req.get("role"):
            principal = lab.assume_role(
                principal,
                req["role"],
                session_name="ps03",
                context=req.get("role_context"),
                external_id=req.get("external_id"),
            )
        decision = lab.evaluate(
            principal,
            need(req, "action", place),
            need(req, "resource", place),
            context=req.get("context"),
        )
        rid = str(need(req, "id", place))
        expected[rid] = decision.result
        titles[rid] = str(need(req, "text", place))
        why[rid] = (str(req["why"]).strip() + " " if req.get("why") else "") + _conclusion(decision)
    return {"expected": expected, "titles": titles, "why": why}


def _conclusion(decision: Any) -> str:
    """The explanation's one-line result ("DENIED (explicitly: ...) — decided by: ...")."""
    text: str = decision.explain()
    for line in text.splitlines():
        if line.startswith("Result: "):
            return "AWS: " + line.removeprefix("Result: ").strip() + "."
    decided = ", ".join(decision.decided_by) or "nothing"
    return f"{decision.result} (decided by: {decided})"
