"""Wildcard matching as the IAM policy language does it, in time linear in pattern x value.

``*`` matches any run of characters (including none, and including ``/`` and ``:``);
``?`` matches exactly one character. Everything else is literal.
See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html

Patterns are written by strangers (a policy pasted from the internet), so no backtracking
regular expression is built from them. A pattern is split at its stars into fixed-length
segments; the first must match at the start, the last at the end, and each one between is
found at its leftmost place after the previous one (greedy leftmost is exact for ``*``-globs).
A segment without ``?`` is found with ``str.find``; one with ``?`` by a regular expression
without any repetition. The cost is at most pattern length x value length, usually their sum.

A pattern is a sequence of *pieces* ``(text, live)``: in a live piece ``*`` and ``?`` are
wildcards, in a literal piece they are plain characters. Text a policy author wrote is live;
a value a request supplied through a policy variable (``${aws:username}``) and ``${*}`` /
``${?}`` are literal — so a request value can never become a wildcard.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

Matcher = Callable[[str], bool]
Piece = tuple[str, bool]  # (text, live): in a live piece "*" and "?" are wildcards

_STAR = object()
_ONE = object()


def has_wildcard(pattern: str) -> bool:
    """Does ``pattern`` contain ``*`` or ``?``?"""
    return "*" in pattern or "?" in pattern


class _Segment:
    """A run of the pattern between two stars: literal chunks and ``?`` at fixed offsets."""

    __slots__ = ("_regex", "chunks", "length", "literal", "ones")

    def __init__(self, items: Sequence[object]) -> None:
        chunks: list[tuple[int, str]] = []
        text: list[str] = []
        offset = 0
        start = 0
        ones = 0
        for item in items:
            if item is _ONE:
                if text:
                    chunks.append((start, "".join(text)))
                    text = []
                offset += 1
                ones += 1
                start = offset
            else:
                assert isinstance(item, str)
                if not text:
                    start = offset
                text.append(item)
                offset += len(item)
        if text:
            chunks.append((start, "".join(text)))
        self.chunks = tuple(chunks)
        self.length = offset
        self.ones = ones
        self.literal = chunks[0][1] if ones == 0 and chunks else ("" if ones == 0 else None)
        self._regex: re.Pattern[str] | None = None

    def at(self, value: str, pos: int) -> bool:
        """Does the segment match ``value`` starting at ``pos`` (the caller checked the length)?"""
        return all(value.startswith(text, pos + offset) for offset, text in self.chunks)

    def find(self, value: str, start: int, end: int) -> int:
        """The leftmost position >= start where the segment fits before ``end``, or -1.

        Callers search each segment after the previous one's match, so the positions tried
        for all segments of one pattern are disjoint: the total stays within value x pattern.
        """
        if self.literal is not None:
            return value.find(self.literal, start, end)
        if end - start < self.length:
            return -1
        if not self.chunks:  # only "?": any position will do
            return start
        if len(self.chunks) <= 4:  # find the first chunk, then check the others ...
            offset, text = self.chunks[0]
            last = end - self.length
            for _ in range(32):  # ... a few times; after that, let the regex engine do it
                if start > last:
                    return -1
                found = value.find(text, start + offset, last + offset + len(text))
                if found < 0:
                    return -1
                if self.at(value, found - offset):
                    return found - offset
                start = found - offset + 1
        if self._regex is None:
            # no repetition anywhere: the search costs at most segment x value
            pattern = []
            last = 0
            for offset, text in self.chunks:
                pattern.append("." * (offset - last))
                pattern.append(re.escape(text))
                last = offset + len(text)
            pattern.append("." * (self.length - last))
            self._regex = re.compile("".join(pattern), re.DOTALL)
        hit = self._regex.search(value, start, end)
        return hit.start() if hit else -1


_WILD = re.compile(r"([*?])")


def _items(pieces: Iterable[Piece], ignore_case: bool) -> list[object]:
    items: list[object] = []
    for text, live in pieces:
        if ignore_case:
            text = text.lower()
        if not live:
            items.append(text)
            continue
        for i, part in enumerate(_WILD.split(text)):
            if i % 2:
                items.append(_STAR if part == "*" else _ONE)
            elif part:
                items.append(part)
    return items


class Glob:
    """A compiled wildcard pattern. ``glob(value)`` says whether ``value`` matches."""

    __slots__ = ("ignore_case", "match", "text")

    def __init__(self, pieces: Iterable[Piece], *, ignore_case: bool = False) -> None:
        pieces = tuple(pieces)
        self.text = "".join(text for text, _ in pieces)
        self.ignore_case = ignore_case
        items = _items(pieces, ignore_case)
        segments: list[list[object]] = [[]]
        for item in items:
            if item is _STAR:
                segments.append([])
            else:
                segments[-1].append(item)
        # an empty segment between two stars matches anywhere: "a**b" is "a*b"
        kept = [s for i, s in enumerate(segments) if s or i in (0, len(segments) - 1)]
        compiled = [_Segment(s) for s in kept]
        self.match: Matcher = _specialise(compiled, ignore_case)

    def __call__(self, value: str) -> bool:
        return self.match(value)

    def __repr__(self) -> str:
        from iamlab.safe_repr import safe_repr

        return f"Glob({safe_repr(self.text)})"


def _specialise(segments: list[_Segment], ignore_case: bool) -> Matcher:
    lower = str.lower if ignore_case else None
    first, last = segments[0], segments[-1]
    match: Matcher
    if len(segments) == 1:
        if first.literal is not None:
            literal = first.literal
            match = literal.__eq__
        else:

            def match(value: str) -> bool:
                return len(value) == first.length and first.at(value, 0)

    elif len(segments) == 2 and first.literal is not None and last.literal is not None:
        prefix, suffix = first.literal, last.literal
        if not prefix and not suffix:
            return lambda value: True
        if not suffix:
            match = lambda value: value.startswith(prefix)  # noqa: E731
        elif not prefix:
            match = lambda value: value.endswith(suffix)  # noqa: E731
        else:
            need = len(prefix) + len(suffix)
            match = lambda value: (  # noqa: E731
                len(value) >= need and value.startswith(prefix) and value.endswith(suffix)
            )
    else:
        middle = tuple(segments[1:-1])
        fixed = first.length + last.length

        def match(value: str) -> bool:
            size = len(value)
            if size < fixed or not first.at(value, 0) or not last.at(value, size - last.length):
                return False
            pos, end = first.length, size - last.length
            for segment in middle:
                found = segment.find(value, pos, end)
                if found < 0:
                    return False
                pos = found + segment.length
            return True

    if lower is None:
        return match
    return lambda value: match(value.lower())


@lru_cache(maxsize=4096)
def glob(pattern: str, ignore_case: bool = False) -> Glob:
    """Compile ``pattern`` as written in a policy (every ``*`` and ``?`` is a wildcard)."""
    return Glob(((pattern, True),), ignore_case=ignore_case)


@lru_cache(maxsize=4096)
def glob_of(pieces: tuple[Piece, ...]) -> Glob:
    """Compile a pattern made of pieces (as policy variables render them), remembered."""
    return Glob(pieces)


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """Does ``value`` match the IAM wildcard ``pattern``?"""
    if not has_wildcard(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return glob(pattern, ignore_case)(value)


def split_pieces(pieces: Sequence[Piece], sep: str, maxsplit: int) -> list[list[Piece]]:
    """Split a pattern's pieces at ``sep`` (in any piece), at most ``maxsplit`` times."""
    parts: list[list[Piece]] = [[]]
    splits = 0
    for text, live in pieces:
        while splits < maxsplit and sep in text:
            head, _, text = text.partition(sep)
            parts[-1].append((head, live))
            parts.append([])
            splits += 1
        parts[-1].append((text, live))
    return parts


def compile_globs(patterns: tuple[str, ...], ignore_case: bool = False) -> Matcher:
    """One fast matcher for "matches any of these patterns"."""
    if any(p == "*" for p in patterns):
        return lambda value: True
    if ignore_case:
        lowered = tuple(p.lower() for p in patterns)
        if not any(has_wildcard(p) for p in lowered):  # the usual case: a few action names
            names = frozenset(lowered)
            return lambda value: value.lower() in names
        inner = compile_globs(lowered)
        return lambda value: inner(value.lower())
    literals = frozenset(p for p in patterns if not has_wildcard(p))
    prefixes = tuple(p[:-1] for p in patterns if p.endswith("*") and not has_wildcard(p[:-1]))
    tests: list[Matcher] = []
    if literals:
        tests.append(literals.__contains__)
    if prefixes:
        tests.append(lambda value: value.startswith(prefixes))
    tests.extend(
        glob(p).match
        for p in patterns
        if has_wildcard(p) and not (p.endswith("*") and not has_wildcard(p[:-1]))
    )
    if not tests:
        return lambda value: False
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        one, two = tests
        return lambda value: one(value) or two(value)
    return lambda value: any(test(value) for test in tests)
