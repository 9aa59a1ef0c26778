"""Loading and checking a scenario bank: YAML files of "user, group, role or root?" scenarios.

One schema, read by the quiz widget, the graded ps01 and the notebooks::

    - id: Q01                      # unique in the bank: a letter, then letters/digits/-/_
                                   # (the quiz's bank uses Q01..., ps01's S01...: never both)
      title: maria signs in        # a few words
      scenario: ...                # what the learner reads
      answer: role                 # user | group | role | root: AWS's current guidance
      why: ...                     # the explanation, grounded in the IAM User Guide
      doc: https://docs.aws.amazon.com/IAM/latest/UserGuide/...   # the page it comes from
      section: notebooks/05.01-choosing-user-group-or-role.ipynb#When-to-use-a-role
      hint: ...                    # optional: a nudge before answering
      tags: [coffee-shop, people]  # optional
      classic_answer: user         # optional: what the classic "IAM user vs role" analogy says
      classic_note: ...            # required with classic_answer: why today's answer differs

A file holds a list of scenarios, or a mapping whose ``scenarios`` key holds that list (its
other keys belong to whoever uses the file, e.g. an assignment's title). Every problem is a
:class:`~iamlab.PolicyError` whose place names the file, the scenario and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final, overload

from iamlab.arguments import check_path
from iamlab.errors import IamlabError, PolicyError
from iamlab.model.documents import MAX_TEXT, load_yaml
from iamlab.safe_repr import safe_repr

USER: Final = "user"
GROUP: Final = "group"
ROLE: Final = "role"
ROOT: Final = "root"
#: The four answers, in the order the quiz shows them.
ANSWERS: Final = (USER, GROUP, ROLE, ROOT)

_REQUIRED = ("id", "title", "scenario", "answer", "why", "doc")
_OPTIONAL = ("section", "hint", "tags", "classic_answer", "classic_note")
_ID = re.compile(r"\A[A-Za-z][A-Za-z0-9_-]*\Z")
_SUFFIXES = (".yaml", ".yml")


class UnknownScenarioError(IamlabError, LookupError):
    """A scenario id that the bank does not contain."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """One scenario: the text a learner reads, the answer AWS recommends today, and why."""

    id: str
    title: str
    scenario: str
    answer: str
    why: str
    doc: str
    section: str = ""
    hint: str = ""
    tags: tuple[str, ...] = ()
    classic_answer: str | None = None
    classic_note: str = ""
    source: str = field(default="", compare=False)  # the file it was read from

    @property
    def classic_differs(self) -> bool:
        """Would the classic "IAM user vs IAM role" analogy answer differently?"""
        return self.classic_answer is not None and self.classic_answer != self.answer


class ScenarioBank(Sequence[Scenario]):
    """The scenarios of one bank, in file order; a read-only sequence with a few queries."""

    def __init__(self, scenarios: Iterable[Scenario], *, source: str = "") -> None:
        self._scenarios = tuple(scenarios)
        self._by_id = {s.id: s for s in self._scenarios}
        self.source = source

    @overload
    def __getitem__(self, index: int) -> Scenario: ...
    @overload
    def __getitem__(self, index: slice) -> ScenarioBank: ...
    def __getitem__(self, index: int | slice) -> Scenario | ScenarioBank:
        if isinstance(index, slice):
            return ScenarioBank(self._scenarios[index], source=self.source)
        return self._scenarios[index]

    def __len__(self) -> int:
        return len(self._scenarios)

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self._scenarios)

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {a}" for a, n in self.counts().items() if n)
        where = f" from {self.source}" if self.source else ""
        return f"<ScenarioBank{where}: {len(self)} scenarios ({counts})>"

    def by_id(self, scenario_id: str) -> Scenario:
        """The scenario with this id; :class:`UnknownScenarioError` when there is none."""
        try:
            return self._by_id[scenario_id]
        except KeyError:
            known = ", ".join(self._by_id) or "none"
            raise UnknownScenarioError(
                f"no scenario {safe_repr(scenario_id)} in this bank (ids: {known})"
            ) from None

    def filter(
        self, *, tags: str | Iterable[str] | None = None, answer: str | None = None
    ) -> ScenarioBank:
        """The scenarios carrying every tag in ``tags`` (and with ``answer``, if given)."""
        wanted = {tags} if isinstance(tags, str) else set(tags or ())
        if answer is not None and answer not in ANSWERS:
            raise PolicyError("answer", f"{safe_repr(answer)} is not one of {', '.join(ANSWERS)}")
        return ScenarioBank(
            (
                s
                for s in self._scenarios
                if wanted <= set(s.tags) and (answer is None or s.answer == answer)
            ),
            source=self.source,
        )

    def answers(self) -> dict[str, str]:
        """The answer key: scenario id -> answer."""
        return {s.id: s.answer for s in self._scenarios}

    def counts(self) -> dict[str, int]:
        """How many scenarios have each answer (all four labels, zeros included)."""
        out = dict.fromkeys(ANSWERS, 0)
        for s in self._scenarios:
            out[s.answer] += 1
        return out

    def tags(self) -> list[str]:
        """Every tag used, sorted."""
        return sorted({t for s in self._scenarios for t in s.tags})


def load_bank(path: str | Path | None = None) -> ScenarioBank:
    """Load a scenario bank: the packaged one, or a YAML file or a folder of YAML files.

    Files in a folder are read in name order. Ids must be unique across the whole bank.
    """
    if path is None:
        folder = resources.files("iamlab.scenarios") / "data"
        files: list[Traversable | Path] = sorted(
            (f for f in folder.iterdir() if f.name.endswith(_SUFFIXES)), key=lambda f: f.name
        )
        source = "iamlab.scenarios (packaged bank)"
    else:
        root = check_path(path, "load_bank")
        source = str(root)
        if root.is_dir():
            files = [f for f in sorted(root.iterdir()) if f.suffix in _SUFFIXES and f.is_file()]
            if not files:
                raise PolicyError(source, "this folder has no .yaml scenario files")
        elif root.is_file():
            files = [root]
        else:
            raise PolicyError(source, "no such file or folder")
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for file in files:
        name = _display(file, path is None)
        for scenario in _read_file(file, name):
            if scenario.id in seen:
                raise PolicyError(
                    f"{name}: {scenario.id}.id",
                    f"duplicate id {safe_repr(scenario.id)}: already used in {seen[scenario.id]}",
                )
            seen[scenario.id] = name
            scenarios.append(scenario)
    if not scenarios:
        raise PolicyError(source, "the bank has no scenarios")
    return ScenarioBank(scenarios, source=source)


def _display(file: Traversable | Path, packaged: bool) -> str:
    return f"iamlab/scenarios/data/{file.name}" if packaged else str(file)


def _read_file(file: Traversable | Path, name: str) -> list[Scenario]:
    try:
        if isinstance(file, Path) and file.exists() and not file.is_file():
            raise PolicyError(name, "a scenario bank must be a regular file")  # a FIFO blocks
        if isinstance(file, Path) and file.stat().st_size > 4 * MAX_TEXT:
            raise PolicyError(
                name, f"the file is larger than iamlab reads ({MAX_TEXT:,} characters)"
            )
        raw = file.read_bytes()
    except OSError as exc:
        raise PolicyError(name, f"cannot be read: {safe_repr(str(exc), 200)}") from None
    data = load_yaml(raw, name)  # bounded: size, depth, aliases expanded, duplicate keys
    if isinstance(data, Mapping) and "scenarios" in data:
        data = data["scenarios"]
        if not isinstance(data, list):
            raise PolicyError(f"{name}: scenarios", f"expected a list, got {_kind(data)}")
    if not isinstance(data, list):
        raise PolicyError(
            name,
            f"expected a list of scenarios (or a mapping with a 'scenarios:' list), got "
            f"{_kind(data)}",
        )
    return [_scenario(raw, name, i) for i, raw in enumerate(data)]


def _scenario(raw: object, name: str, index: int) -> Scenario:
    where = f"{name}: scenarios[{index}]"
    if not isinstance(raw, Mapping):
        raise PolicyError(where, f"a scenario is a mapping of fields, got {_kind(raw)}")
    raw_id = raw.get("id")
    if isinstance(raw_id, str) and _ID.match(raw_id):
        where = f"{name}: {raw_id}"

    def place(key: str) -> str:
        return f"{where}.{key}"

    unknown = [str(k) for k in raw if k not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise PolicyError(
            place(unknown[0]),
            f"unknown field; a scenario has {', '.join(_REQUIRED + _OPTIONAL)}",
        )
    for key in _REQUIRED:
        if key not in raw or raw[key] is None:
            raise PolicyError(place(key), "missing: every scenario needs " + ", ".join(_REQUIRED))
    values: dict[str, Any] = {k: _text(raw[k], place(k)) for k in _REQUIRED}
    if not _ID.match(values["id"]):
        raise PolicyError(
            place("id"),
            f"{safe_repr(values['id'])}: an id starts with a letter, then letters, digits, - or _ "
            f"(e.g. Q01)",
        )
    if values["answer"] not in ANSWERS:
        raise PolicyError(
            place("answer"), f"{safe_repr(values['answer'])} is not one of {', '.join(ANSWERS)}"
        )
    if not values["doc"].startswith("https://"):
        raise PolicyError(place("doc"), f"{safe_repr(values['doc'])} is not an https:// link")
    for key in ("section", "hint", "classic_note"):
        if raw.get(key) is not None:
            values[key] = _text(raw[key], place(key))
    tags = raw.get("tags")
    if tags is not None:
        if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
            raise PolicyError(place("tags"), "expected a list of words, e.g. [coffee-shop, people]")
        values["tags"] = tuple(t.strip() for t in tags)
    classic = raw.get("classic_answer")
    if classic is not None:
        if classic not in ANSWERS:
            raise PolicyError(
                place("classic_answer"), f"{safe_repr(classic)} is not one of {', '.join(ANSWERS)}"
            )
        if classic == values["answer"]:
            raise PolicyError(
                place("classic_answer"),
                "is the same as answer; give it only where the classic analogy differs",
            )
        if not values.get("classic_note"):
            raise PolicyError(
                place("classic_note"), "missing: say why the classic answer differs from today's"
            )
        values["classic_answer"] = classic
    elif values.get("classic_note"):
        raise PolicyError(place("classic_answer"), "missing: classic_note needs a classic_answer")
    return Scenario(**values, source=name)


def _text(value: object, place: str) -> str:
    if not isinstance(value, str):
        raise PolicyError(place, f"expected text, got {_kind(value)}")
    text = " ".join(value.split()) if "\n" not in value.strip() else value.strip()
    if not text:
        raise PolicyError(place, "is empty")
    return text


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
    }.get(type(value), type(value).__name__)
