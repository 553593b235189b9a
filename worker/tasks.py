"""Celery tasks: thin glue that receives ids and calls the journey services."""

from __future__ import annotations

import logging

from celery import shared_task

from misskissing import journey
from misskissing.runtime import get_runtime
from worker.celery_app import PURGE_TASK, SCREEN_TASK, SWEEP_TASK

log = logging.getLogger(__name__)


@shared_task(name=SCREEN_TASK, acks_late=True, ignore_result=True)
def screen_letter(submission_id: int) -> str:
    """Screen one submission; running it twice publishes once."""
    outcome = journey.screen_submission(get_runtime(), int(submission_id))
    log.info("screened submission %s: %s", submission_id, outcome)
    return outcome


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_stuck_submissions() -> int:
    """Re-enqueue submissions whose enqueue was lost or whose worker died."""
    runtime = get_runtime()
    with runtime.session() as session:
        ids = journey.stuck_submissions(session, runtime.settings.screening_lease)
    for submission_id in ids:
        screen_letter.delay(submission_id)
    if ids:
        log.info("sweeper re-enqueued %d submissions", len(ids))
    return len(ids)


@shared_task(name=PURGE_TASK, ignore_result=True)
def purge_rejected_text() -> int:
    """Delete the raw text of rejected submissions past the retention period."""
    runtime = get_runtime()
    with runtime.session() as session:
        return journey.purge_rejected_text(session, runtime.settings.rejected_retention_days)
