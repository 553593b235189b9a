"""The whole journey through real processes: web (gunicorn), a Celery worker with beat.

Once on the embedded defaults (SQLite data, SQLite broker), once on PostgreSQL + Redis.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.services import fresh_postgres_database, fresh_redis_database
from tests.support.stack import Stack

pytestmark = [pytest.mark.functional, pytest.mark.slow]

LETTERS = [
    "Grandma, your kitchen still smells of cardamom in my memory. Thank you for every Sunday.",
    "To the person I was at twenty: you were braver than you knew. I forgive you. Goodbye.",
]


@pytest.fixture(
    params=["embedded", pytest.param("production", marks=[pytest.mark.postgres, pytest.mark.redis])]
)
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    if request.param == "embedded":
        running = Stack.embedded(tmp_path)
        yield from _run(running)
    else:
        with fresh_postgres_database() as database_url, fresh_redis_database() as redis_url:
            running = Stack.production(tmp_path, database_url, redis_url)
            yield from _run(running)


def _run(stack: Stack) -> Iterator[Stack]:
    stack.migrate()
    try:
        stack.start_worker(beat=True)
        stack.start_web()
        yield stack
    finally:
        stack.stop()


def test_write_screen_wall_and_hearts(stack: Stack) -> None:
    base = stack.base_url
    tokens = []
    for text in LETTERS:
        response = requests.post(f"{base}/api/v1/letters", json={"body": text}, timeout=10)
        assert response.status_code == 202, response.text
        tokens.append(response.json()["receipt"])

    published = [
        stack.wait_for_status(token, {"published", "held", "rejected"}) for token in tokens
    ]
    assert [r["status"] for r in published] == ["published", "published"]

    wall = requests.get(f"{base}/api/v1/letters", timeout=10).json()
    assert [letter["body"] for letter in wall["letters"]] == list(reversed(LETTERS))
    assert wall["next_cursor"] is None

    letter = published[0]["letter"]
    hex_address = letter["hash"].removeprefix("sha256:")
    assert hex_address == hashlib.sha256(LETTERS[0].encode()).hexdigest()
    page = requests.get(letter["url"], timeout=10)
    assert page.status_code == 200 and "cardamom" in page.text

    reader_a, reader_b = requests.Session(), requests.Session()
    url = f"{base}/api/v1/letters/{hex_address}/hearts"
    counts = [
        reader_a.post(url, timeout=10).json()["hearts"],
        reader_a.post(url, timeout=10).json()["hearts"],
        reader_b.post(url, timeout=10).json()["hearts"],
    ]
    assert counts == [1, 1, 2]

    assert requests.get(f"{base}/api/v1/letters/{hex_address}", timeout=10).json()["hearts"] == 2
    assert stack.wait_for_status(tokens[0], {"published"})["hearts"] == 2
    wall_page = requests.get(base + "/", timeout=10).text
    assert "cardamom" in wall_page


def test_letters_written_while_the_worker_is_down_are_screened_when_it_returns(
    tmp_path: Path,
) -> None:
    stack = Stack.embedded(tmp_path)
    stack.migrate()
    try:
        stack.start_web()
        tokens = [
            requests.post(
                f"{stack.base_url}/api/v1/letters", json={"body": text}, timeout=10
            ).json()["receipt"]
            for text in LETTERS
        ]
        stack.start_worker(beat=True)
        statuses = [
            stack.wait_for_status(t, {"published", "held", "rejected"})["status"] for t in tokens
        ]
        assert statuses == ["published", "published"]
    finally:
        stack.stop()
