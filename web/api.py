"""The JSON API under /api/v1: parse, call the journey, commit, enqueue, answer."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlmodel import Session

from archive import CanonicalisationError, parse_address
from misskissing import journey
from misskissing.journey import IntakeError, LetterLimits
from misskissing.models import Letter, Submission, Visibility
from web.app import error_response
from web.limits import heart_limit, report_limit, search_limit, submission_limit
from web.readers import current_reader_key, same_origin_request, set_reader_cookie
from web.views import letter_json, receipt_json, runtime
from worker import SCREEN_TASK

log = logging.getLogger(__name__)
api = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_JSON_DEPTH = 8


def enqueue_screening(submission_id: int) -> None:
    """Send the screening task after the row is committed; the sweeper covers failures."""
    celery = current_app.extensions["misskissing.celery"]
    try:
        celery.send_task(SCREEN_TASK, args=[submission_id], retry=False)
    except Exception:  # noqa: BLE001  (the committed row is the outbox; the sweeper re-sends)
        log.warning("enqueue of submission %s failed; the sweeper will retry", submission_id)


def limits() -> LetterLimits:
    s = runtime().settings
    return LetterLimits(min_chars=s.min_letter_chars, max_chars=s.max_letter_chars)


@api.errorhandler(IntakeError)
def _intake_error(exc: IntakeError) -> Response:
    return error_response(exc.status, exc.code, exc.message)


def _json_depth(value: Any, depth: int = 0) -> int:
    if depth > MAX_JSON_DEPTH:
        return depth
    if isinstance(value, dict):
        return max([_json_depth(v, depth + 1) for v in value.values()], default=depth + 1)
    if isinstance(value, list):
        return max([_json_depth(v, depth + 1) for v in value], default=depth + 1)
    return depth


def json_body() -> dict[str, Any]:
    """Parse a JSON object from the request strictly, or raise `IntakeError`."""
    if request.mimetype != "application/json":
        raise IntakeError(415, "unsupported_media_type", "Send the letter as application/json.")
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IntakeError(400, "invalid_utf8", "The request body is not valid UTF-8.") from exc
    try:
        payload = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise IntakeError(400, "invalid_json", "The request body is not valid JSON.") from exc
    if not isinstance(payload, dict):
        raise IntakeError(400, "invalid_json", "The request body must be a JSON object.")
    if _json_depth(payload) > MAX_JSON_DEPTH:
        raise IntakeError(400, "invalid_json", "The request body is nested too deeply.")
    return payload


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def require_same_origin() -> None:
    if not same_origin_request():
        raise IntakeError(403, "cross_origin", "Cross-site requests are not allowed.")


@api.post("/letters")
@submission_limit
def submit() -> tuple[Response, int]:
    require_same_origin()
    payload = json_body()
    unknown = set(payload) - {"body", "addressed_to"}
    if unknown:
        raise IntakeError(400, "unknown_field", f"Unknown field: {sorted(unknown)[0][:40]}.")
    if "body" not in payload:
        raise IntakeError(400, "missing_body", "`body` is required.")
    text, addressed_to = journey.prepare_letter(
        payload.get("body"), payload.get("addressed_to"), limits()
    )
    with runtime().session() as session:
        submission_id, token = journey.accept_letter(session, text, addressed_to)
    enqueue_screening(submission_id)
    return jsonify(
        {"receipt": token, "receipt_url": url_for("pages.receipt", token=token, _external=True)}
    ), 202


def _find_submission(session: Session, token: str) -> Submission:
    row = journey.find_submission(session, token)
    if row is None:
        raise IntakeError(404, "not_found", "No letter has this receipt.")
    return row


@api.get("/receipts/<token>")
def receipt(token: str) -> Response:
    with runtime().session() as session:
        submission = _find_submission(session, token)
        response = jsonify(receipt_json(session, submission))
    # The token is the writer's private key to this answer: keep it out of caches.
    response.headers["Cache-Control"] = "no-store"
    return response


def _published_letter(session: Session, hex_value: str) -> Letter:
    try:
        hex_address = parse_address(hex_value)
    except CanonicalisationError as exc:
        raise IntakeError(404, "not_found", "No letter has this address.") from exc
    letter = session.get(Letter, hex_address)
    if letter is None or letter.visibility == Visibility.HIDDEN:
        raise IntakeError(404, "not_found", "No letter has this address.")
    if letter.visibility == Visibility.WITHDRAWN:
        raise WithdrawnLetter(letter.withdrawn_reason or "legal")
    return letter


class WithdrawnLetter(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@api.errorhandler(WithdrawnLetter)
def _withdrawn(exc: WithdrawnLetter) -> Response:
    response = error_response(451, "withdrawn", "This letter was withdrawn.", reason=exc.reason)
    return response


@api.get("/letters")
@search_limit
def wall() -> Response:
    sort = request.args.get("sort", "new")
    q = request.args.get("q") or None
    cursor = request.args.get("cursor") or None
    try:
        limit = min(max(int(request.args.get("limit", runtime().settings.wall_page_size)), 1), 100)
    except ValueError as exc:
        raise IntakeError(400, "invalid_limit", "`limit` must be a whole number.") from exc
    with runtime().session() as session:
        entries, next_cursor = journey.wall_page(
            session, sort=sort, q=q, cursor=cursor, limit=limit
        )
        return jsonify(
            {
                "letters": [letter_json(e.letter, e.body) for e in entries],
                "next_cursor": next_cursor,
            }
        )


@api.get("/letters/<hex_value>")
def letter(hex_value: str) -> Response:
    with runtime().session() as session:
        row = _published_letter(session, hex_value)
        body = runtime().archive.read_text(session, row.hex)
        return jsonify(letter_json(row, body))


@api.post("/letters/<hex_value>/hearts")
@heart_limit
def heart(hex_value: str) -> Response:
    require_same_origin()
    with runtime().session() as session:
        row = _published_letter(session, hex_value)
        count = journey.add_heart(session, row.hex, current_reader_key(row.hex))
    return set_reader_cookie(jsonify({"hearts": count}))


@api.post("/letters/<hex_value>/reports")
@report_limit
def report(hex_value: str) -> tuple[Response, int]:
    require_same_origin()
    payload = json_body()
    with runtime().session() as session:
        row = _published_letter(session, hex_value)
        created = journey.add_report(
            session, row.hex, current_reader_key(row.hex), payload.get("category")
        )
    return set_reader_cookie(jsonify({"reported": True, "new": created})), 202


@api.get("/openapi.yaml")
def openapi_yaml() -> Response:
    """Serve the OpenAPI document that describes this API."""
    return Response(_openapi_text(), mimetype="application/yaml")


@api.get("/openapi.json")
def openapi_json() -> Response:
    """Serve the OpenAPI document as JSON."""
    import yaml  # transformers depends on PyYAML, so it is always installed

    return jsonify(yaml.safe_load(_openapi_text()))


def _openapi_text() -> str:
    from web.app import OPENAPI_PATH

    return OPENAPI_PATH.read_text("utf-8")
