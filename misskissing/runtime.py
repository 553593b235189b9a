"""What a running process holds: settings, the database engine, the archive, the models.

Web, worker and command line each build one `Runtime` from the same `Settings`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import Engine
from sqlmodel import Session

from archive import Archive, open_archive
from misskissing.db import make_engine, session_scope
from misskissing.settings import Settings
from moderation import ModerationEngine, build_engine


class Runtime:
    """Long-lived collaborators of one process, created lazily and kept."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.resolved_database_url())

    @cached_property
    def archive(self) -> Archive:
        return open_archive(
            self.settings.resolved_archive_url(),
            key_file=self.settings.resolved_log_key_file(),
            origin=self.settings.log_origin,
        )

    @cached_property
    def moderation(self) -> ModerationEngine:
        # Loading the models costs seconds: once per process, on first use.
        return build_engine(self.settings.moderation_config())

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        with session_scope(self.engine) as session:
            yield session


_current: Runtime | None = None


def get_runtime() -> Runtime:
    """Return this process's runtime, building it from the environment on first use."""
    global _current
    if _current is None:
        _current = Runtime()
    return _current


def set_runtime(runtime: Runtime | None) -> None:
    """Install the runtime this process uses (the app factory and worker start-up call it)."""
    global _current
    _current = runtime
