"""Check what students handed in before nbgrader touches it, and keep only what is graded.

``submitted/<student>/<assignment>/`` is written by students (through ``nbgrader collect``),
so nothing in it is trusted: not the student id (a folder name), not the kind of each entry
(a symbolic link to ``source/`` or to the gradebook, a hard link to a classmate's notebook, a
FIFO or ``/dev/zero``), not the files beside the notebook (an ``iamlab/`` package, a
``sitecustomize.py``, a scratch ``ps01-Copy1.ipynb``). :func:`stage` copies, for each student,
only the assignment's own notebooks and ``timestamp.txt``, each opened without following
links (``O_NOFOLLOW``, relative to the checked folder) and only when it is a regular file with
one link and a bounded size, into ``intake/<student>/<assignment>/``; nbgrader autogrades
that copy (``CourseDirectory.submitted_directory``). Each refusal is a :class:`Refusal` with
its reason: a bad student id is skipped; a notebook that is missing or not a plain file
scores zero with the reason; no refusal stops or changes anyone else's grading.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

INTAKE = "intake"
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MAX_NOTEBOOK_BYTES = 16 * 1024**2
MAX_TIMESTAMP_BYTES = 100
TIMESTAMP = "timestamp.txt"


@dataclass(frozen=True)
class Refusal:
    """Why (part of) a submission is not graded; ``zero``: is a zero recorded for it?"""

    student: str
    reason: str
    zero: bool = True


def plain_id(name: str) -> bool:
    """Is ``name`` a plain student id (letters, digits, ``._@-``; no glob, path or control)?"""
    return STUDENT_ID.fullmatch(name) is not None and name not in (".", "..")


def read_plain_file(folder_fd: int, name: str, limit: int) -> bytes:
    """The bytes of ``name`` in the open folder, or :class:`OSError` saying why it is refused."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(f"{name} is a symbolic link") from None
        if error.errno == errno.ENOENT:
            raise FileNotFoundError(f"there is no {name}") from None
        raise OSError(f"{name} cannot be opened: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{name} is not a regular file (a device, FIFO, socket or folder)")
        if info.st_nlink != 1:
            raise OSError(f"{name} is a hard link ({info.st_nlink} names for one file)")
        if info.st_size > limit:
            raise OSError(f"{name} is larger than {limit} bytes ({info.st_size})")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1024**2))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise OSError(f"{name} is larger than {limit} bytes")
        return data
    finally:
        os.close(fd)


def _open_folder(path: Path, parent_fd: int | None = None) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    return os.open(path if parent_fd is None else path.name, flags, dir_fd=parent_fd)


def stage(course: Path, assignment: str, notebooks: list[str]) -> tuple[list[str], list[Refusal]]:
    """Copy the checked submissions of ``assignment`` to ``intake/``; return who, and refusals."""
    course = Path(course)
    target_root = course / INTAKE
    if target_root.is_symlink() or (target_root.exists() and not target_root.is_dir()):
        target_root.unlink()
    elif target_root.is_dir():
        shutil.rmtree(target_root)
    staged: list[str] = []
    refused: list[Refusal] = []
    submitted = course / "submitted"
    if not submitted.is_dir():
        return staged, refused
    root_fd = _open_folder(submitted)
    try:
        for student in sorted(os.listdir(root_fd)):
            if not plain_id(student):
                refused.append(
                    Refusal(
                        repr(student)[1:-1][:80],
                        "skipped: the student id is not plain (letters, digits and ._@- only)",
                        zero=False,
                    )
                )
                continue
            try:
                student_fd = _open_folder(submitted / student, root_fd)
            except OSError:
                if os.path.lexists(submitted / student / assignment) or os.path.islink(
                    submitted / student
                ):
                    refused.append(Refusal(student, "skipped: the folder is a link", zero=False))
                continue
            try:
                if assignment not in os.listdir(student_fd):
                    continue
                try:
                    folder_fd = _open_folder(submitted / student / assignment, student_fd)
                except OSError:
                    refused.append(Refusal(student, f"{assignment} is not a folder (a link?)"))
                    continue
                try:
                    refused += _stage_one(course, student, assignment, notebooks, folder_fd)
                    staged.append(student)
                finally:
                    os.close(folder_fd)
            finally:
                os.close(student_fd)
    finally:
        os.close(root_fd)
    return staged, refused


def _stage_one(
    course: Path, student: str, assignment: str, notebooks: list[str], folder_fd: int
) -> list[Refusal]:
    target = course / INTAKE / student / assignment
    target.mkdir(parents=True, exist_ok=True)
    refused = []
    for name in notebooks:
        try:
            data = read_plain_file(folder_fd, name, MAX_NOTEBOOK_BYTES)
        except OSError as error:
            refused.append(Refusal(student, f"{name} not graded: {error}"))
            continue
        (target / name).write_bytes(data)
    with contextlib.suppress(OSError):  # no usable timestamp: nbgrader takes it as on time
        stamp = read_plain_file(folder_fd, TIMESTAMP, MAX_TIMESTAMP_BYTES)
        (target / TIMESTAMP).write_bytes(stamp)
    return refused


def unsafe_entries(folder: Path) -> list[str]:
    """What in ``folder`` (recursively, links not followed) is not a plain file or folder.

    For an exchange's collect: a submission holding any of these should not be copied.
    """
    problems = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                problems.append(f"{path.relative_to(folder)} is a symbolic link")
            elif stat.S_ISDIR(info.st_mode):
                continue
            elif not stat.S_ISREG(info.st_mode):
                problems.append(f"{path.relative_to(folder)} is not a regular file")
            elif info.st_nlink != 1:
                problems.append(f"{path.relative_to(folder)} is a hard link")
    return problems
