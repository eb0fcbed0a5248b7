"""\"Cite this\": plain text, BibTeX and CSL-JSON naming the canonical IRI, the release and the access date.

>>> c = citation("Landmine explosion, Jabrayil", "https://w3id.org/minegraph/id/incident/k318zecnq29",
...              release_number=3, release_date="2026-12-01", accessed="2026-12-02")
>>> print(c.text.replace(" https", "\\n https"))
minegraph contributors. “Landmine explosion, Jabrayil.” minegraph, release 3 (1 December 2026).
 https://w3id.org/minegraph/id/incident/k318zecnq29 (accessed 2 December 2026).
>>> "@misc{minegraph-k318zecnq29," in c.bibtex, "year = {2026}" in c.bibtex
(True, True)

A description that is not part of a release has no year (it would read as the incident's):

>>> live = citation("Landmine explosion, Jabrayil", "https://w3id.org/minegraph/id/incident/k318zecnq29",
...                 accessed="2026-12-02")
>>> "year =" in live.bibtex, "note = {Current description, accessed 2 December 2026}" in live.bibtex
(False, True)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from minegraph.web.views import human_date

AUTHOR = "minegraph contributors"
PUBLISHER = "minegraph"


@dataclass(frozen=True)
class Citation:
    text: str
    bibtex: str
    csl_json: str
    accessed: str = ""


def _parts(day: str) -> list[int] | None:
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        return None
    return [parsed.year, parsed.month, parsed.day]


def _bibtex_escape(value: str) -> str:
    out = value
    for char, replacement in (("\\", r"\textbackslash{}"), ("{", r"\{"), ("}", r"\}"), ("&", r"\&"),
                              ("%", r"\%"), ("$", r"\$"), ("#", r"\#"), ("_", r"\_")):
        out = out.replace(char, replacement)
    return out


def citation(title: str, iri: str, *, release_number: int | None = None, release_date: str | None = None,
             accessed: str | None = None) -> Citation:
    """The three forms of a citation of ``iri`` (``accessed`` defaults to today, UTC)."""
    accessed = accessed or dt.datetime.now(dt.UTC).date().isoformat()
    key = iri.rstrip("/").rsplit("/", 1)[-1]
    release = ""
    if release_number is not None:
        release = f", release {release_number}" + (f" ({human_date(release_date)})" if release_date else "")
    text = (f"{AUTHOR}. “{title.rstrip('.')}.” {PUBLISHER}{release}. {iri} "
            f"(accessed {human_date(accessed)}).")
    fields = [
        ("title", "{" + _bibtex_escape(title) + "}"),
        ("author", "{" + AUTHOR + "}"),
        ("publisher", PUBLISHER),
        ("url", iri),
        ("urldate", accessed),
    ]
    if release_number is not None:
        # the year a release was published; a live description has none (the year of access, printed as the
        # entry's year, was read as the incident's)
        fields.insert(3, ("year", (release_date or accessed)[:4]))
        fields.append(("version", str(release_number)))
        fields.append(("note", f"minegraph release {release_number}" + (f", {release_date}" if release_date else "")))
    else:
        fields.append(("note", f"Current description, accessed {human_date(accessed)}"))
    bibtex = "@misc{minegraph-" + key + ",\n" + ",\n".join(f"  {name} = {{{value}}}" for name, value in fields) + "\n}"
    csl: dict[str, Any] = {
        "id": f"minegraph-{key}",
        "type": "dataset",
        "title": title,
        "author": [{"literal": AUTHOR}],
        "publisher": PUBLISHER,
        "URL": iri,
        "accessed": {"date-parts": [_parts(accessed)]},
    }
    if release_number is not None:
        csl["version"] = str(release_number)
        if release_date and _parts(release_date):
            csl["issued"] = {"date-parts": [_parts(release_date)]}
    return Citation(text, bibtex, json.dumps(csl, indent=2, ensure_ascii=False), accessed)
