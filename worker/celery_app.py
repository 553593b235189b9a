"""The Celery application, configured from the shared settings for at-least-once delivery."""

from __future__ import annotations

from celery import Celery

from misskissing.settings import Settings

SCREEN_TASK = "letters.screen"
SWEEP_TASK = "letters.sweep"
PURGE_TASK = "letters.purge_rejected"
SCRUB_TASK = "archive.scrub"


def broker_transport_options(settings: Settings) -> dict[str, object]:
    """Return transport options that suit the configured broker."""
    if settings.resolved_broker_url().startswith(("redis://", "rediss://")):
        # Redis redelivers unacked messages after this; it must outlast the longest task.
        return {"visibility_timeout": settings.screening_lease_seconds * 2}
    # The SQLAlchemy transport hands every option to create_engine: give it none.
    return {}


def make_celery(settings: Settings) -> Celery:
    """Build the Celery app: late acks, prefetch 1, bounded time, idempotent tasks."""
    app = Celery("misskissing", set_as_current=True)
    lease = settings.screening_lease_seconds
    app.conf.update(
        broker_url=settings.resolved_broker_url(),
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        # Ack after the task ran, and give a message back if its worker died, so a crash
        # never swallows a letter; the attempt counter on the row bounds the redeliveries.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options=broker_transport_options(settings),
        task_soft_time_limit=max(lease - 60, 30),
        task_time_limit=lease,
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
                "options": {"expires": settings.sweep_interval_seconds * 2},
            },
            "purge-rejected-text": {"task": PURGE_TASK, "schedule": 3600.0},
            "scrub-archive": {"task": SCRUB_TASK, "schedule": 6 * 3600.0},
        },
        imports=["worker.tasks", "worker.archive_tasks"],
    )
    return app
