"""Private Redis and PostgreSQL servers, a writer that records receipts, and the ledger
that counts lost and duplicated letters after a fault.

The servers are started by the tests, on free ports, in temporary folders: a fault test
stops or kills its own servers and never the machine's shared services.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import secrets
import shutil
import signal
import string
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
import requests

from tests.support.stack import Stack, free_port

TERMINAL = frozenset({"published", "held", "rejected", "dead"})

# One line per fault, printed by tests/functional/conftest.py at the end of the run.
RESULTS: list[FaultResult] = []


class PrivateRedis:
    """A redis-server of our own: `persistent` mirrors docker-compose (AOF, fsync everysec)."""

    def __init__(self, workdir: Path, persistent: bool) -> None:
        self.dir = workdir / f"redis-{secrets.token_hex(3)}"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "everysec"]
            if self.persistent
            else ["--appendonly", "no"]
        )
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                *persistence,
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    client.close()
                    return
            time.sleep(0.1)
        raise TimeoutError("private redis did not start")

    def _signal(self, sig: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(sig)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """Shut down gracefully (a persistent server writes its append-only file)."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """Die at once: whatever was not persisted is gone."""
        self._signal(signal.SIGKILL)

    def queued(self) -> int:
        client = redis.Redis(port=self.port)
        try:
            return int(client.llen("misskissing"))
        finally:
            client.close()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl) that a test may stop and restart."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not binaries:
            raise RuntimeError("PostgreSQL binaries not found under /usr/lib/postgresql")
        self.bin = Path(binaries[-1])
        self.root = Path(tempfile.mkdtemp(prefix="mk-faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: the cluster belongs to `postgres`.
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "postgres.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        """Stop now: every connection is cut, new ones are refused."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def children(pid: int) -> list[int]:
    """Return the pids whose parent is `pid` (read from /proc)."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.split("/")[2]))
    return found


LETTER = (
    "Dear {to}, thank you for the summer we spent repainting the old boat by the lake. "
    "I will remember the smell of varnish and your laugh. Goodbye. ({tag})"
)


@dataclass
class Writer:
    """Writes letters to a stack and keeps every answer: receipts are what we owe."""

    stack: Stack
    fault: str
    receipts: list[str] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)

    def write(self, marker: str = "") -> int | None:
        # Letters only: digits could read as a phone number, be redacted, and make two
        # letters one text (which the archive rightly stores once).
        serial = "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
        tag = f"{self.fault} {serial} {marker}".strip()
        try:
            response = requests.post(
                f"{self.stack.base_url}/api/v1/letters",
                json={"body": LETTER.format(to="Anna", tag=tag)},
                timeout=15,
            )
        except requests.RequestException:
            self.answers["no answer"] += 1
            return None
        self.answers[str(response.status_code)] += 1
        if 200 <= response.status_code < 300:
            self.receipts.append(response.json()["receipt"])
        return response.status_code


@dataclass
class FaultResult:
    fault: str
    submitted: int  # letters that got a 2xx receipt
    committed: int  # rows in the outbox (a superset when the web crashed after commit)
    lost: int
    duplicated: int
    statuses: dict[str, int]
    seconds: float

    def line(self) -> str:
        states = ",".join(f"{k}:{v}" for k, v in sorted(self.statuses.items()))
        return (
            f"fault={self.fault} submitted={self.submitted} committed={self.committed} "
            f"lost={self.lost} duplicated={self.duplicated} states={states} "
            f"recovered_in={self.seconds:.0f}s"
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def snapshot(database_url: str) -> tuple[dict[str, str], int]:
    """Return (receipt hash -> status for every row, extra publications).

    A letter archived twice is a second log leaf for the same address (the archive and
    the wall key on the address, so a second row cannot exist). Two writers whose letters
    are the same text share one letter by design: that is not a duplicate.
    """
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        rows: dict[str, str] = {
            str(h): str(s) for h, s in conn.execute("SELECT receipt_hash, status FROM submission")
        }
        leaves = conn.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM log_leaf "
            "WHERE kind = 'letter' GROUP BY hex) AS per_letter"
        ).fetchone()
    duplicated = int(leaves[0] if leaves else 0)
    return rows, duplicated


def settle(
    fault: str, database_url: str, writer: Writer, started: float, timeout: float = 150
) -> FaultResult:
    """Wait until every committed letter is terminal (or time runs out); count and record.

    lost: receipts (2xx) whose row is missing or not terminal, plus committed rows that
    are not terminal. duplicated: extra log leaves per letter.
    """
    owed = {_hash(token) for token in writer.receipts}
    deadline = time.monotonic() + timeout
    while True:
        rows, duplicated = snapshot(database_url)
        unfinished = {h for h, status in rows.items() if status not in TERMINAL}
        missing = owed - rows.keys()
        if (not unfinished and not missing) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    result = FaultResult(
        fault=fault,
        submitted=len(owed),
        committed=len(rows),
        lost=len(missing | unfinished | {h for h in owed if rows.get(h) not in TERMINAL}),
        duplicated=duplicated,
        statuses=dict(Counter(rows.values())),
        seconds=time.monotonic() - started,
    )
    RESULTS.append(result)
    print(result.line())  # noqa: T201  (also in the terminal summary)
    return result


def wait_for_row(database_url: str, status: str, timeout: float = 60) -> None:
    """Wait until some submission has `status` (e.g. a worker is mid-screening)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            found = conn.execute(
                "SELECT 1 FROM submission WHERE status = %s LIMIT 1", (status,)
            ).fetchone()
        if found:
            return
        time.sleep(0.1)
    raise TimeoutError(f"no submission reached {status!r} in {timeout}s")


def statuses_of(database_url: str) -> Counter[str]:
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return Counter(s for (s,) in conn.execute("SELECT status FROM submission"))
