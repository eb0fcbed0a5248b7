"""What a test needs from the machine (a browser, a server, a tool): skipped where it is missing, and a failure
where CI says it must be there (``MINEGRAPH_REQUIRE_<TOOL>=1``, set by ``.ci/run``), so that CI never passes with
a feature's tests unrun."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def need(available: bool, *, switch: str, missing: str) -> None:
    """Go on when ``available``; else fail if the environment variable ``switch`` is set, or skip the module."""
    if available:
        return
    if os.environ.get(switch):
        pytest.fail(f"{missing}, and {switch} says it is required here", pytrace=False)
    pytest.skip(missing, allow_module_level=True)


def need_module(name: str, *, switch: str, missing: str) -> ModuleType:
    """The module ``name``, as :func:`need` wants it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        need(False, switch=switch, missing=missing)
        raise  # not reached: need() fails or skips
