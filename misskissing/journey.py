"""The letter's journey: intake, screening, publishing, the wall and its hearts.

Framework-free services; `web` and `worker` are thin adapters around them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from archive import CanonicalisationError, canonical_text
from archive.models import ArchivedLetter
from misskissing.metrics import timed_screening
from misskissing.models import (
    Heart,
    Letter,
    Report,
    Submission,
    SubmissionStatus,
    Visibility,
    utcnow,
)
from misskissing.runtime import Runtime
from moderation import Decision

log = logging.getLogger(__name__)

REPORT_CATEGORIES = frozenset(
    {"abuse", "threat", "self_harm", "personal_information", "spam", "other"}
)
# Format characters (zero-width spaces, joiners, bidi marks) carry no visible content.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


class IntakeError(Exception):
    """A submission that cannot be accepted, with the status and code the API answers."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LetterLimits:
    min_chars: int
    max_chars: int
    max_addressed_to: int = 200


def receipt_hash(token: str) -> str:
    """Return the stored form of a receipt token: only its hash is ever kept."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def prepare_letter(body: Any, addressed_to: Any, limits: LetterLimits) -> tuple[str, str | None]:
    """Validate and canonicalise a letter's fields, or raise `IntakeError`."""
    if not isinstance(body, str):
        raise IntakeError(400, "invalid_body", "`body` must be a string.")
    if addressed_to is not None and not isinstance(addressed_to, str):
        raise IntakeError(400, "invalid_addressed_to", "`addressed_to` must be a string.")
    if len(body) > limits.max_chars * 2:
        raise IntakeError(
            413, "letter_too_long", f"A letter holds at most {limits.max_chars} characters."
        )
    try:
        text = canonical_text(body)
        to = canonical_text(addressed_to).strip() if addressed_to else None
    except CanonicalisationError as exc:
        raise IntakeError(400, "invalid_characters", f"The letter contains {exc}.") from exc
    if to is not None and "\n" in to:
        raise IntakeError(400, "invalid_addressed_to", "`addressed_to` must be one line.")
    if to is not None and len(to) > limits.max_addressed_to:
        raise IntakeError(
            400,
            "invalid_addressed_to",
            f"`addressed_to` holds at most {limits.max_addressed_to} characters.",
        )
    text = text.strip("\n ")
    visible = _INVISIBLE.sub("", text)
    if not visible.strip():
        raise IntakeError(400, "empty_letter", "The letter is empty.")
    if len(text) > limits.max_chars:
        raise IntakeError(
            413, "letter_too_long", f"A letter holds at most {limits.max_chars} characters."
        )
    if len("".join(visible.split())) < limits.min_chars:
        raise IntakeError(
            400, "letter_too_short", f"A letter needs at least {limits.min_chars} characters."
        )
    return text, (to or None)


def submit_letter(session: Session, text: str, addressed_to: str | None) -> tuple[Submission, str]:
    """Commit a pending submission (the outbox row) and return it with its receipt token."""
    token = secrets.token_urlsafe(32)
    submission = Submission(
        receipt_hash=receipt_hash(token),
        status=SubmissionStatus.PENDING,
        body=text,
        addressed_to=addressed_to,
    )
    session.add(submission)
    session.commit()
    return submission, token


def find_submission(session: Session, token: str) -> Submission | None:
    """Return the submission a receipt token belongs to, or None."""
    if not token or len(token) > 100:  # tokens are 43 characters; longer is not ours
        return None
    query = select(Submission).where(col(Submission.receipt_hash) == receipt_hash(token))
    return session.exec(query).first()


def accept_letter(session: Session, text: str, addressed_to: str | None) -> tuple[int, str]:
    """Commit a pending submission and return its id (to enqueue) and receipt token."""
    submission, token = submit_letter(session, text, addressed_to)
    if submission.id is None:  # the commit assigns it; anything else is a database fault
        raise RuntimeError("the database did not assign a submission id")
    return submission.id, token


# --- screening -------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    submission_id: int
    attempt: int
    text: str
    addressed_to: str | None


def claim_submission(
    session: Session, submission_id: int, lease: timedelta, max_attempts: int
) -> Claim | None:
    """Atomically take a submission for screening; None if it is not ours to screen.

    A pending row, or a screening row whose lease ran out (its worker died), can be
    claimed. On PostgreSQL the row is read `FOR UPDATE SKIP LOCKED`, so a concurrent
    claimer skips it instead of waiting; on every database the UPDATE is a compare-and-set
    on status and attempts, so two claims of one attempt are impossible. Every claim
    counts an attempt: after `max_attempts` the row moves to the dead letters instead.
    """
    now = utcnow()
    query = select(Submission).where(col(Submission.id) == submission_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.exec(query.execution_options(populate_existing=True)).first()
    if row is None or row.body is None:
        session.rollback()
        return None
    claimable = row.status == SubmissionStatus.PENDING or (
        row.status == SubmissionStatus.SCREENING
        and row.lease_until is not None
        and _aware(row.lease_until) < now
    )
    if not claimable:
        session.rollback()
        return None
    same_attempt = (
        col(Submission.id) == submission_id,
        col(Submission.attempts) == row.attempts,
        col(Submission.status) == row.status,
    )
    if row.attempts >= max_attempts:
        result = session.execute(
            update(Submission)
            .where(*same_attempt)
            .values(
                status=SubmissionStatus.DEAD,
                lease_until=None,
                updated_at=now,
                last_error="too many failed screening attempts",
            )
        )
        session.commit()
        if result.rowcount:  # type: ignore[attr-defined]
            log.error(
                "submission %s moved to dead letters after %s attempts", submission_id, row.attempts
            )
        return None
    attempt = row.attempts + 1
    text, addressed_to = row.body, row.addressed_to
    result = session.execute(
        update(Submission)
        .where(*same_attempt)
        .values(
            status=SubmissionStatus.SCREENING,
            attempts=attempt,
            lease_until=now + lease,
            updated_at=now,
        )
    )
    session.commit()
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return Claim(submission_id, attempt, text, addressed_to)


def release_claim(session: Session, claim: Claim, error: str) -> bool:
    """Give a failed attempt back: the lease ends now, so the next sweep retries it.

    Only the holder of this attempt can release it. `error` is stored for the console and
    must never carry letter text (pass an exception's type name, not its message).
    """
    now = utcnow()
    result = session.execute(
        update(Submission)
        .where(
            col(Submission.id) == claim.submission_id,
            col(Submission.status) == SubmissionStatus.SCREENING,
            col(Submission.attempts) == claim.attempt,
        )
        .values(lease_until=now, updated_at=now, last_error=error[:500])
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


_VERDICT_ORDER = {"approve": 0, "review": 1, "reject": 2}
# Keys of a decision record that quote the letter: kept only while a person may need them.
_TEXT_KEYS = ("published_text", "published_addressed_to")
_DETAIL_TEXT_KEYS = ("suggested_redaction", "suggested_addressed_to")


def decision_record(decision: Decision, addressed_to: Decision | None = None) -> dict[str, object]:
    """Return the audit record of a decision (and of the `addressed_to` line's, if any)."""
    record = decision.to_record()
    if addressed_to is not None:
        record["addressed_to"] = {
            k: v
            for k, v in addressed_to.to_record().items()
            if k not in ("published_text", "details")
        }
        record["published_addressed_to"] = addressed_to.published_text
        suggestion = addressed_to.details.get("suggested_redaction")
        if suggestion is not None:
            details = record.setdefault("details", {})
            if isinstance(details, dict):
                details["suggested_addressed_to"] = suggestion
    return record


def without_text(record: dict[str, object] | None) -> dict[str, object] | None:
    """Return a decision record with every copy of the letter's text removed (retention)."""
    if record is None:
        return None
    kept = {k: v for k, v in record.items() if k not in _TEXT_KEYS}
    details = kept.get("details")
    if isinstance(details, dict):
        kept["details"] = {k: v for k, v in details.items() if k not in _DETAIL_TEXT_KEYS}
    return kept


def combine(body: Decision, addressed_to: Decision | None) -> Decision:
    """Merge the decisions on the body and on the `addressed_to` line: the stricter wins."""
    if addressed_to is None:
        return body
    verdict = max(body.decision, addressed_to.decision, key=_VERDICT_ORDER.__getitem__)
    return replace(
        body,
        decision=verdict,
        crisis=body.crisis or addressed_to.crisis,
        reasons=[*body.reasons, *(f"in the 'to' line: {r}" for r in addressed_to.reasons)],
        redacted_kinds=sorted({*body.redacted_kinds, *addressed_to.redacted_kinds}),
    )


def finish_screening(
    runtime: Runtime, claim: Claim, decision: Decision, addressed_to: Decision | None = None
) -> str:
    """Record the decision for a claimed submission; publish if approved. Idempotent."""
    record = decision_record(decision, addressed_to)
    decision = combine(decision, addressed_to)
    now = utcnow()
    with runtime.session() as session:
        verdict = decision.decision
        status = {
            "approve": SubmissionStatus.PUBLISHED,
            "review": SubmissionStatus.HELD,
            "reject": SubmissionStatus.REJECTED,
        }[verdict]
        if decision.crisis and status == SubmissionStatus.PUBLISHED:
            status = SubmissionStatus.HELD  # a crisis signal always reaches a human
        delay = runtime.settings.publish_delay_seconds
        publish_after = None
        if status == SubmissionStatus.PUBLISHED and delay > 0:
            status = SubmissionStatus.SCHEDULED
            publish_after = now + timedelta(seconds=secrets.SystemRandom().uniform(0, delay))
        # Compare-and-set first: only the holder of this attempt may finish it.
        result = session.execute(
            update(Submission)
            .where(
                col(Submission.id) == claim.submission_id,
                col(Submission.status) == SubmissionStatus.SCREENING,
                col(Submission.attempts) == claim.attempt,
            )
            .values(
                status=status,
                lease_until=None,
                publish_after=publish_after,
                updated_at=now,
                decided_at=now,
                support=decision.crisis,
                reasons=list(decision.reasons),
                redacted_kinds=list(decision.redacted_kinds),
                # A published letter's text lives in the archive: keep no other copy.
                decision=without_text(record) if status == SubmissionStatus.PUBLISHED else record,
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            session.rollback()
            return "superseded"
        if status == SubmissionStatus.PUBLISHED:
            publish_text(
                runtime,
                session,
                claim.submission_id,
                decision.published_text,
                addressed_to.published_text if addressed_to else claim.addressed_to,
            )
        return str(status)


def due_for_release(session: Session, limit: int = 100) -> list[int]:
    """Return ids of approved letters whose release moment has come, in random order."""
    query = (
        select(Submission.id)
        .where(
            col(Submission.status) == SubmissionStatus.SCHEDULED,
            col(Submission.publish_after) <= utcnow(),
        )
        .order_by(func.random())
        .limit(limit)
    )
    return [int(i) for i in session.exec(query) if i is not None]


def release_scheduled(runtime: Runtime, submission_id: int) -> bool:
    """Publish one approved letter whose release moment has come; idempotent."""
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        if row is None or row.status != SubmissionStatus.SCHEDULED or row.decision is None:
            return False
        text = row.decision.get("published_text")
        to = row.decision.get("published_addressed_to", row.addressed_to)
        if not isinstance(text, str):
            return False
        result = session.execute(
            update(Submission)
            .where(
                col(Submission.id) == submission_id,
                col(Submission.status) == SubmissionStatus.SCHEDULED,
            )
            .values(
                status=SubmissionStatus.PUBLISHED,
                publish_after=None,
                updated_at=utcnow(),
                decision=without_text(row.decision),
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            session.rollback()
            return False
        publish_text(runtime, session, submission_id, text, to if isinstance(to, str) else None)
        return True


def publish_text(
    runtime: Runtime, session: Session, submission_id: int, text: str, addressed_to: str | None
) -> str:
    """Enshrine `text` and put it on the wall, inside the caller's transaction."""
    enshrined = runtime.archive.enshrine(session, text)
    if session.get(Letter, enshrined.hex) is None:
        session.add(
            Letter(hex=enshrined.hex, wall_seq=enshrined.sequence, addressed_to=addressed_to)
        )
    created_at = session.exec(
        select(Submission.created_at).where(col(Submission.id) == submission_id)
    ).one()
    session.execute(
        update(Submission)
        .where(col(Submission.id) == submission_id)
        # Retention: the archive now holds the published text; the raw text goes, and the
        # row keeps only the hour it was written, so it cannot be matched to a request.
        .values(
            letter_hex=enshrined.hex,
            body=None,
            addressed_to=None,
            status=SubmissionStatus.PUBLISHED,
            created_at=_to_the_hour(created_at),
            decided_at=None,
            updated_at=_to_the_hour(utcnow()),
        )
    )
    return enshrined.hex


def _to_the_hour(moment: datetime) -> datetime:
    return _aware(moment).replace(minute=0, second=0, microsecond=0)


def screen_submission(
    runtime: Runtime, submission_id: int, on_claimed: Callable[[Claim], None] | None = None
) -> str:
    """Claim, screen and decide one submission; safe to run any number of times.

    Returns the new status, "skipped" when the row was not ours to screen, or "failed"
    when screening raised: the attempt is released for the sweeper, and the attempt
    counter bounds how often that can happen. `on_claimed` runs between the claim and the
    screening (the worker's test-only fault hooks use it).
    """
    settings = runtime.settings
    with runtime.session() as session:
        claim = claim_submission(
            session, submission_id, settings.screening_lease, settings.max_screening_attempts
        )
    if claim is None:
        return "skipped"
    try:
        if on_claimed is not None:
            on_claimed(claim)
        decision = timed_screening(runtime.moderation.screen, claim.text)
        # The "to" line is published too: it gets the same checks as the body.
        to_decision = (
            timed_screening(runtime.moderation.screen, claim.addressed_to)
            if claim.addressed_to
            else None
        )
    except Exception as exc:  # noqa: BLE001  (any failure: give the attempt back, never lose the row)
        # The type name only: an exception's message may quote the letter.
        log.error(
            "screening submission %s attempt %s failed: %s",
            submission_id,
            claim.attempt,
            type(exc).__name__,
        )
        with runtime.session() as session:
            release_claim(session, claim, f"screening failed: {type(exc).__name__}")
        return "failed"
    return finish_screening(runtime, claim, decision, to_decision)


def stuck_submissions(
    session: Session, lease: timedelta, limit: int = 500, pending_after: timedelta | None = None
) -> list[int]:
    """Return ids of submissions a sweeper should re-enqueue (pending, or lease expired).

    Re-enqueueing is always safe: the claim decides who screens. A pending row counts as
    stuck once untouched for `pending_after` (default: 30 s, or the lease if shorter).
    """
    now = utcnow()
    if pending_after is None:
        pending_after = timedelta(seconds=min(30, lease.total_seconds()))
    pending_before = now - pending_after
    query = (
        select(Submission.id)
        .where(
            or_(
                (col(Submission.status) == SubmissionStatus.PENDING)
                & (col(Submission.updated_at) < pending_before),
                (col(Submission.status) == SubmissionStatus.SCREENING)
                & (col(Submission.lease_until) < now),
            )
        )
        .order_by(col(Submission.id))
        .limit(limit)
    )
    return [int(i) for i in session.exec(query) if i is not None]


def mark_requeued(session: Session, submission_ids: list[int]) -> None:
    """Restart the pending clock of rows just re-enqueued, so one sweep does not pile
    copies of the same message into a busy queue; rows already claimed are untouched."""
    if not submission_ids:
        return
    session.execute(
        update(Submission)
        .where(
            col(Submission.id).in_(submission_ids),
            col(Submission.status) == SubmissionStatus.PENDING,
        )
        .values(updated_at=utcnow())
    )
    session.commit()


# --- the wall ---------------------------------------------------------------------------


def encode_cursor(values: dict[str, int]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: tuple[str, ...]) -> dict[str, int]:
    if len(cursor) > 200:
        raise IntakeError(400, "invalid_cursor", "The cursor is not valid.")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise IntakeError(400, "invalid_cursor", "The cursor is not valid.") from exc
    if (
        not isinstance(values, dict)
        or set(values) != set(keys)
        # Database integers are 64-bit: anything outside is not a cursor we made.
        or not all(
            isinstance(values[k], int)
            and not isinstance(values[k], bool)
            and 0 <= values[k] < 2**63
            for k in keys
        )
    ):
        raise IntakeError(400, "invalid_cursor", "The cursor is not valid.")
    return values


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class WallEntry:
    letter: Letter
    body: str


def wall_page(
    session: Session,
    sort: str = "new",
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[WallEntry], str | None]:
    """Return one page of published letters and the cursor of the next page (keyset paging)."""
    query = (
        select(Letter, ArchivedLetter.body)
        .join(ArchivedLetter, col(ArchivedLetter.hex) == col(Letter.hex))
        .where(col(Letter.visibility) == Visibility.PUBLISHED)
    )
    if q:
        q = unicodedata.normalize("NFC", q.strip())[:200]
        query = query.where(
            func.lower(col(ArchivedLetter.body)).like(_like_pattern(q.lower()), escape="\\")
            | func.lower(func.coalesce(col(Letter.addressed_to), "")).like(
                _like_pattern(q.lower()), escape="\\"
            )
        )
    if sort == "new":
        if cursor:
            after = decode_cursor(cursor, ("s",))
            query = query.where(col(Letter.wall_seq) < after["s"])
        query = query.order_by(col(Letter.wall_seq).desc())
    elif sort == "hearts":
        if cursor:
            after = decode_cursor(cursor, ("h", "s"))
            query = query.where(
                (col(Letter.hearts) < after["h"])
                | ((col(Letter.hearts) == after["h"]) & (col(Letter.wall_seq) < after["s"]))
            )
        query = query.order_by(col(Letter.hearts).desc(), col(Letter.wall_seq).desc())
    elif sort == "random":
        query = query.order_by(func.random())
    else:
        raise IntakeError(400, "invalid_sort", "`sort` is one of new, hearts, random.")
    rows = list(session.exec(query.limit(limit + 1)))
    entries = [WallEntry(letter, body or "") for letter, body in rows[:limit]]
    next_cursor = None
    if len(rows) > limit and sort != "random":
        last = entries[-1].letter
        next_cursor = encode_cursor(
            {"s": last.wall_seq} if sort == "new" else {"h": last.hearts, "s": last.wall_seq}
        )
    return entries, next_cursor


# --- hearts and reports -----------------------------------------------------------------


def reader_key(secret: str, reader_id: str, letter_hex: str) -> str:
    """Return the keyed hash under which one reader's heart or report on one letter counts.

    The letter is part of the key, so the rows of one browser cannot be joined across
    letters: a database dump cannot list what one reader hearted.
    """
    message = f"reader:{reader_id}:{letter_hex}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def add_heart(session: Session, letter_hex: str, key: str) -> int:
    """Count one heart from this reader on this letter (once), and return the total."""
    try:
        with session.begin_nested():
            session.add(Heart(letter_hex=letter_hex, reader_key=key))
            session.flush()
            session.execute(
                update(Letter)
                .where(col(Letter.hex) == letter_hex)
                .values(hearts=col(Letter.hearts) + 1)
            )
    except IntegrityError:
        pass  # this reader's heart is already counted
    session.commit()
    letter = session.get(Letter, letter_hex)
    if letter is not None:
        session.refresh(letter)
    return letter.hearts if letter else 0


def add_report(session: Session, letter_hex: str, key: str, category: object) -> bool:
    """Record one report per reader per letter; return False if it was already made."""
    if not isinstance(category, str) or category not in REPORT_CATEGORIES:
        raise IntakeError(
            400,
            "invalid_category",
            "`category` is one of " + ", ".join(sorted(REPORT_CATEGORIES)) + ".",
        )
    try:
        with session.begin_nested():
            session.add(Report(letter_hex=letter_hex, reader_key=key, category=category))
            session.flush()
    except IntegrityError:
        session.commit()
        return False
    session.commit()
    return True


def purge_rejected_text(session: Session, retention_days: int) -> int:
    """Delete the raw text of rejected submissions decided more than `retention_days` ago."""
    cutoff = utcnow() - timedelta(days=retention_days)
    expired = session.exec(
        select(Submission).where(
            col(Submission.status) == SubmissionStatus.REJECTED,
            col(Submission.decided_at) < cutoff,
            or_(col(Submission.body).is_not(None), col(Submission.addressed_to).is_not(None)),
        )
    ).all()
    for row in expired:
        # The text, the "to" line and every quote of them in the decision record go.
        row.body = None
        row.addressed_to = None
        row.decision = without_text(row.decision)
        session.add(row)
    session.commit()
    return len(expired)


def rebuild_wall(session: Session, batch: int = 1000) -> int:
    """Put every letter of the log on an empty wall (after importing an archive).

    The log holds no "to" lines and no hearts, so those start empty; a tombstoned letter
    comes back withdrawn, with its reason code.
    """
    from datetime import datetime

    from archive.log import parse_leaf
    from archive.models import LogLeaf

    reasons: dict[str, str] = {}
    for leaf in session.exec(select(LogLeaf.leaf).where(col(LogLeaf.kind) == "tombstone")):
        record = parse_leaf(leaf)
        reasons[str(record["address"]).removeprefix("sha256:")] = str(record.get("reason", "legal"))
    rows: list[dict[str, object]] = []
    added = 0
    query = (
        select(LogLeaf.leaf).where(col(LogLeaf.kind) == "letter").order_by(col(LogLeaf.sequence))
    )
    for leaf in session.exec(query.execution_options(yield_per=batch)):
        record = parse_leaf(leaf)
        hex_address = str(record["address"]).removeprefix("sha256:")
        withdrawn = reasons.get(hex_address)
        rows.append(
            {
                "hex": hex_address,
                "wall_seq": int(record["seq"]),  # type: ignore[call-overload]
                "published_at": datetime.fromisoformat(str(record["time"])),
                "hearts": 0,
                "visibility": Visibility.WITHDRAWN if withdrawn else Visibility.PUBLISHED,
                "withdrawn_reason": withdrawn,
            }
        )
        if len(rows) >= batch:
            session.execute(insert(Letter), rows)
            added += len(rows)
            rows.clear()
    if rows:
        session.execute(insert(Letter), rows)
        added += len(rows)
    return added
