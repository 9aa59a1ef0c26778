"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team}``, ``${*}`` and friends.

Variables are replaced only in policies whose ``Version`` is ``2012-10-17``; under
``2008-10-17`` (or with no Version) the text is taken literally.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html

A value substituted from the request is literal text: in a pattern (Resource, StringLike,
ArnLike) a ``*`` in ``aws:username`` matches only a ``*``. So do ``${*}``, ``${?}`` and
``${$}``, which the docs give for writing those characters literally. The pieces are kept
apart (see :mod:`iamlab.model.matching`), never marked inside the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from iamlab.errors import PolicyError
from iamlab.model.matching import Piece
from iamlab.safe_repr import safe_repr

_SPECIAL = {"*": "*", "?": "?", "$": "$"}
_WITH_DEFAULT = re.compile(r"\A\s*([^,\s][^,]*?)\s*,\s*'([^']*)'\s*\Z")
_KEY = re.compile(r"\A[A-Za-z0-9][\w:\-./@]*\Z")
# (literal text before, key or None, default or None, special character or None)
Part = tuple[str, str | None, str | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """A policy string containing variables, split into literal and variable pieces.

    ``pieces``: (text the author wrote, variable key or None, default or None); a ``${*}``,
    ``${?}`` or ``${$}`` is a key of ``"*"``, ``"?"`` or ``"$"`` (always literal).
    """

    text: str
    pieces: tuple[Part, ...]

    def render(self, context: Mapping[str, object]) -> str | None:
        """The string with every variable replaced, or None when a variable has no value.

        A variable whose key is missing from the request context, and that has no default,
        leaves the policy element unmatched.
        """
        found = self.render_pieces(context)
        return None if found is None else "".join(text for text, _ in found)

    def render_pieces(self, context: Mapping[str, object]) -> tuple[Piece, ...] | None:
        """Like :meth:`render`, keeping apart what the author wrote (live wildcards) and
        what was substituted (literal)."""
        out: list[Piece] = []
        for literal, key, default in self.pieces:
            if literal:
                out.append((literal, True))
            if key is None:
                continue
            if key in _SPECIAL:
                out.append((key, False))
                continue
            value = context.get(key)
            if value is None or isinstance(value, (list, tuple, set, frozenset, dict)):
                if default is None:
                    return None
                out.append((default, False))
            elif isinstance(value, bool):
                out.append(("true" if value else "false", False))
            elif isinstance(value, str):
                out.append((value, False))
            elif (isinstance(value, int) and abs(value) < 10**18) or (
                isinstance(value, float) and value == value and abs(value) < 1e18
            ):
                out.append((str(value), False))
            else:  # anything else has no text AWS would substitute
                if default is None:
                    return None
                out.append((default, False))
        return tuple(out)


def has_variables(text: str) -> bool:
    return "${" in text


def parse_template(text: str, place: str) -> Template:
    """Split ``text`` into pieces; raise :class:`PolicyError` for a malformed ``${...}``.

    One pass, linear in the length of ``text`` (each ``${`` is matched with the next ``}``).
    """
    pieces: list[Part] = []
    pos = 0
    literal: list[str] = []
    while True:
        start = text.find("${", pos)
        if start < 0:
            break
        end = text.find("}", start + 2)
        if end < 0:
            raise PolicyError(place, f"unterminated policy variable in {safe_repr(text)}")
        literal.append(text[pos:start])
        inner = text[start + 2 : end]
        pos = end + 1
        if inner in _SPECIAL:
            pieces.append(("".join(literal), inner, None))
            literal = []
            continue
        default: str | None = None
        with_default = _WITH_DEFAULT.match(inner) if len(inner) <= 1000 else None
        key = inner.strip()
        if with_default:
            key, default = with_default.group(1), with_default.group(2)
        if len(key) > 256 or not _KEY.match(key):
            raise PolicyError(
                place,
                f"malformed policy variable {safe_repr('${' + inner + '}')} in {safe_repr(text)}",
            )
        pieces.append(("".join(literal), key.lower(), default))
        literal = []
    literal.append(text[pos:])
    pieces.append(("".join(literal), None, None))
    return Template(text=text, pieces=tuple(pieces))
