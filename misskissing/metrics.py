"""Prometheus metrics for the web and worker processes.

Web: requests by endpoint, method and status, and their latency. Worker: model latency
around the moderation engine, decisions by outcome, task durations. At scrape time a
collector reads the queue from the database: depth, oldest pending age, submissions by
status, letters by visibility.

Several processes (gunicorn workers, prefork Celery children) share one view when
`PROMETHEUS_MULTIPROC_DIR` names an empty folder that every process of the service can
write; without it each process reports its own counters.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from misskissing.runtime import Runtime
    from misskissing.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

HTTP_REQUESTS = Counter(
    "misskissing_http_requests_total", "Web requests answered.", ["endpoint", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "misskissing_http_request_duration_seconds",
    "Time to answer a web request.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
MODEL_LATENCY = Histogram(
    "misskissing_moderation_duration_seconds",
    "Time the moderation engine took on one letter.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)
MODEL_FAILURES = Counter(
    "misskissing_moderation_failures_total", "Screenings whose engine call raised.", ["error"]
)
DECISIONS = Counter(
    "misskissing_screening_outcomes_total",
    "Screening task outcomes (published, held, rejected, skipped, superseded).",
    ["outcome"],
)
TASKS = Histogram(
    "misskissing_task_duration_seconds",
    "Celery task run time.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0),
)


def timed_screening(screen: Callable[[str], T], text: str) -> T:
    """Call the moderation engine's `screen(text)`, observing its latency."""
    started = time.perf_counter()
    try:
        return screen(text)
    except Exception as exc:
        MODEL_FAILURES.labels(type(exc).__name__).inc()
        raise
    finally:
        MODEL_LATENCY.observe(time.perf_counter() - started)


DATABASE_UP_HELP = "Whether the last scrape reached the database."


class QueueCollector(Collector):
    """Read queue depth and outcomes from the database at scrape time."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from sqlalchemy import func
        from sqlmodel import col, select

        from misskissing.models import Letter, Submission, SubmissionStatus, utcnow

        waiting = [SubmissionStatus.PENDING, SubmissionStatus.SCREENING]
        try:
            with self.runtime.session() as session:
                by_status = dict(
                    session.exec(
                        select(Submission.status, func.count()).group_by(Submission.status)
                    ).all()
                )
                oldest = session.exec(
                    select(func.min(Submission.created_at)).where(
                        col(Submission.status).in_(waiting)
                    )
                ).one()
                by_visibility = dict(
                    session.exec(
                        select(Letter.visibility, func.count()).group_by(Letter.visibility)
                    ).all()
                )
        except Exception as exc:  # noqa: BLE001  (a scrape must not fail because the database did)
            log.warning("metrics: database unavailable (%s)", type(exc).__name__)
            up = GaugeMetricFamily("misskissing_database_up", DATABASE_UP_HELP)
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("misskissing_database_up", DATABASE_UP_HELP)
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("misskissing_queue_depth", "Submissions waiting for a decision.")
        depth.add_metric([], sum(int(by_status.get(s, 0)) for s in waiting))
        yield depth
        age = GaugeMetricFamily(
            "misskissing_oldest_pending_age_seconds", "Age of the oldest submission still waiting."
        )
        if oldest is not None:
            if oldest.tzinfo is None:
                from datetime import UTC

                oldest = oldest.replace(tzinfo=UTC)
            age.add_metric([], max((utcnow() - oldest).total_seconds(), 0.0))
        else:
            age.add_metric([], 0.0)
        yield age
        statuses = GaugeMetricFamily(
            "misskissing_submissions",
            "Submissions by status (decisions by outcome).",
            labels=["status"],
        )
        for status in SubmissionStatus:
            statuses.add_metric([status.value], int(by_status.get(status.value, 0)))
        yield statuses
        letters = GaugeMetricFamily(
            "misskissing_letters", "Wall letters by visibility.", labels=["visibility"]
        )
        for visibility, count in sorted(by_visibility.items()):
            letters.add_metric([str(visibility)], int(count))
        yield letters


def process_registry() -> CollectorRegistry:
    """Return the registry with this service's counters (all processes when multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def exposition(runtime: Runtime | None) -> tuple[bytes, str]:
    """Render the metrics page: process counters plus the database collector."""
    body = generate_latest(process_registry())
    if runtime is not None:
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(QueueCollector(runtime))
        body += generate_latest(scrape)
    return body, CONTENT_TYPE_LATEST


def instrument_worker(settings: Settings) -> None:
    """Count task outcomes, bind task ids to log lines, and serve metrics if configured.

    Call once in the worker's main module (before the pool starts).
    """
    from celery.signals import task_postrun, task_prerun

    from misskissing.logs import request_id_var

    started: dict[str, tuple[float, Any]] = {}

    @task_prerun.connect(weak=False)
    def _before(task_id: str | None = None, **_: Any) -> None:
        if task_id:
            started[task_id] = (time.perf_counter(), request_id_var.set(task_id))

    @task_postrun.connect(weak=False)
    def _after(
        task_id: str | None = None,
        task: Any = None,
        retval: Any = None,
        state: str | None = None,
        **_: Any,
    ) -> None:
        entry = started.pop(task_id or "", None)
        if entry is not None:
            TASKS.labels(getattr(task, "name", "unknown"), state or "unknown").observe(
                time.perf_counter() - entry[0]
            )
            try:
                request_id_var.reset(entry[1])
            except ValueError:
                request_id_var.set(None)  # finished in another context than it started
        if getattr(task, "name", None) == "letters.screen" and isinstance(retval, str):
            DECISIONS.labels(retval).inc()

    if settings.worker_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port, registry=process_registry())
        log.info("worker metrics on port %s", settings.worker_metrics_port)
