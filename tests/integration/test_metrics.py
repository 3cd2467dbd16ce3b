"""/metrics speaks Prometheus' text format and counts by route template, not raw path."""

from __future__ import annotations

import httpx

from tests.factories import customer


async def test_metrics_count_answers_and_records(api: httpx.AsyncClient) -> None:
    await api.put("/v1/customers/secret-id-1", json=customer())
    await api.put("/v1/customers/secret-id-1", json=customer(version=0))
    text = (await api.get("/metrics")).text
    assert "# TYPE syncsvc_http_requests_total counter" in text
    assert (
        'syncsvc_http_requests_total{method="PUT",route="/v1/customers/{record_id}",status="202"} 1'
        in text
    )
    assert 'route="/v1/customers/{record_id}",status="409"} 1' in text
    assert "secret-id-1" not in text
    assert 'syncsvc_records{kind="customer",state="pending"}' in text
