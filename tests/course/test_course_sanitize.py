"""Graded notebooks are rewritten so a browser runs nothing a student wrote (course.sanitize)."""

from __future__ import annotations

import base64

import nbformat
import pytest
from nbformat.notebooknode import from_dict

from iamlab.course.sanitize import SanitizeNotebook, clean_html, clean_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href=' JaVaScRiPt:alert(1)'>x</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<details open ontoggle=alert(1)>",
    "<form action='javascript:alert(1)'><button>x</button></form>",
    "<object data='javascript:alert(1)'></object>",
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_is_active_html_removed_from_markdown_and_html(payload: str) -> None:
    for cleaned in (clean_html(payload), clean_markdown(payload)):
        low = cleaned.lower()
        assert "<script" not in low and "onerror" not in low and "onload" not in low
        assert "javascript:" not in low and "<iframe" not in low and "ontoggle" not in low
        assert "data:text/html" not in low and "<object" not in low and "<form" not in low


def test_is_a_markdown_link_to_javascript_disarmed() -> None:
    assert "javascript:" not in clean_markdown("[click](javascript:alert(1))").lower()


def test_are_mathjax_link_commands_disarmed() -> None:
    assert "\\href" not in clean_markdown("$\\href{javascript:alert(1)}{x}$")


def test_is_plain_markdown_left_as_it_is() -> None:
    text = "# Roles\n\nA **role**, see [the guide](https://docs.aws.amazon.com/IAM/).\n\n> a quote"
    assert clean_markdown(text) == text


def test_does_the_graded_notebook_keep_diagrams_and_drop_script() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        from_dict(
            {
                "output_type": "display_data",
                "metadata": {"width": '"><script>alert(1)</script>'},
                "data": {
                    "image/svg+xml": svg,
                    "application/javascript": "alert(1)",
                    "image/png": '"><script>alert(1)</script>',
                    "text/plain": "a diagram",
                },
            }
        )
    ]
    cell.metadata["tags"] = ['"><script>']
    nb = nbformat.v4.new_notebook(cells=[cell], metadata={"widgets": {"state": {}}})
    nb, _ = SanitizeNotebook().preprocess(nb, {})
    out = nb.cells[0].outputs[0]
    assert set(out.data) == {"text/plain", "text/html"}
    assert base64.b64encode(svg.encode()).decode() in out.data["text/html"]
    assert out.data["text/html"].startswith('<img src="data:image/svg+xml;base64,')
    assert out.metadata == {} and "tags" not in nb.cells[0].metadata
    assert "widgets" not in nb.metadata
