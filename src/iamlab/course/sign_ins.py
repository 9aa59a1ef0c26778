"""Predictions on IAM Identity Center sign-ins: which role the session is of (ps04, part B).

Each request is a sign-in (a user, a permission set, optionally an account) in a lab file; the
expected answer is the name of the role :meth:`iamlab.Lab.sign_in` gives the session, or
``"AccessDenied"`` when iamlab refuses it. The answers are computed from the lab when the
assignment is built (never typed by hand) and judged as labels (:mod:`iamlab.course.checks`,
kinds ``label-shape`` and ``labels``): the choices are the account's roles, listed in the task.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from iamlab.course.banks import need
from iamlab.course.cells import code, grade_cell, literal, markdown, part_title, slug, solution_cell

REFUSED = "AccessDenied"


def sign_in_key(part: Mapping[str, Any], lab_root: Path, where: str) -> dict[str, Any]:
    """``{"expected": {id: role name}, "titles", "why", "choices"}`` computed from the lab."""
    import iamlab

    lab = iamlab.Lab.load(lab_root / str(need(part, "lab_file", where)))
    expected: dict[str, str] = {}
    titles: dict[str, str] = {}
    why: dict[str, str] = {}
    accounts: set[str] = set()
    for i, req in enumerate(need(part, "requests", where)):
        place = f"{where}: requests[{i}]"
        rid = str(need(req, "id", place))
        try:
            session = lab.sign_in(
                str(need(req, "user", place)),
                permission_set=str(need(req, "permission_set", place)),
                account=req.get("account"),
            )
            expected[rid] = session.role.name
            accounts.add(session.account)
            found = f"iamlab: a session of {session.role.arn}, named {session.session_name}."
        except iamlab.AccessDeniedError as error:
            expected[rid] = REFUSED
            found = "iamlab: AccessDenied: " + " ".join(str(error).split())
        titles[rid] = str(need(req, "text", place))
        why[rid] = (str(req["why"]).strip() + " " if req.get("why") else "") + found
    account = next(iter(accounts), lab.default_account.id)
    choices = [*sorted(r.name for r in lab.roles() if r.account == account), REFUSED]
    return {"expected": expected, "titles": titles, "why": why, "choices": choices}


def sign_in_part_cells(
    index: int, part: Mapping[str, Any], lab_root: Path, where: str, keys: dict[str, Any]
) -> list[Any]:
    from iamlab.course.keys import entry

    variable = need(part, "variable", where)
    points = int(need(part, "points", where))
    grade_id = need(part, "grade_id", where)
    key = sign_in_key(part, lab_root, where)
    choices = key.pop("choices")
    pid = slug(str(part.get("id", variable)))
    table = ["| id | sign-in |", "|---|---|"]
    table += [f"| {rid} | {text} |" for rid, text in key["titles"].items()]
    listed = "\n".join(f"- `{c}`" for c in choices)
    cells = [
        markdown(
            f"part-{pid}",
            "\n".join(
                [
                    part_title(index, need(part, "title", where), points),
                    "",
                    str(need(part, "task", where)).strip(),
                    "",
                    *table,
                    "",
                    "The roles of the account (and the answer for a refused sign-in):",
                    "",
                    listed,
                    "",
                    f"Write your answers as a dict named `{variable}` of the names as text.",
                ]
            ),
        )
    ]
    body = "\n".join(
        [f"{variable} = {{", *(f'    "{r}": "{v}",' for r, v in key["expected"].items()), "}"]
    )
    first = next(iter(key["expected"]))
    cells.append(
        solution_cell(f"answer_{pid}", body, f'# {variable} = {{"{first}": "RoleName", ...}}')
    )
    shape = {"ids": list(key["expected"]), "labels": choices}
    cells.append(
        code(
            f"self-check-{pid}",
            f"# Self-check: is there an answer for each of the {len(shape['ids'])} sign-ins,"
            f' each a name from the list?\nreview("label-shape", {variable}, {literal(shape)})',
        )
    )
    cells.append(
        grade_cell(
            grade_id,
            need(part, "check", where),
            points,
            f'check("label-shape", {variable}, {literal(shape)})',
        )
    )
    keys[grade_id] = entry("label-shape", ("label-shape", shape), ("labels", key))
    return cells
