"""Directories that follow the store's generation: ``{store}.docs/{generation}/`` and ``{store}.docs/current``.

The store layer keeps ``current`` pointing at the generation the store is at (:meth:`StoreLocks.bump` repoints
it, in the same locked step as the bump, before any reader sees the new data), and prunes older generations.
What goes into a generation's directory is the publish layer's business (:mod:`minegraph.publish.doccache`);
this module knows only directories, symlinks and atomic files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

CURRENT = "current"


def documents_dir(store: str | Path) -> Path:
    """``{store}.docs``: the document cache of the store at ``store``."""
    store = Path(store).resolve()
    return store.with_name(store.name + ".docs")


def current_generation(root: Path) -> int | None:
    """The generation ``{root}/current`` points at; None when there is no such link."""
    try:
        return int(os.readlink(root / CURRENT))
    except (OSError, ValueError):
        return None


def point_current(root: Path, generation: int) -> None:
    """Point ``{root}/current`` at ``{generation}`` atomically; if that fails, remove the link.

    Without the link every document request falls through to the app, which is slower but never stale.
    Call it with the store's generation lock held (:meth:`minegraph.store.locks.StoreLocks.bump`).
    """
    link = root / CURRENT
    try:
        root.mkdir(parents=True, exist_ok=True)
        if current_generation(root) == generation:
            return
        staged = root / f".{CURRENT}-{os.getpid()}-{uuid.uuid4().hex}"
        os.symlink(str(generation), staged)
        try:
            os.replace(staged, link)
        except OSError:
            staged.unlink(missing_ok=True)
            raise
    except OSError:
        link.unlink(missing_ok=True)  # if even this fails, the error reaches the writer
        raise


#: Old generations are renamed to this prefix at once and deleted in the background.
TRASH = ".trash-"


def prune(root: Path, *, wait: bool = False) -> None:
    """Remove the directories of generations older than ``current`` (best effort: errors are ignored).

    Newer ones are kept: a writer may have bumped the generation since ``current`` was read. Each old
    directory is renamed out of the way at once, and the files (hundreds of thousands after a ``minegraph
    render``: seconds to delete) are deleted by a detached process, so a write never waits for them; what a
    deletion left behind is taken up by the next prune. ``wait``: delete before returning.
    """
    current = current_generation(root)
    if current is None or not root.is_dir():
        return
    doomed: list[Path] = []
    with contextlib.suppress(OSError):
        for child in root.iterdir():
            if child.is_symlink():
                continue
            if child.name.isdigit() and int(child.name) < current:
                trash = root / f"{TRASH}{child.name}-{uuid.uuid4().hex}"
                try:
                    os.rename(child, trash)
                except OSError:
                    continue
                doomed.append(trash)
            elif child.name.startswith(TRASH):
                doomed.append(child)
    if not doomed:
        return
    if wait:
        for path in doomed:
            shutil.rmtree(path, ignore_errors=True)
        return
    with contextlib.suppress(OSError):
        remover = subprocess.Popen([sys.executable, "-c", _REMOVE, *map(str, doomed)], start_new_session=True,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # reaped when done; a command-line writer may exit first: the process goes on without it
        threading.Thread(target=remover.wait, daemon=True, name="minegraph-prune").start()


_REMOVE = "import shutil, sys\nfor path in sys.argv[1:]:\n    shutil.rmtree(path, ignore_errors=True)"


def write_file(path: Path, body: bytes, modified: float) -> None:
    """Write ``body`` to ``path`` atomically (a temporary file renamed over it), readable by all, with mtime
    ``modified`` (nginx sends it as Last-Modified)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            os.fchmod(handle.fileno(), 0o644)
        os.utime(staged, (modified, modified))
        os.replace(staged, path)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise
