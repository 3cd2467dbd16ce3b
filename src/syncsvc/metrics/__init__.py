"""Prometheus metrics: request counters in-process, record and connection gauges from the DB."""
