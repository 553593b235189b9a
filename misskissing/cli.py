"""The `misskissing` command line."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from misskissing.accounts import ROLES
from misskissing.cli_archive import archive
from misskissing.cli_moderation import moderate, moderation
from misskissing.migrate import upgrade_database
from misskissing.runtime import Runtime
from misskissing.settings import Settings


@click.group()
def cli() -> None:
    """misskissing: permanent, anonymous farewell letters."""


def _migrate(settings: Settings) -> Runtime:
    """Bring the database to the newest schema and return the runtime that did it."""
    runtime = Runtime(settings)
    upgrade_database(runtime.engine)
    return runtime


@cli.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending schema migration."""
    _migrate(Settings())
    click.echo("database is at the newest schema")


def worker_command(data_dir: Path, beat: bool = True, name: str | None = None) -> list[str]:
    """Return the command that starts one Celery worker (with embedded beat for dev)."""
    command = [sys.executable, "-m", "celery", "-A", "worker.main", "worker", "--loglevel=INFO"]
    command += ["--concurrency=1", "--without-gossip", "--without-mingle"]
    command += ["-n", f"{name or f'misskissing-{os.getpid()}'}@%h"]
    if beat:
        command += ["-B", "-s", str(data_dir / "celerybeat-schedule")]
    return command


def _die_with_parent() -> None:
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class Supervisor:
    """Keep the worker running beside the web server; restart it if it dies."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command = command
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    def _spawn(self) -> subprocess.Popen[bytes]:
        # Same process group as `dev`, and a parent-death signal: whatever ends `dev`,
        # even SIGKILL, also ends its worker instead of leaving an orphan screening letters.
        return subprocess.Popen(self.command, env=self.env, preexec_fn=_die_with_parent)  # noqa: S603, PLW1509

    def start(self) -> None:
        self.process = self._spawn()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while not self.stopping.is_set():
            process = self.process
            if process is not None and process.poll() is not None and not self.stopping.is_set():
                click.echo(f"worker exited with {process.returncode}; restarting it", err=True)
                time.sleep(1)
                self.process = self._spawn()
            time.sleep(0.5)

    def stop(self) -> None:
        self.stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
def dev(host: str, port: int) -> None:
    """Run web, worker and beat together on embedded defaults."""
    from werkzeug.serving import run_simple

    from misskissing.logs import configure_logging
    from web import create_app

    configure_logging()
    settings = Settings()
    settings.data_path.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MISSKISSING_DATA_DIR=str(settings.data_path))
    os.environ["MISSKISSING_DATA_DIR"] = str(settings.data_path)
    settings = Settings()
    _migrate(settings)
    settings.resolved_secret_key()  # generate it once, before web and worker race for it
    supervisor = Supervisor(worker_command(settings.data_path), env)
    supervisor.start()

    def _terminate(*_: Any) -> None:
        supervisor.stop()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _terminate)
    app = create_app(settings)
    click.echo(f"misskissing is running at http://{host}:{port}/  (data in {settings.data_path})")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        supervisor.stop()


@cli.group()
def users() -> None:
    """Manage moderator and operator accounts."""


@users.command("create")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True)
@click.argument("email")
def users_create(role: str, email: str) -> None:
    """Create an account; the password is read from stdin when it is not a terminal."""
    from misskissing.accounts import AccountError, create_user

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    settings = Settings()
    runtime = _migrate(settings)
    try:
        with runtime.session() as session:
            create_user(session, email, password, role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {role} {email}")


cli.add_command(moderate)
cli.add_command(moderation)
cli.add_command(archive)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    cli()


__all__ = ["cli", "main", "worker_command"]
