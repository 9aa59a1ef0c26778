"""Run each submission's kernel in a bubblewrap sandbox while nbgrader autogrades it.

The kernel sees only what it needs: the system's ``/usr`` and ``/etc``, the Python it runs
on, the ``iamlab`` package, its own submission folder (read-only) and a private folder for
its sockets. It does not see the gradebook, ``source/``, the other students' submissions or
the instructor's home; it has no network (a new network namespace with only its own
loopback); and it runs under limits on memory (address space), CPU time, processes and open
files. When nbgrader runs as root the kernel is also dropped to the ``nobody`` user, so the
process limit applies (the kernel ignores RLIMIT_NPROC for root).

The kernel talks to nbgrader over ZeroMQ *IPC* sockets (unix sockets in the private folder)
instead of TCP on localhost, which an unshared network namespace could not reach.

``SandboxedExecute`` is nbgrader's ``Execute`` preprocessor with this kernel manager;
``nbgrader_config.py`` puts it in ``Autograde.autograde_preprocessors``. When bubblewrap
cannot start, autograding stops with :class:`SandboxUnavailable` unless the instructor sets
``IAMLAB_ALLOW_UNSANDBOXED=1``.
"""

# nbformat, nbconvert, nbgrader and IPython ship no (or partial) type information: calling
# them from typed code, and subclassing their classes, is what this module is for.
# mypy: disable-error-code="no-untyped-call,misc"

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat.notebooknode import from_dict
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode, default

ALLOW_ENV = "IAMLAB_ALLOW_UNSANDBOXED"
NOBODY = 65534
HOME = "/tmp/home"
# System folders bound read-only when they exist (symlinks such as /lib -> usr/lib are copied
# as symlinks, so merged-/usr systems work as well as older ones).
SYSTEM_PATHS = (
    "/usr",
    "/etc",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt/conda",
)


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot start a sandbox here; the message says why and what to do."""


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Resource limits applied inside the sandbox with ``prlimit``."""

    memory_bytes: int = 2 * 1024**3  # address space of each process
    cpu_seconds: int = 300  # CPU time of each process
    processes: int = 64  # processes and threads of the sandbox's user
    open_files: int = 256
    file_bytes: int = 64 * 1024**2  # largest file a process may write
    tmp_bytes: int = 64 * 1024**2  # size of each of the sandbox's tmpfs (/tmp, /var/tmp)
    tree_memory_bytes: int = 3 * 1024**3  # memory of the kernel's whole process tree (cgroup)

    def prlimit_args(self, processes: int | None = None) -> list[str]:
        nproc = self.processes if processes is None else processes
        return [
            f"--as={self.memory_bytes}",
            f"--cpu={self.cpu_seconds}",
            f"--nproc={nproc}",
            f"--nofile={self.open_files}",
            f"--fsize={self.file_bytes}",
        ]


def allowed_unsandboxed() -> bool:
    return os.environ.get(ALLOW_ENV, "") == "1"


def python_paths() -> list[Path]:
    """The folders the kernel's Python needs: the venv, its base interpreter, iamlab."""
    import iamlab

    paths = [
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.executable).parent,
        Path(iamlab.__file__).resolve().parents[1],
    ]
    # an interpreter symlinked from elsewhere (pyenv, uv ...): bind its real home too
    paths.append(Path(os.path.realpath(sys.executable)).parents[1])
    return paths


def _minimal(paths: Iterable[Path]) -> list[Path]:
    """Drop paths contained in other paths of the list; resolve symlinks; keep the order."""
    resolved: list[Path] = []
    for p in paths:
        r = Path(os.path.realpath(p))
        if r.exists() and r not in resolved:
            resolved.append(r)
    return [p for p in resolved if not any(p != q and p.is_relative_to(q) for q in resolved)]


def bwrap_argv(
    command: Sequence[str],
    *,
    workdir: Path,
    socket_dir: Path,
    limits: Limits = Limits(),
    drop_to_nobody: bool | None = None,
    extra_ro: Iterable[Path] = (),
    env: dict[str, str] | None = None,
) -> list[str]:
    """Return the argv that runs ``command`` in the sandbox, in ``workdir``."""
    bwrap = shutil.which("bwrap")
    prlimit = shutil.which("prlimit")
    if bwrap is None or prlimit is None:
        missing = "bwrap (package bubblewrap)" if bwrap is None else "prlimit (util-linux)"
        raise SandboxUnavailable(f"{missing} is not installed")
    root = os.geteuid() == 0 if drop_to_nobody is None else drop_to_nobody
    argv = [
        bwrap,
        "--die-with-parent",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "sandbox",
    ]
    if os.geteuid() != 0:
        argv.append("--unshare-user")
    argv.extend(
        [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--perms",
            "1777",
            "--size",
            str(limits.tmp_bytes),
            "--tmpfs",
            "/tmp",
            "--perms",
            "1777",
            "--size",
            str(limits.tmp_bytes),
            "--tmpfs",
            "/var/tmp",
        ]
    )
    made: set[str] = {"/tmp", "/var/tmp"}

    def parents(target: Path) -> None:
        # bwrap makes missing parents with mode 0700; make them 0755 so `nobody` can pass
        for parent in reversed(target.parents):
            text = str(parent)
            if text != "/" and text not in made:
                made.add(text)
                argv.extend(["--perms", "0755", "--dir", text])

    for name in SYSTEM_PATHS:
        path = Path(name)
        if path.is_symlink():
            argv.extend(["--symlink", os.readlink(path), name])
        elif path.exists():
            argv.extend(["--ro-bind", name, name])
    for path in _minimal([*python_paths(), *extra_ro]):
        if any(str(path) == s or path.is_relative_to(s) for s in SYSTEM_PATHS):
            continue
        parents(path)
        argv.extend(["--ro-bind", str(path), str(path)])
    argv.extend(["--perms", "0777", "--dir", HOME])
    workdir, socket_dir = workdir.resolve(), socket_dir.resolve()
    for path, how in ((workdir, "--ro-bind"), (socket_dir, "--bind")):
        parents(path)
        argv.extend([how, str(path), str(path)])
    argv.extend(["--chdir", str(workdir), "--clearenv"])
    kernel_env = {
        "HOME": HOME,
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "IPYTHONDIR": f"{HOME}/.ipython",
        "MPLCONFIGDIR": f"{HOME}/.matplotlib",
        "PYTHONDONTWRITEBYTECODE": "1",
        **(env or {}),
    }
    for key, value in kernel_env.items():
        argv.extend(["--setenv", key, value])
    if root:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise SandboxUnavailable("setpriv (util-linux) is needed to drop root in the sandbox")
        argv.extend(
            [
                "--cap-add",
                "CAP_SETUID",
                "--cap-add",
                "CAP_SETGID",
                "--",
                setpriv,
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                prlimit,
                *limits.prlimit_args(),
            ]
        )
    else:
        # RLIMIT_NPROC counts every process of the user, inside the sandbox or not
        argv.extend(["--", prlimit, *limits.prlimit_args(_own_processes() + limits.processes)])
    argv.extend(["--", *command])
    return argv


def _own_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count


@cache
def probe() -> str | None:
    """Start a trivial sandbox once; return None when it works, else the reason it does not."""
    with tempfile.TemporaryDirectory(prefix="iamlab-probe-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        try:
            argv = bwrap_argv(
                [sys.executable, "-c", "import iamlab"], workdir=work, socket_dir=work
            )
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        except (SandboxUnavailable, OSError, subprocess.SubprocessError) as error:
            return str(error)
        if done.returncode != 0:
            return (done.stderr.strip() or f"exit status {done.returncode}").splitlines()[-1]
    return None


def require_sandbox() -> bool:
    """Return True when the sandbox works; False when unsandboxed grading is allowed.

    Raise :class:`SandboxUnavailable` (with what to do) otherwise.
    """
    problem = probe()
    if problem is None:
        return True
    if allowed_unsandboxed():
        print(f"warning: grading WITHOUT a sandbox ({ALLOW_ENV}=1): {problem}", file=sys.stderr)
        return False
    raise SandboxUnavailable(
        f"cannot start the bubblewrap sandbox that autograding runs students' code in: "
        f"{problem}. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow "
        f"user namespaces, or set {ALLOW_ENV}=1 to grade without a sandbox (students' code "
        f"then runs with your permissions)."
    )


CGROUP_ROOT = Path("/sys/fs/cgroup")


def make_cgroups(name: str, memory_bytes: int, processes: int) -> list[Path]:
    """Control groups that bound a whole process tree's memory and processes.

    cgroup v2 (one ``name`` folder with ``memory.max`` and ``pids.max``) or v1 (one folder in
    each of the ``memory`` and ``pids`` hierarchies). Returns ``[]`` when they cannot be made
    (no permission, no such controller): the per-process limits still apply then.
    """
    made: list[Path] = []
    try:
        if (CGROUP_ROOT / "cgroup.controllers").exists():
            plan = [(CGROUP_ROOT / name, {"memory.max": memory_bytes, "pids.max": processes})]
        else:
            plan = [
                (CGROUP_ROOT / "memory" / name, {"memory.limit_in_bytes": memory_bytes}),
                (CGROUP_ROOT / "pids" / name, {"pids.max": processes}),
            ]
        for folder, settings in plan:
            if not folder.parent.is_dir():
                continue
            folder.mkdir()
            made.append(folder)
            for key, value in settings.items():
                (folder / key).write_text(str(value), encoding="ascii")
    except OSError:
        remove_cgroups(made)
        return []
    return made


def remove_cgroups(folders: Iterable[Path]) -> None:
    """Kill what is left in each control group, then remove it."""
    for folder in folders:
        for _ in range(20):
            try:
                pids = (folder / "cgroup.procs").read_text(encoding="ascii").split()
            except OSError:
                break
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            time.sleep(0.05)
        with contextlib.suppress(OSError):
            folder.rmdir()


def in_cgroups(folders: Sequence[Path], argv: Sequence[str]) -> list[str]:
    """``argv`` started from a shell that first moves itself into ``folders``."""
    if not folders:
        return list(argv)
    joins = "; ".join(f"echo $$ > {shlex.quote(str(f / 'cgroup.procs'))}" for f in folders)
    return ["/bin/sh", "-c", f'{joins}; exec "$@"', "sh", *argv]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside bubblewrap and talks to it over IPC."""

    memory_bytes = Integer(
        Limits.memory_bytes, config=True, help="address-space limit of each kernel process"
    )
    cpu_seconds = Integer(
        Limits.cpu_seconds, config=True, help="CPU-time limit of each kernel process"
    )
    processes = Integer(Limits.processes, config=True, help="how many processes the kernel may run")
    socket_root = Unicode(
        "", config=True, help="where the private socket folders go (default: the temp dir)"
    )
    require = Bool(
        True,
        config=True,
        help="refuse to start an unsandboxed kernel (unless IAMLAB_ALLOW_UNSANDBOXED=1)",
    )

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    tree_memory_bytes = Integer(
        Limits.tree_memory_bytes,
        config=True,
        help="memory limit of the kernel's whole process tree (a cgroup, when one can be made)",
    )

    _sandbox_dir: Path | None = None
    _sandbox_cwd: Path | None = None
    _sandboxed: bool = True
    _cgroups: list[Path] = []  # noqa: RUF012 (replaced per kernel, never mutated)

    @property
    def kernel_spec(self) -> Any:
        spec = super().kernel_spec
        if spec is not None:
            # interrupt by message: a SIGINT to the process group would reach bwrap itself
            spec.interrupt_mode = "message"
        return spec

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        self._sandboxed = require_sandbox() if self.require else probe() is None
        self._sandbox_cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
        self._sandbox_dir = Path(
            tempfile.mkdtemp(prefix="iamlab-kernel-", dir=self.socket_root or None)
        )
        if self._sandboxed and os.geteuid() == 0:
            os.chown(self._sandbox_dir, NOBODY, NOBODY)
        self.transport = "ipc"
        self.connection_file = str(self._sandbox_dir / "kernel.json")
        self.ip = str(self._sandbox_dir / "kernel-ipc")
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        if not self._sandboxed or self._sandbox_dir is None or self._sandbox_cwd is None:
            return command
        if os.geteuid() == 0:
            os.chown(self.connection_file, NOBODY, NOBODY)
        limits = Limits(
            memory_bytes=self.memory_bytes, cpu_seconds=self.cpu_seconds, processes=self.processes
        )
        argv = bwrap_argv(
            command, workdir=self._sandbox_cwd, socket_dir=self._sandbox_dir, limits=limits
        )
        if os.geteuid() == 0:
            self._cgroups = make_cgroups(
                self._sandbox_dir.name, self.tree_memory_bytes, self.processes + 8
            )
            if not self._cgroups:
                self.log.warning("no cgroup: the kernel's process tree has per-process limits only")
        return in_cgroups(self._cgroups, argv)

    def lock_socket_dir(self) -> None:
        """Once the kernel has made its sockets: no more files in the socket folder.

        Grading as root, the kernel runs as ``nobody``: the folder goes back to root and
        read-only, so the kernel cannot fill the host's disk through it.
        """
        if self._sandboxed and self._sandbox_dir is not None and os.geteuid() == 0:
            os.chown(self._sandbox_dir, 0, 0)
            os.chmod(self._sandbox_dir, 0o755)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            remove_cgroups(self._cgroups)
            self._cgroups = []
        if not restart and self._sandbox_dir is not None:
            shutil.rmtree(self._sandbox_dir, ignore_errors=True)
            self._sandbox_dir = None

    cleanup_resources = _async_cleanup_resources


class SandboxedExecute(Execute):
    """nbgrader's Execute preprocessor, with every kernel started in the sandbox.

    It also keeps what a notebook earned before its kernel died: nbgrader gives up on the
    whole submission when the kernel dies (``os._exit``, a resource limit) or a cell cannot be
    interrupted after its timeout. Here that cell gets an error output saying so, the kernel
    is stopped, the cells after it are marked as not run (their tests fail with that reason),
    and the cells before it keep their results.

    It bounds each notebook: a time budget for the whole notebook (``notebook_timeout``: when
    it runs out, the kernel is stopped and the rest is not run, so one slow submission cannot
    push the others past the run's limits) and a cap on the bytes of each cell's output
    (``max_output_bytes``; what comes after is dropped with a note, so a 20 MB line never
    reaches the graded notebook or the feedback).
    """

    notebook_timeout = Integer(
        600, config=True, help="seconds the whole notebook may run before the rest is not run"
    )
    max_output_bytes = Integer(
        1024**2, config=True, help="bytes of output kept per cell; the rest is dropped"
    )

    _stopped: str | None = None
    _deadline: float = 0.0
    _output_used: dict[int, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)
        self._output_used = {}

    def preprocess(self, nb: Any, resources: Any = None, km: Any = None) -> Any:
        self._stopped = None
        self._output_used = {}
        self._deadline = time.monotonic() + self.notebook_timeout
        return super().preprocess(nb, resources, km=km)

    async def async_start_new_kernel_client(self) -> Any:
        client = await super().async_start_new_kernel_client()
        if isinstance(self.km, SandboxedKernelManager):
            self.km.lock_socket_dir()
        return client

    # nbclient binds the synchronous name to its own coroutine: bind it to this one
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _get_timeout(self, cell: Any) -> int | None:
        timeout = super()._get_timeout(cell)
        left = max(1, int(self._deadline - time.monotonic()))
        return left if timeout is None else min(timeout, left)

    def output(self, outs: Any, msg: Any, display_id: Any, cell_index: int) -> Any:
        size = _content_bytes(msg.get("content", {}))
        used = self._output_used.get(cell_index, 0)
        if used + size > self.max_output_bytes:
            if used <= self.max_output_bytes:
                self._output_used[cell_index] = self.max_output_bytes + 1
                note = f"[output beyond {self.max_output_bytes} bytes was dropped by the grader]\n"
                outs.append(from_dict({"output_type": "stream", "name": "stdout", "text": note}))
            return None
        self._output_used[cell_index] = used + size
        return super().output(outs, msg, display_id, cell_index)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> Any:
        if self._stopped is None and time.monotonic() >= self._deadline:
            self._stopped = (
                f"the notebook ran past its time budget ({self.notebook_timeout} s) before "
                f"cell {index + 1}"
            )
            self._stop_kernel()
        if self._stopped is not None:
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [_error("NotRun", f"this cell did not run: {self._stopped}")]
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped = (
                f"the kernel died while cell {index + 1} was running (a crash such "
                f"as os._exit, or a memory, CPU-time or process limit)"
            )
        except CellTimeoutError:
            self._stopped = (
                f"cell {index + 1} ran past the time limit ({self._get_timeout(cell)} s) and "
                f"did not stop when interrupted"
            )
            self._stop_kernel()
        self.log.error("%s", self._stopped)
        cell.outputs.append(_error("KernelStopped", self._stopped))
        return cell, self.resources

    def _stop_kernel(self) -> None:
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception as error:  # the kernel may be gone already
            self.log.warning("could not stop the kernel: %s", error)


def _content_bytes(content: Any) -> int:
    """About how many bytes a message's content holds (its strings, counted as UTF-8 at most)."""
    if isinstance(content, str):
        return len(content) * 4 if not content.isascii() else len(content)
    if isinstance(content, dict):
        return sum(_content_bytes(v) for v in content.values())
    if isinstance(content, list):
        return sum(_content_bytes(v) for v in content)
    return 8


def _error(name: str, message: str) -> Any:
    return from_dict(
        {
            "output_type": "error",
            "ename": name,
            "evalue": message,
            "traceback": [f"{name}: {message}"],
        }
    )
