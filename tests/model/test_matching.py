"""Do IAM wildcards match as the policy language documents?

``*`` matches any run of characters (including ``/`` and ``:``), ``?`` exactly one;
actions are case-insensitive, resources case-sensitive.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
"""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.model.matching import Glob, compile_globs, glob_match

ALPHABET = "ab/:.*?[]()+^$\\"
text = st.text(alphabet="ab/:.+()[]^$\\", max_size=12)
pattern = st.text(alphabet=ALPHABET, max_size=8)


def reference_match(p: str, v: str) -> bool:
    """A slow, obviously-correct matcher to compare against."""

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(p):
            return j == len(v)
        if p[i] == "*":
            return go(i + 1, j) or (j < len(v) and go(i, j + 1))
        if j == len(v):
            return False
        if p[i] == "?" or p[i] == v[j]:
            return go(i + 1, j + 1)
        return False

    return go(0, 0)


@settings(max_examples=400, deadline=None)
@given(pattern, text)
def test_glob_match_agrees_with_the_reference(p: str, v: str) -> None:
    """Does glob_match agree with a straightforward backtracking matcher on any input?"""
    assert glob_match(p, v) == reference_match(p, v)


@settings(max_examples=200, deadline=None)
@given(st.lists(pattern, min_size=1, max_size=4), text)
def test_compiled_alternatives_match_like_any_single_pattern(patterns: list[str], v: str) -> None:
    """Does a compiled list of patterns match exactly when one of them matches?"""
    assert compile_globs(tuple(patterns))(v) == any(reference_match(p, v) for p in patterns)


@settings(max_examples=200, deadline=None)
@given(text)
def test_a_lone_star_matches_everything(v: str) -> None:
    """Does "*" match any value, including ones with slashes and colons?"""
    assert glob_match("*", v)
    assert compile_globs(("*",))(v)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab/:.", max_size=10), st.text(alphabet="ab/:.", max_size=10))
def test_star_spans_slashes(prefix: str, rest: str) -> None:
    """Does a trailing * match across "/" (arn:aws:s3:::bucket/* covers nested keys)?"""
    assert glob_match(prefix + "*", prefix + rest)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcXYZ", min_size=1, max_size=8))
def test_action_matching_ignores_case(name: str) -> None:
    """Is "s3:GetObject" matched whatever the case of the service prefix and action name?"""
    matcher = compile_globs((f"s3:{name}",), ignore_case=True)
    assert matcher(f"S3:{name.upper()}")
    assert matcher(f"s3:{name.lower()}")


def test_resources_are_case_sensitive() -> None:
    """Is arn:aws:s3:::Coffee-Recipes a different resource from arn:aws:s3:::coffee-recipes?"""
    assert not glob_match("arn:aws:s3:::coffee-recipes/*", "arn:aws:s3:::Coffee-Recipes/a")
    assert not compile_globs(("arn:aws:s3:::coffee-recipes",))("arn:aws:s3:::Coffee-Recipes")


def test_question_mark_matches_exactly_one_character() -> None:
    """Does "?" match one character, never zero or two?"""
    assert glob_match("s3:Get?bject", "s3:GetObject")
    assert not glob_match("s3:Get?Object", "s3:GetObject")
    assert not glob_match("s3:Get?", "s3:GetAB")


def test_regex_characters_are_literal() -> None:
    """Are characters special to regular expressions matched literally?"""
    assert glob_match("a.b", "a.b")
    assert not glob_match("a.b", "axb")
    assert glob_match("(x)+[y]", "(x)+[y]")


def reference_pieces(pieces: list[tuple[str, bool]], v: str) -> bool:
    """The reference matcher on pieces: literal pieces have their * and ? escaped away."""
    tokens: list[str] = []
    for text, live in pieces:
        tokens.extend(c if live or c not in "*?" else f"\\{c}" for c in text)

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(tokens):
            return j == len(v)
        token = tokens[i]
        if token == "*":
            return go(i + 1, j) or (j < len(v) and go(i, j + 1))
        if j == len(v):
            return False
        if token == "?" or token[-1] == v[j]:
            return go(i + 1, j + 1)
        return False

    return go(0, 0)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(pattern, st.booleans()), max_size=4), st.text(alphabet="ab*?", max_size=10)
)
def test_literal_pieces_never_act_as_wildcards(pieces: list[tuple[str, bool]], v: str) -> None:
    """Does a Glob treat * and ? as wildcards only in live pieces (a request value is literal)?"""
    assert Glob(tuple(pieces))(v) == reference_pieces(pieces, v)
