"""The journey services on real SQLite and PostgreSQL: screening, publishing, hearts, paging."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, func, select

from archive.models import ArchivedLetter, LogLeaf
from misskissing import journey
from misskissing.models import Heart, Letter, Submission, utcnow
from misskissing.runtime import Runtime
from moderation import Decision

KIND = "Thank you for the summer we spent repainting the old boat. Goodbye, and be well."


def submit(runtime: Runtime, text: str = KIND, to: str | None = None) -> int:
    with runtime.session() as session:
        submission, _ = journey.submit_letter(session, text, to)
        assert submission.id is not None
        return submission.id


def decision(verdict: str, text: str = KIND, **kwargs: object) -> Decision:
    return Decision(
        verdict,
        bool(kwargs.pop("crisis", False)),
        {},
        [],
        list(kwargs.pop("reasons", [])),  # type: ignore[arg-type]
        "test-model",
        text,
        **kwargs,
    )  # type: ignore[arg-type]


def count(runtime: Runtime, model: type) -> int:
    with runtime.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_kind_letter_is_published_to_archive_and_wall(runtime: Runtime) -> None:
    submission_id = submit(runtime, to="the old me")
    assert journey.screen_submission(runtime, submission_id) == "published"
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None and row.status == "published"
        assert row.body is None, "raw text must be deleted once the decision is final"
        letter = session.get(Letter, row.letter_hex)
        assert letter is not None and letter.addressed_to == "the old me"
        assert runtime.archive.read_text(session, letter.hex) == KIND
    import hashlib

    assert row.letter_hex == hashlib.sha256(KIND.encode()).hexdigest()


def test_rescreening_publishes_once(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    assert journey.screen_submission(runtime, submission_id) == "published"
    assert journey.screen_submission(runtime, submission_id) == "skipped"
    assert journey.screen_submission(runtime, submission_id) == "skipped"
    assert count(runtime, Letter) == 1
    assert count(runtime, LogLeaf) == 1


def test_concurrent_screenings_of_one_letter_publish_once(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    outcomes: list[str] = []
    threads = [
        threading.Thread(
            target=lambda: outcomes.append(journey.screen_submission(runtime, submission_id))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("published") == 1
    assert count(runtime, LogLeaf) == 1


def test_same_text_twice_is_one_letter(runtime: Runtime) -> None:
    first, second = submit(runtime), submit(runtime)
    journey.screen_submission(runtime, first)
    journey.screen_submission(runtime, second)
    with runtime.session() as session:
        hexes = {s.letter_hex for s in session.exec(select(Submission))}
    assert len(hexes) == 1
    assert count(runtime, Letter) == 1
    assert count(runtime, ArchivedLetter) == 1


def test_a_superseded_claim_cannot_publish(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    with runtime.session() as session:
        stale = journey.claim_submission(session, submission_id, timedelta(seconds=-1), 5)
    assert stale is not None
    # The lease already ran out: another worker claims the row again and finishes it.
    assert journey.screen_submission(runtime, submission_id) == "published"
    assert journey.finish_screening(runtime, stale, decision("approve")) == "superseded"
    assert count(runtime, LogLeaf) == 1


@pytest.mark.parametrize(("verdict", "status"), [("review", "held"), ("reject", "rejected")])
def test_review_and_reject_keep_letter_off_the_wall(
    runtime: Runtime, verdict: str, status: str
) -> None:
    submission_id = submit(runtime)
    with runtime.session() as session:
        claim = journey.claim_submission(session, submission_id, timedelta(minutes=5), 5)
    assert claim is not None
    assert journey.finish_screening(runtime, claim, decision(verdict, reasons=["why"])) == status
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None and row.status == status and row.reasons == ["why"]
        assert row.body == KIND, "a moderator still needs the text"
    assert count(runtime, Letter) == 0
    assert count(runtime, LogLeaf) == 0


def test_crisis_letter_is_held_with_support_even_if_approved(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    with runtime.session() as session:
        claim = journey.claim_submission(session, submission_id, timedelta(minutes=5), 5)
    assert claim is not None
    assert journey.finish_screening(runtime, claim, decision("approve", crisis=True)) == "held"
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None and row.support is True


def test_too_many_attempts_move_to_dead_letters(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    with runtime.session() as session:
        session.execute(
            update(Submission).where(col(Submission.id) == submission_id).values(attempts=5)
        )
    assert journey.screen_submission(runtime, submission_id) == "skipped"
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None and row.status == "dead"


def test_sweeper_finds_lost_enqueues_and_expired_leases(runtime: Runtime) -> None:
    fresh, old, leased = submit(runtime), submit(runtime, KIND + " 2"), submit(runtime, KIND + " 3")
    with runtime.session() as session:
        session.execute(
            update(Submission)
            .where(col(Submission.id) == old)
            .values(updated_at=utcnow() - timedelta(minutes=5))
        )
        session.execute(
            update(Submission)
            .where(col(Submission.id) == leased)
            .values(status="screening", lease_until=utcnow() - timedelta(seconds=1))
        )
    with runtime.session() as session:
        stuck = journey.stuck_submissions(session, timedelta(minutes=10))
    assert stuck == [old, leased]
    assert fresh not in stuck


def test_hearts_count_once_per_reader(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    journey.screen_submission(runtime, submission_id)
    with runtime.session() as session:
        hex_address = session.get(Submission, submission_id).letter_hex  # type: ignore[union-attr]
        a = journey.reader_key("s", "reader-a", hex_address)  # type: ignore[arg-type]
        b = journey.reader_key("s", "reader-b", hex_address)  # type: ignore[arg-type]
        assert [journey.add_heart(session, hex_address, k) for k in (a, a, b, a)] == [1, 1, 2, 2]  # type: ignore[arg-type]
    assert count(runtime, Heart) == 2


def test_concurrent_hearts_from_many_readers_all_count(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    journey.screen_submission(runtime, submission_id)
    with runtime.session() as session:
        hex_address = session.get(Submission, submission_id).letter_hex  # type: ignore[union-attr]

    def heart(n: int) -> None:
        with runtime.session() as session:
            journey.add_heart(
                session, hex_address, journey.reader_key("s", f"r{n % 10}", hex_address)
            )  # type: ignore[arg-type]

    threads = [threading.Thread(target=heart, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with runtime.session() as session:
        assert session.get(Letter, hex_address).hearts == 10  # type: ignore[union-attr]


def test_wall_pages_with_cursors_newest_first_without_gaps(runtime: Runtime) -> None:
    for n in range(25):
        journey.screen_submission(runtime, submit(runtime, f"{KIND} Number {n:02d}."))
    seen: list[str] = []
    cursor = None
    with runtime.session() as session:
        while True:
            entries, cursor = journey.wall_page(session, cursor=cursor, limit=10)
            seen += [e.body for e in entries]
            if cursor is None:
                break
    assert seen == [f"{KIND} Number {n:02d}." for n in reversed(range(25))]


def test_wall_by_hearts_and_search(runtime: Runtime) -> None:
    ids = [submit(runtime, f"{KIND} Letter {word}.") for word in ("alpha", "beta", "gamma")]
    for i in ids:
        journey.screen_submission(runtime, i)
    with runtime.session() as session:
        beta = session.get(Submission, ids[1]).letter_hex  # type: ignore[union-attr]
        journey.add_heart(session, beta, "k1")  # type: ignore[arg-type]
        by_hearts, _ = journey.wall_page(session, sort="hearts", limit=1)
        assert by_hearts[0].letter.hex == beta
        rest, cursor = journey.wall_page(
            session,
            sort="hearts",
            limit=5,
            cursor=journey.encode_cursor({"h": 1, "s": by_hearts[0].letter.wall_seq}),
        )
        assert (
            [e.letter.hex for e in rest] != []
            and beta not in [e.letter.hex for e in rest]
            and cursor is None
        )
        found, _ = journey.wall_page(session, q="GAMMA")
        assert [e.body.endswith("gamma.") for e in found] == [True]
        assert journey.wall_page(session, q="100%")[0] == []


# --- never lose a letter: failed attempts, dead letters, row locks, sweeper pacing ----------


def _explode(claim: journey.Claim) -> None:
    raise RuntimeError(f"scorer crashed on {claim.text}")


def test_failed_screening_gives_the_attempt_back_without_the_text(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    assert journey.screen_submission(runtime, submission_id, on_claimed=_explode) == "failed"
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None and row.status == "screening" and row.attempts == 1
        assert row.last_error == "screening failed: RuntimeError", "no letter text in errors"
        assert journey.stuck_submissions(session, timedelta(minutes=10)) == [submission_id]


def test_letter_that_always_crashes_screening_ends_in_dead_letters(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    outcomes = [
        journey.screen_submission(runtime, submission_id, on_claimed=_explode)
        for _ in range(runtime.settings.max_screening_attempts + 2)
    ]
    assert outcomes == ["failed"] * runtime.settings.max_screening_attempts + ["skipped"] * 2
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None and row.status == "dead"
        assert row.attempts == runtime.settings.max_screening_attempts
        assert journey.stuck_submissions(session, timedelta(minutes=10)) == []
    assert count(runtime, LogLeaf) == 0


def test_a_stale_claim_cannot_release_a_newer_attempt(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    with runtime.session() as session:
        stale = journey.claim_submission(session, submission_id, timedelta(seconds=-1), 5)
        newer = journey.claim_submission(session, submission_id, timedelta(minutes=5), 5)
        assert stale is not None and newer is not None and newer.attempt == stale.attempt + 1
        assert journey.release_claim(session, stale, "late") is False
        assert journey.release_claim(session, newer, "failed") is True


@pytest.mark.postgres
def test_postgres_claim_skips_a_row_another_claimer_holds(runtime: Runtime) -> None:
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is the PostgreSQL path; SQLite serialises writers")
    submission_id = submit(runtime)
    with runtime.session() as holder:
        holder.exec(select(Submission).where(col(Submission.id) == submission_id).with_for_update())
        with runtime.session() as other:
            # Not blocked behind the holder's lock, and no claim either.
            assert journey.claim_submission(other, submission_id, timedelta(minutes=5), 5) is None
        holder.rollback()
    with runtime.session() as session:
        assert journey.claim_submission(session, submission_id, timedelta(minutes=5), 5) is not None


def test_sweeper_waits_pending_after_and_restarts_the_clock_on_resend(runtime: Runtime) -> None:
    submission_id = submit(runtime)
    lease = timedelta(minutes=10)
    with runtime.session() as session:
        assert journey.stuck_submissions(session, lease, pending_after=timedelta(seconds=5)) == []
        session.execute(
            update(Submission)
            .where(col(Submission.id) == submission_id)
            .values(updated_at=utcnow() - timedelta(seconds=6))
        )
        session.commit()
        assert journey.stuck_submissions(session, lease, pending_after=timedelta(seconds=5)) == [
            submission_id
        ]
        journey.mark_requeued(session, [submission_id])
        assert journey.stuck_submissions(session, lease, pending_after=timedelta(seconds=5)) == []


def test_published_row_keeps_no_copy_of_the_text(runtime: Runtime) -> None:
    submission_id = submit(runtime, to="Grandad")
    assert journey.screen_submission(runtime, submission_id) == "published"
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
    assert row is not None
    assert row.body is None and row.addressed_to is None
    assert KIND not in repr(row.model_dump())
    # Only the hour survives: the row cannot be matched to the request that wrote it.
    assert (row.created_at.minute, row.created_at.second, row.created_at.microsecond) == (0, 0, 0)
    assert row.decided_at is None


def test_the_to_line_is_screened_like_the_body(runtime: Runtime) -> None:
    phone = submit(runtime, to="Sam on 415-555-0134")
    assert journey.screen_submission(runtime, phone) == "published"
    full_name = submit(runtime, KIND + " Again.", to="Jonathan Whitmore")
    assert journey.screen_submission(runtime, full_name) == "held"
    with runtime.session() as session:
        published = session.get(Submission, phone)
        letter = session.get(Letter, published.letter_hex)  # type: ignore[union-attr]
        assert letter is not None and "415" not in (letter.addressed_to or "")
        assert "phone number" in " ".join(published.redacted_kinds)  # type: ignore[union-attr]
        held = session.get(Submission, full_name)
        assert held is not None and any("'to' line" in r for r in held.reasons)


def test_moderator_approval_never_publishes_contact_details(runtime: Runtime) -> None:
    from misskissing import moderation_queue

    text = (
        "Jonathan Whitmore, call me one last time on 415-555-0134 if you ever read this. Goodbye."
    )
    submission_id = submit(runtime, text)
    assert journey.screen_submission(runtime, submission_id) == "held"
    with runtime.session() as session:
        hex_plain = moderation_queue.approve(runtime, session, submission_id, "mod@example.org")
        body = runtime.archive.read_text(session, hex_plain)
    assert "415-555-0134" not in body
    assert "Jonathan Whitmore" in body  # plain approval: the moderator judged the name fine


def test_moderator_approval_with_redaction_hides_the_full_name(runtime: Runtime) -> None:
    from misskissing import moderation_queue

    text = "Jonathan Whitmore, you taught me to sail and to let go. Goodbye, and thank you."
    submission_id = submit(runtime, text)
    assert journey.screen_submission(runtime, submission_id) == "held"
    with runtime.session() as session:
        hex_address = moderation_queue.approve(
            runtime, session, submission_id, "m@example.org", redacted=True
        )
        body = runtime.archive.read_text(session, hex_address)
        row = session.get(Submission, submission_id)
    assert "Whitmore" not in body and "taught me to sail" in body
    assert row is not None and "Whitmore" not in repr(row.model_dump())


def test_one_readers_keys_cannot_be_joined_across_letters() -> None:
    first = journey.reader_key("secret", "reader", "a" * 64)
    assert first == journey.reader_key("secret", "reader", "a" * 64)
    assert first != journey.reader_key("secret", "reader", "b" * 64)


def test_delayed_release_hides_when_a_letter_was_written(runtime: Runtime) -> None:
    runtime.settings.publish_delay_seconds = 3600
    submission_id = submit(runtime, to="the sea")
    assert journey.screen_submission(runtime, submission_id) == "scheduled"
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None and row.publish_after is not None
        assert journey.due_for_release(session) == []  # its moment has not come
    assert count(runtime, Letter) == 0
    with runtime.session() as session:
        session.execute(
            update(Submission)
            .where(col(Submission.id) == submission_id)
            .values(publish_after=utcnow() - timedelta(seconds=1))
        )
    with runtime.session() as session:
        assert journey.due_for_release(session) == [submission_id]
    assert journey.release_scheduled(runtime, submission_id) is True
    assert journey.release_scheduled(runtime, submission_id) is False  # idempotent
    with runtime.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None and row.status == "published" and row.body is None
        assert KIND not in repr(row.model_dump())
        letter = session.get(Letter, row.letter_hex)
        assert letter is not None and letter.addressed_to == "the sea"
    assert count(runtime, LogLeaf) == 1


def test_release_moments_are_spread_over_the_window(runtime: Runtime) -> None:
    runtime.settings.publish_delay_seconds = 3600
    ids = [submit(runtime, f"{KIND} Number {n}.") for n in range(6)]
    for submission_id in ids:
        assert journey.screen_submission(runtime, submission_id) == "scheduled"
    with runtime.session() as session:
        moments = {session.get(Submission, i).publish_after for i in ids}  # type: ignore[union-attr]
    assert len(moments) == 6
