"""SPARQL query results (SELECT rows, ASK booleans) written as JSON, XML, CSV and TSV.

pyoxigraph serializes a whole result iterator; the endpoint caps the number of rows, so it writes the rows
it kept itself. Terms are pyoxigraph terms.

>>> from pyoxigraph import Literal, NamedNode
>>> print(write_rows("csv", ["s", "o"], [[NamedNode("http://ex/a"), Literal("x, y")]]).decode(), end="")
s,o
http://ex/a,"x, y"
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib.namespace import RDF, XSD

XSD_STRING, RDF_LANG_STRING = str(XSD.string), str(RDF.langString)
Row = Sequence[Any]


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {"type": "triple", "value": {
            "subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
            "object": _json_term(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_term(term: Any) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    raise TypeError(f"not an RDF term: {term!r}")


def _csv_field(term: Any) -> str:
    if term is None:
        return ""
    text = f"_:{term.value}" if isinstance(term, BlankNode) else (
        str(term) if isinstance(term, Triple) else term.value)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv_field(term: Any) -> str:
    if term is None:
        return ""
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def write_rows(extension: str, variables: Sequence[str], rows: Sequence[Row],
               note: dict[str, Any] | None = None) -> bytes:
    """SELECT results in the format of ``extension`` (json, xml, csv, tsv); ``note`` goes into JSON/XML."""
    if extension == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        document: dict[str, Any] = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        if note:
            document["minegraph"] = note
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if extension == "xml":
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
        if note:
            parts.append(f"<!-- {escape(note.get('message', '')).replace('--', '- -')} -->")
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>")
            parts += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                      for v, t in zip(variables, row, strict=True) if t is not None]
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    if extension == "csv":
        lines = [",".join(variables)] + [",".join(_csv_field(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    if extension == "tsv":
        lines = ["\t".join(f"?{v}" for v in variables)] + ["\t".join(_tsv_field(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"no writer for SELECT results as {extension}")


def write_boolean(extension: str, value: bool) -> bytes:
    """ASK results as JSON or XML (CSV/TSV carry the boolean as one row, as common servers do)."""
    if extension == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if extension == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    if extension in ("csv", "tsv"):
        return f"{'?' if extension == 'tsv' else ''}boolean\n{'true' if value else 'false'}\n".encode()
    raise ValueError(f"no writer for ASK results as {extension}")
