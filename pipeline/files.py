"""Files that readers open while we write them: written whole or not at all, and no debris from a killed writer."""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

from pipeline.errors import FileWriteError


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write to a temporary file in the same folder, fsync it, then rename it over `path`.

    A reader (or a crash, or SIGKILL) sees the old file or the new one, never half of one. The temporary
    file's name carries the writer's pid (`.NAME.PID.XXXX.tmp`), so that the next write of `path` can remove
    what a writer killed mid-write left, and nothing a live writer is still filling.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
    except OSError as exc:
        raise FileWriteError(f"files: cannot write {path}: {exc.strerror or exc}") from exc
    return path


def sweep_stale(path: Path) -> list[Path]:
    """Remove the temporaries of `path` whose writer is gone; returns them."""
    removed = []
    prefix = f".{path.name}."
    for candidate in path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = candidate.name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to judge
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
