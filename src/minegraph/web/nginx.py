"""The nginx configuration in front of minegraph: current documents straight from the document cache, the rest
from the app.

``minegraph nginx-config`` prints it; ``server/nginx.conf.example`` is its output for a TLS site (a test checks
that they agree), and the end-to-end test and the benchmark run what it prints with ``--standalone``. It is
written from the tables the app answers from (formats, kinds, key alphabet, Link, CORS and security headers), so
nginx sends the same Content-Type, Link, Cache-Control, CORS and security headers (Content-Security-Policy on
HTML, nosniff, Referrer-Policy: :mod:`minegraph.web.headers`) as the app for the same file; ETag and
Last-Modified are nginx's own (from the file's size and mtime, which is the document's Last-Modified), and
nginx answers If-None-Match / If-Modified-Since with 304 itself.

Do not turn on ``open_file_cache`` for these locations: an open file kept past a repoint of ``current`` would
be served after its generation ended.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path

from minegraph.core.formats import DOCUMENT_FORMATS, content_type
from minegraph.core.vocab import ALPHABET, DEFAULT_BASE, KEY_BODY_LENGTH, KINDS, normalise_base
from minegraph.publish.releases import link_header
from minegraph.web.headers import EXPOSED, PAGE_POLICY, REFERRER_POLICY
from minegraph.web.resources import LIVE_CACHE
from minegraph.web.w3id import own_domain

KIND = "mg_kind"
KEY = "mg_key"
#: The variable holding the Content-Security-Policy of a document: the page policy for HTML, empty (no header)
#: for the other formats, as the app does.
POLICY = "mg_policy"

PROXY = """proxy_pass http://minegraph;
proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_set_header Host $host;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Forwarded-Host $host;
proxy_read_timeout 60s;        # above MINEGRAPH_QUERY_TIMEOUT: the app answers 503 at its limit"""


def _indent(text: str, spaces: int) -> str:
    return "\n".join((" " * spaces + line) if line else "" for line in text.splitlines())


def documents_location(cache: Path) -> str:
    """The location of the current documents of things: the file if it is there, else the app."""
    extensions = "|".join(f.extension for f in DOCUMENT_FORMATS)
    pattern = (f"^/doc/(?<{KIND}>{'|'.join(KINDS)})/(?<{KEY}>[{ALPHABET}]{{{KEY_BODY_LENGTH + 1}}})"
               f"\\.({extensions})$")
    types = " ".join(f"{f.media_type} {f.extension};" for f in DOCUMENT_FORMATS)
    charset = " ".join(f.media_type for f in DOCUMENT_FORMATS  # text/html is always one of nginx's charset types
                       if content_type(f.media_type) != f.media_type and f.media_type != "text/html")
    return (f'location ~ "{pattern}" {{\n'
            f"    root {cache}/current;\n"
            f"    types {{ {types} }}\n"
            f"    charset utf-8;\n"
            f"    charset_types {charset};\n"
            f"    add_header Link '{link_header(f'/doc/${KIND}/${KEY}')}';\n"
            f'    add_header Cache-Control "{LIVE_CACHE}";\n'
            f'    add_header Access-Control-Allow-Origin "*";\n'
            f'    add_header Access-Control-Expose-Headers "{EXPOSED}";\n'
            f"    add_header Content-Security-Policy ${POLICY};\n"
            f'    add_header X-Content-Type-Options "nosniff";\n'
            f'    add_header Referrer-Policy "{REFERRER_POLICY}";\n'
            f"    try_files $uri @minegraph;\n"
            f"}}")


def policy_map() -> str:
    """The ``map`` (http level) giving HTML documents the page policy and other documents none."""
    return (f"map $uri ${POLICY} {{\n"
            f'    default "";\n'
            f'    "~\\.html$" "{PAGE_POLICY}";\n'
            f"}}")


def resolution(base_uri: str, server_name: str) -> str:
    """The comment that says how a URI minted under ``base_uri`` reaches this server."""
    base = normalise_base(base_uri)
    own = own_domain(base)
    if own is None:
        host = server_name if server_name != "_" else "THIS-HOST"
        text = (f"The base IRI {base} is w3id.org's: {base}id/incident/KEY resolves here once w3id.org redirects "
                f"{base}… to the same path at the root of this server: `minegraph w3id-htaccess --target "
                f"https://{host}/`, submitted to w3id.org (docs/deployment.md, \"Making the cited URIs resolve\").")
    else:
        mapped = (f"{own.prefix}/… goes to the app as /…, with X-Forwarded-Prefix {own.prefix}; run the app as "
                  f"server.wsgi:app, which trusts that header, so that its links carry the prefix"
                  if own.prefix else "its paths are the app's paths")
        text = (f"The base IRI {base} is on this server's own host: {base}id/incident/KEY resolves through it "
                f"({mapped}). DNS for {own.hostname} must point here"
                + (", served over TLS (listen 443 ssl, certificates)." if own.scheme == "https" else ".")
                + ("" if server_name == own.hostname else
                   f" server_name is not {own.hostname}: serve that name here too, or the URIs will not resolve."))
    return textwrap.fill(text, width=112, initial_indent="# ", subsequent_indent="# ", break_long_words=False,
                         break_on_hyphens=False)


def _prefixed(prefix: str) -> str:
    """The locations of a base with a path (``https://data.example.org/minegraph/``): the prefix to the app,
    which mints its links under it; nothing else. The document cache is not used: its files are rendered at the
    root, with links that lack the prefix."""
    proxy = PROXY.replace("proxy_pass http://minegraph;",
                          f"proxy_pass http://minegraph/;   # {prefix}/id/… reaches the app as /id/…")
    return f"""    location = {prefix} {{
        return 301 {prefix}/;
    }}

    location {prefix}/ {{
{_indent(proxy, 8)}
        proxy_set_header X-Forwarded-Prefix {prefix};
    }}

    # Only the base's paths are served. The document cache ({{store}}.docs/) is not used under a path prefix:
    # its files are rendered at the root, with links that lack the prefix.
    location / {{
        return 404;
    }}"""


def site(*, cache: Path, upstreams: Sequence[str] = ("127.0.0.1:8080",), listen: str = "80",
         server_name: str | None = None, base_uri: str = DEFAULT_BASE) -> str:
    """The ``upstream`` and ``server`` blocks (for ``/etc/nginx/sites-enabled/``, inside ``http``).

    ``server_name`` defaults to the base IRI's host when the base is on the deployer's own domain, ``_``
    otherwise; a base with a path (``https://data.example.org/minegraph/``) is served under that path."""
    own = own_domain(base_uri)
    if server_name is None:
        server_name = own.hostname if own else "_"
    servers = "\n".join(f"    server {upstream};" for upstream in upstreams)
    if own is not None and own.prefix:
        return _site(servers, listen, server_name, resolution(base_uri, server_name), _prefixed(own.prefix),
                     own.prefix)
    documents = _indent(documents_location(cache), 4)
    locations = f"""    location / {{
{_indent(PROXY, 8)}
    }}

    # Current documents of things, /doc/{{kind}}/{{key}}.{{ext}}: files of the document cache ({{store}}.docs/,
    # see docs/uris.md) when they are there, the app otherwise. `current` is repointed at every commit, so a
    # file is never served once the data changed. No open_file_cache here.
{documents}

    location @minegraph {{
{_indent(PROXY, 8)}
    }}"""
    return _site(servers, listen, server_name, resolution(base_uri, server_name), locations)


def _site(servers: str, listen: str, server_name: str, resolves: str, locations: str, prefix: str = "") -> str:
    store = "/store" if prefix else ""  # under a prefix, proxy_pass names the path the app sees
    return f"""# Reverse proxy in front of gunicorn (server/gunicorn.conf.py); generated by `minegraph nginx-config`.
# The app trusts X-Forwarded-* from this one hop (server/wsgi.py), so sd:endpoint is the public URL.
# The Content-Security-Policy of the HTML documents served below, the app's (minegraph.web.headers).
{policy_map()}

upstream minegraph {{
{servers}
    # With a remote store (MINEGRAPH_ENDPOINT) the web processes are stateless: list every web machine here
    # (server 10.0.0.12:8080; …), and drop the /doc/ locations below: there is no document cache then.
    # See docs/deployment.md.
    keepalive 32;
}}

server {{
{_indent(resolves, 4)}
    listen {listen};
    server_name {server_name};
    # ssl_certificate ...; ssl_certificate_key ...;

    client_max_body_size 1m;           # keep in line with MINEGRAPH_MAX_REQUEST_BYTES
    large_client_header_buffers 4 8k; # as the app: a URL over 8,190 bytes is refused (send long queries by POST)

{locations}

    # Writes are token-protected by the app; you may also keep them on an internal network only:
    # location = {prefix}/store {{ allow 10.0.0.0/8; deny all; proxy_pass http://minegraph{store}; }}
}}
"""


def standalone(site_text: str, *, user: str | None = None) -> str:
    """A whole configuration around ``site_text``, with every path relative to the prefix, runnable as
    ``nginx -c FILE -p PREFIX/ -e error.log -g 'daemon off;'`` (tests, benchmarks, trying it out)."""
    user_line = f"user {user};\n" if user else ""
    return f"""# Run: nginx -c FILE -p PREFIX/ -e error.log -g 'daemon off;' (paths below are relative to PREFIX)
{user_line}worker_processes auto;
pid nginx.pid;
error_log error.log;

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path body;
    proxy_temp_path proxy;
    fastcgi_temp_path fastcgi;
    uwsgi_temp_path uwsgi;
    scgi_temp_path scgi;

{_indent(site_text, 4)}
}}
"""


def binary() -> str | None:
    """The nginx executable (Debian installs it in /usr/sbin, which is not on every user's PATH); None if absent."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    return found


def command(executable: str, config: Path, prefix: Path) -> list[str]:
    """The command that runs the :func:`standalone` configuration ``config`` in the foreground under ``prefix``."""
    return [executable, "-c", str(config), "-p", f"{prefix}/", "-e", "error.log", "-g", "daemon off;"]
