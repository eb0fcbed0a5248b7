"""The registry of every thing IRI ever published (``published.sqlite`` beside the releases), so that a URI once
published never answers 404: when it leaves the data it answers 410 and points at the last release that had it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib.namespace import DCTERMS, RDFS

from minegraph.core.settings import Settings
from minegraph.core.vocab import KINDS, normalise_base


def releases_dir(settings: Settings) -> Path:
    """Where releases live: ``releases/`` next to the store directory."""
    return Path(settings.store).resolve().parent / "releases"


@dataclass(frozen=True)
class Published:
    iri: str
    kind: str
    label: str
    first_seen: str
    last_seen: str
    last_release: int | None


class Registry:
    """``published.sqlite``: every thing IRI that was ever served, when, and the last release that had it."""

    SCHEMA = ("CREATE TABLE IF NOT EXISTS published (iri TEXT PRIMARY KEY, kind TEXT NOT NULL, label TEXT, "
              "first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, last_release INTEGER)")

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, things: Iterable[tuple[str, str, str]], when: str, release: int | None = None) -> int:
        """Record ``(iri, kind, label)`` as published ``when`` (and in ``release``); returns how many."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = [(iri, kind, label, when, when, release) for iri, kind, label in things]
        with contextlib.closing(sqlite3.connect(self.path)) as db, db:
            db.execute(self.SCHEMA)
            db.executemany(
                "INSERT INTO published VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(iri) DO UPDATE SET "
                "label = excluded.label, last_seen = excluded.last_seen, "
                "last_release = COALESCE(excluded.last_release, published.last_release)", rows)
        return len(rows)

    def lookup(self, iri: str) -> Published | None:
        if not self.path.is_file():
            return None
        with contextlib.closing(sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT iri, kind, label, first_seen, last_seen, last_release FROM published "
                             "WHERE iri = ?", (iri,)).fetchone()
        return Published(*row) if row else None


THINGS_QUERY = f"""SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{
  ?s a ?type . FILTER(STRSTARTS(STR(?s), "%sid/") && !CONTAINS(STR(?s), "#"))
  OPTIONAL {{ ?s <{RDFS.label}>|<{DCTERMS.title}> ?l }}
}} GROUP BY ?s ORDER BY ?s"""


def things(store: Any, base: str) -> list[tuple[str, str, str]]:
    """``(iri, kind, label)`` of every thing in the store."""
    from minegraph.core.vocab import split_thing_iri

    base = normalise_base(base)
    found = []
    for row in store.query(THINGS_QUERY % base):
        iri = row["s"].value
        split = split_thing_iri(base, iri)
        if split and split[0] in KINDS:
            found.append((iri, split[0], row["label"].value if row["label"] is not None else ""))
    return found
