"""Start the real processes of misskissing (web, worker, beat) for functional tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from misskissing.cli import worker_command

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """A set of misskissing processes sharing one environment (one installation)."""

    data_dir: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _orphans: list[subprocess.Popen[bytes]] = field(default_factory=list)
    base_url: str = ""

    @classmethod
    def embedded(cls, data_dir: Path, **extra_env: str) -> Stack:
        """An installation on the embedded defaults (SQLite data and broker)."""
        env = _base_env(data_dir)
        env.update(extra_env)
        return cls(data_dir, env)

    @classmethod
    def production(
        cls, data_dir: Path, database_url: str, redis_url: str, **extra_env: str
    ) -> Stack:
        """An installation on PostgreSQL and Redis."""
        env = _base_env(data_dir)
        env.update(DATABASE_URL=database_url, BROKER_URL=redis_url, REDIS_URL=redis_url)
        env.update(extra_env)
        return cls(data_dir, env)

    def _log(self, name: str) -> int:
        path = self.data_dir / f"{name}.log"
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def _spawn(
        self, name: str, command: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = self._log(name)
        process = subprocess.Popen(
            command,
            env={**self.env, **(env or {})},
            cwd=self.data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        os.close(log)
        self.processes[name] = process
        return process

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "misskissing", "db", "upgrade"],
            env=self.env,
            cwd=self.data_dir,
            check=True,
            capture_output=True,
        )

    def start_web(self, port: int | None = None, env: dict[str, str] | None = None) -> str:
        port = port or free_port()
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--graceful-timeout",
                "2",
                "web:create_app()",
            ],
            env,
        )
        self.base_url = f"http://127.0.0.1:{port}"
        self.wait_for_web()
        return self.base_url

    def start_worker(
        self, name: str = "worker", beat: bool = False, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        command = worker_command(self.data_dir, beat=beat, name=name)
        return self._spawn(name, command, env)

    def start_beat(self, name: str = "beat") -> subprocess.Popen[bytes]:
        return self._spawn(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worker.main",
                "beat",
                "--loglevel=INFO",
                "-s",
                str(self.data_dir / "celerybeat-schedule"),
            ],
        )

    def wait_for_web(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            web = self.processes.get("web")
            if web is not None and web.poll() is not None:
                log = self.read_log("web")[-3000:]
                raise RuntimeError(f"web exited with {web.returncode}: {log}")
            try:
                requests.get(self.base_url + "/api/v1/letters", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.3)
        raise TimeoutError(f"web did not answer in {timeout}s: {self.read_log('web')[-3000:]}")

    def read_log(self, name: str) -> str:
        path = self.data_dir / f"{name}.log"
        return path.read_text("utf-8", errors="replace") if path.exists() else ""

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)
        self.reap_orphans()

    def pid(self, name: str) -> int:
        """Return the pid of a running process of this stack (its main process)."""
        return self.processes[name].pid

    def forget(self, name: str) -> subprocess.Popen[bytes]:
        """Stop tracking a process killed from outside; `stop` still ends its group."""
        process = self.processes.pop(name)
        self._orphans.append(process)
        return process

    def reap_orphans(self) -> None:
        for process in self._orphans:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self._orphans.clear()

    def wait_for_status(
        self, token: str, statuses: set[str], timeout: float = 120
    ) -> dict[str, Any]:
        """Poll a receipt until its status is one of `statuses`; return the receipt."""
        deadline = time.monotonic() + timeout
        receipt: dict[str, Any] = {}
        while time.monotonic() < deadline:
            response = requests.get(f"{self.base_url}/api/v1/receipts/{token}", timeout=10)
            receipt = response.json()
            if receipt.get("status") in statuses:
                return receipt
            time.sleep(0.3)
        logs = "\n".join(f"--- {n}\n{self.read_log(n)[-2000:]}" for n in ("web", "worker", "beat"))
        raise TimeoutError(f"receipt stayed {receipt.get('status')!r}:\n{logs}")


def _base_env(data_dir: Path) -> dict[str, str]:
    private = {"DATABASE_URL", "BROKER_URL", "REDIS_URL"}
    env = {k: v for k, v in os.environ.items() if k not in private}
    env.update(
        MISSKISSING_DATA_DIR=str(data_dir),
        MISSKISSING_RATE_LIMITS="off",
        MISSKISSING_SECRET_KEY="functional-test-secret-key-0123456789",
        MISSKISSING_SWEEP_INTERVAL_SECONDS="2",
        PYTHONPATH=str(ROOT),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    return env
