"""The graded course's answer banks: the public ones shipped in ``iamlab/course/bank/``, and
an instructor's private bank (a folder of ``ps01.yaml`` ... or one YAML file whose top-level keys
are the assignments) replacing the public bank of the same assignment."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from iamlab.errors import PolicyError
from iamlab.model.documents import load_yaml

ASSIGNMENTS = ("ps01", "ps02", "ps03", "ps04")


class BankError(ValueError):
    """An answer bank is missing a field or is malformed; the message says where."""


def public_bank(assignment: str) -> dict[str, Any]:
    text = (
        resources.files("iamlab.course")
        .joinpath("bank", f"{assignment}.yaml")
        .read_text(encoding="utf-8")
    )
    return _mapping(_read(text, f"public bank {assignment}"), f"public bank {assignment}")


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
                banks[name] = _mapping(_read_file(path), str(path))
    elif bank.is_file():
        data = _mapping(_read_file(bank), str(bank))
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


def _read(text: str, where: str) -> object:
    """A bank's YAML, read with the engine's bounded reader (depth, aliases, duplicate keys)."""
    try:
        return load_yaml(text, where)
    except PolicyError as exc:
        raise BankError(str(exc)) from None


def _read_file(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    return _read(text, str(path))


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BankError(f"{where}: expected a mapping at the top")
    return value


def need(data: Mapping[str, Any], field: str, where: str) -> Any:
    if field not in data or data[field] in (None, ""):
        raise BankError(f"{where}: missing '{field}'")
    return data[field]
