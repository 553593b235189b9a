"""Fault injection against real processes: a letter that got a receipt is never lost.

Every test starts its own web (gunicorn), worker and beat processes, its own Redis server
and a fresh PostgreSQL database (its own PostgreSQL cluster where the database itself
fails), injects one fault, and then counts, straight from the database:

- lost: letters that got a 2xx (and rows committed at all) that did not reach a terminal
  state (published, held, rejected or dead) within the recovery window;
- duplicated: letters archived or published more than once.

Both must be 0. Each test prints `fault=<name> submitted=N lost=0 duplicated=0`; the
terminal summary repeats the table. Recovery takes seconds because the stacks run with a
short lease and a one-second sweep (the production values are minutes and half a minute).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlmodel import Session

from misskissing.db import make_engine
from misskissing.moderation_queue import held_submissions
from tests.support.faults import (
    FaultResult,
    PrivatePostgres,
    PrivateRedis,
    Writer,
    children,
    settle,
    statuses_of,
    wait_for_row,
)
from tests.support.services import fresh_postgres_database
from tests.support.stack import Stack

pytestmark = [
    pytest.mark.functional,
    pytest.mark.faults,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.redis,
]

FAULT = "MISSKISSING_FAULT_INJECT"
LEASE = 10
FAST_RECOVERY = {
    "MISSKISSING_SCREENING_LEASE_SECONDS": str(LEASE),
    "MISSKISSING_SWEEP_INTERVAL_SECONDS": "1",
    "MISSKISSING_SWEEP_PENDING_AFTER_SECONDS": "3",
    "MISSKISSING_MAX_SCREENING_ATTEMPTS": "5",
}
SLOW = {FAULT: "slow_screening:3"}


@dataclass
class Faulty:
    stack: Stack
    database_url: str
    redis: PrivateRedis


def _stack(tmp_path: Path, database_url: str, redis_server: PrivateRedis, **env: str) -> Stack:
    stack = Stack.production(tmp_path, database_url, redis_server.url, **{**FAST_RECOVERY, **env})
    stack.migrate()
    return stack


@pytest.fixture(params=[True], ids=["aof"])
def private_redis(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path, persistent=request.param)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def faulty(tmp_path: Path, private_redis: PrivateRedis) -> Iterator[Faulty]:
    with fresh_postgres_database("mk_faults") as database_url:
        stack = _stack(tmp_path, database_url, private_redis)
        try:
            yield Faulty(stack, database_url, private_redis)
        finally:
            stack.stop()


def recovered(writer: Writer, database_url: str, started: float) -> FaultResult:
    """Settle the fault's letters and fail, with the processes' logs, if any was lost."""
    result = settle(writer.fault, database_url, writer, started)
    if result.lost or result.duplicated:
        stack = writer.stack
        logs = "\n".join(f"--- {n}\n{stack.read_log(n)[-4000:]}" for n in ("web", "worker", "beat"))
        pytest.fail(f"lost={result.lost} duplicated={result.duplicated}\n{logs}")
    return result


def test_sigkill_worker_child_mid_screening(faulty: Faulty) -> None:
    stack, started = faulty.stack, time.monotonic()
    stack.start_web()
    stack.start_worker(env=SLOW)
    stack.start_beat()
    writer = Writer(stack, "sigkill_worker_child")
    for _ in range(6):
        writer.write()
    for _ in range(2):
        wait_for_row(faulty.database_url, "screening", timeout=90)
        pool = children(stack.pid("worker"))
        assert pool, "the worker has no pool process"
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        time.sleep(1.5)
    result = recovered(writer, faulty.database_url, started)
    assert result.submitted == 6


def test_sigkill_worker_main_process(faulty: Faulty) -> None:
    stack, started = faulty.stack, time.monotonic()
    stack.start_web()
    stack.start_worker(env=SLOW)
    stack.start_beat()
    writer = Writer(stack, "sigkill_worker_main")
    for _ in range(5):
        writer.write()
    wait_for_row(faulty.database_url, "screening", timeout=90)
    os.kill(stack.pid("worker"), signal.SIGKILL)
    stack.forget("worker")  # its orphaned pool child is ended with the stack
    for _ in range(2):
        writer.write()
    stack.start_worker("worker2")
    result = recovered(writer, faulty.database_url, started)
    assert result.submitted == 7


def test_redis_stopped_while_letters_arrive_then_started(faulty: Faulty) -> None:
    stack, started = faulty.stack, time.monotonic()
    stack.start_web()
    stack.start_worker(env={FAULT: "slow_screening:0.5"})
    stack.start_beat()
    writer = Writer(stack, "redis_stop_start")
    done = threading.Event()

    def keep_writing() -> None:
        while not done.is_set():
            writer.write()
            time.sleep(0.4)

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        wait_for_row(faulty.database_url, "screening", timeout=90)
        faulty.redis.stop()  # graceful: the append-only file keeps the queue
        time.sleep(4)
        faulty.redis.start()
        time.sleep(3)
    finally:
        done.set()
        thread.join()
    result = recovered(writer, faulty.database_url, started)
    assert result.submitted >= 10
    assert set(writer.answers) == {"202"}, writer.answers


@pytest.mark.parametrize("private_redis", [False], ids=["no-persistence"], indirect=True)
def test_redis_killed_without_persistence_loses_its_queue_not_the_letters(faulty: Faulty) -> None:
    stack, started = faulty.stack, time.monotonic()
    stack.start_web()
    stack.start_worker(env=SLOW)
    stack.start_beat()
    writer = Writer(stack, "redis_kill_no_persistence")
    for _ in range(6):
        writer.write()
    wait_for_row(faulty.database_url, "screening", timeout=90)
    assert faulty.redis.queued() > 0, "the test needs messages waiting in the broker"
    faulty.redis.kill()
    faulty.redis.start()
    assert faulty.redis.queued() == 0, "a server without persistence restarts empty"
    for _ in range(2):
        writer.write()
    result = recovered(writer, faulty.database_url, started)
    assert result.submitted == 8


def test_web_crash_between_commit_and_enqueue(faulty: Faulty) -> None:
    stack, started = faulty.stack, time.monotonic()
    stack.start_web(env={FAULT: "crash_after_commit"})
    stack.start_worker()
    stack.start_beat()
    writer = Writer(stack, "web_crash_after_commit")
    for _ in range(3):
        writer.write()
        stack.wait_for_web()  # gunicorn replaces the dead web worker
    assert writer.answers == {"no answer": 3}, writer.answers
    result = recovered(writer, faulty.database_url, started)
    assert result.committed == 3, "every crashed request had committed its row"
    assert "crashing after commit, before enqueue" in stack.read_log("web")


def test_database_unavailable_answers_503_never_2xx(
    tmp_path: Path, private_redis: PrivateRedis
) -> None:
    postgres = PrivatePostgres()
    postgres.start()
    stack = _stack(tmp_path, postgres.url, private_redis)
    started = time.monotonic()
    try:
        base = stack.start_web()
        stack.start_worker()
        stack.start_beat()
        writer = Writer(stack, "database_unavailable")
        for _ in range(3):
            writer.write()
        receipt = writer.receipts[0]

        postgres.stop()
        during = Writer(stack, "database_unavailable")
        for _ in range(4):
            during.write()
        status_page = requests.get(f"{base}/api/v1/receipts/{receipt}", timeout=15)
        assert set(during.answers) == {"503"}, during.answers
        assert status_page.status_code == 503
        assert status_page.json()["error"]["code"] == "unavailable"

        postgres.start()
        deadline = time.monotonic() + 30
        while writer.write() != 202:
            assert time.monotonic() < deadline, writer.answers
            time.sleep(0.5)
        for _ in range(2):
            writer.write()
        result = recovered(writer, postgres.url, started)
        assert result.submitted >= 6
        assert {c for c in writer.answers if c.startswith("2")} <= {"202"}
        assert set(writer.answers) <= {"202", "503"}, writer.answers
    finally:
        stack.stop()
        postgres.destroy()


def test_beat_stopped_then_restarted(faulty: Faulty) -> None:
    stack, started = faulty.stack, time.monotonic()
    stack.start_web()
    stack.start_worker(env=SLOW)
    stack.start_beat()
    writer = Writer(stack, "beat_stop_restart")
    for _ in range(3):
        writer.write()
    wait_for_row(faulty.database_url, "screening", timeout=90)
    stack.kill("beat", signal.SIGKILL)
    for pid in children(stack.pid("worker")):
        os.kill(pid, signal.SIGKILL)  # strands the letter it was screening
    for _ in range(2):
        writer.write()
    time.sleep(LEASE + 4)
    # Without beat nobody sweeps: the stranded letter is still waiting.
    assert statuses_of(faulty.database_url)["screening"] >= 1
    stack.start_beat()
    result = recovered(writer, faulty.database_url, started)
    assert result.submitted == 5


def test_poison_letter_that_kills_its_worker_goes_to_dead_letters(
    tmp_path: Path, private_redis: PrivateRedis
) -> None:
    marker = "NIGHTSHADE-POISON"
    with fresh_postgres_database("mk_faults") as database_url:
        stack = _stack(
            tmp_path,
            database_url,
            private_redis,
            MISSKISSING_SCREENING_LEASE_SECONDS="5",
            MISSKISSING_MAX_SCREENING_ATTEMPTS="3",
        )
        started = time.monotonic()
        try:
            stack.start_web()
            stack.start_worker(env={FAULT: f"poison:{marker}"})
            stack.start_beat()
            writer = Writer(stack, "poison_letter")
            writer.write(marker)
            for _ in range(4):
                writer.write()
            result = recovered(writer, database_url, started)
            assert result.statuses.get("dead") == 1, result.statuses
            assert result.submitted == 5
            engine = make_engine(database_url)
            try:
                with Session(engine) as session:
                    console = held_submissions(session)
                    dead = [s for s in console if s.status == "dead"]
                    assert len(dead) == 1 and dead[0].attempts == 3
                    assert dead[0].last_error == "too many failed screening attempts"
            finally:
                engine.dispose()
        finally:
            stack.stop()
