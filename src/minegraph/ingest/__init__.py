"""Ingest of source documents: curated records, RDF, HXL-tagged CSV and tables through mapping files.

The entry points are :func:`minegraph.pipeline.ingest` and :func:`minegraph.pipeline.withdraw_source`;
docs/ingest.md describes formats, keys, errors and the fast gate.
"""
