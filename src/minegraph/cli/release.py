"""``minegraph release``, ``merge`` and ``withdraw``: cutting immutable releases and retiring things.

Register them in :mod:`minegraph.cli` with ``main.add_command``. Merges and withdrawals are tombstones in
``{base}graph/tombstones``, written like every other write (one writer at a time, running servers step
aside for the commit), so a running ``minegraph serve`` answers 301 / 410 right away.
"""

from __future__ import annotations

from pathlib import Path

import click

from minegraph.cli.common import fail
from minegraph.core.errors import InputError, MinegraphError, StoreError
from minegraph.core.settings import Settings, env_name, load_settings
from minegraph.core.vocab import KINDS, normalise_base, split_thing_iri
from minegraph.store.door import Written
from minegraph.store.tombstones import MERGED, Tombstone

_store_only = click.option("--store", type=click.Path(path_type=Path), envvar=env_name("store"),
                      help="Directory of the embedded store [env MINEGRAPH_STORE; default .minegraph/store].")
_base = click.option("--base-uri", envvar=env_name("base_uri"),
                     help="Canonical base IRI of the data [env MINEGRAPH_BASE_URI].")


def _store(function: click.decorators.FC) -> click.decorators.FC:
    """``--store``, or a remote store with ``--endpoint`` and its companions."""
    from minegraph.cli.remote import remote_options

    return _store_only(remote_options(function))


def _settings(store: Path | None, base_uri: str | None, remote: dict[str, str | None] | None = None) -> Settings:
    from minegraph.cli.remote import remote_settings

    settings = load_settings(store=store, base_uri=base_uri, **remote_settings(remote or {}))
    if not settings.remote and not settings.store.exists():
        fail(StoreError(f"no store at {settings.store}: run `minegraph build` first"))
    return settings


@click.command()
@_store
@_base
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def release(store: Path | None, base_uri: str | None, quiet: bool, **remote: str | None) -> None:
    """Cut the next numbered release: an immutable snapshot of the store.

    Writes releases/N/ next to the store: N-Quads and Turtle dumps, SHA256SUMS, VoID and DCAT, and every
    document of every thing, term and concept pre-rendered in HTML, Turtle, JSON-LD, N-Triples and RDF/XML.
    /release/N/... serves exactly these bytes from then on.
    """
    from minegraph.publish.releases import cut_release
    from minegraph.store import open_configured
    from minegraph.store.registry import releases_dir
    from minegraph.store.tombstones import now
    from minegraph.store.view import PublicStore
    from minegraph.web import create_app
    from minegraph.web.resource_html import resource

    settings = _settings(store, base_uri, remote)
    app = create_app(settings, {"QUERY_WORKERS": 1})
    say = (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))
    try:
        handle = open_configured(settings, read_only=True)
        try:
            with app.test_request_context("/"):  # restricted graphs never reach a release
                cut = cut_release(settings, PublicStore(handle, settings.base_uri), resource, issued=now(),
                                  progress=say)
        finally:
            handle.close()
    except MinegraphError as error:
        fail(error)
        return
    from minegraph.store.auth import audit, cli_actor

    audit(settings, cli_actor(), "release", [], release=cut.number)
    click.echo(f"release {cut.number}: {cut.manifest['documents']} documents, {cut.manifest['triples']} triples "
               f"in {cut.path} (releases: {releases_dir(settings)})")


def resolve(settings: Settings, reference: str) -> str:
    """The IRI of a thing named by its key, ``kind/key`` or IRI, that the store or a release knows."""
    from minegraph.publish.documents import existing_things, key_problem
    from minegraph.publish.releases import Releases
    from minegraph.store import open_configured
    from minegraph.store.registry import releases_dir

    base = normalise_base(settings.base_uri)
    reference = reference.strip()
    if "://" in reference:
        split = split_thing_iri(base, reference)
        if split is None:
            raise InputError(f"is not the IRI of a thing under {base}", value=reference)
        kind, key = split
    else:
        kind, _, key = reference.rpartition("/")
    problem = key_problem(key)
    if problem:
        raise InputError(problem, value=reference)
    kinds = [kind] if kind else list(KINDS)
    if kind and kind not in KINDS:
        raise InputError(f"kinds are {', '.join(KINDS)}", value=reference)
    candidates = [f"{base}id/{k}/{key}" for k in kinds]
    handle = open_configured(settings, read_only=True)
    try:
        found = existing_things(handle, candidates)
        if not found:  # retired things are no longer in the data, only in the tombstones
            from minegraph.store.tombstones import read_tombstones

            retired = read_tombstones(handle, base)
            found = [iri for iri in candidates if iri in retired]
    finally:
        handle.close()
    if not found:
        registry = Releases(releases_dir(settings)).registry()
        found = [iri for iri in candidates if registry.lookup(iri)]
    if len(found) != 1:
        raise InputError("names nothing that was published" if not found else "is ambiguous: give kind/key",
                         value=reference)
    return found[0]


def write_tombstone(settings: Settings, tombstone: Tombstone) -> Written:
    """Retire one thing through the write door: its tombstone, its victims' (an incident's), and the thing taken out
    of every graph that holds it — in one transaction, checked by the gate like any other write."""
    from minegraph.store.door import ChangeSet, write

    action = "merge" if tombstone.status == MERGED else "withdraw"
    return write(settings, ChangeSet(retire=[tombstone], action=action,
                                     audit={"thing": tombstone.iri, "reason": tombstone.reason}))


def _retired(settings: Settings, iri: str) -> object | None:
    from minegraph.store import open_configured
    from minegraph.store.tombstones import read_tombstones

    handle = open_configured(settings, read_only=True)
    try:
        return read_tombstones(handle, settings.base_uri).get(iri)
    finally:
        handle.close()


@click.command()
@click.argument("keep")
@click.argument("drop")
@click.option("--reason", required=True, help="Why DROP is the same thing as KEEP (shown on DROP's page).")
@_store
@_base
def merge(keep: str, drop: str, reason: str, store: Path | None, base_uri: str | None, **remote: str | None) -> None:
    """Merge DROP into KEEP: DROP's URIs answer 301 Moved Permanently to KEEP's.

    KEEP and DROP are keys, kind/key or IRIs of two things of the same kind.
    """
    from minegraph.store.tombstones import MERGED, Tombstone, now

    settings = _settings(store, base_uri, remote)
    try:
        keep_iri, drop_iri = resolve(settings, keep), resolve(settings, drop)
        if keep_iri == drop_iri:
            raise InputError("cannot merge a thing into itself", value=keep)
        if keep_iri.rsplit("/", 2)[-2] != drop_iri.rsplit("/", 2)[-2]:
            raise InputError("KEEP and DROP must be of the same kind", value=f"{keep_iri} {drop_iri}")
        for iri, role in ((keep_iri, "KEEP"), (drop_iri, "DROP")):
            if _retired(settings, iri) is not None:
                raise InputError(f"{role} is already merged or withdrawn", value=iri)
        write_tombstone(settings, Tombstone(drop_iri, MERGED, reason, now(), keep_iri))
    except MinegraphError as error:
        fail(error)
        return
    click.echo(f"merged {drop_iri} into {keep_iri}")


@click.command()
@click.argument("key")
@click.option("--reason", required=True, help="Why it is withdrawn (shown with the 410 Gone answer).")
@_store
@_base
def withdraw(key: str, reason: str, store: Path | None, base_uri: str | None, **remote: str | None) -> None:
    """Withdraw a thing: its URIs answer 410 Gone with the reason (earlier releases keep their copies)."""
    from minegraph.store.tombstones import WITHDRAWN, Tombstone, now

    settings = _settings(store, base_uri, remote)
    try:
        iri = resolve(settings, key)
        if _retired(settings, iri) is not None:
            raise InputError("is already merged or withdrawn", value=iri)
        write_tombstone(settings, Tombstone(iri, WITHDRAWN, reason, now()))
    except MinegraphError as error:
        fail(error)
        return
    click.echo(f"withdrew {iri}")


COMMANDS = (release, merge, withdraw)
