"""How query workers and writers share one on-disk store.

RocksDB allows one read-write handle, and a read-only handle must not be open while another process writes.
So readers and writers coordinate through ``flock`` locks on files beside the store (``{store}.locks/``).
Every lock dies with the process that holds it: a writer killed at any moment leaves nothing that keeps
readers out, and they read again at once (no file whose existence means something, which only a clean exit
would remove).

- ``readers.lock``: every query worker holds a shared lock while its read-only handle is open; a writer takes
  it exclusively to commit, which can only happen once every reader has closed.
- ``intent.lock``: a writer holds it exclusively from before it waits for ``readers.lock`` until its commit is
  done; a reader that finds it held (a non-blocking test) closes its handle, releases its shared lock and
  waits until the writer is gone (so writers are not starved by a stream of queries).
- ``write.lock``: writers take it exclusively for the whole write (read, check, commit): one at a time.
- ``generation``: a number bumped once per commit, before it (the readers out); caches key on it.
  ``generation.lock`` makes each bump one step: the number is replaced (a new file renamed over the old one), and
  the generation directories (:mod:`minegraph.store.generations`, ``{store}.docs/``) are repointed at it before
  any reader can see the new data.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from minegraph.core.errors import StoreError
from minegraph.store import generations

#: How often a waiting reader looks again whether the writer is done (seconds).
POLL = 0.02


class StoreLocks:
    """The lock files of the store at ``store``."""

    def __init__(self, store: str | Path) -> None:
        store = Path(store).resolve()
        self.directory = store.with_name(store.name + ".locks")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot open the store at {store}: its lock directory {self.directory} cannot be "
                             f"made ({error.strerror or error})") from error
        self.readers = self.directory / "readers.lock"
        self.writers = self.directory / "write.lock"
        self.intent = self.directory / "intent.lock"
        self.generation_file = self.directory / "generation"
        self.generation_lock = self.directory / "generation.lock"
        self.documents = generations.documents_dir(store)
        for path in (self.readers, self.writers, self.intent, self.generation_lock):
            path.touch(exist_ok=True)

    # --- readers (query workers) ---------------------------------------------------------------------------
    def write_pending(self) -> bool:
        """Whether a writer is waiting for the readers or committing (it holds ``intent.lock``)."""
        fd = os.open(self.intent, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing releases the test lock, if it was taken
        return False

    def acquire_shared(self) -> int:
        """Wait until no write is pending, then hold a shared lock; returns the descriptor to release."""
        while True:
            while self.write_pending():
                time.sleep(POLL)
            fd = os.open(self.readers, os.O_RDWR)
            fcntl.flock(fd, fcntl.LOCK_SH)
            if not self.write_pending():
                return fd
            self.release(fd)  # a writer came in between: let it go first

    def try_shared(self) -> int | None:
        """A shared lock at once, or None while a write is pending (a reader that can go elsewhere)."""
        if self.write_pending():
            return None
        fd = os.open(self.readers, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        if self.write_pending():
            self.release(fd)
            return None
        return fd

    @staticmethod
    def release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    # --- writers ---------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self, timeout: float) -> Iterator[None]:
        """Be the only writer (across processes) for the duration of the block."""
        fd = os.open(self.writers, os.O_RDWR)
        try:
            _lock(fd, timeout, "another write is still running")
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def readers_paused(self, timeout: float) -> Iterator[None]:
        """Hold the store exclusively: every read-only handle is closed for the duration of the block.

        The generation is bumped as the block begins, while the readers are out and before anything is
        committed: no one reads the new data under the old number, even when the writer is killed between its
        commit and the end of the block (what was cached under the old number is never served again), and nothing
        is cached under the new number until the readers come back to the new data."""
        intent = os.open(self.intent, os.O_RDWR)
        try:
            _lock(intent, timeout, "another write is still running")
            fd = os.open(self.readers, os.O_RDWR)
            try:
                _lock(fd, timeout, "queries still running kept the store busy")
                self.bump()
                yield
            finally:
                os.close(fd)
        finally:
            os.close(intent)
        self.prune_documents()

    def bump(self) -> int:
        """Record a commit (or a release): the next generation, and the generation directories repointed at it.

        Call it after the change, before anyone can read it (:meth:`readers_paused` does, for the embedded store).
        """
        with self._generation_locked():
            generation = self.generation() + 1
            staged = self.generation_file.with_name(f".generation-{os.getpid()}")
            staged.write_text(str(generation))
            os.replace(staged, self.generation_file)
            if self.documents.is_dir():
                generations.point_current(self.documents, generation)
        return generation

    def point_documents(self) -> int:
        """Create the generation directories if need be and point ``current`` at the store's generation."""
        with self._generation_locked():
            generation = self.generation()
            generations.point_current(self.documents, generation)
        return generation

    def prune_documents(self) -> None:
        """Remove the directories of past generations (best effort; after the locks are released)."""
        generations.prune(self.documents)

    def generation(self) -> int:
        try:
            return int(self.generation_file.read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    @contextlib.contextmanager
    def _generation_locked(self) -> Iterator[None]:
        fd = os.open(self.generation_lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _lock(fd: int, timeout: float, reason: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise StoreError(f"the store could not be written: {reason} (waited {timeout:.0f} s)") from None
            time.sleep(0.01)
