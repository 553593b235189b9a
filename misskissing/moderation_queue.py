"""Moderator actions on held letters and reports, each one audited."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from misskissing.journey import publish_text, without_text
from misskissing.models import (
    AuditEvent,
    Letter,
    Report,
    Submission,
    SubmissionStatus,
    Visibility,
    utcnow,
)
from misskissing.runtime import Runtime
from moderation.pii import PiiScanner, own_recognizers, redact

REVIEWABLE = (SubmissionStatus.HELD, SubmissionStatus.DEAD)
REJECT_REASONS = {
    "abuse": "It contains abuse aimed at someone.",
    "threat": "It contains a threat.",
    "personal_information": "It identifies someone.",
    "spam": "It is advertising or spam.",
    "other": "It does not fit what this place is for.",
}


class QueueError(Exception):
    """A moderator action that cannot be carried out."""


def held_submissions(session: Session, limit: int = 100) -> list[Submission]:
    """Return held and dead-letter submissions, oldest first."""
    query = (
        select(Submission)
        .where(col(Submission.status).in_([s.value for s in REVIEWABLE]))
        .order_by(col(Submission.created_at))
        .limit(limit)
    )
    return list(session.exec(query))


def open_reports(session: Session, limit: int = 100) -> list[Report]:
    query = (
        select(Report)
        .where(col(Report.resolved).is_(False))
        .order_by(col(Report.created_at))
        .limit(limit)
    )
    return list(session.exec(query))


def _audit(session: Session, actor: str, action: str, subject: str, **detail: object) -> None:
    session.add(AuditEvent(actor=actor, action=action, subject=subject, detail=dict(detail)))


def _reviewable(session: Session, submission_id: int) -> Submission:
    row = session.get(Submission, submission_id)
    if row is None or row.status not in REVIEWABLE or row.body is None:
        raise QueueError("this letter is not waiting for review")
    return row


def _take_decision(session: Session, submission_id: int, status: SubmissionStatus) -> None:
    """Move a reviewable row to `status`, refusing if another moderator got there first."""
    result = session.execute(
        update(Submission)
        .where(
            col(Submission.id) == submission_id,
            col(Submission.status).in_([s.value for s in REVIEWABLE]),
        )
        .values(status=status, decided_at=utcnow(), updated_at=utcnow())
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        session.rollback()
        raise QueueError("another moderator has already decided this letter")


def hide_contact_details(text: str | None) -> str | None:
    """Redact contact details with the model-free recognizers (cheap, no models loaded).

    The last guard before a moderator's approval makes text permanent: whatever the
    engine's record says (a dead letter has none), contact details never go public.
    """
    if not text:
        return text
    hits = [hit for hit in PiiScanner(own_recognizers()).scan(text) if hit.action == "redact"]
    return redact(text, hits)


def approve(
    runtime: Runtime, session: Session, submission_id: int, actor: str, redacted: bool = False
) -> str:
    """Publish a held letter, optionally with the engine's suggested redaction applied.

    Contact details are hidden either way: a moderator's approval never publishes them.
    """
    row = _reviewable(session, submission_id)
    record = row.decision or {}
    found = record.get("details")
    details: dict[str, object] = found if isinstance(found, dict) else {}
    text = _choose(
        row.body or "",
        record.get("published_text"),
        details.get("suggested_redaction") if redacted else None,
    )
    to = _choose(
        row.addressed_to,
        record.get("published_addressed_to"),
        details.get("suggested_addressed_to") if redacted else None,
    )
    try:
        text, to = hide_contact_details(text), hide_contact_details(to)
    except Exception as exc:  # noqa: BLE001  (no redaction, no publication)
        raise QueueError("contact details could not be checked; try again") from exc
    _take_decision(session, submission_id, SubmissionStatus.PUBLISHED)
    hex_address = publish_text(runtime, session, submission_id, text or "", to)
    session.execute(
        update(Submission)
        .where(col(Submission.id) == submission_id)
        .values(reasons=[], decision=without_text(row.decision))
    )
    _audit(
        session,
        actor,
        "approve_redacted" if redacted else "approve",
        f"submission:{submission_id}",
        letter=hex_address,
    )
    session.commit()
    return hex_address


def _choose(raw: str | None, contact_redacted: object, fully_redacted: object) -> str | None:
    for candidate in (fully_redacted, contact_redacted):
        if isinstance(candidate, str):
            return candidate
    return raw


def reject(session: Session, submission_id: int, actor: str, reason: str) -> None:
    """Reject a held letter with a reason the writer sees on the receipt."""
    if reason not in REJECT_REASONS:
        raise QueueError("choose one of the listed reasons")
    _reviewable(session, submission_id)
    _take_decision(session, submission_id, SubmissionStatus.REJECTED)
    session.execute(
        update(Submission)
        .where(col(Submission.id) == submission_id)
        .values(reasons=[REJECT_REASONS[reason]])
    )
    _audit(session, actor, "reject", f"submission:{submission_id}", reason=reason)
    session.commit()


def screen_again(session: Session, submission_id: int, actor: str) -> None:
    """Give a dead letter (screening kept failing) a fresh set of attempts.

    The caller enqueues it after the commit; the sweeper would also find it.
    """
    result = session.execute(
        update(Submission)
        .where(
            col(Submission.id) == submission_id,
            col(Submission.status) == SubmissionStatus.DEAD,
            col(Submission.body).is_not(None),
        )
        .values(
            status=SubmissionStatus.PENDING,
            attempts=0,
            lease_until=None,
            last_error=None,
            updated_at=utcnow(),
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        session.rollback()
        raise QueueError("only a letter whose screening kept failing can be screened again")
    _audit(session, actor, "screen_again", f"submission:{submission_id}")
    session.commit()


def hide_letter(session: Session, letter_hex: str, actor: str) -> None:
    """Take a letter off the wall (visibility only; the archive keeps it)."""
    letter = session.get(Letter, letter_hex)
    if letter is None or letter.visibility != Visibility.PUBLISHED:
        raise QueueError("this letter is not on the wall")
    letter.visibility = Visibility.HIDDEN
    session.add(letter)
    session.execute(
        update(Report).where(col(Report.letter_hex) == letter_hex).values(resolved=True)
    )
    _audit(session, actor, "hide", f"letter:{letter_hex}")
    session.commit()


def dismiss_reports(session: Session, letter_hex: str, actor: str) -> None:
    """Mark a letter's reports as looked at, leaving it on the wall."""
    session.execute(
        update(Report).where(col(Report.letter_hex) == letter_hex).values(resolved=True)
    )
    _audit(session, actor, "dismiss_reports", f"letter:{letter_hex}")
    session.commit()
