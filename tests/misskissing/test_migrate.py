"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from misskissing.migrate import upgrade_database
from misskissing.runtime import Runtime


def test_migrated_schema_matches_the_models(runtime: Runtime) -> None:
    upgrade_database(runtime.engine)  # a second run is a no-op
    with runtime.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
