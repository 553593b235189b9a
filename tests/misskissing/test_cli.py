"""The command line: `misskissing users create` and `misskissing dev` as a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlmodel import Session, select

from misskissing.db import make_engine
from misskissing.models import User
from tests.support.stack import ROOT, free_port


def run_cli(args: list[str], data_dir: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BROKER_URL", "REDIS_URL"}
    }
    env["MISSKISSING_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "misskissing", *args],
        input=stdin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_users_create_reads_the_password_from_stdin(tmp_path: Path) -> None:
    result = run_cli(
        ["users", "create", "--role", "moderator", "Mod@Example.org"],
        tmp_path,
        "a long enough pass\n",
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'misskissing.sqlite3'}")
    with Session(engine) as session:
        [user] = session.exec(select(User)).all()
    assert user.email == "mod@example.org" and user.role == "moderator"
    assert user.password_hash.startswith("$argon2id$")
    again = run_cli(
        ["users", "create", "--role", "moderator", "mod@example.org"],
        tmp_path,
        "a long enough pass\n",
    )
    assert again.returncode != 0 and "already has an account" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "--role", "moderator", "not-an-email"], "not an email"),
        (["users", "create", "--role", "moderator", "a@b.c"], "12 characters"),
        (["users", "create", "--role", "king", "a@b.c"], "Invalid value"),
    ],
)
def test_users_create_refuses_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(args, tmp_path, "short\n")
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.functional
@pytest.mark.slow
def test_dev_runs_web_worker_and_beat_on_embedded_defaults(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BROKER_URL", "REDIS_URL"}
    }
    env.update(MISSKISSING_DATA_DIR=str(tmp_path / "var"), MISSKISSING_RATE_LIMITS="off")
    log = (tmp_path / "dev.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "misskissing", "dev", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                requests.get(base + "/api/v1/letters", timeout=2)
                break
            except requests.RequestException:
                assert process.poll() is None, (tmp_path / "dev.log").read_text()
                time.sleep(0.5)
        token = requests.post(
            base + "/api/v1/letters",
            timeout=10,
            json={"body": "Goodbye, little red bicycle. You taught me balance and bravery."},
        ).json()["receipt"]
        status = None
        while time.monotonic() < deadline + 60 and status != "published":
            status = requests.get(f"{base}/api/v1/receipts/{token}", timeout=10).json()["status"]
            time.sleep(0.5)
        assert status == "published", (tmp_path / "dev.log").read_text()[-3000:]
        output = (tmp_path / "dev.log").read_text()
        assert f"http://127.0.0.1:{port}/" in output
        assert token not in output, "receipt tokens never reach a log"
        assert (tmp_path / "var" / "misskissing.sqlite3").exists()
        assert (tmp_path / "var" / "broker.sqlite3").exists()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
