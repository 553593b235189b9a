"""The Celery configuration that makes delivery at-least-once and every retry harmless."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from celery.signals import before_task_publish

from misskissing.settings import Settings
from worker import faults
from worker.celery_app import SWEEP_TASK, make_celery, time_limits, visibility_timeout

ROOT = Path(__file__).resolve().parents[2]


def redis_settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:6379/0", **values)  # type: ignore[arg-type]


def test_late_acks_requeue_on_worker_loss_and_prefetch_one(tmp_path: Path) -> None:
    conf = make_celery(redis_settings(tmp_path)).conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    # A failed task is acked; its row's lease brings it back through the sweeper.
    assert conf.task_acks_on_failure_or_timeout is True
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is True


@pytest.mark.parametrize("lease", [5, 20, 600, 3600])
def test_time_limits_end_inside_the_lease_and_redis_waits_longer(
    tmp_path: Path, lease: int
) -> None:
    settings = redis_settings(tmp_path, screening_lease_seconds=lease)
    conf = make_celery(settings).conf
    soft, hard = time_limits(settings)
    assert 0 < conf.task_soft_time_limit == soft < conf.task_time_limit == hard <= lease
    timeout = conf.broker_transport_options["visibility_timeout"]
    assert timeout == visibility_timeout(settings)
    assert timeout > conf.task_time_limit, "redelivered while still running"
    assert timeout > lease, "redelivered while its claim is still valid"


def test_sqlalchemy_broker_gets_no_transport_options(tmp_path: Path) -> None:
    conf = make_celery(Settings(data_dir=tmp_path)).conf
    assert conf.broker_url.startswith("sqla+sqlite:///")
    assert conf.broker_transport_options == {}


def test_beat_sweeps_at_the_configured_interval_and_drops_stale_sweeps(tmp_path: Path) -> None:
    settings = redis_settings(tmp_path, sweep_interval_seconds=7)
    conf = make_celery(settings).conf
    sweep = conf.beat_schedule["sweep-stuck-submissions"]
    assert sweep["task"] == SWEEP_TASK and sweep["schedule"] == 7
    assert sweep["options"]["expires"] < visibility_timeout(settings)
    assert "countdown" not in sweep["options"] and "eta" not in sweep["options"]


def test_no_task_is_sent_with_an_eta_or_countdown() -> None:
    # An ETA past Redis's visibility timeout is redelivered again and again: send none.
    sources = [*ROOT.joinpath("worker").glob("*.py"), *ROOT.joinpath("web").glob("*.py")]
    pattern = re.compile(r"\b(countdown|eta)\s*=")
    offenders = [p.name for p in sources if pattern.search(p.read_text("utf-8"))]
    assert offenders == []


def test_fault_hooks_are_off_unless_the_environment_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(faults.ENV_VAR, raising=False)
    assert faults.active_faults() == {}
    faults.install_publish_faults()
    assert not any(
        getattr(receiver, "__name__", "") == "_crash_before_publish"
        for _, receiver in before_task_publish.receivers
    )
    monkeypatch.setenv(faults.ENV_VAR, "slow_screening:2, poison:X")
    assert faults.active_faults() == {"slow_screening": "2", "poison": "X"}
