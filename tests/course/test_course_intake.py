"""What students hand in is checked before nbgrader touches it (iamlab.course.intake)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iamlab.course.intake import INTAKE, plain_id, stage, unsafe_entries

NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def hand(course: Path, student: str, files: dict[str, bytes] | None = None) -> Path:
    folder = course / "submitted" / student / "ps01"
    folder.mkdir(parents=True)
    for name, data in (files if files is not None else {"ps01.ipynb": NB}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("alice", True),
        ("a.b-c_d@uni", True),
        ("*", False),
        ("a?b", False),
        ("[ab]", False),
        ("..", False),
        ("a\nb", False),
        ("a\x1bb", False),
        ("-rf", False),
        ("élodie", False),
        ("x" * 65, False),
    ],
)
def test_are_only_plain_student_ids_accepted(name: str, plain: bool) -> None:
    assert plain_id(name) is plain


def test_is_only_the_assignments_own_notebook_copied(tmp_path: Path) -> None:
    """A scratch copy, an `iamlab/` package, sitecustomize, startup files stay behind."""
    hand(
        tmp_path,
        "alice",
        {
            "ps01.ipynb": NB,
            "ps01-Copy1.ipynb": b"not a notebook",
            "iamlab/__init__.py": b"raise SystemExit",
            "sitecustomize.py": b"print('hi')",
            "x.pth": b"import os",
            ".ipython/profile_default/startup/00.py": b"print('hi')",
            "timestamp.txt": b"2026-12-01 10:00:00",
        },
    )
    staged, refused = stage(tmp_path, "ps01", ["ps01.ipynb"])
    assert staged == ["alice"] and refused == []
    copied = sorted(p.name for p in (tmp_path / INTAKE / "alice" / "ps01").iterdir())
    assert copied == ["ps01.ipynb", "timestamp.txt"]


def test_are_links_devices_and_fifos_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "gradebook.db"
    secret.write_bytes(b"SECRET")
    for student in ("sym", "hard", "fifo", "dev"):
        hand(tmp_path, student, {})
    (tmp_path / "submitted/sym/ps01/ps01.ipynb").symlink_to(secret)
    os.link(secret, tmp_path / "submitted/hard/ps01/ps01.ipynb")
    os.mkfifo(tmp_path / "submitted/fifo/ps01/ps01.ipynb")
    (tmp_path / "submitted/dev/ps01").rmdir()
    (tmp_path / "submitted/dev/ps01").symlink_to("/dev")
    hand(tmp_path, "honest")
    staged, refused = stage(tmp_path, "ps01", ["ps01.ipynb"])
    reasons = {r.student: r.reason for r in refused}
    assert "symbolic link" in reasons["sym"]
    assert "hard link" in reasons["hard"]
    assert "not a regular file" in reasons["fifo"]
    assert "not a folder" in reasons["dev"]
    assert all(r.zero for r in refused)
    assert "honest" in staged and "dev" not in staged
    for path in (tmp_path / INTAKE).rglob("*"):
        assert not path.is_file() or b"SECRET" not in path.read_bytes()


def test_is_a_bad_student_id_skipped_without_stopping_the_others(tmp_path: Path) -> None:
    hand(tmp_path, "*")
    hand(tmp_path, "bob")
    (tmp_path / "submitted" / "linked").symlink_to(tmp_path / "submitted" / "bob")
    staged, refused = stage(tmp_path, "ps01", ["ps01.ipynb"])
    assert staged == ["bob"]
    assert {r.student for r in refused} == {"*", "linked"}
    assert not any(r.zero for r in refused)


def test_is_a_folder_without_its_notebook_a_zero_with_the_reason(tmp_path: Path) -> None:
    hand(tmp_path, "carol", {"notes.txt": b"forgot it"})
    staged, refused = stage(tmp_path, "ps01", ["ps01.ipynb"])
    assert staged == ["carol"]
    assert refused[0].zero and "there is no ps01.ipynb" in refused[0].reason


def test_is_a_huge_notebook_refused(tmp_path: Path) -> None:
    hand(tmp_path, "dave", {})
    with open(tmp_path / "submitted/dave/ps01/ps01.ipynb", "wb") as f:
        f.truncate(17 * 1024**2)
    _, refused = stage(tmp_path, "ps01", ["ps01.ipynb"])
    assert "larger than" in refused[0].reason


def test_does_the_collect_check_name_every_unsafe_entry(tmp_path: Path) -> None:
    folder = hand(tmp_path, "eve", {"ps01.ipynb": NB, "sub/ok.txt": b"x"})
    (folder / "link").symlink_to("/etc/passwd")
    os.mkfifo(folder / "pipe")
    os.link(folder / "ps01.ipynb", folder / "twin.ipynb")
    problems = unsafe_entries(folder)
    assert any("link is a symbolic link" in p for p in problems)
    assert any("pipe is not a regular file" in p for p in problems)
    assert sum("hard link" in p for p in problems) == 2


def test_does_the_exchange_collect_refuse_a_submission_with_a_link(tmp_path: Path) -> None:
    """nbgrader's collect (its do_copy) with the course's check: nothing linked is copied."""
    from nbgrader.coursedir import CourseDirectory

    from iamlab.course.exchange import CheckedCollect

    secret = tmp_path / "gradebook.db"
    secret.write_bytes(b"SECRET")
    linked = hand(tmp_path, "mallory")
    (linked / "notes.txt").symlink_to(secret)
    honest = hand(tmp_path, "alice")
    collect = CheckedCollect(coursedir=CourseDirectory(root=str(tmp_path)))
    collect.do_copy(str(linked), str(tmp_path / "out-mallory"))
    collect.do_copy(str(honest), str(tmp_path / "out-alice"))
    assert not (tmp_path / "out-mallory").exists()
    assert (tmp_path / "out-alice" / "ps01.ipynb").read_bytes() == NB
