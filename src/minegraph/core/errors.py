"""The exception tree of minegraph.

Every error knows the HTTP status it maps to and carries words meant for a user::

    MinegraphError                      500
    ├── InputError                      400  bad input: names file, record, field, value
    │   ├── UnreadableInput             (CLI exit 2) a file that cannot be read or parsed at all
    │   └── ValidationFailed            422  the SHACL gate found violations
    ├── NotFound                        404
    ├── Gone                            410  withdrawn: carries the reason
    ├── StoreError                      503  the store cannot be read or written
    └── QueryError                      400  a SPARQL query that does not parse or cannot run
"""

from __future__ import annotations

from typing import Any


class MinegraphError(Exception):
    """Base of every error minegraph raises on purpose."""

    status = 500
    exit_code = 1

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class InputError(MinegraphError):
    """Input that minegraph refuses, located as precisely as possible.

    ``file``, ``record`` and ``field`` say where; ``value`` what was found.
    """

    status = 400
    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        record: str | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        super().__init__(message, file=file, record=record, field=field, value=value)
        self.file = file
        self.record = record
        self.field = field
        self.value = value

    def __str__(self) -> str:
        where = ", ".join(
            f"{name} {val}" for name, val in (("file", self.file), ("record", self.record), ("field", self.field))
            if val is not None
        )
        text = f"{where}: {self.message}" if where else self.message
        if self.value is not None:
            text += f" (value: {self.value!r})"
        return text


class UnreadableInput(InputError):
    """A file that cannot be read or parsed at all."""

    exit_code = 2


class ValidationFailed(InputError):
    """The SHACL gate found violations; ``report`` holds the full report."""

    status = 422

    def __init__(self, message: str, *, report: Any, file: str | None = None) -> None:
        super().__init__(message, file=file)
        self.report = report


class StoreError(MinegraphError):
    status = 503


class QueryError(MinegraphError):
    status = 400
