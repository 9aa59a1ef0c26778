"""The JupyterLite site's versions move together (a mismatch fails only at run time, in the
browser): the npm Pyodide is the one the kernel extension expects, the kernel's wheels are the
versions Pyodide's own lock file names, and the course's libraries are pyproject.toml's pins."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
from lite_site import ROOT, Site
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = [pytest.mark.slow]

LITE = ROOT / "lite"
SHARED_WITH_PYPROJECT = ("ipywidgets", "graphviz", "pyyaml", "parliament")
# The kernel's own wheels, at the versions of Pyodide's lock file (lite/requirements.txt's first
# block). Not setuptools: parliament's pkg_resources needs an older one than Pyodide's.
KERNEL_WHEELS = (
    "micropip", "packaging", "ipython", "asttokens", "decorator", "executing",
    "matplotlib-inline", "prompt-toolkit", "pure-eval", "pygments", "six", "stack-data",
    "traitlets", "wcwidth", "jedi", "parso",
)  # fmt: skip


def _requirements() -> dict[str, str]:
    text = (LITE / "requirements.txt").read_text(encoding="utf-8")
    pins = re.findall(r"(?m)^([A-Za-z0-9_.-]+)==([^\s\\]+)", text)
    return {canonicalize_name(name): version for name, version in pins}


def test_every_browser_wheel_has_a_hash() -> None:
    text = (LITE / "requirements.txt").read_text(encoding="utf-8")
    entries = [e for e in re.split(r"(?m)^(?=[A-Za-z])", text) if "==" in e]
    assert entries and all("--hash=sha256:" in e for e in entries)


def test_npm_pyodide_is_the_kernel_s() -> None:
    package = json.loads((LITE / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["pyodide"] == PYODIDE_VERSION
    lock = json.loads((LITE / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/pyodide"]["version"] == PYODIDE_VERSION


def test_course_libraries_are_pyproject_s_pins() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {}
    for spec in pyproject["project"]["dependencies"]:
        requirement = Requirement(spec)
        runtime[canonicalize_name(requirement.name)] = str(requirement.specifier).lstrip("=")
    pins = _requirements()
    for name in SHARED_WITH_PYPROJECT:
        assert pins[name] == runtime[name], name


def test_kernel_wheels_are_pyodide_s_versions(site: Site) -> None:
    """(Needs lite/node_modules: the site fixture has run npm ci.)"""
    lock = json.loads((LITE / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
    pyodide = {canonicalize_name(n): p["version"] for n, p in lock["packages"].items()}
    pins = _requirements()
    assert {n: pins[n] for n in KERNEL_WHEELS} == {n: pyodide[n] for n in KERNEL_WHEELS}
