"""gunicorn configuration for minegraph: ``gunicorn -c server/gunicorn.conf.py server.wsgi:app``.

The same settings as ``minegraph serve`` (minegraph.cli.serve.gunicorn_options). Each gunicorn worker starts
its own pool of query processes (MINEGRAPH_QUERY_WORKERS, default: the CPUs shared among the gunicorn
workers, at least 3: minegraph.web.lanes), so two gunicorn workers with threads (MINEGRAPH_WEB_WORKERS, default
2) are enough: the query processes do the heavy work, and two answer light queries 1.7-1.8x faster than one at 8
clients on 2 cores (docs/benchmarks.md).
/metrics adds up the counts of every worker (prometheus_client's multiprocess mode, in
PROMETHEUS_MULTIPROC_DIR: a new directory per start unless set); the rate limit's buckets are shared through
``{store}.locks/ratelimit.sqlite``.
Do not set ``preload_app``: the app must be created after the fork.
"""

from minegraph.core.settings import env_setting, settle_query_workers
from minegraph.web.limits import GUNICORN_LIMITS
from minegraph.web.metrics import multiprocess_directory, worker_exited

multiprocess_directory()


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    worker_exited(worker.pid)


# the settings are declared in minegraph.core.settings (SERVING_SETTINGS); `minegraph settings` lists them
bind = env_setting("bind")
workers = env_setting("web_workers")
settle_query_workers(workers)
worker_class = "gthread"
threads = env_setting("threads")
timeout = int(env_setting("query_timeout")) + 30
graceful_timeout = 10
keepalive = 5
# the request line and the headers are bounded (minegraph.web.limits): a longer SPARQL query is sent with POST
limit_request_line = GUNICORN_LIMITS["limit_request_line"]
limit_request_fields = GUNICORN_LIMITS["limit_request_fields"]
limit_request_field_size = GUNICORN_LIMITS["limit_request_field_size"]
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = "info"
