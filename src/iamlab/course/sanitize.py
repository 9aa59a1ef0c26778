"""Make a graded notebook safe to show: nothing a student wrote can run in a browser.

The graded notebook (``autograded/``) is what the instructor's formgrader shows and what
``generate_feedback`` turns into the HTML page the student gets, and nbconvert's templates put
much of a notebook into that page as it is: the HTML of markdown cells and of ``text/html`` and
``image/svg+xml`` outputs, and, unescaped, the base64 of images and some metadata. So after
grading, :class:`SanitizeNotebook` rewrites the notebook to what is safe:

- MathJax commands that can make links or set attributes (``\\href``, ``\\class`` ...) are
  disarmed in markdown;
- markdown cells are rendered (nbconvert's own markdown) and, if the HTML holds anything not on
  the allow-list (a ``<script>``, an ``onerror=``, a ``javascript:`` link, an ``<iframe>`` ...),
  replaced by the cleaned HTML (bleach, the library nbconvert itself sanitises with);
- outputs keep only the MIME types nbconvert shows without running code: ``text/html`` is
  cleaned the same way; ``image/svg+xml`` (the course's diagrams) becomes an ``<img>`` of a
  ``data:`` URL, where a browser never runs a script; images must be base64; everything
  else (JavaScript, widget views, unknown types) is dropped, its ``text/plain`` kept;
- cell and notebook metadata that a template prints (tags, widget state, language names)
  and malformed cell ids or execution counts are reset; attachments are dropped.

Run in ``nbgrader autograde`` after the grade is decided (the verdict's outputs are kept).
"""

# nbformat, nbconvert and nbgrader ship no (or partial) type information.
# mypy: disable-error-code="no-untyped-call,misc,import-untyped"

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from typing import Any

import bleach
from bleach.css_sanitizer import CSSSanitizer
from nbconvert.exporters.exporter import ResourcesDict
from nbconvert.filters.markdown import markdown2html
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import NbGraderPreprocessor

from iamlab.course.grading import ANSWER_MIME

TAGS = frozenset(
    {
        *bleach.sanitizer.ALLOWED_TAGS,
        *("p", "br", "hr", "div", "span", "pre", "code", "img", "sub", "sup", "del", "s"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"),
        *("dl", "dt", "dd", "details", "summary", "caption", "colgroup", "col", "kbd"),
    }
)
ATTRIBUTES = {
    "*": ("class", "title", "style"),
    "a": ("href",),
    "img": ("src", "alt", "width", "height"),
    "th": ("colspan", "rowspan", "align"),
    "td": ("colspan", "rowspan", "align"),
    "ol": ("start",),
    **{f"h{n}": ("id",) for n in range(1, 7)},  # nbconvert's heading anchors
}
# data: only for images (a browser never runs a script in an <img>, SVG or not)
PROTOCOLS = frozenset({"http", "https", "mailto", "data"})
IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=]*")
KEPT_MIMES = ("text/plain", "text/html", "image/png", "image/jpeg", ANSWER_MIME)
# MathJax commands that make links, load code or set attributes: disarmed in students' text
MATHJAX_ACTIVE = re.compile(r"\\(href|url|unicode|class|style|cssId|require|data|html)\b")
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
CELL_METADATA = ("nbgrader", "editable", "deletable")


def _allowed(tag: str, name: str, value: str) -> bool:
    if name not in (*ATTRIBUTES["*"], *ATTRIBUTES.get(tag, ())):
        return False
    if value.strip().lower().startswith("data:"):
        return tag == "img" and name == "src" and IMAGE_DATA.fullmatch(value.strip()) is not None
    return True


_cleaner = bleach.Cleaner(
    tags=TAGS,
    attributes=_allowed,
    protocols=PROTOCOLS,
    strip=True,
    strip_comments=True,
    css_sanitizer=CSSSanitizer(),
)


def clean_html(html: str) -> str:
    """``html`` with only allow-listed tags, attributes, URL schemes and CSS."""
    return str(_cleaner.clean(html))


class _Audit(HTMLParser):
    """Is every tag, attribute and URL of some HTML on the allow-list?"""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.safe = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.safe = False
        for name, value in attrs:
            text = (value or "").strip().lower()
            found = SCHEME.match(re.sub(r"[\x00-\x20]", "", text))
            scheme = found.group(1) if found else ""
            if (
                not _allowed(tag, name, value or "")
                or (name in ("href", "src") and scheme and scheme not in PROTOCOLS)
                or (name == "style" and text)
            ):
                self.safe = False

    def handle_comment(self, data: str) -> None:
        self.safe = False

    def handle_decl(self, decl: str) -> None:
        self.safe = False

    def handle_pi(self, data: str) -> None:
        self.safe = False


def clean_markdown(text: str) -> str:
    """``text`` unchanged when its HTML is safe; else the cleaned HTML it renders to."""
    text = MATHJAX_ACTIVE.sub(lambda m: "\uff3c" + m.group(1), text)  # a full-width backslash
    rendered = markdown2html(text)
    audit = _Audit()
    audit.feed(rendered)
    audit.close()
    return text if audit.safe else clean_html(rendered)


def svg_as_image(svg: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="diagram">'


def clean_data(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mime in KEPT_MIMES:
        value = data.get(mime)
        if mime == ANSWER_MIME:
            if isinstance(value, dict):
                out[mime] = value
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "".join(value)
        if not isinstance(value, str):
            continue
        if mime.startswith("image/"):
            if BASE64.fullmatch(value):
                out[mime] = value
        elif mime == "text/html":
            out[mime] = clean_html(value)
        else:
            out[mime] = value
    svg = data.get("image/svg+xml")
    if isinstance(svg, list):
        svg = "".join(str(s) for s in svg)
    if isinstance(svg, str) and "text/html" not in out:
        out["text/html"] = svg_as_image(svg)
    if "text/plain" not in out and not out:
        out["text/plain"] = "[an output the grader does not show]"
    return out


def clean_output(output: Any) -> Any:
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        name = output.get("name")
        return from_dict(
            {
                "output_type": "stream",
                "name": name if name in ("stdout", "stderr") else "stdout",
                "text": "".join(text) if isinstance(text, list) else str(text),
            }
        )
    if kind == "error":
        trace = output.get("traceback", [])
        return from_dict(
            {
                "output_type": "error",
                "ename": str(output.get("ename", "")),
                "evalue": str(output.get("evalue", "")),
                "traceback": [str(t) for t in trace] if isinstance(trace, list) else [],
            }
        )
    data = output.get("data", {})
    clean: dict[str, Any] = {
        "output_type": "execute_result" if kind == "execute_result" else "display_data",
        "metadata": {},
        "data": clean_data(dict(data) if isinstance(data, dict) else {}),
    }
    if kind == "execute_result":
        count = output.get("execution_count")
        clean["execution_count"] = count if type(count) is int else None
    return from_dict(clean)


class SanitizeNotebook(NbGraderPreprocessor):
    """Rewrite the graded notebook to what a browser can show without running anything."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> Any:
        meta = nb.get("metadata", {})
        kernelspec = meta.get("kernelspec", {})
        nb.metadata = from_dict(
            {
                "kernelspec": {
                    "display_name": "Python 3 (ipykernel)",
                    "language": "python",
                    "name": "python3",
                }
                if not isinstance(kernelspec, dict) or kernelspec.get("name") != "python3"
                else {
                    "display_name": str(kernelspec.get("display_name", "Python 3"))[:80],
                    "language": "python",
                    "name": "python3",
                },
                "language_info": {"name": "python"},
            }
        )
        seen: set[str] = set()
        for index, cell in enumerate(nb.cells):
            cell_id = cell.get("id")
            if not isinstance(cell_id, str) or not CELL_ID.fullmatch(cell_id) or cell_id in seen:
                cell["id"] = f"cell-{index}"
            seen.add(cell["id"])
        return super().preprocess(nb, resources)

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        cell.metadata = from_dict({k: v for k, v in cell.metadata.items() if k in CELL_METADATA})
        cell.pop("attachments", None)
        if not isinstance(cell.get("source"), str):
            source = cell.get("source")
            cell.source = "".join(str(s) for s in source) if isinstance(source, list) else ""
        if cell.cell_type == "markdown":
            cell.source = clean_markdown(cell.source)
        elif cell.cell_type == "code":
            cell.outputs = [clean_output(o) for o in cell.get("outputs", [])]
            count = cell.get("execution_count")
            cell.execution_count = count if type(count) is int else None
        else:  # raw cells are shown as they are: keep their text, as escaped code
            cell.cell_type = "markdown"
            cell.source = "```\n" + cell.source.replace("```", "'''") + "\n```"
        return cell, resources
