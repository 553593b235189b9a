"""The worker adapter: the Celery app, its tasks and the beat schedule."""

from worker.celery_app import SCREEN_TASK, make_celery

__all__ = ["SCREEN_TASK", "make_celery"]
