"""Run the self-study notebooks top to bottom and store their outputs (``make notebooks``).

    python scripts/run_notebooks.py                     # every notebooks/CC.SS-*.ipynb
    python scripts/run_notebooks.py notebooks/03.02-how-aws-decides.ipynb

Each notebook runs in a fresh kernel of this Python (the one nbval uses in the tests), with its
folder as the working directory. Outputs are stored so that the diagrams show on GitHub and
nbval can compare them; two things are not stored:

- widget outputs (a widget needs a live kernel; without one it shows only an error), and their
  cells get the tag ``nbval-ignore-output`` so nbval runs them without comparing;
- execution timings (``record_timing`` off), which would change on every run.

And what varies between runs without meaning anything (memory addresses, random key IDs) is
stored already masked, with the patterns of ``tests/nbval_sanitize.cfg`` (all but the SVG one:
the drawings are kept for GitHub), so that running the notebooks twice changes no file.

The time each notebook took is printed; the course's budget is 20 seconds per notebook.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from make_contents import course  # noqa: E402 — the script's own folder, added just above

SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
WIDGET = "application/vnd.jupyter.widget-view+json"
IGNORE = "nbval-ignore-output"
BUDGET_SECONDS = 20.0


def _kernel_manager() -> object:
    """A kernel manager for a Python kernel of *this* interpreter, whatever kernels exist."""
    from jupyter_client.manager import KernelManager
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

    return KernelManager(
        kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager()
    )


def _masks() -> list[tuple[str, str]]:
    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))
    return [(regex, replace) for regex, replace in patterns if "<svg" not in regex]


def _mask(value: object, masks: list[tuple[str, str]]) -> object:
    if isinstance(value, str):
        for regex, replace in masks:
            value = re.sub(regex, replace, value)
    return value


def _coalesce(outputs: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    """One stream output per run of prints (the kernel splits them at random points)."""
    merged: list[nbformat.NotebookNode] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.output_type == "stream" == previous.output_type
            and output.name == previous.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def tidy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop widget outputs (tagging their cells for nbval) and per-cell execution metadata;
    mask what varies from run to run in text outputs."""
    masks = _masks()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        cell.outputs = _coalesce(cell.outputs)
        for output in cell.outputs:
            if "text" in output:
                output["text"] = _mask(output["text"], masks)
            if "text/plain" in output.get("data", {}):
                output["data"]["text/plain"] = _mask(output["data"]["text/plain"], masks)
        kept = [o for o in cell.outputs if WIDGET not in o.get("data", {})]
        if len(kept) != len(cell.outputs):
            cell.outputs = kept
            tags = cell.metadata.setdefault("tags", [])
            if IGNORE not in tags:
                tags.append(IGNORE)
    return nb


def run(path: Path) -> float:
    """Execute one notebook in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        km=_kernel_manager(),
        timeout=120,
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata.get("language_info", {}).pop("version", None)  # differs between machines
    nbformat.write(tidy(nb), path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: the whole course")
    args = parser.parse_args(argv)
    paths = args.notebooks or [entry.path for entry in course()]
    total = 0.0
    slow = []
    for path in paths:
        seconds = run(path)
        total += seconds
        mark = "" if seconds < BUDGET_SECONDS else f"  (over the {BUDGET_SECONDS:.0f} s budget)"
        if mark:
            slow.append(path.name)
        print(f"{seconds:6.1f} s  {path.name}{mark}", flush=True)
    print(f"{total:6.1f} s  in all ({len(paths)} notebooks)")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
