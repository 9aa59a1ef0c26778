"""Build the instructor notebooks (``source/``) and answer keys (``keys/``) of the graded course.

``python -m iamlab.course.build [--bank PATH] [--out COURSE_DIR] [--lab-root DIR]``

The banks (:mod:`iamlab.course.banks`) give each assignment's parts; this module turns them
into cells (:mod:`iamlab.course.cells`) and keys (:mod:`iamlab.course.keys`). The output is a
course directory: ``source/header.ipynb``, ``source/<assignment>/<assignment>.ipynb``,
``keys/<assignment>.json``, plus ``nbgrader_config.py`` when the output is not the repository
itself.

Everything written is a pure function of the banks and the lab files: building twice gives
byte-identical files.
"""

# nbformat ships no type information.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat

from iamlab.course.banks import ASSIGNMENTS, BankError, load_banks, need
from iamlab.course.cells import (
    code,
    flat,
    grade_cell,
    heading,
    literal,
    markdown,
    nbgrader_meta,
    notebook,
    part_title,
    slug,
    solution_cell,
)
from iamlab.course.keys import (
    Keys,
    entry,
    examples_key,
    policy_key,
    predictions_key,
    write_keys,
)
from iamlab.course.labels import DECISION_LABELS, IDENTITY_LABELS, label_name
from iamlab.course.sign_ins import sign_in_part_cells
from iamlab.course.tokens import tokens_part_cells

__all__ = ["ASSIGNMENTS", "BankError", "build_course", "load_banks", "write_course"]

Built = tuple[Any, Keys]


# ---------------------------------------------------------------------------- ps01


def build_labels_assignment(assignment: str, bank: Mapping[str, Any]) -> Built:
    keys: Keys = {}
    where = f"{assignment} bank"
    scenarios = need(bank, "scenarios", where)
    sections: dict[str, list[Mapping[str, Any]]] = {}
    seen: set[str] = set()
    for i, sc in enumerate(scenarios):
        place = f"{where}: scenarios[{i}]"
        for field in ("id", "title", "scenario", "answer", "why", "section"):
            need(sc, field, place)
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
            nbgrader_meta("setup", locked=True),
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
            f"answers[{flat(str(sc['id']))}] = {label_name(sc['answer'])}" for sc in items
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
                f'check("label-shape", answers, {literal(shape)})',
            )
        )
        keys[grade_id] = entry("label-shape", ("label-shape", shape), ("labels", key))
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
                        str(need(written, "prompt", f"{where}: written")).strip(),
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
                nbgrader_meta(
                    "written_answer", grade=True, solution=True, points=int(written["points"])
                ),
            )
        )
    return notebook(cells), keys


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


def policy_part_cells(index: int, part: Mapping[str, Any], where: str, keys: Keys) -> list[Any]:
    variable = need(part, "variable", where)
    points = int(need(part, "points", where))
    grade_id = need(part, "grade_id", where)
    key = policy_key(part, where)
    shape = {"policy_kind": key["policy_kind"]}
    pid = slug(str(part.get("id", variable)))
    cells = [
        markdown(
            f"part-{pid}",
            "\n".join(
                [
                    part_title(index, need(part, "title", where), points),
                    "",
                    str(need(part, "task", where)).strip(),
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
            need(part, "solution", where),
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
            need(part, "check", where),
            points,
            f'check("policy-shape", {variable}, {literal(shape)})',
        )
    )
    keys[grade_id] = entry("policy-shape", ("policy-shape", shape), ("policy", key))
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
        f"lab_data{''.join(f'[{flat(p)}]' for p in place[:-1])} = "
        f"{{{flat(place[-1])}: broken_policy}}",
        "lab = Lab.from_dict(lab_data)",
        f"decision = lab.evaluate({flat(member)}, {flat(failing['action'])}, "
        f"{flat(failing['resource'])})",
        "print(decision.explain())",
    ]
    return code(f"explain-{pid}", "\n".join(lines), nbgrader_meta(f"explain_{pid}", locked=True))


def predictions_part_cells(
    index: int, part: Mapping[str, Any], lab_root: Path, where: str, keys: Keys
) -> list[Any]:
    variable = need(part, "variable", where)
    points = int(need(part, "points", where))
    key = predictions_key(part, lab_root, where)
    pid = slug(str(part.get("id", variable)))
    table = ["| id | request |", "|---|---|"]
    table += [f"| {rid} | {text} |" for rid, text in key["titles"].items()]
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
            need(part, "grade_id", where),
            need(part, "check", where),
            points,
            f'check("label-shape", {variable}, {literal(shape)})',
        )
    )
    keys[need(part, "grade_id", where)] = entry(
        "label-shape", ("label-shape", shape), ("labels", key)
    )
    return cells


# ---------------------------------------------------------------------------- assembling


def build_parts_assignment(assignment: str, bank: Mapping[str, Any], lab_root: Path) -> Built:
    keys: Keys = {}
    where = f"{assignment} bank"
    imports = "from iamlab.course import check, review"
    if any(p.get("type") == "predictions" for p in bank.get("parts", ())):
        imports = (
            "from iamlab.course import ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED, check, review"
        )
    cells = [
        heading(assignment, bank, where),
        code("setup", imports, nbgrader_meta("setup", locked=True)),
    ]
    for index, part in enumerate(need(bank, "parts", where)):
        place = f"{where}: parts[{index}]"
        if part.get("type", "policy") == "predictions":
            cells += predictions_part_cells(index, part, lab_root, place, keys)
        elif part.get("type") == "tokens":
            cells += tokens_part_cells(index, part, place, keys)
        elif part.get("type") == "sign-in":
            cells += sign_in_part_cells(index, part, lab_root, place, keys)
        else:
            cells += policy_part_cells(index, part, place, keys)
    return notebook(cells), keys


def header_notebook() -> Any:
    text = resources.files("iamlab.course").joinpath("header.md").read_text(encoding="utf-8")
    return notebook([markdown("course-header", text)])


def build_course(
    banks: Mapping[str, Mapping[str, Any]], lab_root: Path
) -> tuple[dict[str, Any], dict[str, Keys]]:
    """Return ``{path under source/: notebook}`` and ``{assignment: keys}``."""
    notebooks = {"header.ipynb": header_notebook()}
    keys: dict[str, Keys] = {}
    for name in ASSIGNMENTS:
        bank = banks[name]
        if "scenarios" in bank:
            nb, keys[name] = build_labels_assignment(name, bank)
        else:
            nb, keys[name] = build_parts_assignment(name, bank, lab_root)
        notebooks[f"{name}/{name}.ipynb"] = nb
    return notebooks, keys


def write_course(out: Path, bank: Path | None = None, lab_root: Path | None = None) -> list[Path]:
    """Write ``out/source/``, ``out/keys/`` (and ``nbgrader_config.py`` for a separate course)."""
    here = Path(__file__).resolve()
    repo = lab_root or _repo_root(here) or Path.cwd()
    written = []
    notebooks, keys = build_course(load_banks(bank), repo)
    for rel, nb in notebooks.items():
        path = out / "source" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        written.append(path)
    for name, assignment_keys in keys.items():
        written.append(write_keys(out, name, assignment_keys))
    config = repo / "nbgrader_config.py"
    if config.exists() and out.resolve() != repo.resolve():
        shutil.copyfile(config, out / "nbgrader_config.py")
        written.append(out / "nbgrader_config.py")
    return written


def public_keys(course: Path, assignment: str) -> Keys:
    """The public bank's keys of ``assignment``, if ``course`` holds its public notebook.

    For a course directory copied without ``keys/`` (only ``source/``, as some hub setups
    do): when ``source/<assignment>/<assignment>.ipynb`` is byte for byte what the public
    bank builds, the public bank's keys are the right ones. Otherwise (a private bank whose
    ``keys/`` was not copied) there are none, and every grade cell scores zero saying so.
    """
    path = Path(course) / "source" / assignment / f"{assignment}.ipynb"
    if assignment not in ASSIGNMENTS or not path.is_file():
        return {}
    lab_root = Path(course) if (Path(course) / "labs").is_dir() else None
    notebooks, keys = _public_course(lab_root or _repo_root(Path(__file__).resolve()) or Path())
    built = nbformat.writes(notebooks[f"{assignment}/{assignment}.ipynb"]) + "\n"
    if path.read_text(encoding="utf-8") != built:
        return {}
    return keys[assignment]


_PUBLIC: dict[Path, tuple[dict[str, Any], dict[str, Keys]]] = {}


def _public_course(lab_root: Path) -> tuple[dict[str, Any], dict[str, Keys]]:
    if lab_root not in _PUBLIC:
        _PUBLIC[lab_root] = build_course(load_banks(), lab_root)
    return _PUBLIC[lab_root]


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
