"""/healthz, /readyz and /metrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlmodel import col

from misskissing import journey, metrics
from misskissing.models import Submission, SubmissionStatus, utcnow
from misskissing.runtime import set_runtime
from tests.conftest import make_settings
from tests.web.helpers import KIND, publish
from web import create_app


def samples(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_healthz_is_always_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_every_check(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["status"] == "ready"
    assert set(data["checks"]) == {"database", "broker", "archive", "models"}
    assert all(check["ok"] for check in data["checks"].values())
    assert data["checks"]["models"]["loaded"] is False  # the web process never loads them


@pytest.fixture
def broken_app(tmp_path: Path) -> Iterator[Flask]:
    settings = make_settings(
        tmp_path,
        database_url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=1",
        broker_url="redis://127.0.0.1:1/0",
    )
    app = create_app(settings, {"TESTING": True})
    yield app
    set_runtime(None)


def test_readyz_is_503_naming_what_is_down(broken_app: Flask) -> None:
    response = broken_app.test_client().get("/readyz")
    assert response.status_code == 503
    data = response.get_json()
    assert data["status"] == "unavailable"
    assert data["checks"]["database"]["ok"] is False
    assert data["checks"]["broker"]["ok"] is False
    assert data["checks"]["archive"]["ok"] is True
    assert "Traceback" not in response.get_data(as_text=True)
    # Liveness does not depend on the dependencies.
    assert broken_app.test_client().get("/healthz").status_code == 200
    # The metrics page still answers, and says the database is down.
    assert samples(broken_app.test_client())[("misskissing_database_up", ())] == 0


def test_readyz_reports_loaded_models_health(app: Flask, client: FlaskClient) -> None:
    class FakeEngine:
        def health(self) -> dict[str, object]:
            return {"ready": False, "mode": "holding-all"}

    app.extensions["misskissing.runtime"].__dict__["moderation"] = FakeEngine()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["models"]["detail"]["mode"] == "holding-all"


def test_metrics_count_requests_by_endpoint_never_by_path(client: FlaskClient, app: Flask) -> None:
    _, token = publish(app)
    client.get(f"/api/v1/receipts/{token}")
    client.get("/api/v1/receipts/nope")
    found = samples(client)
    key = (
        "misskissing_http_requests_total",
        (("endpoint", "api.receipt"), ("method", "GET"), ("status", "200")),
    )
    assert found[key] >= 1
    text = client.get("/metrics").get_data(as_text=True)
    assert token not in text and "nope" not in text
    assert (
        "misskissing_http_request_duration_seconds_count",
        (("endpoint", "api.receipt"),),
    ) in found


def test_queue_depth_oldest_age_and_outcomes(client: FlaskClient, app: Flask) -> None:
    runtime = app.extensions["misskissing.runtime"]
    publish(app)
    with runtime.session() as session:
        journey.submit_letter(session, KIND + " one", None)
        old, _ = journey.submit_letter(session, KIND + " two", None)
        held, _ = journey.submit_letter(session, KIND + " three", None)
        session.execute(
            update(Submission)
            .where(col(Submission.id) == old.id)
            .values(created_at=utcnow().replace(year=utcnow().year - 1))
        )
        session.execute(
            update(Submission)
            .where(col(Submission.id) == held.id)
            .values(status=SubmissionStatus.HELD)
        )
    found = samples(client)
    assert found[("misskissing_queue_depth", ())] == 2
    assert found[("misskissing_oldest_pending_age_seconds", ())] > 300 * 24 * 3600
    assert found[("misskissing_submissions", (("status", "held"),))] == 1
    assert found[("misskissing_submissions", (("status", "published"),))] == 1
    assert found[("misskissing_letters", (("visibility", "published"),))] == 1


def test_model_latency_is_observed_around_the_engine() -> None:
    def before() -> float:
        return metrics.MODEL_LATENCY._sum.get()  # type: ignore[attr-defined]

    start = before()
    assert metrics.timed_screening(lambda text: text.upper(), "abc") == "ABC"
    assert before() > start

    def boom(_: str) -> str:
        raise TimeoutError

    failures = metrics.MODEL_FAILURES.labels("TimeoutError")
    failed_before = failures._value.get()  # type: ignore[attr-defined]
    with pytest.raises(TimeoutError):
        metrics.timed_screening(boom, "abc")
    assert failures._value.get() == failed_before + 1  # type: ignore[attr-defined]
