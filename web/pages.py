"""The HTML pages: wall, write, letter, receipt, feed, transparency."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func
from sqlmodel import select
from werkzeug.wrappers import Response as WerkzeugResponse

from archive import CanonicalisationError, parse_address
from archive.proofs import permanence_record
from misskissing import journey
from misskissing.journey import IntakeError
from misskissing.models import Letter, Submission, SubmissionStatus, Visibility
from web.api import enqueue_screening, limits
from web.limits import HEART_LIMITS, SUBMIT_LIMITS, limiter, search_limit
from web.readers import current_reader_key, same_origin_request, set_reader_cookie
from web.views import SUPPORT_RESOURCES, public_status, runtime

pages = Blueprint("pages", __name__)


@pages.get("/")
@search_limit
def wall() -> str:
    sort = request.args.get("sort", "new")
    if sort not in {"new", "hearts", "random"}:
        sort = "new"
    q = (request.args.get("q") or "").strip() or None
    cursor = request.args.get("cursor") or None
    try:
        with runtime().session() as session:
            entries, next_cursor = journey.wall_page(
                session, sort=sort, q=q, cursor=cursor, limit=runtime().settings.wall_page_size
            )
    except IntakeError:
        abort(400)
    return render_template(
        "wall.html", entries=entries, next_cursor=next_cursor, sort=sort, q=q or ""
    )


@pages.route("/write", methods=["GET", "POST"])
@limiter.shared_limit(SUBMIT_LIMITS, scope="submissions", methods=["POST"])
def write() -> Any:
    if request.method == "GET":
        return render_template("write.html", error=None, body="", addressed_to="")
    body = request.form.get("body", "")
    addressed_to = request.form.get("addressed_to") or None
    try:
        text, to = journey.prepare_letter(body, addressed_to, limits())
    except IntakeError as exc:
        return render_template(
            "write.html", error=exc.message, body=body, addressed_to=addressed_to or ""
        ), exc.status
    with runtime().session() as session:
        submission_id, token = journey.accept_letter(session, text, to)
    enqueue_screening(submission_id)
    return redirect(url_for("pages.receipt", token=token, new=1), code=303)


def _letter_or_abort(hex_value: str) -> Letter:
    try:
        hex_address = parse_address(hex_value)
    except CanonicalisationError:
        abort(404)
    with runtime().session() as session:
        letter = session.get(Letter, hex_address)
    if letter is None or letter.visibility == Visibility.HIDDEN:
        abort(404)
    if letter.visibility == Visibility.WITHDRAWN:
        abort(
            Response(
                render_template("withdrawn.html", reason=letter.withdrawn_reason or "legal"), 451
            )
        )
    return letter


@pages.get("/letters/<hex_value>")
def letter(hex_value: str) -> str:
    row = _letter_or_abort(hex_value)
    with runtime().session() as session:
        body = runtime().archive.read_text(session, row.hex)
    return render_template("letter.html", letter=row, body=body)


@pages.post("/letters/<hex_value>/heart")
@limiter.shared_limit(HEART_LIMITS, scope="hearts")
def heart(hex_value: str) -> WerkzeugResponse:
    if not same_origin_request():
        abort(403)
    row = _letter_or_abort(hex_value)
    with runtime().session() as session:
        journey.add_heart(session, row.hex, current_reader_key(row.hex))
    return set_reader_cookie(redirect(url_for("pages.letter", hex_value=row.hex), code=303))


@pages.get("/receipt/<token>")
def receipt(token: str) -> Any:
    with runtime().session() as session:
        submission = journey.find_submission(session, token)
        if submission is None:
            abort(404)
        status, letter = public_status(session, submission)
        body = (
            runtime().archive.read_text(session, letter.hex)
            if status == "published" and letter
            else None
        )
        permanence = _permanence(session, letter.hex) if status == "published" and letter else None
    response = current_app.make_response(
        render_template(
            "receipt.html",
            submission=submission,
            status=status,
            letter=letter,
            body=body,
            support=SUPPORT_RESOURCES if submission.support else None,
            permanence=permanence,
            just_written=request.args.get("new") == "1",
        )
    )
    # The receipt link is the writer's private key to this page: keep it out of caches.
    response.headers["Cache-Control"] = "no-store"
    return response


def _permanence(session: Any, hex_address: str) -> dict[str, Any]:
    record: dict[str, Any] = permanence_record(session, runtime().archive, hex_address)
    return record


@pages.get("/feed.atom")
def feed() -> Response:
    with runtime().session() as session:
        entries, _ = journey.wall_page(session, sort="new", limit=50)
    xml = render_template("feed.atom.xml", entries=entries)
    return Response(xml, mimetype="application/atom+xml")


@pages.get("/transparency")
def transparency() -> str:
    with runtime().session() as session:
        counts = dict(
            session.exec(select(Submission.status, func.count()).group_by(Submission.status)).all()
        )
        published = session.exec(
            select(func.count())
            .select_from(Letter)
            .where(Letter.visibility == Visibility.PUBLISHED)
        ).one()
        withdrawn = session.exec(
            select(func.count())
            .select_from(Letter)
            .where(Letter.visibility == Visibility.WITHDRAWN)
        ).one()
    return render_template(
        "transparency.html",
        counts=counts,
        published=published,
        withdrawn=withdrawn,
        statuses=[s.value for s in SubmissionStatus],
    )
