"""Write tokens and the audit log, kept next to the store in ``{store}.auth/``.

A token is 32 random bytes (``secrets.token_urlsafe``), shown once when it is created. Only its SHA-256 is
stored (``tokens.json``, mode 0600). A salted slow hash (scrypt, PBKDF2) protects *low-entropy* secrets such
as passwords against guessing; a 256-bit random token cannot be guessed, so a plain SHA-256 is as strong and
costs microseconds per request instead of an attacker-triggerable CPU burn. Presented tokens are hashed and
compared with every stored hash with :func:`hmac.compare_digest`. Tokens are never logged: the audit log and
every message name the token by its *name*.

``MINEGRAPH_WRITE_TOKEN`` (``settings.write_token``) still works as a bootstrap token named ``legacy``.

Every write appends one JSON line to ``audit.log`` *before* it commits — when, who (``token:NAME`` or
``cli:USER``), what, which graphs, and a write id — and does not commit if that line cannot be written; a
second line with the same id says what became of it (``committed`` with the store generation, or ``failed``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from minegraph.core.errors import InputError, MinegraphError, StoreError
from minegraph.core.settings import Settings

TOKEN_PREFIX = "mg_"
LEGACY_NAME = "legacy"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_LOCK = threading.Lock()


class Unauthorized(MinegraphError):
    status = 401


class Forbidden(MinegraphError):
    status = 403


@dataclass(frozen=True)
class TokenEntry:
    """One token as stored: its name, the SHA-256 of the token, when it was created and revoked."""

    name: str
    sha256: str
    created: str
    revoked: str | None = None


def auth_dir(settings: Settings) -> Path:
    """``{store}.auth/``: the token registry and the audit log."""
    store = Path(settings.store)
    return store.with_name(store.name + ".auth")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenRegistry:
    """The tokens of one store (``{store}.auth/tokens.json``), re-read whenever the file changes."""

    def __init__(self, settings: Settings) -> None:
        self.path = auth_dir(settings) / "tokens.json"
        self.legacy = settings.write_token
        self._cache: tuple[int, list[TokenEntry]] | None = None

    def entries(self) -> list[TokenEntry]:
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return []
        if self._cache is None or self._cache[0] != stamp:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._cache = (stamp, [TokenEntry(**entry) for entry in data.get("tokens", [])])
        return list(self._cache[1])

    def _save(self, entries: Iterable[TokenEntry]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        temporary = self.path.with_suffix(f".tmp-{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"tokens": [asdict(e) for e in entries]}, handle, indent=2)
            handle.write("\n")
        os.replace(temporary, self.path)
        self._cache = None

    def create(self, name: str) -> str:
        """A new token called ``name``; returns the token itself, which is not stored and cannot be shown again."""
        if not NAME_PATTERN.match(name) or name == LEGACY_NAME:
            raise InputError("a token name is 1-64 letters, digits, '.', '_' or '-' (and not 'legacy')", value=name)
        with _LOCK:
            entries = self.entries()
            if any(e.name == name for e in entries):
                raise InputError("a token of that name exists (revoke it, or choose another name)", value=name)
            token = TOKEN_PREFIX + secrets.token_urlsafe(32)
            self._save([*entries, TokenEntry(name, digest(token), _now())])
        return token

    def revoke(self, name: str) -> TokenEntry:
        """Revoke the token ``name`` (it stays listed, with the time it was revoked)."""
        with _LOCK:
            entries = self.entries()
            found = [e for e in entries if e.name == name and e.revoked is None]
            if not found:
                raise InputError("no active token of that name", value=name)
            revoked = TokenEntry(name, found[0].sha256, found[0].created, _now())
            self._save([revoked if e is found[0] else e for e in entries])
        return revoked

    def writes_enabled(self) -> bool:
        """Whether any token could allow a write (the legacy token, or an active registered one)."""
        return bool(self.legacy) or any(e.revoked is None for e in self.entries())

    def identify(self, token: str) -> str:
        """The name of the active token ``token``; :class:`Forbidden` for an unknown or revoked one."""
        presented = digest(token)
        match: TokenEntry | None = None
        for entry in self.entries():  # compare with every entry: the time does not depend on which matched
            if hmac.compare_digest(presented, entry.sha256):
                match = entry
        legacy = bool(self.legacy) and hmac.compare_digest(token.encode("utf-8"), self.legacy.encode("utf-8"))
        if match is not None and match.revoked is None:
            return match.name
        if legacy:
            return LEGACY_NAME
        if match is not None:
            raise Forbidden("this write token has been revoked")
        raise Forbidden("the write token is not valid")


def check_bearer(settings: Settings, authorization: str | None) -> str:
    """The name of the token in ``Authorization: Bearer <token>``; 401 without one, 403 for a bad one."""
    registry = TokenRegistry(settings)
    if not registry.writes_enabled():
        raise Forbidden("this server is read-only: it has no write token")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("writes need an `Authorization: Bearer <token>` header")
    return registry.identify(token.strip())


def cli_actor() -> str:
    """Who is writing from the command line: ``cli:USER`` (the OS user), or ``cli`` if it cannot be told."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def audit(settings: Settings, actor: str, action: str, graphs: Iterable[str], **extra: Any) -> str:
    """Append one line to ``{store}.auth/audit.log`` — when, who, what, which graphs — and make it durable
    (fsync); returns the line's write id. A write that cannot be audited must not happen: any failure is a
    :class:`StoreError` raised before the write (the write door calls this before it commits)."""
    write = uuid.uuid4().hex
    line = {"time": _now(), "write": write, "actor": actor, "action": action,
            "graphs": sorted(str(g) for g in graphs), **extra}
    _append(settings, line, durable=True)
    return write


def audit_outcome(settings: Settings, write: str, **outcome: Any) -> None:
    """Append what became of the write ``write`` (``committed`` with its generation, or ``failed`` with the
    reason). Best effort: the write has already happened, or not, whatever this line says."""
    with contextlib.suppress(StoreError):
        _append(settings, {"time": _now(), "write": write, **outcome}, durable=False)


def _append(settings: Settings, line: dict[str, Any], *, durable: bool) -> None:
    path = auth_dir(settings) / "audit.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
    except OSError as error:
        raise StoreError(f"the audit log {path} cannot be written ({error.strerror or error}): nothing was "
                         "written to the store") from error


def audit_lines(settings: Settings) -> list[dict[str, Any]]:
    """The writes of the audit log, oldest first, each with what became of it (``committed``: its generation,
    or ``failed``: why) merged in when that is known."""
    path = auth_dir(settings) / "audit.log"
    if not path.exists():
        return []
    writes: dict[str, dict[str, Any]] = {}
    lines: list[dict[str, Any]] = []
    for text in path.read_text(encoding="utf-8").splitlines():
        if not text.strip():
            continue
        line = json.loads(text)
        if "action" in line or "write" not in line:
            lines.append(line)
            if "write" in line:
                writes[line["write"]] = line
        elif line["write"] in writes:
            writes[line["write"]].update({k: v for k, v in line.items() if k not in ("time", "write")})
    return lines
