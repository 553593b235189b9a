"""Application factory: wire settings, runtime, blueprints, limits and headers."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from misskissing import metrics
from misskissing.logs import configure_logging, new_request_id, request_id_var
from misskissing.runtime import Runtime, set_runtime
from misskissing.settings import Settings
from web.limits import limiter, make_salt_store
from worker import make_celery

log = logging.getLogger(__name__)
access_log = logging.getLogger("misskissing.access")
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def create_app(
    settings: Settings | None = None, test_config: dict[str, Any] | None = None
) -> Flask:
    """Build the Flask application from `settings` (the environment by default)."""
    settings = settings or Settings()
    if not logging.getLogger().handlers:
        configure_logging(fmt=settings.log_format)  # gunicorn: nobody configured the root
    runtime = Runtime(settings)
    set_runtime(runtime)

    app = Flask(__name__)
    app.session_interface = TlsAwareSessionInterface()
    if settings.proxy_hops:
        # Only behind a proxy we run: otherwise a client could pick its own address.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.extensions["misskissing.trust_request_id"] = bool(settings.proxy_hops)
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
        RATELIMIT_ENABLED=settings.rate_limits_enabled,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the contract's key order
    app.extensions["misskissing.runtime"] = runtime
    app.extensions["misskissing.celery"] = make_celery(settings)
    app.extensions["misskissing.salts"] = make_salt_store(settings.redis_url)

    # First, so CSRF and rate-limit refusals also get a request id, a log line and metrics.
    app.before_request(_start_request)
    csrf.init_app(app)
    limiter.init_app(app)

    from web.api import api
    from web.console import console
    from web.health import health
    from web.log_api import log_api
    from web.pages import pages

    csrf.exempt(api)
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(console)
    app.register_blueprint(health)
    limiter.exempt(health)
    csrf.exempt(log_api)
    app.register_blueprint(log_api)

    app.jinja_env.filters["atom_date"] = _atom_date
    _register_error_handlers(app)
    app.after_request(_security_headers)
    app.after_request(_finish_request)
    app.teardown_request(_forget_request)
    return app


def _start_request() -> None:
    # A request id from outside is taken only from a proxy we run (see `proxy_hops`).
    incoming = request.headers.get("X-Request-ID") if _trust_request_id() else None
    g.request_id = new_request_id(incoming)
    g.request_id_token = request_id_var.set(g.request_id)
    g.request_started = time.perf_counter()
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        # Refuse early even where the view would never read the body (hearts).
        abort(413)


def _trust_request_id() -> bool:
    return bool(current_app.extensions.get("misskissing.trust_request_id"))


def _finish_request(response: Response) -> Response:
    started = g.get("request_started")
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
    if started is not None:
        seconds = time.perf_counter() - started
        # The route's rule, never the path: paths carry receipt tokens and letter hashes.
        endpoint = request.endpoint or "unmatched"
        metrics.HTTP_LATENCY.labels(endpoint).observe(seconds)
        metrics.HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        access_log.info(
            "%s %s %s",
            request.method,
            request.url_rule.rule if request.url_rule else "-",
            response.status_code,
            extra={
                "endpoint": endpoint,
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
    return response


def _forget_request(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:
            request_id_var.set(None)


class TlsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie `Secure` exactly when this request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    """Answer with the contract's JSON error shape."""
    response = jsonify({"error": {"code": code, "message": message}, **extra})
    response.status_code = status
    return response


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        if wants_json():
            return error_response(400, "csrf_failed", exc.description or "CSRF check failed.")
        message = "This form has expired. Please go back and try again."
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        codes = {
            400: "bad_request",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
            415: "unsupported_media_type",
            429: "rate_limited",
            451: "withdrawn",
            503: "unavailable",
        }
        message = {
            413: "The request is too large.",
            429: "Too many requests; please wait a moment.",
        }.get(status, exc.description or exc.name)
        if wants_json():
            response = error_response(status, codes.get(status, "error"), message)
        else:
            response = app.make_response(
                (render_template("error.html", status=status, message=message), status)
            )
        if status == 429 and exc.get_response().headers.get("Retry-After"):
            response.headers["Retry-After"] = exc.get_response().headers["Retry-After"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        from sqlalchemy.exc import OperationalError as DatabaseUnavailable

        if isinstance(exc, DatabaseUnavailable):
            log.error("database unavailable: %s", type(exc).__name__)
            status, code = 503, "unavailable"
            message = "The service is briefly unavailable; please try again."
        else:
            log.exception("unexpected error")
            status, code, message = 500, "internal_error", "Something went wrong on our side."
        if wants_json():
            return error_response(status, code, message)
        return render_template("error.html", status=status, message=message), status


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault(
        "Permissions-Policy", "interest-cohort=(), camera=(), microphone=(), geolocation=()"
    )
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response


def _atom_date(value: Any) -> str:
    from datetime import UTC, datetime

    value = value or datetime.now(UTC)
    return str(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
