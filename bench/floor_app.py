"""The floor of this stack for `bench/ingest.py`: a bare FastAPI route that validates one
customer with the service's own model and upserts it into Postgres, committing before it
answers. No auth, no versions, no hashing: what any service on this stack must pay."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, Column, DateTime, MetaData, String, Table
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import create_async_engine

from syncsvc.records.canonical import Customer

metadata = MetaData()
customers = Table(
    "floor_customers",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("payload", JSON().with_variant(JSONB(), "postgresql")),
    Column("updated_at", DateTime(timezone=True)),
)
engine = create_async_engine(os.environ["FLOOR_DATABASE_URL"], pool_size=10, max_overflow=10)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.put("/customers/{customer_id}", status_code=202)
async def put_customer(customer_id: str, body: Customer) -> JSONResponse:
    payload = body.model_dump(mode="json")
    statement = insert(customers).values(
        id=customer_id, payload=payload, updated_at=datetime.now(UTC)
    )
    statement = statement.on_conflict_do_update(
        index_elements=[customers.c.id],
        set_={"payload": statement.excluded.payload, "updated_at": statement.excluded.updated_at},
    )
    async with engine.begin() as connection:
        await connection.execute(statement)
    return JSONResponse({"id": customer_id, "state": "pending"}, status_code=202)
