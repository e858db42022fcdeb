"""Files that hold personal data: written whole or not at all, readable by their owner alone.

Every file Hearten writes with people's data in it (the SQLite database, backups, exports,
survey links, letters, reports, rosters the demo makes) is created mode 0600 and every folder
it makes for them 0700, whatever the process's umask: the mode is given when the file is
created (``os.open``), never fixed afterwards, so there is no moment when others could read it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """Make ``path`` and any missing parents, each new one 0700; return ``path``.

    Folders that exist already keep their mode (they may be the user's own, such as the
    current folder); Hearten's own home is tightened by :func:`hearten.config.load_settings`.
    """
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # made by another process meanwhile
        os.chmod(new, FOLDER_MODE)  # the umask may have taken bits off
    return path


def create_private(path: Path) -> Path:
    """Create ``path`` empty, mode 0600 (an existing file is emptied and made 0600); return
    it, for a writer that takes a path (pandas, pg_dump, sqlite3) to fill."""
    private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def keep_private(path: Path) -> Path:
    """Make sure ``path`` exists and is mode 0600 without changing what it holds (for the
    database file, before SQLite opens it; SQLite gives its -wal and -shm files the
    database file's mode)."""
    private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


@contextmanager
def open_private(path: Path) -> Iterator[IO[str]]:
    """Open ``path`` for writing UTF-8 text (CSV newlines left to the writer), mode 0600."""
    create_private(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        yield f


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` beside ``path`` and move it into place, so readers never see half a
    file and a failure leaves the old one (or none). Text is UTF-8 with newlines as given.
    The file is 0600 (``mkstemp`` creates it so)."""
    private_folder(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
