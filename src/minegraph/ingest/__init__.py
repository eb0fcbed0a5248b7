"""Ingest of source documents: curated records, RDF, HXL-tagged CSV and tables through mapping files.

The entry points are :func:`minegraph.ingest.build.ingest` and :func:`minegraph.ingest.build.withdraw_source`;
docs/ingest.md describes formats, keys, errors and the fast gate.
"""
