"""A real server process for the browser tests: ``python -m tests.test_browser_server STORE PORT``.

It serves the app of :func:`minegraph.web.create_app` on 127.0.0.1 (threaded werkzeug server), ``/doc`` pages
included. No test is defined here.
"""

from __future__ import annotations

import sys


def main(store: str, port: int, base: str = "https://w3id.org/minegraph/") -> None:
    from werkzeug.serving import make_server

    from minegraph.core.settings import Settings
    from minegraph.web import create_app

    settings = Settings(store=store, base_uri=base)
    app = create_app(settings, {"QUERY_WORKERS": 2})
    server = make_server("127.0.0.1", port, app, threaded=True)
    print(f"ready http://127.0.0.1:{port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
