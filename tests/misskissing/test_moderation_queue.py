"""Moderator actions: contact details never published, one decision per letter."""

from __future__ import annotations

import threading

import pytest

from misskissing import journey, moderation_queue
from misskissing.models import Letter, Submission
from misskissing.runtime import Runtime

CONTACTS = "Call me on +44 7700 900123 or write to jane.doe@example.com, one last time. Goodbye."


def dead_submission(runtime: Runtime, text: str, to: str | None = None) -> int:
    with runtime.session() as session:
        submission, _ = journey.submit_letter(session, text, to)
        assert submission.id is not None
        # Too many failed screenings: the row goes dead with no decision record at all.
        assert (
            journey.claim_submission(session, submission.id, runtime.settings.screening_lease, 0)
            is None
        )
    with runtime.session() as session:
        row = session.get(Submission, submission.id)
        assert row is not None and row.status == "dead" and row.decision is None
    return submission.id


@pytest.mark.parametrize("redacted", [False, True])
def test_approving_a_dead_letter_never_publishes_its_contact_details(
    runtime: Runtime, redacted: bool
) -> None:
    submission_id = dead_submission(runtime, CONTACTS, to="jane.doe@example.com")
    with runtime.session() as session:
        hex_address = moderation_queue.approve(
            runtime, session, submission_id, "m@example.org", redacted=redacted
        )
        body = runtime.archive.read_text(session, hex_address)
        letter = session.get(Letter, hex_address)
    assert "7700" not in body and "jane.doe@example.com" not in body
    assert "one last time" in body
    assert letter is not None and "example.com" not in (letter.addressed_to or "")


def test_two_moderators_deciding_at_once_make_one_decision(runtime: Runtime) -> None:
    submission_id = dead_submission(
        runtime, "Goodbye to the house on the hill, and to who I was in it."
    )
    outcomes: list[str] = []

    def decide(action: str) -> None:
        try:
            with runtime.session() as session:
                if action == "reject":
                    moderation_queue.reject(session, submission_id, "a@example.org", "other")
                else:
                    moderation_queue.approve(
                        runtime,
                        session,
                        submission_id,
                        "b@example.org",
                        redacted=action == "approve_redacted",
                    )
            outcomes.append(action)
        except moderation_queue.QueueError:
            outcomes.append("refused")

    threads = [
        threading.Thread(target=decide, args=(a,))
        for a in ("approve", "reject", "approve_redacted")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("refused") == 2, outcomes
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        letters = session.query(Letter).count()
    assert row is not None
    assert (row.status, letters) in {("published", 1), ("rejected", 0)}


def test_a_dead_letter_can_be_screened_again_once_and_is_audited(runtime: Runtime) -> None:
    from misskissing.models import AuditEvent

    submission_id = dead_submission(runtime, "Goodbye to the orchard, and thank you for the pears.")
    with runtime.session() as session:
        moderation_queue.screen_again(session, submission_id, "m@example.org")
        with pytest.raises(moderation_queue.QueueError):
            moderation_queue.screen_again(session, submission_id, "m@example.org")
        assert [e.action for e in session.query(AuditEvent).all()] == ["screen_again"]
    assert journey.screen_submission(runtime, submission_id) == "published"
