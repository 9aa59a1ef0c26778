"""Wildcard matching as the IAM policy language does it.

``*`` matches any run of characters (including none, and including ``/`` and ``:``);
``?`` matches exactly one character. Everything else is literal.
See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

Matcher = Callable[[str], bool]


def has_wildcard(pattern: str) -> bool:
    """Does ``pattern`` contain ``*`` or ``?``?"""
    return "*" in pattern or "?" in pattern or "\x00" in pattern or "\x01" in pattern


@lru_cache(maxsize=4096)
def glob_to_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile an IAM wildcard pattern into an anchored regular expression."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        elif char == "\x00":  # a ${*} policy variable: a literal star
            parts.append(re.escape("*"))
        elif char == "\x01":  # a ${?} policy variable: a literal question mark
            parts.append(re.escape("?"))
        else:
            parts.append(re.escape(char))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts) + r"\Z", flags)


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """Does ``value`` match the IAM wildcard ``pattern``?"""
    if not has_wildcard(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return glob_to_regex(pattern, ignore_case).match(value) is not None


def compile_globs(patterns: tuple[str, ...], ignore_case: bool = False) -> Matcher:
    """One fast matcher for "matches any of these patterns"."""
    if any(p == "*" for p in patterns):
        return lambda value: True
    literals = frozenset(p.lower() if ignore_case else p for p in patterns if not has_wildcard(p))
    wild = [p for p in patterns if has_wildcard(p)]
    if not wild:
        if ignore_case:
            return lambda value: value.lower() in literals
        return literals.__contains__
    body = "|".join(glob_to_regex(p, ignore_case).pattern[: -len(r"\Z")] for p in wild)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    regex = re.compile(f"(?:{body})" + r"\Z", flags)
    if not literals:
        return lambda value: regex.match(value) is not None
    if ignore_case:
        return lambda value: value.lower() in literals or regex.match(value) is not None
    return lambda value: value in literals or regex.match(value) is not None
