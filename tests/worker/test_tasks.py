"""The sweep task on a real SQLite database: it re-sends what is stuck, and only that."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col

from misskissing import journey
from misskissing.migrate import upgrade_database
from misskissing.models import Submission, utcnow
from misskissing.runtime import Runtime, set_runtime
from tests.conftest import make_settings
from worker.celery_app import make_celery

TEXT = "Goodbye to the flat on Rose Street, its crooked stairs and the cat next door."


@pytest.fixture
def sweeping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Runtime, list[tuple[object, ...]]]]:
    settings = make_settings(tmp_path, broker_url="memory://", sweep_pending_after_seconds=5)
    runtime = Runtime(settings)
    upgrade_database(runtime.engine)
    set_runtime(runtime)
    app = make_celery(settings)
    sent: list[tuple[object, ...]] = []
    from worker import tasks

    def record(args: tuple[object, ...], **_: object) -> None:
        sent.append(args)

    # The broker is not under test here: record what the sweep sends.
    monkeypatch.setattr(tasks.screen_letter, "apply_async", record)
    try:
        yield runtime, sent
    finally:
        app.close()
        runtime.engine.dispose()
        set_runtime(None)


def test_sweep_resends_lost_enqueues_and_expired_leases_once_per_window(
    sweeping: tuple[Runtime, list[tuple[object, ...]]],
) -> None:
    from worker.tasks import sweep_stuck_submissions

    runtime, sent = sweeping
    with runtime.session() as session:
        fresh, _ = journey.submit_letter(session, TEXT, None)
        lost, _ = journey.submit_letter(session, TEXT + " Again.", None)
        stranded, _ = journey.submit_letter(session, TEXT + " Once more.", None)
        session.execute(
            update(Submission)
            .where(col(Submission.id) == lost.id)
            .values(updated_at=utcnow() - timedelta(seconds=6))
        )
        session.execute(
            update(Submission)
            .where(col(Submission.id) == stranded.id)
            .values(status="screening", attempts=1, lease_until=utcnow() - timedelta(seconds=1))
        )
    assert sweep_stuck_submissions() == 2
    assert sent == [(lost.id,), (stranded.id,)]
    # The pending clock restarted; the stranded row stays stuck until someone claims it.
    assert sweep_stuck_submissions() == 1
    assert sent[-1] == (stranded.id,)
    assert fresh.id not in [args[0] for args in sent]


def test_release_task_publishes_only_letters_whose_moment_has_come(
    sweeping: tuple[Runtime, list[tuple[object, ...]]],
) -> None:
    from worker.tasks import release_due_letters

    runtime, _ = sweeping
    runtime.settings.publish_delay_seconds = 3600
    ids = []
    for n in range(3):
        with runtime.session() as session:
            submission, _ = journey.submit_letter(session, f"{TEXT} Number {n}.", None)
        assert journey.screen_submission(runtime, submission.id) == "scheduled"  # type: ignore[arg-type]
        ids.append(submission.id)
    with runtime.session() as session:
        session.execute(
            update(Submission)
            .where(col(Submission.id).in_(ids[:2]))
            .values(publish_after=utcnow() - timedelta(seconds=1))
        )
    assert release_due_letters() == 2
    assert release_due_letters() == 0
    with runtime.session() as session:
        statuses = [session.get(Submission, i).status for i in ids]  # type: ignore[union-attr]
    assert statuses == ["published", "published", "scheduled"]
