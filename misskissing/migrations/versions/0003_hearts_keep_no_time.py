"""Hearts keep no time: a heart's moment could help link readers across letters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("heart", schema=None) as batch_op:
        batch_op.drop_column("created_at")


def downgrade() -> None:
    with op.batch_alter_table("heart", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "created_at",
                sqlmodel.sql.sqltypes.UTCDateTime(),
                nullable=False,
                server_default=sa.func.now(),
            )
        )
