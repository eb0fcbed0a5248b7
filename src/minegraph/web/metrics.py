"""Prometheus metrics in the text exposition format, kept per process without extra dependencies.

>>> m = Metrics()
>>> m.observe("sparql", "GET", 200, 0.012)
>>> 'minegraph_http_requests_total{endpoint="sparql",method="GET",status="200"} 1' in m.render({})
True
"""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Request counts, latency histograms per endpoint, query timeouts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self.timeouts = 0
        self.truncated = 0

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(endpoint, method, status)] += 1
            counts = self.buckets[endpoint]
            for index, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[index] += 1
            self.sums[endpoint] += seconds
            self.counts[endpoint] += 1

    def render(self, gauges: dict[str, tuple[str, float]]) -> str:
        """The metrics as Prometheus text; ``gauges`` maps a name to (help, value)."""
        lines = ["# HELP minegraph_http_requests_total HTTP requests by endpoint, method and status.",
                 "# TYPE minegraph_http_requests_total counter"]
        with self._lock:
            for (endpoint, method, status), count in sorted(self.requests.items()):
                lines.append(f'minegraph_http_requests_total{{endpoint="{endpoint}",method="{method}",'
                             f'status="{status}"}} {count}')
            lines += ["# HELP minegraph_http_request_duration_seconds Time to answer a request.",
                      "# TYPE minegraph_http_request_duration_seconds histogram"]
            for endpoint, counts in sorted(self.buckets.items()):
                for bound, count in zip(BUCKETS, counts, strict=True):
                    lines.append(f'minegraph_http_request_duration_seconds_bucket{{endpoint="{endpoint}",'
                                 f'le="{bound}"}} {count}')
                lines.append(f'minegraph_http_request_duration_seconds_bucket{{endpoint="{endpoint}",le="+Inf"}} '
                             f"{self.counts[endpoint]}")
                lines.append(f'minegraph_http_request_duration_seconds_sum{{endpoint="{endpoint}"}} '
                             f"{self.sums[endpoint]:.6f}")
                lines.append(f'minegraph_http_request_duration_seconds_count{{endpoint="{endpoint}"}} '
                             f"{self.counts[endpoint]}")
            lines += ["# HELP minegraph_query_timeouts_total Queries stopped at the time limit.",
                      "# TYPE minegraph_query_timeouts_total counter",
                      f"minegraph_query_timeouts_total {self.timeouts}",
                      "# HELP minegraph_query_truncated_total Query results cut at the row limit.",
                      "# TYPE minegraph_query_truncated_total counter",
                      f"minegraph_query_truncated_total {self.truncated}"]
        for name, (help_text, value) in gauges.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"
