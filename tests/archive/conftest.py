"""Archive fixtures: an archive with its log key on real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from archive import Archive
from misskissing.db import session_scope
from misskissing.runtime import Runtime


@pytest.fixture
def archive(runtime: Runtime) -> Archive:
    """The runtime's archive: a local blob store and a log key under the data folder."""
    return runtime.archive


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    """A session that commits at the end of the test (the triggers see real commits)."""
    with session_scope(runtime.engine) as db_session:
        yield db_session


def enshrine_many(runtime: Runtime, count: int, prefix: str = "letter") -> list[str]:
    """Enshrine `count` distinct letters in one committed transaction; return their hex."""
    with runtime.session() as db_session:
        return [
            runtime.archive.enshrine(db_session, f"{prefix} {i}: I never said goodbye.").hex
            for i in range(count)
        ]
