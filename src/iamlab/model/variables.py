"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team}``, ``${*}`` and friends.

Variables are replaced only in policies whose ``Version`` is ``2012-10-17``; under
``2008-10-17`` (or with no Version) the text is taken literally.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from iamlab.errors import PolicyError

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}
# In patterns (Resource, StringLike, ArnLike) ${*} and ${?} stand for a literal * or ?;
# these markers survive rendering and are read by matching.glob_to_regex as literals.
LITERAL_STAR = "\x00"
LITERAL_QUESTION = "\x01"
_SPECIAL_IN_PATTERN = {"*": LITERAL_STAR, "?": LITERAL_QUESTION, "$": "$"}
_WITH_DEFAULT = re.compile(r"\A\s*([^,\s][^,]*?)\s*,\s*'([^']*)'\s*\Z")
_KEY = re.compile(r"\A[A-Za-z0-9][\w:\-./@]*\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """A policy string containing variables, split into literal and variable pieces."""

    text: str
    pieces: tuple[tuple[str, str | None, str | None], ...]  # (literal, key, default)
    pattern_pieces: tuple[tuple[str, str | None, str | None], ...]  # same, for wildcard use

    def render(self, context: Mapping[str, object], *, pattern: bool = False) -> str | None:
        """The string with every variable replaced, or None when a variable has no value.

        A variable whose key is missing from the request context, and that has no default,
        leaves the policy element unmatched. With ``pattern=True`` the result is meant for
        wildcard matching: ``${*}`` stays a literal star.
        """
        out = []
        for literal, key, default in self.pattern_pieces if pattern else self.pieces:
            out.append(literal)
            if key is None:
                continue
            value = context.get(key)
            if value is None or isinstance(value, (list, tuple)):
                if default is None:
                    return None
                out.append(default)
            elif isinstance(value, bool):
                out.append("true" if value else "false")
            else:
                out.append(str(value))
        return "".join(out)


def has_variables(text: str) -> bool:
    return "${" in text


def parse_template(text: str, place: str) -> Template:
    """Split ``text`` into pieces; raise :class:`PolicyError` for a malformed ``${...}``."""
    pieces = _split(text, place, _SPECIAL)
    pattern_pieces = _split(text, place, _SPECIAL_IN_PATTERN)
    return Template(text=text, pieces=pieces, pattern_pieces=pattern_pieces)


def _split(
    text: str, place: str, special: dict[str, str]
) -> tuple[tuple[str, str | None, str | None], ...]:
    pieces: list[tuple[str, str | None, str | None]] = []
    pos = 0
    literal = ""
    for match in _VARIABLE.finditer(text):
        literal += text[pos : match.start()]
        inner = match.group(1)
        pos = match.end()
        if inner in special:
            literal += special[inner]
            continue
        default: str | None = None
        with_default = _WITH_DEFAULT.match(inner)
        key = inner.strip()
        if with_default:
            key, default = with_default.group(1), with_default.group(2)
        if not _KEY.match(key):
            raise PolicyError(place, f"malformed policy variable ${{{inner}}} in {text!r}")
        pieces.append((literal, key.lower(), default))
        literal = ""
    literal += text[pos:]
    if "${" in literal:
        raise PolicyError(place, f"unterminated policy variable in {text!r}")
    pieces.append((literal, None, None))
    return tuple(pieces)
