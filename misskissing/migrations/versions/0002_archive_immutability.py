"""archive immutability: triggers that refuse changes to archived letters and log leaves

The application never updates or deletes these rows; the triggers make sure nothing else
does either (a console, a stray script, a bad migration). The one change allowed is the
operator's legal withdrawal: an UPDATE of archived_letter that only sets body to NULL,
and only once the log already holds a tombstone leaf for that letter. New log leaves must
take the next sequence, so the log can only grow at its end, without gaps.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    """
    CREATE TRIGGER archived_letter_no_update
    BEFORE UPDATE ON archived_letter
    WHEN NOT (
        NEW.body IS NULL AND OLD.body IS NOT NULL
        AND NEW.hex IS OLD.hex AND NEW.size IS OLD.size
        AND NEW.sequence IS OLD.sequence AND NEW.archived_at IS OLD.archived_at
        AND EXISTS (
            SELECT 1 FROM log_leaf WHERE log_leaf.hex = OLD.hex AND log_leaf.kind = 'tombstone'
        )
    )
    BEGIN
        SELECT RAISE(ABORT, 'archived letters are immutable (only a withdrawal may remove a body)');
    END
    """,
    """
    CREATE TRIGGER archived_letter_no_delete
    BEFORE DELETE ON archived_letter
    BEGIN
        SELECT RAISE(ABORT, 'archived letters are never deleted');
    END
    """,
    """
    CREATE TRIGGER log_leaf_no_update
    BEFORE UPDATE ON log_leaf
    BEGIN
        SELECT RAISE(ABORT, 'the log is append-only');
    END
    """,
    """
    CREATE TRIGGER log_leaf_no_delete
    BEFORE DELETE ON log_leaf
    BEGIN
        SELECT RAISE(ABORT, 'the log is append-only');
    END
    """,
    """
    CREATE TRIGGER log_leaf_append_at_end
    BEFORE INSERT ON log_leaf
    WHEN NEW.sequence IS NOT (SELECT COALESCE(MAX(sequence) + 1, 0) FROM log_leaf)
    BEGIN
        SELECT RAISE(ABORT, 'log leaves are appended at the end, without gaps');
    END
    """,
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS log_leaf_append_at_end",
    "DROP TRIGGER IF EXISTS log_leaf_no_delete",
    "DROP TRIGGER IF EXISTS log_leaf_no_update",
    "DROP TRIGGER IF EXISTS archived_letter_no_delete",
    "DROP TRIGGER IF EXISTS archived_letter_no_update",
]

POSTGRES_UP = [
    """
    CREATE FUNCTION archive_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'archive: % on % is refused (the archive is append-only)',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    """
    CREATE FUNCTION archived_letter_guard_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.body IS NULL AND OLD.body IS NOT NULL
           AND NEW.hex IS NOT DISTINCT FROM OLD.hex
           AND NEW.size IS NOT DISTINCT FROM OLD.size
           AND NEW.sequence IS NOT DISTINCT FROM OLD.sequence
           AND NEW.archived_at IS NOT DISTINCT FROM OLD.archived_at
           AND EXISTS (
               SELECT 1 FROM log_leaf WHERE log_leaf.hex = OLD.hex AND log_leaf.kind = 'tombstone'
           )
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'archived letters are immutable (only a withdrawal may remove a body)'
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    """
    CREATE FUNCTION log_leaf_guard_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.sequence IS DISTINCT FROM (SELECT COALESCE(MAX(sequence) + 1, 0) FROM log_leaf) THEN
            RAISE EXCEPTION 'log leaves are appended at the end, without gaps'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER archived_letter_no_update BEFORE UPDATE ON archived_letter
    FOR EACH ROW EXECUTE FUNCTION archived_letter_guard_update()
    """,
    """
    CREATE TRIGGER archived_letter_no_delete BEFORE DELETE ON archived_letter
    FOR EACH ROW EXECUTE FUNCTION archive_refuse_change()
    """,
    """
    CREATE TRIGGER archived_letter_no_truncate BEFORE TRUNCATE ON archived_letter
    FOR EACH STATEMENT EXECUTE FUNCTION archive_refuse_change()
    """,
    """
    CREATE TRIGGER log_leaf_no_update BEFORE UPDATE ON log_leaf
    FOR EACH ROW EXECUTE FUNCTION archive_refuse_change()
    """,
    """
    CREATE TRIGGER log_leaf_no_delete BEFORE DELETE ON log_leaf
    FOR EACH ROW EXECUTE FUNCTION archive_refuse_change()
    """,
    """
    CREATE TRIGGER log_leaf_no_truncate BEFORE TRUNCATE ON log_leaf
    FOR EACH STATEMENT EXECUTE FUNCTION archive_refuse_change()
    """,
    """
    CREATE TRIGGER log_leaf_append_at_end BEFORE INSERT ON log_leaf
    FOR EACH ROW EXECUTE FUNCTION log_leaf_guard_insert()
    """,
]

POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS log_leaf_append_at_end ON log_leaf",
    "DROP TRIGGER IF EXISTS log_leaf_no_truncate ON log_leaf",
    "DROP TRIGGER IF EXISTS log_leaf_no_delete ON log_leaf",
    "DROP TRIGGER IF EXISTS log_leaf_no_update ON log_leaf",
    "DROP TRIGGER IF EXISTS archived_letter_no_truncate ON archived_letter",
    "DROP TRIGGER IF EXISTS archived_letter_no_delete ON archived_letter",
    "DROP TRIGGER IF EXISTS archived_letter_no_update ON archived_letter",
    "DROP FUNCTION IF EXISTS log_leaf_guard_insert()",
    "DROP FUNCTION IF EXISTS archived_letter_guard_update()",
    "DROP FUNCTION IF EXISTS archive_refuse_change()",
]


def _statements(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return POSTGRES_UP if up else POSTGRES_DOWN
    raise NotImplementedError(f"no archive immutability triggers for {dialect}")


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
