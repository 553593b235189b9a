"""Immutability below the application: the database itself refuses changes (both engines)."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tests.archive.conftest import enshrine_many


def _execute(runtime, statement, **params):
    with runtime.engine.begin() as connection:
        connection.execute(sa.text(statement), params)


@pytest.fixture
def hexes(runtime):
    return enshrine_many(runtime, 3)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE archived_letter SET body = 'changed words' WHERE hex = :hex",
        "UPDATE archived_letter SET size = size + 1 WHERE hex = :hex",
        "UPDATE archived_letter SET sequence = 99 WHERE hex = :hex",
        "DELETE FROM archived_letter WHERE hex = :hex",
        "UPDATE log_leaf SET leaf_hash = '00' WHERE hex = :hex",
        "UPDATE log_leaf SET kind = 'tombstone' WHERE hex = :hex",
        "DELETE FROM log_leaf WHERE hex = :hex",
    ],
)
def test_database_refuses_changes_to_the_archive(runtime, hexes, statement):
    with pytest.raises(DBAPIError):
        _execute(runtime, statement, hex=hexes[1])


def test_body_cannot_be_nulled_without_a_tombstone(runtime, hexes):
    with pytest.raises(DBAPIError):
        _execute(runtime, "UPDATE archived_letter SET body = NULL WHERE hex = :hex", hex=hexes[0])


def test_body_and_anything_else_cannot_change_together_even_with_a_tombstone(
    runtime, archive, hexes
):
    with runtime.session() as session:
        archive.withdraw(session, hexes[0], "legal")
    with pytest.raises(DBAPIError):
        _execute(
            runtime,
            "UPDATE archived_letter SET body = 'resurrected' WHERE hex = :hex",
            hex=hexes[0],
        )


def test_withdrawal_is_the_one_allowed_change(runtime, archive, hexes):
    with runtime.session() as session:
        archive.withdraw(session, hexes[2], "privacy")
    with runtime.engine.connect() as connection:
        body = connection.execute(
            sa.text("SELECT body FROM archived_letter WHERE hex = :hex"), {"hex": hexes[2]}
        ).scalar()
    assert body is None


def test_log_only_grows_at_its_end(runtime, hexes):
    with pytest.raises(DBAPIError):
        _execute(
            runtime,
            "INSERT INTO log_leaf (sequence, kind, hex, leaf, leaf_hash) "
            "VALUES (10, 'letter', :hex, :leaf, '00')",
            hex="ab" * 32,
            leaf=b"{}",
        )


@pytest.mark.postgres
def test_postgres_refuses_truncate(runtime, hexes):
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    for table in ("log_leaf", "archived_letter"):
        with pytest.raises(DBAPIError):
            _execute(runtime, f"TRUNCATE {table} CASCADE")
