"""Build the instructor notebooks (``source/``) of the graded course from its answer banks.

``python -m iamlab.course.build [--bank PATH] [--out COURSE_DIR] [--lab-root DIR]``

The public banks ship in ``iamlab/course/bank/`` (``ps01.yaml`` ...). An instructor's private
bank (a folder holding any of ``ps01.yaml``, ``ps02.yaml``, ``ps03.yaml``, or one YAML file
whose top-level keys are those names) replaces the public bank of the same assignment. The
output is a course directory: ``source/header.ipynb`` and
``source/<assignment>/<assignment>.ipynb``, plus ``nbgrader_config.py`` when the output is not
the repository itself.

Everything written is a pure function of the banks and the lab files: building twice gives
byte-identical notebooks.
"""

# nbformat, nbconvert, nbgrader and IPython ship no (or partial) type information: calling
# them from typed code, and subclassing their classes, is what this module is for.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat
import yaml

from iamlab.course.labels import DECISION_LABELS, IDENTITY_LABELS, label_name

ASSIGNMENTS = ("ps01", "ps02", "ps03")
PART_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
KERNEL_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


class BankError(ValueError):
    """An answer bank is missing a field or is malformed; the message says where."""


# ---------------------------------------------------------------------------- the banks


def public_bank(assignment: str) -> dict[str, Any]:
    text = (
        resources.files("iamlab.course")
        .joinpath("bank", f"{assignment}.yaml")
        .read_text(encoding="utf-8")
    )
    return _mapping(yaml.safe_load(text), f"public bank {assignment}")


def load_banks(bank: Path | None = None) -> dict[str, dict[str, Any]]:
    """Return the bank of each assignment: the private one where given, else the public one."""
    banks = {name: public_bank(name) for name in ASSIGNMENTS}
    if bank is None:
        return banks
    bank = Path(bank)
    if bank.is_dir():
        for name in ASSIGNMENTS:
            path = bank / f"{name}.yaml"
            if path.exists():
                banks[name] = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    elif bank.is_file():
        data = _mapping(yaml.safe_load(bank.read_text(encoding="utf-8")), str(bank))
        unknown = sorted(set(data) - set(ASSIGNMENTS))
        if unknown:
            raise BankError(
                f"{bank}: unknown top-level keys {unknown}; expected some of {list(ASSIGNMENTS)}"
            )
        for name, value in data.items():
            banks[name] = _mapping(value, f"{bank}: {name}")
    else:
        raise BankError(f"{bank}: no such file or folder")
    return banks


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BankError(f"{where}: expected a mapping at the top")
    return value


def _need(data: Mapping[str, Any], field: str, where: str) -> Any:
    if field not in data or data[field] in (None, ""):
        raise BankError(f"{where}: missing '{field}'")
    return data[field]


# ---------------------------------------------------------------------------- cells


def _nbgrader(
    grade_id: str,
    *,
    grade: bool = False,
    solution: bool = False,
    locked: bool = False,
    points: int | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def markdown(cell_id: str, text: str, nbgrader: dict[str, Any] | None = None) -> Any:
    cell = nbformat.v4.new_markdown_cell(text.strip("\n"))
    cell.id = cell_id
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def code(cell_id: str, source: str, nbgrader: dict[str, Any] | None = None) -> Any:
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    cell.id = cell_id
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def literal(value: object, indent: int = 0, width: int = 96) -> str:
    """Return ``value`` as a Python literal in the style ruff formats code.

    Short values stay on one line; longer dicts and lists put one item per line with a
    trailing comma. The result is ``ast.literal_eval``-able (the verifier depends on it).
    """
    flat = _flat(value)
    if len(flat) + indent <= width or not isinstance(value, dict | list) or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{_flat(k)}: {literal(v, indent + 4, width)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{literal(v, indent + 4, width)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _flat(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    raise BankError(f"{value!r} ({type(value).__name__}) cannot be written into a notebook")


def solution_cell(cell_id: str, body: str, hint: str = "") -> Any:
    lines = [hint] if hint else []
    lines += [SOLUTION_BEGIN, body.strip("\n"), SOLUTION_END]
    return code(cell_id, "\n".join(lines), _nbgrader(cell_id, solution=True))


def grade_cell(
    grade_id: str, question: str, points: int, visible: Iterable[str], hidden: Iterable[str]
) -> Any:
    question = question.replace('"""', "'''")
    lines = [
        f'"""{question}"""',
        "from iamlab.course import check",
        "",
        *visible,
        HIDDEN_BEGIN,
        *hidden,
        HIDDEN_END,
    ]
    return code(
        grade_id, "\n".join(lines), _nbgrader(grade_id, grade=True, locked=True, points=points)
    )


def heading(assignment: str, bank: Mapping[str, Any], where: str) -> Any:
    goals = "\n".join(f"- {g}" for g in bank.get("goals", ()))
    lines = [f"# {assignment} — {_need(bank, 'title', where)}", ""]
    if goals:
        lines += ["**Learning goals.** After this assignment you can:", "", goals, ""]
    if bank.get("before"):
        lines += [f"**Before you start.** {bank['before']}", ""]
    if bank.get("time"):
        lines += [f"**Time.** About {bank['time']}.", ""]
    if bank.get("intro"):
        lines += [str(bank["intro"]).strip()]
    return markdown("title", "\n".join(lines))


def part_title(index: int, title: str, points: int) -> str:
    unit = "point" if points == 1 else "points"
    return f"## Part {PART_LETTERS[index]} ({points} {unit}): {title}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# ---------------------------------------------------------------------------- ps01


def build_labels_assignment(assignment: str, bank: Mapping[str, Any]) -> Any:
    where = f"{assignment} bank"
    scenarios = _need(bank, "scenarios", where)
    sections: dict[str, list[Mapping[str, Any]]] = {}
    seen: set[str] = set()
    for i, sc in enumerate(scenarios):
        place = f"{where}: scenarios[{i}]"
        for field in ("id", "title", "scenario", "answer", "why", "section"):
            _need(sc, field, place)
        if sc["answer"] not in IDENTITY_LABELS:
            raise BankError(
                f"{place}: answer {sc['answer']!r} is not one of {list(IDENTITY_LABELS)}"
            )
        if sc["id"] in seen:
            raise BankError(f"{place}: id {sc['id']} appears twice")
        seen.add(sc["id"])
        sections.setdefault(str(sc["section"]), []).append(sc)
    points = int(bank.get("points_per_part", 3))
    overrides = {str(p["section"]): p for p in bank.get("parts", ())}

    cells = [
        heading(assignment, {**_ps01_defaults(), **bank}, where),
        code(
            "setup",
            "from iamlab.course import GROUP, ROLE, ROOT, USER, check, review\n\nanswers = {}",
            _nbgrader("setup", locked=True),
        ),
    ]
    labels = list(IDENTITY_LABELS)
    for index, (section, items) in enumerate(sections.items()):
        ids = [str(sc["id"]) for sc in items]
        part = overrides.get(section, {})
        grade_id = part.get("grade_id") or f"test_{slug(section)}_answers"
        span = ids[0] if len(ids) == 1 else f"{ids[0]}–{ids[-1]}"
        question = part.get("check") or (
            f"Do the answers to {span} ({section[:1].lower() + section[1:]}) match current AWS "
            "guidance?"
        )
        text = [
            part_title(index, section, points),
            "",
            "For each scenario, which identity does AWS recommend today: `USER`, `GROUP`, "
            "`ROLE` or `ROOT`?",
            "",
        ]
        for sc in items:
            text += [f"**{sc['id']} — {sc['title']}.** {str(sc['scenario']).strip()}", ""]
        cells.append(markdown(f"part-{slug(section)}", "\n".join(text)))
        body = "\n".join(
            f"answers[{_flat(str(sc['id']))}] = {label_name(sc['answer'])}" for sc in items
        )
        cells.append(
            solution_cell(
                f"answers_{slug(section)}",
                body,
                f'# One label per scenario: answers["{ids[0]}"] = ...',
            )
        )
        shape = {"ids": ids, "labels": labels}
        cells.append(
            code(
                f"self-check-{slug(section)}",
                f"# Self-check: are all {len(ids)} answers there, each a label?\n"
                f'review("label-shape", answers, {literal(shape)})',
            )
        )
        key = {
            "expected": {str(sc["id"]): sc["answer"] for sc in items},
            "titles": {str(sc["id"]): str(sc["title"]) for sc in items},
            "why": {str(sc["id"]): _why(sc) for sc in items},
        }
        cells.append(
            grade_cell(
                grade_id,
                question,
                points,
                [f'check("label-shape", answers, {literal(shape)})'],
                [f'check("labels", answers, {literal(key)})'],
            )
        )
    written = bank.get("written")
    if written:
        index = len(sections)
        cells.append(
            markdown(
                "part-written",
                "\n".join(
                    [
                        part_title(index, "In your own words", int(written["points"])),
                        "",
                        str(_need(written, "prompt", f"{where}: written")).strip(),
                        "",
                        "Write your answer in the cell below; it is graded by hand.",
                    ]
                ),
            )
        )
        cells.append(
            markdown(
                "written_answer",
                str(written.get("model_answer", "")).strip() or "(model answer)",
                _nbgrader(
                    "written_answer", grade=True, solution=True, points=int(written["points"])
                ),
            )
        )
    return _notebook(cells)


def _ps01_defaults() -> dict[str, Any]:
    return {
        "time": "40 minutes",
        "before": "The self-study notebooks on users, groups, roles and the root user "
        "(`notebooks/`).",
        "goals": [
            "Choose between an IAM user, a group, a role and the root user for a job",
            "Explain why AWS now recommends roles and federation where it once used users",
            "Recognize the few tasks that need the root user",
        ],
        "intro": "Each scenario below needs an identity. Answer with the labels `USER`, "
        "`GROUP`, `ROLE` and `ROOT` (imported in the first cell), following "
        '**current AWS guidance** — where the classic "one IAM user per person" '
        "analogy says otherwise, the guidance wins. Each part is graded as a whole; "
        "the feedback explains every scenario you missed.",
    }


def _why(sc: Mapping[str, Any]) -> str:
    text = " ".join(str(sc["why"]).split())
    if sc.get("classic_answer") and sc.get("classic_note"):
        text += (
            f" (The classic answer was {label_name(sc['classic_answer'])}: "
            f"{' '.join(str(sc['classic_note']).split())})"
        )
    if sc.get("doc"):
        text += f" See {sc['doc']}"
    return text


# ---------------------------------------------------------------------------- policies


def policy_key(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The answer key of a policy part: a small lab, where the answer goes, the requests."""
    kind = str(part.get("policy_kind", "identity"))
    if "attach" in part:
        attach = part["attach"]
        account = str(part.get("account", "111122223333"))
        group, member = _need(attach, "group", where), _need(attach, "member", where)
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
        lab = dict(_need(part, "lab", where))
        place = [str(p) for p in _need(part, "place", where)]
        requests = [_request(r) for r in part.get("requests", ())]
    key: dict[str, Any] = {"lab": lab, "place": place, "policy_kind": kind}
    if requests:
        key["requests"] = requests
    if part.get("assume"):
        key["assume"] = [dict(a) for a in part["assume"]]
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


def policy_part_cells(index: int, part: Mapping[str, Any], where: str) -> list[Any]:
    variable = _need(part, "variable", where)
    points = int(_need(part, "points", where))
    grade_id = _need(part, "grade_id", where)
    key = policy_key(part, where)
    pid = slug(str(part.get("id", variable)))
    cells = [
        markdown(
            f"part-{pid}",
            "\n".join(
                [
                    part_title(index, _need(part, "title", where), points),
                    "",
                    str(_need(part, "task", where)).strip(),
                    "",
                    f"Write the policy as a dict named `{variable}`.",
                ]
            ),
        )
    ]
    if part.get("broken"):
        cells.append(_broken_cell(pid, part, key))
    cells.append(
        solution_cell(
            f"answer_{pid}",
            _need(part, "solution", where),
            f'# {variable} = {{"Version": "2012-10-17", "Statement": [...]}}',
        )
    )
    cells.append(
        code(
            f"self-check-{pid}",
            "# Self-check: does the policy allow what the task says it must?\n"
            f'review("policy", {variable}, {literal(examples_key(key))})',
        )
    )
    cells.append(
        grade_cell(
            grade_id,
            _need(part, "check", where),
            points,
            [f'check("policy-shape", {variable}, {literal({"policy_kind": key["policy_kind"]})})'],
            [f'check("policy", {variable}, {literal(key)})'],
        )
    )
    return cells


def _broken_cell(pid: str, part: Mapping[str, Any], key: Mapping[str, Any]) -> Any:
    failing = part["failing"]
    member = part["attach"]["member"]
    lab_expr = literal(key["lab"])
    place = key["place"]
    lines = [
        "# The policy as the managers wrote it, and what AWS says about maria's request.",
        "from iamlab import Lab",
        "",
        f"broken_policy = {str(part['broken']).strip()}",
        "",
        f"lab_data = {lab_expr}",
        f"lab_data{''.join(f'[{_flat(p)}]' for p in place[:-1])} = "
        f"{{{_flat(place[-1])}: broken_policy}}",
        "lab = Lab.from_dict(lab_data)",
        f"decision = lab.evaluate({_flat(member)}, {_flat(failing['action'])}, "
        f"{_flat(failing['resource'])})",
        "print(decision.explain())",
    ]
    return code(f"explain-{pid}", "\n".join(lines), _nbgrader(f"explain_{pid}", locked=True))


# ---------------------------------------------------------------------------- predictions


def predictions_key(part: Mapping[str, Any], lab_root: Path, where: str) -> dict[str, Any]:
    import iamlab

    lab_file = lab_root / str(_need(part, "lab_file", where))
    expected: dict[str, str] = {}
    titles: dict[str, str] = {}
    why: dict[str, str] = {}
    for i, req in enumerate(_need(part, "requests", where)):
        place = f"{where}: requests[{i}]"
        lab = iamlab.Lab.load(lab_file)
        principal: Any = _need(req, "who", place)
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
            _need(req, "action", place),
            _need(req, "resource", place),
            context=req.get("context"),
        )
        rid = str(_need(req, "id", place))
        expected[rid] = decision.result
        titles[rid] = str(_need(req, "text", place))
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


def predictions_part_cells(
    index: int, part: Mapping[str, Any], lab_root: Path, where: str
) -> list[Any]:
    variable = _need(part, "variable", where)
    points = int(_need(part, "points", where))
    key = predictions_key(part, lab_root, where)
    pid = slug(str(part.get("id", variable)))
    table = ["| id | request |", "|---|---|"]
    table += [f"| {rid} | {text} |" for rid, text in key["titles"].items()]
    cells = [
        markdown(
            f"part-{pid}",
            "\n".join(
                [
                    part_title(index, _need(part, "title", where), points),
                    "",
                    str(_need(part, "task", where)).strip(),
                    "",
                    *table,
                    "",
                    f"Write your predictions as a dict named `{variable}`.",
                ]
            ),
        )
    ]
    body = "\n".join(
        [
            f"{variable} = {{",
            *(f'    "{rid}": {label_name(v)},' for rid, v in key["expected"].items()),
            "}",
        ]
    )
    first = next(iter(key["expected"]))
    cells.append(
        solution_cell(f"answer_{pid}", body, f'# {variable} = {{"{first}": ALLOWED, ...}}')
    )
    shape = {"ids": list(key["expected"]), "labels": list(DECISION_LABELS)}
    cells.append(
        code(
            f"self-check-{pid}",
            f"# Self-check: is there a prediction for each of the {len(shape['ids'])}"
            f' requests?\nreview("label-shape", {variable}, {literal(shape)})',
        )
    )
    cells.append(
        grade_cell(
            _need(part, "grade_id", where),
            _need(part, "check", where),
            points,
            [f'check("label-shape", {variable}, {literal(shape)})'],
            [f'check("labels", {variable}, {literal(key)})'],
        )
    )
    return cells


# ---------------------------------------------------------------------------- assembling


def build_parts_assignment(assignment: str, bank: Mapping[str, Any], lab_root: Path) -> Any:
    where = f"{assignment} bank"
    imports = "from iamlab.course import check, review"
    if any(p.get("type") == "predictions" for p in bank.get("parts", ())):
        imports = (
            "from iamlab.course import ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED, check, review"
        )
    cells = [
        heading(assignment, bank, where),
        code("setup", imports, _nbgrader("setup", locked=True)),
    ]
    for index, part in enumerate(_need(bank, "parts", where)):
        place = f"{where}: parts[{index}]"
        if part.get("type", "policy") == "predictions":
            cells += predictions_part_cells(index, part, lab_root, place)
        else:
            cells += policy_part_cells(index, part, place)
    return _notebook(cells)


def header_notebook() -> Any:
    text = resources.files("iamlab.course").joinpath("header.md").read_text(encoding="utf-8")
    return _notebook([markdown("course-header", text)])


def _notebook(cells: list[Any]) -> Any:
    nb = nbformat.v4.new_notebook(cells=cells, metadata=dict(KERNEL_METADATA))
    nb.nbformat_minor = 5
    nbformat.validate(nb)
    return nb


def build_notebooks(banks: Mapping[str, Mapping[str, Any]], lab_root: Path) -> dict[str, Any]:
    """Return ``{relative path under source/: notebook}`` for the header and each assignment."""
    out = {"header.ipynb": header_notebook()}
    for name in ASSIGNMENTS:
        bank = banks[name]
        if "scenarios" in bank:
            nb = build_labels_assignment(name, bank)
        else:
            nb = build_parts_assignment(name, bank, lab_root)
        out[f"{name}/{name}.ipynb"] = nb
    return out


def write_course(out: Path, bank: Path | None = None, lab_root: Path | None = None) -> list[Path]:
    """Write ``out/source/...`` (and ``out/nbgrader_config.py`` for a separate course)."""
    here = Path(__file__).resolve()
    repo = lab_root or _repo_root(here) or Path.cwd()
    written = []
    for rel, nb in build_notebooks(load_banks(bank), repo).items():
        path = out / "source" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        written.append(path)
    config = repo / "nbgrader_config.py"
    if config.exists() and out.resolve() != repo.resolve():
        shutil.copyfile(config, out / "nbgrader_config.py")
        written.append(out / "nbgrader_config.py")
    return written


def _repo_root(start: Path) -> Path | None:
    for parent in start.parents:
        if (parent / "labs" / "coffee-shop.yaml").exists():
            return parent
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m iamlab.course.build", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--bank",
        type=Path,
        default=None,
        help="a private bank (folder or YAML file) outside the repository",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("."),
        help="the course directory to write source/ into (default: here)",
    )
    parser.add_argument(
        "--lab-root",
        type=Path,
        default=None,
        help="where lab files named by the banks live (default: the repo)",
    )
    args = parser.parse_args(argv)
    try:
        paths = write_course(args.out, args.bank, args.lab_root)
    except BankError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
