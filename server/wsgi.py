"""WSGI entry point for production: ``gunicorn -c server/gunicorn.conf.py server.wsgi:app``.

Settings come from ``MINEGRAPH_*`` environment variables (see docs/sparql.md). The store must exist (run
``minegraph build`` first): the gunicorn master never opens it, because RocksDB's background threads do not
survive ``fork`` (a store opened before the fork would leave every worker unable to flush its writes).
Behind a reverse proxy, X-Forwarded-* headers are trusted from one hop so that the service description's
``sd:endpoint`` is the public URL.
"""

from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

from minegraph.web import create_app

application = create_app()
application.wsgi_app = ProxyFix(application.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]
app = application
