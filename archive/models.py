"""The archive's tables: archived bodies and the append-only log of leaves."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class ArchivedLetter(SQLModel, table=True):
    """A letter's canonical text at its content address; never updated, never deleted."""

    __tablename__ = "archived_letter"

    hex: str = Field(primary_key=True, max_length=64)
    # NULL only after an operator's legal withdrawal.
    body: str | None = Field(default=None)
    size: int
    sequence: int = Field(unique=True, index=True)
    archived_at: datetime


class LogLeaf(SQLModel, table=True):
    """One leaf of the append-only log: the canonical JSON record that was hashed."""

    __tablename__ = "log_leaf"

    sequence: int = Field(primary_key=True)
    kind: str = Field(max_length=16)
    hex: str = Field(index=True, max_length=64)
    leaf: bytes
    leaf_hash: str = Field(max_length=64)
