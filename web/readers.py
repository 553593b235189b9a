"""Who is asking: the anonymous reader cookie and same-origin checks for JSON writes."""

from __future__ import annotations

import secrets
from typing import TypeVar
from urllib.parse import urlsplit

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from misskissing.journey import reader_key

READER_COOKIE = "mk_reader"
AnyResponse = TypeVar("AnyResponse", bound=Response)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="misskissing-reader")


def current_reader_key(letter_hex: str) -> str:
    """Return this browser's keyed reader hash, minting a reader id if it has none."""
    reader_id = None
    raw = request.cookies.get(READER_COOKIE)
    if raw:
        try:
            loaded = _serializer().loads(raw)
            if isinstance(loaded, str) and len(loaded) == 43:
                reader_id = loaded
        except BadSignature:
            reader_id = None  # a forged or damaged cookie earns a fresh reader id
    if reader_id is None:
        reader_id = secrets.token_urlsafe(32)
        g.new_reader_cookie = _serializer().dumps(reader_id)
    return reader_key(current_app.config["SECRET_KEY"], reader_id, letter_hex)


def set_reader_cookie(response: AnyResponse) -> AnyResponse:
    """Send the reader cookie minted during this request, if any."""
    value = g.pop("new_reader_cookie", None)
    if value:
        response.set_cookie(
            READER_COOKIE,
            value,
            max_age=2 * 365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def same_origin_request() -> bool:
    """Tell whether a state-changing request comes from this site (or from no browser)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site and fetch_site not in {"same-origin", "none"}:
        return False
    origin = request.headers.get("Origin")
    if origin:
        if origin == "null":
            return False
        parts = urlsplit(origin)
        return parts.netloc == request.host
    return True
