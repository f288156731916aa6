"""Files that readers open while we write them: written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipeline.errors import FileWriteError


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write to a temporary file in the same folder, fsync it, then rename it over `path`.

    A reader (or a crash, or SIGKILL) sees the old file or the new one, never half of one.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
