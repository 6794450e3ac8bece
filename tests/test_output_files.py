"""Writing the outputs (tracker.outputs.files): rewritten only when changed, safely, line
endings kept."""

from __future__ import annotations

import os
import stat

import pytest

from tracker.errors import OutputError
from tracker.outputs.files import read_text, write_if_changed, write_issues
from tracker.store import atomic_write

LONG = ("| row | é |\n" * 150_000)  # 1.8 million characters


@pytest.mark.parametrize("text", ["", "a\nb\n", LONG])
def test_the_same_text_is_not_written_again(tmp_path, text):
    path = tmp_path / "README.md"
    assert write_if_changed(path, text) is True  # a new file
    before = path.stat().st_mtime_ns
    assert write_if_changed(path, text) is False
    assert path.stat().st_mtime_ns == before


def test_line_endings_alone_are_no_change(tmp_path):
    path = tmp_path / "README.md"
    path.write_bytes(b"a\r\nb\r\n")  # as a Windows checkout may hold it
    assert write_if_changed(path, "a\nb\n") is False


def test_a_readme_with_windows_line_endings_keeps_them(tmp_path):
    path = tmp_path / "README.md"
    path.write_bytes(b"# Mine\r\n<!-- tracker:start -->\r\nold\r\n<!-- tracker:end -->\r\n")
    assert read_text(path) == "# Mine\n<!-- tracker:start -->\nold\n<!-- tracker:end -->\n"
    assert write_if_changed(path, "# Mine\n<!-- tracker:start -->\nnew\n| a |\n"
                                  "<!-- tracker:end -->\n") is True
    assert path.read_bytes() == (b"# Mine\r\n<!-- tracker:start -->\r\nnew\r\n| a |\r\n"
                                 b"<!-- tracker:end -->\r\n")


def test_a_new_readme_and_one_with_unix_line_endings_get_unix_ones(tmp_path):
    path = tmp_path / "README.md"
    write_if_changed(path, "a\nb\n")
    assert path.read_bytes() == b"a\nb\n"
    write_if_changed(path, "a\nc\n")
    assert path.read_bytes() == b"a\nc\n"


@pytest.mark.parametrize("change", [LONG[:-1], LONG + "x", "x" + LONG[1:], LONG[:-2] + "x\n"])
def test_any_difference_rewrites_the_file(tmp_path, change):
    path = tmp_path / "README.md"
    write_if_changed(path, LONG)
    assert write_if_changed(path, change) is True
    assert path.read_text(encoding="utf-8") == change


def test_a_readme_that_is_a_symbolic_link_is_refused_not_replaced(tmp_path):
    real = tmp_path / "elsewhere.md"
    real.write_text("theirs\n", encoding="utf-8")
    link = tmp_path / "README.md"
    os.symlink(real, link)
    with pytest.raises(OutputError, match=r"README\.md is a symbolic link"):
        read_text(link)
    with pytest.raises(OutputError, match=r"README\.md is a symbolic link"):
        write_if_changed(link, "ours\n")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "theirs\n"


def test_a_planted_link_at_a_guessable_temporary_name_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n", encoding="utf-8")
    for pid in (os.getpid(), 12345):  # the names the tracker once used: .NAME.PID.tmp
        os.symlink(victim, tmp_path / f".README.md.{pid}.tmp")
    atomic_write(tmp_path / "README.md", "new\n")
    assert victim.read_text(encoding="utf-8") == "keep\n"
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "new\n"
    assert not (tmp_path / "README.md").is_symlink()


def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_the_umask(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o640)
    atomic_write(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.md", "x\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o644


def test_temporaries_of_a_killed_run_are_removed_by_the_next_write(tmp_path):
    leftovers = [tmp_path / ".README.md.k3j_x9ab.tmp", tmp_path / "build" / ".issue-1.md.abc.tmp"]
    leftovers[1].parent.mkdir()
    for leftover in leftovers:
        leftover.write_text("half\n", encoding="utf-8")
    mine = tmp_path / ".notes.tmp"
    mine.write_text("a user's file\n", encoding="utf-8")
    write_if_changed(tmp_path / "README.md", "a\n")
    write_issues(tmp_path / "build", ["issue\n"])
    assert not any(leftover.exists() for leftover in leftovers) and mine.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".notes.tmp", "README.md", "build"]
