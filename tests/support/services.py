"""Real PostgreSQL databases and Redis databases for tests, created and dropped per use."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import redis

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379


@contextmanager
def fresh_postgres_database(prefix: str = "mk") -> Iterator[str]:
    """Create an empty PostgreSQL database and drop it afterwards; yield its URL."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_redis_database() -> Iterator[str]:
    """Pick a Redis logical database, empty it before and after; yield its URL."""
    number = 1 + secrets.randbelow(15)
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
    client.flushdb()
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
    finally:
        client.flushdb()
        client.close()
