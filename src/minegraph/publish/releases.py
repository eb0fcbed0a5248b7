"""Releases: numbered, immutable snapshots that a citation can point at forever.

``minegraph release`` writes ``{releases}/{n}/`` (``{releases}`` is ``releases/`` next to the store,
by default ``.minegraph/releases/``), then makes it read-only::

    release.json          the manifest: number, issued, base IRI, counts, dumps with sizes and SHA-256
    minegraph-{n}.nq      every named graph (N-Quads)      minegraph-{n}.ttl   their union (Turtle)
    void.{ttl,jsonld,nt,rdf}   dcat.{ttl,jsonld,nt,rdf}   VoID and DCAT as of this release
    documents.sqlite      every document of every thing, term and concept, in every format, pre-rendered
                          (table ``documents``: ``path`` such as ``doc/incident/{key}.ttl``, media type, body)
    SHA256SUMS            ``sha256sum -c`` checks every other file

A release is assembled in a temporary directory and renamed into place, so a number either has a whole
release or none. ``published.sqlite`` beside the releases is the registry of every IRI ever published
(by a release or a build), so that a URI once published never answers 404.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rdflib import Graph

from minegraph import __version__
from minegraph.core.formats import DOCUMENT_FORMATS, HTML, RDF_FORMATS, Format, by_extension
from minegraph.core.settings import Settings
from minegraph.core.vocab import normalise_base
from minegraph.store.registry import Registry, releases_dir, things


@dataclass(frozen=True)
class ReleaseInfo:
    """Which release a page shows, for "cite this" and the links to other releases.

    ``number`` is None for a page of the current (live) data; ``date`` is when that release was cut
    (ISO 8601); ``releases`` the numbers of every release that has this document, oldest first (including
    this one); ``latest`` the newest release there was when the page was rendered; ``url`` the canonical URL
    of the page (``{base}release/{n}/doc/…html`` or ``{base}doc/…html``).
    """

    number: int | None
    date: str | None
    url: str
    latest: int | None = None
    releases: tuple[int, ...] = ()


class HtmlRenderer(Protocol):
    def __call__(self, kind: str, iri: str, graph: Graph, *, release: ReleaseInfo | None,
                 alternates: list[tuple[str, str, str]], base: str) -> str: ...


def alternates(path: str) -> list[tuple[str, str, str]]:
    """``(url, media type, extension)`` of every format of the document at ``path`` (a root-relative URL
    without extension, such as ``/doc/incident/{key}`` or ``/release/1/doc/incident/{key}``)."""
    return [(f"{path}.{f.extension}", f.media_type, f.extension) for f in DOCUMENT_FORMATS]


def link_header(path: str) -> str:
    """The ``Link`` header of the document at ``path`` (as for :func:`alternates`): every format, rel="alternate"."""
    return ", ".join(f'<{url}>; rel="alternate"; type="{media}"' for url, media, _ext in alternates(path))


# --- reading releases -------------------------------------------------------------------------------------

class Archive:
    """One release directory (read-only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.number = int(path.name)
        self.manifest: dict[str, Any] = json.loads((path / "release.json").read_text(encoding="utf-8"))
        self._local = threading.local()

    @property
    def issued(self) -> str:
        return str(self.manifest["issued"])

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            uri = f"{(self.path / 'documents.sqlite').as_uri()}?mode=ro&immutable=1"
            db = self._local.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return db

    def document(self, path: str) -> tuple[str, bytes] | None:
        """``(media type, body)`` of the document at ``path`` (``doc/incident/{key}.ttl``), or None."""
        row = self._db().execute("SELECT media_type, body FROM documents WHERE path = ?", (path,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def has(self, path: str) -> bool:
        return self._db().execute("SELECT 1 FROM documents WHERE path = ?", (path,)).fetchone() is not None

    def file(self, name: str) -> Path | None:
        """A file of the release (dumps, VoID, DCAT, checksums, manifest); never the documents database."""
        if name in ("", "documents.sqlite") or "/" in name or name.startswith(".") or len(name.encode()) > 255:
            return None  # longer than any file name may be: asking the file system would raise
        path = self.path / name
        return path if path.is_file() else None

    def files(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.is_file() and p.name != "documents.sqlite")


class Releases:
    """The releases directory: every release, and the registry of published IRIs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._archives: dict[int, Archive] = {}
        self._lock = threading.Lock()

    def numbers(self) -> list[int]:
        if not self.root.is_dir():
            return []
        return sorted(int(p.name) for p in self.root.iterdir()
                      if p.is_dir() and p.name.isdigit() and (p / "release.json").is_file())

    def latest(self) -> int | None:
        numbers = self.numbers()
        return numbers[-1] if numbers else None

    def archive(self, number: int) -> Archive | None:
        found = self._archives.get(number)
        if found is None:
            path = self.root / str(number)
            if not (path / "release.json").is_file():
                return None
            with self._lock:
                found = self._archives.setdefault(number, Archive(path))
        return found

    def archives(self) -> Iterator[Archive]:
        for number in self.numbers():
            archive = self.archive(number)
            if archive is not None:
                yield archive

    def containing(self, path: str) -> tuple[int, ...]:
        """The numbers of the releases that have the document ``path`` (``doc/incident/{key}``)."""
        return tuple(a.number for a in self.archives() if a.has(f"{path}.ttl"))

    def registry(self) -> Registry:
        return Registry(self.root / "published.sqlite")


# --- cutting a release ------------------------------------------------------------------------------------

@dataclass
class Cut:
    """What ``cut_release`` wrote."""

    number: int
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def cut_release(settings: Settings, store: Any, render_html: HtmlRenderer, *, issued: str,
                progress: Callable[[str], None] | None = None) -> Cut:
    """Cut the next release from ``store``: dumps, checksums, VoID, DCAT and every document pre-rendered."""
    say = progress or (lambda message: None)
    root = releases_dir(settings)
    with _exclusive(root):
        number = (Releases(root).latest() or 0) + 1
        staging = root / f".staging-{number}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            manifest = write_release(settings, store, render_html, staging, number, issued, say)
            _seal(staging)
            os.rename(staging, root / str(number))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _new_generation(settings)
    Releases(root).registry().record(things(store, settings.base_uri), issued, number)
    return Cut(number, root / str(number), manifest)


def _new_generation(settings: Settings) -> None:
    """A new release changes the live HTML pages (they name the latest release): bump the store's generation,
    so that caches keyed on it, the document cache among them, let go of pages rendered before it."""
    from minegraph.store.locks import StoreLocks

    locks = StoreLocks(settings.store)
    locks.bump()
    locks.prune_documents()


def _seal(directory: Path) -> None:
    """Write SHA256SUMS and make every file read-only."""
    lines = [f"{sha256_file(p)}  {p.name}\n" for p in sorted(directory.iterdir()) if p.is_file()]
    (directory / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
    for path in directory.iterdir():
        path.chmod(0o444)
    directory.chmod(0o555)


def document_format(extension: str) -> Format | None:
    """The format of a document extension (html, ttl, jsonld, nt, rdf)."""
    if extension == HTML.extension:
        return HTML
    try:
        return by_extension(extension, RDF_FORMATS)
    except KeyError:
        return None


def write_release(settings: Settings, store: Any, render_html: HtmlRenderer, directory: Path, number: int,
                  issued: str, say: Callable[[str], None]) -> dict[str, Any]:
    """Write release ``number`` into ``directory``; returns the manifest."""
    from pyoxigraph import RdfFormat

    from minegraph.publish.describe import statement_predicates
    from minegraph.publish.documents import all_targets, description, render_graph, render_rdf
    from minegraph.publish.exports import DUMPS, Dump, ReleaseSummary, catalog_graph, statistics, summaries, void_graph
    from minegraph.store.tombstones import read_tombstones

    base = normalise_base(settings.base_uri)
    dumps: list[Dump] = []
    for pattern, extension in DUMPS:
        name = pattern.format(n=number)
        fmt = RdfFormat.N_QUADS if extension == "nq" else RdfFormat.TURTLE
        say(f"dumping {name}")
        (directory / name).write_bytes(store.dump(fmt))
        media = "application/n-quads" if extension == "nq" else "text/turtle"
        dumps.append(Dump(name, media, (directory / name).stat().st_size, sha256_file(directory / name)))
    this = ReleaseSummary(number, issued, tuple(dumps), len(store))
    earlier = summaries(a.manifest for a in Releases(directory.parent).archives())
    say("describing the dataset (VoID, DCAT)")
    for name, graph in (("void", void_graph(base, statistics(store), [this])),
                        ("dcat", catalog_graph(base, [*earlier, this]))):
        for rdf in RDF_FORMATS:
            data = graph.serialize(format=rdf.rdflib or rdf.extension, encoding="utf-8")
            (directory / f"{name}.{rdf.extension}").write_bytes(data)
    retired = read_tombstones(store, base)
    releases = Releases(directory.parent)
    predicates = statement_predicates(store)
    count = 0
    with contextlib.closing(sqlite3.connect(directory / "documents.sqlite")) as db:
        db.execute("CREATE TABLE documents (path TEXT PRIMARY KEY, media_type TEXT NOT NULL, body BLOB NOT NULL)")
        for target in all_targets(store, base):
            if target.iri in retired:
                continue
            triples = description(store, target, base, predicates)
            if not triples:
                continue
            rows = [(f"{target.path}.{fmt.extension}", fmt.media_type,
                     render_rdf(target, triples, fmt, base=base, release=number, issued=issued))
                    for fmt in RDF_FORMATS]
            info = ReleaseInfo(number, issued, f"{base}release/{number}/{target.path}.html", number,
                               (*releases.containing(target.path), number))
            graph = render_graph(target, triples, base=base, release=number, issued=issued)
            html = render_html(target.kind, target.iri, graph, release=info,
                               alternates=alternates(f"/release/{number}/{target.path}"), base=base)
            rows.append((f"{target.path}.html", HTML.media_type, html.encode("utf-8")))
            db.executemany("INSERT INTO documents VALUES (?, ?, ?)", rows)
            count += 1
            if count % 1000 == 0:
                say(f"{count} documents rendered")
        db.commit()
    manifest = {"number": number, "issued": issued, "base": base, "minegraph": __version__,
                "triples": len(store), "documents": count, "formats": [f.extension for f in DOCUMENT_FORMATS],
                "dumps": [d.__dict__ for d in dumps]}
    (directory / "release.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    say(f"release {number}: {count} documents in {len(DOCUMENT_FORMATS)} formats")
    return manifest
