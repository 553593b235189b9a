"""The worker's entry point: `celery -A worker.main worker` (and `beat`)."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_init, worker_process_init

from misskissing.logs import configure_logging
from misskissing.metrics import instrument_worker
from misskissing.runtime import Runtime, set_runtime
from misskissing.settings import Settings
from moderation import ModerationEngine, build_engine
from worker.celery_app import make_celery

settings = Settings()
configure_logging(fmt=settings.log_format)
app = make_celery(settings)
instrument_worker(settings)

_preloaded: dict[str, ModerationEngine] = {}


def _load_models_before_fork(**_: Any) -> None:
    # Loading the models takes seconds. Done once in the main process, every pool child
    # inherits them, so a child that replaces a killed one is ready at once and the time
    # limits of a task measure its screening, never a model load.
    _preloaded["engine"] = build_engine(settings.moderation_config())


def _fresh_runtime_per_child(**_: Any) -> None:
    # Database connections must not be shared across a fork; the models may.
    runtime = Runtime(settings)
    if "engine" in _preloaded:
        runtime.moderation = _preloaded["engine"]
    set_runtime(runtime)


worker_init.connect(_load_models_before_fork, weak=False)
worker_process_init.connect(_fresh_runtime_per_child, weak=False)
