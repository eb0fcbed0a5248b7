"""Rendered documents as files, so that a web server in front of the app (nginx) serves them without asking it.

The cache lives beside the store, in ``{store}.docs/`` (like ``{store}.locks/``: every writer of the store
finds it from the store path alone, so no writer can miss it)::

    {store}.docs/{generation}/doc/{kind}/{key}.{ext}   a current document, as the app rendered it at that generation
    {store}.docs/current -> {generation}               the generation the store is at now (a relative symlink)
    {store}.docs/code                                   which code renders documents (:func:`code_stamp`)

Why a cached document is never stale:

- The store's generation (:mod:`minegraph.store.locks`) is bumped after every commit, and in the same locked
  step ``current`` is repointed (a new symlink renamed over the old one) at the new generation's directory,
  which is empty or not there yet. The query workers are still kept out at that moment, so nobody has read
  the new data yet.
- A document is written only into the directory of the generation read *before* it was rendered, and only if
  the generation is still that one once it is rendered. A file written late lands in an old directory, which
  nothing serves again.
- Releases bump the generation too (HTML pages name the latest release), and so does a change of the code
  that renders documents (:func:`code_stamp`, checked once per process by :meth:`DocumentCache.prepare`).

Only the web app writes here (on a miss, and through it ``minegraph render``). Errors, 404s and retired
things (301, 410) are never files. This module imports nothing from minegraph, so the store's locks can use it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from minegraph.store.generations import CURRENT, documents_dir, write_file  # noqa: F401

if TYPE_CHECKING:
    from minegraph.store.locks import StoreLocks

STAMP = "code"


def stamped_files() -> list[Path]:
    """The files documents depend on: every module, template, ontology and shapes file of the package (static assets
    are served apart and are not in documents)."""
    from minegraph.core.resources import ontology_dir, shapes_dir

    package = Path(__file__).resolve().parents[1]  # src/minegraph
    found = {path for path in package.rglob("*")
             if path.is_file() and not {"static", "__pycache__"} & set(path.relative_to(package).parts)}
    for folder, name in ((ontology_dir(), "ontology"), (shapes_dir(), "shapes")):  # links in a checkout
        found |= {package / name / path.name for path in folder.glob("*.ttl")}
    return sorted(found)


@functools.cache
def code_stamp(base: str) -> str:
    """What documents depend on besides the data: the base IRI and the code that renders them (a digest of the
    package's modules and templates, :func:`stamped_files`), so an upgrade never serves documents the old code
    rendered."""
    from minegraph import __version__

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in stamped_files():
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"minegraph {__version__} {base} {digest.hexdigest()[:16]}\n"


class DocumentCache:
    """The document files of one store, as the web app reads and writes them."""

    def __init__(self, locks: StoreLocks, base: str) -> None:
        self.locks = locks
        self.root = locks.documents
        self.base = base
        self._stamp: str | None = None
        self._usable: bool | None = None
        self._lock = threading.Lock()

    def path(self, generation: int, document: str) -> Path:
        """The file of ``document`` (``doc/{kind}/{key}.{ext}``) at ``generation``."""
        return self.root / str(generation) / document

    def ready(self) -> bool:
        """Whether the cache can be used; the first call in a process prepares it (:meth:`prepare`)."""
        if self._usable is None:
            with self._lock:
                if self._usable is None:
                    try:
                        self.prepare()
                        self._usable = True
                    except OSError:  # e.g. a read-only directory: serve everything from the app
                        self._usable = False
        return self._usable

    def prepare(self) -> None:
        """If other code (or another base IRI) rendered the cached documents, bump the generation so that they
        are never served again; then make sure ``current`` points at the store's generation."""
        stamp = code_stamp(self.base)
        stamp_file = self.root / STAMP
        try:
            known = stamp_file.read_text(encoding="utf-8")
        except OSError:
            known = None
        if known != stamp:
            self.root.mkdir(parents=True, exist_ok=True)
            write_file(stamp_file, stamp.encode("utf-8"), dt.datetime.now(dt.UTC).timestamp())
            self.locks.bump()  # after the stamp: older code can no longer write into the new generation
            self.locks.prune_documents()
        self.locks.point_documents()
        self._stamp = stamp

    def read(self, generation: int, document: str) -> tuple[bytes, float] | None:
        """``(body, mtime)`` of a cached document, or None."""
        if not self.ready():
            return None
        try:
            with self.path(generation, document).open("rb") as handle:
                return handle.read(), os.fstat(handle.fileno()).st_mtime
        except OSError:
            return None

    def write(self, generation: int, document: str, body: bytes, modified: dt.datetime) -> bool:
        """Keep a document rendered from the store at ``generation``; True if it was written.

        Nothing is written when the generation has changed since (the document may be stale), when other code
        now owns the cache, or when the file is already there. Failures are ignored: a cache never fails a request.
        """
        if not self.ready():
            return False
        try:
            path = self.path(generation, document)
            if path.exists() or self.locks.generation() != generation or not self._owns():
                return False
            write_file(path, body, modified.timestamp())
            return True
        except OSError:
            return False

    def _owns(self) -> bool:
        try:
            return (self.root / STAMP).read_text(encoding="utf-8") == self._stamp
        except OSError:
            return False
