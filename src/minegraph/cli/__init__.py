"""The ``minegraph`` command line (click). Imported by nothing else in minegraph."""

from __future__ import annotations

from minegraph.cli.main import main

__all__ = ["main"]
