"""Binder: what can be checked without building the image.

environment.yml parses and pins what pyproject.toml pins; postBuild is executable and, run
for real with a throwaway venv and a temporary JUPYTER_CONFIG_DIR, installs iamlab and leaves
JupyterLab with nbgrader's Validate button and without its instructor and exchange parts;
the README's Binder badge opens a notebook that exists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from jupyter_settings import (
    EFFECTIVE_SERVER_EXTENSIONS,
    LAB_PLUGINS,
    NBGRADER_LAB,
    SERVER_EXTENSIONS,
    disabled_lab_plugins,
    enabled_server_extensions,
    lab,
    server,
)
from test_packaging import environment_pins, missing_from, pin_drift, pyproject_pins

ROOT = Path(__file__).resolve().parents[2]
POSTBUILD = ROOT / "postBuild"
VENV_BIN = Path(sys.executable).parent

# What a learner keeps, and what postBuild must turn off (nothing more, nothing less).
KEPT_LAB_PLUGINS = lab("validate-assignment")
OFF_LAB_PLUGINS = LAB_PLUGINS - KEPT_LAB_PLUGINS
KEPT_SERVER_EXTENSIONS = server("validate_assignment")
OFF_SERVER_EXTENSIONS = SERVER_EXTENSIONS - KEPT_SERVER_EXTENSIONS
# The files `pip install .` needs from the repository (pyproject.toml names them).
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE", "src")

BADGE = re.compile(
    r"\(https://mybinder\.org/v2/gh/(?P<repo>[^/\s]+/[^/\s]+)/(?P<ref>[^?\s]+)"
    r"\?(?P<query>[^)\s]+)\)"
)

# ---------------------------------------------------------------- environment.yml


@pytest.fixture(scope="module")
def environment() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "environment.yml is not a mapping"
    return data


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def test_environment_is_a_conda_forge_environment(environment: dict[str, Any]) -> None:
    """Does environment.yml use conda-forge only, with a list of dependencies as Binder reads it?"""
    assert environment.get("channels") == ["conda-forge", "nodefaults"]
    assert isinstance(environment.get("dependencies"), list)


def test_environment_pins_python_to_what_pyproject_allows(
    environment: dict[str, Any], pyproject: dict[str, Any]
) -> None:
    """Is Python pinned in environment.yml, to a version pyproject's requires-python accepts?"""
    from packaging.specifiers import SpecifierSet

    pythons = [
        d for d in environment["dependencies"] if isinstance(d, str) and re.match(r"^python\s*=", d)
    ]
    assert len(pythons) == 1, f"pin python exactly once in environment.yml: {pythons}"
    version = pythons[0].split("=")[-1].strip()
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains(version + ".0")


def test_environment_agrees_with_pyproject(
    environment: dict[str, Any], pyproject: dict[str, Any]
) -> None:
    """Does Binder install every runtime dependency, at the version pyproject.toml pins?"""
    runtime, grouped = pyproject_pins(pyproject)
    conda = environment_pins(environment)
    assert missing_from(runtime, conda) == []
    assert pin_drift({**runtime, **grouped}, conda) == {}


# ---------------------------------------------------------------- postBuild


def test_postbuild_is_executable() -> None:
    """Is postBuild executable, in the work tree and in git (repo2docker runs it directly)?"""
    assert os.access(POSTBUILD, os.X_OK)
    git = shutil.which("git")
    if git and (ROOT / ".git").exists():
        listed = subprocess.run(
            [git, "-C", str(ROOT), "ls-files", "--stage", "postBuild"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        if listed:  # not yet added: the work tree's mode is what will be committed
            assert listed.startswith("100755 "), listed


def test_the_plugins_postbuild_names_are_nbgraders() -> None:
    """Are the lab plugins kept and turned off exactly the ones nbgrader 0.9.6 registers?"""
    static = Path(sys.prefix, "share", "jupyter", "labextensions", NBGRADER_LAB, "static")
    registered = set()
    for script in static.glob("*.js"):
        registered |= set(re.findall(r'"(@jupyter/nbgrader:[a-z-]+)"', script.read_text("utf-8")))
    assert registered == KEPT_LAB_PLUGINS | OFF_LAB_PLUGINS
    text = POSTBUILD.read_text(encoding="utf-8")
    for plugin in OFF_LAB_PLUGINS:
        assert plugin.split(":")[1] in text


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run postBuild for real: a copy of the package, a throwaway venv, a fresh config dir.

    The throwaway venv sees this venv's packages through a .pth file, the way Binder's
    environment already holds every dependency when postBuild runs; whatever postBuild
    installs goes into the throwaway venv, and its settings into the temporary config dir.
    """
    tmp = tmp_path_factory.mktemp("binder")
    repo, venv, config, data = tmp / "repo", tmp / "venv", tmp / "config", tmp / "data"
    repo.mkdir()
    for name in PACKAGE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(source, repo / name)
    shutil.copy2(POSTBUILD, repo / "postBuild")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    site = next(venv.glob("lib/python*/site-packages"))
    parent_site = next(Path(sys.prefix).glob("lib/python*/site-packages"))
    (site / "_binder_test_parent.pth").write_text(f"{parent_site}\n", encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON"))},
        "PATH": f"{venv / 'bin'}{os.pathsep}{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(data),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    done = subprocess.run(
        ["./postBuild"], cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"postBuild failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return {"repo": repo, "venv": venv, "site": site, "config": config, "env": env}


def test_postbuild_installs_iamlab(built: dict[str, Any]) -> None:
    """Does postBuild install the iamlab package (into Binder's environment)?"""
    assert list(built["site"].glob("iamlab-*.dist-info")), "iamlab was not installed"
    assert (built["site"] / "iamlab" / "__init__.py").is_file()


def test_postbuild_writes_exactly_the_learner_settings(built: dict[str, Any]) -> None:
    """Does the config postBuild writes turn off exactly the instructor and exchange parts?"""
    config: Path = built["config"]
    page = json.loads((config / "labconfig" / "page_config.json").read_text("utf-8"))
    assert {k for k, v in page["disabledExtensions"].items() if v} == OFF_LAB_PLUGINS
    server = json.loads((config / "jupyter_server_config.json").read_text("utf-8"))
    assert server["ServerApp"]["jpserver_extensions"] == dict.fromkeys(OFF_SERVER_EXTENSIONS, False)


def test_jupyter_sees_the_learner_settings(built: dict[str, Any]) -> None:
    """With those settings, does Jupyter itself keep Validate on and the rest off?"""
    env = built["env"]
    shown = subprocess.run(
        [str(VENV_BIN / "jupyter"), "labextension", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert disabled_lab_plugins(shown.stdout + shown.stderr) == OFF_LAB_PLUGINS
    effective = subprocess.run(
        [sys.executable, "-c", EFFECTIVE_SERVER_EXTENSIONS],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert enabled_server_extensions(effective) == KEPT_SERVER_EXTENSIONS


def test_the_learner_settings_do_not_touch_this_venv(built: dict[str, Any]) -> None:
    """Did postBuild leave this venv's own Jupyter configuration alone?"""
    nbgrader_json = Path(sys.prefix, "etc", "jupyter", "jupyter_server_config.d", "nbgrader.json")
    enabled = json.loads(nbgrader_json.read_text("utf-8"))["ServerApp"]["jpserver_extensions"]
    assert all(enabled[name] for name in OFF_SERVER_EXTENSIONS | KEPT_SERVER_EXTENSIONS)
    page_config = Path(sys.prefix, "etc", "jupyter", "labconfig", "page_config.json")
    if page_config.exists():
        disabled = json.loads(page_config.read_text("utf-8")).get("disabledExtensions", {})
        assert not OFF_LAB_PLUGINS & set(disabled)


# ---------------------------------------------------------------- the README badge


def test_readme_badge_opens_a_notebook_that_exists() -> None:
    """Does the README's Binder badge open JupyterLab at a notebook in this repository?"""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badges = list(BADGE.finditer(readme))
    assert badges, "README.md has no mybinder.org badge"
    for badge in badges:
        urlpath = parse_qs(badge["query"])["urlpath"][0]
        assert urlpath.startswith("lab/tree/"), f"the badge should open JupyterLab: {urlpath}"
        target = ROOT / urlpath.removeprefix("lab/tree/")
        assert target.suffix == ".ipynb" and target.is_file(), f"{target} does not exist"
        assert badge["ref"] == "HEAD"
        assert urlsplit(badge.group(0)[1:-1]).netloc == "mybinder.org"
