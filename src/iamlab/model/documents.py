"""Reading JSON and YAML from strangers, within documented ceilings.

Lab files and policies come from learners, from the internet and from other instructors'
banks. What is read here is bounded before anything else looks at it:

- a lab file or text holds at most :data:`MAX_TEXT` characters;
- a document has at most :data:`MAX_NODES` values (counting every use of a YAML alias, so a
  "billion laughs" file of a few hundred bytes is refused, not expanded) and is at most
  :data:`MAX_DEPTH` levels deep (which also refuses a cycle);
- a key given twice in one object or mapping is refused with its place: the IAM docs give
  duplicate keys no meaning, and "last one wins" would turn a learner's Deny into an Allow;
- JSON's non-standard ``NaN`` and ``Infinity`` are refused, and numbers too large to read.

Everything refused raises :class:`~iamlab.errors.PolicyError` naming the place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

from iamlab.errors import PolicyError
from iamlab.safe_repr import safe_repr

MAX_TEXT = 4_000_000  # characters of one lab file (a 1,000-user lab is about 340,000)
MAX_NODES = 500_000  # values in one document, aliases expanded
MAX_DEPTH = 64  # levels of nesting (a policy needs 7, a lab about 12 more)

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicatedKeys(dict[str, Any]):
    """A JSON object that had a key twice: the walk below reports it with its place."""

    duplicates: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    duplicates = []
    for key, value in pairs:
        if key in out:
            duplicates.append(key)
        out[key] = value
    if not duplicates:
        return out
    marked = DuplicatedKeys(out)
    marked.duplicates = duplicates
    return marked


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def json_loads(text: str) -> Any:
    """``json.loads`` that keeps track of duplicate keys (reported with their place when the
    document is checked) and raises only ``json.JSONDecodeError``, for editors that show the
    line: deep nesting, NaN and over-long numbers become a JSONDecodeError too."""
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    except ValueError as exc:
        raise json.JSONDecodeError(safe_repr(str(exc), 200), text, 0) from None


def load_json(text: object, place: str, *, check: bool = True) -> object:
    """Parse JSON text (``str`` or UTF-8 ``bytes``); every problem is a PolicyError."""
    text = as_text(text, place)
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise PolicyError(
            place, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise PolicyError(
            place, f"the JSON is nested too deeply (over {MAX_DEPTH} levels)"
        ) from None
    except ValueError as exc:  # NaN, Infinity, a number with thousands of digits
        raise PolicyError(place, f"invalid JSON: {safe_repr(str(exc), 200)}") from None
    if check:
        check_tree(data, place)
    return data


def as_text(text: object, place: str) -> str:
    """``text`` as a ``str`` within :data:`MAX_TEXT`; bytes must be UTF-8."""
    if isinstance(text, (bytes, bytearray)):
        if len(text) > 4 * MAX_TEXT:
            raise PolicyError(place, _too_long(len(text)))
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PolicyError(
                place, f"the text is not UTF-8 (byte {exc.start} cannot be decoded)"
            ) from None
    if not isinstance(text, str):
        raise PolicyError(place, f"expected JSON text (a string), got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise PolicyError(place, _too_long(len(text)))
    return text


def _too_long(size: int) -> str:
    return f"{size:,} characters is more than iamlab reads ({MAX_TEXT:,} at most)"


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's when available) that refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):  # keys as written (tag and text)
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise PolicyError(
                        f"line {key_node.start_mark.line + 1}",
                        f"the key {safe_repr(key_node.value)} appears twice in one mapping "
                        f"(first at line {seen[key]}); a key may appear only once",
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def load_yaml(text: object, place: str, *, check: bool = True) -> object:
    """Parse YAML text safely (no tags that build objects); every problem is a PolicyError.

    ``check=False`` leaves :func:`check_tree` to the caller (the lab loader runs it anyway).
    """
    text = as_text(text, place)
    try:
        _check_yaml_depth(text)
        data = yaml.load(text, Loader=_Loader)
    except PolicyError as exc:
        raise PolicyError(place, f"{exc.place}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(place, f"invalid YAML{where}: {safe_repr(problem, 200)}") from None
    except RecursionError:
        raise PolicyError(
            place, f"the YAML is nested too deeply (over {MAX_DEPTH} levels)"
        ) from None
    except ValueError as exc:  # e.g. a timestamp with a day out of range
        raise PolicyError(place, f"invalid YAML: {safe_repr(str(exc), 200)}") from None
    if check:
        check_tree(data, place)
    return data


_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_LINE_START = re.compile(r"^[ \t\-?:]{16,}", re.MULTILINE)  # deep block nesting starts so
_SURELY_SHALLOW = 2_000  # levels libyaml composes safely (it crashed at tens of thousands)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_yaml_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before composing: libyaml's parser keeps its own
    stack, but composing nodes recurses in C, and 50,000 nested "[" crash the interpreter."""
    flow = text.count("[") + text.count("{")
    block = max((len(m) for m in _LINE_START.findall(text)), default=0)
    if flow + block < _SURELY_SHALLOW:  # nesting needs one of these per level: skip the scan
        return
    depth = 0
    for event in yaml.parse(text, Loader=_BASE_LOADER):
        kind = type(event)
        if kind in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise PolicyError(
                    f"line {mark.line + 1}, column {mark.column + 1}" if mark else "",
                    f"the YAML is nested more than {MAX_DEPTH} levels deep",
                )
        elif kind in _CLOSE:
            depth -= 1


def check_tree(data: object, place: str, *, max_nodes: int = MAX_NODES) -> None:
    """Refuse a document with too many values, too many levels, a cycle or a duplicate key.

    Iterative (never recursion), and stops at the first problem or after ``max_nodes``.
    """
    stack: list[tuple[object, int, str]] = [(data, 0, place)]
    nodes = 0
    while stack:
        node, depth, where = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise PolicyError(
                place,
                f"the document has more than {max_nodes:,} values (YAML aliases count each "
                f"time they are used); iamlab refuses it",
            )
        if depth > MAX_DEPTH:
            raise PolicyError(
                where if len(where) < 200 else place,
                f"nested more than {MAX_DEPTH} levels deep (or it contains itself)",
            )
        if isinstance(node, DuplicatedKeys):
            key = node.duplicates[0]
            raise PolicyError(
                _join(where, key),
                "this key appears twice in one object; a key may appear only once "
                "(with JSON's usual reading the last one would silently win)",
            )
        if isinstance(node, Mapping):
            nodes += len(node)
            for key, value in node.items():
                if isinstance(value, (Mapping, list, tuple)):
                    stack.append((value, depth + 1, _join(where, key)))
        elif isinstance(node, (list, tuple)):
            nodes += len(node)
            for i, value in enumerate(node):
                if isinstance(value, (Mapping, list, tuple)):
                    stack.append((value, depth + 1, f"{where}[{i}]"))


def _join(where: str, key: object) -> str:
    text = key if isinstance(key, str) and len(key) <= 80 else safe_repr(key, 60)
    return f"{where}.{text}" if where else str(text)
