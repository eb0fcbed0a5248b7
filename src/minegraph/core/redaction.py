"""Strings that identify a person, and how minegraph recognises them without keeping them.

A source lists the strings of its text that identify someone (a victim's name). minegraph keeps only a
**digest** of each: ``sha256:{words}:{hex}``, the SHA-256 of the string's words, normalised (Unicode NFKD, case
folded, accents dropped, split into runs of letters and digits, joined by one space), and how many words it
has. A text contains a listed string when some run of that many consecutive words of it has the same digest:
"Test Victimname", "TEST  VICTIMNAME" and "Test Victimname's" all do; "Victimname" alone does not.

A digest hides a name from a reader; it does not hide it from someone who already guesses the name (they can
compute the digest too), so registers are kept where the public cannot read them (a restricted graph) and the
digests in record files are there so that every copy of the data refuses the name (docs/data-responsibility.md).

>>> entry = digest("Test Victimname")  # an invented name: no real one is ever written in the repository
>>> entry.startswith("sha256:2:")
True
>>> register = Register.of([entry])
>>> register.contains("a soldier, TEST VICTIMNAME's unit"), register.contains("Test Victimnames")
(True, False)
>>> register.contains("test_victimname"), register.contains("TestVictimname")
(True, True)
>>> Register.of(["Test Victimname"]).entries == register.entries  # plain strings are digested on reading
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from anyascii import anyascii

PREFIX = "sha256:"
_WORD = re.compile(r"[^\W_]+")  # letters and digits: "Test_Victimname" is two words
_ENTRY = re.compile(r"^sha256:([1-9][0-9]?):([0-9a-f]{64})$")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
#: The character that replaces each character of a redacted string in a kept source text.
MASK = "█"


def words(text: str) -> tuple[str, ...]:
    """The normalised words of ``text``: compatibility forms unified (NFKC), every script transliterated to ASCII
    (``anyascii``: accents dropped, Cyrillic or Greek look-alikes read as the Latin letters they mimic,
    invisible characters — soft hyphens, zero-width spaces — removed), case folded, runs of letters and digits.

    >>> words("Te\u200bst Victim\u00adname"), words("\u0422est VICTIMNAME"), words("Cəbrayıl")
    (('test', 'victimname'), ('test', 'victimname'), ('cebrayil',))
    """
    plain = anyascii(unicodedata.normalize("NFKC", text)).casefold()
    return tuple(_WORD.findall(plain))


def _hex(normalised: str) -> str:
    return hashlib.sha256(("minegraph-redaction\0" + normalised).encode("utf-8")).hexdigest()


def digest(text: str) -> str:
    """The register entry of the identifying string ``text``."""
    found = words(text)
    if not found:
        raise ValueError(f"nothing to redact in {text!r}: it has no letters or digits")
    return f"{PREFIX}{len(found)}:{_hex(' '.join(found))}"


def is_digest(entry: str) -> bool:
    return _ENTRY.match(entry) is not None


@dataclass(frozen=True)
class Register:
    """A set of digests, and the text checks against it."""

    entries: frozenset[str] = frozenset()

    @classmethod
    def of(cls, entries: Iterable[str]) -> Register:
        """A register of ``entries``: digests as they are, plain strings digested."""
        return cls(frozenset(entry if is_digest(entry) else digest(entry) for entry in entries if entry.strip()))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __or__(self, other: Register) -> Register:
        return Register(self.entries | other.entries)

    @property
    def _index(self) -> dict[int, frozenset[str]]:
        return _index(self.entries)

    def contains(self, text: str) -> bool:
        """Whether ``text`` contains a listed string (as a run of whole words, also with camelCase words split:
        ``TestVictimname``)."""
        if not self.entries:
            return False
        if _contains(self.entries, text):
            return True
        plain = anyascii(unicodedata.normalize("NFKC", text))  # "Test\u200bVictimname" is camelCase too
        split = _CAMEL.sub(" ", plain)
        return split != plain and _contains(self.entries, split)

    def contains_iri(self, iri: str) -> bool:
        """Whether an IRI spells a listed string (``…/Test_Victimname``, ``…/TestVictimname``,
        ``…/Test%20Victimname``)."""
        return self.contains(iri) or ("%" in iri and self.contains(unquote(iri)))


@lru_cache(maxsize=64)
def _index(entries: frozenset[str]) -> dict[int, frozenset[str]]:
    by_length: dict[int, set[str]] = {}
    for entry in entries:
        match = _ENTRY.match(entry)
        if match:
            by_length.setdefault(int(match.group(1)), set()).add(match.group(2))
    return {length: frozenset(hexes) for length, hexes in by_length.items()}


@lru_cache(maxsize=1 << 16)
def _contains(entries: frozenset[str], text: str) -> bool:
    index = _index(entries)
    found = words(text)
    for length, hexes in index.items():
        for start in range(len(found) - length + 1):
            if _hex(" ".join(found[start:start + length])) in hexes:
                return True
    return False


def mask(text: str, strings: Iterable[str]) -> tuple[str, int]:
    """``text`` with every occurrence of each of ``strings`` (as :meth:`Register.contains` finds them) replaced
    by :data:`MASK` characters of the same length, so character offsets into the text stay valid; and how many
    occurrences were masked."""
    register = Register.of(strings)
    index = _index(register.entries)
    spans = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    normalised = [words(token) for _start, _end, token in spans]
    flat = [(i, w) for i, ws in enumerate(normalised) for w in ws]  # word -> the token it came from
    hits: list[tuple[int, int]] = []
    for length, hexes in index.items():
        for start in range(len(flat) - length + 1):
            if _hex(" ".join(w for _i, w in flat[start:start + length])) in hexes:
                hits.append((spans[flat[start][0]][0], spans[flat[start + length - 1][0]][1]))
    chars = list(text)
    for begin, end in hits:
        chars[begin:end] = [MASK if not c.isspace() else c for c in chars[begin:end]]
    return "".join(chars), len(hits)
