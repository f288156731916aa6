"""Atomic writes: the file is whole or absent, and what a killed writer left is swept by the next write."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pipeline.files import write_atomic


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_the_next_write_sweeps_what_a_dead_writer_left_and_nothing_a_live_one_is_writing(tmp_path: Path) -> None:
    target = tmp_path / "index.html"
    dead = tmp_path / f".index.html.{dead_pid()}.abcd1234.tmp"
    live = tmp_path / f".index.html.{os.getppid()}.efgh5678.tmp"  # our parent is alive: its file stays
    other = (
        tmp_path / f".search-index.js.{dead_pid()}.ijkl9012.tmp"
    )  # another file's temporary: its own writer sweeps it
    for leftover in (dead, live, other):
        leftover.write_text("half a page", encoding="utf-8")
    write_atomic(target, "<html>whole</html>")
    assert target.read_text(encoding="utf-8") == "<html>whole</html>"
    assert not dead.exists()
    assert live.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, live.name, other.name])
