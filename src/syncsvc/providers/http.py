"""Sending a provider request: transport failures become typed errors here, once.

Whether a failed write is *uncertain* (it may have been applied) depends on how far the
request got: a refused connection never left, a timeout or a cut answer may have.
"""

from __future__ import annotations

from typing import Any

import httpx

from syncsvc.providers.errors import Transient


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    json: Any = None,
    content: bytes | None = None,
    data: dict[str, str] | None = None,
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    writes = method.upper() not in {"GET", "HEAD", "OPTIONS"}
    try:
        return await http.request(
            method,
            url,
            headers=headers,
            params=params,
            json=json,
            content=content,
            data=data,
            auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
        )
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise Transient(f"could not reach {httpx.URL(url).host}: {type(exc).__name__}") from exc
    except httpx.TimeoutException as exc:
        raise Transient(f"{httpx.URL(url).host} did not answer in time", uncertain=writes) from exc
    except httpx.TransportError as exc:
        raise Transient(
            f"connection to {httpx.URL(url).host} failed: {type(exc).__name__}", uncertain=writes
        ) from exc


def retry_after_seconds(response: httpx.Response, default: float = 60.0) -> float:
    value = response.headers.get("retry-after")
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        return default
