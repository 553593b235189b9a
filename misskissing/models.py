"""The data layer shared by web and worker: submissions, the wall, hearts, reports, people."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

# The archive's tables live in the same metadata so one migration history covers all.
from archive.models import ArchivedLetter, LogLeaf

__all__ = [
    "ArchivedLetter",
    "AuditEvent",
    "Heart",
    "Letter",
    "LogLeaf",
    "Report",
    "Submission",
    "SubmissionStatus",
    "User",
    "Visibility",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class SubmissionStatus(StrEnum):
    PENDING = "pending"
    SCREENING = "screening"
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"
    # Too many failed screenings: a moderator must look (shown in the console).
    DEAD = "dead"
    # Approved, waiting for its randomly delayed release (writers see "screening"), so the
    # moment a letter appears says nothing about the moment it was written.
    SCHEDULED = "scheduled"


class Submission(SQLModel, table=True):
    """A letter on its way: the row is the outbox, the writer's receipt points at it."""

    __tablename__ = "submission"
    __table_args__ = (Index("ix_submission_status_lease", "status", "lease_until"),)

    id: int | None = Field(default=None, primary_key=True)
    receipt_hash: str = Field(unique=True, max_length=64)
    status: str = Field(default=SubmissionStatus.PENDING, max_length=16)
    # The canonical text as written; cleared once the decision is final (retention).
    body: str | None = None
    addressed_to: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    lease_until: datetime | None = None
    publish_after: datetime | None = None
    letter_hex: str | None = Field(default=None, max_length=64, index=True)
    support: bool = False
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    redacted_kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decision: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    decided_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)


class Visibility(StrEnum):
    PUBLISHED = "published"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"


class Letter(SQLModel, table=True):
    """A letter on the wall; its text lives in the archive at `hex`."""

    __tablename__ = "letter"
    __table_args__ = (
        Index("ix_letter_wall", "visibility", "wall_seq"),
        Index("ix_letter_hearts", "visibility", "hearts", "wall_seq"),
    )

    hex: str = Field(primary_key=True, max_length=64)
    wall_seq: int = Field(unique=True)
    addressed_to: str | None = Field(default=None, max_length=200)
    published_at: datetime = Field(default_factory=utcnow)
    hearts: int = 0
    visibility: str = Field(default=Visibility.PUBLISHED, max_length=16)
    withdrawn_reason: str | None = Field(default=None, max_length=32)


class Heart(SQLModel, table=True):
    """One reader's heart on one letter; the reader is a keyed hash, never an identity."""

    __tablename__ = "heart"
    __table_args__ = (UniqueConstraint("letter_hex", "reader_key"),)

    id: int | None = Field(default=None, primary_key=True)
    letter_hex: str = Field(max_length=64, foreign_key="letter.hex")
    # Keyed per reader and per letter; no time is kept, so hearts cannot be sequenced.
    reader_key: str = Field(max_length=64)


class Report(SQLModel, table=True):
    """A reader's report of a published letter."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("letter_hex", "reader_key"),)

    id: int | None = Field(default=None, primary_key=True)
    letter_hex: str = Field(max_length=64, foreign_key="letter.hex", index=True)
    reader_key: str = Field(max_length=64)
    category: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    resolved: bool = False


class User(SQLModel, table=True):
    """A moderator or operator (writers and readers never have accounts)."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    active: bool = True


class AuditEvent(SQLModel, table=True):
    """Every moderator and operator action, kept for accountability."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=254)
    action: str = Field(max_length=64)
    subject: str = Field(max_length=128)
    detail: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
