"""gunicorn configuration for minegraph: ``gunicorn -c server/gunicorn.conf.py server.wsgi:app``.

The settings are those of ``minegraph serve`` (minegraph.web.server_settings, where they are explained), with an
access log; bind address, workers, threads and the query limit come from the MINEGRAPH_* variables declared in
minegraph.core.settings (``minegraph settings`` lists them). Each gunicorn worker starts its own pool of query
processes (MINEGRAPH_QUERY_WORKERS, default: the CPUs shared among the gunicorn workers, at least 3).
/metrics adds up the counts of every worker (prometheus_client's multiprocess mode, in PROMETHEUS_MULTIPROC_DIR:
a new directory per start unless set); the rate limit's buckets are shared through
``{store}.locks/ratelimit.sqlite``.
"""

from minegraph.core.settings import env_setting, settle_query_workers
from minegraph.web.metrics import multiprocess_directory
from minegraph.web.server_settings import gunicorn_settings

multiprocess_directory()
settle_query_workers(env_setting("web_workers"))
globals().update(gunicorn_settings(env_setting("bind"), env_setting("web_workers"), env_setting("threads"),
                                   env_setting("query_timeout"), access_log=True))
