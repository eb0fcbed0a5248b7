"""A SPARQL parser error in plain words, for the CLI, the endpoint and the query page.

pyoxigraph's parser says where it stopped and what it would have taken there, in the words of its grammar: an
unknown prefix is "expected one of Prefix not found" and a dump of Unicode character ranges; ``SELEC ?x`` is
"expected CONSTRUCT". :func:`explain` reads the query itself (a small lexer, :func:`tokens`) to name the usual
mistakes — an unknown first keyword, an unclosed string, an unbalanced brace or parenthesis, an undeclared
prefix — with their line and column; anything else keeps the parser's position and its list of expected
tokens, without the character ranges.

>>> print(explain(SyntaxError("error at 1:10: expected CONSTRUCT"), "SELEC ?x WHERE { ?x ?p ?o }"))
line 1, column 1: a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE (after PREFIX/BASE); found `SELEC` (SELECT?)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
OPENERS = {"{": "}", "(": ")", "[": "]"}
CLOSERS = {close: open_ for open_, close in OPENERS.items()}
#: Longer queries are explained by the parser's words only: reading them again here would take seconds.
MAX_READ = 200_000
#: The parser's position: ``error at LINE:COLUMN:`` (columns count characters, from 1).
_POSITION = re.compile(r"error at (\d+):(\d+):\s*")
_LEXEMES = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<long>'''|\"\"\")
  | (?P<string>['"])
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<bnode>_:[\w-]*)
  | (?P<name>(?=[^\W\d_]|:)(?:[^\W\d_](?:[\w-]|\.(?=[\w-]))*)?(?P<local>:(?:[\w:%-]|\\\S|\.(?=[\w:%-]))*)?)
  | (?P<number>\d[\w.]*)
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class Token:
    """One lexeme of a query, where it starts (line and column from 1)."""

    kind: str
    text: str
    line: int
    column: int

    def where(self) -> str:
        return f"line {self.line}, column {self.column}"


class Unclosed(Exception):
    """A string literal that does not end before the end of its line (or of the query)."""

    def __init__(self, token: Token) -> None:
        super().__init__(token.text)
        self.token = token


def tokens(text: str) -> Iterator[Token]:
    """The lexemes of ``text``, comments and white space left out; :class:`Unclosed` at an unclosed string.

    Close enough to SPARQL's grammar to find where things are; the parser decides what is valid.
    """
    line, line_start, at = 1, 0, 0
    while at < len(text):
        found = _LEXEMES.match(text, at)
        assert found is not None  # the last alternative matches any character
        kind, end = _kind(found), found.end()
        token = Token(kind, found.group(), line, at - line_start + 1)
        if kind in ("long", "string"):
            end = _string_end(text, at, found.group())
            if end < 0:
                raise Unclosed(token)
            token = Token("string", text[at:end], token.line, token.column)
        if kind not in ("space", "comment"):
            yield token
        newlines = text.count("\n", at, end)
        if newlines:
            line, line_start = line + newlines, text.rindex("\n", at, end) + 1
        at = end


def _kind(found: re.Match[str]) -> str:
    """A name is a prefixed name (``mg:Incident``, ``rdfs:``) when it has a colon, else a word (``SELECT``)."""
    kind = found.lastgroup or "punct"
    if kind in ("name", "local"):
        return "pname" if found.group("local") is not None else "word"
    return kind


def _string_end(text: str, start: int, quote: str) -> int:
    """Where the string opened by ``quote`` at ``start`` ends (just after its closing quote), or -1."""
    at = start + len(quote)
    while at < len(text):
        char = text[at]
        if char == "\\":
            at += 2
            continue
        if text.startswith(quote, at):
            return at + len(quote)
        if char in "\r\n" and len(quote) == 1:
            return -1
        at += 1
    return -1


def explain(error: BaseException | str, text: str, *, predeclared: Mapping[str, str] | None = None,
            known: Mapping[str, str] | None = None, line_offset: int = 0, update: bool = False) -> str:
    """Why ``text`` does not parse, in plain words, from the parser's ``error`` (pyoxigraph's SyntaxError).

    ``predeclared``: the prefixes declared for the user before their text (the CLI's), named in the advice on
    an unknown prefix; ``known``: prefixes whose IRI to suggest (default: minegraph's own); ``line_offset``:
    the number of lines put before ``text`` when it was parsed (the parser's line numbers count them);
    ``update``: ``text`` was sent as a SPARQL Update (its first keyword is an update's).
    """
    if known is None:
        from minegraph.core.vocab import PREFIXES

        known = PREFIXES
    parser = str(error)
    position = _parser_position(parser, line_offset)
    if len(text) > MAX_READ:
        return _as_parsed(parser, text, position)
    try:
        found = list(tokens(text))
    except Unclosed as unclosed:
        return (f"{unclosed.token.where()}: this string is never closed: a {unclosed.token.text[:1]} is missing at "
                "the end of it (a short string ends on its own line; use ''' or \"\"\" for text of several lines)")
    first = _wrong_operation(found, update)
    words = (first or _brackets(found) or _prefix(found, parser, position, predeclared or {}, known))
    return words or _as_parsed(parser, text, position)


def _parser_position(parser: str, line_offset: int) -> tuple[int, int] | None:
    found = _POSITION.search(parser)
    if found is None:
        return None
    return max(1, int(found.group(1)) - line_offset), int(found.group(2))


def _operation(found: list[Token]) -> Token | None:
    """The first token after the PREFIX and BASE declarations: the keyword of the operation; None if none."""
    at = 0
    while at < len(found) and found[at].text.upper() in ("PREFIX", "BASE"):
        at += 3 if found[at].text.upper() == "PREFIX" else 2
    return found[at] if at < len(found) else None


#: What each kind of operation starts with, what to say when the other kind's keyword starts it, and the list the
#: message names.
_OPERATIONS = {
    False: (frozenset(QUERY_FORMS), UPDATE_KEYWORDS,
            "begins a SPARQL Update, not a query: updates are sent with `update=` (or as application/sparql-update) "
            "and need a token", "a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE"),
    True: (UPDATE_KEYWORDS, frozenset(QUERY_FORMS),
           "begins a query, not an update: send it with `query=` (or as application/sparql-query)",
           "an update starts with INSERT, DELETE, WITH, CLEAR, DROP, CREATE, ADD, MOVE or COPY"),
}


def _wrong_operation(found: list[Token], update: bool) -> str | None:
    """A query that does not start with a query form, or an update that does not start with an update's keyword
    (after its PREFIX and BASE declarations)."""
    first = _operation(found)
    if first is None:
        if update:
            return None  # an empty update is valid SPARQL
        return "the query is empty" if not found else "the query has only PREFIX or BASE declarations: " \
            "the query itself (SELECT, CONSTRUCT, ASK or DESCRIBE) is missing"
    expected, other, crossed, starts = _OPERATIONS[update]
    keyword = first.text.upper()
    if keyword in expected:
        return None
    if keyword in other:
        return f"{first.where()}: `{first.text}` {crossed}"
    guess = difflib.get_close_matches(keyword[:20], sorted(expected), n=1, cutoff=0.6)
    hint = f" ({guess[0]}?)" if guess else ""
    return f"{first.where()}: {starts} (after PREFIX/BASE); found `{_shown(first.text)}`{hint}"


def _brackets(found: list[Token]) -> str | None:
    """The first brace, parenthesis or bracket that closes nothing, closes the wrong thing, or stays open."""
    opened: list[Token] = []
    for token in found:
        if token.text in OPENERS:
            opened.append(token)
        elif token.text in CLOSERS:
            if not opened:
                return (f"{token.where()}: this `{token.text}` closes nothing "
                        f"(one `{CLOSERS[token.text]}` too few before it)")
            last = opened.pop()
            if OPENERS[last.text] != token.text:
                return (f"{token.where()}: this `{token.text}` does not match the `{last.text}` opened at "
                        f"{last.where()} (a `{OPENERS[last.text]}` is missing before it)")
    if opened:
        last = opened[-1]
        return f"{last.where()}: this `{last.text}` is never closed (a `{OPENERS[last.text]}` is missing)"
    return None


def _prefix(found: list[Token], parser: str, position: tuple[int, int] | None, predeclared: Mapping[str, str],
            known: Mapping[str, str]) -> str | None:
    """The first prefixed name whose prefix is declared neither in the query nor before it."""
    declared = set(predeclared)
    for before, token in zip([None, *found], found, strict=False):  # (previous, token)
        if token.kind != "pname":
            continue
        name = token.text.split(":", 1)[0]
        if before is not None and before.text.upper() == "PREFIX":
            declared.add(name)
            continue
        if name in declared:
            continue
        first = position is None or (token.line, token.column) <= position
        if "Prefix not found" not in parser and not first:
            return None  # the parser stopped earlier, at another mistake
        return _unknown_prefix(token, name, declared, predeclared, known)
    return None


def _unknown_prefix(token: Token, name: str, declared: set[str], predeclared: Mapping[str, str],
                    known: Mapping[str, str]) -> str:
    iri = f"<{known[name]}>" if name in known else "<…>"
    name = _shown(name)
    words = f"{token.where()}: unknown prefix `{name}:` — declare it with PREFIX {name}: {iri}"
    if predeclared:
        words += f" or use one of {', '.join(p + ':' for p in predeclared)}"
    guess = difflib.get_close_matches(name[:40], sorted(declared | set(known)), n=1, cutoff=0.6)
    if guess and guess[0] != name:
        words += f" (did you mean `{guess[0]}:`?)"
    return words


def _shown(text: str, most: int = 40) -> str:
    """``text`` as it is quoted in a message: cut after ``most`` characters."""
    return text if len(text) <= most else text[:most] + "…"


def _as_parsed(parser: str, text: str, position: tuple[int, int] | None) -> str:
    """The parser's position in words, the line with a caret under it, and the parser's own message below
    (its expected tokens are often a partial list: they are for experts, after the plain words)."""
    if position is None:
        return parser
    line, column = position
    lines = text.rstrip().split("\n")
    ended = line > len(lines) or (line == len(lines) and column > len(lines[-1]))
    if ended:  # point at the end of the last line, where the text stops
        line, column = len(lines), len(lines[-1]) + 1
    source = lines[line - 1]
    words = f"line {line}, column {column}: " + ("the query ends before it is complete" if ended else "here")
    if source.strip():
        words += "\n" + _pointer(source, column)
    elif not ended:
        words += ", on an empty line"
    return f"{words}\n(parser: error at {line}:{column}: expected {_expected(parser) or 'something else'})"


def _pointer(source: str, column: int, width: int = 70) -> str:
    """``source`` (at most ``width`` characters of it, around ``column``) and a caret under ``column``."""
    source = source.replace("\t", " ")
    start = max(0, min(column - 1 - width // 2, len(source) - width))
    shown = source[start:start + width]
    lead = "…" if start else ""
    tail = "…" if start + width < len(source) else ""
    return f"    {lead}{shown}{tail}\n    {' ' * (len(lead) + column - 1 - start)}^"


def _expected(parser: str) -> str:
    """The tokens the parser expected, as ``"}" or "."``; character classes (``['0'..='9']``) left out."""
    tail = parser.split("expected", 1)[-1] if "expected" in parser else ""
    items, depth, item, quoted = [], 0, "", ""
    for char in tail.removeprefix(" one of") + ",":
        if quoted:
            quoted = "" if char == quoted and not item.endswith("\\") else quoted
            item += char
        elif char in "'\"":
            quoted, item = char, item + char
        elif char == "[":
            depth, item = depth + 1, item + char
        elif char == "]":
            depth, item = depth - 1, item + char
        elif char == "," and depth == 0:
            items.append(item.strip())
            item = ""
        else:
            item += char
    kept = [i for i in items if i and not i.startswith("[")]
    if not kept:
        return ""
    return kept[0] if len(kept) == 1 else "one of " + ", ".join(kept)
