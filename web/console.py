"""The moderator and operator console under /console."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)

from misskissing import moderation_queue
from misskissing.accounts import authenticate
from misskissing.models import User
from web.api import enqueue_screening
from web.limits import LOGIN_LIMITS, limiter
from web.views import runtime

console = Blueprint("console", __name__, url_prefix="/console")
login_manager = LoginManager()
login_manager.login_view = "console.login"


class ConsoleUser(UserMixin):  # type: ignore[misc]  # Flask-Login ships no type hints
    def __init__(self, user: User) -> None:
        self.id = str(user.id)
        self.email = user.email
        self.role = user.role


@console.after_request
def _never_cache(response: Response) -> Response:
    # Held letters may still carry contact details: no browser or proxy may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@login_manager.user_loader
def _load_user(user_id: str) -> ConsoleUser | None:
    if not user_id.isdigit():
        return None
    with runtime().session() as session:
        user = session.get(User, int(user_id))
    return ConsoleUser(user) if user is not None and user.active else None


@console.record_once
def _setup(state: Any) -> None:
    login_manager.init_app(state.app)


@console.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMITS, methods=["POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        with runtime().session() as session:
            user = authenticate(
                session, request.form.get("email", ""), request.form.get("password", "")
            )
        if user is not None:
            login_user(ConsoleUser(user))
            return redirect(url_for("console.queue"))
        error = "Those details do not match an account."
    return render_template("console/login.html", error=error), (401 if error else 200)


@console.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    return redirect(url_for("console.login"))


@console.get("/")
@login_required
def queue() -> str:
    with runtime().session() as session:
        held = moderation_queue.held_submissions(session)
        reports = moderation_queue.open_reports(session)
    return render_template(
        "console/queue.html", held=held, reports=reports, reasons=moderation_queue.REJECT_REASONS
    )


@console.post("/held/<int:submission_id>")
@login_required
def decide(submission_id: int) -> Any:
    action = request.form.get("action")
    try:
        with runtime().session() as session:
            if action in {"approve", "approve_redacted"}:
                moderation_queue.approve(
                    runtime(),
                    session,
                    submission_id,
                    current_user.email,
                    redacted=action == "approve_redacted",
                )
            elif action == "reject":
                moderation_queue.reject(
                    session, submission_id, current_user.email, request.form.get("reason", "")
                )
            elif action == "screen_again":
                moderation_queue.screen_again(session, submission_id, current_user.email)
                enqueue_screening(submission_id)
            else:
                abort(400)
    except moderation_queue.QueueError as exc:
        flash(str(exc))
    return redirect(url_for("console.queue"))


@console.post("/letters/<hex_value>")
@login_required
def letter_action(hex_value: str) -> Any:
    action = request.form.get("action")
    try:
        with runtime().session() as session:
            if action == "hide":
                moderation_queue.hide_letter(session, hex_value, current_user.email)
            elif action == "dismiss":
                moderation_queue.dismiss_reports(session, hex_value, current_user.email)
            else:
                abort(400)
    except moderation_queue.QueueError as exc:
        flash(str(exc))
    return redirect(url_for("console.queue"))
