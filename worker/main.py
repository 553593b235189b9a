"""The worker's entry point: `celery -A worker.main worker` (and `beat`)."""

from __future__ import annotations

from celery.signals import worker_process_init

from misskissing.runtime import Runtime, set_runtime
from misskissing.settings import Settings
from worker.celery_app import make_celery

settings = Settings()
app = make_celery(settings)


def _fresh_runtime_per_child(**_: object) -> None:
    # Database connections must not be shared across a fork.
    set_runtime(Runtime(settings))


worker_process_init.connect(_fresh_runtime_per_child, weak=False)
