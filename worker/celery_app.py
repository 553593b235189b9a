"""The Celery application, configured from the shared settings for at-least-once delivery.

Delivery is at least once and every task is idempotent, so a letter is screened and
published exactly once however often its message arrives:

- late acks, and a message whose worker process died goes back to the queue
  (`task_reject_on_worker_lost`); the claim's attempt counter on the row bounds how often
  a letter that kills its worker can come back before it moves to the dead letters;
- prefetch 1: a worker holds at most the message it is running, so a dead worker strands
  at most one letter per process (and the sweeper recovers that one after its lease);
- Redis's visibility timeout (when Redis redelivers an unacked message) is twice the
  screening lease, above the hard time limit, so a running task is never handed to a
  second worker while the first still holds a valid lease;
- soft and hard time limits inside the lease; no task is sent with an ETA or countdown
  (an ETA past the visibility timeout would be redelivered early, again and again).
"""

from __future__ import annotations

from celery import Celery

from misskissing.settings import Settings

SCREEN_TASK = "letters.screen"
SWEEP_TASK = "letters.sweep"
PURGE_TASK = "letters.purge_rejected"
RELEASE_TASK = "letters.release_due"
SCRUB_TASK = "archive.scrub"


def time_limits(settings: Settings) -> tuple[float, float]:
    """Return (soft, hard) task time limits: both end within the screening lease."""
    lease = float(settings.screening_lease_seconds)
    soft = max(lease - 60.0, lease * 0.8)
    return soft, lease


def visibility_timeout(settings: Settings) -> int:
    """Return Redis's visibility timeout: well above the longest task (the hard limit)."""
    return settings.screening_lease_seconds * 2


def broker_transport_options(settings: Settings) -> dict[str, object]:
    """Return transport options that suit the configured broker."""
    if settings.resolved_broker_url().startswith(("redis://", "rediss://")):
        # Redis redelivers unacked messages after this; it must outlast the longest task.
        return {"visibility_timeout": visibility_timeout(settings)}
    # The SQLAlchemy transport hands every option to create_engine: give it none.
    return {}


def make_celery(settings: Settings) -> Celery:
    """Build the Celery app: late acks, prefetch 1, bounded time, idempotent tasks."""
    from worker.faults import install_publish_faults

    app = Celery("misskissing", set_as_current=True)
    soft_limit, hard_limit = time_limits(settings)
    app.conf.update(
        broker_url=settings.resolved_broker_url(),
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        # Ack after the task ran, and give a message back if its worker died, so a crash
        # never swallows a letter; the attempt counter on the row bounds the redeliveries.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # A task whose broker connection dropped cannot ack any more and its message comes
        # back anyway: stop it rather than finish a duplicate (the claim makes it harmless).
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_prefetch_multiplier=1,
        broker_transport_options=broker_transport_options(settings),
        task_soft_time_limit=soft_limit,
        task_time_limit=hard_limit,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_default_queue="misskissing",
        beat_schedule={
            "sweep-stuck-submissions": {
                "task": SWEEP_TASK,
                "schedule": settings.sweep_interval_seconds,
                # A sweep nobody ran in time is replaced by the next one.
                "options": {"expires": settings.sweep_interval_seconds * 2},
            },
            "release-scheduled-letters": {
                "task": RELEASE_TASK,
                "schedule": settings.sweep_interval_seconds,
                "options": {"expires": settings.sweep_interval_seconds * 2},
            },
            "purge-rejected-text": {"task": PURGE_TASK, "schedule": 3600.0},
            "scrub-archive": {"task": SCRUB_TASK, "schedule": 6 * 3600.0},
        },
        imports=["worker.tasks", "worker.archive_tasks"],
    )
    install_publish_faults()
    return app
