"""``minegraph token create|list|revoke``: the write tokens of a store (see :mod:`minegraph.store.auth`)."""

from __future__ import annotations

from pathlib import Path

import click

from minegraph.cli.common import fail, store_option
from minegraph.core.errors import MinegraphError
from minegraph.core.settings import load_settings


@click.group()
def token() -> None:
    """Write tokens: create (shown once), list, revoke. Only their SHA-256 is stored, in {store}.auth/."""


@token.command("create")
@click.argument("name")
@store_option
def create(name: str, store: Path | None) -> None:
    """Create a write token called NAME and print it once: it is not stored and cannot be shown again."""
    from minegraph.store.auth import TokenRegistry, audit, cli_actor

    settings = load_settings(store=store)
    try:
        secret = TokenRegistry(settings).create(name)
    except MinegraphError as error:
        fail(error)
        return
    audit(settings, cli_actor(), "token create", [], token=name)
    click.echo(f"created token {name!r}; use it as `Authorization: Bearer <token>`. It is shown only now:", err=True)
    click.echo(secret)


@token.command("list")
@store_option
def list_tokens(store: Path | None) -> None:
    """List the tokens: name, created, revoked (never the tokens themselves)."""
    from minegraph.store.auth import TokenRegistry

    settings = load_settings(store=store)
    registry = TokenRegistry(settings)
    entries = registry.entries()
    for entry in entries:
        click.echo(f"{entry.name:<24} created {entry.created}  " + (f"revoked {entry.revoked}" if entry.revoked
                                                                       else "active"))
    if settings.write_token:
        click.echo(f"{'legacy':<24} MINEGRAPH_WRITE_TOKEN is set (rotate it by changing the variable)")
    if not entries and not settings.write_token:
        click.echo("no tokens: the server is read-only", err=True)


@token.command("revoke")
@click.argument("name")
@store_option
def revoke(name: str, store: Path | None) -> None:
    """Revoke the token NAME: from now on it is refused (403), also by a server that is running."""
    from minegraph.store.auth import TokenRegistry, audit, cli_actor

    settings = load_settings(store=store)
    try:
        entry = TokenRegistry(settings).revoke(name)
    except MinegraphError as error:
        fail(error)
        return
    audit(settings, cli_actor(), "token revoke", [], token=name)
    click.echo(f"revoked token {entry.name!r} at {entry.revoked}")
