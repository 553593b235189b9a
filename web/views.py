"""Shapes shared by the pages and the JSON API."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from sqlmodel import Session

from archive import ADDRESS_PREFIX
from misskissing.models import Letter, Submission, SubmissionStatus, Visibility
from misskissing.runtime import Runtime, get_runtime


def runtime() -> Runtime:
    """Return the runtime the app factory built (settings, database, archive, models)."""
    rt: Runtime | None = current_app.extensions.get("misskissing.runtime")
    return rt if rt is not None else get_runtime()


SUPPORT_RESOURCES = {
    "message": "You matter, and you do not have to carry this alone tonight.",
    "resources": [
        {
            "name": "Emergency services",
            "detail": "If you are in immediate danger, call your local emergency number "
            "(112 / 911 / 999).",
        },
        {"name": "988 Suicide & Crisis Lifeline (US)", "detail": "Call or text 988."},
        {"name": "Samaritans (UK & Ireland)", "detail": "Call 116 123, free, day or night."},
        {
            "name": "Find a Helpline",
            "detail": "findahelpline.com lists free, confidential lines in many countries.",
        },
    ],
}


def iso(value: Any) -> str:
    return str(value.isoformat()).replace("+00:00", "Z")


def letter_json(letter: Letter, body: str) -> dict[str, Any]:
    """Render one published letter in the contract's shape."""
    data: dict[str, Any] = {"hash": ADDRESS_PREFIX + letter.hex, "body": body}
    if letter.addressed_to:
        data["addressed_to"] = letter.addressed_to
    data.update(
        published_at=iso(letter.published_at),
        hearts=letter.hearts,
        url=url_for("pages.letter", hex_value=letter.hex, _external=True),
    )
    return data


def public_status(session: Session, submission: Submission) -> tuple[str, Letter | None]:
    """Return the status the writer sees, and the wall letter once there is one."""
    status = submission.status
    if status == SubmissionStatus.DEAD:
        return "held", None  # awaiting a human, like any held letter
    if status == SubmissionStatus.SCHEDULED:
        return "screening", None  # approved; its release moment is kept even from the writer
    if status == SubmissionStatus.PUBLISHED and submission.letter_hex:
        letter = session.get(Letter, submission.letter_hex)
        if letter is not None and letter.visibility != Visibility.PUBLISHED:
            return str(letter.visibility), letter
        return "published", letter
    return str(status), None


def receipt_json(session: Session, submission: Submission) -> dict[str, Any]:
    """Render what a receipt shows its writer."""
    status, letter = public_status(session, submission)
    data: dict[str, Any] = {"status": status}
    if status == "published" and letter is not None:
        body = runtime().archive.read_text(session, letter.hex)
        data["letter"] = letter_json(letter, body)
        data["hearts"] = letter.hearts
    if submission.redacted_kinds:
        data["redacted"] = list(submission.redacted_kinds)
    if status in {"held", "rejected"} and submission.reasons:
        data["reasons"] = list(submission.reasons)
    if submission.support:
        data["support"] = SUPPORT_RESOURCES
    return data
