"""Writing the outputs (tracker.outputs.files): a README is rewritten only when its text changed."""

from __future__ import annotations

import pytest

from tracker.outputs.files import write_if_changed

LONG = ("| row | é |\n" * 150_000)  # 1.8 million characters: compared in several slices


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


@pytest.mark.parametrize("change", [LONG[:-1], LONG + "x", "x" + LONG[1:], LONG[:-2] + "x\n"])
def test_any_difference_rewrites_the_file(tmp_path, change):
    path = tmp_path / "README.md"
    write_if_changed(path, LONG)
    assert write_if_changed(path, change) is True
    assert path.read_text(encoding="utf-8") == change
