"""The project's own wiring: pins, Makefile targets and .gitignore.

pyproject.toml (pip) and environment.yml (conda, Binder) must install the same versions; the
Makefile's help must list every target; nbgrader's per-student folders must never be committed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]

# conda-forge names that differ from the PyPI distribution of the same package.
CONDA_TO_PYPI = {"python-graphviz": "graphviz"}
# conda-forge packages that are not Python distributions at all (or the interpreter itself):
# `graphviz` on conda-forge is the Graphviz binaries (`dot`), not the Python package.
CONDA_NOT_PYPI = {"python", "pip", "graphviz"}

# A conda match spec: name, then an optional version (`=1.2`, `==1.2`, `>=1.2` ...) and build.
CONDA_SPEC = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<op>==|=|>=|<=|>|<|!=)?\s*(?P<ver>[^\s=]*)"
)
# A Makefile rule that documents itself: `target: prerequisites ## what it does`.
MAKE_RULE = re.compile(r"^(?P<target>[A-Za-z0-9_.\-]+):(?!=)[^#\n]*##\s*(?P<help>.+?)\s*$")
PHONY = re.compile(r"^\.PHONY:(?P<targets>.*)$")


# ---------------------------------------------------------------- parsing the two files


def normalise(name: str) -> str:
    """Return the PyPI name a pip or conda package name stands for, canonicalised."""
    lowered = canonicalize_name(name)
    return CONDA_TO_PYPI.get(lowered, lowered)


def exact_pin(version: str) -> Version | str:
    """Return a comparable form of a pinned version (`6.0` equals `6.0.0`)."""
    try:
        return Version(version)
    except InvalidVersion:
        return version


def pip_pins(requirements: Iterable[str]) -> dict[str, str | None]:
    """Map each PEP 508 requirement to its `==` version, or None when it is not pinned exactly."""
    pins: dict[str, str | None] = {}
    for line in requirements:
        req = Requirement(line)
        specs = list(req.specifier)
        exact = [s.version for s in specs if s.operator in ("==", "===")]
        pins[normalise(req.name)] = exact[0] if len(specs) == 1 and exact else None
    return pins


def pyproject_pins(
    pyproject: Mapping[str, Any],
) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Return (runtime pins, dependency-group pins) from a parsed pyproject.toml."""
    runtime = pip_pins(pyproject["project"]["dependencies"])
    grouped: dict[str, str | None] = {}
    for entries in pyproject.get("dependency-groups", {}).values():
        grouped.update(pip_pins(e for e in entries if isinstance(e, str)))
    return runtime, grouped


def environment_pins(environment: Mapping[str, Any]) -> dict[str, str | None]:
    """Map the Python packages of a parsed environment.yml (conda and pip parts) to versions.

    A conda spec counts as a pin with `=` or `==`; a pip line only with `==`.
    """
    pins: dict[str, str | None] = {}
    for entry in environment.get("dependencies", []):
        if isinstance(entry, dict):
            pins.update(pip_pins(entry.get("pip", [])))
            continue
        match = CONDA_SPEC.match(str(entry))
        if match is None:
            raise ValueError(f"environment.yml: cannot read the dependency {entry!r}")
        name = canonicalize_name(match["name"])
        if name in CONDA_NOT_PYPI:
            continue
        version = match["ver"] if match["op"] in ("=", "==") and match["ver"] else None
        pins[normalise(name)] = version
    return pins


def pin_drift(
    pip_side: Mapping[str, str | None], conda_side: Mapping[str, str | None]
) -> dict[str, tuple[str, str]]:
    """Return {package: (pyproject version, environment.yml version)} where both pin and differ."""
    drift: dict[str, tuple[str, str]] = {}
    for name, pinned in pip_side.items():
        other = conda_side.get(name)
        if pinned is not None and other is not None and exact_pin(pinned) != exact_pin(other):
            drift[name] = (pinned, other)
    return drift


def missing_from(required: Iterable[str], present: Mapping[str, object]) -> list[str]:
    """Return the required package names that `present` does not list at all."""
    return sorted(name for name in required if name not in present)


def make_help_entries(makefile_text: str) -> dict[str, str]:
    """Return {target: description} for every `target: ... ## description` rule."""
    entries: dict[str, str] = {}
    for line in makefile_text.splitlines():
        match = MAKE_RULE.match(line)
        if match:
            entries[match["target"]] = match["help"]
    return entries


def phony_targets(makefile_text: str) -> set[str]:
    """Return the targets named on `.PHONY:` lines."""
    targets: set[str] = set()
    for line in makefile_text.splitlines():
        match = PHONY.match(line)
        if match:
            targets.update(match["targets"].split())
    return targets


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def environment() -> dict[str, Any]:
    with (ROOT / "environment.yml").open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def makefile_text() -> str:
    return (ROOT / "Makefile").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the parsers can fail


def test_drift_is_detected_on_a_synthetic_pair() -> None:
    """Does the comparison report a version that differs, under either spelling of the name?"""
    pip_side = pip_pins(["graphviz==0.21", "PyYAML==6.0.3", "Moto[s3]==5.2.5", "boto3>=1"])
    conda_side = environment_pins(
        {
            "dependencies": [
                "python=3.11",
                "graphviz",
                "python-graphviz=0.20",
                "pyyaml==6.0.3",
                "moto=5.2.4",
                "boto3=1.0",
                {"pip": ["extra_pkg==1.0"]},
            ]
        }
    )
    assert pin_drift(pip_side, conda_side) == {
        "graphviz": ("0.21", "0.20"),
        "moto": ("5.2.5", "5.2.4"),
    }
    assert conda_side["extra-pkg"] == "1.0"


def test_matching_pins_are_not_drift() -> None:
    """Do equal versions written differently (`6.0` and `6.0.0`, `=` and `==`) count as equal?"""
    pip_side = pip_pins(["pyyaml==6.0", "ipywidgets==8.1.9"])
    conda_side = environment_pins({"dependencies": ["pyyaml=6.0.0", "ipywidgets==8.1.9"]})
    assert pin_drift(pip_side, conda_side) == {}


def test_missing_packages_are_detected_on_a_synthetic_pair() -> None:
    """Is a runtime dependency absent from environment.yml reported by name?"""
    runtime = pip_pins(["nbgrader==0.9.6", "parliament==1.6.4"])
    conda_side = environment_pins({"dependencies": ["nbgrader=0.9.6"]})
    assert missing_from(runtime, conda_side) == ["parliament"]


def test_conda_graphviz_binary_is_not_the_python_package() -> None:
    """Is conda's `graphviz` (the dot binary) kept apart from python-graphviz?"""
    conda_side = environment_pins({"dependencies": ["graphviz=12.2.1"]})
    assert "graphviz" not in conda_side


def test_make_rule_parser_on_synthetic_text() -> None:
    """Does the Makefile parser find documented rules and skip variables and undocumented ones?"""
    text = (
        "VENV ?= .venv\n"
        "X := a ## not a rule\n"
        ".PHONY: a b\n"
        "a: b ## Do a\n"
        "b:\n"
        "\techo ## inside a recipe\n"
        "$(VENV)/.installed: pyproject.toml\n"
    )
    assert make_help_entries(text) == {"a": "Do a"}
    assert phony_targets(text) == {"a", "b"}


# ---------------------------------------------------------------- the real files


def test_every_dependency_is_pinned_exactly(pyproject: dict[str, Any]) -> None:
    """Is every runtime dependency and every dependency-group entry pinned with `==`?"""
    runtime, grouped = pyproject_pins(pyproject)
    loose = sorted(name for name, pin in {**runtime, **grouped}.items() if pin is None)
    assert loose == [], f"pin these exactly (==) in pyproject.toml: {loose}"


def test_pyproject_and_environment_pin_the_same_versions(
    pyproject: dict[str, Any], environment: dict[str, Any]
) -> None:
    """Does every package pinned in both pyproject.toml and environment.yml get the same version?"""
    runtime, grouped = pyproject_pins(pyproject)
    drift = pin_drift({**runtime, **grouped}, environment_pins(environment))
    assert drift == {}, f"pyproject.toml vs environment.yml: {drift}"


def test_environment_lists_every_runtime_dependency(
    pyproject: dict[str, Any], environment: dict[str, Any]
) -> None:
    """Does environment.yml install every runtime dependency that pyproject.toml declares?"""
    runtime, _ = pyproject_pins(pyproject)
    missing = missing_from(runtime, environment_pins(environment))
    assert missing == [], f"add to environment.yml: {missing}"


def test_environment_installs_the_graphviz_binary(environment: dict[str, Any]) -> None:
    """Does environment.yml bring Graphviz's `dot` too, not only the Python bindings?"""
    names = {
        canonicalize_name(m["name"])
        for entry in environment["dependencies"]
        if isinstance(entry, str) and (m := CONDA_SPEC.match(entry))
    }
    assert {"graphviz", "python-graphviz"} <= names


def test_make_help_lists_every_target(makefile_text: str) -> None:
    """Does `make help` show every documented target with its description?"""
    entries = make_help_entries(makefile_text)
    assert "help" in entries
    make = shutil.which("make")
    assert make is not None, "GNU make is needed to run the project (apt-get install make)"
    shown = subprocess.run(
        [make, "--no-print-directory", "-C", str(ROOT), "help"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    listed = {line.split()[0]: line for line in shown.splitlines() if line.startswith("  ")}
    for target, description in entries.items():
        assert target in listed, f"`make help` does not list {target}"
        assert description in listed[target], f"`make help` lost the description of {target}"


def test_readme_lists_every_make_target(makefile_text: str) -> None:
    """Does the README's "Make targets" section mention every documented target?"""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Make targets", 1)[-1].split("\n## ", 1)[0]
    absent = [t for t in make_help_entries(makefile_text) if f"  {t} " not in section]
    assert absent == [], f"README.md's Make targets section misses {absent}"


def test_every_phony_target_is_documented(makefile_text: str) -> None:
    """Does every .PHONY target carry a `## description`, so `make help` can list it?"""
    undocumented = phony_targets(makefile_text) - make_help_entries(makefile_text).keys()
    assert undocumented == set(), f"add `## description` to: {sorted(undocumented)}"


def test_help_is_the_default_goal(makefile_text: str) -> None:
    """Does a bare `make` print the help rather than build or delete anything?"""
    assert re.search(r"^\.DEFAULT_GOAL\s*:=\s*help\s*$", makefile_text, re.MULTILINE)


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        (".venv/bin/python", True),
        ("gradebook.db", True),
        ("submitted/maria/ps1/01-users.ipynb", True),
        ("feedback/maria/ps1/01-users.html", True),
        ("notebooks/.ipynb_checkpoints/00.00-start-here-checkpoint.ipynb", True),
        ("src/iamlab/__pycache__/lab.cpython-311.pyc", True),
        ("test-output/screenshot.png", True),
        ("autograded/maria/ps1/01-users.ipynb", False),
        ("release/ps1/01-users.ipynb", False),
        ("source/ps1/01-users.ipynb", False),
        ("src/iamlab/scenarios/submitted/example.yaml", False),
    ],
)
def test_gitignore(path: str, ignored: bool) -> None:
    """Does .gitignore keep out local and per-student files, and keep in what is committed?"""
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    result = subprocess.run(
        [git, "-C", str(ROOT), "check-ignore", "--quiet", "--no-index", path],
        check=False,
        timeout=60,
    )
    assert result.returncode in (0, 1), f"git check-ignore failed on {path}"
    assert (result.returncode == 0) == ignored, (
        f"{path} should {'' if ignored else 'not '}be ignored"
    )
