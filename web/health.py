"""Liveness, readiness and metrics: `/healthz`, `/readyz`, `/metrics`."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from misskissing import metrics
from web.views import runtime

health = Blueprint("health", __name__)

BROKER_TIMEOUT_SECONDS = 2.0


@health.get("/healthz")
def healthz() -> Response:
    """Answer 200 while the process can answer at all."""
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


def check_database() -> dict[str, Any]:
    with runtime().engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"ok": True}


def check_broker() -> dict[str, Any]:
    celery = current_app.extensions["misskissing.celery"]
    with celery.connection_for_write() as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
        )
    return {"ok": True}


def check_archive() -> dict[str, Any]:
    store = runtime().archive.blob_store
    store.contains("0" * 64)  # a round trip to the blob store (folder or bucket)
    root = getattr(store, "root", None)
    if root is not None and not os.access(root, os.W_OK):
        return {"ok": False, "error": "the archive folder is not writable"}
    return {"ok": True}


def check_models() -> dict[str, Any]:
    # The web process never screens: loading the models here would cost seconds and
    # memory. Report on them only if something in this process already loaded them.
    engine = runtime().__dict__.get("moderation")
    if engine is None:
        return {"ok": True, "loaded": False, "detail": "not loaded in the web process"}
    report = getattr(engine, "health", None)
    if report is None:
        return {"ok": True, "loaded": True}
    detail = report()
    return {"ok": bool(detail.get("ready", True)), "loaded": True, "detail": detail}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "broker": check_broker,
    "archive": check_archive,
    "models": check_models,
}


@health.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Answer 200 when the database, broker, archive and models are usable, else 503."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001  (any failure means not ready; say which)
            result = {"ok": False, "error": type(exc).__name__}
        result["seconds"] = round(time.perf_counter() - started, 4)
        results[name] = result
    ready = all(r["ok"] for r in results.values())
    response = jsonify({"status": "ready" if ready else "unavailable", "checks": results})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


@health.get("/metrics")
def prometheus_metrics() -> Response:
    """Answer with the Prometheus exposition of this service's metrics."""
    body, content_type = metrics.exposition(runtime())
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response
