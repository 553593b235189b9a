"""Retention: raw text goes once the decision is final; nothing stores who wrote a letter."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import inspect, update
from sqlmodel import Session, SQLModel, col, select

from misskissing import journey, moderation_queue
from misskissing.journey import Claim
from misskissing.models import Submission, SubmissionStatus, utcnow
from misskissing.runtime import Runtime
from moderation import Decision

TEXT = "Grandad, I kept your pocket watch wound every single night since you left us."
# Column names that would hold a network address or a browser fingerprint.
IDENTIFYING = re.compile(
    r"(^|_)(ip|ips|ip_?addr(ess)?|remote(_addr)?|client(_addr|_ip)?|peer|host|"
    r"user_?agent|agent|ua|forwarded(_for)?|x_forwarded_for|fingerprint|device|"
    r"session(_id)?|cookie)($|_)"
)


def decide(runtime: Runtime, verdict: str, text: str = TEXT) -> int:
    with runtime.session() as session:
        submission, _ = journey.submit_letter(session, text, None)
        submission_id = submission.id
    assert submission_id is not None
    with runtime.session() as session:
        claim = journey.claim_submission(session, submission_id, timedelta(minutes=5), 5)
    assert isinstance(claim, Claim)
    decision = Decision(
        decision=verdict,
        crisis=False,
        scores={},
        pii=[],
        reasons=["test"],  # type: ignore[arg-type]
        model="test",
        published_text=text,
    )
    journey.finish_screening(runtime, claim, decision)
    return submission_id


def row(runtime: Runtime, submission_id: int) -> Submission:
    with Session(runtime.engine) as session:
        found = session.get(Submission, submission_id)
        assert found is not None
        return found


def age_decision(runtime: Runtime, submission_id: int, days: int) -> None:
    with runtime.session() as session:
        session.execute(
            update(Submission)
            .where(col(Submission.id) == submission_id)
            .values(decided_at=utcnow() - timedelta(days=days))
        )


def test_published_text_leaves_the_submission_row(runtime: Runtime) -> None:
    submission_id = decide(runtime, "approve")
    published = row(runtime, submission_id)
    assert published.status == SubmissionStatus.PUBLISHED
    assert published.body is None
    assert published.letter_hex


def test_moderator_approval_also_clears_the_text(runtime: Runtime) -> None:
    submission_id = decide(runtime, "review")
    assert row(runtime, submission_id).body == TEXT  # held: a moderator still needs it
    with runtime.session() as session:
        moderation_queue.approve(runtime, session, submission_id, "mod@example.org")
    assert row(runtime, submission_id).body is None


def test_rejected_text_is_purged_after_the_retention_period_only(runtime: Runtime) -> None:
    old = decide(runtime, "reject", TEXT + " old")
    recent = decide(runtime, "reject", TEXT + " recent")
    held = decide(runtime, "review", TEXT + " held")
    age_decision(runtime, old, 31)
    age_decision(runtime, held, 400)
    with runtime.session() as session:
        purged = journey.purge_rejected_text(session, runtime.settings.rejected_retention_days)
    assert purged == 1
    assert row(runtime, old).body is None
    assert row(runtime, old).status == SubmissionStatus.REJECTED  # the receipt still answers
    assert row(runtime, recent).body == TEXT + " recent"
    assert row(runtime, held).body == TEXT + " held"  # not final: waits for a human
    with runtime.session() as session:
        assert journey.purge_rejected_text(session, 30) == 0  # idempotent


def test_moderator_rejection_is_purged_on_the_same_schedule(runtime: Runtime) -> None:
    submission_id = decide(runtime, "review")
    with runtime.session() as session:
        moderation_queue.reject(session, submission_id, "mod@example.org", "spam")
    age_decision(runtime, submission_id, 30 + 1)
    with runtime.session() as session:
        journey.purge_rejected_text(session, 30)
    assert row(runtime, submission_id).body is None


def test_no_copy_of_the_text_survives_anywhere_in_a_purged_row(runtime: Runtime) -> None:
    submission_id = decide(runtime, "reject")
    age_decision(runtime, submission_id, 31)
    with runtime.session() as session:
        journey.purge_rejected_text(session, 30)
    purged = row(runtime, submission_id)
    assert TEXT not in repr(purged.model_dump())


def test_no_table_has_a_column_for_an_address_or_user_agent(runtime: Runtime) -> None:
    # Both the models and the migrated database: a migration could add what a model lacks.
    names = {(t.name, c.name) for t in SQLModel.metadata.tables.values() for c in t.columns}
    inspector = inspect(runtime.engine)
    for table in inspector.get_table_names():
        names |= {(table, c["name"]) for c in inspector.get_columns(table)}
    assert ("submission", "addressed_to") in names  # the scan sees real columns
    offending = sorted((t, c) for t, c in names if IDENTIFYING.search(c.lower()))
    assert offending == []


def test_no_reader_key_is_shared_between_hearts_and_submissions(runtime: Runtime) -> None:
    # A submission row holds nothing that could be joined to a heart or a report.
    columns = {c["name"] for c in inspect(runtime.engine).get_columns("submission")}
    assert "reader_key" not in columns
    with Session(runtime.engine) as session:
        assert list(session.exec(select(Submission))) == []
