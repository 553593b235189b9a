"""Celery tasks: thin glue that receives ids and calls the journey services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import shared_task

from misskissing import journey
from misskissing.runtime import get_runtime
from worker.celery_app import PURGE_TASK, RELEASE_TASK, SCREEN_TASK, SWEEP_TASK
from worker.faults import after_claim

log = logging.getLogger(__name__)


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Return `shared_task(**options)` with a type (Celery ships no annotations)."""
    decorator: Callable[[Callable[..., Any]], Any] = shared_task(**options)
    return decorator


@task(name=SCREEN_TASK, acks_late=True, ignore_result=True)
def screen_letter(submission_id: int) -> str:
    """Screen one submission; running it twice publishes once."""
    outcome = journey.screen_submission(get_runtime(), int(submission_id), on_claimed=after_claim)
    log.info("screened submission %s: %s", submission_id, outcome)
    return outcome


@task(name=SWEEP_TASK, ignore_result=True)
def sweep_stuck_submissions() -> int:
    """Re-enqueue submissions whose enqueue was lost or whose worker died.

    The sweep only sends messages; the claim decides who screens, so overlapping sweeps,
    two beats or a message that was not lost after all cost a skipped task, never a
    second publication.
    """
    runtime = get_runtime()
    settings = runtime.settings
    with runtime.session() as session:
        ids = journey.stuck_submissions(
            session,
            settings.screening_lease,
            pending_after=timedelta(seconds=settings.sweep_pending_after_seconds),
        )
    sent: list[int] = []
    try:
        for submission_id in ids:
            screen_letter.apply_async((submission_id,))
            sent.append(submission_id)
    finally:
        with runtime.session() as session:
            journey.mark_requeued(session, sent)
    if ids:
        log.info("sweeper re-enqueued %d submissions", len(sent))
    return len(sent)


@task(name=PURGE_TASK, ignore_result=True)
def purge_rejected_text() -> int:
    """Delete the raw text of rejected submissions past the retention period."""
    runtime = get_runtime()
    with runtime.session() as session:
        return journey.purge_rejected_text(session, runtime.settings.rejected_retention_days)


@task(name=RELEASE_TASK, ignore_result=True)
def release_due_letters() -> int:
    """Publish the approved letters whose randomly delayed release moment has come."""
    runtime = get_runtime()
    with runtime.session() as session:
        ids = journey.due_for_release(session)
    released = sum(journey.release_scheduled(runtime, submission_id) for submission_id in ids)
    if released:
        log.info("released %d scheduled letters", released)
    return released
