"""Build the course as a JupyterLite site: JupyterLab and a Python kernel in the browser.

``python lite/build.py [--output build/lite]`` (what ``make lite`` runs) makes a static site that
needs no server beyond a static file host and fetches nothing from anywhere else:

- the self-study notebooks, the labs and the released assignments, in the repository's layout
  (a notebook's ``../labs/...`` works as on a server);
- the Pyodide runtime from the npm package ``pyodide`` (``lite/package.json``) in
  ``static/pyodide/``, with a lock file of our own that lists every wheel the kernel loads at
  start: the kernel's packages, iamlab (built from this checkout), ipywidgets, graphviz,
  parliament, PyYAML (its pure-Python half, repacked), each with its sha256;
- Graphviz compiled to WebAssembly (the npm package ``@viz-js/viz``) in ``static/viz/``, which
  ``iamlab.diagrams.display`` uses in the browser where no ``dot`` can run;
- JupyterLab's federated extensions of the Pyodide kernel and of ipywidgets, and nothing else
  from the build environment (no nbgrader menus).

Each build starts from an empty output folder and an empty JupyterLite work folder: a stale
``.jupyterlite.doit.db`` once made a rebuild skip the local Pyodide and point at a CDN.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REQUIREMENTS = HERE / "requirements.txt"
NODE_MODULES = HERE / "node_modules"
PYODIDE_NPM = NODE_MODULES / "pyodide"
VIZ_NPM = NODE_MODULES / "@viz-js" / "viz"
DEFAULT_OUTPUT = ROOT / "build" / "lite"
# The course files a learner opens, in the repository's layout (notebooks read ../labs/...).
CONTENTS = ("notebooks", "labs", "release")
START = "notebooks/00.00-start-here.ipynb"
# The runtime files of the pyodide npm package the browser needs (not its Node helpers).
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
# What the Pyodide kernel's worker installs with piplite unless it is preloaded (its worker.js).
KERNEL_PACKAGES = ("micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython")
# JupyterLab extensions the site carries, by their npm names (from the build environment).
EXTENSIONS = ("@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager")
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
# Wheels of which the site ships only a part: parliament needs setuptools for pkg_resources only
# (and pkg_resources its vendored packages), not the 1.2 MB of setuptools itself.
WHEEL_PARTS = {"setuptools": ("pkg_resources/", "setuptools/_vendor/")}
KEEP_SOURCE = ("iamlab",)  # projects whose wheels keep their .py beside the .pyc (learners read it)
VIZ_FILE = "viz.js"  # the ES module build (the kernel runs in a module worker)


class BuildError(Exception):
    """A step of the build failed; the message says which and why."""


@dataclass(frozen=True)
class Wheel:
    """A wheel the browser's kernel loads, as its lock file entry needs it."""

    path: Path
    name: str  # normalized project name
    version: str
    imports: tuple[str, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def lock_entry(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "file_name": self.path.name,
            "install_dir": "site",
            "sha256": self.sha256,
            "package_type": "package",
            "imports": list(self.imports),
            "depends": [],  # every wheel is preloaded (loadPyodideOptions.packages)
            "unvendored_tests": False,
            "shared_library": False,
        }


def normalize(name: str) -> str:
    """A project name as PEP 503 normalizes it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def run(cmd: Sequence[str | Path], *, cwd: Path | None = None) -> None:
    """Run one build command, its output shown; a failure stops the build naming the command."""
    shown = " ".join(str(c) for c in cmd)
    print(f"lite: {shown}", flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, check=False)
    if result.returncode != 0:
        raise BuildError(f"`{shown}` failed with exit status {result.returncode}")


def npm_install() -> None:
    """Install lite/package-lock.json's packages into lite/node_modules (npm ci, exact)."""
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is needed (apt-get install nodejs npm)")
    run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE)


def wheel_info(path: Path) -> Wheel:
    """Name, version and top-level import names of a wheel, from its file name and RECORD."""
    match = re.match(r"(?P<name>[^-]+)-(?P<version>[^-]+)-", path.name)
    if match is None:
        raise BuildError(f"{path.name}: not a wheel file name")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    tops = set()
    for member in names:
        first = member.split("/", 1)[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if "/" in member:
            tops.add(first)
        elif member.endswith(".py"):
            tops.add(member[: -len(".py")])
    return Wheel(path, normalize(match["name"]), match["version"], tuple(sorted(tops)))


def download_wheels(dest: Path) -> None:
    """The wheels of lite/requirements.txt, hashes checked by pip (PyYAML: its sdist)."""
    common: list[str | Path] = ["--no-deps", "--require-hashes", "--quiet", "--dest", dest]
    pip: list[str | Path] = [sys.executable, "-m", "pip", "download", *common]
    reqs = REQUIREMENTS.read_text(encoding="utf-8")
    binary, source = split_requirements(reqs)
    with tempfile.TemporaryDirectory() as tmp:
        wheel_reqs, sdist_reqs = Path(tmp, "wheels.txt"), Path(tmp, "sdists.txt")
        wheel_reqs.write_text(binary, encoding="utf-8")
        sdist_reqs.write_text(source, encoding="utf-8")
        # Pure-Python wheels for the browser's Python (3.14), whatever Python builds the site.
        target = ["--python-version", "3.14", "--implementation", "py", "--abi", "none"]
        run([*pip, "--only-binary=:all:", *target, "--platform", "any", "-r", wheel_reqs])
        run([*pip, "--no-binary=:all:", "-r", sdist_reqs])


SOURCE_ONLY = ("pyyaml",)  # no wheel for Pyodide on PyPI: built from the source archive


def split_requirements(text: str) -> tuple[str, str]:
    """lite/requirements.txt split into (wheel requirements, source-archive requirements)."""
    entries = re.split(r"(?m)^(?=[A-Za-z])", re.sub(r"(?m)^#.*\n", "", text))
    wheels = [e for e in entries if e.strip() and normalize(e.split("==")[0]) not in SOURCE_ONLY]
    sources = [e for e in entries if e.strip() and normalize(e.split("==")[0]) in SOURCE_ONLY]
    return "".join(wheels), "".join(sources)


def pure_pyyaml_wheel(sdist: Path, dest: Path) -> Path:
    """PyYAML's pure-Python package (``lib/yaml``) from its sdist, as a py3-none-any wheel.

    PyYAML's C extension is optional: without ``_yaml`` it uses its pure-Python loader, as
    ``yaml.__with_libyaml__ = False`` says.
    """
    match = re.match(r"pyyaml-(?P<version>[^-]+)\.tar\.gz$", sdist.name, re.IGNORECASE)
    if match is None:
        raise BuildError(f"{sdist.name}: not PyYAML's source archive")
    version = match["version"]
    files: dict[str, bytes] = {}
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            if member.isfile() and parts[1:3] == ["lib", "yaml"] and member.name.endswith(".py"):
                extracted = archive.extractfile(member)
                if extracted is not None:
                    files["yaml/" + "/".join(parts[3:])] = extracted.read()
    if "yaml/__init__.py" not in files:
        raise BuildError(f"{sdist.name}: no lib/yaml/__init__.py inside")
    info = f"PyYAML-{version}.dist-info"
    files[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: PyYAML\nVersion: {version}\n"
        "Summary: YAML parser and emitter for Python (pure-Python part, repacked)\n"
        "License: MIT\n"
    ).encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: iamlab lite/build.py\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    files[f"{info}/top_level.txt"] = b"yaml\n"
    record = io.StringIO()
    for name, data in sorted(files.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{name},sha256={digest},{len(data)}\n")
    record.write(f"{info}/RECORD,,\n")
    files[f"{info}/RECORD"] = record.getvalue().encode()
    wheel = dest / f"pyyaml-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            out.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return wheel


def keep_parts(wheel: Path, prefixes: tuple[str, ...]) -> None:
    """Rewrite ``wheel`` keeping only the files under ``prefixes`` and its metadata."""
    with zipfile.ZipFile(wheel) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    kept = [
        (info, data)
        for info, data in entries
        if info.filename.startswith(prefixes) or ".dist-info/" in info.filename
    ]
    if not any(".dist-info/" not in info.filename for info, _ in kept):
        raise BuildError(f"{wheel.name}: nothing under {prefixes}")
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in kept:
            archive.writestr(info, data)


def iamlab_wheel(dest: Path) -> None:
    """The iamlab package of this checkout as a wheel (its scenario bank inside)."""
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dest, ROOT])


def kernel_wheels(dest: Path) -> None:
    """The Pyodide kernel's own wheels (piplite, pyodide-kernel, the ipykernel stub), from the
    jupyterlite-pyodide-kernel package of the build environment."""
    pypi = extension_dir("@jupyterlite/pyodide-kernel-extension") / "static" / "pypi"
    for name in ("piplite", "pyodide_kernel", "ipykernel"):
        found = sorted(pypi.glob(f"{name}-*-py3-none-any.whl"))
        if len(found) != 1:
            raise BuildError(f"{pypi}: expected one {name} wheel, found {len(found)}")
        shutil.copy2(found[0], dest)


def extension_dir(npm_name: str) -> Path:
    """Where the build environment installed a JupyterLab extension."""
    path = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / npm_name
    if not (path / "package.json").exists():
        raise BuildError(f"{npm_name} is not installed in {sys.prefix} (make venv)")
    return path


def pyodide_dir(dest: Path, wheels: Iterable[Wheel]) -> list[str]:
    """static/pyodide/: the npm runtime, our wheels and a lock file naming exactly those
    wheels. Returns the package names the kernel preloads."""
    dest.mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copy2(PYODIDE_NPM / name, dest / name)
    npm_lock = json.loads((PYODIDE_NPM / "pyodide-lock.json").read_text(encoding="utf-8"))
    packages = {}
    for wheel in wheels:
        shutil.copy2(wheel.path, dest / wheel.path.name)
        packages[wheel.name] = wheel.lock_entry()
    lock = {"info": npm_lock["info"], "packages": dict(sorted(packages.items()))}
    (dest / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
    missing = [p for p in KERNEL_PACKAGES if p not in packages]
    if missing:
        raise BuildError(f"the kernel needs {missing}, which lite/requirements.txt lacks")
    return sorted(packages)


def lite_config(preload: list[str]) -> dict[str, object]:
    """jupyter-lite.json: the kernel's settings (no PyPI, every wheel preloaded)."""
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "IAM Study Lab",
            "litePluginSettings": {
                KERNEL_PLUGIN: {
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": {"packages": preload},
                }
            },
        },
    }


def build_config(output: Path, contents: Path) -> dict[str, object]:
    """jupyter_lite_config.json: only JupyterLab, our two extensions, no source maps."""
    return {
        "LiteBuildConfig": {
            "apps": ["lab"],
            "contents": [str(contents)],
            "output_dir": str(output),
            "ignore_sys_prefix": ["federated_extensions"],
            "federated_extensions": [str(extension_dir(name)) for name in EXTENSIONS],
            "no_sourcemaps": True,
            "no_unused_shared_packages": True,
        }
    }


def copy_contents(dest: Path) -> None:
    """The course files into the site's contents folder, without checkpoints or caches."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
    for name in CONTENTS:
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)


def start_page(output: Path) -> None:
    """The site's front page opens the start notebook: JupyterLite's own root page (it holds
    the configuration the app pages read) with a redirect before its script. The link is
    relative, so the site works under any path prefix (GitHub Pages serves it under /REPO/)."""
    page = output / "index.html"
    html = page.read_text(encoding="utf-8")
    anchor = '<script type="module">'
    if html.count(anchor) != 1:
        raise BuildError(f"{page}: expected one {anchor!r} in JupyterLite's root page")
    target = f"./lab/index.html?path={START}"
    redirect = f"<script>window.location.replace({json.dumps(target)});</script>\n    "
    page.write_text(html.replace(anchor, redirect + anchor), encoding="utf-8")


def pycompile(wheels: Path) -> None:
    """Byte-compile the wheels with the browser's own Python (lite/pycompile.mjs, Pyodide under
    Node), so that no kernel start compiles IPython and friends from source again."""
    node = shutil.which("node")
    if node is None:
        raise BuildError("node is needed (apt-get install nodejs npm)")
    run([node, HERE / "pycompile.mjs", wheels, *KEEP_SOURCE], cwd=HERE)


def build(output: Path, *, compile_bytecode: bool = True) -> None:
    """Build the site into ``output`` (emptied first)."""
    if output.exists():
        shutil.rmtree(output)
    npm_install()
    with tempfile.TemporaryDirectory(prefix="iamlab-lite-") as tmp:
        work = Path(tmp)
        wheels_dir, lite_dir, contents = work / "wheels", work / "lite", work / "contents"
        for folder in (wheels_dir, lite_dir, contents):
            folder.mkdir()
        download_wheels(wheels_dir)
        for sdist in wheels_dir.glob("*.tar.gz"):
            pure_pyyaml_wheel(sdist, wheels_dir)
            sdist.unlink()
        iamlab_wheel(wheels_dir)
        kernel_wheels(wheels_dir)
        for project, prefixes in WHEEL_PARTS.items():
            for wheel in wheels_dir.glob(f"{project}-*.whl"):
                keep_parts(wheel, prefixes)
        if compile_bytecode:
            pycompile(wheels_dir)
        wheels = [wheel_info(p) for p in sorted(wheels_dir.glob("*.whl"))]
        preload = pyodide_dir(lite_dir / "static" / "pyodide", wheels)

        copy_contents(contents)
        (lite_dir / "jupyter-lite.json").write_text(
            json.dumps(lite_config(preload), indent=2), encoding="utf-8"
        )
        (lite_dir / "jupyter_lite_config.json").write_text(
            json.dumps(build_config(output, contents), indent=2), encoding="utf-8"
        )
        jupyter = Path(sys.executable).parent / "jupyter"
        run([jupyter, "lite", "build", "--lite-dir", lite_dir], cwd=lite_dir)
    viz = output / "static" / "viz"
    viz.mkdir(parents=True)
    shutil.copy2(VIZ_NPM / "dist" / VIZ_FILE, viz / VIZ_FILE)
    start_page(output)
    check_site(output)


def check_site(output: Path) -> None:
    """The site points the kernel at its own Pyodide and names no other host."""
    config = json.loads((output / "jupyter-lite.json").read_text(encoding="utf-8"))
    settings = config["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]
    if settings.get("pyodideUrl") != "./static/pyodide/pyodide.mjs":
        raise BuildError(f"the kernel's pyodideUrl is {settings.get('pyodideUrl')!r}")
    for name in PYODIDE_FILES:
        if not (output / "static" / "pyodide" / name).exists():
            raise BuildError(f"static/pyodide/{name} is missing from the site")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the site's folder")
    parser.add_argument(
        "--no-pycompile",
        action="store_true",
        help="ship the wheels as they are (the kernel then compiles every module at each start)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        build(args.output.resolve(), compile_bytecode=not args.no_pycompile)
    except BuildError as error:
        print(f"lite: error: {error}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in args.output.rglob("*") if p.is_file())
    print(
        f"lite: built {args.output} ({size / 1e6:.1f} MB) in {time.monotonic() - started:.0f} s; "
        f"serve it over http(s), e.g. python -m http.server -d {args.output} -b 127.0.0.1"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
