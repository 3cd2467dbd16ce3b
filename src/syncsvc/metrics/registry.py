"""A small in-process counter registry rendered in Prometheus' text format."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    escaped = (
        f'{key}="{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for key, value in pairs
    )
    return "{" + ",".join(escaped) + "}"


class RequestCounter:
    """Answers by method, route template and status; latency sum per route."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.seconds: defaultdict[tuple[str, str], float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.counts[(method, route, str(status))] += 1
        self.seconds[(method, route)] += seconds

    def render(self) -> list[str]:
        lines = [
            "# HELP syncsvc_http_requests_total Answers given, by method, route and status.",
            "# TYPE syncsvc_http_requests_total counter",
        ]
        for (method, route, status), count in sorted(self.counts.items()):
            labels = _labels([("method", method), ("route", route), ("status", status)])
            lines.append(f"syncsvc_http_requests_total{labels} {count}")
        lines += [
            "# HELP syncsvc_http_request_seconds_total Time spent answering, by route.",
            "# TYPE syncsvc_http_request_seconds_total counter",
        ]
        for (method, route), seconds in sorted(self.seconds.items()):
            labels = _labels([("method", method), ("route", route)])
            lines.append(f"syncsvc_http_request_seconds_total{labels} {seconds:.6f}")
        return lines


def gauge(name: str, help_text: str, samples: Iterable[tuple[dict[str, str], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        lines.append(f"{name}{_labels(sorted(labels.items()))} {value:g}")
    return lines
