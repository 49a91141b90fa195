"""The baseline: a minimal FastAPI app on raw asyncpg, one insert or one primary-key read.

The figure a benchmark reports is a ratio to this, measured in the same run on
the same machine, so that it survives a noisy or slower machine.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
from fastapi import FastAPI, Request

DSN = os.environ.get("BASELINE_DSN", "postgresql://postgres@127.0.0.1:5432/ombuds_bench_baseline")


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(DSN, min_size=5, max_size=20)
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_row (id uuid PRIMARY KEY, payload text NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now())"
        )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/rows", status_code=201)
async def insert_row(request: Request) -> dict[str, str]:
    body = await request.body()
    row_id = uuid.uuid4()
    async with request.app.state.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO bench_row (id, payload) VALUES ($1, $2)", row_id, body.decode()
        )
    return {"id": str(row_id)}


@app.get("/rows/{row_id}")
async def read_row(row_id: uuid.UUID, request: Request) -> dict[str, str]:
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT id, payload FROM bench_row WHERE id = $1", row_id)
    return {"id": str(row["id"]), "payload": row["payload"]} if row else {}
